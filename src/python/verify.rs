//! Binding of replay-safe verification: `TOTP.match` and its result, `TotpMatch`.

use super::alloc::new_str;
use super::lazy::Imported;
use super::time;
use crate::verify::{self, Match, MatchError, Search, Token};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyInt, PyString, PyTuple};
use pyo3_stub_gen::derive::{gen_stub_pyclass, gen_stub_pyfunction, gen_stub_pymethods};

pyo3::import_exception!(pyotp_rs.exceptions, MalformedTokenError);
pyo3::import_exception!(pyotp_rs.exceptions, InvalidTokenError);
pyo3::import_exception!(pyotp_rs.exceptions, UsedTokenError);

/// A successful `TOTP.match` (passlib's `TotpMatch`); unpacks as `counter, time = match`.
///
/// Store `counter` and pass it back as `last_counter` so the same code is never accepted twice.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs", name = "TotpMatch", frozen)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct TotpMatch {
    inner: Match,
}

impl TotpMatch {
    fn as_tuple<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, [self.inner.counter, self.inner.time])
    }
}

#[gen_stub_pymethods]
#[pymethods]
impl TotpMatch {
    /// The counter (time step number) whose code matched.
    #[getter]
    fn counter(&self) -> i64 {
        self.inner.counter
    }

    /// The Unix time the code was checked for.
    #[getter]
    fn time(&self) -> i64 {
        self.inner.time
    }

    /// The window searched, in seconds each side.
    #[getter]
    fn window(&self) -> i64 {
        self.inner.window
    }

    /// The counter of `time` itself.
    #[getter]
    fn expected_counter(&self) -> i64 {
        self.inner.expected_counter()
    }

    /// Steps between the expected and the matched counter (negative: the client's clock is behind).
    #[getter]
    fn skipped(&self) -> i64 {
        self.inner.skipped()
    }

    /// Unix time at which the matched code's time step ends.
    #[getter]
    fn expire_time(&self) -> i128 {
        self.inner.expire_time()
    }

    /// Seconds for which the counter should be remembered (an upper bound).
    #[getter]
    fn cache_seconds(&self) -> i128 {
        self.inner.cache_seconds()
    }

    /// Unix time after which the counter has left every verification window.
    #[getter]
    fn cache_time(&self) -> i128 {
        self.inner.cache_time()
    }

    fn __len__(&self) -> usize {
        2
    }

    #[gen_stub(override_return_type(
        type_repr = "collections.abc.Iterator[builtins.int]",
        imports = ("collections.abc")
    ))]
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.as_tuple(py)?.as_any().try_iter()?.into_any())
    }

    /// Pickles and copies through ``_totp_match`` with the four numbers a match is made of.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let Match {
            counter,
            time,
            window,
            period,
        } = self.inner;
        (RESTORE.get(py)?, (counter, time, window, period)).into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "<TotpMatch counter={} time={} cache_seconds={}>",
            self.inner.counter,
            self.inner.time,
            self.inner.cache_seconds()
        )
    }
}

static RESTORE: Imported = Imported::new("pyotp_rs._pyotp_rs", "_totp_match");

/// Rebuilds a pickled ``TotpMatch`` (used by its ``__reduce__``).
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
pub fn _totp_match(counter: i64, time: i64, window: i64, period: i64) -> PyResult<TotpMatch> {
    if period < 1 || window < 0 {
        return Err(PyValueError::new_err(
            "a TotpMatch needs a period of at least 1 and a window of at least 0",
        ));
    }
    Ok(TotpMatch {
        inner: Match {
            counter,
            time,
            window,
            period,
        },
    })
}

/// The exception for a refused code, of passlib's class for each reason.
fn match_error(py: Python<'_>, err: MatchError<PyErr>) -> PyErr {
    let msg = err.to_string();
    match err {
        MatchError::NotDigits | MatchError::WrongLength(_) => MalformedTokenError::new_err(msg),
        MatchError::Invalid => InvalidTokenError::new_err(msg),
        MatchError::Used { expire_time } => {
            let build = || -> PyResult<PyErr> {
                let kwargs = PyDict::new(py);
                kwargs.set_item("expire_time", expire_time)?;
                let value = py
                    .get_type::<UsedTokenError>()
                    .call((msg,), Some(&kwargs))?;
                Ok(PyErr::from_value(value))
            };
            build().unwrap_or_else(|err| err)
        }
        MatchError::NegativeWindow | MatchError::Period | MatchError::WindowTooWide => {
            PyValueError::new_err(msg)
        }
        MatchError::Code(err) => err,
    }
}

/// What `TOTP.match` needs to know about the TOTP object.
pub(crate) struct Generator {
    /// The code length, None when `digits` is not a plain int.
    pub digits: Option<u32>,
    /// Whether codes are Steam's letters (refused).
    pub steam: bool,
    /// The time step in seconds, None when `interval` is not a plain number.
    pub interval: Option<f64>,
}

/// The arguments of `TOTP.match`.
pub(crate) struct MatchArgs<'a, 'py> {
    pub code: &'a Bound<'py, PyAny>,
    pub for_time: Option<&'a Bound<'py, PyAny>>,
    pub window: i64,
    pub skew: i64,
    pub last_counter: Option<i64>,
}

/// The body of `TOTP.match`: checks the code against the codes around `for_time` (default:
/// now), rendered by `code_at(counter)`.
pub(crate) fn match_code(
    generator: Generator,
    args: MatchArgs<'_, '_>,
    code_at: impl FnMut(i64) -> PyResult<String>,
) -> PyResult<TotpMatch> {
    let Generator {
        digits,
        steam,
        interval,
    } = generator;
    let code = args.code;
    let py = code.py();
    if steam {
        return Err(PyTypeError::new_err(
            "match() checks numeric codes; Steam codes are not supported",
        ));
    }
    let digits = digits.ok_or_else(|| PyTypeError::new_err("digits must be an integer"))?;
    let interval = interval
        .filter(|i| i.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(i))
        .ok_or_else(|| PyValueError::new_err("match() needs an interval of whole seconds"))?;
    let time = match args.for_time {
        Some(t) if !t.is_none() => time::seconds(t)?,
        _ => time::seconds(&time::now(py)?)?,
    };
    let search = Search {
        time,
        period: interval as i64,
        window: args.window,
        skew: args.skew,
        last_counter: args.last_counter,
    };
    let text;
    let token = if code.cast::<PyInt>().is_ok() {
        text = new_str(py, "%0*d")?
            .rem((digits, code))?
            .extract::<String>()?;
        Token::Rendered(&text)
    } else if let Ok(s) = code.cast::<PyString>() {
        text = s.to_str()?.to_owned();
        Token::Text(&text)
    } else if code.cast::<PyBytes>().is_ok() || code.cast::<PyByteArray>().is_ok() {
        let raw: Vec<u8> = code.extract()?;
        text = String::from_utf8(raw)
            .map_err(|_| MalformedTokenError::new_err("Token must contain only the digits 0-9"))?;
        Token::Text(&text)
    } else {
        return Err(PyTypeError::new_err(format!(
            "code must be str, bytes or int, not {}",
            code.get_type().name()?
        )));
    };
    verify::find_match(token, digits as usize, search, code_at)
        .map(|inner| TotpMatch { inner })
        .map_err(|err| match_error(py, err))
}
