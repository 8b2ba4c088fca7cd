//! Application secrets keyed by tag, as passlib's `AppWallet` keeps them.
//!
//! New keys are encrypted with the default tag's secret; stored keys name the tag that
//! encrypted them, so older secrets stay usable for decryption while a new one is rolled in.

use super::{is_py_space, py_repr, MAX_COST};
use std::cmp::Ordering;
use std::fmt;
use zeroize::Zeroizing;

/// The PBKDF2 cost (log2 of the rounds) of new encryptions unless the wallet says otherwise.
pub const DEFAULT_COST: u32 = 14;

/// Why a wallet could not be built or could not serve a tag; passlib's messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    /// A tag outside `^[a-z0-9][a-z0-9_.-]*$` (case-insensitive).
    #[error("tag contains invalid characters: {}", py_repr(.0))]
    InvalidTag(String),
    /// A tag whose secret is empty.
    #[error("tag contains empty secret: {}", py_repr(.0))]
    EmptySecret(String),
    /// A tag the wallet does not hold (Python `KeyError`).
    #[error("unknown secret tag: {}", py_repr(.0))]
    UnknownTag(String),
    /// The wallet holds no secrets at all (Python `KeyError`).
    #[error("no application secrets configured")]
    NoSecrets,
    /// A secrets string that is neither JSON nor multi-line `tag: secret` text.
    #[error("unrecognized secrets string format")]
    UnrecognizedFormat,
    /// A line of `tag: secret` text without the colon.
    #[error("secrets line {0} has no ':' between tag and secret")]
    MissingColon(usize),
    /// Secrets given as JSON that is not an object of strings.
    #[error("secrets JSON must be an object mapping tags to strings: {0}")]
    BadJson(String),
    /// A cost outside `0..=MAX_COST` (the caller's integer, as Python prints it).
    #[error("encrypt_cost must be between 0 and {MAX_COST}, not {0}")]
    Cost(String),
}

