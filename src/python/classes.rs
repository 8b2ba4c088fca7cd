//! pyotp's classes: `OTP`, `HOTP`, `TOTP` and `contrib.Steam`.
//!
//! Each object keeps the attributes exactly as given (pyotp users read and assign them)
//! and, beside them, the decoded secret keyed into an HMAC once, re-derived whenever
//! `secret` or `digest` is assigned.

use super::arg::Arg;
use super::lazy::{HMAC_NEW, MD5, NEWOBJ, SHA1, SHA256, SHA512, SHAKE_128, STRINGS_EQUAL};
use super::qr::{Int, QrCode};
use super::storage::{self, PyWallet};
use super::time;
use super::uri::{build_uri_from, UriArgs};
use super::verify::{self, TotpMatch};
use crate::otp::{self, Algorithm, Key, LazyKey, OtpError};
use crate::secret::{self, MinLength};
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyInt, PyString, PyTuple, PyType};
use pyo3_stub_gen::derive::{
    gen_methods_from_python, gen_stub_pyclass, gen_stub_pyfunction, gen_stub_pymethods,
};
use zeroize::Zeroizing;

/// How codes are computed: natively for SHA1/256/512, through Python's `hmac` otherwise;
/// or why they cannot be (a secret or digest assigned later that does not work, or an object
/// whose `__init__` has not run).
enum Engine {
    Native(LazyKey),
    Python(Zeroizing<Vec<u8>>),
    Invalid(PyErr),
    Uninitialised,
}

/// Decodes a secret object as pyotp's `byte_secret()` does (keys shorter than 112 bits
/// only with the `allow_short_secret` opt-in).
fn decode_secret(secret: &Bound<'_, PyAny>, min: MinLength) -> PyResult<Zeroizing<Vec<u8>>> {
    if let Ok(text) = secret.cast::<PyString>() {
        return Ok(secret::decode_str(&text.to_cow()?, min)?);
    }
    if let Ok(bytes) = secret.cast::<PyBytes>() {
        return Ok(secret::decode(bytes.as_bytes(), true, min)?);
    }
    if let Ok(bytes) = secret.cast::<PyByteArray>() {
        let raw = Zeroizing::new(bytes.to_vec());
        if raw.len() % 8 != 0 {
            return Err(PyTypeError::new_err("can't concat str to bytearray"));
        }
        return Ok(secret::decode(&raw, true, min)?);
    }
    // pyotp pads whatever it was given with `secret += "=" * n`, then `b32decode`s the result.
    let missing = secret.len()? % 8;
    if missing != 0 {
        let padded = secret.add("=".repeat(8 - missing))?;
        if padded.cast::<PyString>().is_ok() || padded.cast::<PyBytes>().is_ok() {
            return decode_secret(&padded, min);
        }
        return Err(not_decodable(&padded));
    }
    Err(not_decodable(secret))
}

/// `b32decode`'s error for an object that is neither text nor bytes.
fn not_decodable(value: &Bound<'_, PyAny>) -> PyErr {
    let name = value
        .get_type()
        .name()
        .map_or_else(|_| "object".to_owned(), |n| n.to_string());
    PyTypeError::new_err(format!(
        "argument should be a bytes-like object or ASCII string, not '{name}'"
    ))
}

fn native_algorithm(digest: &Bound<'_, PyAny>) -> PyResult<Option<Algorithm>> {
    Ok(if SHA1.is(digest)? {
        Some(Algorithm::Sha1)
    } else if SHA256.is(digest)? {
        Some(Algorithm::Sha256)
    } else if SHA512.is(digest)? {
        Some(Algorithm::Sha512)
    } else {
        None
    })
}

fn check_digest(digest: &Bound<'_, PyAny>) -> PyResult<()> {
    if MD5.is(digest)? || SHAKE_128.is(digest)? {
        return Err(OtpError::WeakDigest.into());
    }
    Ok(())
}

fn make_engine(
    secret: &Bound<'_, PyAny>,
    digest: &Bound<'_, PyAny>,
    min: MinLength,
) -> PyResult<Engine> {
    let key = decode_secret(secret, min)?;
    Ok(match native_algorithm(digest)? {
        Some(algorithm) => Engine::Native(LazyKey::new(algorithm, key)),
        None => Engine::Python(key),
    })
}

/// `6 <= digits <= 10` with Python's comparison semantics; the digit count when it is a plain int.
fn check_digits(digits: &Bound<'_, PyAny>) -> PyResult<Option<u32>> {
    if let Ok(int) = digits.cast::<PyInt>() {
        if let Ok(n) = int.extract::<i64>() {
            return Ok(Some(otp::check_digits(n)?));
        }
    }
    if digits.py().eval(c"6", None, None)?.le(digits)? && digits.le(10)? {
        Ok(fast_digits(digits))
    } else {
        Err(OtpError::DigitsOutOfRange.into())
    }
}

/// The digit count when generation can take the native path.
fn fast_digits(digits: &Bound<'_, PyAny>) -> Option<u32> {
    let n = digits.cast::<PyInt>().ok()?.extract::<i64>().ok()?;
    (1..=10).contains(&n).then_some(n as u32)
}

/// `0 < interval <= 120` with Python's comparison semantics; the interval as a float.
fn check_interval(interval: &Bound<'_, PyAny>) -> PyResult<f64> {
    if let Ok(int) = interval.cast::<PyInt>() {
        if let Ok(n) = int.extract::<i64>() {
            return Ok(otp::check_interval(n as f64)?);
        }
    }
    if let Ok(float) = interval.cast::<pyo3::types::PyFloat>() {
        return Ok(otp::check_interval(float.value())?);
    }
    if interval.py().eval(c"0", None, None)?.lt(interval)? && interval.le(120)? {
        Ok(interval.extract::<f64>()?)
    } else {
        Err(OtpError::IntervalOutOfRange.into())
    }
}

