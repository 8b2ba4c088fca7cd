//! Base32 secrets: decoding by pyotp 2.12's exact rules, and random secrets.
//!
//! pyotp pads a secret with `=` to a multiple of 8 and hands it to Python's
//! `base64.b32decode(..., casefold=True)`. The error that a bad secret raises
//! depends on the order of that decoder's checks, so [`decode`] reproduces
//! the checks in that order, and decodes on the stack.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use zeroize::{Zeroize, Zeroizing};

/// Shortest decoded secret pyotp 2.12 accepts: 112 bits.
pub const MIN_SECRET_BYTES: usize = 14;

/// How short a decoded secret may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MinLength {
    /// pyotp 2.12's rule: at least [`MIN_SECRET_BYTES`] (112 bits).
    #[default]
    Pyotp,
    /// The explicit opt-in for legacy secrets (80-bit ones are common): at least one byte.
    AnyNonEmpty,
}

impl MinLength {
    /// The opt-in when `allow_short` is true, pyotp's rule otherwise.
    pub fn allowing_short(allow_short: bool) -> Self {
        if allow_short {
            Self::AnyNonEmpty
        } else {
            Self::Pyotp
        }
    }

    fn bytes(self) -> usize {
        match self {
            Self::Pyotp => MIN_SECRET_BYTES,
            Self::AnyNonEmpty => 1,
        }
    }
}

/// The RFC 4648 base32 alphabet, the default for [`random_base32`](crate::secret::random_string).
pub const BASE32_ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Upper-case hex digits, the default alphabet of `random_hex`.
pub const HEX_ALPHABET: &str = "ABCDEF0123456789";

/// Why a secret could not be used, with pyotp's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// A `str` secret holds a non-ASCII character (Python raises `ValueError`).
    #[error("string argument should contain only ASCII characters")]
    NonAscii,
    /// A `bytes` secret whose length is not a multiple of 8 (Python raises `TypeError`).
    #[error("can't concat str to bytes")]
    UnpaddedBytes,
    /// A character outside the base32 alphabet (`binascii.Error`).
    #[error("Non-base32 digit found")]
    NonBase32Digit,
    /// An impossible number of trailing `=` (`binascii.Error`).
    #[error("Incorrect padding")]
    IncorrectPadding,
    /// The decoded key is shorter than [`MIN_SECRET_BYTES`] (or empty, with the opt-in:
    /// the message stays pyotp's, since the rule it names is the one a caller did not relax).
    #[error("Secrets must be at least 112 bits after decoding")]
    TooShort,
    /// The decoded key does not fit in memory (Python raises `MemoryError`).
    #[error("the decoded secret does not fit in memory")]
    TooLarge,
}

/// Why a random secret could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RandomError {
    /// The requested length is under the 160-bit minimum.
    #[error("Secrets should be at least 160 bits")]
    TooShort,
    /// The alphabet is empty (Python raises `IndexError`).
    #[error("Cannot choose from an empty sequence")]
    EmptyAlphabet,
    /// The result would not fit in memory (Python raises `MemoryError`).
    #[error("cannot allocate a random string of {0} characters")]
    TooLong(u64),
    /// The operating system's random source failed.
    #[error("the operating system's random source failed: {0}")]
    Os(getrandom::Error),
}

/// Decoded keys up to this many bytes (a secret of 204 characters) never touch the heap.
const INLINE_KEY_BYTES: usize = 128;

/// Decodes a secret as given to `OTP(s)` (the text of a `str`, or a `bytes` object).
///
/// `from_bytes` selects pyotp's behaviour for `bytes` secrets, which it cannot pad;
/// `min` how short the key may be. The key is returned in a buffer that is wiped when dropped.
pub fn decode(
    secret: &[u8],
    from_bytes: bool,
    min: MinLength,
) -> Result<Zeroizing<Vec<u8>>, SecretError> {
    with_decoded(secret, from_bytes, min, |key| Zeroizing::new(key.to_vec()))
}

