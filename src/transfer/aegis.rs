//! Aegis vault JSON (`docs/vault.md` of Aegis; summary in `shared/formats/aegis-vault.md`).
//!
//! Plain vaults hold the database as a JSON object. Encrypted vaults hold it as base64
//! AES-256-GCM ciphertext under a random 32-byte master key, which each password slot wraps
//! with AES-256-GCM under `scrypt(password, salt, n, r, p)`; nonces and tags are hex in the
//! header, and no associated data is used.

use super::{label, random_fill, Account, Entry, Kind, Skipped, TransferError};
use crate::otp::Algorithm;
use crate::secret;
use crate::storage::b32decode;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use data_encoding::{BASE64, HEXLOWER_PERMISSIVE};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use zeroize::Zeroizing;

/// scrypt cost of new password slots, Aegis's defaults: n = 2**15, r = 8, p = 1.
pub const SCRYPT_LOG_N: u8 = 15;
/// scrypt block size of new password slots.
pub const SCRYPT_R: u32 = 8;
/// scrypt parallelism of new password slots.
pub const SCRYPT_P: u32 = 1;
/// Most scrypt memory a vault may ask for (`128 * n * r` bytes): 256 MiB, eight times Aegis's.
pub const MAX_SCRYPT_MEMORY: u64 = 256 << 20;
/// Most scrypt parallelism a vault may ask for.
pub const MAX_SCRYPT_P: u64 = 16;
/// Most password slots one vault may hold (Aegis writes one, plus backup slots of other types).
pub const MAX_PASSWORD_SLOTS: usize = 4;
/// Most scrypt work (`n * r * p`, summed over the password slots) one vault may ask for:
/// sixteen times a slot of Aegis's defaults (2**18), a second or two of CPU.
pub const MAX_SCRYPT_WORK: u64 = 1 << 22;
const TAG_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const KEY_LEN: usize = 32;
const SLOT_PASSWORD: u64 = 1;

#[derive(Deserialize)]
struct Vault {
    header: Header,
    db: Value,
}

#[derive(Deserialize)]
struct Header {
    slots: Option<Vec<Value>>,
    params: Option<Params>,
}

#[derive(Deserialize)]
struct Params {
    nonce: String,
    tag: String,
}

#[derive(Deserialize)]
struct PasswordSlot {
    key: String,
    key_params: Params,
    n: u64,
    r: u64,
    p: u64,
    salt: String,
}

fn malformed(what: &str) -> TransferError {
    TransferError::Vault(what.to_owned())
}

fn hex(text: &str, what: &str) -> Result<Vec<u8>, TransferError> {
    HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .map_err(|_| malformed(&format!("{what} is not hex")))
}

/// AES-256-GCM opening of `ciphertext` with the separately stored `params` (nonce and tag).
fn open(
    key: &[u8],
    params: &Params,
    ciphertext: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, TransferError> {
    let nonce: [u8; NONCE_LEN] = hex(&params.nonce, "a nonce")?
        .try_into()
        .map_err(|_| malformed("a nonce is not 12 bytes"))?;
    let tag = hex(&params.tag, "a tag")?;
    if tag.len() != TAG_LEN {
        return Err(malformed("a tag is not 16 bytes"));
    }
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| malformed("a key is not 32 bytes"))?;
    let mut buffer = Zeroizing::new([ciphertext, &tag].concat());
    Ok(cipher
        .decrypt_in_place(&Nonce::from(nonce), &[], &mut *buffer)
        .ok()
        .map(|()| buffer))
}

/// AES-256-GCM with a fresh nonce: the ciphertext and its `{"nonce", "tag"}` params.
fn seal(key: &[u8], plaintext: &[u8]) -> Result<(Vec<u8>, Value), TransferError> {
    let mut nonce = [0u8; NONCE_LEN];
    random_fill(&mut nonce)?;
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| malformed("a key is not 32 bytes"))?;
    let mut buffer = plaintext.to_vec();
    cipher
        .encrypt_in_place(&Nonce::from(nonce), &[], &mut buffer)
        .map_err(|_| malformed("the database is too large to encrypt"))?;
    let tag = buffer.split_off(buffer.len() - TAG_LEN);
    let params = json!({"nonce": HEXLOWER_PERMISSIVE.encode(&nonce), "tag": HEXLOWER_PERMISSIVE.encode(&tag)});
    Ok((buffer, params))
}

