//! Google Authenticator's export: `otpauth-migration://offline?data=<base64 protobuf>`.
//!
//! The payload is a protobuf `MigrationPayload` (field numbers in
//! `shared/formats/google-authenticator-migration.md`), decoded and encoded by `prost`. Missing
//! fields read as SHA1, 6 digits, TOTP; unknown fields are skipped. The `data` value is read
//! whether its `+` was percent-encoded, left raw, or turned into a space by a careless copy.

use super::{check_all, label, Account, Entry, Kind, Skipped, TransferError};
use crate::otp::Algorithm;
use crate::uri::{parse_query, unquote};
use data_encoding::BASE64_NOPAD;
use prost::Message;
use zeroize::{Zeroize, Zeroizing};

/// The URI scheme and host every export starts with.
pub const PREFIX: &str = "otpauth-migration://offline";
/// Accounts per QR code, as Google Authenticator and Aegis export.
pub const MAX_BATCH_ACCOUNTS: usize = 10;
/// Payload bytes per QR code: ten typical accounts fit, and a code of about 1 KB of text stays
/// easy to scan; a single larger account still gets its own code.
pub const MAX_BATCH_BYTES: usize = 700;
/// The payload `version` written (Aegis writes 1).
pub const VERSION: i32 = 1;
/// Period of every TOTP account in this format (it has no period field).
pub const PERIOD: u32 = 30;
const FORMAT: &str = "Google Authenticator migration";

/// The protobuf `MigrationPayload`: one export QR code.
#[derive(Clone, PartialEq, Message)]
pub struct MigrationPayload {
    /// The accounts of this QR code.
    #[prost(message, repeated, tag = "1")]
    pub otp_parameters: Vec<OtpParameters>,
    /// Format version.
    #[prost(int32, tag = "2")]
    pub version: i32,
    /// How many QR codes the export has.
    #[prost(int32, tag = "3")]
    pub batch_size: i32,
    /// This QR code's 0-based position.
    #[prost(int32, tag = "4")]
    pub batch_index: i32,
    /// Shared by every QR code of one export.
    #[prost(int32, tag = "5")]
    pub batch_id: i32,
}

/// The protobuf `OtpParameters`: one account (the enums are kept as their wire integers).
#[derive(Clone, PartialEq, Message)]
pub struct OtpParameters {
    /// Raw key bytes.
    #[prost(bytes = "vec", tag = "1")]
    pub secret: Vec<u8>,
    /// Account name; `Issuer:name` when `issuer` is empty.
    #[prost(string, tag = "2")]
    pub name: String,
    /// Service name.
    #[prost(string, tag = "3")]
    pub issuer: String,
    /// 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5.
    #[prost(int32, tag = "4")]
    pub algorithm: i32,
    /// 0 unspecified, 1 six, 2 eight, 3 seven.
    #[prost(int32, tag = "5")]
    pub digits: i32,
    /// 0 unspecified, 1 HOTP, 2 TOTP.
    #[prost(int32, tag = "6")]
    pub kind: i32,
    /// HOTP counter.
    #[prost(int64, tag = "7")]
    pub counter: i64,
}

impl Drop for OtpParameters {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

/// One decoded QR code: its batch fields and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Format version.
    pub version: i32,
    /// How many QR codes the export has.
    pub batch_size: i32,
    /// This QR code's 0-based position.
    pub batch_index: i32,
    /// Shared by every QR code of one export.
    pub batch_id: i32,
    /// One entry per account.
    pub entries: Vec<Entry>,
}

/// Whether `text` starts like a migration URI (scheme compared without case).
pub fn is_migration_uri(text: &str) -> bool {
    text.trim_start()
        .get(..PREFIX.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(PREFIX))
}

/// Reads one `otpauth-migration://offline?data=...` URI.
pub fn read_uri(uri: &str) -> Result<Batch, TransferError> {
    let uri = uri.trim();
    if !is_migration_uri(uri) {
        return Err(TransferError::NotMigrationUri);
    }
    let rest = &uri[PREFIX.len()..];
    let query = match rest.strip_prefix('/').unwrap_or(rest).strip_prefix('?') {
        Some(query) => query,
        None if rest.is_empty() || rest == "/" => return Err(TransferError::MissingData),
        None => return Err(TransferError::NotMigrationUri),
    };
    let data = parse_query(query)
        .find(|(key, _)| key == "data")
        .map(|(_, value)| value)
        .ok_or(TransferError::MissingData)?;
    decode_payload(&decode_base64(data)?)
}

