//! `otpauth://` URIs: building them byte for byte as pyotp 2.12 does, and parsing them
//! with the quirks of Python's `urlparse`/`parse_qsl` that pyotp's `parse_uri` inherits.

use std::borrow::Cow;
use std::ops::Range;

/// Why a URI could not be parsed, with pyotp's messages.
///
/// `E` is the error of the caller's integer parser (Python's `int()` in the binding).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError<E> {
    /// The scheme is not `otpauth`.
    #[error("Not an otpauth URI")]
    NotOtpauth,
    /// A bracket in the host without its partner (raised by `urlparse`).
    #[error("Invalid IPv6 URL")]
    InvalidIpv6,
    /// A security parameter given twice.
    #[error("Duplicate {0} parameter")]
    Duplicate(String),
    /// The label's issuer and the `issuer` parameter differ.
    #[error("If issuer is specified in both label and parameters, it should be equal.")]
    IssuerMismatch,
    /// An `algorithm` other than SHA1, SHA256, SHA512.
    #[error("Invalid value for algorithm, must be SHA1, SHA256 or SHA512")]
    InvalidAlgorithm,
    /// `digits` other than 6, 7 or 8 (outside Steam URIs).
    #[error("Digits may only be 6, 7, or 8")]
    InvalidDigits,
    /// No `secret` parameter, or an empty one.
    #[error("No secret found in URI")]
    NoSecret,
    /// The host is not `totp` or `hotp`.
    #[error("Not a supported OTP type")]
    UnsupportedType,
    /// A parameter the chosen class does not take (Python raises `TypeError`).
    #[error("{class}.__init__() got an unexpected keyword argument '{keyword}'")]
    UnexpectedKeyword {
        /// The class pyotp would construct.
        class: &'static str,
        /// The offending constructor keyword.
        keyword: &'static str,
    },
    /// The integer parser refused a `digits`, `period` or `counter` value.
    #[error("{0}")]
    Int(E),
}

/// The OTP class a URI describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpKind {
    /// `otpauth://totp/...`
    Totp,
    /// `otpauth://hotp/...`
    Hotp,
    /// Any URI with `encoder=steam`.
    Steam,
}

impl OtpKind {
    /// The Python class name.
    pub fn class_name(self) -> &'static str {
        match self {
            Self::Totp => "TOTP",
            Self::Hotp => "HOTP",
            Self::Steam => "Steam",
        }
    }
}

/// A parsed URI, with integers as the caller's parser made them.
///
/// The text is kept as the URI writes it (borrowed from it), and percent-decoded by the reader
/// (see [`Escaped`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUri<'a, I> {
    /// Which class to construct.
    pub kind: OtpKind,
    /// The secret exactly as written (once percent-decoded).
    pub secret: Escaped<'a>,
    /// The account name; `None` when the URI has no label.
    pub name: Option<Escaped<'a>>,
    /// The issuer from the label or the `issuer` parameter.
    pub issuer: Option<Escaped<'a>>,
    /// `digits`, when given.
    pub digits: Option<I>,
    /// `period`, when given (the constructor's `interval`).
    pub period: Option<I>,
    /// `counter`, when given (the constructor's `initial_count`).
    pub counter: Option<I>,
    /// `algorithm`, when given.
    pub algorithm: Option<crate::otp::Algorithm>,
}

impl<I> ParsedUri<'_, I> {
    /// The same values, owning their text.
    pub fn into_owned(self) -> ParsedUri<'static, I> {
        ParsedUri {
            kind: self.kind,
            secret: self.secret.into_owned(),
            name: self.name.map(Escaped::into_owned),
            issuer: self.issuer.map(Escaped::into_owned),
            digits: self.digits,
            period: self.period,
            counter: self.counter,
            algorithm: self.algorithm,
        }
    }
}

/// An integer read from a URI parameter, as far as `parse_uri` needs to inspect it.
pub trait UriInt {
    /// Whether it is 6, 7 or 8.
    fn is_valid_uri_digits(&self) -> bool;
}

impl UriInt for i64 {
    fn is_valid_uri_digits(&self) -> bool {
        matches!(self, 6..=8)
    }
}

// Byte searches: `find_any` looks for a few given bytes eight at a time, which suits the short
// texts of a URI; `find_byte` tests a branch-free predicate sixteen at a time, which the
// compiler turns into vector code.

/// `0x01` in every byte of a word.
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
/// `0x80` in every byte of a word.
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each byte of `word` that equals `needle`.
///
/// The lowest bit set is exact; bytes above a match may be flagged by mistake.
fn byte_matches(word: u64, needle: u8) -> u64 {
    let x = word ^ (ONES * u64::from(needle));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The index of the first byte of `bytes` that is one of `needles`: sixteen bytes at a time
/// where the text has that many and the processor vector instructions, else eight.
fn find_any<const N: usize>(bytes: &[u8], needles: [u8; N]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= 16 {
        return find_any_sse2(bytes, needles);
    }
    find_any_words(bytes, needles)
}

/// [`find_any`] in blocks of sixteen bytes with SSE2 (which every x86-64 processor has), the
/// last block overlapping the one before it; `bytes` holds at least sixteen.
#[cfg(target_arch = "x86_64")]
fn find_any_sse2<const N: usize>(bytes: &[u8], needles: [u8; N]) -> Option<usize> {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_setzero_si128,
    };
    find_in_blocks(bytes, |block| {
        // SAFETY: SSE2 is part of the x86-64 baseline (see `find_in_blocks`).
        unsafe {
            let hits = needles.iter().fold(_mm_setzero_si128(), |hits, &needle| {
                _mm_or_si128(hits, _mm_cmpeq_epi8(block, _mm_set1_epi8(needle as i8)))
            });
            _mm_movemask_epi8(hits) as u32
        }
    })
}

/// The first byte that `hits` flags, sixteen bytes at a time (the last block overlapping the
/// one before it); `bytes` holds at least sixteen. `hits` maps a block to one bit per byte.
#[cfg(target_arch = "x86_64")]
fn find_in_blocks(bytes: &[u8], hits: impl Fn(std::arch::x86_64::__m128i) -> u32) -> Option<usize> {
    let hits_at = |start: usize| -> u32 {
        let block = &bytes[start..start + 16];
        // SAFETY: `block` holds 16 readable bytes, which an unaligned load reads; SSE2 is part
        // of the x86-64 baseline, so the instruction exists on every processor this runs on.
        hits(unsafe { std::arch::x86_64::_mm_loadu_si128(block.as_ptr().cast()) })
    };
    let mut start = 0;
    while start + 16 <= bytes.len() {
        let hits = hits_at(start);
        if hits != 0 {
            return Some(start + hits.trailing_zeros() as usize);
        }
        start += 16;
    }
    let last = bytes.len().checked_sub(16)?;
    let hits = hits_at(last) >> (start - last);
    (start < bytes.len() && hits != 0).then(|| start + hits.trailing_zeros() as usize)
}