/// Decodes a secret as [`decode`] does and lends the key to `use_key`: on the stack for keys
/// up to 128 bytes (every real secret), so keying an HMAC from a secret allocates nothing.
/// The buffer is wiped afterwards.
pub fn with_decoded<R>(
    secret: &[u8],
    from_bytes: bool,
    min: MinLength,
    use_key: impl FnOnce(&[u8]) -> R,
) -> Result<R, SecretError> {
    if from_bytes && !secret.len().is_multiple_of(8) {
        return Err(SecretError::UnpaddedBytes);
    }
    let data = secret.trim_ascii_end_matches_pad();
    let pad_chars = secret.len().div_ceil(8) * 8 - data.len();
    // With 0, 1, 3, 4 or 6 pad characters the unpadded tail has 0, 7, 5, 4 or 2
    // characters: exactly the lengths the unpadded lenient decoder accepts, and like
    // Python it yields floor(5 * len / 8) bytes, dropping leftover bits. So with such
    // padding the decoder succeeds exactly when Python's would, and only a failure needs
    // Python's order of checks to name the error.
    if !matches!(pad_chars, 0 | 1 | 3 | 4 | 6) {
        return Err(decode_error(data));
    }
    let len = data.len() * 5 / 8;
    if len > INLINE_KEY_BYTES {
        let mut spilled = Zeroizing::new(Vec::new());
        spilled
            .try_reserve_exact(len)
            .map_err(|_| SecretError::TooLarge)?;
        spilled.resize(len, 0);
        return decoded_into(data, &mut spilled, min, use_key);
    }
    // No `Zeroizing<Vec>` on this path, not even an empty one: its drop clears the spare
    // capacity, and a `memset` of zero bytes at a dangling pointer took a tenth of a one-shot
    // code here. The buffer is zeroed and wiped whole, never by the key's length, which the
    // optimiser would turn into such a call too (the barrier keeps it from trimming the
    // zeroing to the tail the key leaves).
    let mut inline = [0u8; INLINE_KEY_BYTES];
    std::hint::black_box(&mut inline);
    let result = decoded_into(data, &mut inline[..len], min, use_key);
    wipe(&mut inline);
    result
}

