//! `pyotp_rs.qr`: the `QRCode` class and `make()`, thin wrappers over [`crate::qr`].

use super::alloc::{new_bytes, Text};
use super::lazy::NEWOBJ_EX;
use crate::qr::{Border, ErrorCorrection, QrError, QrMatrix, Scale, DEFAULT_BORDER, DEFAULT_SCALE};
use pyo3::exceptions::{PyOverflowError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use pyo3_stub_gen::derive::{gen_stub_pyclass, gen_stub_pyfunction, gen_stub_pymethods};
use pyo3_stub_gen::{PyStubType, TypeInfo};
use std::path::PathBuf;

impl From<QrError> for PyErr {
    fn from(err: QrError) -> Self {
        match err {
            QrError::Png(_) => PyRuntimeError::new_err(err.to_string()),
            _ => PyValueError::new_err(err.to_string()),
        }
    }
}

/// A Python int; one beyond 64 bits is kept as `i64::MAX`/`MIN` so range checks reject it
/// with their ValueError rather than an OverflowError.
pub(crate) struct Int(pub(crate) i64);

impl<'a, 'py> FromPyObject<'a, 'py> for Int {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.extract::<i64>() {
            Ok(n) => Ok(Self(n)),
            Err(err) if err.is_instance_of::<PyOverflowError>(obj.py()) => {
                Ok(Self(if obj.lt(0)? { i64::MIN } else { i64::MAX }))
            }
            Err(err) => Err(err),
        }
    }
}

impl Int {
    /// The default `scale` argument.
    pub(crate) const SCALE: Self = Self(DEFAULT_SCALE as i64);
    /// The default `border` argument.
    pub(crate) const BORDER: Self = Self(DEFAULT_BORDER as i64);
}

impl<'py> IntoPyObject<'py> for Int {
    type Target = pyo3::types::PyInt;
    type Output = Bound<'py, pyo3::types::PyInt>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        self.0.into_pyobject(py)
    }
}

impl PyStubType for Int {
    fn type_output() -> TypeInfo {
        TypeInfo::builtin("int")
    }
}

/// The URI to encode: the string itself, or the result of the object's `provisioning_uri()`.
fn uri_of(data: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = data.cast::<PyString>() {
        return Ok(text.to_str()?.to_owned());
    }
    provisioning_uri(data, None)
}

/// The arguments of the rendering methods, which `TOTP.qr()` would otherwise pass on to
/// `provisioning_uri()` as URI parameters.
const RENDERING_ARGS: [&str; 2] = ["scale", "invert"];

/// `otp.provisioning_uri(**uri_args)`, which must be a str.
fn provisioning_uri(
    data: &Bound<'_, PyAny>,
    uri_args: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let py = data.py();
    if let Some(args) = uri_args {
        for name in RENDERING_ARGS {
            if args.contains(name)? {
                return Err(PyTypeError::new_err(format!(
                    "qr() got '{name}', which belongs to the QR code's rendering methods: \
                     pass it to png(), svg(), data_uri(), save() or terminal(), \
                     e.g. otp.qr().png({name}=...)"
                )));
            }
        }
    }
    if !data.hasattr(pyo3::intern!(py, "provisioning_uri"))? {
        return Err(PyTypeError::new_err(format!(
            "expected a str URI or an object with provisioning_uri(), not '{}'",
            data.get_type().name()?
        )));
    }
    let uri = data.call_method(pyo3::intern!(py, "provisioning_uri"), (), uri_args)?;
    match uri.cast::<PyString>() {
        Ok(text) => Ok(text.to_str()?.to_owned()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "provisioning_uri() returned '{}', not str",
            uri.get_type().name()?
        ))),
    }
}

/// A QR code of an `otpauth://` URI, rendered on demand as PNG, SVG, text or a data URI.
///
/// Build it from a URI string or from any object with a ``provisioning_uri()`` method (a
/// ``TOTP``, an ``HOTP``, or pyotp's own classes). A notebook cell that ends with a
/// ``QRCode`` shows the code inline.
#[gen_stub_pyclass]
#[pyclass(module = "pyotp_rs.qr", name = "QRCode", frozen)]
#[gen_stub(module = "pyotp_rs._pyotp_rs")]
pub struct QrCode {
    uri: String,
    matrix: QrMatrix,
    border: Border,
}

impl QrCode {
    /// Encodes the URI of `data` (a str or an OTP object).
    pub(crate) fn build(
        data: &Bound<'_, PyAny>,
        error_correction: &str,
        border: Int,
    ) -> PyResult<Self> {
        Self::encode(data.py(), uri_of(data)?, error_correction, border)
    }

