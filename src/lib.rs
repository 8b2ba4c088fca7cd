//! pyotp-rs: HOTP/TOTP one-time passwords (RFC 4226 / RFC 6238) compatible with pyotp 2.12.
//!
//! The core modules ([`otp`], [`mac`], [`secret`], [`uri`], [`storage`], [`verify`]) are plain Rust;
//! [`python`] is the PyO3 binding that exposes them as the `pyotp_rs._pyotp_rs` extension module.

pub mod mac;
pub mod otp;
pub mod python;
pub mod qr;
pub mod secret;
pub mod storage;
pub mod transfer;
pub mod uri;
pub mod verify;

pyo3_stub_gen::define_stub_info_gatherer!(stub_info);
