//! Replay-safe TOTP verification with the semantics of passlib 1.7.4's `TOTP.match`.
//!
//! The search covers the counters whose time steps overlap `[time + skew - window,
//! time + skew + window]`, never earlier than the last counter already accepted. A code that
//! matches that last counter is reported as used, so a caller who stores the matched counter
//! refuses every replay.

use crate::otp::{constant_time_eq, MAX_WINDOW};
use crate::storage::is_py_space;

/// A code as given by the caller.
#[derive(Debug, Clone, Copy)]
pub enum Token<'a> {
    /// Text: whitespace, `-` and `=` are ignored, the rest must be ASCII digits.
    Text(&'a str),
    /// An integer already rendered with zero padding (only its length is checked, as in passlib).
    Rendered(&'a str),
}

/// Why a code was refused, with passlib's messages; `E` is the code generator's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError<E> {
    /// Something other than digits (passlib's `MalformedTokenError`).
    #[error("Token must contain only the digits 0-9")]
    NotDigits,
    /// The wrong number of digits (`MalformedTokenError`).
    #[error("Token must have exactly {0} digits")]
    WrongLength(usize),
    /// No counter in the window produces the code (`InvalidTokenError`).
    #[error("Token did not match")]
    Invalid,
    /// The code belongs to the last counter already accepted (`UsedTokenError`).
    #[error("Token has already been used, please wait for another.")]
    Used {
        /// When that counter's time step ends and a new code can be used.
        expire_time: i128,
    },
    /// A negative `window`.
    #[error("window must be >= 0")]
    NegativeWindow,
    /// A negative `period` (never produced for a valid TOTP object).
    #[error("period must be >= 1")]
    Period,
    /// A window spanning more time steps than `verify` may check (see [`MAX_WINDOW`]).
    #[error("window must span at most {} time steps", 2 * MAX_WINDOW + 1)]
    WindowTooWide,
    /// Computing a code failed.
    #[error("{0}")]
    Code(E),
}

/// Where to look for the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Search {
    /// Time the code was received, whole Unix seconds.
    pub time: i64,
    /// Time step in seconds.
    pub period: i64,
    /// Seconds searched before and after `time + skew`.
    pub window: i64,
    /// Seconds added to `time` for the client's clock.
    pub skew: i64,
    /// The counter of the last accepted code, if any.
    pub last_counter: Option<i64>,
}

/// A successful match (passlib's `TotpMatch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// The counter whose code matched; store it and pass it back as `last_counter`.
    pub counter: i64,
    /// The time the match was made for (without skew).
    pub time: i64,
    /// The window searched.
    pub window: i64,
    /// The time step.
    pub period: i64,
}

impl Match {
    /// The counter of `time` itself.
    pub fn expected_counter(&self) -> i64 {
        self.time.div_euclid(self.period)
    }

    /// Steps between the expected and the matched counter (negative: the client is behind).
    pub fn skipped(&self) -> i64 {
        self.counter - self.expected_counter()
    }

    /// When the matched counter's time step ends.
    pub fn expire_time(&self) -> i128 {
        (i128::from(self.counter) + 1) * i128::from(self.period)
    }

    /// An upper bound on how long the counter stays inside a verification window.
    pub fn cache_seconds(&self) -> i128 {
        i128::from(self.period) + i128::from(self.window)
    }

    /// When the matched counter has left every verification window.
    pub fn cache_time(&self) -> i128 {
        self.expire_time() + i128::from(self.window)
    }
}

/// Normalizes a code as passlib's `TOTP.normalize_token` does.
pub fn normalize_token<E>(token: Token<'_>, digits: usize) -> Result<String, MatchError<E>> {
    let text = match token {
        Token::Rendered(text) => text.to_owned(),
        Token::Text(text) => {
            let cleaned: String = text
                .chars()
                .filter(|&c| !(is_py_space(c) || c == '-' || c == '='))
                .collect();
            if cleaned.is_empty() || !cleaned.bytes().all(|b| b.is_ascii_digit()) {
                return Err(MatchError::NotDigits);
            }
            cleaned
        }
    };
    if text.chars().count() != digits {
        return Err(MatchError::WrongLength(digits));
    }
    Ok(text)
}

