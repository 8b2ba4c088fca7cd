//! pyotp's `TOTP` (`pyotp.totp`): time-based codes, plus passlib's storage and matching methods.

use super::alloc::{new_code_str, Text};
use super::arg::Arg;
use super::attr::Attr;
use super::dispatch::{self, generate_via_python};
use super::otp::{check_digest, default_digest, text_of, Attributes, Given, Otp};
use super::qr::{Int, QrCode};
use super::storage::{self, Owner, PyWallet};
use super::time;
use super::uri::build_uri_from;
use super::verify::{self, TotpMatch};
use crate::otp::{self, OtpError};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString, PyTuple, PyType};
use pyo3_stub_gen::derive::{gen_methods_from_python, gen_stub_pyclass, gen_stub_pymethods};

/// `0 < interval <= 120` with Python's comparison semantics; the interval as a float.
/// Only a plain int or float is judged natively: a subclass may override the comparisons.
pub(super) fn check_interval(interval: &Bound<'_, PyAny>) -> PyResult<f64> {
    if let Ok(int) = interval.cast_exact::<PyInt>() {
        if let Ok(n) = int.extract::<i64>() {
            return Ok(otp::check_interval(n as f64)?);
        }
    }
    if let Ok(float) = interval.cast_exact::<pyo3::types::PyFloat>() {
        return Ok(otp::check_interval(float.value())?);
    }
    if interval.py().eval(c"0", None, None)?.lt(interval)? && interval.le(120)? {
        Ok(interval.extract::<f64>()?)
    } else {
        Err(OtpError::IntervalOutOfRange.into())
    }
}

/// Whether `value` is exactly an int or a float (no subclass, no other numeric type).
pub(super) fn is_plain_number(value: &Bound<'_, PyAny>) -> bool {
    value.cast_exact::<PyInt>().is_ok() || value.cast_exact::<pyo3::types::PyFloat>().is_ok()
}

/// The interval as a float when timecodes can be computed natively: a plain int or float.
pub(super) fn fast_interval(interval: &Bound<'_, PyAny>) -> Option<f64> {
    is_plain_number(interval)
        .then(|| interval.extract::<f64>().ok())
        .flatten()
}

/// The half-width of pyotp's `range(-valid_window, valid_window + 1)`, with Python's errors
/// for windows that are not integers.
pub(super) fn window_of(window: &Bound<'_, PyAny>) -> PyResult<i64> {
    window.neg()?;
    window.add(1)?;
    match window.extract::<i64>() {
        Ok(w) => Ok(w),
        // A window past 64 bits reaches below counter 0 at once, or is empty when negative.
        Err(_) if window.cast::<PyInt>().is_ok() => {
            if window.gt(0)? {
                Err(OtpError::NegativeCounter.into())
            } else {
                Ok(-1)
            }
        }
        Err(err) => Err(err),
    }
}

pyo3_stub_gen::inventory::submit! {
    gen_methods_from_python! {
        r#"
        class Totp:
            def provisioning_uri(self, *, name: builtins.str | None = None, issuer_name: builtins.str | None = None, **kwargs: builtins.str) -> builtins.str:
                """The `otpauth://totp/...` URI for authenticator apps."""
        "#
    }
}

/// `TOTP.provisioning_uri`, which `fastcall.rs` installs on the class.
pub(super) fn provisioning_uri<'py>(
    otp: &Bound<'py, Totp>,
    name: Option<Bound<'py, PyAny>>,
    issuer_name: Option<Bound<'py, PyAny>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyString>> {
    let py = otp.py();
    let mut args = Otp::uri_args(otp.as_super(), name, issuer_name)?;
    args.period = Some(otp.try_borrow()?.interval.bind(py));
    build_uri_from(args, kwargs, &["issuer", "algorithm", "digits", "period"])
}

/// Time-based one-time passwords (RFC 6238), pyotp's `TOTP`.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs.totp", name = "TOTP", extends = Otp, subclass)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct Totp {
    interval: Attr,
    /// The interval when timecodes can be computed natively (a plain int or float).
    interval_secs: Option<f64>,
}

