//! Time inputs of TOTP methods: Unix timestamps as int, float or datetime, and the clock.

use super::lazy::{SECONDS, TOTP_MODULE};
use crate::otp;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt};

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
    TOTP_MODULE
        .get(py)?
        .getattr(pyo3::intern!(py, "time"))?
        .getattr(pyo3::intern!(py, "time"))?
        .call0()
}
