//! pyotp's `OTP` base class (`pyotp.otp`): the attributes, the keyed secret, and code rendering.
//!
//! Each object keeps the attributes exactly as given (pyotp users read and assign them)
//! and, beside them, the decoded secret keyed into an HMAC once, re-derived whenever
//! `secret` or `digest` is assigned.

use super::alloc::{new_bytes, new_code_str};
use super::arg::Arg;
use super::attr::Attr;
use super::dispatch;
use super::lazy::{
    B32DECODE, HMAC_NEW, MD5, NEWOBJ, SHA1, SHA256, SHA512, SHAKE_128, STRINGS_EQUAL,
};
use super::uri::{hashlib_name, UriArgs};
use crate::otp::{self, Algorithm, Key, LazyKey, OtpError};
use crate::secret::{self, MinLength, SecretError};
use pyo3::exceptions::{PyAttributeError, PyBaseException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyInt, PyString, PyTuple};
use pyo3_stub_gen::derive::{gen_stub_pyclass, gen_stub_pymethods};
use zeroize::Zeroizing;

/// How codes are computed: natively for SHA1/256/512, through Python's `hmac` otherwise;
/// or why they cannot be (a secret or digest assigned later that does not work, or an object
/// whose `__init__` has not run).
pub(super) enum Engine {
    Native(Box<LazyKey>),
    Python(Zeroizing<Vec<u8>>),
    Invalid(Py<PyBaseException>),
    Uninitialised,
}

/// Decodes a secret object as pyotp's `byte_secret()` does (keys shorter than 112 bits
/// only with the `allow_short_secret` opt-in).
pub(super) fn decode_secret(
    secret: &Bound<'_, PyAny>,
    min: MinLength,
) -> PyResult<Zeroizing<Vec<u8>>> {
    Ok(with_secret(secret, min, copy_key)??)
}