/// A time step number: native when it fits in 64 bits, otherwise the Python int pyotp
/// computes (an interval as small as 1e-300 gives one).
pub(super) enum Timecode<'py> {
    Native(i64),
    Python(Bound<'py, PyAny>),
}

impl<'py> Timecode<'py> {
    fn into_py(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Self::Native(n) => Ok(n.into_pyobject(py)?.into_any()),
            Self::Python(n) => Ok(n),
        }
    }
}

/// A `for_time` to be resolved: given, or the clock already read natively.
enum When<'a, 'py> {
    Given(&'a Bound<'py, PyAny>),
    Seconds(i64),
    Now(Bound<'py, PyAny>),
}

impl<'a, 'py> When<'a, 'py> {
    /// `for_time`, or now (read as pyotp reads it: `time.time()`, natively when unpatched).
    fn of(py: Python<'py>, for_time: Option<&'a Bound<'py, PyAny>>) -> PyResult<Self> {
        match for_time {
            Some(t) if !t.is_none() => Ok(Self::Given(t)),
            _ => Ok(match time::native_now(py)? {
                Some(seconds) => Self::Seconds(seconds),
                None => Self::Now(time::now(py)?),
            }),
        }
    }

    fn seconds(&self) -> PyResult<i64> {
        match self {
            Self::Given(t) => time::seconds(t),
            Self::Now(t) => time::seconds(t),
            Self::Seconds(s) => Ok(*s),
        }
    }
}

impl Totp {
    /// An object `__init__` has not set up yet; `steam` for `Steam`.
    pub(super) fn blank(steam: bool) -> PyClassInitializer<Self> {
        PyClassInitializer::from(Otp::blank(steam)).add_subclass(Totp {
            interval: Attr::default(),
            interval_secs: None,
        })
    }

    /// TOTP's own checks in `__init__`, in pyotp's order: the digest it was given, then the
    /// interval. The digest to use (SHA1 when none was given) and the interval in seconds.
    fn check<'py>(
        py: Python<'py>,
        digest: Option<Bound<'py, PyAny>>,
        interval: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyAny>, f64)> {
        // pyotp: `if digest is None: digest = hashlib.sha1` `elif digest in [md5, shake_128]: raise`.
        if let Some(given) = &digest {
            check_digest(given)?;
        }
        let digest = default_digest(py, digest)?;
        Ok((digest, check_interval(interval)?))
    }

