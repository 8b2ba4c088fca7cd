//! `totp_code` (not in pyotp): one TOTP code straight from a base32 secret, in one Python call.
//!
//! `TOTP(s).at(t)` is three calls (`__new__`, `__init__`, `at`) on an object with pyotp's
//! attributes, weak references and instance `__dict__`; a server that takes one code per request
//! and throws the object away pays for all of it. `totp_code` computes the same string with the
//! HMAC keyed on the stack, and falls back to exactly `TOTP(...).at(t)` (or `.now()`) for every
//! input it does not handle natively, so its results and errors are the object's.

use super::alloc::new_code_str;
use super::arg::Arg;
use super::otp::{native_algorithm, with_secret};
use super::time;
use super::totp::{fast_interval, Totp};
use crate::otp::{self, Algorithm, Key};
use crate::secret::MinLength;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyInt, PyString};
use pyo3_stub_gen::derive::gen_stub_pyfunction;

/// The code of `TOTP(s, digits=digits, digest=digest, interval=interval)` at `for_time`
/// (int or float Unix time, or datetime; default: now), without building the object.
///
/// The same string and the same errors as `TOTP(s, ...).at(for_time)` (`.now()` when
/// `for_time` is None), only faster for a code taken once per secret.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(signature = (s, for_time = None, *, digits = Arg::Default(6), digest = None, interval = Arg::Default(30), allow_short_secret = false), text_signature = "(s, for_time=None, *, digits=6, digest=None, interval=30, allow_short_secret=False)")]
#[gen_stub(override_return_type(type_repr = "builtins.str"))]
pub fn totp_code<'py>(
    #[gen_stub(override_type(type_repr = "builtins.str | builtins.bytes"))] s: &Bound<'py, PyAny>,
    #[gen_stub(override_type(type_repr = "builtins.int | builtins.float | datetime.datetime | None", imports = ("datetime",)))]
    for_time: Option<&Bound<'py, PyAny>>,
    digits: Arg<'py>,
    digest: Option<Bound<'py, PyAny>>,
    interval: Arg<'py>,
    allow_short_secret: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let py = s.py();
    let inputs = Inputs {
        s,
        for_time,
        digits: &digits,
        digest: digest.as_ref(),
        interval: &interval,
        min: MinLength::allowing_short(allow_short_secret),
    };
    if let Some(code) = inputs.native_code() {
        return Ok(new_code_str(py, &code)?.into_any());
    }
    let totp = Totp::create(s, digits, digest, None, None, interval, allow_short_secret)?;
    match for_time {
        Some(t) => totp.call_method1(pyo3::intern!(py, "at"), (t,)),
        None => totp.call_method0(pyo3::intern!(py, "now")),
    }
}

/// The arguments of one `totp_code` call.
struct Inputs<'a, 'py> {
    s: &'a Bound<'py, PyAny>,
    for_time: Option<&'a Bound<'py, PyAny>>,
    digits: &'a Arg<'py>,
    digest: Option<&'a Bound<'py, PyAny>>,
    interval: &'a Arg<'py>,
    min: MinLength,
}

impl Inputs<'_, '_> {
    /// The code, when every input is plain and valid (a str or bytes secret that decodes,
    /// digits an int from 6 to 10, SHA1/256/512, a plain interval in range, a plain or no
    /// time with the clock unpatched); `None` sends the call to the object, which then
    /// raises what pyotp raises.
    fn native_code(&self) -> Option<otp::Code> {
        let digits = otp::check_digits(self.digits.as_i64()?).ok()?;
        let interval = match self.interval {
            Arg::Default(n) => *n as f64,
            Arg::Given(interval) => fast_interval(interval)?,
        };
        let interval = otp::check_interval(interval).ok()?;
        let algorithm = match self.digest {
            None => Algorithm::Sha1,
            Some(digest) => native_algorithm(digest).ok()??,
        };
        let seconds = self.seconds()?;
        let counter = u64::try_from(otp::timecode(seconds, interval)?).ok()?;
        if !(self.s.is_exact_instance_of::<PyString>() || self.s.is_exact_instance_of::<PyBytes>())
        {
            return None;
        }
        let value = with_secret(self.s, self.min, |key| {
            Key::new(algorithm, key).value_at(counter)
        })
        .ok()?;
        Some(otp::format_decimal(value, digits))
    }

    /// Whole seconds of a plain int or float time, or of the native clock.
    fn seconds(&self) -> Option<i64> {
        match self.for_time {
            Some(t) if t.is_exact_instance_of::<PyInt>() || t.is_exact_instance_of::<PyFloat>() => {
                time::seconds(t).ok()
            }
            Some(_) => None,
            None => time::native_now(self.s.py()).ok()?,
        }
    }
}
