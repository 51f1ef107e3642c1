//! A person's decrypted vectors ([`PersonVectors`], ranked by cosine) and
//! the replica's bounded cache of them ([`VectorCache`]); pure, no I/O.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Cosine similarity of `a` and `b` given their norms ([`norm`]); 0 when
/// either is null or their lengths differ.
pub(crate) fn cosine(a: &[f32], a_norm: f64, b: &[f32], b_norm: f64) -> f32 {
    if a.len() != b.len() || a_norm == 0.0 || b_norm == 0.0 {
        return 0.0;
    }
    (f64::from(dot(a, b)) / (a_norm * b_norm)) as f32
}

/// A vector's Euclidean norm.
pub(crate) fn norm(vector: &[f32]) -> f64 {
    f64::from(dot(vector, vector)).sqrt()
}

/// The dot product in eight running sums, which the compiler turns into
/// vector instructions: a recall computes 10,000 of them for a person with
/// 10,000 memories (1,536 dimensions each with real embedding models).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 8;
    let mut sums = [0f32; LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((sum, x), y) in sums.iter_mut().zip(x).zip(y) {
            *sum += x * y;
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// How long a person's decrypted vectors stay in a replica's memory unused.
pub(crate) const VECTORS_IDLE: Duration = Duration::from_secs(15 * 60);

/// The most vector components a replica holds for everyone together
/// (64 MiB of `f32`): about 10,000 vectors of 1,536 dimensions.
const VECTORS_BUDGET: usize = 16 * 1024 * 1024;

/// A person's vectors of one model, decrypted, as of a stamp, one after
/// the other in one block (a recall reads them all, in order).
#[derive(Debug)]
pub(crate) struct PersonVectors {
    model: String,
    stamp: Option<i64>,
    /// Components per vector (the first vector's; one of another size, made
    /// while the model gave other sizes, counts as absent).
    dimensions: usize,
    /// The memory of each vector.
    ids: Vec<String>,
    /// Where each memory's vector is, by memory id.
    positions: HashMap<String, usize>,
    /// The vectors, `dimensions` components each, in `ids` order.
    components: Vec<f32>,
    norms: Vec<f64>,
}

/// The person's vectors ranked for a query ([`PersonVectors::ranked`]).
#[derive(Debug)]
pub(crate) struct Ranked {
    vectors: Arc<PersonVectors>,
    /// Each vector's cosine, in the vectors' order.
    cosines: Vec<f32>,
    /// (cosine, position), best first.
    pub(crate) order: Vec<(f32, usize)>,
}

impl Ranked {
    /// The cosine of a memory's vector (`None`: it has none).
    pub(crate) fn cosine(&self, memory_id: &str) -> Option<f32> {
        self.vectors
            .positions
            .get(memory_id)
            .and_then(|position| self.cosines.get(*position).copied())
    }

    pub(crate) fn id(&self, position: usize) -> &str {
        &self.vectors.ids[position]
    }

    /// How many vectors were ranked.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }
}

impl PersonVectors {
    pub(crate) fn new(model: &str, stamp: Option<i64>, vectors: Vec<(String, Vec<f32>)>) -> PersonVectors {
        let dimensions = vectors.as_slice().first().map_or(0, |(_, vector)| vector.len());
        let mut held = PersonVectors {
            model: model.to_owned(),
            stamp,
            dimensions,
            ids: Vec::with_capacity(vectors.len()),
            positions: HashMap::with_capacity(vectors.len()),
            components: Vec::with_capacity(vectors.len() * dimensions),
            norms: Vec::with_capacity(vectors.len()),
        };
        for (id, vector) in vectors {
            if vector.len() != dimensions || held.positions.contains_key(&id) {
                continue;
            }
            held.positions.insert(id.clone(), held.ids.len());
            held.ids.push(id);
            held.norms.push(norm(&vector));
            held.components.extend_from_slice(&vector);
        }
        held
    }

    /// How many vectors are held.
    pub(crate) fn count(&self) -> usize {
        self.ids.len()
    }

    fn components(&self) -> usize {
        self.components.len()
    }

    /// Each vector's [`cosine`] with `query`, and the vectors best first.
    pub(crate) fn ranked(self: Arc<Self>, query: &[f32]) -> Ranked {
        let query_norm = norm(query);
        let cosines: Vec<f32> = if self.dimensions == 0 {
            vec![0.0; self.count()]
        } else {
            self.components
                .chunks_exact(self.dimensions)
                .zip(&self.norms)
                .map(|(vector, vector_norm)| cosine(query, query_norm, vector, *vector_norm))
                .collect()
        };
        let mut order: Vec<(f32, usize)> = cosines.iter().copied().zip(0..).collect();
        order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ranked {
            vectors: self,
            cosines,
            order,
        }
    }
}

/// The decrypted vectors of the people a replica served recently, each
/// valid while the person's stamp is unchanged: at most [`VECTORS_BUDGET`]
/// components (the least recently used person goes first), a person unused
/// for [`VECTORS_IDLE`] dropped, a person erased or forgetting everything on
/// this replica dropped at once. Never written anywhere.
#[derive(Debug)]
pub(crate) struct VectorCache {
    people: Mutex<HashMap<String, Cached>>,
    /// The most components held for everyone together.
    budget: usize,
    /// How long a person stays held unused.
    idle: Duration,
}

impl Default for VectorCache {
    fn default() -> VectorCache {
        VectorCache::new(VECTORS_BUDGET, VECTORS_IDLE)
    }
}

#[derive(Debug)]
struct Cached {
    vectors: Arc<PersonVectors>,
    components: usize,
    used: Instant,
}

impl VectorCache {
    fn new(budget: usize, idle: Duration) -> VectorCache {
        VectorCache {
            people: Mutex::default(),
            budget,
            idle,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Cached>> {
        self.people.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The person's vectors of `model` if held and still current.
    pub(crate) fn get(&self, user_id: &str, model: &str, stamp: Option<i64>) -> Option<Arc<PersonVectors>> {
        let now = Instant::now();
        let mut people = self.lock();
        people.retain(|_, cached| now.duration_since(cached.used) < self.idle);
        let cached = people.get_mut(user_id)?;
        if cached.vectors.model != model || cached.vectors.stamp != stamp {
            people.remove(user_id);
            return None;
        }
        cached.used = now;
        Some(Arc::clone(&cached.vectors))
    }

    pub(crate) fn put(&self, user_id: &str, vectors: Arc<PersonVectors>) {
        let components = vectors.components();
        let mut people = self.lock();
        people.remove(user_id);
        if components > self.budget {
            return;
        }
        let mut held: usize = people.values().map(|cached| cached.components).sum();
        while held + components > self.budget {
            let Some(oldest) = people
                .iter()
                .min_by_key(|(_, cached)| cached.used)
                .map(|(user, _)| user.clone())
            else {
                break;
            };
            if let Some(cached) = people.remove(&oldest) {
                held -= cached.components;
            }
        }
        people.insert(
            user_id.to_owned(),
            Cached {
                vectors,
                components,
                used: Instant::now(),
            },
        );
    }

    /// Drops what is held of the person.
    pub(crate) fn forget(&self, user_id: &str) {
        self.lock().remove(user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(model: &str, stamp: i64, components: usize) -> Arc<PersonVectors> {
        Arc::new(PersonVectors::new(
            model,
            Some(stamp),
            vec![("m".to_owned(), vec![1.0; components])],
        ))
    }

    #[test]
    fn the_cache_holds_current_vectors_within_its_budget() {
        let cache = VectorCache::new(25, Duration::from_secs(60));
        cache.put("a", held("m", 1, 10));
        cache.put("b", held("m", 1, 10));
        assert!(cache.get("a", "m", Some(1)).is_some());
        // Another stamp (or model): not current, and dropped.
        assert!(cache.get("b", "m", Some(2)).is_none());
        assert!(cache.get("b", "m", Some(1)).is_none(), "dropped once found stale");
        assert!(cache.get("a", "other", Some(1)).is_none());
        cache.put("a", held("m", 1, 10));
        cache.put("b", held("m", 1, 10));
        // Over the budget: the least recently used goes.
        cache.put("c", held("m", 1, 10));
        assert!(cache.get("a", "m", Some(1)).is_none(), "a was used least recently");
        assert!(cache.get("b", "m", Some(1)).is_some());
        assert!(cache.get("c", "m", Some(1)).is_some());
        // A person larger than the budget is not held, and nobody else is dropped for them.
        cache.put("d", held("m", 1, 30));
        assert!(cache.get("d", "m", Some(1)).is_none());
        assert!(cache.get("b", "m", Some(1)).is_some());
        cache.forget("b");
        assert!(cache.get("b", "m", Some(1)).is_none());
        // Unused for the idle time: dropped.
        let cache = VectorCache::new(25, Duration::ZERO);
        cache.put("a", held("m", 1, 10));
        assert!(cache.get("a", "m", Some(1)).is_none());
    }
}