/// Whether `tag` matches passlib's `(?i)^[a-z0-9][a-z0-9_.-]*$`.
pub fn is_valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Orders all-digit tags by numeric value (any length).
fn numeric_cmp(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A tag and its secret, as given to [`Wallet::new`].
pub type SecretPair = (String, Zeroizing<Vec<u8>>);

/// Application secrets keyed by tag, with the default tag and cost used for new encryptions.
///
/// Secrets are held in zeroize-on-drop buffers and never shown by `Debug`.
pub struct Wallet {
    secrets: Vec<SecretPair>,
    default_tag: Option<String>,
    encrypt_cost: u32,
}

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wallet")
            .field("tags", &self.tags().collect::<Vec<_>>())
            .field("default_tag", &self.default_tag)
            .field("encrypt_cost", &self.encrypt_cost)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// Builds a wallet from `(tag, secret)` pairs; a repeated tag keeps its first position and
    /// its last secret, like a Python dict.
    ///
    /// The default tag is `default_tag` when given (it must exist), else the largest tag,
    /// compared numerically when every tag is all digits and as strings otherwise.
    pub fn new(
        pairs: impl IntoIterator<Item = SecretPair>,
        default_tag: Option<&str>,
        encrypt_cost: Option<i64>,
    ) -> Result<Self, WalletError> {
        let encrypt_cost = match encrypt_cost {
            None => DEFAULT_COST,
            Some(cost) => u32::try_from(cost)
                .ok()
                .filter(|c| *c <= MAX_COST)
                .ok_or_else(|| WalletError::Cost(cost.to_string()))?,
        };
        let mut secrets: Vec<SecretPair> = Vec::new();
        for (tag, secret) in pairs {
            if !is_valid_tag(&tag) {
                return Err(WalletError::InvalidTag(tag));
            }
            if secret.is_empty() {
                return Err(WalletError::EmptySecret(tag));
            }
            match secrets.iter_mut().find(|(t, _)| *t == tag) {
                Some(slot) => slot.1 = secret,
                None => secrets.push((tag, secret)),
            }
        }
        let mut wallet = Wallet {
            secrets,
            default_tag: None,
            encrypt_cost,
        };
        if !wallet.secrets.is_empty() {
            wallet.default_tag = Some(match default_tag {
                Some(tag) => {
                    wallet.secret(tag)?;
                    tag.to_owned()
                }
                None => wallet.largest_tag(),
            });
        }
        Ok(wallet)
    }

    /// The largest tag, the first of equals winning as with Python's `max()`.
    fn largest_tag(&self) -> String {
        let numeric = self
            .tags()
            .all(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()));
        let mut best: Option<&str> = None;
        for tag in self.tags() {
            let greater = match best {
                None => true,
                Some(b) if numeric => numeric_cmp(tag, b) == Ordering::Greater,
                Some(b) => tag > b,
            };
            if greater {
                best = Some(tag);
            }
        }
        best.unwrap_or_default().to_owned()
    }

    /// Parses secrets given as text: a JSON object, or lines of `tag: secret`
    /// (blank lines and lines starting with `#` skipped), as passlib accepts them.
    pub fn parse_text(text: &str) -> Result<Vec<SecretPair>, WalletError> {
        let start = text.trim_start_matches(is_py_space);
        if start.starts_with('{') || start.starts_with('[') {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| WalletError::BadJson(e.to_string()))?;
            let object = value
                .as_object()
                .ok_or_else(|| WalletError::BadJson("expected an object".into()))?;
            return object
                .iter()
                .map(|(tag, secret)| match secret.as_str() {
                    Some(s) => Ok((tag.clone(), Zeroizing::new(s.as_bytes().to_vec()))),
                    None => Err(WalletError::BadJson(format!(
                        "the secret of tag {} is not a string",
                        py_repr(tag)
                    ))),
                })
                .collect();
        }
        if !(text.contains('\n') && text.contains(':')) {
            return Err(WalletError::UnrecognizedFormat);
        }
        let mut pairs = Vec::new();
        for (number, line) in py_splitlines(text).enumerate() {
            let line = line.trim_matches(is_py_space);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (tag, secret) = line
                .split_once(':')
                .ok_or(WalletError::MissingColon(number + 1))?;
            pairs.push((
                tag.trim_matches(is_py_space).to_owned(),
                Zeroizing::new(secret.trim_matches(is_py_space).as_bytes().to_vec()),
            ));
        }
        Ok(pairs)
    }

    /// The secret of `tag` (`KeyError` in Python when absent).
    pub fn secret(&self, tag: &str) -> Result<&[u8], WalletError> {
        if self.secrets.is_empty() {
            return Err(WalletError::NoSecrets);
        }
        self.secrets
            .iter()
            .find(|(t, _)| t == tag)
            .map(|(_, s)| s.as_slice())
            .ok_or_else(|| WalletError::UnknownTag(tag.to_owned()))
    }

    /// The tag and secret that encrypt new keys.
    pub fn default_secret(&self) -> Result<(&str, &[u8]), WalletError> {
        let tag = self.default_tag.as_deref().ok_or(WalletError::NoSecrets)?;
        Ok((tag, self.secret(tag)?))
    }

    /// The tag that encrypts new keys, `None` for an empty wallet.
    pub fn default_tag(&self) -> Option<&str> {
        self.default_tag.as_deref()
    }

    /// The PBKDF2 cost (log2 of the rounds) of new encryptions.
    pub fn encrypt_cost(&self) -> u32 {
        self.encrypt_cost
    }

    /// The tags, in the order given.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.secrets.iter().map(|(t, _)| t.as_str())
    }

    /// Whether the wallet holds at least one secret.
    pub fn has_secrets(&self) -> bool {
        self.default_tag.is_some()
    }
}