/// Wipes key bytes with volatile stores of eight bytes (`zeroize` stores one byte at a time:
/// 128 stores for a key block, a measurable part of building an object).
pub fn wipe(bytes: &mut [u8]) {
    let (words, tail) = bytes.as_chunks_mut::<8>();
    for word in words {
        // SAFETY: `word` is an exclusive reference to 8 initialised bytes, and `[u8; 8]`
        // has the alignment of a byte.
        unsafe { std::ptr::write_volatile(word, [0; 8]) };
    }
    tail.zeroize();
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

/// Decodes `data` (unpadded) into `buffer` (exactly the decoded length) and lends it to `use_key`.
fn decoded_into<R>(
    data: &[u8],
    buffer: &mut [u8],
    min: MinLength,
    use_key: impl FnOnce(&[u8]) -> R,
) -> Result<R, SecretError> {
    if !decode_base32(data, buffer) {
        Err(decode_error(data))
    } else {
        check_length(buffer, min).map(|()| use_key(buffer))
    }
}

/// Refuses a decoded key shorter than `min` allows ([`SecretError::TooShort`]).
pub fn check_length(key: &[u8], min: MinLength) -> Result<(), SecretError> {
    if key.len() < min.bytes() {
        Err(SecretError::TooShort)
    } else {
        Ok(())
    }
}

/// Marks a byte outside the base32 alphabet in [`BASE32_VALUES`].
const NOT_BASE32: u8 = 0xff;

/// The value of each byte as a base32 digit, either case (`casefold=True`).
static BASE32_VALUES: [u8; 256] = {
    let mut values = [NOT_BASE32; 256];
    let mut i = 0;
    while i < 26 {
        values[b'A' as usize + i] = i as u8;
        values[b'a' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        values[b'2' as usize + i] = 26 + i as u8;
        i += 1;
    }
    values
};

/// Decodes unpadded base32 into `out` (exactly `5 * data.len() / 8` bytes), dropping the
/// leftover bits of a partial last group as Python does; false if a byte is not a digit.
fn decode_base32(data: &[u8], out: &mut [u8]) -> bool {
    // A digit is at most 31 and NOT_BASE32 has its top bit set: OR-ing every value keeps
    // that bit exactly when some byte is not a digit (the bits decoded then do not matter).
    let mut seen = 0u8;
    let mut digits = |group: &[u8]| {
        group.iter().fold(0u64, |bits, &c| {
            let value = BASE32_VALUES[usize::from(c)];
            seen |= value;
            bits << 5 | u64::from(value)
        })
    };
    let (whole, tail_out) = out.split_at_mut(data.len() / 8 * 5);
    let mut groups = data.chunks_exact(8);
    for (group, bytes) in (&mut groups).zip(whole.chunks_exact_mut(5)) {
        bytes.copy_from_slice(&digits(group).to_be_bytes()[3..]);
    }
    let tail = groups.remainder();
    let bits = digits(tail) >> (tail.len() * 5 - tail_out.len() * 8);
    tail_out.copy_from_slice(&bits.to_be_bytes()[8 - tail_out.len()..]);
    seen & 0x80 == 0
}

/// The error Python's `b32decode` reports first for a secret that does not decode:
/// a character outside the alphabet, else the padding.
fn decode_error(data: &[u8]) -> SecretError {
    if data
        .iter()
        .all(|c| matches!(c.to_ascii_uppercase(), b'A'..=b'Z' | b'2'..=b'7'))
    {
        SecretError::IncorrectPadding
    } else {
        SecretError::NonBase32Digit
    }
}

/// Decodes the text of a `str` secret, rejecting non-ASCII text as Python does.
pub fn decode_str(secret: &str, min: MinLength) -> Result<Zeroizing<Vec<u8>>, SecretError> {
    with_decoded_str(secret, min, |key| Zeroizing::new(key.to_vec()))
}

/// [`with_decoded`] for the text of a `str` secret, rejecting non-ASCII text as Python does.
pub fn with_decoded_str<R>(
    secret: &str,
    min: MinLength,
    use_key: impl FnOnce(&[u8]) -> R,
) -> Result<R, SecretError> {
    if !secret.is_ascii() {
        return Err(SecretError::NonAscii);
    }
    with_decoded(secret.as_bytes(), false, min, use_key)
}

/// Encodes raw key bytes as unpadded upper-case base32.
pub fn encode(key: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(key)
}

trait TrimPad {
    fn trim_ascii_end_matches_pad(&self) -> &[u8];
}

impl TrimPad for [u8] {
    fn trim_ascii_end_matches_pad(&self) -> &[u8] {
        let end = self.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
        &self[..end]
    }
}

/// Size of the block of operating-system randomness drawn at once.
const POOL_SIZE: usize = 4096;

/// Randomness from the OS's CSPRNG, fetched a block at a time and wiped as it is handed out.
///
/// One `getrandom` call per block instead of one per secret is what makes `random_base32`
/// cheap. Each thread has its own pool, so a fork can never find one locked by a thread that
/// does not exist in the child; and a pool filled before a fork is never drawn from after it:
/// see [`fork_generation`].
struct Pool {
    bytes: [u8; POOL_SIZE],
    next: usize,
    generation: u64,
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool {
            bytes: [0; POOL_SIZE],
            next: POOL_SIZE,
            generation: 0,
        })
    };
}

/// Incremented in the child after every `fork()`, by a `pthread_atfork` handler.
static FORKS: AtomicU64 = AtomicU64::new(1);

#[cfg(unix)]
extern "C" fn count_fork_in_child() {
    FORKS.fetch_add(1, Ordering::Relaxed);
}

/// Whether the `pthread_atfork` handler is in place (false where it could not be registered).
fn fork_handler_registered() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        #[cfg(unix)]
        {
            // SAFETY: registers a handler that only increments an atomic, which is
            // async-signal-safe as a handler run in a freshly forked child must be.
            unsafe { libc::pthread_atfork(None, None, Some(count_fork_in_child)) == 0 }
        }
        #[cfg(not(unix))]
        {
            true
        }
    })
}

