//! passlib's TOTP JSON document, read and written exactly as passlib 1.7.4 does.
//!
//! `{"v": 1, "type": "totp", "key": "<base32>"}` or with `"enckey": {...}` instead of `key`;
//! `alg` only when not `sha1`, `digits` only when not 6, `period` only when not 30, `label` and
//! `issuer` when set. Output has sorted keys, compact separators and `\uXXXX` escapes for
//! non-ASCII text, byte for byte what passlib's `to_json()` gives.

use super::passlib::EncKeyV1;
use super::sealed::{self, Fields, Sealed, NONCE_LEN};
use super::{b32decode, b32encode, is_py_space, py_repr, Refusal, StorageError, Wallet};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io;
use zeroize::Zeroizing;

/// Why a document could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Not JSON at all.
    #[error("Invalid totp data: not valid JSON ({0})")]
    Json(String),
    /// Not an object with a `type` member.
    #[error("Invalid totp data: unrecognized format")]
    Unrecognized,
    /// `type` is `hotp`.
    #[error("Invalid totp data: HOTP not supported")]
    Hotp,
    /// `type` is neither `totp` nor `hotp`.
    #[error("Invalid totp data: unknown otp type: {0}")]
    UnknownType(String),
    /// `v` is not 1.
    #[error("Invalid totp data: missing/unsupported version ({0})")]
    Version(String),
    /// Neither `key` nor `enckey`.
    #[error("Invalid totp data: missing 'enckey' / 'key'")]
    MissingKey,
    /// Both `key` and `enckey`.
    #[error("Invalid totp data: both 'key' and 'enckey' present")]
    BothKeys,
    /// A member passlib's `TOTP` would not accept.
    #[error("Invalid totp data: unexpected member {}", py_repr(.0))]
    UnexpectedMember(String),
    /// A member of the wrong type or out of range.
    #[error("Invalid totp data: {0}")]
    Invalid(String),
    /// `enckey.v` is neither 1 nor 2.
    #[error("missing / unrecognized 'enckey' version: {0}")]
    EncKeyVersion(String),
    /// The requested output format is neither `sealed` nor `passlib`.
    #[error("unknown storage format {}: expected 'sealed' or 'passlib'", py_repr(.0))]
    UnknownFormat(String),
}

/// How a key is encrypted for storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// The authenticated `enckey` version 2 (the default).
    #[default]
    Sealed,
    /// passlib's `enckey` version 1 (no MAC), for databases shared with passlib.
    Passlib,
}

impl std::str::FromStr for Format {
    type Err = DocumentError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "sealed" => Ok(Format::Sealed),
            "passlib" => Ok(Format::Passlib),
            _ => Err(DocumentError::UnknownFormat(name.to_owned())),
        }
    }
}

/// The TOTP parameters stored beside the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpParams {
    /// hashlib name of the HMAC digest, lower case (`sha1`, `sha256`, `sha512`, ...).
    pub alg: String,
    /// Code length, 6 to 10.
    pub digits: u32,
    /// Time step in seconds, at least 1.
    pub period: u64,
    /// Account label.
    pub label: Option<String>,
    /// Issuer name.
    pub issuer: Option<String>,
}

impl Default for TotpParams {
    fn default() -> Self {
        TotpParams {
            alg: "sha1".into(),
            digits: 6,
            period: 30,
            label: None,
            issuer: None,
        }
    }
}

impl TotpParams {
    /// Checks the ranges passlib enforces on `digits`, `period`, `label` and `issuer`.
    pub fn validate(&self) -> Result<(), DocumentError> {
        if !(6..=10).contains(&self.digits) {
            return Err(DocumentError::Invalid("digits must in range(6,11)".into()));
        }
        if self.period < 1 {
            return Err(DocumentError::Invalid("period must be >= 1".into()));
        }
        for (name, value) in [("label", &self.label), ("issuer", &self.issuer)] {
            if value.as_deref().is_some_and(|v| v.contains(':')) {
                return Err(DocumentError::Invalid(format!(
                    "{name} may not contain ':'"
                )));
            }
        }
        Ok(())
    }

    /// The context a sealed record of `version` authenticates: in the current version every
    /// member of the document and the owner id; in the legacy one the parameters that change
    /// the codes.
    fn binding(&self, version: u32, owner: Option<&[u8]>) -> Vec<u8> {
        if version == sealed::LEGACY_VERSION {
            return format!(
                "digits={};period={};otp_alg={}",
                self.digits, self.period, self.alg
            )
            .into_bytes();
        }
        Fields::default()
            .push("type", Some(b"totp"))
            .push("v", Some(b"1"))
            .push("alg", Some(self.alg.as_bytes()))
            .push("digits", Some(self.digits.to_string().as_bytes()))
            .push("period", Some(self.period.to_string().as_bytes()))
            .push("label", self.label.as_deref().map(str::as_bytes))
            .push("issuer", self.issuer.as_deref().map(str::as_bytes))
            .push("owner", owner)
            .as_bytes()
            .to_vec()
    }
}

