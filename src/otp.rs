//! HOTP (RFC 4226) and TOTP (RFC 6238) computation with a key that is decoded and keyed once.

use crate::mac::{self, HmacKey, MAX_OUTPUT_BYTES};

/// Largest timestamp pyotp accepts (exclusive): 10000-01-01T00:00:00Z.
pub const TIMESTAMP_LIMIT: i64 = 253_402_300_800;

/// Characters of Steam Guard codes.
pub const STEAM_CHARS: &str = "23456789BCDFGHJKMNPQRTVWXY";

/// Number of characters in a Steam Guard code.
pub const STEAM_DEFAULT_DIGITS: u32 = 5;

/// Invalid OTP parameters or inputs, with pyotp's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OtpError {
    /// `digits` outside 6..=10.
    #[error("digits must be between 6 and 10")]
    DigitsOutOfRange,
    /// md5 or shake_128 given as the digest.
    #[error(
        "selected digest function must generate digest size greater than or equals to 18 bytes"
    )]
    WeakDigest,
    /// A MAC shorter than 18 bytes at generation time.
    #[error("digest size is lower than 18 bytes, which will trigger error on otp generation")]
    ShortMac,
    /// `interval` outside (0, 120].
    #[error("interval must be positive and at most 120 seconds")]
    IntervalOutOfRange,
    /// A negative counter.
    #[error("input must be positive integer")]
    NegativeCounter,
    /// A time before the epoch or from year 10000 on.
    #[error("for_time must be at or after the Unix epoch and before year 10000 UTC")]
    TimeOutOfRange,
    /// A negative window given to `verify_and_get_timecode`.
    #[error("valid_window cannot be negative")]
    NegativeWindow,
    /// No code in the window matched (`OTPVerificationError`).
    #[error("OTP verification failed")]
    VerificationFailed,
    /// A `valid_window` wider than [`MAX_WINDOW`] steps.
    #[error("valid_window must be at most {MAX_WINDOW}: a wider window cannot be checked quickly")]
    WindowTooWide,
    /// A MAC too short for the dynamic offset its last byte names (Python raises `IndexError`
    /// on the same index).
    #[error("bytearray index out of range")]
    MacIndex,
    /// A padding too large to allocate (Python raises `MemoryError`).
    #[error("cannot allocate {0} bytes")]
    TooLarge(usize),
}

/// Widest `valid_window` accepted: 2 * 100000 + 1 codes, milliseconds of work. pyotp has no
/// limit, and `valid_window=10**9` at the largest time takes minutes.
pub const MAX_WINDOW: i64 = 100_000;

/// The three hash functions of the otpauth format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// HMAC-SHA1, the default.
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

impl Algorithm {
    /// The hashlib name (`digest().name`): `sha1`, `sha256`, `sha512`.
    pub fn hashlib_name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    /// The otpauth `algorithm` value: `SHA1`, `SHA256`, `SHA512`.
    pub fn uri_name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    /// Reads an otpauth `algorithm` value; only the exact upper-case names are valid.
    pub fn from_uri_name(name: &str) -> Option<Self> {
        match name {
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            "SHA512" => Some(Self::Sha512),
            _ => None,
        }
    }
}

/// An HMAC keyed once with the decoded secret (its key pads are wiped on drop).
pub enum Key {
    /// Keyed HMAC-SHA1.
    Sha1(HmacKey<mac::Sha1>),
    /// Keyed HMAC-SHA256.
    Sha256(HmacKey<mac::Sha256>),
    /// Keyed HMAC-SHA512.
    Sha512(HmacKey<mac::Sha512>),
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

impl Key {
    /// Keys `algorithm` with the raw secret.
    pub fn new(algorithm: Algorithm, secret: &[u8]) -> Self {
        match algorithm {
            Algorithm::Sha1 => Self::Sha1(HmacKey::new(secret)),
            Algorithm::Sha256 => Self::Sha256(HmacKey::new(secret)),
            Algorithm::Sha512 => Self::Sha512(HmacKey::new(secret)),
        }
    }

    /// The algorithm this key was made for.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::Sha1(_) => Algorithm::Sha1,
            Self::Sha256(_) => Algorithm::Sha256,
            Self::Sha512(_) => Algorithm::Sha512,
        }
    }

    /// The 31-bit dynamically truncated HMAC of a counter message.
    pub fn truncated(&self, message: &[u8]) -> u32 {
        let mut mac = [0; MAX_OUTPUT_BYTES];
        let len = match self {
            Self::Sha1(key) => key.mac_into(message, &mut mac),
            Self::Sha256(key) => key.mac_into(message, &mut mac),
            Self::Sha512(key) => key.mac_into(message, &mut mac),
        };
        truncate(&mac[..len]).expect("SHA-1 and SHA-2 MACs are at least 20 bytes")
    }

    /// The 31-bit value for a counter that fits in 64 bits.
    pub fn value_at(&self, counter: u64) -> u32 {
        self.truncated(&counter.to_be_bytes())
    }
}