/// [`find_any`] eight bytes at a time.
fn find_any_words<const N: usize>(bytes: &[u8], needles: [u8; N]) -> Option<usize> {
    let (words, tail) = bytes.as_chunks::<8>();
    for (n, word) in words.iter().enumerate() {
        let word = u64::from_le_bytes(*word);
        let hits = needles
            .iter()
            .fold(0, |hits, &needle| hits | byte_matches(word, needle));
        if hits != 0 {
            return Some(8 * n + (hits.trailing_zeros() / 8) as usize);
        }
    }
    let first = tail.iter().position(|b| needles.contains(b))?;
    Some(8 * words.len() + first)
}

/// The index of the first byte that `pred` picks.
///
/// Tests 16 bytes at a time without branching (so `pred` must not branch either); the last
/// bytes are tested together with the ones before them, and texts shorter than 16 bytes
/// byte by byte.
fn find_byte(bytes: &[u8], pred: impl Fn(u8) -> bool) -> Option<usize> {
    let (blocks, tail) = bytes.as_chunks::<16>();
    let hit = blocks
        .iter()
        .enumerate()
        .find(|(_, block)| block.iter().fold(false, |hit, &b| hit | pred(b)));
    if let Some((n, block)) = hit {
        return Some(16 * n + first_in_block(block, &pred));
    }
    match bytes.last_chunk::<16>() {
        Some(last) if !tail.is_empty() => {
            let i = first_in_block(last, &pred);
            (i < 16).then(|| bytes.len() - 16 + i)
        }
        Some(_) => None,
        None => tail.iter().position(|&b| pred(b)),
    }
}

/// The index of the first byte of `bytes` that is at most `limit`.
fn find_at_most(bytes: &[u8], limit: u8) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= 16 {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8};
        // A byte is at most `limit` exactly when it is the smaller of the two.
        // SAFETY: SSE2 is part of the x86-64 baseline (see `find_in_blocks`).
        return find_in_blocks(bytes, |block| unsafe {
            let limit = _mm_set1_epi8(limit as i8);
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(block, limit), block)) as u32
        });
    }
    find_byte(bytes, |b| b <= limit)
}

/// The index of the first byte of `block` that `pred` picks; 16 when there is none.
fn first_in_block(block: &[u8; 16], pred: impl Fn(u8) -> bool) -> usize {
    let mut flags = [0u8; 16];
    for (flag, &b) in flags.iter_mut().zip(block) {
        *flag = u8::from(pred(b));
    }
    (u128::from_le_bytes(flags).trailing_zeros() / 8) as usize
}

/// `text` split around the first occurrence of the ASCII byte `sep`.
fn split_at_byte(text: &str, sep: u8) -> Option<(&str, &str)> {
    let i = find_any(text.as_bytes(), [sep])?;
    Some((text.get(..i)?, text.get(i + 1..)?))
}

/// Which bytes `quote` leaves as they are, beyond `A-Z a-z 0-9 _ . - ~`.
#[derive(Debug, Clone, Copy)]
enum Safe {
    /// `quote(label)`: `/` stays literal.
    Slash,
    /// `quote_plus(value, safe="")`, after which pyotp turns `+` into `%20`.
    Nothing,
}

impl Safe {
    /// Whether `quote` writes `b` as it is (without branches, for [`find_byte`]).
    const fn keeps(self, b: u8) -> bool {
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        let mark = (b == b'_') | (b == b'.') | (b == b'-') | (b == b'~');
        letter | digit | mark | (matches!(self, Self::Slash) & (b == b'/'))
    }

    /// [`Safe::keeps`] for every byte.
    const fn keeps_table(self) -> [bool; 256] {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            table[b] = self.keeps(b as u8);
            b += 1;
        }
        table
    }

    /// [`Safe::keeps`] as a table, built at compile time.
    fn table(self) -> &'static [bool; 256] {
        const SLASH: [bool; 256] = Safe::Slash.keeps_table();
        const NOTHING: [bool; 256] = Safe::Nothing.keeps_table();
        match self {
            Self::Slash => &SLASH,
            Self::Nothing => &NOTHING,
        }
    }

    /// The index of the first byte `quote` must escape: a table look-up per byte in a short
    /// text, vector code (see [`find_byte`]) in a longer one.
    fn find_escape(self, bytes: &[u8]) -> Option<usize> {
        if bytes.len() < 16 {
            let table = self.table();
            return bytes.iter().position(|&b| !table[usize::from(b)]);
        }
        find_byte(bytes, |b| !self.keeps(b))
    }
}

/// Percent-encodes like `urllib.parse.quote`, leaving the bytes `safe` keeps.
///
/// The bytes before the first escape are copied whole, the rest byte by byte; everything
/// written is ASCII.
fn quote_into(out: &mut Vec<u8>, bytes: &[u8], safe: Safe) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let split = safe
        .find_escape(bytes)
        .and_then(|i| bytes.split_at_checked(i));
    let Some((literal, rest)) = split else {
        out.extend_from_slice(bytes);
        return;
    };
    out.extend_from_slice(literal);
    let table = safe.table();
    for &b in rest {
        if table[usize::from(b)] {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]]);
        }
    }
}

/// A query parameter of a URI to build: key and value as bytes.
pub type QueryParam<'a> = (&'a [u8], &'a [u8]);

/// What goes into an `otpauth://` URI; each value is already the text pyotp would write.
#[derive(Debug, Default, Clone, Copy)]
pub struct UriParts<'a> {
    /// The secret as stored on the object.
    pub secret: &'a [u8],
    /// The account name.
    pub name: &'a [u8],
    /// The issuer, when not `None`.
    pub issuer: Option<&'a [u8]>,
    /// `counter` (makes the URI `hotp`), when not `None`.
    pub counter: Option<&'a [u8]>,
    /// `algorithm`, when written (already upper-cased, not omitted for SHA1).
    pub algorithm: Option<&'a [u8]>,
    /// `digits`, when written (already known to differ from 6).
    pub digits: Option<&'a [u8]>,
    /// `period`, when written (already known to differ from 30).
    pub period: Option<&'a [u8]>,
    /// Extra parameters in call order; a `counter` here replaces the counter value in place.
    pub extra: &'a [QueryParam<'a>],
}

