//! Binding of the storage core: `Wallet`, and the TOTP methods that read and write passlib's
//! TOTP JSON (`to_json`, `to_dict`, `from_json`, `from_dict`, `base32_key`, `pretty_key`).

use super::alloc::{new_str, Text};
use super::lazy::Imported;
use crate::secret;
use crate::storage::{
    self, b32encode, CryptoError, Document, DocumentError, Format, StorageError, TotpParams,
    Wallet, WalletError,
};
use pyo3::exceptions::{PyKeyError, PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyString, PyType};
use pyo3_stub_gen::derive::{gen_stub_pyclass, gen_stub_pymethods};
use pyo3_stub_gen::{PyStubType, TypeInfo};
use zeroize::Zeroizing;

pyo3::import_exception!(pyotp_rs.exceptions, DecryptionError);
pyo3::import_exception!(pyotp_rs.exceptions, UnknownTagError);

static JSON_DUMPS: Imported = Imported::new("json", "dumps");
static JSON_LOADS: Imported = Imported::new("json", "loads");

impl From<StorageError> for PyErr {
    fn from(err: StorageError) -> Self {
        let msg = err.to_string();
        match err {
            // Opening a record whose tag the wallet lacks: the record is as unreadable as
            // an edited one (DecryptionError), and passlib's KeyError too.
            StorageError::Wallet(WalletError::UnknownTag(_)) => UnknownTagError::new_err(msg),
            StorageError::Wallet(err) => err.into(),
            StorageError::Crypto(CryptoError::Authentication) | StorageError::Refused(_) => {
                DecryptionError::new_err(msg)
            }
            StorageError::Crypto(CryptoError::Random(_)) => PyOSError::new_err(msg),
            StorageError::NoWalletToDecrypt | StorageError::NoWalletToEncrypt => {
                PyTypeError::new_err(msg)
            }
            StorageError::Document(_)
            | StorageError::Crypto(CryptoError::Cost(_))
            | StorageError::OwnerNeedsSealed => PyValueError::new_err(msg),
        }
    }
}

impl From<WalletError> for PyErr {
    fn from(err: WalletError) -> Self {
        match err {
            WalletError::UnknownTag(_) | WalletError::NoSecrets => {
                PyKeyError::new_err(err.to_string())
            }
            _ => PyValueError::new_err(err.to_string()),
        }
    }
}

impl From<DocumentError> for PyErr {
    fn from(err: DocumentError) -> Self {
        PyValueError::new_err(err.to_string())
    }
}

/// Application secrets keyed by tag, for encrypting stored TOTP keys (passlib's `AppWallet`).
///
/// `secrets` is a dict of tag -> secret (str, encoded UTF-8, or bytes), a JSON object string,
/// or multi-line `tag: secret` text (blank lines and `#` comments skipped). Tags match
/// `[a-z0-9][a-z0-9_.-]*` (any case); int tags become strings. New keys are encrypted under
/// `default_tag`, by default the largest tag (numerically when all tags are digits); every
/// tag can decrypt. `encrypt_cost` is log2 of the PBKDF2 rounds (default 14).
/// Secrets never appear in `repr()` and are wiped from memory when the wallet is freed.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs.storage", name = "Wallet", frozen)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct PyWallet {
    inner: Wallet,
}

impl PyWallet {
    /// The core wallet.
    pub(crate) fn wallet(&self) -> &Wallet {
        &self.inner
    }
}

/// A dict key as a tag: str as is, int as `str(int)` (passlib's rule).
fn tag_of(key: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = key.cast::<PyString>() {
        return Ok(text.to_str()?.to_owned());
    }
    if key.cast::<PyInt>().is_ok() {
        return Ok(key.str()?.to_str()?.to_owned());
    }
    Err(PyTypeError::new_err(format!(
        "tag must be unicode/string: {}",
        key.repr()?
    )))
}

/// A secret value as bytes: str encoded UTF-8, bytes as is.
fn secret_of(tag: &str, value: &Bound<'_, PyAny>) -> PyResult<Zeroizing<Vec<u8>>> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(Zeroizing::new(text.to_str()?.as_bytes().to_vec()));
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(Zeroizing::new(bytes.as_bytes().to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "secret {} must be str or bytes, not {}",
        storage::py_repr(tag),
        value.get_type().name()?
    )))
}