/// The largest hash block of the three (SHA-512's), in bytes.
const MAX_BLOCK_BYTES: usize = 128;

/// A secret held as its padded HMAC key block, keyed on first use and then kept keyed.
///
/// Building one copies the decoded secret into a block inside the object (no allocation, and
/// a secret of any length fits: a long one is hashed as HMAC does). Objects that are only built,
/// or only asked for a provisioning URI, never pay for the two compressions of keying; every
/// code after the first reuses the keyed state, held inline too. Both are wiped on drop.
/// Keying on first use takes `&mut self`: the owner computes codes under an exclusive borrow,
/// so no lock or atomic guards the keyed state.
pub struct LazyKey {
    algorithm: Algorithm,
    padded: [u8; MAX_BLOCK_BYTES],
    keyed: Option<Key>,
}

impl std::fmt::Debug for LazyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LazyKey({:?}, <redacted>)", self.algorithm)
    }
}

impl LazyKey {
    /// Holds `secret` for `algorithm`, not yet keyed, on the heap: the memory is allocated first
    /// and the key block zeroed and written where it stays (`Box::new` builds the value on the
    /// stack and copies it whole into the allocation).
    pub fn boxed(algorithm: Algorithm, secret: &[u8]) -> Box<Self> {
        let mut key = Box::write(
            Box::new_uninit(),
            Self {
                algorithm,
                padded: [0; MAX_BLOCK_BYTES],
                keyed: None,
            },
        );
        match algorithm {
            Algorithm::Sha1 => mac::pad_key::<mac::Sha1>(secret, &mut key.padded),
            Algorithm::Sha256 => mac::pad_key::<mac::Sha256>(secret, &mut key.padded),
            Algorithm::Sha512 => mac::pad_key::<mac::Sha512>(secret, &mut key.padded),
        };
        key
    }

    /// The algorithm this key is for.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The keyed HMAC, keyed now if this is the first use.
    pub fn key(&mut self) -> &Key {
        let (algorithm, padded) = (self.algorithm, &self.padded);
        self.keyed.get_or_insert_with(|| match algorithm {
            Algorithm::Sha1 => Key::Sha1(HmacKey::from_padded_key(padded)),
            Algorithm::Sha256 => Key::Sha256(HmacKey::from_padded_key(padded)),
            Algorithm::Sha512 => Key::Sha512(HmacKey::from_padded_key(padded)),
        })
    }

    /// The 31-bit dynamically truncated HMAC of a counter message.
    pub fn truncated(&mut self, message: &[u8]) -> u32 {
        self.key().truncated(message)
    }
}

impl Drop for LazyKey {
    fn drop(&mut self) {
        // Whole: a wipe of the key's length alone would be a `memset` call of a variable length.
        crate::secret::wipe(&mut self.padded);
    }
}

/// RFC 4226 dynamic truncation of a MAC of any length: the four bytes at the offset named by
/// the last byte's low nibble. A MAC that ends before them (a short custom digest) is
/// [`OtpError::MacIndex`], where pyotp raises `IndexError`.
pub fn truncate(mac: &[u8]) -> Result<u32, OtpError> {
    let last = mac.last().ok_or(OtpError::MacIndex)?;
    let offset = usize::from(last & 0x0f);
    let word = mac.get(offset..offset + 4).ok_or(OtpError::MacIndex)?;
    let word: [u8; 4] = word.try_into().map_err(|_| OtpError::MacIndex)?;
    Ok(u32::from_be_bytes(word) & 0x7fff_ffff)
}

/// The counter message of pyotp: big-endian, at least 8 bytes, longer for counters past 2**64.
pub fn counter_message(counter_be: &[u8]) -> Result<Vec<u8>, OtpError> {
    int_to_bytestring(counter_be, 8)
}

/// pyotp's `int_to_bytestring`: a big-endian integer without its leading zero bytes,
/// left-padded with zeros to at least `padding` bytes; [`OtpError::TooLarge`] when that does
/// not fit in memory.
pub fn int_to_bytestring(counter_be: &[u8], padding: usize) -> Result<Vec<u8>, OtpError> {
    let digits = counter_be
        .iter()
        .position(|&b| b != 0)
        .map_or(&[][..], |i| &counter_be[i..]);
    let len = padding.max(digits.len());
    let mut message = Vec::new();
    message
        .try_reserve_exact(len)
        .map_err(|_| OtpError::TooLarge(len))?;
    message.resize(len - digits.len(), 0);
    message.extend_from_slice(digits);
    Ok(message)
}

