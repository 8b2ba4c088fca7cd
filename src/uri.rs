//! `otpauth://` URIs: building them byte for byte as pyotp 2.12 does, and parsing them
//! with the quirks of Python's `urlparse`/`parse_qsl` that pyotp's `parse_uri` inherits.

use std::borrow::Cow;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUri<I> {
    /// Which class to construct.
    pub kind: OtpKind,
    /// The secret exactly as written (after percent-decoding).
    pub secret: String,
    /// The account name; `None` when the URI has no label.
    pub name: Option<String>,
    /// The issuer from the label or the `issuer` parameter.
    pub issuer: Option<String>,
    /// `digits`, when given.
    pub digits: Option<I>,
    /// `period`, when given (the constructor's `interval`).
    pub period: Option<I>,
    /// `counter`, when given (the constructor's `initial_count`).
    pub counter: Option<I>,
    /// `algorithm`, when given.
    pub algorithm: Option<crate::otp::Algorithm>,
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

/// Which bytes `quote` leaves as they are: a table per safe set, built at compile time.
struct Literal([bool; 256]);

impl Literal {
    /// `A-Z a-z 0-9 _ . - ~`, plus the extra `safe` bytes.
    const fn new(safe: &[u8]) -> Self {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            table[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'~');
            b += 1;
        }
        let mut i = 0;
        while i < safe.len() {
            table[safe[i] as usize] = true;
            i += 1;
        }
        Self(table)
    }
}

/// `quote(label)`: `/` stays literal.
const LABEL: Literal = Literal::new(b"/");
/// `quote_plus(value, safe="")`, after which pyotp turns `+` into `%20`.
const QUERY: Literal = Literal::new(b"");

/// Percent-encodes like `urllib.parse.quote`, leaving the bytes `literal` marks.
fn quote_into(out: &mut String, bytes: &[u8], literal: &Literal) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if literal.0[usize::from(b)] {
            continue;
        }
        // Everything kept literally is ASCII, so each run is valid UTF-8.
        out.push_str(std::str::from_utf8(&bytes[run..i]).unwrap_or_default());
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
        run = i + 1;
    }
    out.push_str(std::str::from_utf8(&bytes[run..]).unwrap_or_default());
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

/// Builds the URI exactly as pyotp's `utils.build_uri`.
pub fn build(parts: &UriParts<'_>) -> String {
    let mut uri = String::with_capacity(64 + 3 * (parts.secret.len() + parts.name.len()));
    uri.push_str(if parts.counter.is_some() {
        "otpauth://hotp/"
    } else {
        "otpauth://totp/"
    });
    if let Some(issuer) = parts.issuer {
        quote_into(&mut uri, issuer, &LABEL);
        uri.push(':');
    }
    quote_into(&mut uri, parts.name, &LABEL);
    uri.push('?');

    let mut counter = parts.counter;
    let mut extra = Vec::with_capacity(parts.extra.len());
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
    let params = fixed
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .chain(extra);
    for (i, (key, value)) in params.enumerate() {
        if i > 0 {
            uri.push('&');
        }
        quote_into(&mut uri, key, &QUERY);
        uri.push('=');
        quote_into(&mut uri, value, &QUERY);
    }
    uri
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `urllib.parse.unquote`: `%XX` escapes to bytes, malformed escapes kept, UTF-8 with replacement.
pub fn unquote(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// A form value: `+` is a space, then `%XX` escapes are decoded.
fn unquote_plus(text: &str) -> Cow<'_, str> {
    if text.contains('+') {
        Cow::Owned(unquote(&text.replace('+', " ")).into_owned())
    } else {
        unquote(text)
    }
}

/// `parse_qsl(query, keep_blank_values=True)`: `&`-separated, `+` is a space, keys decoded too.
pub fn parse_query(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (unquote_plus(key), unquote_plus(value))
        })
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
/// `cleaned` must come from [`clean_url`].
pub fn split_url<E>(cleaned: &str) -> Result<UrlParts<'_>, UriError<E>> {
    let mut scheme = Cow::Borrowed("");
    let mut rest = cleaned;
    if let Some(i) = cleaned.find(':') {
        let candidate = &cleaned[..i];
        let first_alpha = candidate
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphabetic);
        let scheme_chars = candidate
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if first_alpha && scheme_chars {
            scheme = if candidate.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(candidate.to_ascii_lowercase())
            } else {
                Cow::Borrowed(candidate)
            };
            rest = &cleaned[i + 1..];
        }
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
        if netloc.contains('[') != netloc.contains(']') {
            return Err(UriError::InvalidIpv6);
        }
    }
    if let Some(i) = rest.find('#') {
        rest = &rest[..i];
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    Ok(UrlParts {
        scheme,
        netloc,
        path,
        query,
    })
}