fn parse_format(format: &str) -> PyResult<Format> {
    Ok(format.parse::<Format>()?)
}

/// The `owner` argument: the id of whoever a sealed record belongs to (a user id, say), bound
/// into the record so that its key opens only for that owner; `str` (as UTF-8) or `bytes`.
pub struct Owner(Vec<u8>);

impl Owner {
    fn bytes(owner: Option<&Owner>) -> Option<&[u8]> {
        owner.map(|o| o.0.as_slice())
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Owner {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(text) = obj.cast::<PyString>() {
            return Ok(Owner(text.to_str()?.as_bytes().to_vec()));
        }
        if let Ok(bytes) = obj.cast::<PyBytes>() {
            return Ok(Owner(bytes.as_bytes().to_vec()));
        }
        Err(PyTypeError::new_err(format!(
            "owner must be str or bytes, not {}",
            obj.get_type().name()?
        )))
    }
}

impl PyStubType for Owner {
    fn type_output() -> TypeInfo {
        TypeInfo::unqualified("builtins.str | builtins.bytes")
    }
}

/// The `encrypt_cost` of a wallet; an integer too large for 64 bits is out of range like any other.
fn cost_of(cost: Option<&Bound<'_, PyInt>>) -> PyResult<Option<i64>> {
    match cost {
        None => Ok(None),
        Some(cost) => match cost.extract::<i64>() {
            Ok(cost) => Ok(Some(cost)),
            Err(_) => Err(WalletError::Cost(cost.str()?.to_str()?.to_owned()).into()),
        },
    }
}

/// Reads a TOTP document from JSON text (str or bytes) or a dict; true when it was a dict.
fn read_document(data: &Bound<'_, PyAny>) -> PyResult<(Document, bool)> {
    if let Ok(text) = data.cast::<PyString>() {
        return Ok((Document::parse_json(text.to_str()?)?, false));
    }
    let raw = if let Ok(bytes) = data.cast::<PyBytes>() {
        bytes.as_bytes().to_vec()
    } else if let Ok(bytes) = data.cast::<PyByteArray>() {
        bytes.to_vec()
    } else if data.cast::<PyDict>().is_ok() {
        let text: String = JSON_DUMPS.get(data.py())?.call1((data,))?.extract()?;
        return Ok((Document::parse_json(&text)?, true));
    } else {
        return Err(PyTypeError::new_err(format!(
            "TOTP data must be a JSON str or bytes, or a dict, not {}",
            data.get_type().name()?
        )));
    };
    let text = std::str::from_utf8(&raw)
        .map_err(|_| PyValueError::new_err("Invalid totp data: JSON bytes are not UTF-8"))?;
    Ok((Document::parse_json(text)?, false))
}

/// The document as a dict (`as_dict`) or as passlib's JSON text.
fn render<'py>(py: Python<'py>, doc: &Document, as_dict: bool) -> PyResult<Bound<'py, PyAny>> {
    let text = doc.to_json();
    if as_dict {
        JSON_LOADS.get(py)?.call1((text,))
    } else {
        Ok(new_str(py, &text)?.into_any())
    }
}