/// The bytes of a `data` value: percent-decoded (not form-decoded), a space read as the `+` it was.
fn decode_base64(data: &str) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    let text: Zeroizing<String> = Zeroizing::new(
        unquote(data)
            .chars()
            .map(|c| if c == ' ' { '+' } else { c })
            .collect(),
    );
    BASE64_NOPAD
        .decode(text.trim_end_matches('=').as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| TransferError::Base64)
}

/// Decodes a serialized `MigrationPayload`.
pub fn decode_payload(bytes: &[u8]) -> Result<Batch, TransferError> {
    let mut payload =
        MigrationPayload::decode(bytes).map_err(|err| TransferError::Protobuf(err.to_string()))?;
    let entries = payload
        .otp_parameters
        .iter_mut()
        .enumerate()
        .map(|(i, params)| entry(i, params))
        .collect();
    Ok(Batch {
        version: payload.version,
        batch_size: payload.batch_size,
        batch_index: payload.batch_index,
        batch_id: payload.batch_id,
        entries,
    })
}

/// One account, or why it is skipped. A `name` of `Issuer:name` splits when `issuer` is empty,
/// and loses its prefix when it repeats `issuer` (so `Acme:bob` of Acme stays `Acme:bob`).
fn entry(index: usize, params: &mut OtpParameters) -> Entry {
    let issuer = params.issuer.as_str();
    let (issuer, name) = match params.name.split_once(':') {
        Some((prefix, name)) if issuer.is_empty() => (prefix, name.trim_start()),
        Some((prefix, name)) if prefix == issuer => (issuer, name.trim_start()),
        _ => (issuer, params.name.as_str()),
    };
    let skip = |reason: String| {
        let shown = label(issuer, name);
        Skipped {
            label: if shown.is_empty() {
                format!("entry {}", index + 1)
            } else {
                shown
            },
            reason,
        }
    };
    let algorithm = match params.algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        4 => return Err(skip("unsupported algorithm MD5".into())),
        other => return Err(skip(format!("unknown algorithm value {other}"))),
    };
    let digits = match params.digits {
        0 | 1 => 6,
        2 => 8,
        3 => 7,
        other => return Err(skip(format!("unknown digits value {other}"))),
    };
    let kind = match params.kind {
        0 | 2 => Kind::Totp,
        1 => Kind::Hotp,
        other => return Err(skip(format!("unknown OTP type value {other}"))),
    };
    if params.secret.is_empty() {
        return Err(skip("empty secret".into()));
    }
    let counter = u64::try_from(params.counter)
        .map_err(|_| skip(format!("negative counter {}", params.counter)))?;
    Ok(Account {
        kind,
        secret: Zeroizing::new(std::mem::take(&mut params.secret)),
        name: name.to_owned(),
        issuer: issuer.to_owned(),
        algorithm,
        digits,
        period: PERIOD,
        counter: if kind == Kind::Hotp { counter } else { 0 },
        groups: Vec::new(),
    })
}

/// Why `account` has no form in this format, if it has none.
fn problem(account: &Account) -> Option<String> {
    match account.kind {
        Kind::Steam => Some("Steam accounts have no Google Authenticator form".into()),
        Kind::Totp if account.period != PERIOD => Some(format!(
            "period {} s: this format has only {PERIOD}-second TOTP",
            account.period
        )),
        Kind::Hotp if i64::try_from(account.counter).is_err() => {
            Some(format!("counter {} does not fit", account.counter))
        }
        _ if !matches!(account.digits, 6 | 8) => Some(format!(
            "{} digits: this format has only 6 or 8",
            account.digits
        )),
        _ if account.secret.is_empty() => Some("empty secret".into()),
        _ => None,
    }
}

fn params_of(account: &Account) -> OtpParameters {
    OtpParameters {
        secret: account.secret.to_vec(),
        name: account.name.clone(),
        issuer: account.issuer.clone(),
        algorithm: match account.algorithm {
            Algorithm::Sha1 => 1,
            Algorithm::Sha256 => 2,
            Algorithm::Sha512 => 3,
        },
        digits: if account.digits == 8 { 2 } else { 1 },
        kind: if account.kind == Kind::Hotp { 1 } else { 2 },
        counter: i64::try_from(account.counter).unwrap_or(i64::MAX),
    }
}

