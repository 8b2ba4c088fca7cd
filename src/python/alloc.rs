//! Python `str` and `bytes` objects made with the allocation checked.
//!
//! PyO3's `PyString::new` and `PyBytes::new`, and the conversion of a returned `String`, panic
//! when CPython cannot allocate the object (`PanicException: PyObject pointer is null`, a
//! `BaseException` that `except Exception` misses). Under an address-space limit that is
//! reachable with sizes the caller picks (`random_base32(2**31)`). Every `str` and `bytes` the
//! binding makes comes from here, which raises `MemoryError` as CPython's own constructors do.

use crate::otp::Code;
use pyo3::exceptions::PyMemoryError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use pyo3_stub_gen::{PyStubType, TypeInfo};

/// The length CPython takes, or `MemoryError` for one beyond `Py_ssize_t`.
fn ssize(len: usize) -> PyResult<ffi::Py_ssize_t> {
    ffi::Py_ssize_t::try_from(len).map_err(|_| PyMemoryError::new_err(()))
}

/// A new `str` holding `text`; `MemoryError` when it cannot be allocated.
pub(crate) fn new_str<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyString>> {
    let len = ssize(text.len())?;
    // SAFETY: the pointer and length describe `text`, valid UTF-8 that outlives the call; a
    // NULL result comes with the exception CPython raised (MemoryError), which PyO3 fetches.
    unsafe {
        let obj = ffi::PyUnicode_FromStringAndSize(text.as_ptr().cast(), len);
        Ok(Bound::from_owned_ptr_or_err(py, obj)?.cast_into_unchecked())
    }
}

/// A new `str` holding `text`, which is ASCII (a code, a URI); `MemoryError` when it cannot be
/// allocated.
///
/// Made as Latin-1, whose first 128 characters are ASCII's: CPython copies the bytes after
/// one scan for the widest character, where UTF-8 decoding checks each byte as it copies.
pub(crate) fn new_ascii_str<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyString>> {
    debug_assert!(text.is_ascii());
    let len = ssize(text.len())?;
    // SAFETY: the pointer and length describe `text`, which outlives the call; every byte
    // sequence is valid Latin-1, and a NULL result comes with the exception CPython raised.
    unsafe {
        let obj = ffi::PyUnicode_DecodeLatin1(text.as_ptr().cast(), len, std::ptr::null());
        Ok(Bound::from_owned_ptr_or_err(py, obj)?.cast_into_unchecked())
    }
}

/// A code as a new `str`; `MemoryError` when it cannot be allocated.
pub(crate) fn new_code_str<'py>(py: Python<'py>, code: &Code) -> PyResult<Bound<'py, PyString>> {
    new_ascii_str(py, code.as_bytes())
}

/// A new `bytes` holding `data`; `MemoryError` when it cannot be allocated.
pub(crate) fn new_bytes<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let len = ssize(data.len())?;
    // SAFETY: the pointer and length describe `data`, which outlives the call; a NULL result
    // comes with the exception CPython raised.
    unsafe {
        let obj = ffi::PyBytes_FromStringAndSize(data.as_ptr().cast(), len);
        Ok(Bound::from_owned_ptr_or_err(py, obj)?.cast_into_unchecked())
    }
}

/// A `String` returned to Python as `str` through [`new_str`]: return `PyResult<Text>` (or a
/// `Vec<Text>`) where a plain `String` would panic on a failed allocation.
pub(crate) struct Text(pub String);

impl<'py> IntoPyObject<'py> for Text {
    type Target = PyString;
    type Output = Bound<'py, PyString>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        new_str(py, &self.0)
    }
}

impl PyStubType for Text {
    fn type_output() -> TypeInfo {
        TypeInfo::builtin("str")
    }
}
