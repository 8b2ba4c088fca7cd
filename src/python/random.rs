//! `random_base32` and `random_hex`: secrets from the operating system's CSPRNG.

use super::arg::Arg;
use crate::secret::{self, RandomError, BASE32_ALPHABET, HEX_ALPHABET};
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3_stub_gen::derive::gen_stub_pyfunction;

/// The `chars` argument: a string (fast path) or any sequence of strings.
#[derive(FromPyObject)]
pub enum Chars<'py> {
    Text(Bound<'py, PyString>),
    Sequence(Bound<'py, PyAny>),
}

fn generate(
    py: Python<'_>,
    length: Arg<'_>,
    minimum: i64,
    chars: Option<Chars<'_>>,
    default: &str,
) -> PyResult<String> {
    let n = match length.as_i64() {
        Some(n) => n,
        None => {
            let length = length.bind(py)?;
            if length.lt(minimum)? {
                return Err(RandomError::TooShort.into());
            }
            length.extract::<i64>()?
        }
    };
    match chars {
        None => Ok(secret::random_string(n, minimum, default)?),
        Some(Chars::Text(text)) => Ok(secret::random_string(n, minimum, &text.to_cow()?)?),
        Some(Chars::Sequence(seq)) => {
            if n < minimum {
                return Err(RandomError::TooShort.into());
            }
            let mut picks = vec![0usize; usize::try_from(n).unwrap_or(0)];
            secret::random_indices(&mut picks, seq.len()?)?;
            let items = picks
                .iter()
                .map(|&i| seq.get_item(i))
                .collect::<PyResult<Vec<_>>>()?;
            PyString::new(py, "")
                .call_method1("join", (items,))?
                .extract()
        }
    }
}

/// A random base32 secret of `length` characters (at least 32, i.e. 160 bits).
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(signature = (length = Arg::Default(32), chars = None))]
#[gen_stub(override_return_type(type_repr = "str"))]
pub fn random_base32(
    py: Python<'_>,
    length: Arg<'_>,
    #[gen_stub(override_type(type_repr = "collections.abc.Sequence[str]", imports = ("collections.abc",)))]
    chars: Option<Chars<'_>>,
) -> PyResult<String> {
    generate(py, length, 32, chars, BASE32_ALPHABET)
}

/// A random upper-case hex string of `length` characters (at least 40, i.e. 160 bits).
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(signature = (length = Arg::Default(40), chars = None))]
#[gen_stub(override_return_type(type_repr = "str"))]
pub fn random_hex(
    py: Python<'_>,
    length: Arg<'_>,
    #[gen_stub(override_type(type_repr = "collections.abc.Sequence[str]", imports = ("collections.abc",)))]
    chars: Option<Chars<'_>>,
) -> PyResult<String> {
    generate(py, length, 40, chars, HEX_ALPHABET)
}