/// Whether `value` is exactly an int or a float (no subclass, no other numeric type).
fn is_plain_number(value: &Bound<'_, PyAny>) -> bool {
    value.cast_exact::<PyInt>().is_ok() || value.cast_exact::<pyo3::types::PyFloat>().is_ok()
}

/// The interval as a float when timecodes can be computed natively: a plain int or float.
fn fast_interval(interval: &Bound<'_, PyAny>) -> Option<f64> {
    is_plain_number(interval)
        .then(|| interval.extract::<f64>().ok())
        .flatten()
}

/// The half-width of pyotp's `range(-valid_window, valid_window + 1)`, with Python's errors
/// for windows that are not integers.
fn window_of(window: &Bound<'_, PyAny>) -> PyResult<i64> {
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

/// `value or default`.
fn or_default<'py>(
    value: Option<Bound<'py, PyAny>>,
    default: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(v) if v.is_truthy()? => Ok(v),
        _ => Ok(default.clone()),
    }
}

/// A counter message as pyotp builds it, or the error pyotp raises for the input.
fn counter_message(input: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if input.cast::<PyInt>().is_err() && input.lt(0)? {
        return Err(OtpError::NegativeCounter.into());
    }
    Ok(otp::counter_message(&counter_bytes(input)?))
}

/// The big-endian bytes of `int_to_bytestring`'s input, as pyotp's `while i != 0` loop
/// takes them with `i & 0xFF`: zero-like values (0.0, False) give none, other
/// non-integers fail on the `&`, and negative values (where pyotp never stops) fail.
fn counter_bytes(input: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(int) = input.cast::<PyInt>() {
        if let Ok(n) = int.extract::<i64>() {
            return Ok(u64::try_from(n)
                .map_err(|_| OtpError::NegativeCounter)?
                .to_be_bytes()
                .to_vec());
        }
    }
    if !input.ne(0)? {
        return Ok(Vec::new());
    }
    input.bitand(0xff)?;
    let int = input.call_method0(pyo3::intern!(input.py(), "__index__"))?;
    if int.lt(0)? {
        return Err(OtpError::NegativeCounter.into());
    }
    let length = int
        .call_method0("bit_length")?
        .extract::<usize>()?
        .div_ceil(8);
    let bytes = int.call_method1("to_bytes", (length, "big"))?;
    Ok(bytes.cast::<PyBytes>()?.as_bytes().to_vec())
}

/// The text pyotp compares: `str(otp)`.
fn text_of<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    match value.cast::<PyString>() {
        Ok(text) => Ok(text.clone()),
        Err(_) => value.str(),
    }
}

/// The code a caller gave, ready for pyotp's `strings_equal(str(otp), code)` against candidates.
///
/// ASCII text (every real code) is compared natively in constant time; anything else goes
/// through `pyotp_rs.utils.strings_equal`, whose NFKC normalisation is Python's own.
struct Given<'a, 'py> {
    text: &'a Bound<'py, PyString>,
    ascii: Option<std::borrow::Cow<'a, str>>,
}

impl<'a, 'py> Given<'a, 'py> {
    fn new(text: &'a Bound<'py, PyString>) -> PyResult<Self> {
        let cow = text.to_cow()?;
        let ascii = cow.is_ascii().then_some(cow);
        Ok(Self { text, ascii })
    }

    fn matches(&self, code: &str) -> PyResult<bool> {
        match &self.ascii {
            Some(text) => {
                Ok(text.len() <= 1024 && otp::constant_time_eq(text.as_bytes(), code.as_bytes()))
            }
            None => STRINGS_EQUAL
                .get(self.text.py())?
                .call1((self.text, code))?
                .extract(),
        }
    }
}

/// A code as rendered: natively on the stack, or by Python's own arithmetic for a
/// `digits` value that is not a plain int from 1 to 10.
enum Rendered<'py> {
    Native(otp::Code),
    Python(Bound<'py, PyString>),
}

impl<'py> Rendered<'py> {
    fn as_str(&self) -> PyResult<&str> {
        match self {
            Self::Native(code) => Ok(code.as_str()),
            Self::Python(text) => text.to_str(),
        }
    }

    fn into_py(self, py: Python<'py>) -> Bound<'py, PyString> {
        match self {
            Self::Native(code) => PyString::new(py, &code),
            Self::Python(text) => text,
        }
    }
}

/// The truncated HMAC computed by Python's `hmac`, for digests other than SHA1/256/512.
fn python_mac(
    py: Python<'_>,
    key: &[u8],
    message: &[u8],
    digest: &Bound<'_, PyAny>,
) -> PyResult<u32> {
    let mac =
        HMAC_NEW
            .get(py)?
            .call1((PyBytes::new(py, key), PyBytes::new(py, message), digest))?;
    if mac.getattr("digest_size")?.extract::<i64>()? < 18 {
        return Err(OtpError::ShortMac.into());
    }
    Ok(otp::truncate(
        mac.call_method0("digest")?.cast::<PyBytes>()?.as_bytes(),
    ))
}

/// Whether `obj` is exactly one of this module's classes. A Python subclass may override
/// `generate_otp`, `timecode`, `at` or `byte_secret`, and pyotp's methods call those
/// overrides; for subclasses the methods below do the same through Python.
fn is_own_class(obj: &Bound<'_, PyAny>) -> bool {
    let py = obj.py();
    let ty = obj.get_type();
    ty.is(py.get_type::<Totp>())
        || ty.is(py.get_type::<Hotp>())
        || ty.is(py.get_type::<Steam>())
        || ty.is(py.get_type::<Otp>())
}

/// `str(self.generate_otp(counter))` through Python, for subclasses.
fn generate_via_python<'py>(
    slf: &Bound<'py, PyAny>,
    counter: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyString>> {
    slf.call_method1(pyo3::intern!(slf.py(), "generate_otp"), (counter,))?
        .str()
}

/// Base class of the one-time password generators (pyotp's `OTP`).
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs.otp", name = "OTP", subclass, dict, weakref)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct Otp {
    secret: Py<PyAny>,
    digits: Py<PyAny>,
    digest: Py<PyAny>,
    name: Py<PyAny>,
    issuer: Py<PyAny>,
    fast_digits: Option<u32>,
    engine: Engine,
    steam: bool,
    /// Whether secrets shorter than 112 bits are accepted (`allow_short_secret`).
    min_length: MinLength,
}