#[gen_stub_pymethods]
#[pymethods]
impl PyWallet {
    /// Builds a wallet; see the class docstring for the accepted forms of `secrets`.
    #[new]
    #[pyo3(signature = (secrets = None, default_tag = None, encrypt_cost = None))]
    fn py_new(
        #[gen_stub(override_type(
            type_repr = "builtins.str | collections.abc.Mapping[builtins.str | builtins.int, builtins.str | builtins.bytes] | None",
            imports = ("collections.abc")
        ))]
        secrets: Option<&Bound<'_, PyAny>>,
        default_tag: Option<String>,
        encrypt_cost: Option<&Bound<'_, PyInt>>,
    ) -> PyResult<Self> {
        let encrypt_cost = cost_of(encrypt_cost)?;
        let pairs = match secrets {
            None => Vec::new(),
            Some(s) if s.is_none() => Vec::new(),
            Some(s) => {
                if let Ok(text) = s.cast::<PyString>() {
                    Wallet::parse_text(text.to_str()?)?
                } else if let Ok(dict) = s.cast::<PyDict>() {
                    let mut pairs = Vec::with_capacity(dict.len());
                    for (key, value) in dict.iter() {
                        let tag = tag_of(&key)?;
                        let secret = secret_of(&tag, &value)?;
                        pairs.push((tag, secret));
                    }
                    pairs
                } else {
                    return Err(PyTypeError::new_err(
                        "'secrets' must be a mapping, or a JSON or 'tag: secret' string",
                    ));
                }
            }
        };
        Ok(PyWallet {
            inner: Wallet::new(pairs, default_tag.as_deref(), encrypt_cost)?,
        })
    }

    /// The tag that encrypts new keys (None for an empty wallet).
    #[getter]
    fn default_tag(&self) -> Option<Text> {
        self.inner.default_tag().map(|tag| Text(tag.to_owned()))
    }

    /// log2 of the PBKDF2 rounds used for new encryptions.
    #[getter]
    fn encrypt_cost(&self) -> u32 {
        self.inner.encrypt_cost()
    }

    /// The tags, in the order given.
    #[getter]
    fn tags(&self) -> Vec<Text> {
        self.inner.tags().map(|tag| Text(tag.to_owned())).collect()
    }

    /// Whether the wallet holds at least one secret.
    #[getter]
    fn has_secrets(&self) -> bool {
        self.inner.has_secrets()
    }

    /// Whether stored TOTP data (JSON str/bytes or dict) should be rewritten: a plain key, or a
    /// key encrypted under another tag, cost or format than this wallet gives new data.
    #[pyo3(signature = (data, *, format = "sealed"))]
    fn needs_rotation(
        &self,
        #[gen_stub(override_type(
            type_repr = "builtins.str | builtins.bytes | builtins.dict[builtins.str, typing.Any]",
            imports = ("typing")
        ))]
        data: &Bound<'_, PyAny>,
        format: &str,
    ) -> PyResult<bool> {
        let format = parse_format(format)?;
        Ok(read_document(data)?.0.needs_rotation(&self.inner, format))
    }

    /// Re-encrypts stored TOTP data under the default tag and cost in `format` ("sealed" or
    /// "passlib") when `needs_rotation` says so; otherwise returns `data` itself, unchanged.
    /// Returns the same kind it was given (JSON text for str/bytes, a dict for a dict).
    ///
    /// Rotation is how records are migrated, so it reads every form: plain keys, passlib's
    /// format, and sealed records of pyotp-rs 0.1. Give `owner` to bind the new sealed record
    /// to an owner id; a sealed record already bound must be given the same owner.
    #[pyo3(signature = (data, *, format = "sealed", owner = None))]
    #[gen_stub(override_return_type(
        type_repr = "builtins.str | builtins.bytes | builtins.dict[builtins.str, typing.Any]",
        imports = ("typing")
    ))]
    fn rotate<'py>(
        &self,
        #[gen_stub(override_type(
            type_repr = "builtins.str | builtins.bytes | builtins.dict[builtins.str, typing.Any]",
            imports = ("typing")
        ))]
        data: &Bound<'py, PyAny>,
        format: &str,
        owner: Option<Owner>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let format = parse_format(format)?;
        let (doc, as_dict) = read_document(data)?;
        if !doc.needs_rotation(&self.inner, format) {
            return Ok(data.clone());
        }
        let owner = Owner::bytes(owner.as_ref());
        let rotated = data
            .py()
            .detach(|| doc.rotate(&self.inner, format, owner))?;
        render(data.py(), &rotated, as_dict)
    }

    /// Refuses pickling: a pickle would write the application secrets out in the clear.
    #[gen_stub(override_return_type(type_repr = "typing.NoReturn", imports = ("typing")))]
    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "a Wallet cannot be pickled: the pickle would hold its application secrets in the \
             clear; build the Wallet again from the secrets where they are kept (copy.copy and \
             copy.deepcopy return the same immutable Wallet)",
        ))
    }

    /// The same wallet: a Wallet cannot change, so a copy would be indistinguishable.
    fn __copy__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// The same wallet, as for ``copy.copy``.
    fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> {
        slf
    }

    fn __repr__(&self) -> Text {
        let tags: Vec<String> = self.inner.tags().map(storage::py_repr).collect();
        Text(format!(
            "Wallet(tags=[{}], default_tag={}, encrypt_cost={})",
            tags.join(", "),
            self.inner
                .default_tag()
                .map_or_else(|| "None".to_owned(), storage::py_repr),
            self.inner.encrypt_cost()
        ))
    }
}