impl UriParts<'_> {
    /// A bound on the built URI's length: every byte of text (the issuer twice, in the label
    /// and as a parameter) quoted as `%XX`.
    pub fn max_len(&self) -> usize {
        const FIXED: usize =
            "otpauth://totp/:?secret=&issuer=&counter=&algorithm=&digits=&period=".len();
        let values = [
            self.issuer,
            self.counter,
            self.algorithm,
            self.digits,
            self.period,
        ];
        let text = self.secret.len()
            + self.name.len()
            + self.issuer.map_or(0, <[u8]>::len)
            + values.iter().flatten().map(|v| v.len()).sum::<usize>()
            + self
                .extra
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>();
        FIXED + 3 * text + 2 * self.extra.len()
    }

    /// The counter to write: the last extra `counter` replaces a given one.
    fn counter(&self) -> Option<&[u8]> {
        let replacement = || self.extra.iter().rev().find(|(k, _)| *k == b"counter");
        self.counter
            .map(|counter| replacement().map_or(counter, |&(_, v)| v))
    }
}

/// Builds the URI exactly as pyotp's `utils.build_uri`.
pub fn build(parts: &UriParts<'_>) -> String {
    let mut uri = Vec::with_capacity(parts.max_len());
    build_into(parts, &mut uri);
    // `quote_into` writes only ASCII, so the conversion cannot fail.
    String::from_utf8(uri).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Appends the URI that [`build`] returns to `uri`, as ASCII bytes: a caller that keeps a
/// buffer builds URIs without allocating. With [`UriParts::max_len`] bytes of spare capacity,
/// nothing is allocated.
pub fn build_into(parts: &UriParts<'_>, uri: &mut Vec<u8>) {
    uri.extend_from_slice(if parts.counter.is_some() {
        b"otpauth://hotp/"
    } else {
        b"otpauth://totp/"
    });
    let label_issuer = parts.issuer.map(|issuer| {
        let start = uri.len();
        quote_into(uri, issuer, Safe::Slash);
        let quoted = start..uri.len();
        uri.push(b':');
        (issuer, quoted)
    });
    quote_into(uri, parts.name, Safe::Slash);
    // The keys are literal under `quote`, so they are written as they are.
    uri.extend_from_slice(b"?secret=");
    quote_into(uri, parts.secret, Safe::Nothing);
    if let Some((issuer, quoted)) = label_issuer {
        uri.extend_from_slice(b"&issuer=");
        quote_issuer_again(uri, issuer, quoted);
    }
    write_other_params(uri, parts);
}

/// Writes the `issuer` parameter, whose label form is at `label` in `uri`.
///
/// Only the label keeps `/`: without one, the parameter is the label's text again.
fn quote_issuer_again(uri: &mut Vec<u8>, issuer: &[u8], label: Range<usize>) {
    if find_any(issuer, [b'/']).is_none() {
        uri.extend_from_within(label);
    } else {
        quote_into(uri, issuer, Safe::Nothing);
    }
}

/// Writes the parameters after `secret` and `issuer`: the known ones, then the extra ones.
fn write_other_params(uri: &mut Vec<u8>, parts: &UriParts<'_>) {
    let known: [(&[u8], Option<&[u8]>); 4] = [
        (b"&counter=", parts.counter()),
        (b"&algorithm=", parts.algorithm),
        (b"&digits=", parts.digits),
        (b"&period=", parts.period),
    ];
    for (key, value) in known {
        if let Some(value) = value {
            uri.extend_from_slice(key);
            quote_into(uri, value, Safe::Nothing);
        }
    }
    for &(key, value) in parts.extra {
        if key == b"counter" && parts.counter.is_some() {
            continue;
        }
        uri.push(b'&');
        quote_into(uri, key, Safe::Nothing);
        uri.push(b'=');
        quote_into(uri, value, Safe::Nothing);
    }
}

/// The value of an ASCII hex digit.
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The byte that the start of `bytes` stands for, and how many bytes that takes: a `%XX`
/// escape stands for its byte, `+` (with `plus`) for a space, and anything else, a malformed
/// `%` included, for itself.
fn unescape(bytes: &[u8], plus: bool) -> Option<(u8, usize)> {
    let (&b, tail) = bytes.split_first()?;
    if let (b'%', [h, l, ..]) = (b, tail) {
        if let (Some(h), Some(l)) = (hex_value(*h), hex_value(*l)) {
            return Some((h << 4 | l, 3));
        }
    }
    Some((if plus && b == b'+' { b' ' } else { b }, 1))
}

/// The bytes a percent-encoded text stands for, as [`unescape`] reads them.
struct Unquoted<'a> {
    rest: &'a [u8],
    plus: bool,
}

impl Iterator for Unquoted<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let (b, len) = unescape(self.rest, self.plus)?;
        self.rest = self.rest.get(len..)?;
        Some(b)
    }
}

/// `text` split where its first `%` (or, with `plus`, `+`) is.
fn split_at_escape(text: &str, plus: bool) -> Option<(&str, &str)> {
    // Without `plus`, `+` is an ordinary byte: search for `%` twice instead.
    let i = find_any(text.as_bytes(), [b'%', if plus { b'+' } else { b'%' }])?;
    text.split_at_checked(i)
}

/// Decodes `text` as [`Unquoted`] does, then as UTF-8 with replacement; borrows when
/// there is nothing to decode.
///
/// The text between escapes is copied whole while the escapes stand for ASCII; from the
/// first one that does not, the bytes are collected and checked as UTF-8.
fn decode(text: &str, plus: bool) -> Cow<'_, str> {
    let Some((mut run, mut escaped)) = split_at_escape(text, plus) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    loop {
        out.push_str(run);
        let ascii = unescape(escaped.as_bytes(), plus)
            .filter(|(b, _)| b.is_ascii())
            .and_then(|(b, len)| Some((char::from(b), escaped.get(len..)?)));
        let Some((c, rest)) = ascii else {
            return Cow::Owned(decode_bytes(out, escaped.as_bytes(), plus));
        };
        out.push(c);
        match split_at_escape(rest, plus) {
            Some(next) => (run, escaped) = next,
            None => {
                out.push_str(rest);
                return Cow::Owned(out);
            }
        }
    }
}

