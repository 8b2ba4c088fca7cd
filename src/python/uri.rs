//! `build_uri`, with Python's argument semantics around the core's URI builder.

use super::alloc::{new_ascii_str, new_str};
use super::lazy::URLPARSE;
use crate::otp::Algorithm;
use crate::secret;
use crate::uri::{self, UriParts};
use pyo3::exceptions::{PyMemoryError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyInt, PyString};
use pyo3_stub_gen::derive::gen_stub_pyfunction;
use std::borrow::Cow;
use std::cell::Cell;

/// The arguments of pyotp's `build_uri`, as Python objects.
pub struct UriArgs<'py> {
    pub secret: Bound<'py, PyAny>,
    pub name: Bound<'py, PyAny>,
    pub initial_count: Option<Bound<'py, PyAny>>,
    pub issuer: Option<Bound<'py, PyAny>>,
    pub algorithm: Option<Bound<'py, PyAny>>,
    pub digits: Option<Bound<'py, PyAny>>,
    pub period: Option<Bound<'py, PyAny>>,
}

/// `hashlib`'s name of a native algorithm (`digest().name`), as an interned `str`.
pub fn hashlib_name(py: Python<'_>, algorithm: Algorithm) -> Bound<'_, PyString> {
    match algorithm {
        Algorithm::Sha1 => pyo3::intern!(py, "sha1"),
        Algorithm::Sha256 => pyo3::intern!(py, "sha256"),
        Algorithm::Sha512 => pyo3::intern!(py, "sha512"),
    }
    .clone()
}

/// A query value as `urlencode` writes it: bytes verbatim, anything else through `str()`.
fn query_text<'a>(value: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(Cow::Borrowed(text.to_str()?.as_bytes()));
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(bytes.as_bytes()));
    }
    Ok(Cow::Owned(value.str()?.to_str()?.as_bytes().to_vec()))
}

/// A label part as `quote` takes it: str, bytes or bytearray only.
fn label_text<'a>(value: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if value.cast::<PyString>().is_ok() || value.cast::<PyBytes>().is_ok() {
        return query_text(value);
    }
    if let Ok(bytes) = value.cast::<PyByteArray>() {
        return Ok(Cow::Owned(bytes.to_vec()));
    }
    Err(PyTypeError::new_err("quote_from_bytes() expected bytes"))
}

/// `value is not None and value != default`.
fn differs(value: &Option<Bound<'_, PyAny>>, default: i64) -> PyResult<bool> {
    match value {
        None => Ok(false),
        Some(v) if v.is_none() => Ok(false),
        Some(v) => match v
            .cast_exact::<PyInt>()
            .ok()
            .and_then(|i| i.extract::<i64>().ok())
        {
            Some(n) => Ok(n != default),
            None => v.ne(default),
        },
    }
}

fn check_image(value: &Bound<'_, PyAny>) -> PyResult<()> {
    let parsed = URLPARSE.get(value.py())?.call1((value,))?;
    let ok = parsed.getattr("scheme")?.eq("https")?
        && parsed.getattr("netloc")?.is_truthy()?
        && parsed.getattr("path")?.is_truthy()?;
    if ok {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "{} is not a valid url",
            parsed.str()?
        )))
    }
}

/// The largest URI buffer kept for the next call; a longer URI's buffer is freed.
const KEPT_CAPACITY: usize = 4096;

thread_local! {
    /// The bytes of the last URI built on this thread, wiped: reused so that a URI costs no
    /// allocation besides its `str`.
    static BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The URI as a `str`, built in this thread's buffer (taken for the call, so a call made
/// while it is out gets a fresh one) and wiped afterwards: it holds the secret. `MemoryError`
/// when either cannot be allocated.
fn uri_str<'py>(py: Python<'py>, parts: &UriParts<'_>) -> PyResult<Bound<'py, PyString>> {
    let mut buffer = BUFFER.take();
    buffer.clear();
    buffer
        .try_reserve(parts.max_len())
        .map_err(|_| PyMemoryError::new_err(()))?;
    uri::build_into(parts, &mut buffer);
    let text = new_ascii_str(py, &buffer);
    secret::wipe(&mut buffer);
    if buffer.capacity() <= KEPT_CAPACITY {
        BUFFER.set(buffer);
    }
    text
}

fn build<'py>(
    args: &UriArgs<'py>,
    extra: &[(Bound<'py, PyString>, Bound<'py, PyAny>)],
) -> PyResult<Bound<'py, PyString>> {
    let py = args.secret.py();
    // pyotp calls `algorithm.upper()` only after quoting the label.
    let mut needs_upper = false;
    let algorithm = match &args.algorithm {
        Some(a) if a.is_none() => None,
        Some(a) => match a
            .cast_exact::<PyString>()
            .ok()
            .and_then(|t| t.to_str().ok())
        {
            Some("sha1") => None,
            Some(name) if name.is_ascii() => {
                Some(new_str(a.py(), &name.to_ascii_uppercase())?.into_any())
            }
            _ if a.eq("sha1")? => None,
            _ => {
                needs_upper = true;
                Some(a.clone())
            }
        },
        None => None,
    };
    let digits = if differs(&args.digits, 6)? {
        args.digits.as_ref()
    } else {
        None
    };
    let period = if differs(&args.period, 30)? {
        args.period.as_ref()
    } else {
        None
    };
    let name = label_text(&args.name)?;
    let issuer = args.issuer.as_ref().map(label_text).transpose()?;
    let algorithm = match algorithm {
        Some(a) if needs_upper => Some(a.call_method0("upper")?),
        other => other,
    };
    let counter = match &args.initial_count {
        Some(c) if !c.is_none() => Some(query_text(c)?),
        _ => None,
    };
    let mut extra_text = Vec::with_capacity(extra.len());
    for (key, value) in extra {
        if value.cast::<PyString>().is_err() {
            return Err(PyTypeError::new_err(
                "All otpauth uri parameters must be strings",
            ));
        }
        if key.to_str()? == "image" {
            check_image(value)?;
        }
        extra_text.push((query_text(key.as_any())?, query_text(value)?));
    }
    let extra_refs: Vec<_> = extra_text
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    let secret = query_text(&args.secret)?;
    let algorithm = algorithm.as_ref().map(query_text).transpose()?;
    let digits = digits.map(query_text).transpose()?;
    let period = period.map(query_text).transpose()?;
    uri_str(
        py,
        &UriParts {
            secret: &secret,
            name: &name,
            issuer: issuer.as_deref(),
            counter: counter.as_deref(),
            algorithm: algorithm.as_deref(),
            digits: digits.as_deref(),
            period: period.as_deref(),
            extra: &extra_refs,
        },
    )
}

