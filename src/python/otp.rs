//! pyotp's `OTP` base class (`pyotp.otp`): the attributes, the keyed secret, and code rendering.
//!
//! Each object keeps the attributes exactly as given (pyotp users read and assign them)
//! and, beside them, the decoded secret keyed into an HMAC once, re-derived whenever
//! `secret` or `digest` is assigned.

use super::arg::Arg;
use super::dispatch::is_own_class;
use super::lazy::{HMAC_NEW, MD5, NEWOBJ, SHA1, SHA256, SHA512, SHAKE_128, STRINGS_EQUAL};
use super::uri::UriArgs;
use crate::otp::{self, Algorithm, Key, LazyKey, OtpError};
use crate::secret::{self, MinLength};
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyInt, PyString, PyTuple};
use pyo3_stub_gen::derive::{gen_stub_pyclass, gen_stub_pymethods};
use zeroize::Zeroizing;

/// How codes are computed: natively for SHA1/256/512, through Python's `hmac` otherwise;
/// or why they cannot be (a secret or digest assigned later that does not work, or an object
/// whose `__init__` has not run).
pub(super) enum Engine {
    Native(LazyKey),
    Python(Zeroizing<Vec<u8>>),
    Invalid(PyErr),
    Uninitialised,
}

/// Decodes a secret object as pyotp's `byte_secret()` does (keys shorter than 112 bits
/// only with the `allow_short_secret` opt-in).
pub(super) fn decode_secret(
    secret: &Bound<'_, PyAny>,
    min: MinLength,
) -> PyResult<Zeroizing<Vec<u8>>> {
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
pub(super) fn not_decodable(value: &Bound<'_, PyAny>) -> PyErr {
    let name = value
        .get_type()
        .name()
        .map_or_else(|_| "object".to_owned(), |n| n.to_string());
    PyTypeError::new_err(format!(
        "argument should be a bytes-like object or ASCII string, not '{name}'"
    ))
}

pub(super) fn native_algorithm(digest: &Bound<'_, PyAny>) -> PyResult<Option<Algorithm>> {
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

pub(super) fn check_digest(digest: &Bound<'_, PyAny>) -> PyResult<()> {
    if MD5.is(digest)? || SHAKE_128.is(digest)? {
        return Err(OtpError::WeakDigest.into());
    }
    Ok(())
}

pub(super) fn make_engine(
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
pub(super) fn check_digits(digits: &Bound<'_, PyAny>) -> PyResult<Option<u32>> {
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
pub(super) fn fast_digits(digits: &Bound<'_, PyAny>) -> Option<u32> {
    let n = digits.cast::<PyInt>().ok()?.extract::<i64>().ok()?;
    (1..=10).contains(&n).then_some(n as u32)
}

/// `value or default`.
pub(super) fn or_default<'py>(
    value: Option<Bound<'py, PyAny>>,
    default: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(v) if v.is_truthy()? => Ok(v),
        _ => Ok(default.clone()),
    }
}

/// A counter message as pyotp builds it, or the error pyotp raises for the input.
pub(super) fn counter_message(input: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if input.cast::<PyInt>().is_err() && input.lt(0)? {
        return Err(OtpError::NegativeCounter.into());
    }
    Ok(otp::counter_message(&counter_bytes(input)?))
}

/// The big-endian bytes of `int_to_bytestring`'s input, as pyotp's `while i != 0` loop
/// takes them with `i & 0xFF`: zero-like values (0.0, False) give none, other
/// non-integers fail on the `&`, and negative values (where pyotp never stops) fail.
pub(super) fn counter_bytes(input: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
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
pub(super) fn text_of<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    match value.cast::<PyString>() {
        Ok(text) => Ok(text.clone()),
        Err(_) => value.str(),
    }
}

/// The code a caller gave, ready for pyotp's `strings_equal(str(otp), code)` against candidates.
///
/// ASCII text (every real code) is compared natively in constant time; anything else goes
/// through `pyotp_rs.utils.strings_equal`, whose NFKC normalisation is Python's own.
pub(super) struct Given<'a, 'py> {
    text: &'a Bound<'py, PyString>,
    ascii: Option<std::borrow::Cow<'a, str>>,
}

impl<'a, 'py> Given<'a, 'py> {
    pub(super) fn new(text: &'a Bound<'py, PyString>) -> PyResult<Self> {
        let cow = text.to_cow()?;
        let ascii = cow.is_ascii().then_some(cow);
        Ok(Self { text, ascii })
    }

    pub(super) fn matches(&self, code: &str) -> PyResult<bool> {
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
pub(super) enum Rendered<'py> {
    Native(otp::Code),
    Python(Bound<'py, PyString>),
}

impl<'py> Rendered<'py> {
    pub(super) fn as_str(&self) -> PyResult<&str> {
        match self {
            Self::Native(code) => Ok(code.as_str()),
            Self::Python(text) => text.to_str(),
        }
    }

    pub(super) fn into_py(self, py: Python<'py>) -> Bound<'py, PyString> {
        match self {
            Self::Native(code) => PyString::new(py, &code),
            Self::Python(text) => text,
        }
    }
}

/// The truncated HMAC computed by Python's `hmac`, for digests other than SHA1/256/512.
pub(super) fn python_mac(
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
    pub(super) fast_digits: Option<u32>,
    engine: Engine,
    pub(super) steam: bool,
    /// Whether secrets shorter than 112 bits are accepted (`allow_short_secret`).
    min_length: MinLength,
}

impl Otp {
    /// An object that `__init__` has not set up yet (as after `OTP.__new__`);
    /// `steam` for `Steam` objects, whose codes are rendered in Steam's alphabet even when
    /// their attributes are set by unpickling.
    pub(super) fn blank(py: Python<'_>, steam: bool) -> Self {
        Self {
            secret: py.None(),
            digits: py.None(),
            digest: py.None(),
            name: py.None(),
            issuer: py.None(),
            fast_digits: None,
            engine: Engine::Uninitialised,
            steam,
            min_length: MinLength::Pyotp,
        }
    }

    /// pyotp's `OTP.__init__`: validates in pyotp's order, then sets every attribute.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn init(
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
    pub(super) fn code_at<'py>(&self, py: Python<'py>, counter: i64) -> PyResult<Rendered<'py>> {
        let counter = u64::try_from(counter).map_err(|_| OtpError::NegativeCounter)?;
        self.render(py, self.value(py, &counter.to_be_bytes())?)
    }

    pub(super) fn generate<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'_, PyAny>,
    ) -> PyResult<Rendered<'py>> {
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

    pub(super) fn uri_args<'py>(
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
        Otp::blank(py, false)
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

pub(super) fn default_digest<'py>(
    py: Python<'py>,
    digest: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    match digest {
        Some(d) if !d.is_none() => Ok(d),
        _ => Ok(SHA1.get(py)?.clone()),
    }
}