/// `decoded` followed by what `rest` decodes to, as UTF-8 with replacement.
fn decode_bytes(decoded: String, rest: &[u8], plus: bool) -> String {
    let mut out = decoded.into_bytes();
    out.extend(Unquoted { rest, plus });
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The longest decoded text [`Escaped::with_decoded`] writes on the stack.
const INLINE_TEXT_BYTES: usize = 64;

/// Text as a URI writes it: a label part, decoded by `unquote`, or a query value, decoded by
/// `unquote_plus`. The reader decodes it, on the stack where it can ([`Escaped::with_decoded`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escaped<'a> {
    raw: Cow<'a, str>,
    plus: bool,
}

impl<'a> Escaped<'a> {
    /// A part of the label (`unquote`).
    fn label(raw: &'a str) -> Self {
        Self {
            raw: Cow::Borrowed(raw),
            plus: false,
        }
    }

    /// A query value (`unquote_plus`).
    fn value(raw: &'a str) -> Self {
        Self {
            raw: Cow::Borrowed(raw),
            plus: true,
        }
    }

    /// The same text, owned.
    pub fn into_owned(self) -> Escaped<'static> {
        Escaped {
            raw: Cow::Owned(self.raw.into_owned()),
            plus: self.plus,
        }
    }

    /// The decoded text, borrowed when there is nothing to decode.
    pub fn decode(&self) -> Cow<'_, str> {
        decode(&self.raw, self.plus)
    }

    /// Lends the decoded text to `use_text`: the text as written when there is nothing to
    /// decode, decoded on the stack when every escape stands for an ASCII byte (so the result
    /// is UTF-8 as it is) and it fits, in a new `String` otherwise.
    pub fn with_decoded<R>(&self, use_text: impl FnOnce(&str) -> R) -> R {
        let raw: &str = &self.raw;
        let Some((run, escaped)) = split_at_escape(raw, self.plus) else {
            return use_text(raw);
        };
        let mut buffer = [0u8; INLINE_TEXT_BYTES];
        match ascii_decode_into(run, escaped, self.plus, &mut buffer) {
            Some(text) => use_text(text),
            None => use_text(&decode(raw, self.plus)),
        }
    }

    /// Whether both decode to the same text, without allocating when their bytes agree.
    ///
    /// Decoded bytes that differ can still decode to the same text when they are not UTF-8
    /// (replacement characters), so that case falls back to decoding.
    fn decodes_like(&self, other: &Escaped<'_>) -> bool {
        // The usual case: both written alike, with no `+` that only one of them reads as a space.
        let alike = self.raw == other.raw
            && (self.plus == other.plus || find_any(self.raw.as_bytes(), [b'+']).is_none());
        alike || self.bytes().eq(other.bytes()) || self.decode() == other.decode()
    }

    /// The decoded bytes, before they are read as UTF-8.
    fn bytes(&self) -> Unquoted<'_> {
        Unquoted {
            rest: self.raw.as_bytes(),
            plus: self.plus,
        }
    }
}

/// What [`decode`] makes of `run` followed by `escaped` (from [`split_at_escape`]), written
/// into `buffer`; `None` when an escape stands for a byte outside ASCII or the text does not fit.
fn ascii_decode_into<'t, 'b>(
    mut run: &'t str,
    mut escaped: &'t str,
    plus: bool,
    buffer: &'b mut [u8],
) -> Option<&'b str> {
    let mut len = 0;
    loop {
        let end = len + run.len();
        buffer.get_mut(len..end)?.copy_from_slice(run.as_bytes());
        len = end;
        let (b, used) = unescape(escaped.as_bytes(), plus).filter(|(b, _)| b.is_ascii())?;
        *buffer.get_mut(len)? = b;
        len += 1;
        let rest = escaped.get(used..)?;
        match split_at_escape(rest, plus) {
            Some(next) => (run, escaped) = next,
            None => {
                let end = len + rest.len();
                buffer.get_mut(len..end)?.copy_from_slice(rest.as_bytes());
                let text = buffer.get(..end)?;
                debug_assert!(std::str::from_utf8(text).is_ok());
                // SAFETY: `text` is whole `str` slices (each UTF-8 on its own, cut at character
                // boundaries) with single ASCII bytes between them, which is UTF-8 as a whole.
                return Some(unsafe { std::str::from_utf8_unchecked(text) });
            }
        }
    }
}

/// `urllib.parse.unquote`: `%XX` escapes to bytes, malformed escapes kept, UTF-8 with replacement.
pub fn unquote(text: &str) -> Cow<'_, str> {
    decode(text, false)
}

/// `urllib.parse.unquote_plus`, as `parse_qsl` decodes keys and values: `+` is a space.
pub fn unquote_plus(text: &str) -> Cow<'_, str> {
    decode(text, true)
}

/// Whether `unquote_plus(encoded) == expected`, without allocating when it holds byte for byte.
///
/// Decoded bytes that differ from `expected` can still decode to it when they are not UTF-8
/// (replacement characters), so that case falls back to decoding.
fn unquotes_to(encoded: &str, expected: &str) -> bool {
    let decoded = Unquoted {
        rest: encoded.as_bytes(),
        plus: true,
    };
    decoded.eq(expected.bytes()) || unquote_plus(encoded) == expected
}

/// `text` split at every occurrence of the ASCII byte `sep`, as `str.split` does.
fn split_bytes(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        match split_at_byte(text, sep) {
            Some((head, tail)) => {
                rest = Some(tail);
                Some(head)
            }
            None => rest.take(),
        }
    })
}

/// `parse_qsl(query, keep_blank_values=True)`: `&`-separated pairs, the key decoded with
/// [`unquote_plus`] and the value left for the caller to decode.
pub fn parse_query(query: &str) -> impl Iterator<Item = (Cow<'_, str>, &str)> {
    query_pairs(query).map(|(key, value)| (unquote_plus(key), value))
}

/// The pairs of [`parse_query`] with both key and value as written.
fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    split_bytes(query, b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| split_at_byte(pair, b'=').unwrap_or((pair, "")))
}