/// Finds the counter whose code is `token`, as passlib's `TOTP.match` does.
///
/// `code_at(counter)` renders the code of a counter. The first matching counter in ascending
/// order wins; if it is `last_counter`, the code is refused as used.
pub fn find_match<E>(
    token: Token<'_>,
    digits: usize,
    search: Search,
    mut code_at: impl FnMut(i64) -> Result<String, E>,
) -> Result<Match, MatchError<E>> {
    if search.window < 0 {
        return Err(MatchError::NegativeWindow);
    }
    if search.period < 1 {
        return Err(MatchError::Period);
    }
    let period = i128::from(search.period);
    let client = i128::from(search.time) + i128::from(search.skew);
    let last = i128::from(search.last_counter.unwrap_or(-1));
    let window = i128::from(search.window);
    let start = last.max((client - window).div_euclid(period)).max(0);
    let end = ((client + window).div_euclid(period) + 1).min(i128::from(i64::MAX));
    if end - start > i128::from(2 * MAX_WINDOW + 1) {
        return Err(MatchError::WindowTooWide);
    }
    let token = normalize_token(token, digits)?;
    let mut counter = start;
    while counter < end {
        // `counter < end <= i64::MAX`, so the conversion is exact.
        let as_i64 = counter as i64;
        let code = code_at(as_i64).map_err(MatchError::Code)?;
        if constant_time_eq(token.as_bytes(), code.as_bytes()) {
            if counter == last {
                return Err(MatchError::Used {
                    expire_time: (last + 1) * period,
                });
            }
            return Ok(Match {
                counter: as_i64,
                time: search.time,
                window: search.window,
                period: search.period,
            });
        }
        counter += 1;
    }
    Err(MatchError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::{format_decimal, Algorithm, Key};
    use std::convert::Infallible;

    const K20: &[u8] = b"12345678901234567890";

    fn code(counter: i64) -> Result<String, Infallible> {
        let key = Key::new(Algorithm::Sha1, K20);
        Ok(format_decimal(key.value_at(counter as u64), 6).to_string())
    }

    fn search(time: i64, last_counter: Option<i64>) -> Search {
        Search {
            time,
            period: 30,
            window: 30,
            skew: 0,
            last_counter,
        }
    }

    #[test]
    fn rfc_code_matches_and_reports_timing() {
        let m = find_match(Token::Text("287 082"), 6, search(59, None), code).unwrap();
        assert_eq!((m.counter, m.skipped(), m.expire_time()), (1, 0, 60));
        assert_eq!((m.cache_seconds(), m.cache_time()), (60, 90));
    }

    #[test]
    fn drift_within_window_accepted_outside_refused() {
        let at = |c: i64| code(c).unwrap();
        let m = find_match(Token::Text(&at(99)), 6, search(100 * 30 + 5, None), code).unwrap();
        assert_eq!(m.skipped(), -1);
        let m = find_match(Token::Text(&at(101)), 6, search(100 * 30 + 5, None), code).unwrap();
        assert_eq!(m.skipped(), 1);
        assert_eq!(
            find_match(Token::Text(&at(98)), 6, search(100 * 30 + 5, None), code),
            Err(MatchError::Invalid)
        );
    }

    #[test]
    fn replay_is_refused() {
        let at = |c: i64| code(c).unwrap();
        let s = search(100 * 30, Some(100));
        assert_eq!(
            find_match(Token::Text(&at(100)), 6, s, code),
            Err(MatchError::Used {
                expire_time: 101 * 30
            })
        );
        assert_eq!(
            find_match(Token::Text(&at(99)), 6, s, code),
            Err(MatchError::Invalid)
        );
        assert_eq!(
            find_match(Token::Text(&at(101)), 6, s, code)
                .unwrap()
                .counter,
            101
        );
    }

    #[test]
    fn malformed_tokens() {
        let s = search(59, None);
        assert_eq!(
            find_match(Token::Text("12a456"), 6, s, code),
            Err(MatchError::NotDigits)
        );
        assert_eq!(
            find_match(Token::Text(""), 6, s, code),
            Err(MatchError::NotDigits)
        );
        assert_eq!(
            find_match(Token::Text("12345"), 6, s, code),
            Err(MatchError::WrongLength(6))
        );
        assert_eq!(
            find_match(Token::Rendered("-00005"), 6, s, code),
            Err(MatchError::Invalid)
        );
        let negative = Search { window: -1, ..s };
        assert_eq!(
            find_match(Token::Text("x"), 6, negative, code),
            Err(MatchError::NegativeWindow)
        );
        let huge = Search {
            window: i64::MAX,
            ..s
        };
        assert_eq!(
            find_match(Token::Text("287082"), 6, huge, code),
            Err(MatchError::WindowTooWide)
        );
    }

    #[test]
    fn generator_errors_propagate() {
        let failing = |_| Err::<String, &str>("boom");
        assert_eq!(
            find_match(Token::Text("287082"), 6, search(59, None), failing),
            Err(MatchError::Code("boom"))
        );
    }
}
