//! Per-person data keys on SQLite and on PostgreSQL (issue 13, finding 2):
//! made once however many replicas race, read without being made, erased
//! for good, re-wrapped at a key rotation; and the erasure scrub.

use std::sync::Arc;

use nudge_config::DatabaseSettings;
use nudge_secure::{CryptoError, KeyRing, SecretString};
use nudge_store::{Db, PersonKeyTable, PersonKeys};
use nudge_testkit::TestDatabase;

const CONTEXT: &[u8] = b"agent.memory.body";

fn ring(active: &str, keys: &[(&str, &SecretString)]) -> KeyRing {
    KeyRing::new(
        active,
        keys.iter()
            .map(|(id, key)| (id.to_string(), SecretString::from(key.expose_secret()))),
    )
    .expect("ring")
}

async fn person_keys_are_made_once_and_erased_for_good(database: TestDatabase) {
    let db = Db::connect(&DatabaseSettings {
        url: database.url.clone(),
        ..DatabaseSettings::default()
    })
    .expect("pool");
    db.migrate().await.expect("migrate");
    let k1 = KeyRing::generate_key();
    let keys = Arc::new(PersonKeys::new(ring("k1", &[("k1", &k1)]), PersonKeyTable::Agent));

    // Nobody has a key until something is sealed for them.
    let mut conn = db.conn().await.expect("conn");
    let reader = keys.for_reading(&mut conn, "u1").await.expect("reader");
    drop(conn);

    // Eight replicas racing to seal the first value agree on one key.
    let mut racers = Vec::new();
    for _ in 0..8 {
        let (db, keys) = (db.clone(), keys.clone());
        racers.push(tokio::spawn(async move {
            let mut conn = db.conn().await.expect("conn");
            keys.for_writing(&mut conn, "u1")
                .await
                .expect("cipher")
                .encrypt_str("my sister is Léa", CONTEXT)
        }));
    }
    let mut sealed = Vec::new();
    for racer in racers {
        sealed.push(racer.await.expect("racer"));
    }
    let mut conn = db.conn().await.expect("conn");
    let fresh = PersonKeys::new(ring("k1", &[("k1", &k1)]), PersonKeyTable::Agent);
    let u1 = fresh.for_reading(&mut conn, "u1").await.expect("reader");
    for value in &sealed {
        assert_eq!(u1.decrypt_to_string(value, CONTEXT).as_deref(), Ok("my sister is Léa"));
        assert_eq!(reader.decrypt(value, CONTEXT), Err(CryptoError::PersonKeyErased));
    }
    // Another person's key, another table's key: no.
    let u2 = fresh.for_writing(&mut conn, "u2").await.expect("u2");
    assert_eq!(u2.decrypt(&sealed[0], CONTEXT), Err(CryptoError::Authentication));
    let sms = PersonKeys::new(ring("k1", &[("k1", &k1)]), PersonKeyTable::Sms);
    let sms_u1 = sms.for_writing(&mut conn, "u1").await.expect("sms u1");
    assert_eq!(sms_u1.decrypt(&sealed[0], CONTEXT), Err(CryptoError::Authentication));

    // Rotation: re-wrapped under k2, k1 can go.
    let k2 = KeyRing::generate_key();
    let rotating = PersonKeys::new(ring("k2", &[("k1", &k1), ("k2", &k2)]), PersonKeyTable::Agent);
    // One row a page: every page is read, none twice.
    assert_eq!(rotating.rewrap_in_pages(&mut conn, 1).await.expect("rewrap"), 2);
    assert_eq!(rotating.rewrap_all(&mut conn).await.expect("rewrap again"), 0);
    let rotated = PersonKeys::new(ring("k2", &[("k2", &k2)]), PersonKeyTable::Agent);
    let u1 = rotated.for_reading(&mut conn, "u1").await.expect("reader under k2");
    assert_eq!(
        u1.decrypt_to_string(&sealed[0], CONTEXT).as_deref(),
        Ok("my sister is Léa")
    );
    assert_eq!(rotated.cached_len(), 1);

    // Erased: gone from the table and from this process's cache.
    assert_eq!(rotated.erase(&mut conn, "u1").await.expect("erase"), 1);
    assert_eq!(rotated.cached_len(), 0);
    assert_eq!(rotated.erase(&mut conn, "u1").await.expect("erase again"), 0);
    let reader = rotated.for_reading(&mut conn, "u1").await.expect("reader");
    assert_eq!(reader.decrypt(&sealed[0], CONTEXT), Err(CryptoError::PersonKeyErased));
    let after = PersonKeys::new(ring("k2", &[("k1", &k1), ("k2", &k2)]), PersonKeyTable::Agent);
    let reader = after.for_reading(&mut conn, "u1").await.expect("reader");
    assert_eq!(reader.decrypt(&sealed[0], CONTEXT), Err(CryptoError::PersonKeyErased));
    // Sealing again makes a new key: the old values stay unreadable.
    let again = after.for_writing(&mut conn, "u1").await.expect("new key");
    assert_eq!(again.decrypt(&sealed[0], CONTEXT), Err(CryptoError::Authentication));
    drop(conn);

    assert!(
        db.scrub_after_erasure(&["agent_person_keys", "sms_person_keys"]).await,
        "the scrub completes"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn person_keys_sqlite() {
    person_keys_are_made_once_and_erased_for_good(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn person_keys_postgres() {
    person_keys_are_made_once_and_erased_for_good(TestDatabase::postgres().await).await;
}

/// A key stored under `k1`, opened by a ring whose `k1` is another key (an
/// operator's mistake): the failure is told apart from the database's, also
/// once a query's error carries it, so logs name the key ring.
#[tokio::test(flavor = "multi_thread")]
async fn a_key_the_ring_does_not_open_is_not_taken_for_the_database() {
    let database = TestDatabase::sqlite();
    let db = Db::connect(&DatabaseSettings {
        url: database.url.clone(),
        ..DatabaseSettings::default()
    })
    .expect("pool");
    db.migrate().await.expect("migrate");
    let mut conn = db.conn().await.expect("conn");
    let stored = PersonKeys::new(ring("k1", &[("k1", &KeyRing::generate_key())]), PersonKeyTable::Sms);
    stored.for_writing(&mut conn, "u1").await.expect("a key");
    let wrong = PersonKeys::new(ring("k1", &[("k1", &KeyRing::generate_key())]), PersonKeyTable::Sms);
    let error = wrong.for_writing(&mut conn, "u1").await.expect_err("another k1");
    assert!(error.is_unwrap(), "{error}");
    let in_query = nudge_store::diesel::result::Error::from(error);
    assert!(nudge_store::PersonKeyError::within(&in_query).is_some_and(nudge_store::PersonKeyError::is_unwrap));
    assert!(nudge_store::StoreError::from(in_query).is_key_ring());
    assert!(!nudge_store::StoreError::from(nudge_store::diesel::result::Error::NotFound).is_key_ring());
    assert!(!nudge_store::StoreError::PoolTimeout.is_key_ring());

    // What a service's start-up check says, naming the key to fix.
    assert_eq!(stored.ring_problem(&mut conn).await.expect("check"), None);
    let problem = wrong.ring_problem(&mut conn).await.expect("check").expect("a problem");
    assert!(
        problem.starts_with("crypto.keys.k1 does not open the person keys in sms_person_keys"),
        "{problem}"
    );
    let without_k1 = PersonKeys::new(ring("k2", &[("k2", &KeyRing::generate_key())]), PersonKeyTable::Sms);
    let problem = without_k1
        .ring_problem(&mut conn)
        .await
        .expect("check")
        .expect("a problem");
    assert!(problem.starts_with("crypto.keys has no key k1"), "{problem}");
}