/// The parts of `urlparse` that `parse_uri` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// Lower-cased scheme, empty when none.
    pub scheme: Cow<'a, str>,
    /// The host part after `//`, taken as written.
    pub netloc: &'a str,
    /// The path, with its leading `/`.
    pub path: &'a str,
    /// The query, without `?`.
    pub query: &'a str,
}

/// The `urlsplit` steps of Python 3.11 that matter for `otpauth` URIs.
///
/// `cleaned` must come from [`clean_url`], which has already dropped the fragment.
pub fn split_url<E>(cleaned: &str) -> Result<UrlParts<'_>, UriError<E>> {
    let (scheme, mut rest) = split_scheme(cleaned);
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = find_any(after.as_bytes(), [b'/', b'?']).unwrap_or(after.len());
        (netloc, rest) = after.split_at(end);
        let brackets = find_any(netloc.as_bytes(), [b'[', b']']).is_some();
        if brackets && netloc.contains('[') != netloc.contains(']') {
            return Err(UriError::InvalidIpv6);
        }
    }
    let (path, query) = split_at_byte(rest, b'?').unwrap_or((rest, ""));
    Ok(UrlParts {
        scheme,
        netloc,
        path,
        query,
    })
}

/// `urlsplit`'s scheme, lower-cased, and the rest; no scheme unless the text before the first
/// `:` is a letter followed by letters, digits, `+`, `-` and `.`.
fn split_scheme(url: &str) -> (Cow<'_, str>, &str) {
    // The usual case, known valid and lower-case.
    if let Some(rest) = url.strip_prefix("otpauth:") {
        return (Cow::Borrowed("otpauth"), rest);
    }
    let Some((candidate, rest)) = split_at_byte(url, b':') else {
        return (Cow::Borrowed(""), url);
    };
    let first_alpha = candidate
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic);
    let scheme_chars = candidate
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !(first_alpha && scheme_chars) {
        return (Cow::Borrowed(""), url);
    }
    let scheme = if candidate.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(candidate.to_ascii_lowercase())
    } else {
        Cow::Borrowed(candidate)
    };
    (scheme, rest)
}

/// `urlsplit`'s clean-up, without the fragment `urlsplit` drops: strip leading C0 controls and
/// spaces, remove every tab, CR and LF, and cut at the first `#`.
///
/// Nothing before the first `#` can end up in the fragment, and nothing after it elsewhere.
pub fn clean_url(uri: &str) -> Cow<'_, str> {
    let trimmed = uri.trim_start_matches(|c: char| c <= ' ');
    // All four bytes sort at or before `#`, which few URIs hold at all: one comparison a byte
    // clears those.
    if find_at_most(trimmed.as_bytes(), b'#').is_none() {
        return Cow::Borrowed(trimmed);
    }
    let special = |b: u8| (b == b'\t') | (b == b'\r') | (b == b'\n') | (b == b'#');
    match find_byte(trimmed.as_bytes(), special) {
        None => Cow::Borrowed(trimmed),
        Some(i) if trimmed.as_bytes().get(i) == Some(&b'#') => {
            Cow::Borrowed(trimmed.get(..i).unwrap_or(trimmed))
        }
        Some(_) => Cow::Owned(
            trimmed
                .chars()
                .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
                .take_while(|&c| c != '#')
                .collect(),
        ),
    }
}

/// `parse_uri`'s label: `path[1:]` split at the first `:` into issuer and name, each
/// unquoted; no name at all for an empty path.
fn parse_label(path: &str) -> (Option<Escaped<'_>>, Option<Escaped<'_>>) {
    let mut chars = path.chars();
    if chars.next().is_none() {
        return (None, None);
    }
    match split_at_byte(chars.as_str(), b':') {
        Some((issuer, name)) => (Some(Escaped::label(issuer)), Some(Escaped::label(name))),
        None => (None, Some(Escaped::label(chars.as_str()))),
    }
}

/// The query parameters `parse_uri` treats specially, each allowed at most once.
#[derive(Debug, Clone, Copy)]
enum Param {
    Secret,
    Issuer,
    Algorithm,
    Encoder,
    Digits,
    Period,
    Counter,
}

impl Param {
    /// The parameter a decoded key names, if any.
    fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "secret" => Self::Secret,
            "issuer" => Self::Issuer,
            "algorithm" => Self::Algorithm,
            "encoder" => Self::Encoder,
            "digits" => Self::Digits,
            "period" => Self::Period,
            "counter" => Self::Counter,
            _ => return None,
        })
    }

    /// The parameter a key names as the query writes it: each name is its own encoding, so
    /// only a key that differs from every name is decoded before it is compared.
    fn from_written_key(key: &str) -> Option<Self> {
        Self::from_key(key).or_else(|| Self::from_key(&unquote_plus(key)))
    }

    /// Its bit in a set of parameters.
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The constructor keywords (`digest`, `interval`, `initial_count`) in the order the query
/// passed them; each is passed at most once, as its parameter may not repeat.
#[derive(Debug, Default)]
struct Keywords {
    names: [&'static str; 3],
    len: usize,
}

impl Keywords {
    /// Records the next keyword (there is room for each of the three once).
    fn push(&mut self, keyword: &'static str) {
        if let Some(slot) = self.names.get_mut(self.len) {
            *slot = keyword;
            self.len += 1;
        }
    }

    /// The first keyword not in `accepted`, which Python's call reports.
    fn first_rejected(&self, accepted: &[&str]) -> Option<&'static str> {
        self.names
            .iter()
            .take(self.len)
            .copied()
            .find(|k| !accepted.contains(k))
    }
}

/// What `parse_uri`'s loop over the query leaves behind.
struct Query<'a, I> {
    secret: Option<Escaped<'a>>,
    issuer: Option<Escaped<'a>>,
    steam: bool,
    digits: Option<I>,
    period: Option<I>,
    counter: Option<I>,
    algorithm: Option<crate::otp::Algorithm>,
    keywords: Keywords,
}