/// An encrypted key in either format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncKey {
    /// passlib's version 1 (no MAC).
    Passlib(EncKeyV1),
    /// The authenticated version 2.
    Sealed(Sealed),
}

impl EncKey {
    /// The tag of the secret that encrypted the key.
    pub fn tag(&self) -> &str {
        match self {
            EncKey::Passlib(e) => &e.tag,
            EncKey::Sealed(e) => &e.tag,
        }
    }

    /// The PBKDF2 cost used.
    pub fn cost(&self) -> u32 {
        match self {
            EncKey::Passlib(e) => e.cost,
            EncKey::Sealed(e) => e.cost,
        }
    }

    /// The format of this record.
    pub fn format(&self) -> Format {
        match self {
            EncKey::Passlib(_) => Format::Passlib,
            EncKey::Sealed(_) => Format::Sealed,
        }
    }

    /// Whether this is a sealed record of the current version (the only kind bound to an owner).
    fn is_current_sealed(&self) -> bool {
        matches!(self, EncKey::Sealed(e) if e.version == sealed::VERSION)
    }
}

/// The key as stored: plain, or encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredKey {
    /// The raw key, written as base32 under `key`.
    Plain(Zeroizing<Vec<u8>>),
    /// The encrypted key, written under `enckey`.
    Encrypted(EncKey),
}

/// A TOTP document: parameters and the stored key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The TOTP parameters.
    pub params: TotpParams,
    /// The key, plain or encrypted.
    pub key: StoredKey,
}

/// Python's `repr()` of a JSON value, for messages that echo it as passlib does.
fn value_repr(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "None".into(),
        Some(Value::Bool(true)) => "True".into(),
        Some(Value::Bool(false)) => "False".into(),
        Some(Value::String(s)) => py_repr(s),
        Some(other) => other.to_string(),
    }
}

fn invalid(message: impl Into<String>) -> DocumentError {
    DocumentError::Invalid(message.into())
}

/// An optional integer member: absent or `null` gives `None`.
fn opt_int(obj: &Map<String, Value>, name: &str) -> Result<Option<i64>, DocumentError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| invalid(format!("{name} is out of range"))),
        Some(_) => Err(invalid(format!("{name} must be an integer"))),
    }
}

/// An optional string member: absent, `null` or empty gives `None`.
fn opt_str(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, DocumentError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{name} must be a string"))),
    }
}

fn enckey_str<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, DocumentError> {
    obj.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("'enckey' needs a string {}", py_repr(name))))
}

fn enckey_b32(obj: &Map<String, Value>, name: &str) -> Result<Vec<u8>, DocumentError> {
    b32decode(enckey_str(obj, name)?)
        .map(|bytes| bytes.to_vec())
        .ok_or_else(|| invalid(format!("'enckey' member {} is not base32", py_repr(name))))
}

fn enckey_cost(obj: &Map<String, Value>) -> Result<u32, DocumentError> {
    let cost = opt_int(obj, "c")?.ok_or_else(|| invalid("'enckey' needs an integer 'c'"))?;
    u32::try_from(cost)
        .ok()
        .filter(|c| *c <= super::MAX_COST)
        .ok_or_else(|| {
            invalid(format!(
                "'enckey' cost {cost} is not between 0 and {}",
                super::MAX_COST
            ))
        })
}

fn parse_enckey(value: &Value) -> Result<EncKey, DocumentError> {
    let obj = value
        .as_object()
        .ok_or_else(|| invalid("'enckey' must be an object"))?;
    let version = obj.get("v");
    match version.and_then(Value::as_i64) {
        Some(1) if version.is_some_and(Value::is_number) => Ok(EncKey::Passlib(EncKeyV1 {
            cost: enckey_cost(obj)?,
            tag: enckey_str(obj, "t")?.to_owned(),
            salt: enckey_b32(obj, "s")?,
            ciphertext: enckey_b32(obj, "k")?,
        })),
        Some(v @ (2 | 3)) => {
            let alg = enckey_str(obj, "alg")?;
            if alg != sealed::ALG {
                return Err(invalid(format!(
                    "unsupported 'enckey' algorithm {}",
                    py_repr(alg)
                )));
            }
            let nonce: [u8; NONCE_LEN] = enckey_b32(obj, "n")?
                .try_into()
                .map_err(|_| invalid("'enckey' nonce must be 12 bytes"))?;
            Ok(EncKey::Sealed(Sealed {
                version: if v == 2 {
                    sealed::LEGACY_VERSION
                } else {
                    sealed::VERSION
                },
                cost: enckey_cost(obj)?,
                tag: enckey_str(obj, "t")?.to_owned(),
                salt: enckey_b32(obj, "s")?,
                nonce,
                ciphertext: enckey_b32(obj, "k")?,
            }))
        }
        _ => Err(DocumentError::EncKeyVersion(value_repr(version))),
    }
}