/// The scrypt parameters of a slot, refused beyond [`MAX_SCRYPT_MEMORY`] and [`MAX_SCRYPT_P`].
fn scrypt_params(n: u64, r: u64, p: u64) -> Result<scrypt::Params, TransferError> {
    let out_of_range = || TransferError::ScryptParams { n, r, p };
    let memory = n.checked_mul(r).and_then(|nr| nr.checked_mul(128));
    if !n.is_power_of_two()
        || n < 2
        || p > MAX_SCRYPT_P
        || memory.is_none_or(|m| m > MAX_SCRYPT_MEMORY)
    {
        return Err(out_of_range());
    }
    let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| out_of_range())?;
    let r = u32::try_from(r).map_err(|_| out_of_range())?;
    let p = u32::try_from(p).map_err(|_| out_of_range())?;
    scrypt::Params::new(log_n, r, p).map_err(|_| out_of_range())
}

fn scrypt_key(
    password: &[u8],
    salt: &[u8],
    n: u64,
    r: u64,
    p: u64,
) -> Result<Zeroizing<[u8; KEY_LEN]>, TransferError> {
    let params = scrypt_params(n, r, p)?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    scrypt::scrypt(password, salt, &params, &mut *key)
        .map_err(|_| TransferError::ScryptParams { n, r, p })?;
    Ok(key)
}