/// Identifies the process a pool was filled in: a count of forks, bumped in the child by
/// every `fork()` of the C library (`os.fork`, `ctypes` calls of `fork`, extension modules),
/// or the process id where no fork handler could be registered. Reading the counter costs
/// an atomic load, where asking the kernel for the process id costs a system call.
fn fork_generation() -> u64 {
    if fork_handler_registered() {
        FORKS.load(Ordering::Relaxed)
    } else {
        u64::from(std::process::id()) << 32
    }
}

/// Fills `out` with random bytes from the operating system's CSPRNG.
pub fn random_bytes(out: &mut [u8]) -> Result<(), RandomError> {
    if out.len() > POOL_SIZE {
        return getrandom::fill(out).map_err(RandomError::Os);
    }
    let generation = fork_generation();
    POOL.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.generation != generation {
            pool.bytes.zeroize();
            pool.next = POOL_SIZE;
            pool.generation = generation;
        }
        let mut filled = 0;
        while filled < out.len() {
            if pool.next == POOL_SIZE {
                getrandom::fill(&mut pool.bytes).map_err(RandomError::Os)?;
                pool.next = 0;
            }
            let take = (out.len() - filled).min(POOL_SIZE - pool.next);
            let start = pool.next;
            out[filled..filled + take].copy_from_slice(&pool.bytes[start..start + take]);
            pool.bytes[start..start + take].zeroize();
            pool.next += take;
            filled += take;
        }
        Ok(())
    })
    // The thread is exiting and its pool is gone: draw directly.
    .unwrap_or_else(|_| getrandom::fill(out).map_err(RandomError::Os))
}

/// Draws `count` uniformly random indices below `bound` from the OS's CSPRNG, handing each to
/// `emit` in order.
///
/// Rejection sampling keeps every index equally likely for any `bound`: one byte per draw
/// for alphabets of up to 256 symbols, eight bytes per draw beyond.
fn sample(count: usize, bound: usize, mut emit: impl FnMut(usize)) -> Result<(), RandomError> {
    if bound == 0 {
        return Err(RandomError::EmptyAlphabet);
    }
    let mut draws = Zeroizing::new([0u8; 256]);
    let mut emitted = 0;
    if bound <= 256 {
        let zone = 256 - 256 % bound;
        while emitted < count {
            let want = (count - emitted).min(draws.len());
            random_bytes(&mut draws[..want])?;
            for &draw in &draws[..want] {
                if usize::from(draw) < zone && emitted < count {
                    emit(usize::from(draw) % bound);
                    emitted += 1;
                }
            }
        }
        return Ok(());
    }
    let bound = bound as u64;
    let zone = u64::MAX - (u64::MAX % bound);
    while emitted < count {
        let want = ((count - emitted) * 8).min(draws.len());
        random_bytes(&mut draws[..want])?;
        for chunk in draws[..want].chunks_exact(8) {
            let draw = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            if draw < zone && emitted < count {
                emit((draw % bound) as usize);
                emitted += 1;
            }
        }
    }
    Ok(())
}

/// Fills `out` with uniformly random indices below `bound`, from the OS's CSPRNG.
pub fn random_indices(out: &mut [usize], bound: usize) -> Result<(), RandomError> {
    let mut slots = out.iter_mut();
    sample(slots.len(), bound, |index| {
        if let Some(slot) = slots.next() {
            *slot = index;
        }
    })
}

/// An empty vector with room for `count` items of `width` units each, or
/// [`RandomError::TooLong`] when that is more than the allocator gives.
pub fn reserve<T>(count: usize, width: usize) -> Result<Vec<T>, RandomError> {
    let mut out = Vec::new();
    count
        .checked_mul(width)
        .filter(|&units| units <= isize::MAX as usize)
        .and_then(|units| out.try_reserve_exact(units).ok())
        .ok_or(RandomError::TooLong(count as u64))?;
    Ok(out)
}

