//! The encrypted exports of 2FAS and andOTP: a password-derived key (PBKDF2) and AES-256-GCM.
//!
//! - 2FAS: `servicesEncrypted` is `base64(ciphertext+tag):base64(salt):base64(iv)`, the key
//!   PBKDF2-HMAC-SHA256(password, salt, 10,000 iterations); the plaintext is the JSON list of
//!   services.
//! - andOTP, current format: `[iterations: u32 big-endian][salt: 12][iv: 12][ciphertext+tag]`,
//!   the key PBKDF2-HMAC-SHA1(password, salt, iterations). Old format: `[iv: 12][ciphertext+tag]`,
//!   the key SHA-256(password). The plaintext is andOTP's plain JSON.
//!
//! The iteration count an andOTP file declares is bounded before any work.

use super::TransferError;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use data_encoding::BASE64;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// PBKDF2 iterations of a 2FAS backup (fixed by the app).
pub const TWOFAS_ITERATIONS: u32 = 10_000;
/// Most PBKDF2 iterations an andOTP backup may ask for (andOTP writes about 150,000): about a
/// second of work.
pub const MAX_ANDOTP_ITERATIONS: u32 = 2_000_000;
/// Longest salt accepted in a 2FAS backup (the app writes 256 bytes).
pub const MAX_SALT_LEN: usize = 1024;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;
const ANDOTP_SALT_LEN: usize = 12;
const TWOFAS: &str = "2FAS backup";
const ANDOTP: &str = "andOTP backup";

/// AES-256-GCM opening of `sealed` (ciphertext followed by its tag), no associated data.
pub(crate) fn open_gcm(key: &[u8], nonce: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    if sealed.len() < TAG_LEN {
        return None;
    }
    let cipher = Aes256Gcm::new_from_slice(key).ok()?;
    let mut buffer = Zeroizing::new(sealed.to_vec());
    cipher
        .decrypt_in_place(&Nonce::from(nonce), &[], &mut *buffer)
        .ok()
        .map(|()| buffer)
}

fn malformed(format: &'static str, why: &str) -> TransferError {
    TransferError::Sealed {
        format,
        why: why.to_owned(),
    }
}

/// Decrypts a 2FAS `servicesEncrypted` value: the services' JSON bytes.
pub fn open_twofas(sealed: &str, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    let parts: Vec<&str> = sealed.trim().split(':').collect();
    let [data, salt, iv] = parts[..] else {
        return Err(malformed(
            TWOFAS,
            "servicesEncrypted is not three base64 parts joined by ':'",
        ));
    };
    let decode = |text: &str, what: &str| {
        BASE64
            .decode(text.as_bytes())
            .map_err(|_| malformed(TWOFAS, &format!("the {what} is not base64")))
    };
    let (data, salt, iv) = (
        decode(data, "ciphertext")?,
        decode(salt, "salt")?,
        decode(iv, "IV")?,
    );
    if iv.len() != NONCE_LEN || data.len() < TAG_LEN || salt.is_empty() || salt.len() > MAX_SALT_LEN
    {
        return Err(malformed(
            TWOFAS,
            "the IV is not 12 bytes, the salt is empty or over 1024 bytes, or the ciphertext is shorter than its tag",
        ));
    }
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    pbkdf2::pbkdf2_hmac::<Sha256>(password, &salt, TWOFAS_ITERATIONS, &mut *key);
    open_gcm(&*key, &iv, &data).ok_or(TransferError::WrongPasswordFor(TWOFAS))
}

/// Decrypts an andOTP backup, current or old format: the plain JSON bytes.
///
/// The old format is tried first (one SHA-256); the current one only when the iteration count
/// it declares is within [`MAX_ANDOTP_ITERATIONS`].
pub fn open_andotp(data: &[u8], password: &[u8]) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    if data.len() < NONCE_LEN + TAG_LEN {
        return Err(malformed(ANDOTP, "the file is too short"));
    }
    let old_key = Zeroizing::new(Sha256::digest(password));
    if let Some(plain) = open_gcm(&old_key, &data[..NONCE_LEN], &data[NONCE_LEN..]) {
        return Ok(plain);
    }
    let header = 4 + ANDOTP_SALT_LEN + NONCE_LEN;
    if data.len() < header + TAG_LEN {
        return Err(TransferError::WrongPasswordFor(ANDOTP));
    }
    let iterations = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
    if iterations == 0 || iterations > MAX_ANDOTP_ITERATIONS {
        return Err(TransferError::AndOtpIterations(iterations));
    }
    let salt = &data[4..4 + ANDOTP_SALT_LEN];
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, iterations, &mut *key);
    open_gcm(&*key, &data[4 + ANDOTP_SALT_LEN..header], &data[header..])
        .ok_or(TransferError::WrongPasswordFor(ANDOTP))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(key: &[u8], nonce: &[u8; NONCE_LEN], plain: &[u8]) -> Vec<u8> {
        let mut buffer = plain.to_vec();
        Aes256Gcm::new_from_slice(key)
            .unwrap()
            .encrypt_in_place(&Nonce::from(*nonce), &[], &mut buffer)
            .unwrap();
        buffer
    }

    #[test]
    fn twofas_round_trip_and_wrong_password() {
        let salt = [7u8; 256];
        let mut key = [0u8; KEY_LEN];
        pbkdf2::pbkdf2_hmac::<Sha256>(b"pw", &salt, TWOFAS_ITERATIONS, &mut key);
        let sealed = seal(&key, &[1; NONCE_LEN], b"[]");
        let text = format!(
            "{}:{}:{}",
            BASE64.encode(&sealed),
            BASE64.encode(&salt),
            BASE64.encode(&[1; NONCE_LEN])
        );
        assert_eq!(&*open_twofas(&text, b"pw").unwrap(), b"[]");
        assert_eq!(
            open_twofas(&text, b"px"),
            Err(TransferError::WrongPasswordFor(TWOFAS))
        );
        assert!(matches!(
            open_twofas("a:b", b"pw"),
            Err(TransferError::Sealed { .. })
        ));
    }

    #[test]
    fn andotp_both_formats_and_bounds() {
        let key = Sha256::digest(b"pw");
        let old = [&[2u8; NONCE_LEN][..], &seal(&key, &[2; NONCE_LEN], b"[1]")].concat();
        assert_eq!(&*open_andotp(&old, b"pw").unwrap(), b"[1]");
        let mut key = [0u8; KEY_LEN];
        pbkdf2::pbkdf2_hmac::<Sha1>(b"pw", &[3; ANDOTP_SALT_LEN], 1000, &mut key);
        let new = [
            &1000u32.to_be_bytes()[..],
            &[3; ANDOTP_SALT_LEN],
            &[4; NONCE_LEN],
            &seal(&key, &[4; NONCE_LEN], b"[2]"),
        ]
        .concat();
        assert_eq!(&*open_andotp(&new, b"pw").unwrap(), b"[2]");
        assert_eq!(
            open_andotp(&new, b"px"),
            Err(TransferError::WrongPasswordFor(ANDOTP))
        );
        let hostile = [&u32::MAX.to_be_bytes()[..], &new[4..]].concat();
        assert_eq!(
            open_andotp(&hostile, b"pw"),
            Err(TransferError::AndOtpIterations(u32::MAX))
        );
    }
}
