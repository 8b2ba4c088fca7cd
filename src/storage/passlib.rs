//! passlib 1.7.4's `enckey` version 1: AES-256-CTR under a PBKDF2-HMAC-SHA256 key.
//!
//! `dk = PBKDF2-HMAC-SHA256(secret, salt, 2**cost, 48)`; the AES-256 key is `dk[..32]` and the
//! initial counter block `dk[32..]` (a 128-bit big-endian counter). The ciphertext is the raw
//! TOTP key XORed with the key stream.
//!
//! This format has **no MAC**: a wrong application secret decrypts, silently, to a wrong key.
//! passlib chose that so a stolen database gives no offline test for a guessed secret. It is
//! kept for interoperability; new data should use [`super::sealed`].

use super::{derive, random_bytes, CryptoError};
use aes::cipher::{KeyIvInit, StreamCipher};
use zeroize::Zeroizing;

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

/// Salt length passlib uses for new records.
pub const SALT_LEN: usize = 12;

/// A key encrypted in passlib's version 1 format (the `enckey` object's `c`, `t`, `s`, `k`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncKeyV1 {
    /// PBKDF2 cost: `2**cost` rounds.
    pub cost: u32,
    /// Tag of the application secret used.
    pub tag: String,
    /// PBKDF2 salt.
    pub salt: Vec<u8>,
    /// The encrypted key, as long as the key.
    pub ciphertext: Vec<u8>,
}

/// XORs `data` with the key stream derived from `secret`, `salt` and `cost` (CTR is symmetric).
fn apply_keystream(
    secret: &[u8],
    salt: &[u8],
    cost: u32,
    data: &mut [u8],
) -> Result<(), CryptoError> {
    let dk = derive::<48>(secret, salt, cost)?;
    let mut cipher = Aes256Ctr::new(
        dk[..32].try_into().expect("32-byte key"),
        dk[32..].try_into().expect("16-byte iv"),
    );
    cipher.apply_keystream(data);
    Ok(())
}

impl EncKeyV1 {
    /// Encrypts `key` under `secret` with a fresh random salt.
    pub fn encrypt(secret: &[u8], tag: &str, cost: u32, key: &[u8]) -> Result<Self, CryptoError> {
        Self::encrypt_with_salt(secret, tag, cost, &random_bytes::<SALT_LEN>()?, key)
    }

    /// Encrypts `key` under `secret` with the given salt (for reproducible test vectors).
    pub fn encrypt_with_salt(
        secret: &[u8],
        tag: &str,
        cost: u32,
        salt: &[u8],
        key: &[u8],
    ) -> Result<Self, CryptoError> {
        let mut ciphertext = key.to_vec();
        apply_keystream(secret, salt, cost, &mut ciphertext)?;
        Ok(EncKeyV1 {
            cost,
            tag: tag.to_owned(),
            salt: salt.to_vec(),
            ciphertext,
        })
    }

    /// Decrypts with `secret`. Never fails for a wrong secret: the result is then a wrong key.
    pub fn decrypt(&self, secret: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let mut key = Zeroizing::new(self.ciphertext.clone());
        apply_keystream(secret, &self.salt, self.cost, &mut key)?;
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{b32decode, b32encode};

    const K20: &[u8] = b"12345678901234567890";
    const SALT: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

    #[test]
    fn vector_b_defaults() {
        let enc = EncKeyV1::encrypt_with_salt(b"correct horse battery staple", "1", 14, &SALT, K20)
            .unwrap();
        assert_eq!(b32encode(&enc.salt), "AAAQEAYEAUDAOCAJBIFQ");
        assert_eq!(
            b32encode(&enc.ciphertext),
            "44VHHVDUA6LTDRYPSP6UW7OE5CYUMF44"
        );
        assert_eq!(
            enc.decrypt(b"correct horse battery staple")
                .unwrap()
                .as_slice(),
            K20
        );
    }

    #[test]
    fn vector_c_unicode_secret_and_long_key() {
        let key = b"12345678901234567890123456789012";
        let secret = "sécret-ünïcode-2016".as_bytes();
        let enc = EncKeyV1::encrypt_with_salt(secret, "2016-05-16", 12, &[0xff; 12], key).unwrap();
        assert_eq!(b32encode(&enc.salt), "7777777777777777777Q");
        assert_eq!(
            b32encode(&enc.ciphertext),
            "VGEPYRO4UML6KOJIBYP36NDR2KZST4UBLRVIZJSMNNA4VQGQCTUA"
        );
    }

    #[test]
    fn vector_d_wrong_secret_gives_garbage_silently() {
        let enc = EncKeyV1 {
            cost: 10,
            tag: "2".into(),
            salt: SALT.to_vec(),
            ciphertext: b32decode("6TC6QNO42OD6RGMNJDR5RK3OZK6KOSYW")
                .unwrap()
                .to_vec(),
        };
        assert_eq!(enc.decrypt(b"wallet-secret-two").unwrap().as_slice(), K20);
        let wrong = enc.decrypt(b"WRONG").unwrap();
        assert_eq!(wrong.len(), K20.len());
        assert!(wrong.starts_with(&[0x32, 0x0d, 0x4e, 0x37]));
        assert!(wrong.ends_with(&[0x2c, 0x74]));
    }

    #[test]
    fn random_salts_differ_and_round_trip() {
        let a = EncKeyV1::encrypt(b"s", "1", 4, K20).unwrap();
        let b = EncKeyV1::encrypt(b"s", "1", 4, K20).unwrap();
        assert_ne!(a.salt, b.salt);
        assert_eq!(a.salt.len(), SALT_LEN);
        assert_eq!(a.decrypt(b"s").unwrap().as_slice(), K20);
    }
}
