//! Arguments that pyotp takes as any object but defaults to an integer.

use pyo3::prelude::*;
use pyo3_stub_gen::{PyStubType, TypeInfo};

/// A keyword argument kept as the caller's object (pyotp stores it verbatim and compares it
/// with Python semantics), or the integer default when it was not given.
pub enum Arg<'py> {
    /// The caller's object.
    Given(Bound<'py, PyAny>),
    /// The signature's default.
    Default(i64),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Arg<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Self::Given(obj.to_owned()))
    }
}

impl<'py> IntoPyObject<'py> for Arg<'_> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Self::Given(obj) => Ok(obj.unbind().into_bound(py)),
            Self::Default(n) => Ok(n.into_pyobject(py)?.into_any()),
        }
    }
}

impl<'py> Arg<'py> {
    /// The argument as a Python object.
    pub fn bind(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.into_pyobject(py)
    }

    /// The integer value when it is the default or a plain int that fits in 64 bits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Default(n) => Some(*n),
            Self::Given(obj) => obj.cast_exact::<pyo3::types::PyInt>().ok()?.extract().ok(),
        }
    }
}

impl PyStubType for Arg<'_> {
    fn type_output() -> TypeInfo {
        TypeInfo::builtin("int")
    }
}
