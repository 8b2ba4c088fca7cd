//! `parse_uri`: the core's URI parser, then the object pyotp would build from the URI.

use super::arg::Arg;
use super::hotp::Hotp;
use super::lazy::{SHA1, SHA256, SHA512, URLPARSE};
use super::steam::Steam;
use super::totp::Totp;
use crate::otp::Algorithm;
use crate::uri::{self, OtpKind, UriError, UriInt};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};
use pyo3_stub_gen::derive::gen_stub_pyfunction;

struct PyUriInt<'py>(Bound<'py, PyAny>);

impl UriInt for PyUriInt<'_> {
    fn is_valid_uri_digits(&self) -> bool {
        self.0.extract::<i64>().is_ok_and(|d| (6..=8).contains(&d))
    }
}

/// Python's `int(text)`, with a native path for plain ASCII integers.
fn python_int<'py>(py: Python<'py>, text: &str) -> PyResult<PyUriInt<'py>> {
    if let Ok(n) = text.parse::<i64>() {
        return Ok(PyUriInt(n.into_pyobject(py)?.into_any()));
    }
    Ok(PyUriInt(py.get_type::<PyInt>().call1((text,))?))
}

fn digest_of(py: Python<'_>, algorithm: Option<Algorithm>) -> PyResult<Option<Bound<'_, PyAny>>> {
    let Some(algorithm) = algorithm else {
        return Ok(None);
    };
    let digest = match algorithm {
        Algorithm::Sha1 => SHA1.get(py)?,
        Algorithm::Sha256 => SHA256.get(py)?,
        Algorithm::Sha512 => SHA512.get(py)?,
    };
    Ok(Some(digest.clone()))
}

/// Raises `urlparse`'s error for a URI whose host it rejects, as pyotp's `parse_uri` does
/// before anything else: a host in brackets or with non-ASCII text, checked as strictly as
/// this Python version checks it.
fn urlparse_host_check(uri: &Bound<'_, PyAny>, text: &str) -> PyResult<()> {
    if text.bytes().any(|b| b == b'[' || !b.is_ascii()) {
        URLPARSE.get(uri.py())?.call1((uri,))?;
    }
    Ok(())
}

/// Parses an `otpauth://` URI into a TOTP, HOTP or Steam object, as pyotp's `parse_uri`.
///
/// `allow_short_secret` (not in pyotp) accepts a secret shorter than 112 bits and is kept
/// by the object, as with the constructors.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(signature = (uri, *, allow_short_secret = false))]
#[gen_stub(override_return_type(type_repr = "OTP"))]
pub fn parse_uri<'py>(
    #[gen_stub(override_type(type_repr = "builtins.str"))] uri: &Bound<'py, PyAny>,
    allow_short_secret: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let py = uri.py();
    let Ok(text) = uri.cast::<PyString>() else {
        // Python's `urlparse` raises for some objects (an int, non-ASCII bytes); the rest
        // (None, ASCII bytes) parse to a scheme that is not the str "otpauth".
        URLPARSE.get(py)?.call1((uri,))?;
        return Err(UriError::<PyErr>::NotOtpauth.into());
    };
    let text = text.to_str()?;
    let parsed = match uri::parse(text, |s| python_int(py, s)) {
        Ok(parsed) => parsed,
        Err(err) => {
            urlparse_host_check(uri, text)?;
            return Err(err.into());
        }
    };
    // A TOTP or HOTP URI has the host `totp` or `hotp`; a Steam URI may have any host.
    if parsed.kind == OtpKind::Steam {
        urlparse_host_check(uri, text)?;
    }
    let secret = PyString::new(py, &parsed.secret).into_any();
    let name = parsed.name.map(|n| PyString::new(py, &n).into_any());
    let issuer = parsed.issuer.map(|i| PyString::new(py, &i).into_any());
    let digits = parsed.digits.map_or(Arg::Default(6), |d| Arg::Given(d.0));
    let interval = parsed.period.map_or(Arg::Default(30), |p| Arg::Given(p.0));
    let digest = digest_of(py, parsed.algorithm)?;
    let obj = match parsed.kind {
        OtpKind::Totp => Totp::create(
            &secret,
            digits,
            digest,
            name,
            issuer,
            interval,
            allow_short_secret,
        )?
        .into_any(),
        OtpKind::Hotp => {
            let count = parsed.counter.map_or(Arg::Default(0), |c| Arg::Given(c.0));
            Hotp::create(
                &secret,
                digits,
                digest,
                name,
                issuer,
                count,
                allow_short_secret,
            )?
            .into_any()
        }
        OtpKind::Steam => {
            Steam::create(&secret, name, issuer, interval, digits, allow_short_secret)?.into_any()
        }
    };
    Ok(obj)
}
