//! Which calls compute natively and which call pyotp's hooks through Python: the one rule
//! every class follows.
//!
//! pyotp's methods call `self.timecode`, `self.generate_otp`, `self.byte_secret` and `self.at`,
//! so a Python subclass that overrides one, or a test that patches one on an instance
//! (`mock.patch.object(totp, "timecode", ...)`), changes what they compute. The library's
//! methods do the same calls through Python for such objects, where and as often as pyotp
//! does; every other object computes natively.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyType};

/// One of the library's classes, and where its objects keep their instance `__dict__`.
struct OwnClass {
    class: Py<PyType>,
    dict_offset: isize,
}

/// The library's own classes (`OTP`, `HOTP`, `TOTP`, `Steam`), registered when the module loads.
static OWN_CLASSES: PyOnceLock<Vec<OwnClass>> = PyOnceLock::new();

/// Records the library's own classes; called once by the module's initialisation.
pub fn register_own_classes(py: Python<'_>, classes: Vec<Bound<'_, PyType>>) -> PyResult<()> {
    let mut own = Vec::with_capacity(classes.len());
    for class in classes {
        let dict_offset: isize = class.getattr("__dictoffset__")?.extract()?;
        if dict_offset <= 0 {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "{} keeps no instance __dict__ at a fixed offset",
                class.name()?
            )));
        }
        own.push(OwnClass {
            class: class.unbind(),
            dict_offset,
        });
    }
    let _ = OWN_CLASSES.set(py, own);
    Ok(())
}

/// Whether `obj` computes natively: it is exactly one of the library's classes and its
/// instance `__dict__` holds none of the hooks. Patching a hook on the class itself is not
/// seen (a check of the class's attributes on every call would cost more than the call).
pub fn is_native(obj: &Bound<'_, PyAny>) -> bool {
    let py = obj.py();
    let ty = obj.get_type_ptr();
    let Some(own) = OWN_CLASSES
        .get(py)
        .and_then(|own| own.iter().find(|c| c.class.as_ptr().cast() == ty))
    else {
        return false;
    };
    // SAFETY: `dict_offset` is the class's positive `__dictoffset__`, so the object (exactly of
    // that class) holds its instance dict pointer, or null before the first attribute is set,
    // at that offset; the pointer is only read, while `obj` keeps the object alive.
    let dict = unsafe {
        *obj.as_ptr()
            .cast::<u8>()
            .offset(own.dict_offset)
            .cast::<*mut ffi::PyObject>()
    };
    if dict.is_null() {
        return true;
    }
    // SAFETY: a non-null instance dict pointer is a dict owned by the object.
    let dict = unsafe { Borrowed::from_ptr(py, dict).cast_unchecked::<PyDict>() };
    dict.is_empty() || !shadows_a_hook(&dict)
}

/// Whether an instance dict holds one of the names pyotp's methods call on `self`.
fn shadows_a_hook(dict: &Borrowed<'_, '_, PyDict>) -> bool {
    let py = dict.py();
    [
        pyo3::intern!(py, "timecode"),
        pyo3::intern!(py, "generate_otp"),
        pyo3::intern!(py, "byte_secret"),
        pyo3::intern!(py, "at"),
    ]
    .into_iter()
    .any(|name| dict.contains(name).unwrap_or(true))
}

/// `self.generate_otp(counter)` through Python, returned as pyotp returns it.
pub fn generate_via_python<'py>(
    slf: &Bound<'py, PyAny>,
    counter: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    slf.call_method1(pyo3::intern!(slf.py(), "generate_otp"), (counter,))
}

/// `str(value)`, for the places where pyotp compares the string of a hook's result.
pub fn text<'py>(value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    match value.cast_into::<PyString>() {
        Ok(text) => Ok(text),
        Err(err) => err.into_inner().str(),
    }
}