impl Otp {
    /// An object that `__init__` has not set up yet (as after `OTP.__new__`).
    fn blank(py: Python<'_>) -> Self {
        Self {
            secret: py.None(),
            digits: py.None(),
            digest: py.None(),
            name: py.None(),
            issuer: py.None(),
            fast_digits: None,
            engine: Engine::Uninitialised,
            steam: false,
            min_length: MinLength::Pyotp,
        }
    }

    /// pyotp's `OTP.__init__`: validates in pyotp's order, then sets every attribute.
    #[allow(clippy::too_many_arguments)]
    fn init(
        &mut self,
        s: &Bound<'_, PyAny>,
        digits: &Bound<'_, PyAny>,
        digest: &Bound<'_, PyAny>,
        name: Option<Bound<'_, PyAny>>,
        issuer: Option<Bound<'_, PyAny>>,
        steam: bool,
        allow_short: bool,
    ) -> PyResult<()> {
        let py = s.py();
        let fast_digits = check_digits(digits)?;
        check_digest(digest)?;
        let name = or_default(name, pyo3::intern!(py, "Secret").as_any())?;
        let min_length = MinLength::allowing_short(allow_short);
        let engine = make_engine(s, digest, min_length)?;
        *self = Self {
            secret: s.clone().unbind(),
            digits: digits.clone().unbind(),
            digest: digest.clone().unbind(),
            name: name.unbind(),
            issuer: issuer.map_or_else(|| py.None(), Bound::unbind),
            fast_digits,
            engine,
            steam,
            min_length,
        };
        Ok(())
    }

    /// The 31-bit truncated HMAC of a counter message.
    fn value(&self, py: Python<'_>, message: &[u8]) -> PyResult<u32> {
        match &self.engine {
            Engine::Native(key) => Ok(key.truncated(message)),
            Engine::Python(key) => python_mac(py, key, message, self.digest.bind(py)),
            Engine::Invalid(err) => Err(err.clone_ref(py)),
            Engine::Uninitialised => Err(PyAttributeError::new_err(
                "object has no attribute 'secret' (OTP.__init__ was not called)",
            )),
        }
    }

    /// The truncated HMAC under a key a Python subclass's `byte_secret()` returned.
    fn value_with_key(&self, key: &Bound<'_, PyAny>, message: &[u8]) -> PyResult<u32> {
        let py = key.py();
        let key: Zeroizing<Vec<u8>> = Zeroizing::new(key.extract()?);
        let digest = self.digest.bind(py);
        match native_algorithm(digest)? {
            Some(algorithm) => Ok(Key::new(algorithm, &key).truncated(message)),
            None => python_mac(py, &key, message, digest),
        }
    }

    /// Renders a truncated value as this object's code.
    fn render<'py>(&self, py: Python<'py>, value: u32) -> PyResult<Rendered<'py>> {
        match self.fast_digits {
            Some(digits) if self.steam => Ok(Rendered::Native(otp::format_steam(
                (u64::from(value) % 10u64.pow(digits)) as u32,
            ))),
            Some(digits) => Ok(Rendered::Native(otp::format_decimal(value, digits))),
            None => {
                let digits = self.digits.bind(py);
                let code = value
                    .into_pyobject(py)?
                    .rem(10i64.into_pyobject(py)?.pow(digits, py.None())?)?;
                let text = 10_000_000_000i64.into_pyobject(py)?.add(code)?.str()?;
                let slice = py
                    .eval(c"slice", None, None)?
                    .call1((digits.neg()?, py.None()))?;
                let text = text.get_item(slice)?;
                if !self.steam {
                    return Ok(Rendered::Python(text.cast_into::<PyString>()?));
                }
                // Steam reads the decimal code back as an int; its 5 characters depend on
                // that int modulo 26**5 only.
                let int = py.get_type::<PyInt>().call1((text,))?;
                Ok(Rendered::Native(otp::format_steam(
                    int.rem(26i64.pow(5))?.extract()?,
                )))
            }
        }
    }

    /// The code for a counter that fits in 64 bits.
    fn code_at<'py>(&self, py: Python<'py>, counter: i64) -> PyResult<Rendered<'py>> {
        let counter = u64::try_from(counter).map_err(|_| OtpError::NegativeCounter)?;
        self.render(py, self.value(py, &counter.to_be_bytes())?)
    }

    fn generate<'py>(&self, py: Python<'py>, input: &Bound<'_, PyAny>) -> PyResult<Rendered<'py>> {
        let message = counter_message(input)?;
        self.render(py, self.value(py, &message)?)
    }

    /// The `algorithm` pyotp writes into URIs: `self.digest().name`.
    fn algorithm_name<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.engine {
            Engine::Native(key) => Ok(match key.algorithm() {
                Algorithm::Sha1 => pyo3::intern!(py, "sha1"),
                Algorithm::Sha256 => pyo3::intern!(py, "sha256"),
                Algorithm::Sha512 => pyo3::intern!(py, "sha512"),
            }
            .clone()
            .into_any()),
            _ => self.digest.bind(py).call0()?.getattr("name"),
        }
    }

    fn refresh_engine(&mut self, py: Python<'_>) {
        self.engine = make_engine(self.secret.bind(py), self.digest.bind(py), self.min_length)
            .unwrap_or_else(Engine::Invalid);
    }

    fn uri_args<'py>(
        &self,
        py: Python<'py>,
        name: Option<Bound<'py, PyAny>>,
        issuer_name: Option<Bound<'py, PyAny>>,
    ) -> PyResult<UriArgs<'py>> {
        let issuer = or_default(issuer_name, self.issuer.bind(py))?;
        Ok(UriArgs {
            secret: self.secret.bind(py).clone(),
            name: or_default(name, self.name.bind(py))?,
            initial_count: None,
            issuer: (!issuer.is_none()).then_some(issuer),
            algorithm: Some(self.algorithm_name(py)?),
            digits: Some(self.digits.bind(py).clone()),
            period: None,
        })
    }
}