/// A copy of `key` in a buffer wiped on drop; [`SecretError::TooLarge`] (`MemoryError`) when
/// it cannot be allocated.
fn copy_key(key: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretError> {
    let mut copy = Zeroizing::new(Vec::new());
    copy.try_reserve_exact(key.len())
        .map_err(|_| SecretError::TooLarge)?;
    copy.extend_from_slice(key);
    Ok(copy)
}

/// Decodes a secret object as [`decode_secret`] does and lends the key to `use_key`, without
/// copying it to the heap.
pub(super) fn with_secret<R>(
    secret: &Bound<'_, PyAny>,
    min: MinLength,
    use_key: impl FnOnce(&[u8]) -> R,
) -> PyResult<R> {
    if let Ok(text) = secret.cast::<PyString>() {
        if !text.is_exact_instance_of::<PyString>() {
            return with_str_subclass(text, min, use_key);
        }
        // Text that UTF-8 cannot encode holds a lone surrogate: not ASCII, as Python says.
        let text = text.to_cow().map_err(|_| SecretError::NonAscii)?;
        return Ok(secret::with_decoded_str(&text, min, use_key)?);
    }
    if let Ok(bytes) = secret.cast::<PyBytes>() {
        return Ok(secret::with_decoded(bytes.as_bytes(), true, min, use_key)?);
    }
    if let Ok(bytes) = secret.cast::<PyByteArray>() {
        let raw = Zeroizing::new(bytes.to_vec());
        if raw.len() % 8 != 0 {
            return Err(PyTypeError::new_err("can't concat str to bytearray"));
        }
        return Ok(secret::with_decoded(&raw, true, min, use_key)?);
    }
    // pyotp pads whatever it was given with `secret += "=" * n`, then `b32decode`s the result.
    let missing = secret.len()? % 8;
    if missing != 0 {
        let padded = secret.add("=".repeat(8 - missing))?;
        if padded.cast::<PyString>().is_ok() || padded.cast::<PyBytes>().is_ok() {
            return with_secret(&padded, min, use_key);
        }
        return Err(not_decodable(&padded));
    }
    Err(not_decodable(secret))
}

/// A `str` subclass may override what pyotp's `byte_secret` calls on it (`len`, `+` when it
/// pads, and `encode` inside `b32decode`): it is decoded by those same Python calls.
fn with_str_subclass<R>(
    secret: &Bound<'_, PyString>,
    min: MinLength,
    use_key: impl FnOnce(&[u8]) -> R,
) -> PyResult<R> {
    let py = secret.py();
    let missing = secret.len()? % 8;
    let padded = if missing == 0 {
        secret.clone().into_any()
    } else {
        secret.add("=".repeat(8 - missing))?
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item(pyo3::intern!(py, "casefold"), true)?;
    let decoded = B32DECODE.get(py)?.call((padded,), Some(&kwargs))?;
    let key = decoded.cast::<PyBytes>()?.as_bytes();
    secret::check_length(key, min)?;
    Ok(use_key(key))
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
    Ok(match native_algorithm(digest)? {
        // Boxed, so that the key block is written once and never copied as the engine moves.
        Some(algorithm) => Engine::Native(with_secret(secret, min, |key| {
            LazyKey::boxed(algorithm, key)
        })?),
        None => Engine::Python(decode_secret(secret, min)?),
    })
}

/// `6 <= digits <= 10` with Python's comparison semantics; the digit count when it is a plain int.
/// Only a plain int is judged natively: a subclass may override the comparisons.
pub(super) fn check_digits(digits: &Bound<'_, PyAny>) -> PyResult<Option<u32>> {
    if let Ok(int) = digits.cast_exact::<PyInt>() {
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
    let n = digits.cast_exact::<PyInt>().ok()?.extract::<i64>().ok()?;
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
    Ok(otp::counter_message(&counter_bytes(input)?)?)
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
    /// Text that is not valid UTF-8 (a lone surrogate) goes to `strings_equal` too, which
    /// raises pyotp's error when the first candidate is compared, as pyotp does.
    pub(super) fn new(text: &'a Bound<'py, PyString>) -> Self {
        let ascii = text.to_cow().ok().filter(|cow| cow.is_ascii());
        Self { text, ascii }
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

    pub(super) fn into_py(self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        match self {
            Self::Native(code) => new_code_str(py, &code),
            Self::Python(text) => Ok(text),
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
    let mac = HMAC_NEW
        .get(py)?
        .call1((new_bytes(py, key)?, new_bytes(py, message)?, digest))?;
    if mac.getattr("digest_size")?.extract::<i64>()? < 18 {
        return Err(OtpError::ShortMac.into());
    }
    Ok(otp::truncate(
        mac.call_method0("digest")?.cast::<PyBytes>()?.as_bytes(),
    )?)
}

// No borrow of the object is held while Python code runs, so threads that assign attributes
// while others take codes never meet "Already borrowed": methods read what they need in one
// short borrow (a native code is computed inside it, which runs no Python code), and setters
// do their Python work first and then swap the new values in. Codes take the exclusive borrow:
// it costs one atomic operation where a shared one costs two, and the key is keyed in place
// on first use.
/// Base class of the one-time password generators (pyotp's `OTP`).
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs.otp", name = "OTP", subclass, dict, weakref)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct Otp {
    secret: Attr,
    digits: Attr,
    digest: Attr,
    name: Attr,
    issuer: Attr,
    pub(super) fast_digits: Option<u32>,
    engine: Engine,
    pub(super) steam: bool,
    /// Whether secrets shorter than 112 bits are accepted (`allow_short_secret`).
    min_length: MinLength,
    /// Counts assignments of the engine's inputs (`secret`, `digest`, `allow_short_secret`),
    /// so that a setter whose inputs changed while it decoded (another thread assigned one)
    /// decodes again before it swaps its engine in.
    generation: u64,
}

/// What a code needs from the object beyond a native key: taken in one short borrow, used
/// after it (these paths call Python). Its objects are bound, not `Py`: they are released at
/// once even where no PyO3 wrapper marks the thread as attached (the C methods of
/// `fastcall.rs`, where a `Py` dropped would wait in PyO3's pool).
struct CodeInputs<'py> {
    value: Result<u32, Pending<'py>>,
    fast_digits: Option<u32>,
    digits: Bound<'py, PyAny>,
    steam: bool,
}

/// An HMAC that has to be computed through Python, or the error that stands in its way.
enum Pending<'py> {
    Python(Zeroizing<Vec<u8>>, Bound<'py, PyAny>),
    Invalid(Py<PyBaseException>),
    Uninitialised,
}

impl Pending<'_> {
    fn value(self, py: Python<'_>, message: &[u8]) -> PyResult<u32> {
        match self {
            Self::Python(key, digest) => python_mac(py, &key, message, &digest),
            Self::Invalid(err) => Err(PyErr::from_value(err.into_bound(py).into_any())),
            Self::Uninitialised => Err(PyAttributeError::new_err(
                "object has no attribute 'secret' (OTP.__init__ was not called)",
            )),
        }
    }
}

impl Engine {
    /// The engine for a secret and digest, or the error that using them raises.
    fn derive(secret: &Bound<'_, PyAny>, digest: &Bound<'_, PyAny>, min: MinLength) -> Self {
        make_engine(secret, digest, min)
            .unwrap_or_else(|err| Self::Invalid(err.into_value(secret.py())))
    }
}

/// What pyotp's `OTP.__init__` sets, checked in its order before any of it is stored.
pub(super) struct Attributes {
    secret: Py<PyAny>,
    digits: Py<PyAny>,
    digest: Py<PyAny>,
    name: Py<PyAny>,
    issuer: Py<PyAny>,
    fast_digits: Option<u32>,
    engine: Engine,
    min_length: MinLength,
}

impl Attributes {
    /// Checks `OTP.__init__`'s arguments in pyotp's order and derives the engine. A secret
    /// that does not decode raises for the library's own objects (`native`); for the others it
    /// is kept as the engine's error, and their `byte_secret()` decides.
    pub(super) fn check(
        s: &Bound<'_, PyAny>,
        digits: Bound<'_, PyAny>,
        digest: Bound<'_, PyAny>,
        name: Option<Bound<'_, PyAny>>,
        issuer: Option<Bound<'_, PyAny>>,
        allow_short: bool,
        native: bool,
    ) -> PyResult<Self> {
        let py = s.py();
        let fast_digits = check_digits(&digits)?;
        check_digest(&digest)?;
        let name = or_default(name, pyo3::intern!(py, "Secret").as_any())?;
        let min_length = MinLength::allowing_short(allow_short);
        let engine = match make_engine(s, &digest, min_length) {
            Ok(engine) => engine,
            Err(err) if native => return Err(err),
            Err(err) => Engine::Invalid(err.into_value(py)),
        };
        Ok(Self {
            secret: s.clone().unbind(),
            digits: digits.unbind(),
            digest: digest.unbind(),
            name: name.unbind(),
            issuer: issuer.map_or_else(|| py.None(), Bound::unbind),
            fast_digits,
            engine,
            min_length,
        })
    }
}

impl Otp {
    /// An object that `__init__` has not set up yet (as after `OTP.__new__`);
    /// `steam` for `Steam` objects, whose codes are rendered in Steam's alphabet even when
    /// their attributes are set by unpickling.
    pub(super) fn blank(steam: bool) -> Self {
        Self {
            secret: Attr::default(),
            digits: Attr::default(),
            digest: Attr::default(),
            name: Attr::default(),
            issuer: Attr::default(),
            fast_digits: None,
            engine: Engine::Uninitialised,
            steam,
            min_length: MinLength::Pyotp,
            generation: 0,
        }
    }

    /// pyotp's `OTP.__init__`: validates in pyotp's order, then sets every attribute.
    ///
    /// As in pyotp, the secret is checked last through `self.byte_secret()`: natively for the
    /// library's own objects, through Python for the others (a subclass's override decides).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn init(
        slf: &Bound<'_, Self>,
        s: &Bound<'_, PyAny>,
        digits: Bound<'_, PyAny>,
        digest: Bound<'_, PyAny>,
        name: Option<Bound<'_, PyAny>>,
        issuer: Option<Bound<'_, PyAny>>,
        allow_short: bool,
    ) -> PyResult<()> {
        let native = dispatch::is_native(slf.as_any());
        let new = Attributes::check(s, digits, digest, name, issuer, allow_short, native)?;
        let old = {
            let mut this = slf.try_borrow_mut()?;
            this.generation += 1;
            this.fast_digits = new.fast_digits;
            this.min_length = new.min_length;
            (
                this.secret.replace(new.secret),
                this.digits.replace(new.digits),
                this.digest.replace(new.digest),
                this.name.replace(new.name),
                this.issuer.replace(new.issuer),
                std::mem::replace(&mut this.engine, new.engine),
            )
        };
        drop(old);
        if !native {
            slf.call_method0(pyo3::intern!(s.py(), "byte_secret"))?;
        }
        Ok(())
    }

    /// A new object's state, initialised (for the library's own classes only: their
    /// `byte_secret` is the native one, which [`Attributes::check`] ran).
    pub(super) fn initialised(new: Attributes, steam: bool) -> Self {
        Self {
            secret: Attr::new(new.secret),
            digits: Attr::new(new.digits),
            digest: Attr::new(new.digest),
            name: Attr::new(new.name),
            issuer: Attr::new(new.issuer),
            fast_digits: new.fast_digits,
            engine: new.engine,
            steam,
            min_length: new.min_length,
            generation: 1,
        }
    }

    /// The code for a counter, when it can be computed natively (no Python code runs).
    pub(super) fn native_code(&mut self, counter: u64) -> Option<otp::Code> {
        match (&mut self.engine, self.fast_digits) {
            (Engine::Native(key), Some(digits)) => Some(render_native(
                key.truncated(&counter.to_be_bytes()),
                digits,
                self.steam,
            )),
            _ => None,
        }
    }

    /// Everything but a native code: the value if the key is native, and how to render it.
    fn code_inputs<'py>(&mut self, py: Python<'py>, message: &[u8]) -> CodeInputs<'py> {
        let value = match &mut self.engine {
            Engine::Native(key) => Ok(key.truncated(message)),
            Engine::Python(key) => Err(Pending::Python(key.clone(), self.digest.bind(py))),
            Engine::Invalid(err) => Err(Pending::Invalid(err.clone_ref(py))),
            Engine::Uninitialised => Err(Pending::Uninitialised),
        };
        CodeInputs {
            value,
            fast_digits: self.fast_digits,
            digits: self.digits.bind(py),
            steam: self.steam,
        }
    }

    /// The code for a counter message, computed natively when it can be.
    fn code_for<'py>(slf: &Bound<'py, Self>, message: &[u8]) -> PyResult<Rendered<'py>> {
        let py = slf.py();
        let inputs = slf.try_borrow_mut()?.code_inputs(py, message);
        let value = match inputs.value {
            Ok(value) => value,
            Err(pending) => pending.value(py, message)?,
        };
        render(py, value, inputs.fast_digits, &inputs.digits, inputs.steam)
    }

    /// The code for a counter that fits in 64 bits.
    pub(super) fn code_at<'py>(slf: &Bound<'py, Self>, counter: i64) -> PyResult<Rendered<'py>> {
        let counter = u64::try_from(counter).map_err(|_| OtpError::NegativeCounter)?;
        if let Some(code) = slf.try_borrow_mut()?.native_code(counter) {
            return Ok(Rendered::Native(code));
        }
        Otp::code_for(slf, &counter.to_be_bytes())
    }

    /// The code for any counter pyotp accepts (a Python int of any size, or what `&` takes).
    pub(super) fn generate<'py>(
        slf: &Bound<'py, Self>,
        input: &Bound<'_, PyAny>,
    ) -> PyResult<Rendered<'py>> {
        let message = counter_message(input)?;
        Otp::code_for(slf, &message)
    }

    /// The code under a key that `self.byte_secret()` returned through Python.
    fn code_with_key<'py>(
        slf: &Bound<'py, Self>,
        key: &Bound<'_, PyAny>,
        message: &[u8],
    ) -> PyResult<Rendered<'py>> {
        let py = slf.py();
        let key: Zeroizing<Vec<u8>> = Zeroizing::new(key.extract()?);
        let (digest, fast_digits, digits, steam) = {
            let this = slf.try_borrow()?;
            (
                this.digest.get(py),
                this.fast_digits,
                this.digits.get(py),
                this.steam,
            )
        };
        let digest = digest.bind(py);
        let value = match native_algorithm(digest)? {
            Some(algorithm) => Key::new(algorithm, &key).truncated(message),
            None => python_mac(py, &key, message, digest)?,
        };
        render(py, value, fast_digits, digits.bind(py), steam)
    }

    /// Decodes the secret again with the current inputs and swaps the new engine in, unless
    /// another thread changed the inputs meanwhile (then it decodes their values).
    fn rekey(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        loop {
            let (secret, digest, min, generation) = {
                let this = slf.try_borrow()?;
                (
                    this.secret.get(py),
                    this.digest.get(py),
                    this.min_length,
                    this.generation,
                )
            };
            let engine = Engine::derive(secret.bind(py), digest.bind(py), min);
            let old = {
                let mut this = slf.try_borrow_mut()?;
                if this.generation != generation {
                    continue;
                }
                std::mem::replace(&mut this.engine, engine)
            };
            drop(old);
            return Ok(());
        }
    }

    /// Assigns one of the engine's inputs, then re-keys.
    fn set_input(slf: &Bound<'_, Self>, assign: impl FnOnce(&mut Otp) -> Attr) -> PyResult<()> {
        let old = {
            let mut this = slf.try_borrow_mut()?;
            this.generation += 1;
            assign(&mut this)
        };
        drop(old);
        Otp::rekey(slf)
    }

    /// What `provisioning_uri` writes, read in one borrow: pyotp's `build_uri` arguments.
    pub(super) fn uri_args<'py>(
        slf: &Bound<'py, Self>,
        name: Option<Bound<'py, PyAny>>,
        issuer_name: Option<Bound<'py, PyAny>>,
    ) -> PyResult<UriArgs<'py>> {
        let py = slf.py();
        let (secret, own_name, own_issuer, digits, digest, algorithm) = {
            let this = slf.try_borrow()?;
            let algorithm = match &this.engine {
                Engine::Native(key) => Some(key.algorithm()),
                _ => None,
            };
            (
                this.secret.bind(py),
                this.name.bind(py),
                this.issuer.bind(py),
                this.digits.bind(py),
                this.digest.bind(py),
                algorithm,
            )
        };
        let issuer = or_default(issuer_name, &own_issuer)?;
        // pyotp writes `self.digest().name`.
        let algorithm = match algorithm {
            Some(algorithm) => hashlib_name(py, algorithm).into_any(),
            None => digest.call0()?.getattr("name")?,
        };
        Ok(UriArgs {
            secret,
            name: or_default(name, &own_name)?,
            initial_count: None,
            issuer: (!issuer.is_none()).then_some(issuer),
            algorithm: Some(algorithm),
            digits: Some(digits),
            period: None,
        })
    }
}