/// The password slots of a vault, refused before any work when there are more than
/// [`MAX_PASSWORD_SLOTS`] or their scrypt work adds up to more than [`MAX_SCRYPT_WORK`].
fn password_slots(slots: &[Value]) -> Result<Vec<PasswordSlot>, TransferError> {
    let slots = slots
        .iter()
        .filter(|slot| slot.get("type").and_then(Value::as_u64) == Some(SLOT_PASSWORD))
        .map(|slot| {
            PasswordSlot::deserialize(slot)
                .map_err(|err| malformed(&format!("a password slot is malformed: {err}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for slot in &slots {
        scrypt_params(slot.n, slot.r, slot.p)?;
    }
    let work = slots
        .iter()
        .map(|slot| slot.n.saturating_mul(slot.r).saturating_mul(slot.p))
        .fold(0u64, u64::saturating_add);
    if slots.len() > MAX_PASSWORD_SLOTS || work > MAX_SCRYPT_WORK {
        return Err(TransferError::ScryptBudget {
            slots: slots.len(),
            work,
            max_slots: MAX_PASSWORD_SLOTS,
            max_work: MAX_SCRYPT_WORK,
        });
    }
    Ok(slots)
}

/// The master key, unwrapped by the first password slot that opens with `password`.
fn master_key(slots: &[Value], password: &[u8]) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    let slots = password_slots(slots)?;
    if slots.is_empty() {
        return Err(malformed("it has no password slot"));
    }
    for slot in &slots {
        let key = scrypt_key(
            password,
            &hex(&slot.salt, "a slot salt")?,
            slot.n,
            slot.r,
            slot.p,
        )?;
        if let Some(master) = open(&*key, &slot.key_params, &hex(&slot.key, "a slot key")?)? {
            return Ok(master);
        }
    }
    Err(TransferError::WrongPassword)
}

/// Reads a vault; `password` is needed when it is encrypted.
pub fn read(text: &str, password: Option<&[u8]>) -> Result<Vec<Entry>, TransferError> {
    let vault: Vault = serde_json::from_str(text).map_err(|err| malformed(&err.to_string()))?;
    match (vault.header.slots, vault.header.params, vault.db) {
        (None, None, db @ Value::Object(_)) => entries(&db),
        (Some(slots), Some(params), Value::String(db)) => {
            let password = password.ok_or(TransferError::PasswordNeeded)?;
            let master = master_key(&slots, password)?;
            let ciphertext = BASE64.decode(db.as_bytes()).map_err(|_| malformed("db is not base64"))?;
            let plain = open(&master, &params, &ciphertext)?.ok_or(TransferError::Tampered)?;
            let db: Value = serde_json::from_slice(&plain).map_err(|_| TransferError::Tampered)?;
            entries(&db)
        }
        _ => Err(malformed("the header does not match the db (plain vaults have null slots and params and a db object; encrypted ones have slots, params and a base64 db)")),
    }
}

fn entries(db: &Value) -> Result<Vec<Entry>, TransferError> {
    let list = db
        .get("entries")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("the db has no entries list"))?;
    let groups: HashMap<&str, &str> = db
        .get("groups")
        .and_then(Value::as_array)
        .map(|groups| {
            groups
                .iter()
                .filter_map(|group| {
                    Some((group.get("uuid")?.as_str()?, group.get("name")?.as_str()?))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(list
        .iter()
        .enumerate()
        .map(|(i, entry)| read_entry(i, entry, &groups))
        .collect())
}

/// The group names of an entry: version 3's `groups` (uuids of `db.groups`), or version 2's
/// single `group` name. Unknown uuids are left out.
fn entry_groups(entry: &Value, groups: &HashMap<&str, &str>) -> Vec<String> {
    match (entry.get("groups"), entry.get("group")) {
        (Some(Value::Array(uuids)), _) => uuids
            .iter()
            .filter_map(|uuid| groups.get(uuid.as_str()?))
            .map(|name| (*name).to_owned())
            .collect(),
        (_, Some(Value::String(name))) if !name.is_empty() => vec![name.clone()],
        _ => Vec::new(),
    }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn read_entry(index: usize, entry: &Value, groups: &HashMap<&str, &str>) -> Entry {
    let (name, issuer) = (text(entry, "name"), text(entry, "issuer"));
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
    let kind_name = text(entry, "type");
    let kind = Kind::from_name(kind_name)
        .ok_or_else(|| skip(format!("unsupported type {kind_name:?}")))?;
    let info = entry
        .get("info")
        .filter(|info| info.is_object())
        .ok_or_else(|| skip("no info object".into()))?;
    let algo = text(info, "algo");
    let algorithm = Algorithm::from_uri_name(&algo.to_ascii_uppercase())
        .ok_or_else(|| skip(format!("unsupported algorithm {algo}")))?;
    let number = |key: &str, default: u64| match info.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .ok_or_else(|| skip(format!("{key} is not a non-negative integer"))),
    };
    let digits =
        u32::try_from(number("digits", 6)?).map_err(|_| skip("digits out of range".into()))?;
    let period =
        u32::try_from(number("period", 30)?).map_err(|_| skip("period out of range".into()))?;
    let counter = number("counter", 0)?;
    let secret =
        b32decode(text(info, "secret")).ok_or_else(|| skip("secret is not base32".into()))?;
    if secret.is_empty() {
        return Err(skip("empty secret".into()));
    }
    Ok(Account {
        kind,
        secret,
        name: name.to_owned(),
        issuer: issuer.to_owned(),
        algorithm,
        digits,
        period: if kind == Kind::Hotp { 0 } else { period },
        counter: if kind == Kind::Hotp { counter } else { 0 },
        groups: entry_groups(entry, groups),
    })
}

fn uuid4() -> Result<String, TransferError> {
    let mut bytes = [0u8; 16];
    random_fill(&mut bytes)?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = HEXLOWER_PERMISSIVE.encode(&bytes);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// The `db.groups` list of a written vault: one `{uuid, name}` per distinct group name, in order.
fn group_uuids(accounts: &[Account]) -> Result<Vec<(String, String)>, TransferError> {
    let mut groups: Vec<(String, String)> = Vec::new();
    for name in accounts.iter().flat_map(|account| &account.groups) {
        if !groups.iter().any(|(_, known)| known == name) {
            groups.push((uuid4()?, name.clone()));
        }
    }
    Ok(groups)
}

fn entry_json(account: &Account, groups: &[(String, String)]) -> Result<Value, TransferError> {
    let mut info = json!({
        "secret": secret::encode(&account.secret),
        "algo": account.algorithm.uri_name(),
        "digits": account.digits,
    });
    match account.kind {
        Kind::Hotp => info["counter"] = json!(account.counter),
        Kind::Totp | Kind::Steam => info["period"] = json!(account.period),
    }
    Ok(json!({
        "type": account.kind.name(),
        "uuid": uuid4()?,
        "name": account.name,
        "issuer": account.issuer,
        "note": "",
        "favorite": false,
        "icon": null,
        "icon_mime": null,
        "icon_hash": null,
        "groups": account.groups.iter().filter_map(|name| groups.iter().find(|(_, known)| known == name).map(|(uuid, _)| uuid)).collect::<Vec<_>>(),
        "info": info,
    }))
}

/// Writes a vault: encrypted under one password slot when `password` is given, plain otherwise.
pub fn write(accounts: &[Account], password: Option<&[u8]>) -> Result<String, TransferError> {
    let groups = group_uuids(accounts)?;
    let entries = accounts
        .iter()
        .map(|account| entry_json(account, &groups))
        .collect::<Result<Vec<_>, _>>()?;
    let groups: Vec<Value> = groups
        .iter()
        .map(|(uuid, name)| json!({"uuid": uuid, "name": name}))
        .collect();
    let db = json!({"version": 3, "entries": entries, "groups": groups});
    let vault = match password {
        None => json!({"version": 1, "header": {"slots": null, "params": null}, "db": db}),
        Some(password) => {
            let mut master = Zeroizing::new([0u8; KEY_LEN]);
            random_fill(&mut *master)?;
            let mut salt = [0u8; 32];
            random_fill(&mut salt)?;
            let n = 1u64 << SCRYPT_LOG_N;
            let (r, p) = (u64::from(SCRYPT_R), u64::from(SCRYPT_P));
            let key = scrypt_key(password, &salt, n, r, p)?;
            let (wrapped, key_params) = seal(&*key, &*master)?;
            let plain = Zeroizing::new(db.to_string().into_bytes());
            let (ciphertext, params) = seal(&*master, &plain)?;
            json!({
                "version": 1,
                "header": {
                    "slots": [{
                        "type": SLOT_PASSWORD,
                        "uuid": uuid4()?,
                        "key": HEXLOWER_PERMISSIVE.encode(&wrapped),
                        "key_params": key_params,
                        "n": n,
                        "r": r,
                        "p": p,
                        "salt": HEXLOWER_PERMISSIVE.encode(&salt),
                        "repaired": true,
                        "is_backup": false,
                    }],
                    "params": params,
                },
                "db": BASE64.encode(&ciphertext),
            })
        }
    };
    serde_json::to_string_pretty(&vault).map_err(|err| malformed(&err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Account> {
        vec![
            Account {
                kind: Kind::Totp,
                secret: Zeroizing::new(b"12345678901234567890".to_vec()),
                name: "alice@example.com".into(),
                issuer: "Example".into(),
                algorithm: Algorithm::Sha256,
                digits: 8,
                period: 60,
                counter: 0,
                groups: vec!["Work".into()],
            },
            Account {
                kind: Kind::Hotp,
                secret: Zeroizing::new(vec![1; 10]),
                name: "bob".into(),
                issuer: String::new(),
                algorithm: Algorithm::Sha1,
                digits: 6,
                period: 0,
                counter: 7,
                groups: Vec::new(),
            },
        ]
    }

    fn ok(entries: Vec<Entry>) -> Vec<Account> {
        entries.into_iter().map(Result::unwrap).collect()
    }

    #[test]
    fn plain_round_trip() {
        let text = write(&sample(), None).unwrap();
        assert_eq!(ok(read(&text, None).unwrap()), sample());
    }

    #[test]
    fn encrypted_round_trip_and_refusals() {
        let text = write(&sample(), Some(b"hunter2")).unwrap();
        assert_eq!(ok(read(&text, Some(b"hunter2")).unwrap()), sample());
        assert_eq!(read(&text, None), Err(TransferError::PasswordNeeded));
        assert_eq!(
            read(&text, Some(b"hunter3")),
            Err(TransferError::WrongPassword)
        );
        let mut vault: Value = serde_json::from_str(&text).unwrap();
        let db = vault["db"].as_str().unwrap().to_owned();
        let flipped = if db.starts_with('A') { "B" } else { "A" };
        vault["db"] = json!(format!("{flipped}{}", &db[1..]));
        assert_eq!(
            read(&vault.to_string(), Some(b"hunter2")),
            Err(TransferError::Tampered)
        );
    }

    #[test]
    fn skips_what_it_cannot_use() {
        let db = json!({"version": 1, "header": {"slots": null, "params": null}, "db": {"version": 3, "entries": [
            {"type": "motp", "name": "m", "issuer": "", "info": {"secret": "AAAA", "algo": "MD5", "digits": 6}},
            {"type": "totp", "name": "n", "issuer": "I", "info": {"secret": "GEZDGNBV", "algo": "MD5", "digits": 6}},
            {"type": "totp", "name": "", "issuer": "", "info": {"secret": "!!", "algo": "SHA1"}},
        ]}});
        let skipped: Vec<_> = read(&db.to_string(), None)
            .unwrap()
            .into_iter()
            .map(Result::unwrap_err)
            .collect();
        assert_eq!(skipped[0].reason, "unsupported type \"motp\"");
        assert_eq!(
            (skipped[1].label.as_str(), skipped[1].reason.as_str()),
            ("I:n", "unsupported algorithm MD5")
        );
        assert_eq!(
            (skipped[2].label.as_str(), skipped[2].reason.as_str()),
            ("entry 3", "secret is not base32")
        );
    }

    #[test]
    fn total_scrypt_work_is_bounded_before_any_work() {
        let slot = json!({"type": 1, "key": "00", "key_params": {"nonce": "00", "tag": "00"},
            "n": 1 << 15, "r": 8, "p": 1, "salt": "00"});
        let many = vec![slot.clone(); 158];
        assert!(matches!(
            master_key(&many, b"x"),
            Err(TransferError::ScryptBudget { slots: 158, .. })
        ));
        let mut costly = slot;
        costly["n"] = json!(1 << 18);
        costly["p"] = json!(16);
        assert!(matches!(
            master_key(&[costly], b"x"),
            Err(TransferError::ScryptBudget { slots: 1, .. })
        ));
    }

    #[test]
    fn hostile_scrypt_parameters_are_refused() {
        assert_eq!(
            scrypt_key(b"", b"", 1 << 30, 8, 1).unwrap_err(),
            TransferError::ScryptParams {
                n: 1 << 30,
                r: 8,
                p: 1
            }
        );
        assert!(scrypt_key(b"", b"", 3, 1, 1).is_err());
        assert!(scrypt_key(b"", b"", 1 << 14, 8, 1 << 20).is_err());
    }
}