#[gen_stub_pymethods]
#[pymethods]
impl Otp {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(s, *, digits=6, digest=None, name=None, issuer=None, allow_short_secret=False)")]
    #[gen_stub(skip)]
    fn py_new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> Self {
        Otp::blank(py)
    }

    /// Base class for OTP handlers.
    ///
    /// `s` is the base32 secret; `digits` the code length (6 to 10); `digest` a hashlib
    /// constructor; `name` the account name; `issuer` the service name. `allow_short_secret`
    /// accepts secrets shorter than pyotp's 112 bits (legacy 80-bit ones), not in pyotp.
    #[pyo3(signature = (s, *, digits = Arg::Default(6), digest = None, name = None, issuer = None, allow_short_secret = false))]
    fn __init__(
        mut slf: PyRefMut<'_, Self>,
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
        allow_short_secret: bool,
    ) -> PyResult<()> {
        let py = s.py();
        let digest = default_digest(py, digest)?;
        slf.init(
            s,
            &digits.bind(py)?,
            &digest,
            name,
            issuer,
            false,
            allow_short_secret,
        )
    }

    /// The base32 secret as given.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.str"))]
    fn get_secret(&self, py: Python<'_>) -> Py<PyAny> {
        self.secret.clone_ref(py)
    }

    #[setter]
    fn set_secret(
        &mut self,
        #[gen_stub(override_type(type_repr = "builtins.str"))] value: Bound<'_, PyAny>,
    ) {
        let py = value.py();
        self.secret = value.unbind();
        self.refresh_engine(py);
    }

    /// Whether secrets shorter than 112 bits are accepted (not in pyotp; see `__init__`).
    #[getter]
    fn get_allow_short_secret(&self) -> bool {
        self.min_length == MinLength::AnyNonEmpty
    }

    #[setter]
    fn set_allow_short_secret(&mut self, value: Bound<'_, PyBool>) {
        self.min_length = MinLength::allowing_short(value.is_true());
        self.refresh_engine(value.py());
    }

    /// Number of digits in a code.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.int"))]
    fn get_digits(&self, py: Python<'_>) -> Py<PyAny> {
        self.digits.clone_ref(py)
    }

    #[setter]
    fn set_digits(
        &mut self,
        #[gen_stub(override_type(type_repr = "builtins.int"))] value: Bound<'_, PyAny>,
    ) {
        self.fast_digits = fast_digits(&value);
        self.digits = value.unbind();
    }

    /// The hashlib constructor used for the HMAC.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "typing.Any"))]
    fn get_digest(&self, py: Python<'_>) -> Py<PyAny> {
        self.digest.clone_ref(py)
    }

    #[setter]
    fn set_digest(
        &mut self,
        #[gen_stub(override_type(type_repr = "typing.Any"))] value: Bound<'_, PyAny>,
    ) {
        let py = value.py();
        self.digest = value.unbind();
        self.refresh_engine(py);
    }

    /// Account name, shown by authenticator apps.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.str"))]
    fn get_name(&self, py: Python<'_>) -> Py<PyAny> {
        self.name.clone_ref(py)
    }

    #[setter]
    fn set_name(
        &mut self,
        #[gen_stub(override_type(type_repr = "builtins.str"))] value: Py<PyAny>,
    ) {
        self.name = value;
    }

    /// Issuer (service) name, or None.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.str | None"))]
    fn get_issuer(&self, py: Python<'_>) -> Py<PyAny> {
        self.issuer.clone_ref(py)
    }

    #[setter]
    fn set_issuer(
        &mut self,
        #[gen_stub(override_type(type_repr = "builtins.str | None"))] value: Py<PyAny>,
    ) {
        self.issuer = value;
    }