/// A native code: decimal, or Steam's alphabet.
fn render_native(value: u32, digits: u32, steam: bool) -> otp::Code {
    if steam {
        otp::format_steam((u64::from(value) % 10u64.pow(digits)) as u32)
    } else {
        otp::format_decimal(value, digits)
    }
}

/// Renders a truncated value as pyotp does, by Python's arithmetic for a `digits` value
/// that is not a plain int from 1 to 10.
fn render<'py>(
    py: Python<'py>,
    value: u32,
    fast_digits: Option<u32>,
    digits: &Bound<'py, PyAny>,
    steam: bool,
) -> PyResult<Rendered<'py>> {
    if let Some(fast) = fast_digits {
        return Ok(Rendered::Native(render_native(value, fast, steam)));
    }
    let code = value
        .into_pyobject(py)?
        .rem(10i64.into_pyobject(py)?.pow(digits, py.None())?)?;
    let text = 10_000_000_000i64.into_pyobject(py)?.add(code)?.str()?;
    let slice = py
        .eval(c"slice", None, None)?
        .call1((digits.neg()?, py.None()))?;
    let text = text.get_item(slice)?;
    if !steam {
        return Ok(Rendered::Python(text.cast_into::<PyString>()?));
    }
    // Steam reads the decimal code back as an int; its 5 characters depend on
    // that int modulo 26**5 only.
    let int = py.get_type::<PyInt>().call1((text,))?;
    Ok(Rendered::Native(otp::format_steam(
        int.rem(26i64.pow(5))?.extract()?,
    )))
}

