//! `random_base32` and `random_hex`: secrets from the operating system's CSPRNG.

use super::alloc::{new_str, Text};
use super::arg::Arg;
use crate::secret::{self, RandomError, BASE32_ALPHABET, HEX_ALPHABET};
use pyo3::exceptions::{PyMemoryError, PyOverflowError};
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3_stub_gen::derive::gen_stub_pyfunction;
use pyo3_stub_gen::{PyStubType, TypeInfo};

/// The `chars` argument: the default alphabet, a string (fast path) or any sequence of strings.
pub enum Chars<'py> {
    /// The signature's default alphabet.
    Default(&'static str),
    /// A `str`: characters are drawn natively.
    Text(Bound<'py, PyString>),
    /// Any other sequence: elements are drawn by index and joined.
    Sequence(Bound<'py, PyAny>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Chars<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let obj = obj.to_owned();
        Ok(match obj.cast_into::<PyString>() {
            Ok(text) => Self::Text(text),
            Err(err) => Self::Sequence(err.into_inner()),
        })
    }
}

impl<'py> IntoPyObject<'py> for Chars<'_> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Self::Default(text) => new_str(py, text)?.into_any(),
            Self::Text(text) => text.into_any().unbind().into_bound(py),
            Self::Sequence(seq) => seq.unbind().into_bound(py),
        })
    }
}

impl PyStubType for Chars<'_> {
    fn type_output() -> TypeInfo {
        let mut info = TypeInfo::unqualified("typing.Sequence[builtins.str]");
        info.import.insert("typing".into());
        info
    }
}

fn generate(py: Python<'_>, length: Arg<'_>, minimum: i64, chars: Chars<'_>) -> PyResult<Text> {
    let n = match length.as_i64() {
        Some(n) => n,
        None => {
            let length = length.bind(py)?;
            if length.lt(minimum)? {
                return Err(RandomError::TooShort.into());
            }
            // pyotp loops `range(length)` times, running out of memory long before 2**63.
            length.extract::<i64>().map_err(|err| {
                if err.is_instance_of::<PyOverflowError>(py) {
                    PyMemoryError::new_err(err.value(py).to_string())
                } else {
                    err
                }
            })?
        }
    };
    match chars {
        Chars::Default(alphabet) => Ok(Text(secret::random_string(n, minimum, alphabet)?)),
        Chars::Text(text) => Ok(Text(secret::random_string(n, minimum, &text.to_cow()?)?)),
        Chars::Sequence(seq) => {
            if n < minimum {
                return Err(RandomError::TooShort.into());
            }
            let count = usize::try_from(n).map_err(|_| RandomError::TooLong(n as u64))?;
            let mut picks = secret::reserve(count, 1)?;
            picks.resize(count, 0);
            secret::random_indices(&mut picks, seq.len()?)?;
            let items = picks
                .iter()
                .map(|&i| seq.get_item(i))
                .collect::<PyResult<Vec<_>>>()?;
            new_str(py, "")?
                .call_method1("join", (items,))?
                .extract()
                .map(Text)
        }
    }
}

/// A random base32 secret of `length` characters (at least 32, i.e. 160 bits).
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(
    signature = (length = Arg::Default(32), chars = Chars::Default(BASE32_ALPHABET)),
    text_signature = "(length=32, chars='ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')"
)]
pub fn random_base32(py: Python<'_>, length: Arg<'_>, chars: Chars<'_>) -> PyResult<Text> {
    generate(py, length, 32, chars)
}

/// A random upper-case hex string of `length` characters (at least 40, i.e. 160 bits).
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(
    signature = (length = Arg::Default(40), chars = Chars::Default(HEX_ALPHABET)),
    text_signature = "(length=40, chars='ABCDEF0123456789')"
)]
pub fn random_hex(py: Python<'_>, length: Arg<'_>, chars: Chars<'_>) -> PyResult<Text> {
    generate(py, length, 40, chars)
}
