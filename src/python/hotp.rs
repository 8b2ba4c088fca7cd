//! pyotp's `HOTP` (`pyotp.hotp`): counter-based codes.

use super::alloc::new_code_str;
use super::arg::Arg;
use super::dispatch::{self, generate_via_python};
use super::otp::{check_digest, default_digest, text_of, Given, Otp};
use super::qr::{Int, QrCode};
use super::uri::build_uri_from;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString, PyTuple};
use pyo3_stub_gen::derive::{gen_methods_from_python, gen_stub_pyclass, gen_stub_pymethods};

/// HMAC-based one-time passwords (RFC 4226), pyotp's `HOTP`.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs.hotp", name = "HOTP", extends = Otp, subclass)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct Hotp {
    initial_count: Py<PyAny>,
}

impl Hotp {
    fn blank(py: Python<'_>) -> PyClassInitializer<Self> {
        PyClassInitializer::from(Otp::blank(false)).add_subclass(Hotp {
            initial_count: py.None(),
        })
    }

    /// A new, initialised HOTP (for `parse_uri`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create<'py>(
        s: &Bound<'py, PyAny>,
        digits: Arg<'py>,
        digest: Option<Bound<'py, PyAny>>,
        name: Option<Bound<'py, PyAny>>,
        issuer: Option<Bound<'py, PyAny>>,
        initial_count: Arg<'py>,
        allow_short_secret: bool,
    ) -> PyResult<Bound<'py, Self>> {
        let obj = Bound::new(s.py(), Hotp::blank(s.py()))?;
        Hotp::__init__(
            &obj,
            s,
            digits,
            digest,
            name,
            issuer,
            initial_count,
            allow_short_secret,
        )?;
        Ok(obj)
    }
}