/// Reads `alg` the way passlib's `lookup_hash` names it: lower case, `sha-256` as `sha256`.
fn normalize_alg(alg: &str) -> String {
    let lower = alg.to_ascii_lowercase();
    match lower.strip_prefix("sha-") {
        Some(rest) => format!("sha{rest}"),
        None => lower,
    }
}

impl Document {
    /// Parses JSON text (passlib's `TOTP.from_json`).
    pub fn parse_json(text: &str) -> Result<Self, DocumentError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| DocumentError::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Reads a decoded JSON value (passlib's `TOTP.from_dict`).
    pub fn from_value(value: &Value) -> Result<Self, DocumentError> {
        let obj = value
            .as_object()
            .filter(|o| o.contains_key("type"))
            .ok_or(DocumentError::Unrecognized)?;
        match obj.get("type").and_then(Value::as_str) {
            Some("totp") => {}
            Some("hotp") => return Err(DocumentError::Hotp),
            _ => return Err(DocumentError::UnknownType(value_repr(obj.get("type")))),
        }
        let version = obj.get("v");
        if !version.is_some_and(|v| v.is_number() && v.as_i64() == Some(1)) {
            return Err(DocumentError::Version(value_repr(version)));
        }
        const KNOWN: [&str; 10] = [
            "v",
            "type",
            "key",
            "enckey",
            "alg",
            "digits",
            "period",
            "label",
            "issuer",
            "last_counter",
        ];
        if let Some(name) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(DocumentError::UnexpectedMember(name.clone()));
        }
        let key = match (obj.get("key"), obj.get("enckey")) {
            (Some(_), Some(_)) => return Err(DocumentError::BothKeys),
            (None, None) => return Err(DocumentError::MissingKey),
            (None, Some(enckey)) => StoredKey::Encrypted(parse_enckey(enckey)?),
            (Some(key), None) => {
                let text = key
                    .as_str()
                    .ok_or_else(|| invalid("'key' must be a base32 string"))?;
                let cleaned: String = text
                    .chars()
                    .filter(|&c| !(is_py_space(c) || c == '-' || c == '='))
                    .collect();
                let raw =
                    b32decode(&cleaned).ok_or_else(|| invalid("'key' is not valid base32"))?;
                if raw.is_empty() {
                    return Err(invalid("'key' is empty"));
                }
                StoredKey::Plain(raw)
            }
        };
        let defaults = TotpParams::default();
        let int_param = |name: &str| -> Result<Option<i64>, DocumentError> { opt_int(obj, name) };
        let params = TotpParams {
            alg: opt_str(obj, "alg")?.map_or(defaults.alg, |a| normalize_alg(&a)),
            digits: match int_param("digits")? {
                None => defaults.digits,
                Some(d) => u32::try_from(d).map_err(|_| invalid("digits must in range(6,11)"))?,
            },
            period: match int_param("period")? {
                None => defaults.period,
                Some(p) => u64::try_from(p).map_err(|_| invalid("period must be >= 1"))?,
            },
            label: opt_str(obj, "label")?,
            issuer: opt_str(obj, "issuer")?,
        };
        params.validate()?;
        Ok(Document { params, key })
    }

    /// Encrypts `key` with the wallet's default tag and cost, in `format`; a sealed record is
    /// bound to `owner` when one is given (passlib's format cannot be).
    pub fn encrypt(
        params: TotpParams,
        key: &[u8],
        wallet: &Wallet,
        format: Format,
        owner: Option<&[u8]>,
    ) -> Result<Self, StorageError> {
        params.validate()?;
        let (tag, secret) = wallet.default_secret()?;
        let cost = wallet.encrypt_cost();
        let enckey = match format {
            Format::Passlib if owner.is_some() => return Err(StorageError::OwnerNeedsSealed),
            Format::Passlib => EncKey::Passlib(EncKeyV1::encrypt(secret, tag, cost, key)?),
            Format::Sealed => EncKey::Sealed(Sealed::seal(
                secret,
                tag,
                cost,
                key,
                &params.binding(sealed::VERSION, owner),
            )?),
        };
        Ok(Document {
            params,
            key: StoredKey::Encrypted(enckey),
        })
    }