    /// Encodes `otp.provisioning_uri(**uri_args)`: `TOTP.qr()` and `HOTP.qr()`.
    pub(crate) fn of_otp(
        otp: &Bound<'_, PyAny>,
        uri_args: Option<&Bound<'_, PyDict>>,
        error_correction: &str,
        border: Int,
    ) -> PyResult<Self> {
        Self::encode(
            otp.py(),
            provisioning_uri(otp, uri_args)?,
            error_correction,
            border,
        )
    }

    /// Encodes `uri` with the GIL released: choosing a mask takes tens of microseconds.
    fn encode(py: Python<'_>, uri: String, error_correction: &str, border: Int) -> PyResult<Self> {
        let level: ErrorCorrection = error_correction.parse()?;
        let border = Border::try_from(border.0)?;
        let matrix = py.detach(|| QrMatrix::encode(&uri, level))?;
        Ok(Self {
            uri,
            matrix,
            border,
        })
    }

    /// The given quiet zone, or the one chosen at construction.
    fn border_or_default(&self, border: Option<Int>) -> PyResult<Border> {
        match border {
            Some(b) => Ok(Border::try_from(b.0)?),
            None => Ok(self.border),
        }
    }

    /// The PNG, drawn and compressed with the GIL released (a large scale takes milliseconds).
    fn png_bytes(&self, py: Python<'_>, scale: Int, border: Option<Int>) -> PyResult<Vec<u8>> {
        let scale = Scale::try_from(scale.0)?;
        let border = self.border_or_default(border)?;
        Ok(py.detach(|| self.matrix.png(scale, border))?)
    }
}

#[gen_stub_pymethods]
#[pymethods]
impl QrCode {
    /// Encodes ``data`` (a URI string or an object with ``provisioning_uri()``).
    ///
    /// ``error_correction`` is ``"L"``, ``"M"`` (default), ``"Q"`` or ``"H"``; ``border`` is the
    /// quiet zone in modules (default 4) used when a rendering method is not given one.
    /// Raises ValueError for a bad level or border, or data too long for a QR code.
    #[new]
    #[pyo3(signature = (data, *, error_correction = "M", border = Int::BORDER), text_signature = "(data, *, error_correction='M', border=4)")]
    fn py_new(data: &Bound<'_, PyAny>, error_correction: &str, border: Int) -> PyResult<Self> {
        Self::build(data, error_correction, border)
    }

    /// The encoded text.
    #[getter]
    fn uri(&self) -> Text {
        Text(self.uri.clone())
    }

    /// The QR version, 1 to 40 (the symbol has ``17 + 4 * version`` modules per side).
    #[getter]
    fn version(&self) -> u16 {
        self.matrix.version()
    }

    /// Modules per side, without the quiet zone.
    #[getter]
    fn size(&self) -> usize {
        self.matrix.size()
    }

