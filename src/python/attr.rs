//! The attributes pyotp's `__init__` sets, held until then without a reference to `None`.

use pyo3::prelude::*;

/// An attribute of an OTP object: Python's `None` until `__init__` (or a setter) gives it a
/// value. A new object makes several of these before `__init__` replaces them all, so an unset
/// one holds nothing rather than a reference to `None` taken and released for each.
#[derive(Default)]
pub(super) struct Attr(Option<Py<PyAny>>);

impl Attr {
    /// An attribute holding `value`.
    pub(super) fn new(value: Py<PyAny>) -> Self {
        Self(Some(value))
    }

    /// The value, `None` when unset.
    pub(super) fn get(&self, py: Python<'_>) -> Py<PyAny> {
        match &self.0 {
            Some(value) => value.clone_ref(py),
            None => py.None(),
        }
    }

    /// [`Attr::get`], bound.
    pub(super) fn bind<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.get(py).into_bound(py)
    }

    /// Sets `value`; the previous value, to be released once no borrow of the object is held
    /// (its release may run Python code).
    pub(super) fn replace(&mut self, value: Py<PyAny>) -> Self {
        Self(self.0.replace(value))
    }
}