    /// Wraps a plain key.
    pub fn plain(params: TotpParams, key: &[u8]) -> Result<Self, StorageError> {
        params.validate()?;
        Ok(Document {
            params,
            key: StoredKey::Plain(Zeroizing::new(key.to_vec())),
        })
    }

    /// The raw key, decrypted with `wallet` when stored encrypted, for a reader that expects
    /// `accept`'s kind of record and, when `owner` is given, a record bound to that owner.
    ///
    /// Reading [`Format::Sealed`] refuses every form that is not authenticated in full, so
    /// that a record rewritten in a weaker form cannot pass unnoticed: passlib's version 1
    /// (no MAC), pyotp-rs 0.1's sealed version 2 (label and issuer not bound), and a plain key
    /// when the wallet holds secrets. [`Format::Passlib`] reads all of them, as passlib does.
    pub fn key(
        &self,
        wallet: Option<&Wallet>,
        owner: Option<&[u8]>,
        accept: Format,
    ) -> Result<Zeroizing<Vec<u8>>, StorageError> {
        let refusal = match &self.key {
            StoredKey::Encrypted(e) if e.is_current_sealed() => None,
            _ if owner.is_some() => Some(Refusal::NoOwner),
            _ if accept == Format::Passlib => None,
            StoredKey::Plain(_) if wallet.is_some_and(Wallet::has_secrets) => Some(Refusal::Plain),
            StoredKey::Plain(_) => None,
            StoredKey::Encrypted(EncKey::Passlib(_)) => Some(Refusal::Passlib),
            StoredKey::Encrypted(EncKey::Sealed(_)) => Some(Refusal::LegacySealed),
        };
        let encrypted = matches!(self.key, StoredKey::Encrypted(_));
        if encrypted && !wallet.is_some_and(Wallet::has_secrets) {
            return Err(StorageError::NoWalletToDecrypt);
        }
        match refusal {
            Some(refusal) => Err(StorageError::Refused(refusal)),
            None => self.decrypt(wallet, owner),
        }
    }

    /// The raw key, decrypted with `wallet`; a sealed record of the current version is
    /// authenticated with `owner`, every other form is read as it is.
    fn decrypt(
        &self,
        wallet: Option<&Wallet>,
        owner: Option<&[u8]>,
    ) -> Result<Zeroizing<Vec<u8>>, StorageError> {
        let enckey = match &self.key {
            StoredKey::Plain(raw) => return Ok(raw.clone()),
            StoredKey::Encrypted(enckey) => enckey,
        };
        let wallet = wallet
            .filter(|w| w.has_secrets())
            .ok_or(StorageError::NoWalletToDecrypt)?;
        let secret = wallet.secret(enckey.tag())?;
        Ok(match enckey {
            EncKey::Passlib(e) => e.decrypt(secret)?,
            EncKey::Sealed(e) => e.open(secret, &self.params.binding(e.version, owner))?,
        })
    }

    /// Whether the stored form should be rewritten for `wallet` and `format`: a plain key while
    /// the wallet has secrets, or a record under another tag, cost or format than new ones get.
    pub fn needs_rotation(&self, wallet: &Wallet, format: Format) -> bool {
        match &self.key {
            StoredKey::Plain(_) => wallet.has_secrets(),
            StoredKey::Encrypted(enckey) => {
                Some(enckey.tag()) != wallet.default_tag()
                    || enckey.cost() != wallet.encrypt_cost()
                    || enckey.format() != format
                    || (format == Format::Sealed && !enckey.is_current_sealed())
            }
        }
    }

    /// The document re-encrypted under the wallet's default tag and cost, in `format`, bound
    /// to `owner` when one is given.
    ///
    /// Rotation is also how records are migrated, so it reads every form (plain, passlib's,
    /// legacy sealed); a current sealed record must be bound to `owner`.
    pub fn rotate(
        &self,
        wallet: &Wallet,
        format: Format,
        owner: Option<&[u8]>,
    ) -> Result<Self, StorageError> {
        let key = self.decrypt(Some(wallet), owner)?;
        Document::encrypt(self.params.clone(), &key, wallet, format, owner)
    }