#[gen_stub_pymethods]
#[pymethods]
impl Otp {
    #[new]
    // The keywords of `__init__` are named here, though unused, so that PyO3 never copies
    // them into a new dict for `**_kwargs` (which takes only the keywords of a subclass's
    // own `__init__`); the same holds for the other classes' `__new__`.
    #[pyo3(signature = (*_args, digits = None, digest = None, name = None, issuer = None, allow_short_secret = None, **_kwargs), text_signature = "(s, *, digits=6, digest=None, name=None, issuer=None, allow_short_secret=False)")]
    #[gen_stub(skip)]
    #[allow(unused_variables, clippy::too_many_arguments)]
    fn py_new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        digits: Option<&Bound<'_, PyAny>>,
        digest: Option<&Bound<'_, PyAny>>,
        name: Option<&Bound<'_, PyAny>>,
        issuer: Option<&Bound<'_, PyAny>>,
        allow_short_secret: Option<&Bound<'_, PyAny>>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> Self {
        Otp::blank(false)
    }

    /// Base class for OTP handlers.
    ///
    /// `s` is the base32 secret; `digits` the code length (6 to 10); `digest` a hashlib
    /// constructor; `name` the account name; `issuer` the service name. `allow_short_secret`
    /// accepts secrets shorter than pyotp's 112 bits (legacy 80-bit ones), not in pyotp.
    #[pyo3(signature = (s, *, digits = Arg::Default(6), digest = None, name = None, issuer = None, allow_short_secret = false))]
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
        allow_short_secret: bool,
    ) -> PyResult<()> {
        let py = s.py();
        let digest = default_digest(py, digest)?;
        Otp::init(
            slf,
            s,
            digits.bind(py)?,
            digest,
            name,
            issuer,
            allow_short_secret,
        )
    }

    /// The base32 secret as given.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.str"))]
    fn get_secret(&self, py: Python<'_>) -> Py<PyAny> {
        self.secret.get(py)
    }

    #[setter]
    fn set_secret(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.str"))] value: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        Otp::set_input(slf, |this| this.secret.replace(value.unbind()))
    }

    /// Whether secrets shorter than 112 bits are accepted (not in pyotp; see `__init__`).
    #[getter]
    fn get_allow_short_secret(&self) -> bool {
        self.min_length == MinLength::AnyNonEmpty
    }

    #[setter]
    fn set_allow_short_secret(slf: &Bound<'_, Self>, value: Bound<'_, PyBool>) -> PyResult<()> {
        Otp::set_input(slf, |this| {
            this.min_length = MinLength::allowing_short(value.is_true());
            Attr::default()
        })
    }

    /// Number of digits in a code.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.int"))]
    fn get_digits(&self, py: Python<'_>) -> Py<PyAny> {
        self.digits.get(py)
    }

    #[setter]
    fn set_digits(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.int"))] value: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let fast = fast_digits(&value);
        let old = {
            let mut this = slf.try_borrow_mut()?;
            this.fast_digits = fast;
            this.digits.replace(value.unbind())
        };
        drop(old);
        Ok(())
    }

    /// The hashlib constructor used for the HMAC.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "typing.Any"))]
    fn get_digest(&self, py: Python<'_>) -> Py<PyAny> {
        self.digest.get(py)
    }

    #[setter]
    fn set_digest(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "typing.Any"))] value: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        Otp::set_input(slf, |this| this.digest.replace(value.unbind()))
    }

    /// Account name, shown by authenticator apps.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.str"))]
    fn get_name(&self, py: Python<'_>) -> Py<PyAny> {
        self.name.get(py)
    }

    #[setter]
    fn set_name(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.str"))] value: Py<PyAny>,
    ) -> PyResult<()> {
        let old = slf.try_borrow_mut()?.name.replace(value);
        drop(old);
        Ok(())
    }

    /// Issuer (service) name, or None.
    #[getter]
    #[gen_stub(override_return_type(type_repr = "builtins.str | None"))]
    fn get_issuer(&self, py: Python<'_>) -> Py<PyAny> {
        self.issuer.get(py)
    }

    #[setter]
    fn set_issuer(
        slf: &Bound<'_, Self>,
        #[gen_stub(override_type(type_repr = "builtins.str | None"))] value: Py<PyAny>,
    ) -> PyResult<()> {
        let old = slf.try_borrow_mut()?.issuer.replace(value);
        drop(old);
        Ok(())
    }

    /// The code for a counter value (the HOTP algorithm of RFC 4226).
    #[pyo3(signature = (input))]
    fn generate_otp<'py>(
        slf: &Bound<'py, Self>,
        #[gen_stub(override_type(type_repr = "builtins.int"))] input: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyString>> {
        let py = slf.py();
        if dispatch::is_native(slf.as_any()) {
            return Otp::generate(slf, input)?.into_py(py);
        }
        // pyotp calls `self.byte_secret()` for every code.
        let message = counter_message(input)?;
        let key = slf.call_method0(pyo3::intern!(py, "byte_secret"))?;
        Otp::code_with_key(slf, &key, &message)?.into_py(py)
    }

    /// The secret decoded from base32 (at least 14 bytes, unless `allow_short_secret`).
    fn byte_secret<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyBytes>> {
        let py = slf.py();
        let (secret, min) = {
            let this = slf.try_borrow()?;
            (this.secret.get(py), this.min_length)
        };
        new_bytes(py, &decode_secret(secret.bind(py), min)?)
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
        new_bytes(py, &otp::int_to_bytestring(&digits, padding)?)
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