    /// pyotp's `TOTP.__init__` (and, for Steam, the part of `Steam.__init__` after its check).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn init(
        slf: &Bound<'_, Self>,
        s: &Bound<'_, PyAny>,
        digits: Bound<'_, PyAny>,
        digest: Option<Bound<'_, PyAny>>,
        name: Option<Bound<'_, PyAny>>,
        issuer: Option<Bound<'_, PyAny>>,
        interval: Bound<'_, PyAny>,
        allow_short: bool,
    ) -> PyResult<()> {
        let (digest, seconds) = Totp::check(s.py(), digest, &interval)?;
        let old = {
            let mut this = slf.try_borrow_mut()?;
            this.interval_secs = is_plain_number(&interval).then_some(seconds);
            this.interval.replace(interval.unbind())
        };
        drop(old);
        Otp::init(slf.as_super(), s, digits, digest, name, issuer, allow_short)
    }

    /// A new, initialised TOTP (for `parse_uri`), built with its attributes in place: what
    /// `TOTP(...)` makes, without first making the blank object that `__init__` fills.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create<'py>(
        s: &Bound<'py, PyAny>,
        digits: Arg<'py>,
        digest: Option<Bound<'py, PyAny>>,
        name: Option<Bound<'py, PyAny>>,
        issuer: Option<Bound<'py, PyAny>>,
        interval: Arg<'py>,
        allow_short_secret: bool,
    ) -> PyResult<Bound<'py, Self>> {
        let py = s.py();
        let interval = interval.bind(py)?;
        let (digest, seconds) = Totp::check(py, digest, &interval)?;
        let digits = digits.bind(py)?;
        let base = Attributes::check(s, digits, digest, name, issuer, allow_short_secret, true)?;
        let totp = Totp {
            interval_secs: is_plain_number(&interval).then_some(seconds),
            interval: Attr::new(interval.unbind()),
        };
        Bound::new(
            py,
            PyClassInitializer::from(Otp::initialised(base, false)).add_subclass(totp),
        )
    }

    /// `self.timecode(for_time)` through Python, `for_time` read as pyotp reads it.
    fn timecode_via_python<'py>(
        slf: &Bound<'py, Self>,
        for_time: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let for_time = match for_time {
            Some(t) if !t.is_none() => t.clone(),
            _ => time::now(py)?,
        };
        slf.call_method1(pyo3::intern!(py, "timecode"), (for_time,))
    }

    /// pyotp's verification loop through Python: the first counter in
    /// `timecode + range(-window, window + 1)` whose `str(self.generate_otp(counter))` equals
    /// `str(otp)`; with `window` None (a false `valid_window` in `verify`), `timecode` alone.
    fn find_via_python<'py>(
        slf: &Bound<'py, Self>,
        otp: &Bound<'py, PyAny>,
        timecode: &Bound<'py, PyAny>,
        window: Option<i64>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        if let Some(window) = window {
            otp::check_window(window)?;
        }
        let text = text_of(otp)?;
        let given = Given::new(&text);
        let Some(window) = window else {
            let code = generate_via_python(slf.as_any(), timecode)?;
            let found = given.matches(dispatch::text(code)?.to_str()?)?;
            return Ok(found.then(|| timecode.clone()));
        };
        for offset in -window..=window {
            let counter = timecode.add(offset)?;
            let code = generate_via_python(slf.as_any(), &counter)?;
            if given.matches(dispatch::text(code)?.to_str()?)? {
                return Ok(Some(counter));
            }
        }
        Ok(None)
    }

    /// The code at `seconds` shifted by `offset` steps, when all of it is native (no Python
    /// code runs, so it is computed inside the caller's borrow).
    fn native_code_at(
        this: &mut PyRefMut<'_, Self>,
        seconds: i64,
        offset: i64,
    ) -> Option<otp::Code> {
        let timecode = otp::timecode(seconds, this.interval_secs?)?;
        let counter = u64::try_from(timecode.checked_add(offset)?).ok()?;
        this.as_super().native_code(counter)
    }

    /// pyotp's `int(int(t) / self.interval)` for whole seconds `t`.
    fn timecode_from_seconds<'py>(slf: &Bound<'py, Self>, seconds: i64) -> PyResult<Timecode<'py>> {
        let py = slf.py();
        let interval = {
            let this = slf.try_borrow()?;
            if let Some(timecode) = this
                .interval_secs
                .and_then(|interval| otp::timecode(seconds, interval))
            {
                return Ok(Timecode::Native(timecode));
            }
            this.interval.bind(py)
        };
        // Python's arithmetic, with its errors for a zero, NaN or non-numeric interval
        // assigned after construction, and its big ints for a tiny one.
        let quotient = seconds.into_pyobject(py)?.div(&interval)?;
        let timecode = py.get_type::<PyInt>().call1((quotient,))?;
        Ok(match timecode.extract::<i64>() {
            Ok(n) => Timecode::Native(n),
            Err(_) => Timecode::Python(timecode),
        })
    }

    fn timecode_at<'py>(slf: &Bound<'py, Self>, when: &When<'_, 'py>) -> PyResult<Timecode<'py>> {
        Totp::timecode_from_seconds(slf, when.seconds()?)
    }

    /// `TOTP.at`: the code at `for_time` shifted by `counter_offset` steps (the body of the
    /// PyO3 method and of the C method `fastcall.rs` installs over it).
    pub(super) fn code_at_time<'py>(
        slf: &Bound<'py, Self>,
        for_time: &Bound<'py, PyAny>,
        counter_offset: Arg<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if !dispatch::is_native(slf.as_any()) {
            let timecode = Totp::timecode_via_python(slf, Some(for_time))?;
            return generate_via_python(slf.as_any(), &timecode.add(counter_offset.bind(py)?)?);
        }
        let seconds = time::seconds(for_time)?;
        if let Some(offset) = counter_offset.as_i64() {
            if let Some(code) = Totp::native_code_at(&mut slf.try_borrow_mut()?, seconds, offset) {
                return Ok(new_code_str(py, &code)?.into_any());
            }
        }
        let timecode = Totp::timecode_from_seconds(slf, seconds)?;
        Ok(Totp::code_at(slf, timecode, counter_offset)?.into_any())
    }

    /// The code for a timecode shifted by `counter_offset` steps.
    fn code_at<'py>(
        slf: &Bound<'py, Self>,
        timecode: Timecode<'py>,
        counter_offset: Arg<'py>,
    ) -> PyResult<Bound<'py, PyString>> {
        let py = slf.py();
        if let (Timecode::Native(timecode), Some(offset)) = (&timecode, counter_offset.as_i64()) {
            if let Some(counter) = timecode.checked_add(offset) {
                return Otp::code_at(slf.as_super(), counter)?.into_py(py);
            }
        }
        let counter = timecode.into_py(py)?.add(counter_offset.bind(py)?)?;
        Otp::generate(slf.as_super(), &counter)?.into_py(py)
    }

    /// The first counter in `timecode + range(-window, window + 1)` whose code equals `otp`.
    ///
    /// pyotp tries the offsets in ascending order and raises as soon as a counter is negative.
    /// `current_first` (for the boolean `verify`, where only whether some offset matches is
    /// observable) raises in exactly the same cases but tries offset 0 first: the code a
    /// client sends is nearly always the current one, and each candidate costs an HMAC.
    fn find(
        slf: &Bound<'_, Self>,
        otp: &Bound<'_, PyAny>,
        timecode: i64,
        window: i64,
        current_first: bool,
    ) -> PyResult<Option<i64>> {
        let text = text_of(otp)?;
        let given = Given::new(&text);
        let base = slf.as_super();
        let matches = |counter: i64| -> PyResult<bool> {
            given.matches(Otp::code_at(base, counter)?.as_str()?)
        };
        if window < 0 {
            return Ok(None);
        }
        if timecode.checked_sub(window).is_none_or(|first| first < 0) {
            return Err(OtpError::NegativeCounter.into());
        }
        otp::check_window(window)?;
        if current_first {
            if matches(timecode)? {
                return Ok(Some(timecode));
            }
            for offset in (-window..=window).filter(|&o| o != 0) {
                let counter = timecode.saturating_add(offset);
                if matches(counter)? {
                    return Ok(Some(counter));
                }
            }
            return Ok(None);
        }
        for offset in -window..=window {
            let counter = timecode.saturating_add(offset);
            if matches(counter)? {
                return Ok(Some(counter));
            }
        }
        Ok(None)
    }
}