    /// The code for a counter value (the HOTP algorithm of RFC 4226).
    #[pyo3(signature = (input))]
    fn generate_otp<'py>(
        slf: &Bound<'py, Self>,
        #[gen_stub(override_type(type_repr = "builtins.int"))] input: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyString>> {
        let py = slf.py();
        if is_own_class(slf.as_any()) {
            return Ok(slf.borrow().generate(py, input)?.into_py(py));
        }
        // A Python subclass may override `byte_secret`, which pyotp calls for every code.
        let message = counter_message(input)?;
        let key = slf.call_method0(pyo3::intern!(py, "byte_secret"))?;
        let this = slf.borrow();
        Ok(this
            .render(py, this.value_with_key(&key, &message)?)?
            .into_py(py))
    }

    /// The secret decoded from base32 (at least 14 bytes).
    fn byte_secret<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(
            py,
            &decode_secret(self.secret.bind(py), self.min_length)?,
        ))
    }

    /// `i` as big-endian bytes, left-padded with zeros to `padding` bytes.
    #[staticmethod]
    #[pyo3(signature = (i, *, padding = Arg::Default(8)), text_signature = "(i, *, padding=8)")]
    fn int_to_bytestring<'py>(
        #[gen_stub(override_type(type_repr = "builtins.int"))] i: &Bound<'py, PyAny>,
        padding: Arg<'py>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let py = i.py();
        let digits = counter_bytes(i)?;
        // `bytes.rjust(padding)`: a negative width pads nothing.
        let padding = usize::try_from(padding.bind(py)?.extract::<isize>()?).unwrap_or(0);
        Ok(PyBytes::new(py, &otp::int_to_bytestring(&digits, padding)))
    }

    /// Pickles as pyotp's objects do: a new object of the class (no `__init__`, so subclasses
    /// with their own `__init__` signature pickle too) and the attributes, the secret last.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let state = PyDict::new(py);
        for attr in [
            "allow_short_secret",
            "digits",
            "digest",
            "name",
            "issuer",
            "interval",
            "initial_count",
            "secret",
        ] {
            if let Ok(value) = slf.getattr(attr) {
                state.set_item(attr, value)?;
            }
        }
        if let Ok(extra) = slf.getattr("__dict__") {
            state.update(extra.cast::<pyo3::types::PyMapping>()?)?;
        }
        PyTuple::new(
            py,
            [
                NEWOBJ.get(py)?.clone(),
                PyTuple::new(py, [slf.get_type()])?.into_any(),
                state.into_any(),
            ],
        )
    }

    fn __setstate__(slf: &Bound<'_, Self>, state: &Bound<'_, PyDict>) -> PyResult<()> {
        for (key, value) in state.iter() {
            slf.setattr(key.cast::<PyString>()?, value)?;
        }
        Ok(())
    }
}

/// HMAC-based one-time passwords (RFC 4226), pyotp's `HOTP`.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs.hotp", name = "HOTP", extends = Otp, subclass)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct Hotp {
    initial_count: Py<PyAny>,
}

impl Hotp {
    fn blank(py: Python<'_>) -> PyClassInitializer<Self> {
        PyClassInitializer::from(Otp::blank(py)).add_subclass(Hotp {
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
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(s, *, digits=6, digest=None, name=None, issuer=None, initial_count=0, allow_short_secret=False)")]
    #[gen_stub(skip)]
    fn py_new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
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
        slf.borrow_mut().initial_count = initial_count.bind(py)?.unbind();
        slf.as_super().borrow_mut().init(
            s,
            &digits.bind(py)?,
            &digest,
            name,
            issuer,
            false,
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
        &mut self,
        #[gen_stub(override_type(type_repr = "builtins.int"))] value: Py<PyAny>,
    ) {
        self.initial_count = value;
    }

    /// The code for counter `initial_count + count`.
    fn at<'py>(
        slf: &Bound<'py, Self>,
        #[gen_stub(override_type(type_repr = "builtins.int"))] count: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyString>> {
        let py = slf.py();
        if !is_own_class(slf.as_any()) {
            let initial = slf.getattr(pyo3::intern!(py, "initial_count"))?;
            return generate_via_python(slf.as_any(), &initial.add(count)?);
        }
        let slf = slf.borrow();
        let initial = slf.initial_count.bind(py);
        if let (Ok(a), Ok(b)) = (initial.cast_exact::<PyInt>(), count.cast_exact::<PyInt>()) {
            if let (Ok(a), Ok(b)) = (a.extract::<i64>(), b.extract::<i64>()) {
                if let Some(sum) = a.checked_add(b) {
                    return Ok(slf.as_super().code_at(py, sum)?.into_py(py));
                }
            }
        }
        Ok(slf
            .as_super()
            .generate(py, &initial.add(count)?)?
            .into_py(py))
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
        let code = if is_own_class(slf.as_any()) {
            Hotp::at(slf, counter)?
        } else {
            slf.call_method1(pyo3::intern!(slf.py(), "at"), (counter,))?
                .str()?
        };
        Given::new(&given)?.matches(code.to_str()?)
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

/// `HOTP.provisioning_uri`, installed by `pyotp_rs.hotp` as a Python method.
///
/// CPython hands a C method that takes `**kwargs` a dict built for every call, even for
/// named keywords; a Python method binds `name` and `issuer_name` without one, then calls
/// this function positionally.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction(name = "_hotp_provisioning_uri")]
pub fn hotp_provisioning_uri<'py>(
    otp: PyRef<'py, Hotp>,
    #[gen_stub(override_type(type_repr = "builtins.str | None"))] name: Option<Bound<'py, PyAny>>,
    #[gen_stub(override_type(type_repr = "builtins.int | None"))] initial_count: Option<
        Bound<'py, PyAny>,
    >,
    #[gen_stub(override_type(type_repr = "builtins.str | None"))] issuer_name: Option<
        Bound<'py, PyAny>,
    >,
    #[gen_stub(override_type(type_repr = "builtins.dict[builtins.str, builtins.str]"))]
    kwargs: Bound<'py, PyDict>,
) -> PyResult<String> {
    let py = otp.py();
    let mut args = otp.as_super().uri_args(py, name, issuer_name)?;
    args.initial_count = Some(match initial_count {
        Some(count) if !count.is_none() => count,
        _ => otp.initial_count.bind(py).clone(),
    });
    build_uri_from(args, &kwargs, &["issuer", "algorithm", "digits"])
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

pyo3_stub_gen::inventory::submit! {
    gen_methods_from_python! {
        r#"
        class Totp:
            def provisioning_uri(self, *, name: builtins.str | None = None, issuer_name: builtins.str | None = None, **kwargs: builtins.str) -> builtins.str:
                """The `otpauth://totp/...` URI for authenticator apps."""
        "#
    }
}

/// `TOTP.provisioning_uri`, installed by `pyotp_rs.totp` as a Python method (for the
/// reason `_hotp_provisioning_uri` gives).
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction(name = "_totp_provisioning_uri")]
pub fn totp_provisioning_uri<'py>(
    otp: PyRef<'py, Totp>,
    #[gen_stub(override_type(type_repr = "builtins.str | None"))] name: Option<Bound<'py, PyAny>>,
    #[gen_stub(override_type(type_repr = "builtins.str | None"))] issuer_name: Option<
        Bound<'py, PyAny>,
    >,
    #[gen_stub(override_type(type_repr = "builtins.dict[builtins.str, builtins.str]"))]
    kwargs: Bound<'py, PyDict>,
) -> PyResult<String> {
    let py = otp.py();
    let mut args = otp.as_super().uri_args(py, name, issuer_name)?;
    args.period = Some(otp.interval.bind(py).clone());
    build_uri_from(args, &kwargs, &["issuer", "algorithm", "digits", "period"])
}

fn default_digest<'py>(
    py: Python<'py>,
    digest: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    match digest {
        Some(d) if !d.is_none() => Ok(d),
        _ => Ok(SHA1.get(py)?.clone()),
    }
}

/// Time-based one-time passwords (RFC 6238), pyotp's `TOTP`.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs.totp", name = "TOTP", extends = Otp, subclass)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct Totp {
    interval: Py<PyAny>,
    /// The interval when timecodes can be computed natively (a plain int or float).
    interval_secs: Option<f64>,
}