#[gen_stub_pymethods]
#[pymethods]
impl Hotp {
    #[new]
    #[pyo3(signature = (*_args, digits = None, digest = None, name = None, issuer = None, initial_count = None, allow_short_secret = None, **_kwargs), text_signature = "(s, *, digits=6, digest=None, name=None, issuer=None, initial_count=0, allow_short_secret=False)")]
    #[gen_stub(skip)]
    #[allow(unused_variables, clippy::too_many_arguments)]
    fn py_new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        digits: Option<&Bound<'_, PyAny>>,
        digest: Option<&Bound<'_, PyAny>>,
        name: Option<&Bound<'_, PyAny>>,
        issuer: Option<&Bound<'_, PyAny>>,
        initial_count: Option<&Bound<'_, PyAny>>,
        allow_short_secret: Option<&Bound<'_, PyAny>>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyClassInitializer<Self> {
        Hotp::blank(py)
    }

    /// Handler for counter-based OTPs; `initial_count` is added to every counter.
    #[pyo3(signature = (s, *, digits = Arg::Default(6), digest = None, name = None, issuer = None, initial_count = Arg::Default(0), allow_short_secret = false))]
    #[allow(clippy::too_many_arguments)]
    fn __init__(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.str | builtins.bytes"))] s: &Bound<
            '_,
            PyAny,
        >,
        digits: Arg<'_>,
        digest: Option<Bound<'_, PyAny>>,
        #[gen_stub(override_type(type_repr = "builtins.str | None"))] name: Option<
            Bound<'_, PyAny>,
        >,
        #[gen_stub(override_type(type_repr = "builtins.str | None"))] issuer: Option<
            Bound<'_, PyAny>,
        >,
        initial_count: Arg<'_>,
        allow_short_secret: bool,
    ) -> PyResult<()> {
        let py = s.py();
        let digest = default_digest(py, digest)?;
        check_digest(&digest)?;
        let old = std::mem::replace(
            &mut slf.try_borrow_mut()?.initial_count,
            initial_count.bind(py)?.unbind(),
        );
        drop(old);
        Otp::init(
            slf.as_super(),
            s,
            digits.bind(py)?,
            digest,
            name,
            issuer,
            allow_short_secret,
        )
    }

    /// Added to the counter of every `at()` call.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.int"))]
    fn get_initial_count(&self, py: Python<'_>) -> Py<PyAny> {
        self.initial_count.clone_ref(py)
    }

    #[setter]
    fn set_initial_count(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.int"))] value: Py<PyAny>,
    ) -> PyResult<()> {
        let old = std::mem::replace(&mut slf.try_borrow_mut()?.initial_count, value);
        drop(old);
        Ok(())
    }

    /// The code for counter `initial_count + count`.
    #[gen_stub(override_return_type(type_repr = "builtins.str"))]
    fn at<'py>(
        slf: &Bound<'py, Self>,
        #[gen_stub(override_type(type_repr = "builtins.int"))] count: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if !dispatch::is_native(slf.as_any()) {
            let initial = slf.getattr(pyo3::intern!(py, "initial_count"))?;
            return generate_via_python(slf.as_any(), &initial.add(count)?);
        }
        let initial = {
            let mut this = slf.try_borrow_mut()?;
            let plain = |v: &Bound<'_, PyAny>| v.cast_exact::<PyInt>().ok()?.extract::<i64>().ok();
            let sum = plain(this.initial_count.bind(py))
                .zip(plain(count))
                .and_then(|(a, b)| a.checked_add(b))
                .and_then(|sum| u64::try_from(sum).ok());
            if let Some(code) = sum.and_then(|sum| this.as_super().native_code(sum)) {
                return Ok(new_code_str(py, &code)?.into_any());
            }
            this.initial_count.clone_ref(py)
        };
        let counter = initial.bind(py).add(count)?;
        Ok(Otp::generate(slf.as_super(), &counter)?
            .into_py(py)?
            .into_any())
    }

    /// Whether `otp` is the code for `counter` (compared in constant time).
    fn verify(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.str | builtins.int"))] otp: &Bound<
            '_,
            PyAny,
        >,
        #[gen_stub(override_type(type_repr = "builtins.int"))] counter: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let given = text_of(otp)?;
        let code = if dispatch::is_native(slf.as_any()) {
            Hotp::at(slf, counter)?
        } else {
            slf.call_method1(pyo3::intern!(slf.py(), "at"), (counter,))?
        };
        Given::new(&given).matches(dispatch::text(code)?.to_str()?)
    }

    /// A QR code of ``provisioning_uri(**uri_args)`` for authenticator apps (not in pyotp);
    /// see ``pyotp_rs.qr.QRCode`` for ``error_correction`` and ``border``.
    #[pyo3(signature = (*, error_correction = "M", border = Int::BORDER, **uri_args), text_signature = "($self, *, error_correction='M', border=4, **uri_args)")]
    fn qr(
        slf: &Bound<'_, Self>,
        error_correction: &str,
        border: Int,
        uri_args: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<QrCode> {
        QrCode::of_otp(slf.as_any(), uri_args, error_correction, border)
    }
}

/// `HOTP.provisioning_uri`, which `fastcall.rs` installs on the class.
pub(super) fn provisioning_uri<'py>(
    otp: &Bound<'py, Hotp>,
    name: Option<Bound<'py, PyAny>>,
    initial_count: Option<Bound<'py, PyAny>>,
    issuer_name: Option<Bound<'py, PyAny>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyString>> {
    let py = otp.py();
    let mut args = Otp::uri_args(otp.as_super(), name, issuer_name)?;
    args.initial_count = Some(match initial_count {
        Some(count) if !count.is_none() => count,
        _ => otp.try_borrow()?.initial_count.clone_ref(py).into_bound(py),
    });
    build_uri_from(args, kwargs, &["issuer", "algorithm", "digits"])
}

pyo3_stub_gen::inventory::submit! {
    gen_methods_from_python! {
        r#"
        class Hotp:
            def provisioning_uri(self, *, name: builtins.str | None = None, initial_count: builtins.int | None = None, issuer_name: builtins.str | None = None, **kwargs: builtins.str) -> builtins.str:
                """The `otpauth://hotp/...` URI for authenticator apps."""
        "#
    }
}
