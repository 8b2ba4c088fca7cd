//! Binding of the transfer core: Google Authenticator migration URIs and Aegis vaults, read
//! into plain account records that `pyotp_rs.transfer` turns into OTP objects, and written
//! from them.

use super::alloc::Text;
use super::storage::DecryptionError;
use crate::otp::Algorithm;
use crate::secret;
use crate::transfer::{aegis, migration, sealed, Account, Entry, Kind, TransferError};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3_stub_gen::derive::{gen_stub_pyclass, gen_stub_pyfunction, gen_stub_pymethods};
use zeroize::Zeroizing;

impl From<TransferError> for PyErr {
    fn from(err: TransferError) -> Self {
        let msg = err.to_string();
        match err {
            TransferError::PasswordNeeded
            | TransferError::WrongPassword
            | TransferError::Tampered
            | TransferError::WrongPasswordFor(_)
            | TransferError::AndOtpIterations(_) => DecryptionError::new_err(msg),
            TransferError::Random(_) => PyOSError::new_err(msg),
            _ => PyValueError::new_err(msg),
        }
    }
}

/// One account as plain values: what the readers produce and the writers take.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs._pyotp_rs", name = "_RawAccount", frozen)]
pub struct RawAccount {
    inner: Account,
}

#[gen_stub_pymethods]
#[pymethods]
impl RawAccount {
    /// An account from its parts; `secret` is the raw key, `algorithm` `SHA1`, `SHA256` or `SHA512`.
    #[new]
    #[pyo3(signature = (kind, secret, name, issuer, algorithm, digits, period, counter, groups = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        kind: &str,
        #[gen_stub(override_type(type_repr = "builtins.bytes"))] secret: &[u8],
        name: String,
        issuer: String,
        algorithm: &str,
        digits: u32,
        period: u32,
        counter: u64,
        groups: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let kind = Kind::from_name(kind)
            .ok_or_else(|| PyValueError::new_err(format!("unknown account type {kind:?}")))?;
        let algorithm = Algorithm::from_uri_name(algorithm)
            .ok_or_else(|| PyValueError::new_err(format!("unsupported algorithm {algorithm}")))?;
        Ok(Self {
            inner: Account {
                kind,
                secret: Zeroizing::new(secret.to_vec()),
                name,
                issuer,
                algorithm,
                digits,
                period,
                counter,
                groups: groups.unwrap_or_default(),
            },
        })
    }

    /// `totp`, `hotp` or `steam`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.name()
    }

    /// The key as unpadded base32.
    #[getter]
    fn secret(&self) -> PyResult<Text> {
        Ok(Text(secret::encode(&self.inner.secret)))
    }

    /// The account name.
    #[getter]
    fn name(&self) -> Text {
        Text(self.inner.name.clone())
    }

    /// The service, or empty.
    #[getter]
    fn issuer(&self) -> Text {
        Text(self.inner.issuer.clone())
    }

    /// `SHA1`, `SHA256` or `SHA512`.
    #[getter]
    fn algorithm(&self) -> &'static str {
        self.inner.algorithm.uri_name()
    }

    /// Code length.
    #[getter]
    fn digits(&self) -> u32 {
        self.inner.digits
    }

    /// Time step in seconds (TOTP and Steam).
    #[getter]
    fn period(&self) -> u32 {
        self.inner.period
    }

    /// The next counter value (HOTP).
    #[getter]
    fn counter(&self) -> u64 {
        self.inner.counter
    }

    /// The names of the groups the account is filed under.
    #[getter]
    fn groups(&self) -> Vec<String> {
        self.inner.groups.clone()
    }
}

/// An entry a reader could not turn into an account.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs._pyotp_rs", name = "_Skipped", frozen)]
pub struct Skipped {
    label: String,
    reason: String,
}

#[gen_stub_pymethods]
#[pymethods]
impl Skipped {
    /// `issuer:name`, or `entry N`.
    #[getter]
    fn label(&self) -> Text {
        Text(self.label.clone())
    }

    /// Why it was skipped.
    #[getter]
    fn reason(&self) -> Text {
        Text(self.reason.clone())
    }
}