/// Refuses a `valid_window` half-width over [`MAX_WINDOW`].
pub fn check_window(window: i64) -> Result<(), OtpError> {
    if window > MAX_WINDOW {
        return Err(OtpError::WindowTooWide);
    }
    Ok(())
}

/// Validates `digits` (6..=10).
pub fn check_digits(digits: i64) -> Result<u32, OtpError> {
    match digits {
        6..=10 => Ok(digits as u32),
        _ => Err(OtpError::DigitsOutOfRange),
    }
}

/// A rendered code, kept on the stack: at most 10 ASCII characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Code {
    bytes: [u8; 10],
    len: u8,
}

impl Code {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The code's ASCII characters.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::ops::Deref for Code {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Code({:?})", self.as_str())
    }
}

/// Renders a truncated value as a zero-padded decimal code of `digits` (at most 10) characters.
pub fn format_decimal(value: u32, digits: u32) -> Code {
    let len = digits.min(10) as usize;
    let mut rest = u64::from(value);
    let mut bytes = [b'0'; 10];
    for slot in bytes[..len].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    Code {
        bytes,
        len: len as u8,
    }
}

/// Renders a truncated value as a 5-character Steam Guard code.
pub fn format_steam(value: u32) -> Code {
    let chars = STEAM_CHARS.as_bytes();
    let mut rest = value as usize;
    let mut bytes = [0u8; 10];
    for slot in &mut bytes[..STEAM_DEFAULT_DIGITS as usize] {
        *slot = chars[rest % chars.len()];
        rest /= chars.len();
    }
    Code {
        bytes,
        len: STEAM_DEFAULT_DIGITS as u8,
    }
}

/// Validates a TOTP interval: `0 < interval <= 120` (NaN fails).
pub fn check_interval(interval: f64) -> Result<f64, OtpError> {
    if interval > 0.0 && interval <= 120.0 {
        Ok(interval)
    } else {
        Err(OtpError::IntervalOutOfRange)
    }
}

/// Whole seconds of an integer timestamp, range-checked.
pub fn seconds_from_int(t: i64) -> Result<i64, OtpError> {
    if (0..TIMESTAMP_LIMIT).contains(&t) {
        Ok(t)
    } else {
        Err(OtpError::TimeOutOfRange)
    }
}

/// Whole seconds of a float timestamp, range-checked (NaN and infinities fail), truncated.
pub fn seconds_from_float(t: f64) -> Result<i64, OtpError> {
    if t >= 0.0 && t < TIMESTAMP_LIMIT as f64 {
        Ok(t as i64)
    } else {
        Err(OtpError::TimeOutOfRange)
    }
}

/// pyotp's timecode: whole seconds divided by the interval with float division, truncated.
///
/// None when the quotient is not finite or does not fit in 64 bits (a zero, NaN or tiny
/// interval), where pyotp's arbitrary-precision arithmetic has to take over.
pub fn timecode(seconds: i64, interval: f64) -> Option<i64> {
    let quotient = (seconds as f64 / interval).trunc();
    // 2**63 is exactly representable; every float below it converts without saturating.
    (quotient.is_finite() && quotient.abs() < 9_223_372_036_854_775_808.0)
        .then_some(quotient as i64)
}

/// Seconds until the code for `seconds` expires.
pub fn seconds_remaining(seconds: f64, interval: f64) -> f64 {
    interval - seconds.rem_euclid(interval)
}

