//! pyotp's `contrib.Steam` (`pyotp.contrib.steam`): Steam Guard codes.

use super::arg::Arg;
use super::lazy::SHA1;
use super::totp::{check_interval, Totp};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3_stub_gen::derive::{gen_stub_pyclass, gen_stub_pymethods};

/// Steam Guard codes (5 characters), pyotp's `contrib.Steam`.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs.contrib.steam", name = "Steam", extends = Totp, subclass)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct Steam;

#[gen_stub_pymethods]
#[pymethods]
impl Steam {
    #[new]
    #[pyo3(signature = (*_args, name = None, issuer = None, interval = None, digits = None, allow_short_secret = None, **_kwargs), text_signature = "(s, *, name=None, issuer=None, interval=30, digits=5, allow_short_secret=False)")]
    #[gen_stub(skip)]
    #[allow(unused_variables, clippy::too_many_arguments)]
    fn py_new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        name: Option<&Bound<'_, PyAny>>,
        issuer: Option<&Bound<'_, PyAny>>,
        interval: Option<&Bound<'_, PyAny>>,
        digits: Option<&Bound<'_, PyAny>>,
        allow_short_secret: Option<&Bound<'_, PyAny>>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyClassInitializer<Self> {
        Totp::blank(true).add_subclass(Steam)
    }

    /// Steam's TOTP variant. As in pyotp, `interval` is range-checked but the interval stays 30,
    /// and `digits` is ignored.
    #[pyo3(signature = (s, *, name = None, issuer = None, interval = Arg::Default(30), digits = Arg::Default(5), allow_short_secret = false))]
    fn __init__(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.str | builtins.bytes"))] s: &Bound<
            '_,
            PyAny,
        >,
        #[gen_stub(override_type(type_repr = "builtins.str | None"))] name: Option<
            Bound<'_, PyAny>,
        >,
        #[gen_stub(override_type(type_repr = "builtins.str | None"))] issuer: Option<
            Bound<'_, PyAny>,
        >,
        interval: Arg<'_>,
        digits: Arg<'_>,
        allow_short_secret: bool,
    ) -> PyResult<()> {
        let py = s.py();
        let _ignored_like_pyotp = digits;
        check_interval(&interval.bind(py)?)?;
        let ten = 10i64.into_pyobject(py)?.into_any();
        let thirty = 30i64.into_pyobject(py)?.into_any();
        let sha1 = Some(SHA1.get(py)?.clone());
        Totp::init(
            slf.as_super(),
            s,
            ten,
            sha1,
            name,
            issuer,
            thirty,
            allow_short_secret,
        )
    }
}

impl Steam {
    /// A new, initialised Steam generator (for `parse_uri`).
    pub(crate) fn create<'py>(
        s: &Bound<'py, PyAny>,
        name: Option<Bound<'py, PyAny>>,
        issuer: Option<Bound<'py, PyAny>>,
        interval: Arg<'py>,
        digits: Arg<'py>,
        allow_short_secret: bool,
    ) -> PyResult<Bound<'py, Self>> {
        let py = s.py();
        let obj = Bound::new(py, Totp::blank(true).add_subclass(Steam))?;
        Steam::__init__(&obj, s, name, issuer, interval, digits, allow_short_secret)?;
        Ok(obj)
    }
}
