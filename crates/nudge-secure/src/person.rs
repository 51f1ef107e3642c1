//! Per-person data keys, for erasure that really erases (crypto-shredding).
//!
//! Each person's values are sealed with a random AES-256 key of their own
//! ([`PersonKey`]), stored only wrapped (sealed by the [`KeyRing`] under a
//! context naming the table and the person). Erasing the person deletes that
//! wrapped key: every envelope of theirs left anywhere (a free page, a WAL,
//! a dead tuple, a backup taken without the key table) can no longer be
//! opened by anyone, key ring included.
//!
//! # Envelope layout (version 2)
//!
//! ```text
//! [version: u8 = 2][nonce: 12 bytes][ciphertext][tag: 16 bytes]
//! ```
//!
//! The associated data is `version || context`, as for the ring's version 1
//! envelopes; no key id is stored: the key is the person's, found by the
//! row's owner. A version 1 envelope (sealed by the ring before person keys
//! existed) still decrypts with the ring, so older rows stay readable.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Generate, Key, KeyInit};

use crate::crypto::{CryptoError, KeyRing, NONCE_LEN, TAG_LEN, open_after_header, seal_after_header};
use crate::secret::wipe;

/// The version byte of an envelope sealed with a person key.
pub const PERSON_VERSION: u8 = 2;

/// Whether `ciphertext` was sealed with a person key (version 2), read
/// without decrypting.
pub fn is_person_envelope(ciphertext: &[u8]) -> bool {
    ciphertext.first() == Some(&PERSON_VERSION) && ciphertext.len() >= 1 + NONCE_LEN + TAG_LEN
}

/// One person's AES-256 data key. `Debug` never shows it.
pub struct PersonKey {
    cipher: Aes256Gcm,
}

impl PersonKey {
    /// A new random key, and the same key wrapped by `ring`'s active key
    /// under `context` (e.g. `agent_person_keys:<user id>`), to be stored.
    pub fn generate(ring: &KeyRing, context: &[u8]) -> (PersonKey, Vec<u8>) {
        let mut key = Key::<Aes256Gcm>::generate();
        let wrapped = ring.encrypt(&key, context);
        let cipher = Aes256Gcm::new(&key);
        wipe(&mut key);
        (PersonKey { cipher }, wrapped)
    }

    /// The key from its wrapped form, with any key of `ring`.
    pub fn unwrap(ring: &KeyRing, wrapped: &[u8], context: &[u8]) -> Result<PersonKey, CryptoError> {
        let mut bytes = ring.decrypt(wrapped, context)?;
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| CryptoError::Malformed);
        wipe(&mut bytes);
        Ok(PersonKey { cipher: cipher? })
    }

    /// The wrapped key sealed again with `ring`'s active key (key rotation:
    /// re-wrapping the person keys is enough, their envelopes stay as they are).
    pub fn rewrap(ring: &KeyRing, wrapped: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut bytes = ring.decrypt(wrapped, context)?;
        let rewrapped = ring.encrypt(&bytes, context);
        wipe(&mut bytes);
        Ok(rewrapped)
    }

    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
        out.push(PERSON_VERSION);
        seal_after_header(&self.cipher, out, plaintext, context)
    }

    fn open(&self, ciphertext: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let [PERSON_VERSION, rest @ ..] = ciphertext else {
            return Err(CryptoError::Malformed);
        };
        let (nonce, sealed) = rest.split_first_chunk::<NONCE_LEN>().ok_or(CryptoError::Malformed)?;
        if sealed.len() < TAG_LEN {
            return Err(CryptoError::Malformed);
        }
        open_after_header(&self.cipher, &[PERSON_VERSION], nonce, sealed, context)
    }
}

impl fmt::Debug for PersonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonKey([redacted])")
    }
}

/// Reads one person's values: version 2 envelopes with their key (if they
/// have one), version 1 envelopes with the ring.
#[derive(Clone, Debug)]
pub struct PersonReader {
    ring: Arc<KeyRing>,
    key: Option<Arc<PersonKey>>,
}

