//! Maps the core's error types to the Python exceptions pyotp raises, messages unchanged.

use crate::otp::OtpError;
use crate::secret::{RandomError, SecretError};
use crate::uri::UriError;
use pyo3::exceptions::{PyIndexError, PyMemoryError, PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;

pyo3::import_exception!(binascii, Error);
pyo3::import_exception!(pyotp_rs.exceptions, OTPVerificationError);

impl From<SecretError> for PyErr {
    fn from(err: SecretError) -> Self {
        let msg = err.to_string();
        match err {
            SecretError::NonAscii | SecretError::TooShort => PyValueError::new_err(msg),
            SecretError::UnpaddedBytes => PyTypeError::new_err(msg),
            SecretError::NonBase32Digit | SecretError::IncorrectPadding => Error::new_err(msg),
            // Python's own MemoryError carries no message.
            SecretError::TooLarge => PyMemoryError::new_err(()),
        }
    }
}

impl From<OtpError> for PyErr {
    fn from(err: OtpError) -> Self {
        match err {
            OtpError::VerificationFailed => OTPVerificationError::new_err(err.to_string()),
            OtpError::MacIndex => PyIndexError::new_err(err.to_string()),
            // Python's own MemoryError carries no message.
            OtpError::TooLarge(_) => PyMemoryError::new_err(()),
            _ => PyValueError::new_err(err.to_string()),
        }
    }
}

impl From<RandomError> for PyErr {
    fn from(err: RandomError) -> Self {
        let msg = err.to_string();
        match err {
            RandomError::TooShort => PyValueError::new_err(msg),
            RandomError::EmptyAlphabet => PyIndexError::new_err(msg),
            RandomError::TooLong(_) => PyMemoryError::new_err(msg),
            RandomError::Os(_) => PyOSError::new_err(msg),
        }
    }
}

impl From<UriError<PyErr>> for PyErr {
    fn from(err: UriError<PyErr>) -> Self {
        match err {
            UriError::Int(err) => err,
            UriError::UnexpectedKeyword { .. } => PyTypeError::new_err(err.to_string()),
            _ => PyValueError::new_err(err.to_string()),
        }
    }
}
