//! The authenticated `enckey` format: AES-256-GCM under a PBKDF2-HMAC-SHA256 key.
//!
//! ```json
//! {"alg":"aes-256-gcm","c":14,"k":"<ciphertext+tag>","n":"<nonce>","s":"<salt>","t":"<tag>","v":3}
//! ```
//!
//! - key = PBKDF2-HMAC-SHA256(application secret, `s`, `2**c` rounds, 32 bytes);
//! - `s`: 16 random bytes, `n`: 12 random bytes (the GCM nonce), `k`: ciphertext followed by the
//!   16-byte GCM tag; all three unpadded upper-case base32, as passlib writes `s` and `k`;
//! - associated data: [`associated_data`] of the record's `v`, `alg`, `c`, `t` and a context
//!   from the caller. In version 3 the TOTP document passes every member it stores (type,
//!   version, `alg`, `digits`, `period`, `label`, `issuer`) and the caller's owner id, encoded
//!   as [`Fields`]; none of them can be altered, and a key cannot be moved to another record or
//!   owner, without detection. Version 2 (pyotp-rs 0.1) bound only `alg`, `digits` and `period`.
//!
//! A wrong application secret, a modified member or a different owner fails with
//! [`CryptoError::Authentication`].

use super::{derive, random_bytes, CryptoError};
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

/// The `alg` member of a sealed record.
pub const ALG: &str = "aes-256-gcm";
/// The version new records get: the whole document and the owner authenticated.
pub const VERSION: u32 = 3;
/// pyotp-rs 0.1's version, which authenticates only `alg`, `digits` and `period` of the document.
pub const LEGACY_VERSION: u32 = 2;
/// Salt length of new records.
pub const SALT_LEN: usize = 16;
/// GCM nonce length.
pub const NONCE_LEN: usize = 12;

/// A key encrypted in the authenticated format (the `enckey` object's `v`, `c`, `t`, `s`, `n`, `k`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// [`VERSION`], or [`LEGACY_VERSION`] for a record written by pyotp-rs 0.1.
    pub version: u32,
    /// PBKDF2 cost: `2**cost` rounds.
    pub cost: u32,
    /// Tag of the application secret used.
    pub tag: String,
    /// PBKDF2 salt.
    pub salt: Vec<u8>,
    /// GCM nonce (12 bytes).
    pub nonce: [u8; NONCE_LEN],
    /// Ciphertext followed by the 16-byte authentication tag.
    pub ciphertext: Vec<u8>,
}

/// Named values encoded without ambiguity for associated data: every name and value is
/// length-prefixed, and an absent value differs from an empty one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fields(Vec<u8>);

impl Fields {
    /// Appends `name` and its value (`None` when absent).
    pub fn push(mut self, name: &str, value: Option<&[u8]>) -> Self {
        self.0.extend((name.len() as u64).to_be_bytes());
        self.0.extend(name.as_bytes());
        match value {
            None => self.0.push(0),
            Some(value) => {
                self.0.push(1);
                self.0.extend((value.len() as u64).to_be_bytes());
                self.0.extend(value);
            }
        }
        self
    }

    /// The encoded fields.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The associated data authenticated with the key: record metadata, then the caller's context.
pub fn associated_data(version: u32, cost: u32, tag: &str, context: &[u8]) -> Vec<u8> {
    if version == LEGACY_VERSION {
        let mut aad = format!("pyotp-rs enckey;v=2;alg={ALG};c={cost};t={tag};").into_bytes();
        aad.extend(context);
        return aad;
    }
    let header = Fields::default()
        .push("pyotp-rs enckey", None)
        .push("v", Some(version.to_string().as_bytes()))
        .push("alg", Some(ALG.as_bytes()))
        .push("c", Some(cost.to_string().as_bytes()))
        .push("t", Some(tag.as_bytes()));
    let mut aad = header.0;
    aad.extend(context);
    aad
}

fn cipher(secret: &[u8], salt: &[u8], cost: u32) -> Result<Aes256Gcm, CryptoError> {
    let key = derive::<32>(secret, salt, cost)?;
    Ok(Aes256Gcm::new(&(*key).into()))
}

impl Sealed {
    /// Encrypts `key` under `secret` as a [`VERSION`] record with a fresh random salt and nonce.
    pub fn seal(
        secret: &[u8],
        tag: &str,
        cost: u32,
        key: &[u8],
        context: &[u8],
    ) -> Result<Self, CryptoError> {
        let template = Sealed {
            version: VERSION,
            cost,
            tag: tag.to_owned(),
            salt: random_bytes::<SALT_LEN>()?.to_vec(),
            nonce: random_bytes::<NONCE_LEN>()?,
            ciphertext: Vec::new(),
        };
        template.sealing(secret, key, context)
    }