impl PersonReader {
    /// A reader for a person whose key is `key` (`None`: they have none, or
    /// it was erased; their version 2 envelopes then fail with
    /// [`CryptoError::PersonKeyErased`]).
    pub fn new(ring: Arc<KeyRing>, key: Option<Arc<PersonKey>>) -> Self {
        PersonReader { ring, key }
    }

    /// Decrypts a value of this person sealed under `context`.
    pub fn decrypt(&self, ciphertext: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if ciphertext.first() == Some(&PERSON_VERSION) {
            match &self.key {
                Some(key) => key.open(ciphertext, context),
                None => Err(CryptoError::PersonKeyErased),
            }
        } else {
            self.ring.decrypt(ciphertext, context)
        }
    }

    /// [`decrypt`](Self::decrypt) for text.
    pub fn decrypt_to_string(&self, ciphertext: &[u8], context: &[u8]) -> Result<String, CryptoError> {
        String::from_utf8(self.decrypt(ciphertext, context)?).map_err(|_| CryptoError::Malformed)
    }
}

/// Seals and reads one person's values with their key.
#[derive(Clone, Debug)]
pub struct PersonCipher {
    reader: PersonReader,
    key: Arc<PersonKey>,
}

impl PersonCipher {
    /// A cipher for a person whose key is `key`.
    pub fn new(ring: Arc<KeyRing>, key: Arc<PersonKey>) -> Self {
        PersonCipher {
            reader: PersonReader::new(ring, Some(key.clone())),
            key,
        }
    }

    /// Encrypts `plaintext` with the person's key, bound to `context`.
    ///
    /// # Panics
    ///
    /// If `plaintext` is longer than AES-GCM allows (about 64 GiB).
    pub fn encrypt(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        self.key.seal(plaintext, context)
    }

    /// [`encrypt`](Self::encrypt) for text.
    pub fn encrypt_str(&self, plaintext: &str, context: &[u8]) -> Vec<u8> {
        self.encrypt(plaintext.as_bytes(), context)
    }

    /// A text stored either sealed or, by an earlier version, in the clear:
    /// `sealed` opened, or else `plain` sealed now. Returns the text and its
    /// sealed form, both under `context`.
    pub fn open_or_seal(
        &self,
        sealed: Option<Vec<u8>>,
        plain: &str,
        context: &[u8],
    ) -> Result<(String, Vec<u8>), CryptoError> {
        match sealed {
            Some(sealed) => Ok((self.decrypt_to_string(&sealed, context)?, sealed)),
            None => Ok((plain.to_owned(), self.encrypt_str(plain, context))),
        }
    }
}

impl Deref for PersonCipher {
    type Target = PersonReader;

