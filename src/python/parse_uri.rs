//! `parse_uri`: the core's URI parser, then the object pyotp would build from the URI.
//!
//! The module's `parse_uri` is a `METH_FASTCALL | METH_KEYWORDS` C function: the usual call,
//! `parse_uri(text)`, goes straight to [`parse_uri`] without PyO3's argument binding (a tenth
//! of the call); any other call is handed to PyO3's binding of the same function, so argument
//! errors read as PyO3's.

use super::alloc::{new_ascii_str, new_bytes, new_str};
use super::arg::Arg;
use super::fastcall::{classic_arguments, method_def, run, signature_doc};
use super::hotp::Hotp;
use super::lazy::{SHA1, SHA256, SHA512, URLPARSE};
use super::steam::Steam;
use super::totp::Totp;
use crate::otp::Algorithm;
use crate::uri::{self, Escaped, OtpKind, UriError, UriInt};
use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyInt, PyString};
use pyo3_stub_gen::derive::gen_stub_pyfunction;
use std::borrow::Cow;

struct PyUriInt<'py>(Bound<'py, PyAny>);

impl UriInt for PyUriInt<'_> {
    fn is_valid_uri_digits(&self) -> bool {
        self.0.extract::<i64>().is_ok_and(|d| (6..=8).contains(&d))
    }
}

/// Python's `int(text)`, with a native path for plain ASCII integers; stand-ins are turned
/// back into lone surrogates first (`restore`), so an error shows the text pyotp shows.
fn python_int<'py>(py: Python<'py>, text: &str, restore: bool) -> PyResult<PyUriInt<'py>> {
    if let Ok(n) = text.parse::<i64>() {
        return Ok(PyUriInt(n.into_pyobject(py)?.into_any()));
    }
    let text = py_text(py, text, restore)?;
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

/// First of the private-use code points (U+10F800..=U+10FFFF) that stand in for the lone
/// surrogates U+D800..=U+DFFF while a URI holding them goes through the UTF-8 parser.
const STAND_IN: u32 = 0x10_F800;

/// The text of `uri` for the UTF-8 parser. A Python string may hold lone surrogates, which
/// UTF-8 cannot, and pyotp parses them like any other character; they go through the parser as
/// private-use stand-ins, turned back into surrogates by [`py_text`]. `None` when the text
/// already holds one of the stand-ins, which would make the way back ambiguous.
fn with_stand_ins(uri: &Bound<'_, PyString>) -> PyResult<Option<String>> {
    // UTF-32 keeps each code point apart: two lone surrogates that would form a UTF-16 pair
    // stay two characters, as in the Python string.
    let encoded = uri.call_method1("encode", ("utf-32-le", "surrogatepass"))?;
    let mut text = String::new();
    for quad in encoded.cast::<PyBytes>()?.as_bytes().chunks_exact(4) {
        let code = u32::from_le_bytes([quad[0], quad[1], quad[2], quad[3]]);
        let c = match code {
            0xD800..=0xDFFF => char::from_u32(STAND_IN + code - 0xD800),
            STAND_IN.. => return Ok(None),
            _ => char::from_u32(code),
        };
        text.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    Ok(Some(text))
}

/// A parsed part as a Python string, with any stand-in turned back into its lone surrogate
/// when the URI held stand-ins (`restore`).
fn py_text<'py>(py: Python<'py>, text: &str, restore: bool) -> PyResult<Bound<'py, PyAny>> {
    if text.is_ascii() {
        return Ok(new_ascii_str(py, text.as_bytes())?.into_any());
    }
    if !restore || !text.chars().any(|c| u32::from(c) >= STAND_IN) {
        return Ok(new_str(py, text)?.into_any());
    }
    let mut utf32 = Vec::with_capacity(text.len() * 4);
    for c in text.chars() {
        let code = u32::from(c);
        let code = code
            .checked_sub(STAND_IN)
            .map_or(code, |offset| 0xD800 + offset);
        utf32.extend(code.to_le_bytes());
    }
    new_bytes(py, &utf32)?.call_method1("decode", ("utf-32-le", "surrogatepass"))
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
    let text = match text.to_str() {
        Ok(text) => Cow::Borrowed(text),
        Err(err) => Cow::Owned(with_stand_ins(text)?.ok_or(err)?),
    };
    let restore = matches!(text, Cow::Owned(_));
    let text = text.as_ref();
    let parsed = match uri::parse(text, |s| python_int(py, s, restore)) {
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
    let text = |part: &Escaped<'_>| part.with_decoded(|text| py_text(py, text, restore));
    let secret = text(&parsed.secret)?;
    let name = parsed.name.as_ref().map(text).transpose()?;
    let issuer = parsed.issuer.as_ref().map(text).transpose()?;
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

/// PyO3's binding of [`parse_uri`], which every call other than `parse_uri(text)` goes to.
static BOUND_BY_PYO3: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The module's `parse_uri`: one positional argument and no keywords go straight to
/// [`parse_uri`]; anything else to PyO3's binding ([`BOUND_BY_PYO3`]).
unsafe extern "C" fn parse_uri_fastcall(
    _module: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this with the thread attached and the fastcall arguments:
    // `nargs` positional values, then one value per name in `kwnames` (NULL when none).
    unsafe {
        run(|py| {
            if nargs == 1 && kwnames.is_null() {
                return parse_uri(&Borrowed::from_ptr(py, *args), false);
            }
            let (positional, keywords) = classic_arguments(py, None, args, nargs, kwnames)?;
            let general = BOUND_BY_PYO3
                .get(py)
                .ok_or_else(|| PyRuntimeError::new_err("parse_uri is not installed"))?;
            general.bind(py).call(positional, keywords.as_ref())
        })
    }
}

/// Adds `parse_uri` to the module (once, when the extension loads), with PyO3's binding's
/// name, signature and docstring.
pub(super) fn install(module: &Bound<'_, pyo3::types::PyModule>) -> PyResult<()> {
    let py = module.py();
    let general = pyo3::wrap_pyfunction!(parse_uri, module)?;
    let def = method_def(
        c"parse_uri",
        parse_uri_fastcall,
        signature_doc("parse_uri", &general)?,
    );
    let name = module.name()?;
    // SAFETY: `def` is a method definition that is never freed; `module` and its name are
    // live objects, which the function keeps references to.
    let function = unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            ffi::PyCMethod_New(def, module.as_ptr(), name.as_ptr(), std::ptr::null_mut()),
        )?
    };
    BOUND_BY_PYO3.set(py, general.into_any().unbind()).ok();
    module.add("parse_uri", function)
}
