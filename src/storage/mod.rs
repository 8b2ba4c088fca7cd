//! Encrypted storage of TOTP keys, compatible with passlib 1.7.4's TOTP JSON.
//!
//! - [`wallet`]: application secrets keyed by tag (the newest tag encrypts, every tag decrypts).
//! - [`passlib`]: passlib's `enckey` version 1 (PBKDF2-HMAC-SHA256 + AES-256-CTR, **no MAC**).
//! - [`sealed`]: the authenticated `enckey` version 2 (PBKDF2-HMAC-SHA256 + AES-256-GCM).
//! - [`json`]: the TOTP document (`{"type": "totp", "v": 1, ...}`) read and written byte for byte
//!   as passlib does.
//!
//! Plain Rust: the Python binding lives in `crate::python::storage`.

pub mod json;
pub mod passlib;
pub mod sealed;
pub mod wallet;

use data_encoding::{Encoding, Specification, BASE32_NOPAD};
use sha2::Sha256;
use std::sync::LazyLock;
use zeroize::Zeroizing;

pub use json::{Document, DocumentError, EncKey, Format, StoredKey, TotpParams};
pub use wallet::{Wallet, WalletError};

/// Largest accepted cost: PBKDF2 runs `2**cost` rounds. passlib's default is 14; 20 already
/// takes about a second, and a record with a cost an attacker raised to 31 would hold a
/// server for minutes, so stored and requested costs above this are refused.
pub const MAX_COST: u32 = 20;

/// Why a key could not be encrypted or decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The cost is outside `0..=MAX_COST`.
    #[error("unsupported encryption cost {0}: must be between 0 and {MAX_COST}")]
    Cost(i64),
    /// An authenticated record failed to verify: wrong application secret, or tampered data.
    #[error(
        "cannot decrypt the TOTP key: wrong application secret, or the stored data was modified"
    )]
    Authentication,
    /// The operating system's random source failed.
    #[error("the operating system's random source failed: {0}")]
    Random(String),
}

/// Any failure while reading, decrypting, encrypting or writing a stored TOTP key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The document is malformed.
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// The wallet cannot serve the tag asked for.
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// Key derivation, encryption or authentication failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The key is encrypted but no application secrets were given.
    #[error("no application secrets present, can't decrypt TOTP key")]
    NoWalletToDecrypt,
    /// Encryption was requested but no application secrets were given.
    #[error("no application secrets present, can't encrypt TOTP key")]
    NoWalletToEncrypt,
    /// A record in a form the reader did not accept.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// An owner binding was asked of a form that cannot carry one.
    #[error("binding a key to an owner needs the sealed format")]
    OwnerNeedsSealed,
}

/// Why a reader refused a stored key that it could have decrypted: a form weaker than it
/// asked for, which is what an attacker who can write the database would downgrade a record to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// passlib's `enckey` version 1, read where only sealed records are expected.
    #[error("refusing passlib's unauthenticated 'enckey' version 1 where a sealed record is expected: pass format='passlib' to read it")]
    Passlib,
    /// pyotp-rs 0.1's sealed version 2, whose label and issuer are not authenticated.
    #[error("refusing 'enckey' version 2, which does not authenticate the label and issuer: read it with format='passlib' and rotate it")]
    LegacySealed,
    /// A plain key, read with a wallet of secrets.
    #[error("refusing a plain 'key' where the wallet expects an encrypted one: pass format='passlib' to read it")]
    Plain,
    /// An owner was given, but the record is not a sealed record that could be bound to one.
    #[error("the stored key is not bound to an owner (only sealed records can be): rotate it with the owner to bind it")]
    NoOwner,
}

/// PBKDF2-HMAC-SHA256 with `2**cost` rounds, filling `N` bytes of key material.
pub(crate) fn derive<const N: usize>(
    secret: &[u8],
    salt: &[u8],
    cost: u32,
) -> Result<Zeroizing<[u8; N]>, CryptoError> {
    if cost > MAX_COST {
        return Err(CryptoError::Cost(i64::from(cost)));
    }
    let mut out = Zeroizing::new([0u8; N]);
    pbkdf2::pbkdf2_hmac::<Sha256>(secret, salt, 1u32 << cost, &mut *out);
    Ok(out)
}