    fn deref(&self) -> &PersonReader {
        &self.reader
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretString;

    const CONTEXT: &[u8] = b"agent.memory.body";
    const WRAP: &[u8] = b"agent_person_keys:u1";

    fn ring(active: &str, keys: &[(&str, &SecretString)]) -> Arc<KeyRing> {
        Arc::new(
            KeyRing::new(
                active,
                keys.iter()
                    .map(|(id, key)| (id.to_string(), SecretString::from(key.expose_secret()))),
            )
            .expect("valid key ring"),
        )
    }

    #[test]
    fn open_or_seal_opens_what_is_sealed_and_seals_what_is_not() {
        let ring = ring("k1", &[("k1", &KeyRing::generate_key())]);
        let (key, _) = PersonKey::generate(&ring, WRAP);
        let cipher = PersonCipher::new(ring, Arc::new(key));
        let (plain, sealed) = cipher.open_or_seal(None, "+15145550111", CONTEXT).expect("sealed");
        assert_eq!(plain, "+15145550111");
        assert_eq!(
            cipher.decrypt_to_string(&sealed, CONTEXT).as_deref(),
            Ok("+15145550111")
        );
        // Sealed already: opened, and kept as it was (whatever the plain value says).
        let (opened, kept) = cipher
            .open_or_seal(Some(sealed.clone()), "ignored", CONTEXT)
            .expect("opened");
        assert_eq!((opened.as_str(), &kept), ("+15145550111", &sealed));
        assert_eq!(
            cipher.open_or_seal(Some(sealed), "x", b"other"),
            Err(CryptoError::Authentication)
        );
    }

    #[test]
    fn person_envelopes_round_trip_and_need_the_person_key() {
        let k1 = KeyRing::generate_key();
        let ring = ring("k1", &[("k1", &k1)]);
        let (key, wrapped) = PersonKey::generate(&ring, WRAP);
        let cipher = PersonCipher::new(ring.clone(), Arc::new(key));
        let sealed = cipher.encrypt_str("my locker code is 4521", CONTEXT);
        assert_eq!(sealed[0], PERSON_VERSION);
        assert!(is_person_envelope(&sealed));
        assert_eq!(sealed.len(), 1 + NONCE_LEN + 22 + TAG_LEN);
        assert_eq!(
            cipher.decrypt_to_string(&sealed, CONTEXT).as_deref(),
            Ok("my locker code is 4521")
        );
        assert_eq!(cipher.decrypt(&sealed, b"other"), Err(CryptoError::Authentication));
        // The ring alone cannot open it; the unwrapped key can.
        assert!(ring.decrypt(&sealed, CONTEXT).is_err());
        let unwrapped = PersonKey::unwrap(&ring, &wrapped, WRAP).expect("unwrap");
        let reader = PersonReader::new(ring.clone(), Some(Arc::new(unwrapped)));
        assert_eq!(reader.decrypt(&sealed, CONTEXT), Ok(b"my locker code is 4521".to_vec()));
        // Wrapped for another person or table: refused.
        assert!(PersonKey::unwrap(&ring, &wrapped, b"agent_person_keys:u2").is_err());
        // Without the key (erased): nothing, whatever the ring holds.
        let erased = PersonReader::new(ring.clone(), None);
        assert_eq!(erased.decrypt(&sealed, CONTEXT), Err(CryptoError::PersonKeyErased));
        // Another person's key: nothing.
        let (other, _) = PersonKey::generate(&ring, b"agent_person_keys:u2");
        let other = PersonReader::new(ring.clone(), Some(Arc::new(other)));
        assert_eq!(other.decrypt(&sealed, CONTEXT), Err(CryptoError::Authentication));
        // Ring envelopes (version 1, older rows) still read.
        let old = ring.encrypt(b"older row", CONTEXT);
        assert_eq!(cipher.decrypt(&old, CONTEXT), Ok(b"older row".to_vec()));
        assert_eq!(erased.decrypt(&old, CONTEXT), Ok(b"older row".to_vec()));
        // Every altered byte is refused.
        for i in 0..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[i] ^= 1;
            assert!(cipher.decrypt(&tampered, CONTEXT).is_err(), "byte {i}");
        }
    }

    #[test]
    fn rotation_rewraps_person_keys() {
        let (k1, k2) = (KeyRing::generate_key(), KeyRing::generate_key());
        let old = ring("k1", &[("k1", &k1)]);
        let (key, wrapped) = PersonKey::generate(&old, WRAP);
        let sealed = PersonCipher::new(old.clone(), Arc::new(key)).encrypt(b"dentist", CONTEXT);
        let both = ring("k2", &[("k1", &k1), ("k2", &k2)]);
        assert!(both.needs_rotation(&wrapped));
        let rewrapped = PersonKey::rewrap(&both, &wrapped, WRAP).expect("rewrap");
        assert!(!both.needs_rotation(&rewrapped));
        // Once re-wrapped, k1 can go: the person's envelopes still open.
        let new = ring("k2", &[("k2", &k2)]);
        let key = PersonKey::unwrap(&new, &rewrapped, WRAP).expect("unwrap under k2");
        let reader = PersonReader::new(new, Some(Arc::new(key)));
        assert_eq!(reader.decrypt(&sealed, CONTEXT), Ok(b"dentist".to_vec()));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let ring = ring("k1", &[("k1", &KeyRing::generate_key())]);
        let (key, _) = PersonKey::generate(&ring, WRAP);
        let cipher = PersonCipher::new(ring, Arc::new(key));
        assert!(format!("{cipher:?}").contains("PersonKey([redacted])"));
    }
}
