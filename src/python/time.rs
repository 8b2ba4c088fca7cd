//! Time inputs of TOTP methods: Unix timestamps as int, float or datetime, and the clock.

use super::lazy::{SECONDS, TOTP_MODULE};
use crate::otp;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFloat, PyInt, PyModule, PyString};

/// Whole, range-checked seconds of a `for_time` argument.
///
/// Plain ints and floats are handled here; datetimes and other numbers go
/// through `pyotp_rs.totp._seconds`, which follows Python's own semantics.
pub fn seconds(for_time: &Bound<'_, PyAny>) -> PyResult<i64> {
    if let Ok(int) = for_time.cast_exact::<PyInt>() {
        return Ok(match int.extract::<i64>() {
            Ok(t) => otp::seconds_from_int(t)?,
            Err(_) => Err(otp::OtpError::TimeOutOfRange)?,
        });
    }
    if let Ok(float) = for_time.cast_exact::<PyFloat>() {
        return Ok(otp::seconds_from_float(float.value())?);
    }
    SECONDS.get(for_time.py())?.call1((for_time,))?.extract()
}

/// The current time, read through `pyotp_rs.totp.time.time()` at call time so that
/// `freezegun` and `mock.patch("pyotp_rs.totp.time.time")` work as they do with pyotp.
pub fn now(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    clock(py)?.call0()
}

/// The interpreter's own clock, remembered when the extension loads: the `time` module's
/// namespace and its builtin `time` function.
struct RealClock {
    module: Py<PyAny>,
    namespace: Py<PyDict>,
    time: Py<PyAny>,
}

/// The real clock, if `time.time` was the builtin when the extension loaded.
static REAL_CLOCK: PyOnceLock<Option<RealClock>> = PyOnceLock::new();

/// The namespace of `pyotp_rs.totp`, where tests replace `time` (looked up on first use:
/// that module imports the extension, so it is not ready when the extension loads).
static TOTP_NAMESPACE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// Remembers the interpreter's own `time.time` (called once, when the module is imported).
///
/// If something has already replaced it (the module imported under `freezegun`), nothing is
/// remembered and `now()` always calls through Python.
pub fn remember_clock(py: Python<'_>) -> PyResult<()> {
    let module = py.import("time")?;
    let clock = module.getattr("time")?;
    let builtin = clock.get_type().name()? == "builtin_function_or_method";
    let real = builtin.then(|| RealClock {
        namespace: module.dict().unbind(),
        module: module.into_any().unbind(),
        time: clock.unbind(),
    });
    let _ = REAL_CLOCK.set(py, real);
    Ok(())
}

/// Whole seconds of now, read natively when `pyotp_rs.totp.time.time` is the interpreter's
/// unpatched clock (the same CLOCK_REALTIME), or `None` when it has been patched.
///
/// Two dictionary lookups decide it, the same ones that attribute access would make: the
/// module `pyotp_rs.totp` binds as `time`, and that module's `time`.
pub fn native_now(py: Python<'_>) -> PyResult<Option<i64>> {
    let Some(Some(real)) = REAL_CLOCK.get(py) else {
        return Ok(None);
    };
    let totp = TOTP_NAMESPACE.get_or_try_init(py, || {
        Ok::<_, PyErr>(TOTP_MODULE.get(py)?.cast::<PyModule>()?.dict().unbind())
    })?;
    let name = pyo3::intern!(py, "time");
    let unpatched = maps_to(totp.bind(py), name, &real.module)?
        && maps_to(real.namespace.bind(py), name, &real.time)?;
    if !unpatched {
        return Ok(None);
    }
    Ok(unix_seconds().and_then(|seconds| otp::seconds_from_int(seconds).ok()))
}

/// Whether `namespace[name]` is `value`, looked up without taking a reference.
fn maps_to(
    namespace: &Bound<'_, PyDict>,
    name: &Bound<'_, PyString>,
    value: &Py<PyAny>,
) -> PyResult<bool> {
    // SAFETY: both pointers are live objects, `namespace` a dict; the result is a borrowed
    // reference, or NULL (with an exception set only when the lookup failed), and it is
    // compared by address only, while the GIL is held.
    let found = unsafe { ffi::PyDict_GetItemWithError(namespace.as_ptr(), name.as_ptr()) };
    if found.is_null() {
        return match PyErr::take(namespace.py()) {
            Some(err) => Err(err),
            None => Ok(false),
        };
    }
    Ok(std::ptr::eq(found, value.as_ptr()))
}

/// Whole seconds since the Unix epoch on the realtime clock, the one `time.time()` reads
/// (negative before the epoch); `None` if it cannot be read.
#[cfg(unix)]
#[allow(clippy::useless_conversion)] // `time_t` is 32 bits on some targets
fn unix_seconds() -> Option<i64> {
    let mut now = std::mem::MaybeUninit::<libc::timespec>::uninit();
    // SAFETY: `now` is writable timespec storage for the call.
    if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, now.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: `clock_gettime` succeeded, so it filled `now`.
    let now = unsafe { now.assume_init() };
    Some(i64::from(now.tv_sec))
}

/// Whole seconds since the Unix epoch (`None` before it, or if the clock cannot be read).
#[cfg(not(unix))]
fn unix_seconds() -> Option<i64> {
    use std::time::{SystemTime, UNIX_EPOCH};
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(elapsed.as_secs()).ok()
}

/// `pyotp_rs.totp.time.time`, looked up now (tests replace the module's `time` or its `time`).
fn clock(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    TOTP_MODULE
        .get(py)?
        .getattr(pyo3::intern!(py, "time"))?
        .getattr(pyo3::intern!(py, "time"))
}