/// Splits `accounts` into QR-sized payloads: at most [`MAX_BATCH_ACCOUNTS`] accounts and
/// [`MAX_BATCH_BYTES`] bytes each (an account larger than that alone), in order.
pub fn payloads(
    accounts: &[Account],
    batch_id: i32,
) -> Result<Vec<MigrationPayload>, TransferError> {
    check_all(FORMAT, accounts, problem)?;
    let mut batches: Vec<Vec<OtpParameters>> = Vec::new();
    let mut bytes = 0;
    for account in accounts {
        let params = params_of(account);
        let len = prost::length_delimiter_len(params.encoded_len()) + 1 + params.encoded_len();
        match batches.last_mut() {
            Some(batch) if batch.len() < MAX_BATCH_ACCOUNTS && bytes + len <= MAX_BATCH_BYTES => {
                bytes += len;
                batch.push(params);
            }
            _ => {
                bytes = len;
                batches.push(vec![params]);
            }
        }
    }
    let batch_size = i32::try_from(batches.len()).unwrap_or(i32::MAX);
    Ok(batches
        .into_iter()
        .zip(0..)
        .map(|(otp_parameters, batch_index)| MigrationPayload {
            otp_parameters,
            version: VERSION,
            batch_size,
            batch_index,
            batch_id,
        })
        .collect())
}

/// The export as URIs, one per QR code.
pub fn write(accounts: &[Account], batch_id: i32) -> Result<Vec<String>, TransferError> {
    Ok(payloads(accounts, batch_id)?
        .iter()
        .map(|payload| uri_of(&payload.encode_to_vec()))
        .collect())
}

/// `otpauth-migration://offline?data=` and the padded base64, with `+`, `/`, `=` percent-encoded.
pub fn uri_of(payload: &[u8]) -> String {
    let encoded = Zeroizing::new(data_encoding::BASE64.encode(payload));
    let mut uri = String::with_capacity(PREFIX.len() + 6 + encoded.len() * 3 / 2);
    uri.push_str(PREFIX);
    uri.push_str("?data=");
    for c in encoded.chars() {
        match c {
            '+' => uri.push_str("%2B"),
            '/' => uri.push_str("%2F"),
            '=' => uri.push_str("%3D"),
            c => uri.push(c),
        }
    }
    uri
}