impl Totp {
    /// An object `__init__` has not set up yet; `steam` for `Steam` (whose codes are
    /// rendered in Steam's alphabet even when its attributes are set by unpickling).
    fn blank(py: Python<'_>, steam: bool) -> PyClassInitializer<Self> {
        let base = Otp {
            steam,
            ..Otp::blank(py)
        };
        PyClassInitializer::from(base).add_subclass(Totp {
            interval: py.None(),
            interval_secs: None,
        })
    }

    /// pyotp's `TOTP.__init__` (and, with `steam`, the part of `Steam.__init__` after its check).
    #[allow(clippy::too_many_arguments)]
    fn init(
        slf: &Bound<'_, Self>,
        s: &Bound<'_, PyAny>,
        digits: &Bound<'_, PyAny>,
        digest: Option<Bound<'_, PyAny>>,
        name: Option<Bound<'_, PyAny>>,
        issuer: Option<Bound<'_, PyAny>>,
        interval: &Bound<'_, PyAny>,
        steam: bool,
        allow_short: bool,
    ) -> PyResult<()> {
        let digest = default_digest(s.py(), digest)?;
        check_digest(&digest)?;
        let seconds = check_interval(interval)?;
        {
            let mut this = slf.borrow_mut();
            this.interval = interval.clone().unbind();
            this.interval_secs = is_plain_number(interval).then_some(seconds);
        }
        slf.as_super()
            .borrow_mut()
            .init(s, digits, &digest, name, issuer, steam, allow_short)
    }