/// Reads the query in order, raising pyotp's errors as it meets them.
///
/// `issuer` is the label's; an `issuer` parameter must equal it, else sets it.
fn read_query<'a, I, E>(
    query: &'a str,
    issuer: Option<Escaped<'a>>,
    mut parse_int: impl FnMut(&str) -> Result<I, E>,
) -> Result<Query<'a, I>, UriError<E>> {
    let mut q = Query {
        secret: None,
        issuer,
        steam: false,
        digits: None,
        period: None,
        counter: None,
        algorithm: None,
        keywords: Keywords::default(),
    };
    let mut seen = 0u8;
    for (key, value) in query_pairs(query) {
        let Some(param) = Param::from_written_key(key) else {
            continue;
        };
        if seen & param.bit() != 0 {
            return Err(UriError::Duplicate(unquote_plus(key).into_owned()));
        }
        seen |= param.bit();
        // Decoding never empties a value.
        if value.is_empty() {
            continue;
        }
        let mut int = || parse_int(&unquote_plus(value)).map_err(UriError::Int);
        match param {
            Param::Secret => q.secret = Some(Escaped::value(value)),
            Param::Issuer => match &q.issuer {
                Some(label) if !Escaped::value(value).decodes_like(label) => {
                    return Err(UriError::IssuerMismatch)
                }
                Some(_) => {}
                None => q.issuer = Some(Escaped::value(value)),
            },
            Param::Algorithm => {
                q.algorithm = Some(
                    crate::otp::Algorithm::from_uri_name(&unquote_plus(value))
                        .ok_or(UriError::InvalidAlgorithm)?,
                );
                q.keywords.push("digest");
            }
            Param::Encoder => q.steam = unquotes_to(value, "steam"),
            Param::Digits => q.digits = Some(int()?),
            Param::Period => {
                q.period = Some(int()?);
                q.keywords.push("interval");
            }
            Param::Counter => {
                q.counter = Some(int()?);
                q.keywords.push("initial_count");
            }
        }
    }
    Ok(q)
}

/// Parses an `otpauth://` URI as pyotp 2.12's `parse_uri`, up to constructing the object.
///
/// `parse_int` reads `digits`, `period` and `counter` (pyotp uses Python's `int()`).
/// The secret is not decoded here: the constructor validates it. The text of the result
/// borrows from `uri` unless it had escapes to decode (or the URI had tabs or line breaks).
pub fn parse<'a, I: UriInt, E>(
    uri: &'a str,
    parse_int: impl FnMut(&str) -> Result<I, E>,
) -> Result<ParsedUri<'a, I>, UriError<E>> {
    match clean_url(uri) {
        Cow::Borrowed(cleaned) => parse_cleaned(cleaned, parse_int),
        // Rare: tabs or line breaks were removed, so the cleaned text lives only here.
        Cow::Owned(cleaned) => parse_cleaned(&cleaned, parse_int).map(ParsedUri::into_owned),
    }
}