    /// The document as a JSON value with passlib's members (the value of `to_dict()`).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self.members()).unwrap_or(Value::Null)
    }

    /// The document as passlib's `to_json()` writes it.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
        match self.members().serialize(&mut serializer) {
            Ok(()) => String::from_utf8(out).unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    fn members(&self) -> BTreeMap<&'static str, Value> {
        let p = &self.params;
        let mut m = BTreeMap::new();
        m.insert("v", Value::from(1));
        m.insert("type", Value::from("totp"));
        if p.alg != "sha1" {
            m.insert("alg", Value::from(p.alg.as_str()));
        }
        if p.digits != 6 {
            m.insert("digits", Value::from(p.digits));
        }
        if p.period != 30 {
            m.insert("period", Value::from(p.period));
        }
        if let Some(label) = &p.label {
            m.insert("label", Value::from(label.as_str()));
        }
        if let Some(issuer) = &p.issuer {
            m.insert("issuer", Value::from(issuer.as_str()));
        }
        match &self.key {
            StoredKey::Plain(raw) => {
                m.insert("key", Value::from(b32encode(raw)));
            }
            StoredKey::Encrypted(enckey) => {
                m.insert("enckey", enckey_value(enckey));
            }
        }
        m
    }
}

fn enckey_value(enckey: &EncKey) -> Value {
    let mut m = Map::new();
    match enckey {
        EncKey::Passlib(e) => {
            m.insert("v".into(), Value::from(1));
            m.insert("c".into(), Value::from(e.cost));
            m.insert("t".into(), Value::from(e.tag.as_str()));
            m.insert("s".into(), Value::from(b32encode(&e.salt)));
            m.insert("k".into(), Value::from(b32encode(&e.ciphertext)));
        }
        EncKey::Sealed(e) => {
            m.insert("v".into(), Value::from(e.version));
            m.insert("alg".into(), Value::from(sealed::ALG));
            m.insert("c".into(), Value::from(e.cost));
            m.insert("t".into(), Value::from(e.tag.as_str()));
            m.insert("s".into(), Value::from(b32encode(&e.salt)));
            m.insert("n".into(), Value::from(b32encode(&e.nonce)));
            m.insert("k".into(), Value::from(b32encode(&e.ciphertext)));
        }
    }
    let sorted: BTreeMap<String, Value> = m.into_iter().collect();
    serde_json::to_value(sorted).unwrap_or(Value::Null)
}