    /// This record's version, cost, tag, salt and nonce with `key` encrypted under them (tests
    /// use it to make reproducible records: a nonce must never be reused with the same key).
    pub fn sealing(self, secret: &[u8], key: &[u8], context: &[u8]) -> Result<Self, CryptoError> {
        let aad = associated_data(self.version, self.cost, &self.tag, context);
        let mut buffer = key.to_vec();
        cipher(secret, &self.salt, self.cost)?
            .encrypt_in_place(&Nonce::from(self.nonce), &aad, &mut buffer)
            .map_err(|_| CryptoError::Authentication)?;
        Ok(Sealed {
            ciphertext: buffer,
            ..self
        })
    }

    /// Decrypts and authenticates with `secret` and the same `context` as at encryption.
    pub fn open(&self, secret: &[u8], context: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let aad = associated_data(self.version, self.cost, &self.tag, context);
        let mut buffer = Zeroizing::new(self.ciphertext.clone());
        cipher(secret, &self.salt, self.cost)?
            .decrypt_in_place(&Nonce::from(self.nonce), &aad, &mut *buffer)
            .map_err(|_| CryptoError::Authentication)?;
        Ok(buffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K20: &[u8] = b"12345678901234567890";

    fn template(version: u32) -> Sealed {
        Sealed {
            version,
            cost: 4,
            tag: "1".into(),
            salt: vec![7; SALT_LEN],
            nonce: [9; NONCE_LEN],
            ciphertext: Vec::new(),
        }
    }

    fn sample() -> Sealed {
        template(VERSION)
            .sealing(b"app-secret", K20, b"ctx")
            .unwrap()
    }

    #[test]
    fn round_trip() {
        let sealed = sample();
        assert_eq!(sealed.ciphertext.len(), K20.len() + 16);
        assert_eq!(sealed.open(b"app-secret", b"ctx").unwrap().as_slice(), K20);
        let fresh = Sealed::seal(b"app-secret", "1", 4, K20, b"ctx").unwrap();
        assert_eq!(fresh.version, VERSION);
        assert_ne!(fresh.salt, sealed.salt);
        assert_eq!(fresh.open(b"app-secret", b"ctx").unwrap().as_slice(), K20);
    }

    #[test]
    fn wrong_secret_fails() {
        assert_eq!(
            sample().open(b"WRONG", b"ctx").unwrap_err(),
            CryptoError::Authentication
        );
    }

    #[test]
    fn every_flipped_bit_fails() {
        let sealed = sample();
        for i in 0..sealed.ciphertext.len() * 8 {
            let mut bad = sealed.clone();
            bad.ciphertext[i / 8] ^= 1 << (i % 8);
            assert_eq!(
                bad.open(b"app-secret", b"ctx").unwrap_err(),
                CryptoError::Authentication
            );
        }
        let mut bad = sealed.clone();
        bad.nonce[0] ^= 1;
        assert!(bad.open(b"app-secret", b"ctx").is_err());
        let mut bad = sealed.clone();
        bad.salt[0] ^= 1;
        assert!(bad.open(b"app-secret", b"ctx").is_err());
    }

    #[test]
    fn metadata_is_bound() {
        let sealed = sample();
        assert!(sealed.open(b"app-secret", b"other").is_err());
        let mut bad = sealed.clone();
        bad.tag = "2".into();
        assert!(bad.open(b"app-secret", b"ctx").is_err());
        let mut bad = sealed.clone();
        bad.version = LEGACY_VERSION;
        assert!(bad.open(b"app-secret", b"ctx").is_err());
        let mut bad = sealed;
        bad.ciphertext.truncate(4);
        assert!(bad.open(b"app-secret", b"ctx").is_err());
    }

    #[test]
    fn legacy_records_still_open_and_cannot_pass_as_current() {
        let legacy = template(LEGACY_VERSION)
            .sealing(b"app-secret", K20, b"ctx")
            .unwrap();
        assert_eq!(legacy.open(b"app-secret", b"ctx").unwrap().as_slice(), K20);
        let mut upgraded = legacy;
        upgraded.version = VERSION;
        assert!(upgraded.open(b"app-secret", b"ctx").is_err());
    }

    #[test]
    fn fields_are_unambiguous() {
        let a = Fields::default()
            .push("label", Some(b"ab"))
            .push("issuer", Some(b"c"));
        let b = Fields::default()
            .push("label", Some(b"a"))
            .push("issuer", Some(b"bc"));
        let absent = Fields::default().push("label", None);
        let empty = Fields::default().push("label", Some(b""));
        assert_ne!(a, b);
        assert_ne!(absent, empty);
    }
}