/// A random batch id, as the apps choose one per export.
pub fn random_batch_id() -> Result<i32, TransferError> {
    let mut bytes = [0u8; 4];
    super::random_fill(&mut bytes)?;
    Ok(i32::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector of `shared/formats/google-authenticator-migration.md` §6.3.
    const VECTOR_HEX: &str = "0a380a1431323334353637383930313233343536373839301211616c696365406578616d706c652e636f6d1a074578616d706c652001280130020a280a143132333435363738393031323334353637383930120841636d653a626f62200328023001382a1001180128959aef3a";
    const VECTOR_URI: &str = "otpauth-migration://offline?data=CjgKFDEyMzQ1Njc4OTAxMjM0NTY3ODkwEhFhbGljZUBleGFtcGxlLmNvbRoHRXhhbXBsZSABKAEwAgooChQxMjM0NTY3ODkwMTIzNDU2Nzg5MBIIQWNtZTpib2IgAygCMAE4KhABGAEolZrvOg%3D%3D";

    fn account(kind: Kind, name: &str, issuer: &str, algorithm: Algorithm, digits: u32) -> Account {
        Account {
            kind,
            secret: Zeroizing::new(b"12345678901234567890".to_vec()),
            name: name.into(),
            issuer: issuer.into(),
            algorithm,
            digits,
            period: PERIOD,
            counter: if kind == Kind::Hotp { 42 } else { 0 },
            groups: Vec::new(),
        }
    }

    #[test]
    fn reads_the_documented_vector() {
        let batch = read_uri(VECTOR_URI).unwrap();
        assert_eq!(
            (batch.version, batch.batch_size, batch.batch_index),
            (1, 1, 0)
        );
        assert_eq!(batch.batch_id, 123_456_789);
        assert_eq!(
            batch.entries,
            vec![
                Ok(account(
                    Kind::Totp,
                    "alice@example.com",
                    "Example",
                    Algorithm::Sha1,
                    6
                )),
                Ok(account(Kind::Hotp, "bob", "Acme", Algorithm::Sha512, 8)),
            ]
        );
    }

    #[test]
    fn a_name_that_repeats_the_issuer_is_not_prefixed_twice() {
        let mut params = params_of(&account(Kind::Totp, "Acme:bob", "Acme", Algorithm::Sha1, 6));
        let read = entry(0, &mut params).unwrap();
        assert_eq!((read.issuer.as_str(), read.name.as_str()), ("Acme", "bob"));
        assert_eq!(read.label(), "Acme:bob");
        let mut other = params_of(&account(Kind::Totp, "Beta:bob", "Acme", Algorithm::Sha1, 6));
        assert_eq!(entry(0, &mut other).unwrap().name, "Beta:bob");
    }

    #[test]
    fn writes_the_documented_vector_bytes() {
        let payload = MigrationPayload {
            otp_parameters: vec![
                params_of(&account(
                    Kind::Totp,
                    "alice@example.com",
                    "Example",
                    Algorithm::Sha1,
                    6,
                )),
                params_of(&account(Kind::Hotp, "Acme:bob", "", Algorithm::Sha512, 8)),
            ],
            version: 1,
            batch_size: 1,
            batch_index: 0,
            batch_id: 123_456_789,
        };
        let hex = data_encoding::HEXLOWER.encode(&payload.encode_to_vec());
        assert_eq!(hex, VECTOR_HEX);
        assert_eq!(uri_of(&payload.encode_to_vec()), VECTOR_URI);
    }

    #[test]
    fn tolerates_raw_plus_and_spaces() {
        let mut plus = account(Kind::Totp, "a", "b", Algorithm::Sha1, 6);
        plus.secret = Zeroizing::new(vec![0xfb; 20]);
        let payload = payloads(&[plus.clone()], 3).unwrap()[0].encode_to_vec();
        let encoded = data_encoding::BASE64.encode(&payload);
        assert!(encoded.contains('+') && encoded.contains('/'), "{encoded}");
        let variants = [
            encoded.clone(),
            encoded.replace('+', " "),
            encoded.replace('+', "%2B").replace('/', "%2F"),
            encoded.trim_end_matches('=').into(),
        ];
        for data in variants {
            let uri = format!("{PREFIX}?data={data}");
            assert_eq!(
                read_uri(&uri).unwrap().entries,
                vec![Ok(plus.clone())],
                "{uri}"
            );
        }
    }

    #[test]
    fn negative_batch_id_round_trips() {
        let uris = write(&[account(Kind::Totp, "a", "b", Algorithm::Sha1, 6)], -5).unwrap();
        assert_eq!(read_uri(&uris[0]).unwrap().batch_id, -5);
    }

    #[test]
    fn batches_hold_ten_accounts() {
        let accounts: Vec<Account> = (0..25)
            .map(|i| account(Kind::Totp, &format!("user{i}"), "X", Algorithm::Sha1, 6))
            .collect();
        let uris = write(&accounts, 7).unwrap();
        assert_eq!(uris.len(), 3);
        let read: Vec<Account> = uris
            .iter()
            .flat_map(|uri| read_uri(uri).unwrap().entries)
            .map(Result::unwrap)
            .collect();
        assert_eq!(read, accounts);
    }

    #[test]
    fn refuses_what_the_format_cannot_hold() {
        let mut slow = account(Kind::Totp, "slow", "", Algorithm::Sha1, 6);
        slow.period = 60;
        let steam = account(Kind::Steam, "s", "Steam", Algorithm::Sha1, 5);
        let err = write(&[slow, steam], 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot export to Google Authenticator migration: slow: period 60 s: this format has \
             only 30-second TOTP; Steam:s: Steam accounts have no Google Authenticator form"
        );
    }

    #[test]
    fn bad_envelopes_are_errors() {
        assert_eq!(
            read_uri("otpauth://totp/x"),
            Err(TransferError::NotMigrationUri)
        );
        assert_eq!(read_uri(PREFIX), Err(TransferError::MissingData));
        assert_eq!(
            read_uri(&format!("{PREFIX}?data=%%%")),
            Err(TransferError::Base64)
        );
        assert!(matches!(
            read_uri(&format!("{PREFIX}?data=CgE")),
            Err(TransferError::Protobuf(_))
        ));
    }
}