/// Compact JSON that escapes everything outside printable ASCII as `\uXXXX`, like Python's
/// `json.dumps(..., separators=(",", ":"))` with its default `ensure_ascii=True`.
struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        for c in fragment.chars() {
            if (' '..='~').contains(&c) {
                writer.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{CryptoError, WalletError};

    const K20: &[u8] = b"12345678901234567890";
    const SALT: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const VECTOR_B: &str = r#"{"enckey":{"c":14,"k":"44VHHVDUA6LTDRYPSP6UW7OE5CYUMF44","s":"AAAQEAYEAUDAOCAJBIFQ","t":"1","v":1},"type":"totp","v":1}"#;
    const VECTOR_C: &str = r#"{"alg":"sha256","digits":8,"enckey":{"c":12,"k":"VGEPYRO4UML6KOJIBYP36NDR2KZST4UBLRVIZJSMNNA4VQGQCTUA","s":"7777777777777777777Q","t":"2016-05-16","v":1},"issuer":"Example Co","label":"alice@example.com","period":60,"type":"totp","v":1}"#;
    const VECTOR_D: &str = r#"{"enckey":{"c":10,"k":"6TC6QNO42OD6RGMNJDR5RK3OZK6KOSYW","s":"AAAQEAYEAUDAOCAJBIFQ","t":"2","v":1},"label":"alice@example.com","type":"totp","v":1}"#;

    fn wallet(items: &[(&str, &str)], cost: Option<i64>) -> Wallet {
        Wallet::new(
            items
                .iter()
                .map(|(t, s)| (t.to_string(), Zeroizing::new(s.as_bytes().to_vec()))),
            None,
            cost,
        )
        .unwrap()
    }

    fn passlib_doc(
        params: TotpParams,
        secret: &str,
        tag: &str,
        cost: u32,
        salt: &[u8],
        key: &[u8],
    ) -> Document {
        Document {
            params,
            key: StoredKey::Encrypted(EncKey::Passlib(
                EncKeyV1::encrypt_with_salt(secret.as_bytes(), tag, cost, salt, key).unwrap(),
            )),
        }
    }

    #[test]
    fn vector_b_byte_for_byte() {
        let doc = passlib_doc(
            TotpParams::default(),
            "correct horse battery staple",
            "1",
            14,
            &SALT,
            K20,
        );
        assert_eq!(doc.to_json(), VECTOR_B);
        let read = Document::parse_json(VECTOR_B).unwrap();
        assert_eq!(read, doc);
        let w = wallet(&[("1", "correct horse battery staple")], None);
        assert_eq!(
            read.key(Some(&w), None, Format::Passlib)
                .unwrap()
                .as_slice(),
            K20
        );
        assert!(!read.needs_rotation(&w, Format::Passlib));
        assert!(read.needs_rotation(&w, Format::Sealed));
    }

    #[test]
    fn vector_c_byte_for_byte() {
        let params = TotpParams {
            alg: "sha256".into(),
            digits: 8,
            period: 60,
            label: Some("alice@example.com".into()),
            issuer: Some("Example Co".into()),
        };
        let key = b"12345678901234567890123456789012";
        let doc = passlib_doc(
            params,
            "sécret-ünïcode-2016",
            "2016-05-16",
            12,
            &[0xff; 12],
            key,
        );
        assert_eq!(doc.to_json(), VECTOR_C);
        let read = Document::parse_json(VECTOR_C).unwrap();
        assert_eq!(read, doc);
        let w = Wallet::new(
            [
                ("2016-01-01".to_string(), Zeroizing::new(b"old".to_vec())),
                (
                    "2016-05-16".to_string(),
                    Zeroizing::new("sécret-ünïcode-2016".as_bytes().to_vec()),
                ),
            ],
            None,
            Some(12),
        )
        .unwrap();
        assert_eq!(
            read.key(Some(&w), None, Format::Passlib)
                .unwrap()
                .as_slice(),
            key
        );
        assert!(!read.needs_rotation(&w, Format::Passlib));
    }

    #[test]
    fn vector_d_rotation() {
        let doc = Document::parse_json(VECTOR_D).unwrap();
        let params = doc.params.clone();
        assert_eq!(
            passlib_doc(params, "wallet-secret-two", "2", 10, &SALT, K20).to_json(),
            VECTOR_D
        );

        let costly = wallet(
            &[("1", "wallet-secret-one"), ("2", "wallet-secret-two")],
            None,
        );
        assert!(doc.needs_rotation(&costly, Format::Passlib));
        let rotated = doc.rotate(&costly, Format::Passlib, None).unwrap();
        match &rotated.key {
            StoredKey::Encrypted(EncKey::Passlib(e)) => {
                assert_eq!((e.tag.as_str(), e.cost), ("2", 14))
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            rotated
                .key(Some(&costly), None, Format::Passlib)
                .unwrap()
                .as_slice(),
            K20
        );

        let newer = wallet(
            &[("2", "wallet-secret-two"), ("3", "wallet-secret-three")],
            Some(10),
        );
        let rotated = doc.rotate(&newer, Format::Passlib, None).unwrap();
        assert_eq!(
            rotated
                .key(Some(&newer), None, Format::Passlib)
                .unwrap()
                .as_slice(),
            K20
        );
        assert!(matches!(&rotated.key, StoredKey::Encrypted(e) if e.tag() == "3"));

        let same = wallet(&[("2", "wallet-secret-two")], Some(10));
        assert!(!doc.needs_rotation(&same, Format::Passlib));

        let old = wallet(&[("1", "wallet-secret-one")], None);
        let err = doc.key(Some(&old), None, Format::Passlib).unwrap_err();
        assert_eq!(
            err,
            StorageError::Wallet(WalletError::UnknownTag("2".into()))
        );
        assert_eq!(err.to_string(), "unknown secret tag: '2'");
        assert_eq!(
            doc.key(None, None, Format::Passlib).unwrap_err(),
            StorageError::NoWalletToDecrypt
        );
    }

    #[test]
    fn sealed_round_trip_and_tamper_detection() {
        let w = wallet(&[("1", "one"), ("2", "two")], Some(4));
        let params = TotpParams {
            digits: 8,
            ..TotpParams::default()
        };
        let doc = Document::encrypt(params, K20, &w, Format::Sealed, None).unwrap();
        let text = doc.to_json();
        assert!(text.contains(r#""alg":"aes-256-gcm""#) && text.contains(r#""v":3"#));
        let read = Document::parse_json(&text).unwrap();
        assert_eq!(
            read.key(Some(&w), None, Format::Sealed).unwrap().as_slice(),
            K20
        );
        assert!(!read.needs_rotation(&w, Format::Sealed));

        let wrong = wallet(&[("2", "WRONG")], Some(4));
        assert_eq!(
            read.key(Some(&wrong), None, Format::Sealed).unwrap_err(),
            StorageError::Crypto(CryptoError::Authentication)
        );
        let tampered = text.replace(r#""digits":8"#, r#""digits":6"#);
        let read = Document::parse_json(&tampered).unwrap();
        assert_eq!(
            read.key(Some(&w), None, Format::Sealed).unwrap_err(),
            StorageError::Crypto(CryptoError::Authentication)
        );
    }

    fn sealed_text(w: &Wallet, params: TotpParams, owner: Option<&[u8]>) -> String {
        Document::encrypt(params, K20, w, Format::Sealed, owner)
            .unwrap()
            .to_json()
    }

    fn read_sealed(text: &str, w: &Wallet, owner: Option<&[u8]>) -> Result<Vec<u8>, StorageError> {
        let doc = Document::parse_json(text).unwrap();
        doc.key(Some(w), owner, Format::Sealed).map(|k| k.to_vec())
    }

    #[test]
    fn every_member_and_the_owner_are_bound() {
        let w = wallet(&[("1", "one")], Some(4));
        let alice = TotpParams {
            label: Some("alice".into()),
            issuer: Some("ACME".into()),
            ..TotpParams::default()
        };
        let text = sealed_text(&w, alice.clone(), None);
        assert_eq!(read_sealed(&text, &w, None).unwrap(), K20);
        let auth = Err(StorageError::Crypto(CryptoError::Authentication));
        for (from, to) in [
            (r#""label":"alice""#, r#""label":"bob""#),
            (r#""label":"alice""#, r#""label":"""#),
            (r#""issuer":"ACME""#, r#""issuer":"EVIL""#),
            (r#""issuer":"ACME","#, ""),
            (r#""type":"totp""#, r#""type":"totp","digits":7"#),
            (r#""type":"totp""#, r#""type":"totp","period":60"#),
            (r#""type":"totp""#, r#""type":"totp","alg":"sha256""#),
            (r#""v":3"#, r#""v":2"#),
        ] {
            let edited = text.replacen(from, to, 1);
            assert_ne!(edited, text);
            let read = Document::parse_json(&edited)
                .unwrap()
                .key(Some(&w), None, Format::Passlib);
            assert_eq!(read.map(|k| k.to_vec()), auth, "{from} -> {to}");
        }

        // The encrypted key of one record pasted into another record is refused.
        let bob = TotpParams {
            label: Some("bob".into()),
            ..alice.clone()
        };
        let enckey = |t: &str| Document::parse_json(t).unwrap().to_value()["enckey"].clone();
        let mut pasted = Document::parse_json(&sealed_text(&w, bob, None))
            .unwrap()
            .to_value();
        pasted["enckey"] = enckey(&text);
        assert_eq!(read_sealed(&pasted.to_string(), &w, None), auth);

        // Records bound to an owner open only for that owner, even with equal members.
        let owned = sealed_text(&w, alice.clone(), Some(b"user-1"));
        assert_eq!(read_sealed(&owned, &w, Some(b"user-1")).unwrap(), K20);
        assert_eq!(read_sealed(&owned, &w, Some(b"user-2")), auth);
        assert_eq!(read_sealed(&owned, &w, None), auth);
        assert_eq!(read_sealed(&text, &w, Some(b"user-1")), auth);
        let mut swapped = Document::parse_json(&sealed_text(&w, alice, Some(b"user-2")))
            .unwrap()
            .to_value();
        swapped["enckey"] = enckey(&owned);
        assert_eq!(read_sealed(&swapped.to_string(), &w, Some(b"user-2")), auth);
    }

    #[test]
    fn weaker_forms_are_refused_unless_passlib_is_asked_for() {
        let w = wallet(&[("1", "one")], Some(4));
        let v1 = Document::encrypt(TotpParams::default(), K20, &w, Format::Passlib, None)
            .unwrap()
            .to_json();
        let plain = Document::plain(TotpParams::default(), K20)
            .unwrap()
            .to_json();
        let legacy = Document {
            params: TotpParams::default(),
            key: StoredKey::Encrypted(EncKey::Sealed(
                Sealed {
                    version: sealed::LEGACY_VERSION,
                    cost: 4,
                    tag: "1".into(),
                    salt: vec![1; 16],
                    nonce: [2; NONCE_LEN],
                    ciphertext: Vec::new(),
                }
                .sealing(
                    b"one",
                    K20,
                    &TotpParams::default().binding(sealed::LEGACY_VERSION, None),
                )
                .unwrap(),
            )),
        }
        .to_json();
        assert!(legacy.contains(r#""v":2"#));
        for (text, refusal) in [
            (&v1, Refusal::Passlib),
            (&legacy, Refusal::LegacySealed),
            (&plain, Refusal::Plain),
        ] {
            assert_eq!(
                read_sealed(text, &w, None),
                Err(StorageError::Refused(refusal))
            );
            assert_eq!(
                read_sealed(text, &w, Some(b"u")),
                Err(StorageError::Refused(Refusal::NoOwner))
            );
            let doc = Document::parse_json(text).unwrap();
            assert_eq!(
                doc.key(Some(&w), None, Format::Passlib).unwrap().as_slice(),
                K20
            );
            assert!(doc.needs_rotation(&w, Format::Sealed));
            let rotated = doc
                .rotate(&w, Format::Sealed, Some(b"u"))
                .unwrap()
                .to_json();
            assert_eq!(read_sealed(&rotated, &w, Some(b"u")).unwrap(), K20);
        }
        // Without a wallet a plain key is what the reader expects.
        let doc = Document::parse_json(&plain).unwrap();
        assert_eq!(doc.key(None, None, Format::Sealed).unwrap().as_slice(), K20);
        assert_eq!(
            Document::encrypt(TotpParams::default(), K20, &w, Format::Passlib, Some(b"u"))
                .unwrap_err(),
            StorageError::OwnerNeedsSealed
        );
    }

    #[test]
    fn plain_documents_and_omission_rules() {
        let doc = Document::plain(TotpParams::default(), K20).unwrap();
        assert_eq!(
            doc.to_json(),
            r#"{"key":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","type":"totp","v":1}"#
        );
        let params = TotpParams {
            label: Some("élise\u{7f}😀".into()),
            ..TotpParams::default()
        };
        let doc = Document::plain(params, K20).unwrap();
        assert_eq!(
            doc.to_json(),
            r#"{"key":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","label":"\u00e9lise\u007f\ud83d\ude00","type":"totp","v":1}"#
        );
        assert_eq!(Document::parse_json(&doc.to_json()).unwrap(), doc);
        let read = Document::parse_json(r#"{"type":"totp","v":1,"key":"gezd-gnbv gy3tqojq gezdgnbvgy3tqojq====","last_counter":5,"alg":"SHA-256"}"#).unwrap();
        assert_eq!(
            read.key(None, None, Format::Sealed).unwrap().as_slice(),
            K20
        );
        assert_eq!(read.params.alg, "sha256");
    }

    #[test]
    fn bad_documents() {
        let cases = [
            ("[]", "Invalid totp data: unrecognized format"),
            (r#"{"v":1}"#, "Invalid totp data: unrecognized format"),
            (
                r#"{"type":"hotp","v":1}"#,
                "Invalid totp data: HOTP not supported",
            ),
            (
                r#"{"type":"x","v":1}"#,
                "Invalid totp data: unknown otp type: 'x'",
            ),
            (
                r#"{"type":"totp","v":2,"key":"AA"}"#,
                "Invalid totp data: missing/unsupported version (2)",
            ),
            (
                r#"{"type":"totp","key":"AA"}"#,
                "Invalid totp data: missing/unsupported version (None)",
            ),
            (
                r#"{"type":"totp","v":1}"#,
                "Invalid totp data: missing 'enckey' / 'key'",
            ),
            (
                r#"{"type":"totp","v":1,"key":"A"}"#,
                "Invalid totp data: 'key' is not valid base32",
            ),
            (
                r#"{"type":"totp","v":1,"key":"AAAAAAAA","x":1}"#,
                "Invalid totp data: unexpected member 'x'",
            ),
            (
                r#"{"type":"totp","v":1,"key":"AAAAAAAA","digits":5}"#,
                "Invalid totp data: digits must in range(6,11)",
            ),
            (
                r#"{"type":"totp","v":1,"key":"AAAAAAAA","period":0}"#,
                "Invalid totp data: period must be >= 1",
            ),
            (
                r#"{"type":"totp","v":1,"key":"AAAAAAAA","label":"a:b"}"#,
                "Invalid totp data: label may not contain ':'",
            ),
            (
                r#"{"type":"totp","v":1,"enckey":{"v":4}}"#,
                "missing / unrecognized 'enckey' version: 4",
            ),
            (
                r#"{"type":"totp","v":1,"enckey":{"v":1,"c":14,"t":"1","s":"AA"}}"#,
                "Invalid totp data: 'enckey' needs a string 'k'",
            ),
            (
                r#"{"type":"totp","v":1,"enckey":{"v":1,"c":40,"t":"1","s":"AA","k":"AA"}}"#,
                "Invalid totp data: 'enckey' cost 40 is not between 0 and 20",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(
                Document::parse_json(text).unwrap_err().to_string(),
                message,
                "{text}"
            );
        }
        assert!(matches!(
            Document::parse_json("{"),
            Err(DocumentError::Json(_))
        ));
    }
}
