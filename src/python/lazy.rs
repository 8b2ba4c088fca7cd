//! Python objects the binding looks up once: hashlib constructors and glue functions.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// A Python attribute imported on first use and kept for the life of the interpreter.
pub struct Imported {
    module: &'static str,
    name: &'static str,
    cell: PyOnceLock<Py<PyAny>>,
}

impl Imported {
    /// Declares `module.name`, imported when first needed.
    pub const fn new(module: &'static str, name: &'static str) -> Self {
        Self {
            module,
            name,
            cell: PyOnceLock::new(),
        }
    }

    /// The object, importing it on the first call.
    pub fn get<'py>(&self, py: Python<'py>) -> PyResult<&Bound<'py, PyAny>> {
        self.cell
            .get_or_try_init(py, || {
                Ok::<_, PyErr>(py.import(self.module)?.getattr(self.name)?.unbind())
            })
            .map(|obj| obj.bind(py))
    }

    /// Whether `obj` is this very object.
    pub fn is(&self, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(obj.is(self.get(obj.py())?))
    }
}

pub static SHA1: Imported = Imported::new("hashlib", "sha1");
pub static SHA256: Imported = Imported::new("hashlib", "sha256");
pub static SHA512: Imported = Imported::new("hashlib", "sha512");
pub static MD5: Imported = Imported::new("hashlib", "md5");
pub static SHAKE_128: Imported = Imported::new("hashlib", "shake_128");
pub static HMAC_NEW: Imported = Imported::new("hmac", "new");
pub static B32DECODE: Imported = Imported::new("base64", "b32decode");
pub static URLPARSE: Imported = Imported::new("urllib.parse", "urlparse");
pub static TOTP_MODULE: Imported = Imported::new("pyotp_rs", "totp");
pub static SECONDS: Imported = Imported::new("pyotp_rs.totp", "_seconds");
pub static STRINGS_EQUAL: Imported = Imported::new("pyotp_rs.utils", "strings_equal");
pub static NEWOBJ: Imported = Imported::new("copyreg", "__newobj__");
pub static NEWOBJ_EX: Imported = Imported::new("copyreg", "__newobj_ex__");
