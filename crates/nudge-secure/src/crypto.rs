//! Encryption at rest: AES-256-GCM under a ring of named keys, so keys can be
//! rotated without re-encrypting everything at once.
//!
//! [`KeyRing::encrypt`] always uses the *active* key; [`KeyRing::decrypt`]
//! uses whichever key the ciphertext names. To rotate: add the new key,
//! make it active, then re-encrypt the rows for which
//! [`KeyRing::needs_rotation`] (or [`key_id_of`]) shows an old key; once none
//! are left, the old key can be removed.
//!
//! # Ciphertext layout (version 1)
//!
//! ```text
//! [version: u8 = 1][kid_len: u8][kid: kid_len bytes][nonce: 12 bytes][ciphertext][tag: 16 bytes]
//! ```
//!
//! - `kid` is the [`KeyId`] of the key that sealed it (ASCII, 1..=32 bytes).
//! - `nonce` is random for every message (96 bits, as GCM expects). NIST
//!   SP 800-38D then allows 2^32 messages per key: rotate long before that.
//! - The associated data (authenticated, not stored) is
//!   `version || kid_len || kid || context`. The key id therefore cannot be
//!   swapped, and a ciphertext only decrypts under the `context` it was
//!   sealed with: use one per kind of value (e.g. `b"sms.inbound.body"`) so
//!   a value copied into another column fails with
//!   [`CryptoError::Authentication`].
//!
//! The ciphertext is `plaintext.len() + 30 + kid_len` bytes long.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, Generate, Key, KeyInit, Nonce, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::secret::{SecretString, wipe};

const VERSION: u8 = 1;
pub(crate) const NONCE_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;