fn extra_params<'py>(
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Vec<(Bound<'py, PyString>, Bound<'py, PyAny>)>> {
    let Some(kwargs) = kwargs else {
        return Ok(Vec::new());
    };
    kwargs
        .iter()
        .map(|(k, v)| Ok((k.cast_into::<PyString>()?, v)))
        .collect()
}

/// Builds a provisioning URI from an OTP object's arguments plus the caller's extra keywords,
/// raising pyotp's TypeError for keywords that collide with `build_uri`'s own parameters.
pub fn build_uri_from<'py>(
    mut args: UriArgs<'py>,
    kwargs: Option<&Bound<'py, PyDict>>,
    taken: &[&str],
) -> PyResult<Bound<'py, PyString>> {
    let mut extra = extra_params(kwargs)?;
    if let Some(pos) = extra
        .iter()
        .position(|(k, _)| k.to_str().is_ok_and(|k| k == "initial_count"))
    {
        args.initial_count = Some(extra.remove(pos).1);
    }
    // `HOTP.provisioning_uri` does not pass `period`: an extra `period` fills that parameter.
    if !taken.contains(&"period") {
        if let Some(pos) = extra
            .iter()
            .position(|(k, _)| k.to_str().is_ok_and(|k| k == "period"))
        {
            args.period = Some(extra.remove(pos).1);
        }
    }
    // Python reports a repeated keyword at the call site, before binding finds `secret`
    // (passed positionally) given twice.
    for (key, _) in &extra {
        let key = key.to_str()?;
        if taken.contains(&key) {
            return Err(PyTypeError::new_err(format!(
                "pyotp_rs.utils.build_uri() got multiple values for keyword argument '{key}'"
            )));
        }
    }
    if extra
        .iter()
        .any(|(k, _)| k.to_str().is_ok_and(|k| k == "secret"))
    {
        return Err(PyTypeError::new_err(
            "build_uri() got multiple values for argument 'secret'",
        ));
    }
    build(&args, &extra)
}

/// Returns the provisioning URI for the OTP; works for either TOTP or HOTP.
///
/// The URI is byte-identical to pyotp's: `otpauth://TYPE/LABEL?secret=...` with
/// `issuer`, `counter`, `algorithm`, `digits`, `period` and then the extra parameters.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(signature = (secret, name, initial_count = None, issuer = None, algorithm = None, digits = None, period = None, **kwargs))]
#[gen_stub(override_return_type(type_repr = "builtins.str"))]
#[allow(clippy::too_many_arguments)]
pub fn build_uri<'py>(
    #[gen_stub(override_type(type_repr = "builtins.str"))] secret: Bound<'py, PyAny>,
    #[gen_stub(override_type(type_repr = "builtins.str"))] name: Bound<'py, PyAny>,
    #[gen_stub(override_type(type_repr = "builtins.int | None"))] initial_count: Option<
        Bound<'py, PyAny>,
    >,
    #[gen_stub(override_type(type_repr = "builtins.str | None"))] issuer: Option<Bound<'py, PyAny>>,
    #[gen_stub(override_type(type_repr = "builtins.str | None"))] algorithm: Option<
        Bound<'py, PyAny>,
    >,
    #[gen_stub(override_type(type_repr = "builtins.int | None"))] digits: Option<Bound<'py, PyAny>>,
    #[gen_stub(override_type(type_repr = "builtins.int | None"))] period: Option<Bound<'py, PyAny>>,
    #[gen_stub(override_type(type_repr = "builtins.str"))] kwargs: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyString>> {
    let issuer = issuer.filter(|i| !i.is_none());
    let args = UriArgs {
        secret,
        name,
        initial_count,
        issuer,
        algorithm,
        digits,
        period,
    };
    build(&args, &extra_params(kwargs.as_ref())?)
}