/// A random string of `length` characters drawn uniformly from `alphabet`.
///
/// `min_length` is the generator's floor (32 for base32, 40 for hex), checked first as pyotp does.
/// A length whose string cannot be allocated is [`RandomError::TooLong`], never an abort.
pub fn random_string(length: i64, min_length: i64, alphabet: &str) -> Result<String, RandomError> {
    if length < min_length {
        return Err(RandomError::TooShort);
    }
    let length = usize::try_from(length).map_err(|_| RandomError::TooLong(length as u64))?;
    if alphabet.is_ascii() {
        let symbols = alphabet.as_bytes();
        let mut text = reserve(length, 1)?;
        sample(length, symbols.len(), |i| text.push(symbols[i]))?;
        return Ok(String::from_utf8(text).unwrap_or_default());
    }
    let symbols: Vec<char> = alphabet.chars().collect();
    let width = symbols.iter().map(|c| c.len_utf8()).max().unwrap_or(1);
    let mut text = String::from_utf8(reserve(length, width)?).unwrap_or_default();
    sample(length, symbols.len(), |i| text.push(symbols[i]))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    /// Every length around the eight-byte stores is wiped whole, and nothing beyond it.
    #[test]
    fn wipe_clears_every_byte_of_any_length() {
        for len in 0..=40 {
            let mut bytes = [0xa5u8; 48];
            wipe(&mut bytes[..len]);
            assert!(bytes[..len].iter().all(|&b| b == 0), "{len}");
            assert!(bytes[len..].iter().all(|&b| b == 0xa5), "{len}");
        }
    }

    /// Every length up to three groups, over bytes from the whole alphabet, both cases and
    /// characters outside it, against `data-encoding` configured as Python decodes.
    #[test]
    fn base32_digits_match_data_encoding() {
        let mut spec = data_encoding::Specification::new();
        spec.symbols.push_str(BASE32_ALPHABET);
        spec.check_trailing_bits = false;
        spec.translate.from.push_str("abcdefghijklmnopqrstuvwxyz");
        spec.translate.to.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        let reference = spec.encoding().expect("a valid base32 specification");
        let pool = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcxyz018=-";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for round in 0..20_000 {
            let len = round % 25;
            if !matches!(len % 8, 0 | 2 | 4 | 5 | 7) {
                continue;
            }
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let valid_only = round % 3 != 0;
                    let range = if valid_only { 38 } else { pool.len() } as u64;
                    pool[(state % range) as usize]
                })
                .collect();
            let mut out = vec![0; len * 5 / 8];
            let ours = decode_base32(&data, &mut out).then_some(out);
            assert_eq!(ours, reference.decode(&data).ok(), "{data:?}");
        }
    }

    #[test]
    fn decodes_the_rfc_secret() {
        assert_eq!(
            &decode_str(RFC_SECRET, MinLength::Pyotp).unwrap()[..],
            b"12345678901234567890"
        );
        assert_eq!(
            &decode_str(&RFC_SECRET.to_lowercase(), MinLength::Pyotp).unwrap()[..],
            b"12345678901234567890"
        );
    }

    #[test]
    fn lengths_follow_python_padding_rules() {
        for len in 20..=40usize {
            let secret = "A".repeat(len);
            let got = decode_str(&secret, MinLength::Pyotp);
            match len % 8 {
                1 | 3 | 6 => assert_eq!(got, Err(SecretError::IncorrectPadding), "len {len}"),
                _ if len * 5 / 8 < MIN_SECRET_BYTES => {
                    assert_eq!(got, Err(SecretError::TooShort), "len {len}")
                }
                _ => assert_eq!(got.unwrap().len(), len * 5 / 8, "len {len}"),
            }
        }
    }

    #[test]
    fn user_padding_combines_with_automatic_padding() {
        assert_eq!(
            decode_str("GEZDGNBVGY3TQOJQGEZDGNBVGY==", MinLength::Pyotp)
                .unwrap()
                .len(),
            16
        );
    }

    #[test]
    fn digit_errors_come_before_padding_errors() {
        assert_eq!(
            decode_str("AB=C====", MinLength::Pyotp),
            Err(SecretError::NonBase32Digit)
        );
        assert_eq!(
            decode_str(&format!("{RFC_SECRET}1"), MinLength::Pyotp),
            Err(SecretError::NonBase32Digit)
        );
        assert_eq!(
            decode_str("========", MinLength::Pyotp),
            Err(SecretError::IncorrectPadding)
        );
        assert_eq!(decode_str("", MinLength::Pyotp), Err(SecretError::TooShort));
        assert_eq!(
            decode_str("é", MinLength::Pyotp),
            Err(SecretError::NonAscii)
        );
        assert_eq!(
            decode(b"ABC", true, MinLength::Pyotp),
            Err(SecretError::UnpaddedBytes)
        );
    }

    #[test]
    fn the_opt_in_accepts_any_non_empty_key_and_nothing_else() {
        let legacy = "JBSWY3DPEHPK3PXP";
        assert_eq!(
            decode_str(legacy, MinLength::Pyotp),
            Err(SecretError::TooShort)
        );
        assert_eq!(
            &decode_str(legacy, MinLength::AnyNonEmpty).unwrap()[..],
            b"Hello!\xde\xad\xbe\xef"
        );
        assert_eq!(decode_str("AA", MinLength::AnyNonEmpty).unwrap().len(), 1);
        for bad in ["", "A", "AB=C====", "é"] {
            let refused = decode_str(bad, MinLength::Pyotp).err();
            assert!(refused.is_some(), "{bad:?}");
            assert_eq!(
                decode_str(bad, MinLength::AnyNonEmpty).err(),
                refused,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn non_canonical_trailing_bits_are_dropped() {
        let key = decode_str(&format!("{}B", "A".repeat(22)), MinLength::Pyotp).unwrap();
        assert_eq!(&key[..], &[0u8; 14]);
    }

    #[test]
    fn encode_round_trips() {
        assert_eq!(encode(b"12345678901234567890"), RFC_SECRET);
    }

    #[test]
    fn random_strings_use_the_alphabet_and_length() {
        let s = random_string(64, 32, BASE32_ALPHABET).unwrap();
        assert_eq!(s.len(), 64);
        assert!(s.chars().all(|c| BASE32_ALPHABET.contains(c)));
        assert_eq!(
            random_string(31, 32, BASE32_ALPHABET),
            Err(RandomError::TooShort)
        );
        assert_eq!(random_string(32, 32, ""), Err(RandomError::EmptyAlphabet));
        assert_ne!(
            random_string(32, 32, BASE32_ALPHABET).unwrap(),
            random_string(32, 32, BASE32_ALPHABET).unwrap()
        );
        let wide = random_string(40, 32, "é😀").unwrap();
        assert_eq!(wide.chars().count(), 40);
    }

    #[test]
    fn impossible_lengths_are_refused_before_allocating() {
        assert_eq!(
            random_string(1 << 62, 32, BASE32_ALPHABET),
            Err(RandomError::TooLong(1 << 62))
        );
        assert_eq!(
            random_string(i64::MAX, 32, "é"),
            Err(RandomError::TooLong(i64::MAX as u64))
        );
        assert!(reserve::<usize>(1 << 62, 8).is_err());
    }

    #[test]
    fn random_indices_beyond_one_byte() {
        let mut picks = [0usize; 2000];
        random_indices(&mut picks, 1000).unwrap();
        assert!(picks.iter().all(|&i| i < 1000));
        assert!(picks.iter().any(|&i| i >= 256));
    }

    #[test]
    fn a_fork_refills_the_pool() {
        let mut a = [0u8; 64];
        random_bytes(&mut a).unwrap();
        let before = fork_generation();
        count_fork_in_child();
        assert_ne!(fork_generation(), before);
        let mut b = [0u8; 64];
        random_bytes(&mut b).unwrap();
        assert_ne!(a, b);
        POOL.with_borrow(|pool| assert_eq!(pool.next, 64));
        let mut large = vec![0u8; POOL_SIZE + 1];
        random_bytes(&mut large).unwrap();
        assert!(large.iter().any(|&x| x != 0));
    }

    #[test]
    fn random_indices_cover_a_non_power_of_two_bound() {
        let mut picks = [0usize; 3000];
        random_indices(&mut picks, 3).unwrap();
        let counts = picks.iter().fold([0; 3], |mut acc, &i| {
            acc[i] += 1;
            acc
        });
        assert!(counts.iter().all(|&c| c > 800), "{counts:?}");
    }
}