/// [`parse`] of a URI that went through [`clean_url`].
fn parse_cleaned<'a, I: UriInt, E>(
    cleaned: &'a str,
    parse_int: impl FnMut(&str) -> Result<I, E>,
) -> Result<ParsedUri<'a, I>, UriError<E>> {
    let url = split_url(cleaned)?;
    if url.scheme != "otpauth" {
        return Err(UriError::NotOtpauth);
    }
    let (issuer, name) = parse_label(url.path);
    let q = read_query(url.query, issuer, parse_int)?;
    if !q.steam && q.digits.as_ref().is_some_and(|d| !d.is_valid_uri_digits()) {
        return Err(UriError::InvalidDigits);
    }
    let secret = q.secret.ok_or(UriError::NoSecret)?;
    let kind = if q.steam {
        OtpKind::Steam
    } else {
        match url.netloc {
            "totp" => OtpKind::Totp,
            "hotp" => OtpKind::Hotp,
            _ => return Err(UriError::UnsupportedType),
        }
    };
    let accepted: &[&str] = match kind {
        OtpKind::Totp => &["digest", "interval"],
        OtpKind::Hotp => &["digest", "initial_count"],
        OtpKind::Steam => &["interval"],
    };
    if let Some(keyword) = q.keywords.first_rejected(accepted) {
        return Err(UriError::UnexpectedKeyword {
            class: kind.class_name(),
            keyword,
        });
    }
    Ok(ParsedUri {
        kind,
        secret,
        name,
        issuer: q.issuer,
        digits: q.digits,
        period: q.period,
        counter: q.counter,
        algorithm: q.algorithm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::Algorithm;

    const S: &[u8] = b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    /// A parsed part as its reader sees it.
    fn text(part: &Option<Escaped<'_>>) -> Option<String> {
        part.as_ref().map(|p| p.with_decoded(str::to_owned))
    }

    fn ascii_int(s: &str) -> Result<i64, String> {
        s.trim()
            .parse()
            .map_err(|_| format!("invalid literal for int() with base 10: '{s}'"))
    }

    #[test]
    fn builds_pyotps_bytes() {
        let uri = build(&UriParts {
            secret: S,
            name: b"alice@example.com",
            issuer: Some(b"Example Co"),
            ..UriParts::default()
        });
        assert_eq!(
            uri,
            "otpauth://totp/Example%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Co"
        );
        let uri = build(&UriParts {
            secret: S,
            name: "a/b?c#d&e=f+g%h".as_bytes(),
            issuer: Some(b"i/j&k=l+m"),
            ..UriParts::default()
        });
        assert_eq!(
            uri,
            "otpauth://totp/i/j%26k%3Dl%2Bm:a/b%3Fc%23d%26e%3Df%2Bg%25h?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=i%2Fj%26k%3Dl%2Bm"
        );
    }

    #[test]
    fn extra_counter_replaces_in_place() {
        let uri = build(&UriParts {
            secret: S,
            name: b"u",
            counter: Some(b"0"),
            algorithm: Some(b"SHA512"),
            extra: &[(b"foo", b"a b"), (b"counter", b"9")],
            ..UriParts::default()
        });
        assert_eq!(
            uri,
            "otpauth://hotp/u?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=9&algorithm=SHA512&foo=a%20b"
        );
    }

    #[test]
    fn parses_labels_and_parameters() {
        let p = parse(
            "otpauth://totp/Example%3ACo:alice?secret=S&algorithm=SHA256&period=60",
            ascii_int,
        )
        .unwrap();
        assert_eq!(p.kind, OtpKind::Totp);
        assert_eq!(text(&p.issuer).as_deref(), Some("Example:Co"));
        assert_eq!(text(&p.name).as_deref(), Some("alice"));
        assert_eq!(p.algorithm, Some(Algorithm::Sha256));
        assert_eq!(p.period, Some(60));
        let p = parse("otpauth://totp/a:b:c?secret=S&issuer=", ascii_int).unwrap();
        assert_eq!(
            (text(&p.issuer).as_deref(), text(&p.name).as_deref()),
            (Some("a"), Some("b:c"))
        );
        let p = parse("otpauth://totp?secret=S", ascii_int).unwrap();
        assert_eq!(p.name, None);
        let p = parse("otpauth://totp/a%FFb?secret=S%0A", ascii_int).unwrap();
        assert_eq!(text(&p.name).as_deref(), Some("a\u{fffd}b"));
        assert_eq!(p.secret.decode(), "S\n");
    }

    #[test]
    fn parse_errors_in_pyotps_order() {
        let err = |u: &str| parse(u, ascii_int).unwrap_err().to_string();
        assert_eq!(err("http://hello.com"), "Not an otpauth URI");
        assert_eq!(
            err("otpauth://totp/u?secret=S&%73ecret=S"),
            "Duplicate secret parameter"
        );
        assert_eq!(
            err("otpauth://totp/Example+Co:a?secret=S&issuer=Example+Co"),
            UriError::<String>::IssuerMismatch.to_string()
        );
        assert_eq!(
            err("otpauth://totp?digits=-1"),
            "Digits may only be 6, 7, or 8"
        );
        assert_eq!(err("otpauth://totp/u?secret="), "No secret found in URI");
        assert_eq!(err("otpauth://TOTP/u?secret=S"), "Not a supported OTP type");
        assert_eq!(
            err("otpauth://totp/u?secret=S&digits=8.0"),
            "invalid literal for int() with base 10: '8.0'"
        );
        assert_eq!(
            err("otpauth://totp/u?secret=S&counter=5"),
            "TOTP.__init__() got an unexpected keyword argument 'initial_count'"
        );
        assert_eq!(
            err("otpauth://hotp/u?secret=S&encoder=steam&algorithm=SHA1"),
            "Steam.__init__() got an unexpected keyword argument 'digest'"
        );
        assert_eq!(err("otpauth://[totp/u?secret=S"), "Invalid IPv6 URL");
    }

    #[test]
    fn cleans_like_urlsplit() {
        assert_eq!(clean_url(" \x01OTPAUTH://to\ttp/u"), "OTPAUTH://totp/u");
        assert_eq!(clean_url("OTPAUTH://totp/u?x#fr\nag"), "OTPAUTH://totp/u?x");
        assert_eq!(clean_url("otpauth://t\totp/u?x#frag"), "otpauth://totp/u?x");
        let cleaned = clean_url("OTPAUTH://totp/u?x#frag");
        let url = split_url::<()>(&cleaned).unwrap();
        assert_eq!(
            (url.scheme.as_ref(), url.netloc, url.path, url.query),
            ("otpauth", "totp", "/u", "x")
        );
    }

    #[test]
    fn unquote_keeps_malformed_escapes() {
        assert_eq!(unquote("a%ZZb%4"), "a%ZZb%4");
        assert_eq!(unquote("%E5%85%AC"), "公");
        assert_eq!(unquote("a+b%2B%41é%C3"), "a+b+Aé\u{fffd}");
        assert_eq!(unquote_plus("a+b%2B%41é%C3"), "a b+Aé\u{fffd}");
    }

    /// A small deterministic generator for the property tests.
    struct XorShift(u64);

    impl XorShift {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        fn bytes(&mut self, alphabet: &[u8], max_len: usize) -> Vec<u8> {
            let len = self.below(max_len + 1);
            (0..len)
                .map(|_| alphabet[self.below(alphabet.len())])
                .collect()
        }
    }

    /// `quote` one byte at a time.
    fn reference_quote(bytes: &[u8], safe: &[u8]) -> String {
        bytes
            .iter()
            .map(|&b| {
                if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || safe.contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    /// `build` as pyotp's `build_uri` spells it out.
    fn reference_build(parts: &UriParts<'_>) -> String {
        let kind = if parts.counter.is_some() {
            "hotp"
        } else {
            "totp"
        };
        let mut label = reference_quote(parts.name, b"/");
        if let Some(issuer) = parts.issuer {
            label = format!("{}:{label}", reference_quote(issuer, b"/"));
        }
        let mut counter = parts.counter;
        let mut extra = Vec::new();
        for &(key, value) in parts.extra {
            if key == b"counter" && counter.is_some() {
                counter = Some(value);
            } else {
                extra.push((key, value));
            }
        }
        let fixed: [(&[u8], Option<&[u8]>); 6] = [
            (b"secret", Some(parts.secret)),
            (b"issuer", parts.issuer),
            (b"counter", counter),
            (b"algorithm", parts.algorithm),
            (b"digits", parts.digits),
            (b"period", parts.period),
        ];
        let query: Vec<String> = fixed
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .chain(extra)
            .map(|(k, v)| format!("{}={}", reference_quote(k, b""), reference_quote(v, b"")))
            .collect();
        format!("otpauth://{kind}/{label}?{}", query.join("&"))
    }

    #[test]
    fn build_matches_reference_quoting() {
        let every_byte: Vec<u8> = (0..=255).collect();
        let mostly_literal = b"abcXYZ019_.-~/ @%+&=:\xff";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for round in 0..3000 {
            let alphabet: &[u8] = if round % 2 == 0 {
                &every_byte
            } else {
                mostly_literal
            };
            let texts: Vec<Vec<u8>> = (0..9).map(|_| rng.bytes(alphabet, 70)).collect();
            let extra: Vec<QueryParam<'_>> = match round % 4 {
                0 => vec![],
                1 => vec![(&texts[7], &texts[8])],
                2 => vec![(b"counter", &texts[7]), (&texts[8], b"x")],
                _ => vec![
                    (&texts[8], &texts[7]),
                    (b"counter", b"1"),
                    (b"counter", b"2"),
                ],
            };
            let parts = UriParts {
                secret: &texts[0],
                name: &texts[1],
                issuer: (round % 3 != 0).then_some(&texts[2][..]),
                counter: (round % 5 == 0).then_some(&texts[3][..]),
                algorithm: (round % 7 == 0).then_some(&texts[4][..]),
                digits: (round % 2 == 0).then_some(&texts[5][..]),
                period: (round % 3 == 1).then_some(&texts[6][..]),
                extra: &extra,
            };
            let uri = build(&parts);
            assert_eq!(uri, reference_build(&parts), "{parts:?}");
            assert!(uri.len() <= parts.max_len());
        }
    }

    #[test]
    fn build_into_appends_what_build_returns_within_max_len() {
        let issuers: [&[u8]; 3] = [b"A/B", b"Acme Co", b"\xff:@"];
        for issuer in issuers {
            let parts = UriParts {
                secret: b"JBSWY3DP",
                name: b"alice@example.com",
                issuer: Some(issuer),
                extra: &[(b"image", b"https://x/y.png")],
                ..UriParts::default()
            };
            let mut buffer = b"left over".to_vec();
            build_into(&parts, &mut buffer);
            assert_eq!(&buffer[..9], b"left over");
            assert_eq!(&buffer[9..], build(&parts).as_bytes());
            assert!(buffer.len() - 9 <= parts.max_len());
        }
    }

    #[test]
    fn searches_find_the_first_match() {
        let mut rng = XorShift(42);
        for _ in 0..3000 {
            let bytes = rng.bytes(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%+#\t\x00\x80\xff", 80);
            let first = |pred: &dyn Fn(u8) -> bool| bytes.iter().position(|&b| pred(b));
            assert_eq!(find_any(&bytes, [b'%']), first(&|b| b == b'%'));
            assert_eq!(
                find_any_words(&bytes, [b'%', b'+']),
                first(&|b| matches!(b, b'%' | b'+'))
            );
            assert_eq!(
                find_any(&bytes, [b'+', b'#', 0]),
                first(&|b| matches!(b, b'+' | b'#' | 0))
            );
            assert_eq!(find_byte(&bytes, |b| b >= 0x80), first(&|b| b >= 0x80));
            assert_eq!(find_at_most(&bytes, b'#'), first(&|b| b <= b'#'));
            assert_eq!(
                Safe::Nothing.find_escape(&bytes),
                first(&|b| b != b'a'),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn unquote_matches_reference_decoding() {
        let alphabet = "%%%+2aFfGé€\u{1F600}0EB8C3A";
        let chars: Vec<char> = alphabet.chars().collect();
        let mut rng = XorShift(7);
        for _ in 0..3000 {
            // Now and then longer than the stack buffer of `Escaped::with_decoded`.
            let len = if rng.below(10) == 0 {
                40 + rng.below(200)
            } else {
                rng.below(24)
            };
            let text: String = (0..len).map(|_| chars[rng.below(chars.len())]).collect();
            for plus in [false, true] {
                let bytes: Vec<u8> = Unquoted {
                    rest: text.as_bytes(),
                    plus,
                }
                .collect();
                let expected = String::from_utf8_lossy(&bytes);
                let decoded = if plus {
                    unquote_plus(&text)
                } else {
                    unquote(&text)
                };
                assert_eq!(decoded, expected, "{text:?}");
                let part = Escaped {
                    raw: Cow::Borrowed(&text),
                    plus,
                };
                assert_eq!(part.with_decoded(str::to_owned), expected, "{text:?}");
                assert_eq!(
                    matches!(decoded, Cow::Borrowed(_)),
                    !(text.contains('%') || plus && text.contains('+'))
                );
                if plus {
                    assert!(unquotes_to(&text, &expected));
                    assert!(!unquotes_to(&text, &format!("{expected}x")));
                }
            }
        }
    }

    #[test]
    fn plain_uris_borrow_everything() {
        let uri = "otpauth://totp/Example:alice?secret=S&issuer=Example&period=60";
        let p = parse(uri, ascii_int).unwrap();
        assert!(matches!(p.secret.decode(), Cow::Borrowed("S")));
        assert!(matches!(p.name.unwrap().decode(), Cow::Borrowed("alice")));
        assert!(matches!(
            p.issuer.unwrap().decode(),
            Cow::Borrowed("Example")
        ));
        let p = parse(
            "otpauth://totp/Ex%20Co:alice?secret=S&issuer=Ex+Co",
            ascii_int,
        )
        .unwrap();
        assert!(matches!(p.issuer.unwrap().decode(), Cow::Owned(ref i) if i == "Ex Co"));
        let p = parse("otpauth://totp/alice?secret=S&issuer=Ex%20Co", ascii_int).unwrap();
        assert_eq!(text(&p.issuer).as_deref(), Some("Ex Co"));
        let p = parse("\totpauth://to\ntp/a\rlice?sec\tret=S#x\ty", ascii_int).unwrap();
        assert_eq!(
            (p.kind, text(&p.name).as_deref(), p.secret.decode().as_ref()),
            (OtpKind::Totp, Some("alice"), "S")
        );
    }

    #[test]
    fn issuers_compare_after_decoding() {
        let p = parse(
            "otpauth://totp/a%FF:n?secret=S&issuer=a%EF%BF%BD",
            ascii_int,
        )
        .unwrap();
        assert_eq!(text(&p.issuer).as_deref(), Some("a\u{fffd}"));
        // Both sides decode to a replacement character.
        assert!(parse("otpauth://totp/a%FF:n?secret=S&issuer=a%FE", ascii_int).is_ok());
        let err = parse("otpauth://totp/ab:n?secret=S&issuer=a", ascii_int);
        assert_eq!(err.unwrap_err(), UriError::IssuerMismatch);
        let p = parse("otpauth://hotp/n?secret=S&encoder=st%65am", ascii_int).unwrap();
        assert_eq!(p.kind, OtpKind::Steam);
    }

    #[test]
    fn first_rejected_keyword_in_query_order() {
        let err = |u: &str| parse(u, ascii_int).unwrap_err().to_string();
        assert_eq!(
            err("otpauth://totp/u?secret=S&encoder=steam&counter=1&algorithm=SHA1"),
            "Steam.__init__() got an unexpected keyword argument 'initial_count'"
        );
        assert_eq!(
            err("otpauth://totp/u?secret=S&algorithm=SHA1&period=5&counter=1&encoder=steam"),
            "Steam.__init__() got an unexpected keyword argument 'digest'"
        );
        assert_eq!(
            err("otpauth://hotp/u?secret=S&period=30&counter=1"),
            "HOTP.__init__() got an unexpected keyword argument 'interval'"
        );
    }

    #[test]
    fn label_drops_the_first_character() {
        let p = parse("otpauth:éx?secret=S&encoder=steam", ascii_int).unwrap();
        assert_eq!(text(&p.name).as_deref(), Some("x"));
    }
}