/// The raw key of a TOTP object (`byte_secret()`), in a buffer wiped on drop.
fn raw_key(totp: &Bound<'_, PyAny>) -> PyResult<Zeroizing<Vec<u8>>> {
    let bytes = totp.call_method0(pyo3::intern!(totp.py(), "byte_secret"))?;
    Ok(Zeroizing::new(bytes.cast::<PyBytes>()?.as_bytes().to_vec()))
}

/// An optional text attribute: None or empty gives None.
fn text_attr(totp: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<String>> {
    let value = totp.getattr(name)?;
    if value.is_none() {
        return Ok(None);
    }
    let text: String = value.extract()?;
    Ok((!text.is_empty()).then_some(text))
}

/// The parameters passlib stores, read from a TOTP object.
fn params_of(totp: &Bound<'_, PyAny>) -> PyResult<TotpParams> {
    let alg: String = totp
        .getattr("digest")?
        .call0()?
        .getattr("name")?
        .extract()?;
    let interval = totp.getattr("interval")?;
    let whole = if interval.cast::<PyFloat>().is_ok() {
        let secs: f64 = interval.extract()?;
        (secs.fract() == 0.0 && secs >= 1.0).then_some(secs as u64)
    } else {
        interval.extract::<u64>().ok()
    };
    let period = whole.ok_or_else(|| {
        PyValueError::new_err("the stored format needs an interval of whole seconds")
    })?;
    Ok(TotpParams {
        alg: alg.to_ascii_lowercase(),
        digits: totp.getattr("digits")?.extract()?,
        period,
        // pyotp puts "Secret" in `name` when none is given: store that as no label.
        label: text_attr(totp, "name")?.filter(|name| name != "Secret"),
        issuer: text_attr(totp, "issuer")?,
    })
}

/// The `format` name of the unencrypted form, whatever the wallet.
const PLAIN: &str = "plain";

/// The document for a TOTP object: encrypted with `wallet` when `encrypt` is true, or by
/// default when the wallet has secrets; never with `format="plain"`; bound to `owner` when
/// given (sealed records only). Key derivation runs without the GIL.
fn document_of(
    totp: &Bound<'_, PyAny>,
    wallet: Option<&PyWallet>,
    format: &str,
    encrypt: Option<bool>,
    owner: Option<&Owner>,
) -> PyResult<Document> {
    let params = params_of(totp)?;
    let key = raw_key(totp)?;
    if format == PLAIN {
        if encrypt == Some(true) {
            return Err(PyValueError::new_err(
                "format='plain' stores the key unencrypted: it cannot be combined with encrypt=True",
            ));
        }
        if owner.is_some() {
            return Err(StorageError::OwnerNeedsSealed.into());
        }
        return Ok(Document::plain(params, &key)?);
    }
    let format = parse_format(format)?;
    let wallet = wallet.map(PyWallet::wallet);
    let encrypt = encrypt.unwrap_or_else(|| wallet.is_some_and(Wallet::has_secrets));
    Ok(if encrypt {
        let wallet = wallet
            .filter(|w| w.has_secrets())
            .ok_or(StorageError::NoWalletToEncrypt)?;
        let owner = Owner::bytes(owner);
        totp.py()
            .detach(|| Document::encrypt(params, &key, wallet, format, owner))?
    } else if owner.is_some() {
        return Err(StorageError::OwnerNeedsSealed.into());
    } else {
        Document::plain(params, &key)?
    })
}

/// `TOTP.to_json`: passlib's TOTP JSON text.
pub(crate) fn to_json(
    totp: &Bound<'_, PyAny>,
    wallet: Option<&PyWallet>,
    format: &str,
    encrypt: Option<bool>,
    owner: Option<&Owner>,
) -> PyResult<Text> {
    Ok(Text(
        document_of(totp, wallet, format, encrypt, owner)?.to_json(),
    ))
}

/// `TOTP.to_dict`: passlib's TOTP dict.
pub(crate) fn to_dict<'py>(
    totp: &Bound<'py, PyAny>,
    wallet: Option<&PyWallet>,
    format: &str,
    encrypt: Option<bool>,
    owner: Option<&Owner>,
) -> PyResult<Bound<'py, PyAny>> {
    render(
        totp.py(),
        &document_of(totp, wallet, format, encrypt, owner)?,
        true,
    )
}