/// `N` bytes from the operating system's random source.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|err| CryptoError::Random(err.to_string()))?;
    Ok(out)
}

/// Base32 as passlib reads it: case-insensitive, `8` read as `B` and `0` as `O`, padding optional.
static BASE32_PASSLIB: LazyLock<Encoding> = LazyLock::new(|| {
    let mut spec = Specification::new();
    spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    spec.translate.from.push_str("abcdefghijklmnopqrstuvwxyz80");
    spec.translate.to.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZBO");
    spec.check_trailing_bits = false;
    spec.encoding().expect("a valid base32 specification")
});

/// Unpadded upper-case base32, as passlib writes keys, salts and ciphertexts.
pub fn b32encode(bytes: &[u8]) -> String {
    BASE32_NOPAD.encode(bytes)
}

/// Decodes base32 as passlib's `b32decode` does; `None` when the text is not base32.
pub fn b32decode(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let trimmed = text.trim_end_matches('=');
    BASE32_PASSLIB
        .decode(trimmed.as_bytes())
        .ok()
        .map(Zeroizing::new)
}

/// Whether Python's `str.isspace()` holds for `c` (Rust's `is_whitespace` plus U+001C..U+001F).
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `repr()` of a `str`, for error messages that quote user input the way passlib does.
pub fn py_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Group sizes tried by [`group_string`], in passlib's order of preference.
const GROUP_SIZES: [usize; 3] = [4, 6, 5];

/// Splits `value` into groups of 4, 6 or 5 characters joined by `sep`, as passlib's
/// `group_string` does for `TOTP.pretty_key()`: an exact divisor if there is one, else the
/// size leaving the largest last group.
pub fn group_string(value: &str, sep: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let size = GROUP_SIZES
        .into_iter()
        .find(|size| chars.len().is_multiple_of(*size))
        .unwrap_or_else(|| {
            let mut best = (GROUP_SIZES[0], 0);
            for size in GROUP_SIZES {
                if chars.len() % size > best.1 {
                    best = (size, chars.len() % size);
                }
            }
            best.0
        });
    chars
        .chunks(size)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_is_lenient_like_passlib() {
        let key = b"12345678901234567890";
        let text = b32encode(key);
        assert_eq!(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(b32decode(&text).unwrap().as_slice(), key);
        assert_eq!(b32decode(&text.to_lowercase()).unwrap().as_slice(), key);
        assert_eq!(b32decode("MFRGG===").unwrap().as_slice(), b"abc");
        assert_eq!(
            b32decode("8o").unwrap().as_slice(),
            b32decode("BO").unwrap().as_slice()
        );
        assert!(b32decode("A").is_none());
        assert!(b32decode("ABC!").is_none());
    }

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(py_repr("2"), "'2'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a\nb\\"), "'a\\nb\\\\'");
    }

    #[test]
    fn groups_like_passlib() {
        assert_eq!(group_string("S3JDVB7QD2R7JPXX", "-"), "S3JD-VB7Q-D2R7-JPXX");
        assert_eq!(
            group_string("ABCDEFGHIJKLMNOPQR", " "),
            "ABCDEF GHIJKL MNOPQR"
        );
        assert_eq!(
            group_string("ABCDEFGHIJKLMNOPQRSTUVW", "-"),
            "ABCDEF-GHIJKL-MNOPQR-STUVW"
        );
        assert_eq!(group_string("ABCDEFG", "-"), "ABCD-EFG");
        assert_eq!(group_string("", "-"), "");
    }

    #[test]
    fn cost_is_bounded() {
        assert_eq!(
            derive::<16>(b"s", b"salt", MAX_COST + 1).unwrap_err(),
            CryptoError::Cost(i64::from(MAX_COST) + 1)
        );
    }
}