/// Seals `plaintext` after `header` (already in `out`): the header and the
/// context are authenticated, a fresh nonce and the sealed bytes appended.
///
/// # Panics
/// If `plaintext` is longer than AES-GCM allows (about 64 GiB).
pub(crate) fn seal_after_header(cipher: &Aes256Gcm, mut out: Vec<u8>, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
    let aad = [out.as_slice(), context].concat();
    let nonce = Nonce::<Aes256Gcm>::generate();
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .expect("plaintext is within AES-GCM's length limit");
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Opens what [`seal_after_header`] sealed after `header`.
pub(crate) fn open_after_header(
    cipher: &Aes256Gcm,
    header: &[u8],
    nonce: &[u8; NONCE_LEN],
    sealed: &[u8],
    context: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let aad = [header, context].concat();
    cipher
        .decrypt(&Nonce::<Aes256Gcm>::from(*nonce), Payload { msg: sealed, aad: &aad })
        .map_err(|_| CryptoError::Authentication)
}

/// The name of an encryption key: 1 to 32 characters from `A-Z a-z 0-9 _ -`.
///
/// It is stored in every ciphertext, so keep it short (`k2025a`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(String);

impl KeyId {
    /// Longest accepted key id, in characters.
    pub const MAX_LEN: usize = 32;

    /// Checks `id` and wraps it.
    pub fn new(id: &str) -> Result<Self, KeyRingError> {
        if is_valid_key_id(id) {
            Ok(Self(id.to_owned()))
        } else {
            Err(KeyRingError::InvalidKeyId)
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Lets the ring be searched with the `&str` read from a ciphertext.
impl Borrow<str> for KeyId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

fn is_valid_key_id(id: &str) -> bool {
    (1..=KeyId::MAX_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Why a [`KeyRing`] could not be built. Messages name the key id at fault,
/// never key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRingError {
    /// A key id is empty, too long or has a character outside
    /// `A-Z a-z 0-9 _ -`. It is not echoed: a malformed key id may well be
    /// a key pasted in the wrong place.
    #[error(
        "invalid key id: must be 1 to 32 characters from A-Z a-z 0-9 _ - \
         (not shown, in case it is key material)"
    )]
    InvalidKeyId,
    /// The same key id appears twice.
    #[error("key {0} is given more than once")]
    DuplicateKeyId(KeyId),
    /// The key is not standard base64 (with padding).
    #[error("key {0} is not valid standard base64")]
    InvalidBase64(KeyId),
    /// The key does not decode to 32 bytes.
    #[error("key {id} decodes to {len} bytes, AES-256 needs exactly 32")]
    InvalidKeyLength {
        /// The key at fault.
        id: KeyId,
        /// How many bytes it decoded to.
        len: usize,
    },
    /// The active key id is not among the keys.
    #[error("the active key {0} is not among the keys")]
    UnknownActiveKey(KeyId),
}

/// Why a ciphertext could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The ciphertext names a key this ring does not hold.
    #[error("ciphertext was sealed with key {0}, which is not in the key ring")]
    UnknownKey(KeyId),
    /// Not a ciphertext of ours: truncated, unknown version, bad key id,
    /// or (for [`KeyRing::decrypt_to_string`]) a plaintext that is not UTF-8.
    #[error("malformed ciphertext")]
    Malformed,
    /// The tag did not verify: the ciphertext was altered, or `context`
    /// differs from the one it was sealed with.
    #[error("ciphertext failed authentication (tampered, or wrong context)")]
    Authentication,
    /// A person-key envelope (version 2) of a person who has no key any
    /// more: they were erased, and so is everything sealed for them.
    #[error("ciphertext was sealed with a person key that no longer exists (erased)")]
    PersonKeyErased,
}

/// The AES-256-GCM keys, by id, and which one encrypts.
///
/// `Debug` shows the key ids only.
#[derive(Clone)]
pub struct KeyRing {
    active: KeyId,
    keys: BTreeMap<KeyId, Aes256Gcm>,
    /// Per key, an HMAC-SHA256 keyed with a key derived from it (never the key itself).
    macs: BTreeMap<KeyId, Hmac<Sha256>>,
}

/// What the keyed-hash key of each encryption key is derived with.
const KEYED_HASH_DERIVATION: &[u8] = b"nudge.keyring.keyed-hash.v1";

impl KeyRing {
    /// Builds a ring from `(key id, base64 key)` pairs; `active` names the key
    /// that encrypts.
    ///
    /// Each key must be standard base64 (surrounding whitespace is ignored)
    /// of exactly 32 bytes, e.g. from [`KeyRing::generate_key`].
    pub fn new(active: &str, keys: impl IntoIterator<Item = (String, SecretString)>) -> Result<Self, KeyRingError> {
        let active = KeyId::new(active)?;
        let mut ring = BTreeMap::new();
        let mut macs = BTreeMap::new();
        for (id, key) in keys {
            let id = KeyId::new(&id)?;
            let (cipher, mac) = cipher_from_base64(&id, key.expose_secret())?;
            macs.insert(id.clone(), mac);
            match ring.entry(id) {
                Entry::Occupied(entry) => {
                    return Err(KeyRingError::DuplicateKeyId(entry.key().clone()));
                }
                Entry::Vacant(entry) => {
                    entry.insert(cipher);
                }
            }
        }
        if !ring.contains_key(&active) {
            return Err(KeyRingError::UnknownActiveKey(active));
        }
        Ok(Self {
            active,
            keys: ring,
            macs,
        })
    }

    /// A new random key, base64-encoded as [`KeyRing::new`] expects
    /// (for development setups and key rotation tooling).
    pub fn generate_key() -> SecretString {
        let mut key = Key::<Aes256Gcm>::generate();
        let encoded = STANDARD.encode(key);
        wipe(&mut key);
        SecretString::from(encoded)
    }

    /// The id of the key that [`encrypt`](Self::encrypt) uses.
    pub fn active_key_id(&self) -> &KeyId {
        &self.active
    }

    /// Encrypts `plaintext` with the active key, bound to `context`
    /// (see the [module docs](self) for the layout).
    ///
    /// # Panics
    ///
    /// If `plaintext` is longer than AES-GCM allows (about 64 GiB).
    pub fn encrypt(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let cipher = &self.keys[&self.active];
        let kid = self.active.as_str().as_bytes();
        let mut out = Vec::with_capacity(2 + kid.len() + NONCE_LEN + plaintext.len() + TAG_LEN);
        out.push(VERSION);
        out.push(u8::try_from(kid.len()).expect("key ids are at most 32 bytes"));
        out.extend_from_slice(kid);
        seal_after_header(cipher, out, plaintext, context)
    }

    /// [`encrypt`](Self::encrypt) for text.
    pub fn encrypt_str(&self, plaintext: &str, context: &[u8]) -> Vec<u8> {
        self.encrypt(plaintext.as_bytes(), context)
    }

    /// Decrypts a ciphertext made by [`encrypt`](Self::encrypt) with any key
    /// of this ring, checking it was sealed with the same `context`.
    pub fn decrypt(&self, ciphertext: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let envelope = Envelope::parse(ciphertext)?;
        let cipher = self
            .keys
            .get(envelope.kid)
            .ok_or_else(|| CryptoError::UnknownKey(KeyId(envelope.kid.to_owned())))?;
        open_after_header(cipher, envelope.header, envelope.nonce, envelope.sealed, context)
    }

    /// [`decrypt`](Self::decrypt) for text sealed by
    /// [`encrypt_str`](Self::encrypt_str); a plaintext that is not UTF-8 is
    /// [`CryptoError::Malformed`].
    pub fn decrypt_to_string(&self, ciphertext: &[u8], context: &[u8]) -> Result<String, CryptoError> {
        String::from_utf8(self.decrypt(ciphertext, context)?).map_err(|_| CryptoError::Malformed)
    }

    /// A keyed hash (HMAC-SHA256) of `data`, bound to `context`, under a key
    /// derived from the active key: for finding rows by a value (a "blind
    /// index") without storing the value. The same `context` and `data` give
    /// the same hash until the active key changes; store
    /// [`active_key_id`](Self::active_key_id) beside the hashes to know which
    /// rows to hash again after a rotation.
    pub fn keyed_hash(&self, context: &[u8], data: &[u8]) -> [u8; 32] {
        keyed_hash_with(&self.macs[&self.active], context, data)
    }

    /// A blind index of `data` under the active key: `<key id>:<hex of the
    /// keyed hash>`, for a column that finds rows by an identifier (an email,
    /// a phone) without holding it. Store the identifier itself sealed
    /// beside it, so that after a rotation the row can be indexed again
    /// ([`Self::is_current_blind_index`] tells which rows need it).
    pub fn blind_index(&self, context: &[u8], data: &[u8]) -> String {
        blind_index_under(&self.active, &self.macs[&self.active], context, data)
    }

    /// [`Self::blind_index`] under every key of the ring, the active key's
    /// first: a lookup by all of them finds a row whichever key indexed it,
    /// so lookups keep working through a rotation, until the old key leaves
    /// the ring (rows are indexed again under the active key before that).
    pub fn blind_indexes(&self, context: &[u8], data: &[u8]) -> Vec<String> {
        let active = std::iter::once((&self.active, &self.macs[&self.active]));
        let others = self.macs.iter().filter(|(id, _)| **id != self.active);
        active
            .chain(others)
            .map(|(id, mac)| blind_index_under(id, mac, context, data))
            .collect()
    }

    /// Whether `index` was made by [`Self::blind_index`] under the active key.
    pub fn is_current_blind_index(&self, index: &str) -> bool {
        index
            .strip_prefix(self.active.as_str())
            .is_some_and(|rest| rest.starts_with(':'))
    }

    /// Whether `ciphertext` should be re-encrypted: it names a key other than
    /// the active one, or cannot be read at all (so a rotation job tries it
    /// and reports the error rather than skipping it silently).
    pub fn needs_rotation(&self, ciphertext: &[u8]) -> bool {
        !key_id_of(ciphertext).is_ok_and(|kid| kid == self.active.as_str())
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("active", &self.active)
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn keyed_hash_with(mac: &Hmac<Sha256>, context: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = mac.clone();
    let context_len = u32::try_from(context.len()).expect("contexts are short");
    mac.update(&context_len.to_be_bytes());
    mac.update(context);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn blind_index_under(id: &KeyId, mac: &Hmac<Sha256>, context: &[u8], data: &[u8]) -> String {
    use std::fmt::Write as _;
    let hash = keyed_hash_with(mac, context, data);
    let mut index = String::with_capacity(id.as_str().len() + 1 + 2 * hash.len());
    index.push_str(id.as_str());
    index.push(':');
    for byte in hash {
        write!(index, "{byte:02x}").expect("writing to a String cannot fail");
    }
    index
}

/// The id of the key that sealed `ciphertext`, read without decrypting (and
/// so not authenticated): for finding rows that still use an old key.
pub fn key_id_of(ciphertext: &[u8]) -> Result<&str, CryptoError> {
    Envelope::parse(ciphertext).map(|envelope| envelope.kid)
}

fn cipher_from_base64(id: &KeyId, key: &str) -> Result<(Aes256Gcm, Hmac<Sha256>), KeyRingError> {
    // The base64 error is dropped: it can quote a byte of the key.
    let mut bytes = STANDARD
        .decode(key.trim())
        .map_err(|_| KeyRingError::InvalidBase64(id.clone()))?;
    let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| KeyRingError::InvalidKeyLength {
        id: id.clone(),
        len: bytes.len(),
    });
    let keys = cipher.map(|cipher| (cipher, keyed_hash_mac(&bytes)));
    wipe(&mut bytes);
    keys
}

/// The HMAC of [`KeyRing::keyed_hash`]: keyed with HMAC-SHA256(key, derivation label).
fn keyed_hash_mac(key: &[u8]) -> Hmac<Sha256> {
    let mut derive = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    derive.update(KEYED_HASH_DERIVATION);
    let mut derived: [u8; 32] = derive.finalize().into_bytes().into();
    let mac = Hmac::<Sha256>::new_from_slice(&derived).expect("HMAC takes keys of any length");
    wipe(&mut derived);
    mac
}

/// A ciphertext split into its parts (see the module docs).
struct Envelope<'a> {
    /// `version || kid_len || kid`, the start of the associated data.
    header: &'a [u8],
    kid: &'a str,
    nonce: &'a [u8; NONCE_LEN],
    /// Encrypted bytes followed by the tag.
    sealed: &'a [u8],
}

impl<'a> Envelope<'a> {
    fn parse(ciphertext: &'a [u8]) -> Result<Self, CryptoError> {
        let [VERSION, kid_len, rest @ ..] = ciphertext else {
            return Err(CryptoError::Malformed);
        };
        let kid_len = usize::from(*kid_len);
        let (kid, rest) = rest.split_at_checked(kid_len).ok_or(CryptoError::Malformed)?;
        let kid = std::str::from_utf8(kid)
            .ok()
            .filter(|kid| is_valid_key_id(kid))
            .ok_or(CryptoError::Malformed)?;
        let (nonce, sealed) = rest.split_first_chunk::<NONCE_LEN>().ok_or(CryptoError::Malformed)?;
        if sealed.len() < TAG_LEN {
            return Err(CryptoError::Malformed);
        }
        Ok(Self {
            header: &ciphertext[..2 + kid_len],
            kid,
            nonce,
            sealed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blind_indexes_find_a_value_through_a_rotation() {
        let k1 = KeyRing::generate_key();
        let k2 = KeyRing::generate_key();
        let before = ring("k1", &[("k1", &k1)]);
        let during = ring("k2", &[("k1", &k1), ("k2", &k2)]);
        let after = ring("k2", &[("k2", &k2)]);
        let stored = before.blind_index(b"email", b"ada@example.com");
        assert!(stored.starts_with("k1:"), "{stored}");
        assert_eq!(stored.len(), 3 + 64);
        assert!(!stored.contains("ada"));
        assert_eq!(stored, before.blind_index(b"email", b"ada@example.com"));
        assert_ne!(stored, before.blind_index(b"email", b"bob@example.com"));
        assert_ne!(stored, before.blind_index(b"phone", b"ada@example.com"));
        assert!(before.is_current_blind_index(&stored));
        // During the rotation the old index is still found, the active key's first.
        let lookup = during.blind_indexes(b"email", b"ada@example.com");
        assert_eq!(lookup.len(), 2);
        assert!(lookup[0].starts_with("k2:"));
        assert_eq!(lookup[1], stored);
        assert!(!during.is_current_blind_index(&stored));
        assert!(during.is_current_blind_index(&lookup[0]));
        // Indexed again under k2, the row is found once k1 has left the ring.
        assert_eq!(
            after.blind_indexes(b"email", b"ada@example.com"),
            vec![lookup[0].clone()]
        );
        // A key id that only starts like the active one is not it.
        let k = ring("k", &[("k", &k1), ("k1", &k2)]);
        assert!(!k.is_current_blind_index(&k.blind_indexes(b"email", b"x")[1]));
    }

    #[test]
    fn keyed_hash_is_stable_per_key_and_context() {
        let k1 = KeyRing::generate_key();
        let k2 = KeyRing::generate_key();
        let one = ring("k1", &[("k1", &k1), ("k2", &k2)]);
        let again = ring("k1", &[("k1", &k1)]);
        let rotated = ring("k2", &[("k1", &k1), ("k2", &k2)]);
        let hash = one.keyed_hash(b"ctx", b"sister");
        assert_eq!(hash, again.keyed_hash(b"ctx", b"sister"));
        assert_ne!(hash, one.keyed_hash(b"ctx", b"brother"));
        assert_ne!(hash, one.keyed_hash(b"other", b"sister"));
        assert_ne!(hash, rotated.keyed_hash(b"ctx", b"sister"));
        // Not a plain HMAC under the encryption key itself.
        let raw = STANDARD.decode(k1.expose_secret()).expect("base64");
        let mut plain = Hmac::<Sha256>::new_from_slice(&raw).expect("key");
        plain.update(b"sister");
        assert_ne!(hash.as_slice(), plain.finalize().into_bytes().as_slice());
    }

    const CONTEXT: &[u8] = b"sms.inbound.body";

    fn ring(active: &str, keys: &[(&str, &SecretString)]) -> KeyRing {
        KeyRing::new(
            active,
            keys.iter()
                .map(|(id, key)| (id.to_string(), SecretString::from(key.expose_secret()))),
        )
        .expect("valid key ring")
    }

    fn new_ring_err(keys: &[(&str, &str)]) -> KeyRingError {
        KeyRing::new(
            "k1",
            keys.iter().map(|(id, key)| (id.to_string(), SecretString::from(*key))),
        )
        .expect_err("invalid key ring")
    }

    #[test]
    fn round_trip() {
        let k1 = KeyRing::generate_key();
        let ring = ring("k1", &[("k1", &k1)]);
        let sealed = ring.encrypt_str("call mom at 5", CONTEXT);
        assert_eq!(ring.decrypt_to_string(&sealed, CONTEXT).as_deref(), Ok("call mom at 5"));
        assert_eq!(ring.decrypt(&sealed, CONTEXT), Ok(b"call mom at 5".to_vec()));
    }

    #[test]
    fn layout_is_as_documented() {
        let k1 = KeyRing::generate_key();
        let ring = ring("key_2025-a", &[("key_2025-a", &k1)]);
        let sealed = ring.encrypt(b"abc", CONTEXT);
        assert_eq!(sealed[0], 1);
        assert_eq!(sealed[1], 10);
        assert_eq!(&sealed[2..12], b"key_2025-a");
        assert_eq!(sealed.len(), 2 + 10 + NONCE_LEN + 3 + TAG_LEN);
        assert_eq!(key_id_of(&sealed), Ok("key_2025-a"));
    }

    #[test]
    fn empty_plaintext() {
        let k1 = KeyRing::generate_key();
        let ring = ring("k1", &[("k1", &k1)]);
        let sealed = ring.encrypt(b"", CONTEXT);
        assert_eq!(sealed.len(), 2 + 2 + NONCE_LEN + TAG_LEN);
        assert_eq!(ring.decrypt(&sealed, CONTEXT), Ok(Vec::new()));
        assert_eq!(ring.decrypt(&sealed, b"other"), Err(CryptoError::Authentication));
    }

    #[test]
    fn nonces_are_fresh() {
        let k1 = KeyRing::generate_key();
        let ring = ring("k1", &[("k1", &k1)]);
        assert_ne!(ring.encrypt(b"same", CONTEXT), ring.encrypt(b"same", CONTEXT));
    }

    #[test]
    fn rotation() {
        let (k1, k2) = (KeyRing::generate_key(), KeyRing::generate_key());
        let old = ring("k1", &[("k1", &k1)]);
        let under_k1 = old.encrypt(b"remember the dentist", CONTEXT);

        let new = ring("k2", &[("k1", &k1), ("k2", &k2)]);
        assert_eq!(new.active_key_id().as_str(), "k2");
        assert_eq!(key_id_of(&under_k1), Ok("k1"));
        assert!(new.needs_rotation(&under_k1));
        assert!(!old.needs_rotation(&under_k1));
        assert_eq!(new.decrypt(&under_k1, CONTEXT), Ok(b"remember the dentist".to_vec()));

        let under_k2 = new.encrypt(b"remember the dentist", CONTEXT);
        assert_eq!(key_id_of(&under_k2), Ok("k2"));
        assert!(!new.needs_rotation(&under_k2));
        // A ring that no longer (or not yet) holds a key says which one.
        assert_eq!(
            old.decrypt(&under_k2, CONTEXT),
            Err(CryptoError::UnknownKey(KeyId("k2".into())))
        );
    }

    #[test]
    fn same_id_other_key_fails_authentication() {
        let sealed = ring("k1", &[("k1", &KeyRing::generate_key())]).encrypt(b"x", CONTEXT);
        let other = ring("k1", &[("k1", &KeyRing::generate_key())]);
        assert_eq!(other.decrypt(&sealed, CONTEXT), Err(CryptoError::Authentication));
    }

    #[test]
    fn any_tampered_byte_is_rejected() {
        let ring = ring(
            "k1",
            &[("k1", &KeyRing::generate_key()), ("k2", &KeyRing::generate_key())],
        );
        let sealed = ring.encrypt(b"take meds", CONTEXT);
        for i in 0..sealed.len() {
            for bit in 0..8 {
                let mut tampered = sealed.clone();
                tampered[i] ^= 1 << bit;
                assert!(ring.decrypt(&tampered, CONTEXT).is_err(), "byte {i} bit {bit}");
            }
        }
        for len in 0..sealed.len() {
            assert!(ring.decrypt(&sealed[..len], CONTEXT).is_err(), "truncated to {len}");
        }
        let mut extended = sealed.clone();
        extended.push(0);
        assert_eq!(ring.decrypt(&extended, CONTEXT), Err(CryptoError::Authentication));
    }

    #[test]
    fn wrong_context_is_rejected() {
        let ring = ring("k1", &[("k1", &KeyRing::generate_key())]);
        let sealed = ring.encrypt(b"+14155550100", b"user.phone");
        assert_eq!(
            ring.decrypt(&sealed, b"sms.inbound.body"),
            Err(CryptoError::Authentication)
        );
        assert_eq!(ring.decrypt(&sealed, b""), Err(CryptoError::Authentication));
    }

    #[test]
    fn malformed_input() {
        let ring = ring("k1", &[("k1", &KeyRing::generate_key())]);
        let mut sealed = ring.encrypt(b"x", CONTEXT);
        sealed[0] = 2;
        assert_eq!(ring.decrypt(&sealed, CONTEXT), Err(CryptoError::Malformed));
        assert_eq!(key_id_of(&sealed), Err(CryptoError::Malformed));
        assert!(ring.needs_rotation(&sealed));
        assert_eq!(key_id_of(b""), Err(CryptoError::Malformed));
        // kid_len 0, and a kid with a forbidden character.
        assert_eq!(key_id_of(&[1, 0, 0]), Err(CryptoError::Malformed));
        assert_eq!(
            key_id_of(&[&[1, 2][..], b"k!", &[0; 28]].concat()),
            Err(CryptoError::Malformed)
        );
    }

    #[test]
    fn non_utf8_plaintext_is_not_a_string() {
        let ring = ring("k1", &[("k1", &KeyRing::generate_key())]);
        let sealed = ring.encrypt(&[0xff, 0xfe], CONTEXT);
        assert_eq!(ring.decrypt_to_string(&sealed, CONTEXT), Err(CryptoError::Malformed));
    }

    #[test]
    fn generated_keys_are_32_random_bytes() {
        let (a, b) = (KeyRing::generate_key(), KeyRing::generate_key());
        let decoded = STANDARD.decode(a.expose_secret()).expect("base64");
        assert_eq!(decoded.len(), 32);
        assert_ne!(a.expose_secret(), b.expose_secret());
    }

    #[test]
    fn bad_keys_are_named_without_their_material() {
        let short = STANDARD.encode([7u8; 16]);
        let long = STANDARD.encode([7u8; 33]);
        let good = STANDARD.encode([7u8; 32]);
        let cases = [
            (
                new_ring_err(&[("k1", "not base64!")]),
                KeyRingError::InvalidBase64(KeyId("k1".into())),
                "not base64!",
            ),
            (
                new_ring_err(&[("k1", &good), ("k2", &short)]),
                KeyRingError::InvalidKeyLength {
                    id: KeyId("k2".into()),
                    len: 16,
                },
                &short,
            ),
            (
                new_ring_err(&[("k1", &long)]),
                KeyRingError::InvalidKeyLength {
                    id: KeyId("k1".into()),
                    len: 33,
                },
                &long,
            ),
            (
                new_ring_err(&[("k1", &good), ("k1", &good)]),
                KeyRingError::DuplicateKeyId(KeyId("k1".into())),
                &good,
            ),
            // A key pasted where the id goes is not echoed.
            (new_ring_err(&[(&good, &good)]), KeyRingError::InvalidKeyId, &good),
            (
                new_ring_err(&[("k2", &good)]),
                KeyRingError::UnknownActiveKey(KeyId("k1".into())),
                &good,
            ),
            (
                new_ring_err(&[]),
                KeyRingError::UnknownActiveKey(KeyId("k1".into())),
                &good,
            ),
        ];
        for (err, expected, material) in cases {
            assert_eq!(err, expected);
            assert!(!err.to_string().contains(material), "{err}");
            assert!(!format!("{err:?}").contains(material), "{err:?}");
        }
        // Whitespace around a key (a trailing newline from a secrets file) is fine.
        assert!(KeyRing::new("k1", [("k1".to_owned(), SecretString::from(format!("{good}\n")))]).is_ok());
    }

    #[test]
    fn key_ids_are_validated() {
        assert!(KeyId::new("k").is_ok());
        assert!(KeyId::new("Key_2025-01").is_ok());
        assert!(KeyId::new(&"a".repeat(32)).is_ok());
        for bad in ["", "k 1", "k/1", "clé", &"a".repeat(33)] {
            assert_eq!(KeyId::new(bad), Err(KeyRingError::InvalidKeyId), "{bad:?}");
        }
        let good = STANDARD.encode([7u8; 32]);
        assert_eq!(
            KeyRing::new("bad id", [("k1".to_owned(), SecretString::from(good))]).map(|_| ()),
            Err(KeyRingError::InvalidKeyId)
        );
    }

    #[test]
    fn debug_never_shows_keys() {
        let bytes = [0xabu8; 32];
        let k1 = SecretString::from(STANDARD.encode(bytes));
        let ring = ring("k1", &[("k1", &k1)]);
        let debug = format!("{ring:?}");
        assert_eq!(debug, r#"KeyRing { active: KeyId("k1"), keys: [KeyId("k1")] }"#);
        assert!(!debug.contains(k1.expose_secret()));
        assert!(!debug.to_lowercase().contains("abab"));
        assert!(!debug.contains("171"));
    }
}