/// The hashlib constructor named `alg`, refused at load time unless hashlib provides it as a
/// hash (passlib's `lookup_hash`): `new` or `__loader__` are attributes, not digests.
fn digest_named<'py>(py: Python<'py>, alg: &str) -> PyResult<Bound<'py, PyAny>> {
    let hashlib = py.import("hashlib")?;
    let unknown = || {
        PyValueError::new_err(format!(
            "Invalid totp data: unknown hash algorithm {}",
            storage::py_repr(alg)
        ))
    };
    if !hashlib.getattr("algorithms_available")?.contains(alg)? {
        return Err(unknown());
    }
    hashlib.getattr(alg).map_err(|_| unknown())
}

/// `TOTP.from_json` / `TOTP.from_dict`: builds `cls(secret, digits=, digest=, name=, issuer=,
/// interval=)` from stored data, decrypting the key with `wallet` when needed (without the
/// GIL). `format` is the kind of record the caller expects, `owner` the id a sealed record must
/// be bound to (see `Document::key`). A key shorter than pyotp's 112 bits was stored from an
/// object that opted in, so the new one opts in too.
pub(crate) fn from_data<'py>(
    cls: &Bound<'py, PyType>,
    data: &Bound<'py, PyAny>,
    wallet: Option<&PyWallet>,
    format: &str,
    owner: Option<&Owner>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = cls.py();
    let accept = parse_format(format)?;
    let (doc, _) = read_document(data)?;
    let params = &doc.params;
    let digest = digest_named(py, &params.alg)?;
    let wallet = wallet.map(PyWallet::wallet);
    let owner = Owner::bytes(owner);
    let key = py.detach(|| doc.key(wallet, owner, accept))?;
    let secret = Zeroizing::new(b32encode(&key));
    let kwargs = PyDict::new(py);
    kwargs.set_item("digits", params.digits)?;
    kwargs.set_item("digest", digest)?;
    kwargs.set_item("interval", params.period)?;
    if let Some(label) = &params.label {
        kwargs.set_item("name", label)?;
    }
    if let Some(issuer) = &params.issuer {
        kwargs.set_item("issuer", issuer)?;
    }
    if key.len() < secret::MIN_SECRET_BYTES {
        kwargs.set_item("allow_short_secret", true)?;
    }
    cls.call((secret.as_str(),), Some(&kwargs))
}

/// `TOTP.base32_key`: the key as unpadded upper-case base32.
pub(crate) fn base32_key(totp: &Bound<'_, PyAny>) -> PyResult<Text> {
    Ok(Text(b32encode(&raw_key(totp)?)))
}

/// `TOTP.pretty_key`: the key in base32 (or hex), grouped with `sep` as passlib does.
pub(crate) fn pretty_key(
    totp: &Bound<'_, PyAny>,
    format: &str,
    sep: Option<&str>,
) -> PyResult<Text> {
    let key = raw_key(totp)?;
    let text = match format {
        "base32" => b32encode(&key),
        "hex" | "base16" => data_encoding::HEXLOWER.encode(&key),
        _ => {
            return Err(PyValueError::new_err(format!(
                "unknown byte-encoding format: {}",
                storage::py_repr(format)
            )))
        }
    };
    Ok(Text(match sep {
        Some(sep) if !sep.is_empty() => storage::group_string(&text, sep),
        _ => text,
    }))
}
