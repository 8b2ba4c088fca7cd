//! The authenticated `enckey` format (version 2): AES-256-GCM under a PBKDF2-HMAC-SHA256 key.
//!
//! ```json
//! {"alg":"aes-256-gcm","c":14,"k":"<ciphertext+tag>","n":"<nonce>","s":"<salt>","t":"<tag>","v":2}
//! ```
//!
//! - key = PBKDF2-HMAC-SHA256(application secret, `s`, `2**c` rounds, 32 bytes);
//! - `s`: 16 random bytes, `n`: 12 random bytes (the GCM nonce), `k`: ciphertext followed by the
//!   16-byte GCM tag; all three unpadded upper-case base32, as passlib writes `s` and `k`;
//! - associated data: [`associated_data`] of the record's `v`, `alg`, `c`, `t` and a context string
//!   from the caller (the TOTP document binds its `alg`, `digits` and `period`), so none of them
//!   can be altered without detection.
//!
//! A wrong application secret or any modified bit fails with [`CryptoError::Authentication`].

use super::{derive, random_bytes, CryptoError};
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

/// The `alg` member of a version 2 record.
pub const ALG: &str = "aes-256-gcm";
/// Salt length of new records.
pub const SALT_LEN: usize = 16;
/// GCM nonce length.
pub const NONCE_LEN: usize = 12;

/// A key encrypted in the authenticated format (the `enckey` object's `c`, `t`, `s`, `n`, `k`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
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

/// The associated data authenticated with the key: record metadata, then the caller's context.
pub fn associated_data(cost: u32, tag: &str, context: &str) -> Vec<u8> {
    format!("pyotp-rs enckey;v=2;alg={ALG};c={cost};t={tag};{context}").into_bytes()
}

fn cipher(secret: &[u8], salt: &[u8], cost: u32) -> Result<Aes256Gcm, CryptoError> {
    let key = derive::<32>(secret, salt, cost)?;
    Ok(Aes256Gcm::new(&(*key).into()))
}

impl Sealed {
    /// Encrypts `key` under `secret` with a fresh random salt and nonce.
    pub fn seal(
        secret: &[u8],
        tag: &str,
        cost: u32,
        key: &[u8],
        context: &str,
    ) -> Result<Self, CryptoError> {
        Self::seal_with(
            secret,
            tag,
            cost,
            &random_bytes::<SALT_LEN>()?,
            random_bytes::<NONCE_LEN>()?,
            key,
            context,
        )
    }

    /// Encrypts `key` with the given salt and nonce (for reproducible tests only: a nonce
    /// must never be reused with the same key).
    pub fn seal_with(
        secret: &[u8],
        tag: &str,
        cost: u32,
        salt: &[u8],
        nonce: [u8; NONCE_LEN],
        key: &[u8],
        context: &str,
    ) -> Result<Self, CryptoError> {
        let aad = associated_data(cost, tag, context);
        let mut buffer = key.to_vec();
        cipher(secret, salt, cost)?
            .encrypt_in_place(&Nonce::from(nonce), &aad, &mut buffer)
            .map_err(|_| CryptoError::Authentication)?;
        Ok(Sealed {
            cost,
            tag: tag.to_owned(),
            salt: salt.to_vec(),
            nonce,
            ciphertext: buffer,
        })
    }

    /// Decrypts and authenticates with `secret` and the same `context` as at encryption.
    pub fn open(&self, secret: &[u8], context: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let aad = associated_data(self.cost, &self.tag, context);
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

    fn sample() -> Sealed {
        Sealed::seal_with(
            b"app-secret",
            "1",
            4,
            &[7; SALT_LEN],
            [9; NONCE_LEN],
            K20,
            "ctx",
        )
        .unwrap()
    }

    #[test]
    fn round_trip() {
        let sealed = sample();
        assert_eq!(sealed.ciphertext.len(), K20.len() + 16);
        assert_eq!(sealed.open(b"app-secret", "ctx").unwrap().as_slice(), K20);
        let fresh = Sealed::seal(b"app-secret", "1", 4, K20, "ctx").unwrap();
        assert_ne!(fresh.salt, sealed.salt);
        assert_eq!(fresh.open(b"app-secret", "ctx").unwrap().as_slice(), K20);
    }

    #[test]
    fn wrong_secret_fails() {
        assert_eq!(
            sample().open(b"WRONG", "ctx").unwrap_err(),
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
                bad.open(b"app-secret", "ctx").unwrap_err(),
                CryptoError::Authentication
            );
        }
        let mut bad = sealed.clone();
        bad.nonce[0] ^= 1;
        assert!(bad.open(b"app-secret", "ctx").is_err());
        let mut bad = sealed.clone();
        bad.salt[0] ^= 1;
        assert!(bad.open(b"app-secret", "ctx").is_err());
    }

    #[test]
    fn metadata_is_bound() {
        let sealed = sample();
        assert!(sealed.open(b"app-secret", "other").is_err());
        let mut bad = sealed.clone();
        bad.tag = "2".into();
        assert!(bad.open(b"app-secret", "ctx").is_err());
        let mut bad = sealed;
        bad.ciphertext.truncate(4);
        assert!(bad.open(b"app-secret", "ctx").is_err());
    }
}