/// `urlsplit`'s clean-up: strip leading C0 controls and spaces, remove every tab, CR and LF.
pub fn clean_url(uri: &str) -> Cow<'_, str> {
    let trimmed = uri.trim_start_matches(|c: char| c <= ' ');
    if trimmed.contains(['\t', '\r', '\n']) {
        Cow::Owned(
            trimmed
                .chars()
                .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
                .collect(),
        )
    } else {
        Cow::Borrowed(trimmed)
    }
}

const SECURITY_KEYS: [&str; 7] = [
    "secret",
    "issuer",
    "algorithm",
    "encoder",
    "digits",
    "period",
    "counter",
];

/// Parses an `otpauth://` URI as pyotp 2.12's `parse_uri`, up to constructing the object.
///
/// `parse_int` reads `digits`, `period` and `counter` (pyotp uses Python's `int()`).
/// The secret is not decoded here: the constructor validates it.
pub fn parse<I: UriInt, E>(
    uri: &str,
    mut parse_int: impl FnMut(&str) -> Result<I, E>,
) -> Result<ParsedUri<I>, UriError<E>> {
    let cleaned = clean_url(uri);
    let url = split_url(&cleaned)?;
    if url.scheme != "otpauth" {
        return Err(UriError::NotOtpauth);
    }
    let label = url.path.get(1..).unwrap_or("");
    let (mut issuer, mut name) = (None, None);
    if !url.path.is_empty() {
        match label.split_once(':') {
            Some((i, n)) => {
                issuer = Some(unquote(i).into_owned());
                name = Some(unquote(n).into_owned());
            }
            None => name = Some(unquote(label).into_owned()),
        }
    }
    let label_issuer = issuer.clone();

    let mut seen = 0u8;
    let mut secret = None;
    let mut encoder = None;
    let (mut digits, mut period, mut counter, mut algorithm) = (None, None, None, None);
    let mut order: Vec<&'static str> = Vec::new();
    for (key, value) in parse_query(url.query) {
        if let Some(index) = SECURITY_KEYS.iter().position(|&k| k == key) {
            if seen & (1 << index) != 0 {
                return Err(UriError::Duplicate(key.into_owned()));
            }
            seen |= 1 << index;
        }
        if value.is_empty() {
            continue;
        }
        match key.as_ref() {
            "secret" => secret = Some(value.into_owned()),
            "issuer" => {
                if label_issuer.as_ref().is_some_and(|l| *l != value) {
                    return Err(UriError::IssuerMismatch);
                }
                issuer = Some(value.into_owned());
            }
            "algorithm" => {
                algorithm = Some(
                    crate::otp::Algorithm::from_uri_name(&value)
                        .ok_or(UriError::InvalidAlgorithm)?,
                );
                order.push("digest");
            }
            "encoder" => encoder = Some(value),
            "digits" => digits = Some(parse_int(&value).map_err(UriError::Int)?),
            "period" => {
                period = Some(parse_int(&value).map_err(UriError::Int)?);
                order.push("interval");
            }
            "counter" => {
                counter = Some(parse_int(&value).map_err(UriError::Int)?);
                order.push("initial_count");
            }
            _ => {}
        }
    }
    let steam = encoder.as_deref() == Some("steam");
    if !steam
        && digits
            .as_ref()
            .is_some_and(|d: &I| !d.is_valid_uri_digits())
    {
        return Err(UriError::InvalidDigits);
    }
    let secret = secret.ok_or(UriError::NoSecret)?;
    let kind = if steam {
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
    if let Some(keyword) = order.into_iter().find(|k| !accepted.contains(k)) {
        return Err(UriError::UnexpectedKeyword {
            class: kind.class_name(),
            keyword,
        });
    }
    Ok(ParsedUri {
        kind,
        secret,
        name,
        issuer,
        digits,
        period,
        counter,
        algorithm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::Algorithm;

    const S: &[u8] = b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

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
        assert_eq!(p.issuer.as_deref(), Some("Example:Co"));
        assert_eq!(p.name.as_deref(), Some("alice"));
        assert_eq!(p.algorithm, Some(Algorithm::Sha256));
        assert_eq!(p.period, Some(60));
        let p = parse("otpauth://totp/a:b:c?secret=S&issuer=", ascii_int).unwrap();
        assert_eq!(
            (p.issuer.as_deref(), p.name.as_deref()),
            (Some("a"), Some("b:c"))
        );
        let p = parse("otpauth://totp?secret=S", ascii_int).unwrap();
        assert_eq!(p.name, None);
        let p = parse("otpauth://totp/a%FFb?secret=S%0A", ascii_int).unwrap();
        assert_eq!(p.name.as_deref(), Some("a\u{fffd}b"));
        assert_eq!(p.secret, "S\n");
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
        let url = split_url::<()>("OTPAUTH://totp/u?x#frag").unwrap();
        assert_eq!(
            (url.scheme.as_ref(), url.netloc, url.path, url.query),
            ("otpauth", "totp", "/u", "x")
        );
    }

    #[test]
    fn unquote_keeps_malformed_escapes() {
        assert_eq!(unquote("a%ZZb%4"), "a%ZZb%4");
        assert_eq!(unquote("%E5%85%AC"), "公");
    }
}