fn entries_list<'py>(py: Python<'py>, entries: Vec<Entry>) -> PyResult<Bound<'py, PyList>> {
    let items = entries
        .into_iter()
        .map(|entry| match entry {
            Ok(inner) => Ok(Bound::new(py, RawAccount { inner })?.into_any()),
            Err(skipped) => Ok(Bound::new(
                py,
                Skipped {
                    label: skipped.label,
                    reason: skipped.reason,
                },
            )?
            .into_any()),
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

fn cores(accounts: &[PyRef<'_, RawAccount>]) -> Vec<Account> {
    accounts
        .iter()
        .map(|account| account.inner.clone())
        .collect()
}

/// Reads one `otpauth-migration://` URI: `(version, batch_size, batch_index, batch_id, entries)`.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[gen_stub(override_return_type(
    type_repr = "tuple[builtins.int, builtins.int, builtins.int, builtins.int, builtins.list[_RawAccount | _Skipped]]"
))]
pub fn _read_migration<'py>(
    py: Python<'py>,
    uri: &str,
) -> PyResult<(i32, i32, i32, i32, Bound<'py, PyList>)> {
    let batch = migration::read_uri(uri)?;
    let entries = entries_list(py, batch.entries)?;
    Ok((
        batch.version,
        batch.batch_size,
        batch.batch_index,
        batch.batch_id,
        entries,
    ))
}

/// Writes the accounts as migration URIs, one per QR code; a random batch id when none is given.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(signature = (accounts, batch_id = None))]
pub fn _write_migration(
    accounts: Vec<PyRef<'_, RawAccount>>,
    batch_id: Option<i32>,
) -> PyResult<Vec<Text>> {
    let batch_id = match batch_id {
        Some(id) => id,
        None => migration::random_batch_id()?,
    };
    let uris = migration::write(&cores(&accounts), batch_id)?;
    Ok(uris.into_iter().map(Text).collect())
}

/// Reads an Aegis vault (JSON text); `password` opens an encrypted one.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(signature = (text, password = None))]
#[gen_stub(override_return_type(type_repr = "builtins.list[_RawAccount | _Skipped]"))]
pub fn _read_aegis<'py>(
    py: Python<'py>,
    text: &str,
    password: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    let entries = py.detach(|| aegis::read(text, password.map(str::as_bytes)))?;
    entries_list(py, entries)
}

/// Writes an Aegis vault: encrypted under a password slot when `password` is given.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(signature = (accounts, password = None))]
pub fn _write_aegis(
    py: Python<'_>,
    accounts: Vec<PyRef<'_, RawAccount>>,
    password: Option<&str>,
) -> PyResult<Text> {
    let accounts = cores(&accounts);
    Ok(Text(py.detach(|| {
        aegis::write(&accounts, password.map(str::as_bytes))
    })?))
}

fn utf8(plain: &[u8], format: &'static str) -> PyResult<Text> {
    String::from_utf8(plain.to_vec()).map(Text).map_err(|_| {
        TransferError::Sealed {
            format,
            why: "the decrypted data is not UTF-8 text".into(),
        }
        .into()
    })
}

/// Decrypts a 2FAS backup's `servicesEncrypted`: the JSON text of its services.
///
/// PBKDF2 and AES-GCM run without the GIL.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
pub fn _open_2fas(py: Python<'_>, sealed_text: &str, password: &str) -> PyResult<Text> {
    let plain = py.detach(|| sealed::open_twofas(sealed_text, password.as_bytes()))?;
    utf8(&plain, "2FAS backup")
}

/// Decrypts an andOTP backup (current or old format): its plain JSON text.
///
/// PBKDF2 and AES-GCM run without the GIL.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
pub fn _open_andotp(
    py: Python<'_>,
    #[gen_stub(override_type(type_repr = "builtins.bytes"))] data: &[u8],
    password: &str,
) -> PyResult<Text> {
    let plain = py.detach(|| sealed::open_andotp(data, password.as_bytes()))?;
    utf8(&plain, "andOTP backup")
}
