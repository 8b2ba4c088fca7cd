//! The Python binding: the only part of the crate that knows Python.

mod alloc;
mod arg;
mod attr;
mod dispatch;
mod errors;
mod fastcall;
mod hotp;
mod lazy;
mod oneshot;
mod otp;
mod parse_uri;
mod qr;
mod random;
mod steam;
mod storage;
mod time;
mod totp;
mod transfer;
mod uri;
mod vectorcall;
mod verify;

use pyo3::prelude::*;

pyo3_stub_gen::module_variable!("pyotp_rs._pyotp_rs", "__version__", &str);

/// The compiled core of `pyotp_rs`; import the public names from `pyotp_rs` itself.
///
/// `gil_used = true`: codes take an exclusive borrow of their object (see `otp.rs`), which the
/// GIL keeps uncontended; without it, two threads taking codes from one object at once would
/// meet "Already borrowed". A free-threaded CPython therefore re-enables the GIL on import
/// (docs/migrating.md, "Threads and free-threading").
#[pymodule(gil_used = true)]
pub mod _pyotp_rs {
    #[pymodule_export]
    use super::hotp::Hotp;
    #[pymodule_export]
    use super::oneshot::totp_code;
    #[pymodule_export]
    use super::otp::Otp;
    #[pymodule_export]
    use super::qr::{make, QrCode};
    #[pymodule_export]
    use super::random::{random_base32, random_hex};
    #[pymodule_export]
    use super::steam::Steam;
    #[pymodule_export]
    use super::storage::PyWallet;
    #[pymodule_export]
    use super::totp::Totp;
    #[pymodule_export]
    use super::transfer::{
        _open_2fas, _open_andotp, _read_aegis, _read_migration, _write_aegis, _write_migration,
        RawAccount, Skipped,
    };
    #[pymodule_export]
    use super::uri::build_uri;
    #[pymodule_export]
    use super::verify::{_totp_match, TotpMatch};
    use super::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        let py = m.py();
        super::time::remember_clock(py)?;
        super::fastcall::install_methods(py)?;
        super::parse_uri::install(m)?;
        super::vectorcall::install(py);
        super::dispatch::register_own_classes(
            py,
            vec![
                py.get_type::<Otp>(),
                py.get_type::<Hotp>(),
                py.get_type::<Totp>(),
                py.get_type::<Steam>(),
            ],
        )?;
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
