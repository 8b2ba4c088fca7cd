//! The cost of a call's shape alone, for `benches/compare.py`: what a one-shot code costs
//! before any decoding or hashing, in the shape pyotp's API needs and in totp-rs's shape.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

/// A code as the real calls return it: a new 6-character string.
fn code(py: Python<'_>) -> Bound<'_, PyString> {
    PyString::new(py, "755224")
}

/// The shape of `pyotp_rs.TOTP` that pyotp's semantics need: subclassable, an instance
/// `__dict__` (instance patches), weak references, `__new__` plus a separate `__init__`
/// (`super().__init__` in subclasses), and a method; none of them does any work.
#[pyclass(subclass, dict, weakref)]
struct Shape {
    secret: Py<PyAny>,
}

#[pymethods]
impl Shape {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> Self {
        Self { secret: py.None() }
    }

    fn __init__(&mut self, s: Bound<'_, PyAny>) {
        self.secret = s.unbind();
    }

    fn at<'py>(&self, py: Python<'py>, _for_time: i64) -> Bound<'py, PyString> {
        code(py)
    }
}

/// The shape of totp-rs's `totp_generate(secret, *, time=None)`: one function call.
#[pyfunction]
#[pyo3(signature = (_secret, *, time = None))]
fn call<'py>(py: Python<'py>, _secret: &str, time: Option<i64>) -> Bound<'py, PyString> {
    let _ = time;
    code(py)
}

#[pymodule]
fn pyotp_rs_floor(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Shape>()?;
    m.add_function(wrap_pyfunction!(call, m)?)
}