/// Python's `str.splitlines()` boundaries (`\r\n` yields an extra empty line, which callers skip).
fn py_splitlines(text: &str) -> impl Iterator<Item = &str> {
    text.split([
        '\n', '\r', '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
        '\u{2029}',
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<SecretPair> {
        items
            .iter()
            .map(|(t, s)| (t.to_string(), Zeroizing::new(s.as_bytes().to_vec())))
            .collect()
    }

    #[test]
    fn default_tag_is_numeric_max_when_all_digits() {
        let w = Wallet::new(pairs(&[("9", "a"), ("10", "b")]), None, None).unwrap();
        assert_eq!(w.default_tag(), Some("10"));
        assert_eq!(w.encrypt_cost(), DEFAULT_COST);
    }

    #[test]
    fn default_tag_is_string_max_otherwise() {
        let w = Wallet::new(
            pairs(&[("2017-05-16", "a"), ("2016-01-01", "b"), ("9", "c")]),
            None,
            None,
        )
        .unwrap();
        assert_eq!(w.default_tag(), Some("9"));
        let w = Wallet::new(
            pairs(&[("2017-05-16", "a"), ("2016-01-01", "b")]),
            None,
            None,
        )
        .unwrap();
        assert_eq!(w.default_tag(), Some("2017-05-16"));
    }

    #[test]
    fn numeric_ties_keep_the_first() {
        let w = Wallet::new(pairs(&[("01", "a"), ("1", "b")]), None, None).unwrap();
        assert_eq!(w.default_tag(), Some("01"));
    }

    #[test]
    fn explicit_default_tag_must_exist() {
        let w = Wallet::new(pairs(&[("1", "a"), ("2", "b")]), Some("1"), Some(10)).unwrap();
        assert_eq!(w.default_secret().unwrap(), ("1", b"a".as_slice()));
        assert_eq!(
            Wallet::new(pairs(&[("1", "a")]), Some("3"), None).unwrap_err(),
            WalletError::UnknownTag("3".into())
        );
        assert_eq!(
            Wallet::new(pairs(&[("1", "a")]), Some("3"), None)
                .unwrap_err()
                .to_string(),
            "unknown secret tag: '3'"
        );
    }

    #[test]
    fn tags_and_secrets_are_validated() {
        for bad in ["", "-1", "a b", "é"] {
            assert_eq!(
                Wallet::new(pairs(&[(bad, "x")]), None, None).unwrap_err(),
                WalletError::InvalidTag(bad.into())
            );
        }
        assert_eq!(
            Wallet::new(pairs(&[("1", "")]), None, None).unwrap_err(),
            WalletError::EmptySecret("1".into())
        );
        assert_eq!(
            Wallet::new(pairs(&[]), None, Some(21)).unwrap_err(),
            WalletError::Cost("21".into())
        );
        assert!(is_valid_tag("A1_b.c-d"));
    }

    #[test]
    fn empty_wallet_has_no_default() {
        let w = Wallet::new(Vec::new(), Some("1"), None).unwrap();
        assert!(!w.has_secrets());
        assert_eq!(w.secret("1").unwrap_err(), WalletError::NoSecrets);
    }

    #[test]
    fn parses_text_formats() {
        let text = "# comment\n\n 1: first : with colon\r\n2:second\n";
        let w = Wallet::new(Wallet::parse_text(text).unwrap(), None, None).unwrap();
        assert_eq!(w.secret("1").unwrap(), b"first : with colon");
        assert_eq!(w.secret("2").unwrap(), b"second");
        let w = Wallet::new(
            Wallet::parse_text(r#" {"a": "x", "b": "y"}"#).unwrap(),
            None,
            None,
        )
        .unwrap();
        assert_eq!(w.default_tag(), Some("b"));
        assert_eq!(
            Wallet::parse_text("1: one").unwrap_err(),
            WalletError::UnrecognizedFormat
        );
        assert_eq!(
            Wallet::parse_text("1: one\nbroken\n").unwrap_err(),
            WalletError::MissingColon(2)
        );
        assert!(matches!(
            Wallet::parse_text(r#"{"a": 1}"#),
            Err(WalletError::BadJson(_))
        ));
        assert!(matches!(
            Wallet::parse_text("[1]"),
            Err(WalletError::BadJson(_))
        ));
    }

    #[test]
    fn debug_hides_secrets() {
        let w = Wallet::new(pairs(&[("1", "hunter2")]), None, None).unwrap();
        assert!(!format!("{w:?}").contains("hunter2"));
    }
}