/// Constant-time equality of two byte strings (only the lengths leak).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_matches_rfc_4226_section_5_4() {
        let mac = [
            0x1f, 0x86, 0x98, 0x69, 0x0e, 0x02, 0xca, 0x16, 0x61, 0x85, 0x50, 0xef, 0x7f, 0x19,
            0xda, 0x8e, 0x94, 0x5b, 0x55, 0x5a,
        ];
        assert_eq!(truncate(&mac), Ok(0x50ef7f19));
        assert_eq!(format_decimal(0x50ef7f19, 6).as_str(), "872921");
        assert_eq!(format_decimal(5, 10).as_str(), "0000000005");
        assert_eq!(format_decimal(1_234_567_890, 6).as_str(), "567890");
    }

    #[test]
    fn short_macs_fail_where_python_indexes_past_the_end() {
        // The last byte names offset 15: bytes 15..19 are needed, 19 bytes.
        let mut mac = [0u8; 19];
        mac[18] = 0x0f;
        assert!(truncate(&mac).is_ok());
        assert_eq!(truncate(&mac[1..]), Err(OtpError::MacIndex));
        assert_eq!(truncate(&[]), Err(OtpError::MacIndex));
        assert_eq!(truncate(&[0x00, 1, 2, 0x10]), Ok(0x0001_0210));
    }

    #[test]
    fn counter_messages_grow_past_64_bits() {
        assert_eq!(
            counter_message(&[0, 0, 5]).unwrap(),
            vec![0, 0, 0, 0, 0, 0, 0, 5]
        );
        assert_eq!(
            counter_message(&[1, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
            vec![1, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(counter_message(&[]).unwrap(), vec![0; 8]);
    }

    #[test]
    fn int_to_bytestring_pads_to_any_width() {
        assert_eq!(
            int_to_bytestring(&[0, 5], 9).unwrap(),
            vec![0, 0, 0, 0, 0, 0, 0, 0, 5]
        );
        assert_eq!(int_to_bytestring(&[0, 0, 1, 2], 0).unwrap(), vec![1, 2]);
        assert_eq!(int_to_bytestring(&[0; 8], 0).unwrap(), Vec::<u8>::new());
        assert_eq!(int_to_bytestring(&[3, 4], 1).unwrap(), vec![3, 4]);
        assert_eq!(
            int_to_bytestring(&[1], usize::MAX),
            Err(OtpError::TooLarge(usize::MAX))
        );
        assert_eq!(check_window(MAX_WINDOW), Ok(()));
        assert_eq!(check_window(MAX_WINDOW + 1), Err(OtpError::WindowTooWide));
    }

    #[test]
    fn digits_and_intervals_are_range_checked() {
        assert_eq!(check_digits(5), Err(OtpError::DigitsOutOfRange));
        assert_eq!(check_digits(11), Err(OtpError::DigitsOutOfRange));
        assert_eq!(check_digits(8), Ok(8));
        assert_eq!(check_interval(0.0), Err(OtpError::IntervalOutOfRange));
        assert_eq!(check_interval(f64::NAN), Err(OtpError::IntervalOutOfRange));
        assert_eq!(check_interval(120.5), Err(OtpError::IntervalOutOfRange));
        assert_eq!(check_interval(30.5), Ok(30.5));
    }

    #[test]
    fn timestamps_are_range_checked_and_truncated() {
        assert_eq!(seconds_from_float(59.9), Ok(59));
        assert_eq!(seconds_from_float(-0.0), Ok(0));
        assert_eq!(seconds_from_float(-0.1), Err(OtpError::TimeOutOfRange));
        assert_eq!(seconds_from_float(f64::NAN), Err(OtpError::TimeOutOfRange));
        assert_eq!(
            seconds_from_int(TIMESTAMP_LIMIT),
            Err(OtpError::TimeOutOfRange)
        );
        assert_eq!(timecode(TIMESTAMP_LIMIT - 1, 30.0), Some(8_446_743_359));
        assert_eq!(timecode(61, 30.5), Some(2));
        assert_eq!(timecode(59, -30.0), Some(-1));
        assert_eq!(timecode(1, 1e-300), None);
        assert_eq!(timecode(1, 0.0), None);
        assert_eq!(timecode(0, 0.0), None);
        assert_eq!(timecode(1, f64::NAN), None);
        assert_eq!(timecode(1, f64::INFINITY), Some(0));
    }

    #[test]
    fn steam_codes_use_the_steam_alphabet() {
        let key = Key::new(Algorithm::Sha1, b"12345678901234567890");
        let code = format_steam(key.value_at(0));
        assert_eq!(code.len(), 5);
        assert!(code.chars().all(|c| STEAM_CHARS.contains(c)));
    }

    #[test]
    fn lazy_keys_match_eager_keys_for_every_secret_length() {
        for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
            for len in [1usize, 10, 20, 63, 64, 65, 127, 128, 129, 300] {
                let secret: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
                let mut lazy = LazyKey::boxed(algorithm, &secret);
                let eager = Key::new(algorithm, &secret);
                for counter in [0u64, 1, 59, u64::MAX] {
                    assert_eq!(
                        lazy.truncated(&counter.to_be_bytes()),
                        eager.value_at(counter)
                    );
                }
                assert_eq!(lazy.algorithm(), algorithm);
            }
        }
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"755224", b"755224"));
        assert!(!constant_time_eq(b"755224", b"755225"));
        assert!(!constant_time_eq(b"755224", b"75522"));
    }
}
