//! Which methods run natively and which call through Python: the dispatch rule shared by
//! every class.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

/// The library's own classes (`OTP`, `HOTP`, `TOTP`, `Steam`), registered when the module loads.
static OWN_CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

/// Records the library's own classes; called once by the module's initialisation.
pub fn register_own_classes(py: Python<'_>, classes: Vec<Bound<'_, PyType>>) {
    let _ = OWN_CLASSES.set(py, classes.into_iter().map(Bound::unbind).collect());
}

/// Whether `obj` is exactly one of the library's classes. A Python subclass may override
/// `generate_otp`, `timecode`, `at` or `byte_secret`, and pyotp's methods call those
/// overrides; for subclasses the methods do the same through Python.
pub fn is_own_class(obj: &Bound<'_, PyAny>) -> bool {
    let py = obj.py();
    let ty = obj.get_type();
    OWN_CLASSES
        .get(py)
        .is_some_and(|own| own.iter().any(|class| ty.is(class)))
}

/// `str(self.generate_otp(counter))` through Python, for subclasses.
pub fn generate_via_python<'py>(
    slf: &Bound<'py, PyAny>,
    counter: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyString>> {
    slf.call_method1(pyo3::intern!(slf.py(), "generate_otp"), (counter,))?
        .str()
}