#[gen_stub_pymethods]
#[pymethods]
impl Totp {
    #[new]
    #[pyo3(signature = (*_args, digits = None, digest = None, name = None, issuer = None, interval = None, allow_short_secret = None, **_kwargs), text_signature = "(s, *, digits=6, digest=None, name=None, issuer=None, interval=30, allow_short_secret=False)")]
    #[gen_stub(skip)]
    #[allow(unused_variables, clippy::too_many_arguments)]
    fn py_new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        digits: Option<&Bound<'_, PyAny>>,
        digest: Option<&Bound<'_, PyAny>>,
        name: Option<&Bound<'_, PyAny>>,
        issuer: Option<&Bound<'_, PyAny>>,
        interval: Option<&Bound<'_, PyAny>>,
        allow_short_secret: Option<&Bound<'_, PyAny>>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyClassInitializer<Self> {
        Totp::blank(false)
    }

    /// Handler for time-based OTPs; `interval` is the time step in seconds (at most 120).
    #[pyo3(signature = (s, *, digits = Arg::Default(6), digest = None, name = None, issuer = None, interval = Arg::Default(30), allow_short_secret = false))]
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
        interval: Arg<'_>,
        allow_short_secret: bool,
    ) -> PyResult<()> {
        let py = s.py();
        Totp::init(
            slf,
            s,
            digits.bind(py)?,
            digest,
            name,
            issuer,
            interval.bind(py)?,
            allow_short_secret,
        )
    }

    /// The time step in seconds.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.int"))]
    fn get_interval(&self, py: Python<'_>) -> Py<PyAny> {
        self.interval.get(py)
    }

    #[setter]
    fn set_interval(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.int"))] value: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let fast = fast_interval(&value);
        let old = {
            let mut this = slf.try_borrow_mut()?;
            this.interval_secs = fast;
            this.interval.replace(value.unbind())
        };
        drop(old);
        Ok(())
    }

    /// The code at `for_time` (int or float Unix time, or datetime), shifted by `counter_offset` steps.
    #[gen_stub(override_return_type(type_repr = "builtins.str"))]
    #[pyo3(signature = (for_time, *, counter_offset = Arg::Default(0)), text_signature = "($self, for_time, *, counter_offset=0)")]
    fn at<'py>(
        slf: &Bound<'py, Self>,
        #[gen_stub(override_type(type_repr = "builtins.int | builtins.float | datetime.datetime", imports = ("datetime",)))]
        for_time: &Bound<'py, PyAny>,
        counter_offset: Arg<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Totp::code_at_time(slf, for_time, counter_offset)
    }

    /// The current code.
    #[gen_stub(override_return_type(type_repr = "builtins.str"))]
    fn now<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if !dispatch::is_native(slf.as_any()) {
            return generate_via_python(slf.as_any(), &Totp::timecode_via_python(slf, None)?);
        }
        let seconds = When::of(py, None)?.seconds()?;
        if let Some(code) = Totp::native_code_at(&mut slf.try_borrow_mut()?, seconds, 0) {
            return Ok(new_code_str(py, &code)?.into_any());
        }
        let timecode = Totp::timecode_from_seconds(slf, seconds)?;
        Ok(Totp::code_at(slf, timecode, Arg::Default(0))?.into_any())
    }

    /// Whether `otp` is the code at `for_time` (default: now), give or take `valid_window` steps.
    #[pyo3(signature = (otp, *, for_time = None, valid_window = Arg::Default(0)), text_signature = "($self, otp, *, for_time=None, valid_window=0)")]
    fn verify(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.str | builtins.int"))] otp: &Bound<
            '_,
            PyAny,
        >,
        #[gen_stub(override_type(type_repr = "builtins.int | builtins.float | datetime.datetime | None", imports = ("datetime",)))]
        for_time: Option<&Bound<'_, PyAny>>,
        valid_window: Arg<'_>,
    ) -> PyResult<bool> {
        let py = otp.py();
        let timecode = if dispatch::is_native(slf.as_any()) {
            Totp::timecode_at(slf, &When::of(py, for_time)?)?
        } else {
            Timecode::Python(Totp::timecode_via_python(slf, for_time)?)
        };
        // pyotp: `if valid_window:` loop over `range(-valid_window, valid_window + 1)`,
        // else compare the code of `timecode` itself.
        let window = match valid_window.as_i64() {
            Some(0) => None,
            Some(w) => Some(w),
            None => {
                let w = valid_window.bind(py)?;
                if w.is_truthy()? {
                    Some(window_of(&w)?)
                } else {
                    None
                }
            }
        };
        Ok(match timecode {
            Timecode::Native(timecode) => {
                Totp::find(slf, otp, timecode, window.unwrap_or(0), true)?.is_some()
            }
            Timecode::Python(timecode) => {
                Totp::find_via_python(slf, otp, &timecode, window)?.is_some()
            }
        })
    }

    /// Like `verify`, but returns the matching timecode and raises `OTPVerificationError` on mismatch.
    #[pyo3(signature = (otp, *, for_time = None, valid_window = Arg::Default(0)), text_signature = "($self, otp, *, for_time=None, valid_window=0)")]
    #[gen_stub(override_return_type(type_repr = "builtins.int"))]
    fn verify_and_get_timecode<'py>(
        slf: &Bound<'py, Self>,
        #[gen_stub(override_type(type_repr = "builtins.str | builtins.int"))] otp: &Bound<
            'py,
            PyAny,
        >,
        #[gen_stub(override_type(type_repr = "builtins.int | builtins.float | datetime.datetime | None", imports = ("datetime",)))]
        for_time: Option<&Bound<'py, PyAny>>,
        valid_window: Arg<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = otp.py();
        // pyotp reads the clock, then checks the window, then computes the timecode.
        let native = dispatch::is_native(slf.as_any());
        let when = if native {
            When::of(py, for_time)?
        } else {
            match for_time {
                Some(t) if !t.is_none() => When::Given(t),
                _ => When::Now(time::now(py)?),
            }
        };
        let valid_window = valid_window.bind(py)?;
        if valid_window.lt(0)? {
            return Err(OtpError::NegativeWindow.into());
        }
        let timecode = if native {
            Totp::timecode_at(slf, &when)?
        } else {
            let for_time = match when {
                When::Given(t) => t.clone(),
                When::Now(t) => t,
                When::Seconds(s) => s.into_pyobject(py)?.into_any(),
            };
            Timecode::Python(slf.call_method1(pyo3::intern!(py, "timecode"), (for_time,))?)
        };
        let window = window_of(&valid_window)?;
        let found = match timecode {
            Timecode::Native(timecode) => match Totp::find(slf, otp, timecode, window, false)? {
                Some(counter) => Some(counter.into_pyobject(py)?.into_any()),
                None => None,
            },
            Timecode::Python(timecode) => Totp::find_via_python(slf, otp, &timecode, Some(window))?,
        };
        found.ok_or_else(|| OtpError::VerificationFailed.into())
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

    /// The time step number of `for_time`: whole seconds divided by `interval`.
    #[gen_stub(override_return_type(type_repr = "builtins.int"))]
    fn timecode<'py>(
        slf: &Bound<'py, Self>,
        #[gen_stub(override_type(type_repr = "builtins.int | builtins.float | datetime.datetime", imports = ("datetime",)))]
        for_time: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Totp::timecode_at(slf, &When::Given(for_time))?.into_py(slf.py())
    }

    /// Checks `code` like passlib's `TOTP.match`, refusing replays; `verify` stays pyotp's.
    ///
    /// Searches the time steps within `window` seconds either side of `for_time` (default: now)
    /// plus `skew`, never before `last_counter`. Returns a `TotpMatch` (store its `counter` and
    /// pass it as `last_counter` next time). Raises `MalformedTokenError`, `InvalidTokenError`,
    /// or `UsedTokenError` for the code of `last_counter` (all `ValueError`s).
    #[pyo3(name = "match", signature = (code, for_time = None, window = 30, skew = 0, last_counter = None))]
    fn match_code(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.str | builtins.bytes | builtins.int"))]
        code: &Bound<'_, PyAny>,
        #[gen_stub(override_type(type_repr = "builtins.int | builtins.float | datetime.datetime | None", imports = ("datetime",)))]
        for_time: Option<&Bound<'_, PyAny>>,
        window: i64,
        skew: i64,
        last_counter: Option<i64>,
    ) -> PyResult<TotpMatch> {
        let generator = {
            let this = slf.try_borrow()?;
            verify::Generator {
                digits: this.as_super().fast_digits,
                steam: this.as_super().steam,
                interval: this.interval_secs,
            }
        };
        let args = verify::MatchArgs {
            code,
            for_time,
            window,
            skew,
            last_counter,
        };
        verify::match_code(generator, args, |counter| {
            Ok(Otp::code_at(slf.as_super(), counter)?.as_str()?.to_owned())
        })
    }

    /// The key and parameters as passlib's TOTP JSON (sorted keys, compact).
    ///
    /// With a `wallet` that has secrets (or `encrypt=True`) the key is encrypted under the
    /// wallet's default tag: `format="sealed"` (authenticated, the default) or `"passlib"`
    /// (passlib 1.7.4's format, no MAC). `owner` (str or bytes, e.g. a user id) binds a sealed
    /// record to its owner: it then opens only with the same `owner`. A `name` of "Secret"
    /// (pyotp's default) is not stored.
    #[pyo3(signature = (wallet = None, *, format = "sealed", encrypt = None, owner = None))]
    fn to_json(
        slf: &Bound<'_, Self>,
        wallet: Option<PyRef<'_, PyWallet>>,
        format: &str,
        encrypt: Option<bool>,
        owner: Option<Owner>,
    ) -> PyResult<Text> {
        storage::to_json(
            slf.as_any(),
            wallet.as_deref(),
            format,
            encrypt,
            owner.as_ref(),
        )
    }

    /// Like `to_json`, as a dict.
    #[pyo3(signature = (wallet = None, *, format = "sealed", encrypt = None, owner = None))]
    #[gen_stub(override_return_type(type_repr = "builtins.dict[builtins.str, typing.Any]", imports = ("typing",)))]
    fn to_dict<'py>(
        slf: &Bound<'py, Self>,
        wallet: Option<PyRef<'_, PyWallet>>,
        format: &str,
        encrypt: Option<bool>,
        owner: Option<Owner>,
    ) -> PyResult<Bound<'py, PyAny>> {
        storage::to_dict(
            slf.as_any(),
            wallet.as_deref(),
            format,
            encrypt,
            owner.as_ref(),
        )
    }

    /// A TOTP from passlib's TOTP JSON (str or bytes), decrypting the key with `wallet`.
    ///
    /// With a wallet only sealed records are read, so a record downgraded to passlib's format
    /// or to a plain key raises `DecryptionError`; `format="passlib"` reads those as passlib
    /// does. `owner` must be the one the record was bound to, if any.
    #[classmethod]
    #[pyo3(signature = (data, wallet = None, *, format = "sealed", owner = None))]
    #[gen_stub(override_return_type(type_repr = "typing_extensions.Self", imports = ("typing_extensions",)))]
    fn from_json<'py>(
        cls: &Bound<'py, PyType>,
        #[gen_stub(override_type(type_repr = "builtins.str | builtins.bytes"))] data: &Bound<
            'py,
            PyAny,
        >,
        wallet: Option<PyRef<'py, PyWallet>>,
        format: &str,
        owner: Option<Owner>,
    ) -> PyResult<Bound<'py, PyAny>> {
        storage::from_data(cls, data, wallet.as_deref(), format, owner.as_ref())
    }

    /// A TOTP from passlib's TOTP dict, decrypting the key with `wallet` (see `from_json`).
    #[classmethod]
    #[pyo3(signature = (data, wallet = None, *, format = "sealed", owner = None))]
    #[gen_stub(override_return_type(type_repr = "typing_extensions.Self", imports = ("typing_extensions",)))]
    fn from_dict<'py>(
        cls: &Bound<'py, PyType>,
        #[gen_stub(override_type(type_repr = "builtins.dict[builtins.str, typing.Any]", imports = ("typing",)))]
        data: &Bound<'py, PyAny>,
        wallet: Option<PyRef<'py, PyWallet>>,
        format: &str,
        owner: Option<Owner>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !data.is_instance_of::<PyDict>() {
            return Err(PyTypeError::new_err("from_dict() needs a dict"));
        }
        storage::from_data(cls, data, wallet.as_deref(), format, owner.as_ref())
    }

    /// The key as unpadded upper-case base32 (passlib's `base32_key`).
    #[getter]
    fn base32_key(slf: &Bound<'_, Self>) -> PyResult<Text> {
        storage::base32_key(slf.as_any())
    }

    /// The key grouped for reading aloud, e.g. `GEZD-GNBV-...` (passlib's `pretty_key`);
    /// `format` is "base32" or "hex", `sep` the separator (None or "" for none).
    #[pyo3(signature = (format = "base32", sep = Some("-")), text_signature = "(self, format='base32', sep='-')")]
    fn pretty_key(slf: &Bound<'_, Self>, format: &str, sep: Option<&str>) -> PyResult<Text> {
        storage::pretty_key(slf.as_any(), format, sep)
    }
}