    /// A new, initialised TOTP (for `parse_uri`).
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
        let obj = Bound::new(py, Totp::blank(py, false))?;
        Totp::init(
            &obj,
            s,
            &digits.bind(py)?,
            digest,
            name,
            issuer,
            &interval.bind(py)?,
            false,
            allow_short_secret,
        )?;
        Ok(obj)
    }

    /// `self.timecode(for_time)` through Python, for subclasses; `None` means now.
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

    /// pyotp's verification loop through Python, for subclasses: the first counter in
    /// `timecode + range(-window, window + 1)` whose `generate_otp` equals `otp`.
    fn find_via_python<'py>(
        slf: &Bound<'py, Self>,
        otp: &Bound<'py, PyAny>,
        timecode: &Bound<'py, PyAny>,
        window: i64,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let text = text_of(otp)?;
        let given = Given::new(&text)?;
        for offset in -window..=window {
            let counter = timecode.add(offset)?;
            if given.matches(generate_via_python(slf.as_any(), &counter)?.to_str()?)? {
                return Ok(Some(counter));
            }
        }
        Ok(None)
    }

    fn timecode_of(&self, for_time: &Bound<'_, PyAny>) -> PyResult<i64> {
        self.timecode_from_seconds(for_time.py(), time::seconds(for_time)?)
    }

    fn timecode_from_seconds(&self, py: Python<'_>, seconds: i64) -> PyResult<i64> {
        match self
            .interval_secs
            .and_then(|interval| otp::timecode(seconds, interval))
        {
            Some(timecode) => Ok(timecode),
            // pyotp's `int(int(t) / interval)`, with Python's errors for a zero, NaN or
            // non-numeric interval assigned after construction.
            None => {
                let quotient = seconds.into_pyobject(py)?.div(self.interval.bind(py))?;
                py.get_type::<PyInt>().call1((quotient,))?.extract()
            }
        }
    }

    fn timecode_or_now(
        &self,
        for_time: Option<&Bound<'_, PyAny>>,
        py: Python<'_>,
    ) -> PyResult<i64> {
        match for_time {
            Some(t) if !t.is_none() => self.timecode_of(t),
            _ => self.timecode_now(py),
        }
    }

    /// The timecode of now: the clock read natively unless `pyotp_rs.totp.time.time` is patched.
    fn timecode_now(&self, py: Python<'_>) -> PyResult<i64> {
        match time::native_now(py)? {
            Some(seconds) => self.timecode_from_seconds(py, seconds),
            None => self.timecode_of(&time::now(py)?),
        }
    }

    /// The first counter in `timecode + range(-window, window + 1)` whose code equals `otp`.
    ///
    /// pyotp tries the offsets in ascending order and raises as soon as a counter is negative.
    /// `current_first` (for the boolean `verify`, where only whether some offset matches is
    /// observable) raises in exactly the same cases but tries offset 0 first: the code a
    /// client sends is nearly always the current one, and each candidate costs an HMAC.
    fn find(
        slf: &PyRef<'_, Self>,
        otp: &Bound<'_, PyAny>,
        timecode: i64,
        window: i64,
        current_first: bool,
    ) -> PyResult<Option<i64>> {
        let py = otp.py();
        let text = text_of(otp)?;
        let given = Given::new(&text)?;
        let base = slf.as_super();
        let matches = |counter: i64| -> PyResult<bool> {
            given.matches(base.code_at(py, counter)?.as_str()?)
        };
        if window < 0 {
            return Ok(None);
        }
        if timecode.checked_sub(window).is_none_or(|first| first < 0) {
            return Err(OtpError::NegativeCounter.into());
        }
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
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(s, *, digits=6, digest=None, name=None, issuer=None, interval=30, allow_short_secret=False)")]
    #[gen_stub(skip)]
    fn py_new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyClassInitializer<Self> {
        Totp::blank(py, false)
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
            &digits.bind(py)?,
            digest,
            name,
            issuer,
            &interval.bind(py)?,
            false,
            allow_short_secret,
        )
    }

    /// The time step in seconds.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.int"))]
    fn get_interval(&self, py: Python<'_>) -> Py<PyAny> {
        self.interval.clone_ref(py)
    }

    #[setter]
    fn set_interval(
        &mut self,
        #[gen_stub(override_type(type_repr = "builtins.int"))] value: Bound<'_, PyAny>,
    ) {
        self.interval_secs = fast_interval(&value);
        self.interval = value.unbind();
    }

    /// The code at `for_time` (int or float Unix time, or datetime), shifted by `counter_offset` steps.
    #[pyo3(signature = (for_time, *, counter_offset = Arg::Default(0)), text_signature = "($self, for_time, *, counter_offset=0)")]
    fn at<'py>(
        slf: &Bound<'py, Self>,
        #[gen_stub(override_type(type_repr = "builtins.int | builtins.float | datetime.datetime", imports = ("datetime",)))]
        for_time: &Bound<'py, PyAny>,
        counter_offset: Arg<'py>,
    ) -> PyResult<Bound<'py, PyString>> {
        let py = slf.py();
        if !is_own_class(slf.as_any()) {
            let timecode = Totp::timecode_via_python(slf, Some(for_time))?;
            return generate_via_python(slf.as_any(), &timecode.add(counter_offset.bind(py)?)?);
        }
        let slf = slf.borrow();
        let timecode = slf.timecode_of(for_time)?;
        let code = match counter_offset.as_i64() {
            Some(offset) => slf
                .as_super()
                .code_at(py, timecode.saturating_add(offset))?,
            None => slf.as_super().generate(
                py,
                &timecode.into_pyobject(py)?.add(counter_offset.bind(py)?)?,
            )?,
        };
        Ok(code.into_py(py))
    }

    /// The current code.
    fn now<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyString>> {
        let py = slf.py();
        if !is_own_class(slf.as_any()) {
            return generate_via_python(slf.as_any(), &Totp::timecode_via_python(slf, None)?);
        }
        let slf = slf.borrow();
        let timecode = slf.timecode_now(py)?;
        Ok(slf.as_super().code_at(py, timecode)?.into_py(py))
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
        let own = is_own_class(slf.as_any());
        let timecode = if own {
            slf.borrow().timecode_or_now(for_time, py)?
        } else {
            let timecode = Totp::timecode_via_python(slf, for_time)?;
            let window = match valid_window.bind(py)? {
                w if w.is_truthy()? => window_of(&w)?,
                _ => 0,
            };
            return Ok(Totp::find_via_python(slf, otp, &timecode, window)?.is_some());
        };
        let window = match valid_window.as_i64() {
            Some(w) => w,
            None => {
                let w = valid_window.bind(py)?;
                if w.is_truthy()? {
                    window_of(&w)?
                } else {
                    0
                }
            }
        };
        Ok(Totp::find(&slf.borrow(), otp, timecode, window, true)?.is_some())
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
        let valid_window = valid_window.bind(py)?;
        if valid_window.lt(0)? {
            return Err(OtpError::NegativeWindow.into());
        }
        let found = if is_own_class(slf.as_any()) {
            let this = slf.borrow();
            let timecode = this.timecode_or_now(for_time, py)?;
            let window = window_of(&valid_window)?;
            match Totp::find(&this, otp, timecode, window, false)? {
                Some(counter) => Some(counter.into_pyobject(py)?.into_any()),
                None => None,
            }
        } else {
            let timecode = Totp::timecode_via_python(slf, for_time)?;
            Totp::find_via_python(slf, otp, &timecode, window_of(&valid_window)?)?
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
    fn timecode(
        &self,
        #[gen_stub(override_type(type_repr = "builtins.int | builtins.float | datetime.datetime", imports = ("datetime",)))]
        for_time: &Bound<'_, PyAny>,
    ) -> PyResult<i64> {
        self.timecode_of(for_time)
    }

    /// Checks `code` like passlib's `TOTP.match`, refusing replays; `verify` stays pyotp's.
    ///
    /// Searches the time steps within `window` seconds either side of `for_time` (default: now)
    /// plus `skew`, never before `last_counter`. Returns a `TotpMatch` (store its `counter` and
    /// pass it as `last_counter` next time). Raises `MalformedTokenError`, `InvalidTokenError`,
    /// or `UsedTokenError` for the code of `last_counter` (all `ValueError`s).
    #[pyo3(name = "match", signature = (code, for_time = None, window = 30, skew = 0, last_counter = None))]
    fn match_code(
        slf: PyRef<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.str | builtins.bytes | builtins.int"))]
        code: &Bound<'_, PyAny>,
        #[gen_stub(override_type(type_repr = "builtins.int | builtins.float | datetime.datetime | None", imports = ("datetime",)))]
        for_time: Option<&Bound<'_, PyAny>>,
        window: i64,
        skew: i64,
        last_counter: Option<i64>,
    ) -> PyResult<TotpMatch> {
        let py = code.py();
        let base = slf.as_super();
        let generator = verify::Generator {
            digits: base.fast_digits,
            steam: base.steam,
            interval: slf.interval_secs,
        };
        let args = verify::MatchArgs {
            code,
            for_time,
            window,
            skew,
            last_counter,
        };
        verify::match_code(generator, args, |counter| {
            Ok(base.code_at(py, counter)?.as_str()?.to_owned())
        })
    }

    /// The key and parameters as passlib's TOTP JSON (sorted keys, compact).
    ///
    /// With a `wallet` that has secrets (or `encrypt=True`) the key is encrypted under the
    /// wallet's default tag: `format="sealed"` (authenticated, the default) or `"passlib"`
    /// (passlib 1.7.4's format, no MAC). A `name` of "Secret" (pyotp's default) is not stored.
    #[pyo3(signature = (wallet = None, *, format = "sealed", encrypt = None))]
    fn to_json(
        slf: &Bound<'_, Self>,
        wallet: Option<PyRef<'_, PyWallet>>,
        format: &str,
        encrypt: Option<bool>,
    ) -> PyResult<String> {
        storage::to_json(slf.as_any(), wallet.as_deref(), format, encrypt)
    }

    /// Like `to_json`, as a dict.
    #[pyo3(signature = (wallet = None, *, format = "sealed", encrypt = None))]
    #[gen_stub(override_return_type(type_repr = "builtins.dict[builtins.str, typing.Any]", imports = ("typing",)))]
    fn to_dict<'py>(
        slf: &Bound<'py, Self>,
        wallet: Option<PyRef<'_, PyWallet>>,
        format: &str,
        encrypt: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        storage::to_dict(slf.as_any(), wallet.as_deref(), format, encrypt)
    }

    /// A TOTP from passlib's TOTP JSON (str or bytes), decrypting the key with `wallet`.
    #[classmethod]
    #[pyo3(signature = (data, wallet = None))]
    #[gen_stub(override_return_type(type_repr = "typing_extensions.Self", imports = ("typing_extensions",)))]
    fn from_json<'py>(
        cls: &Bound<'py, PyType>,
        #[gen_stub(override_type(type_repr = "builtins.str | builtins.bytes"))] data: &Bound<
            'py,
            PyAny,
        >,
        wallet: Option<PyRef<'py, PyWallet>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        storage::from_data(cls, data, wallet.as_deref())
    }

    /// A TOTP from passlib's TOTP dict, decrypting the key with `wallet`.
    #[classmethod]
    #[pyo3(signature = (data, wallet = None))]
    #[gen_stub(override_return_type(type_repr = "typing_extensions.Self", imports = ("typing_extensions",)))]
    fn from_dict<'py>(
        cls: &Bound<'py, PyType>,
        #[gen_stub(override_type(type_repr = "builtins.dict[builtins.str, typing.Any]", imports = ("typing",)))]
        data: &Bound<'py, PyAny>,
        wallet: Option<PyRef<'py, PyWallet>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !data.is_instance_of::<PyDict>() {
            return Err(PyTypeError::new_err("from_dict() needs a dict"));
        }
        storage::from_data(cls, data, wallet.as_deref())
    }

    /// The key as unpadded upper-case base32 (passlib's `base32_key`).
    #[getter]
    fn base32_key(slf: &Bound<'_, Self>) -> PyResult<String> {
        storage::base32_key(slf.as_any())
    }

    /// The key grouped for reading aloud, e.g. `GEZD-GNBV-...` (passlib's `pretty_key`);
    /// `format` is "base32" or "hex", `sep` the separator (None or "" for none).
    #[pyo3(signature = (format = "base32", sep = Some("-")), text_signature = "(self, format='base32', sep='-')")]
    fn pretty_key(slf: &Bound<'_, Self>, format: &str, sep: Option<&str>) -> PyResult<String> {
        storage::pretty_key(slf.as_any(), format, sep)
    }
}

/// Steam Guard codes (5 characters), pyotp's `contrib.Steam`.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs.contrib.steam", name = "Steam", extends = Totp, subclass)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct Steam;

#[gen_stub_pymethods]
#[pymethods]
impl Steam {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(s, *, name=None, issuer=None, interval=30, digits=5, allow_short_secret=False)")]
    #[gen_stub(skip)]
    fn py_new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyClassInitializer<Self> {
        Totp::blank(py, true).add_subclass(Steam)
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
            &ten,
            sha1,
            name,
            issuer,
            &thirty,
            true,
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
        let obj = Bound::new(py, Totp::blank(py, true).add_subclass(Steam))?;
        Steam::__init__(&obj, s, name, issuer, interval, digits, allow_short_secret)?;
        Ok(obj)
    }
}