    /// The error correction level: ``"L"``, ``"M"``, ``"Q"`` or ``"H"``.
    #[getter]
    fn error_correction(&self) -> &'static str {
        self.matrix.error_correction().letter()
    }

    /// The default quiet zone of the rendering methods, in modules.
    #[getter]
    fn border(&self) -> u32 {
        self.border.get()
    }

    /// A 1-bit grayscale PNG: ``scale`` pixels per module (1 to 64), ``border`` quiet-zone
    /// modules (0 to 64); the image is ``(size + 2 * border) * scale`` pixels square.
    #[pyo3(signature = (*, scale = Int::SCALE, border = None), text_signature = "($self, *, scale=10, border=None)")]
    fn png<'py>(
        &self,
        py: Python<'py>,
        scale: Int,
        border: Option<Int>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        new_bytes(py, &self.png_bytes(py, scale, border)?)
    }

    /// An SVG document of one black path on a white square, ``scale`` pixels per module.
    #[pyo3(signature = (*, scale = Int::SCALE, border = None), text_signature = "($self, *, scale=10, border=None)")]
    fn svg(&self, py: Python<'_>, scale: Int, border: Option<Int>) -> PyResult<Text> {
        let scale = Scale::try_from(scale.0)?;
        let border = self.border_or_default(border)?;
        Ok(Text(py.detach(|| self.matrix.svg(scale, border))))
    }

    /// The code as Unicode half blocks for ``print()``, two module rows per line, no escapes.
    ///
    /// The characters draw the light modules and the quiet zone, which shows the code the
    /// right way round on a dark terminal; ``invert=True`` draws the dark modules instead, for
    /// light backgrounds. Most phone scanners also read the code the other way round.
    #[pyo3(signature = (*, border = None, invert = false))]
    fn terminal(&self, border: Option<Int>, invert: bool) -> PyResult<Text> {
        Ok(Text(
            self.matrix
                .terminal(self.border_or_default(border)?, invert),
        ))
    }

    /// The PNG as a ``data:image/png;base64,...`` URI, ready for an ``<img src>``.
    #[pyo3(signature = (*, scale = Int::SCALE, border = None), text_signature = "($self, *, scale=10, border=None)")]
    fn data_uri(&self, py: Python<'_>, scale: Int, border: Option<Int>) -> PyResult<Text> {
        let scale = Scale::try_from(scale.0)?;
        let border = self.border_or_default(border)?;
        Ok(Text(py.detach(|| self.matrix.data_uri(scale, border))?))
    }

    /// Writes the code to ``path`` in the format its extension names: ``.png``, ``.svg`` or
    /// ``.txt`` (the ``terminal()`` text, which has no ``scale``); any other extension raises
    /// ValueError. A new file is created readable by its owner only (mode 0600), since the
    /// code holds the secret.
    #[pyo3(signature = (path, *, scale = Int::SCALE, border = None), text_signature = "($self, path, *, scale=10, border=None)")]
    fn save(&self, py: Python<'_>, path: PathBuf, scale: Int, border: Option<Int>) -> PyResult<()> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let contents = match extension.as_deref() {
            Some("png") => self.png_bytes(py, scale, border)?,
            Some("svg") => self.svg(py, scale, border)?.0.into_bytes(),
            Some("txt") => {
                let Text(mut text) = self.terminal(border, false)?;
                text.push('\n');
                text.into_bytes()
            }
            _ => {
                return Err(PyValueError::new_err(format!(
                    "cannot tell the image format of {}: use a .png, .svg or .txt file name",
                    path.display()
                )))
            }
        };
        Ok(py.detach(|| write_private(&path, &contents))?)
    }

    /// Pickles and copies as ``QRCode(uri, error_correction=..., border=...)``.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("error_correction", self.error_correction())?;
        kwargs.set_item("border", self.border())?;
        let args = (
            py.get_type::<Self>(),
            PyTuple::new(py, [&self.uri])?,
            kwargs,
        );
        (NEWOBJ_EX.get(py)?, args).into_pyobject(py)
    }

    /// The PNG that Jupyter displays for a cell ending with this object.
    fn _repr_png_<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.png(py, Int::SCALE, None)
    }

    /// The SVG that Jupyter displays for a cell ending with this object.
    fn _repr_svg_(&self, py: Python<'_>) -> PyResult<Text> {
        self.svg(py, Int::SCALE, None)
    }

    fn __repr__(&self) -> String {
        format!(
            "<QRCode version {}, {}x{} modules, error correction {}>",
            self.matrix.version(),
            self.matrix.size(),
            self.matrix.size(),
            self.matrix.error_correction()
        )
    }
}

/// Writes `contents` to `path`, readable by the owner only: a new file created beside it
/// (exclusively, with mode 0600 where modes exist), synced, then renamed over `path`. An
/// existing file's mode is never kept, and a symbolic link at `path` is replaced, not followed.
fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind, Write};
    let name = path
        .file_name()
        .ok_or_else(|| Error::new(ErrorKind::InvalidInput, "the path names no file"))?;
    let directory = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut attempt = 0u32;
    let (temporary, mut file) = loop {
        let mut temporary = std::ffi::OsString::from(".");
        temporary.push(name);
        temporary.push(format!(".{}-{attempt}.tmp", std::process::id()));
        let temporary = directory.join(temporary);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&temporary) {
            Ok(file) => break (temporary, file),
            Err(err) if err.kind() == ErrorKind::AlreadyExists && attempt < 1000 => attempt += 1,
            Err(err) => return Err(err),
        }
    };
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        // Best effort: the temporary file is ours, and the write's error is the one to report.
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Encodes ``uri_or_otp`` (a URI string or an object with ``provisioning_uri()``) as a
/// :class:`QRCode`; see ``QRCode`` for the arguments.
#[gen_stub_pyfunction(module = "pyotp_rs._pyotp_rs")]
#[pyfunction]
#[pyo3(signature = (uri_or_otp, *, error_correction = "M", border = Int::BORDER), text_signature = "(uri_or_otp, *, error_correction='M', border=4)")]
pub fn make(
    uri_or_otp: &Bound<'_, PyAny>,
    error_correction: &str,
    border: Int,
) -> PyResult<QrCode> {
    QrCode::build(uri_or_otp, error_correction, border)
}
