//! Moving accounts between authenticators: the byte work of import and export.
//!
//! - [`migration`]: Google Authenticator's `otpauth-migration://offline?data=...` (protobuf in base64).
//! - [`aegis`]: Aegis vault JSON, plain or password-encrypted (scrypt + AES-256-GCM).
//! - [`sealed`]: the encrypted exports of 2FAS and andOTP (PBKDF2 + AES-256-GCM); their plain JSON
//!   is read by `pyotp_rs.transfer`.
//!
//! Readers turn hostile input into a [`TransferError`] for the whole input, or into one [`Entry`]
//! per account: an [`Account`] or a [`Skipped`] entry saying why. Writers refuse accounts the
//! format cannot hold, naming each one. Plain Rust: the binding is `crate::python::transfer`.

pub mod aegis;
pub mod migration;
pub mod sealed;

use crate::otp::Algorithm;
use zeroize::Zeroizing;

/// The kind of one-time password an account holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Time-based (RFC 6238).
    Totp,
    /// Counter-based (RFC 4226).
    Hotp,
    /// Steam Guard: TOTP with SHA1, 30 s and five characters of Steam's alphabet.
    Steam,
}

impl Kind {
    /// The lower-case name Aegis and the Python API use: `totp`, `hotp`, `steam`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Hotp => "hotp",
            Self::Steam => "steam",
        }
    }

    /// Reads a lower-case kind name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "totp" => Some(Self::Totp),
            "hotp" => Some(Self::Hotp),
            "steam" => Some(Self::Steam),
            _ => None,
        }
    }
}

/// One account: everything an authenticator needs to compute its codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// TOTP, HOTP or Steam.
    pub kind: Kind,
    /// The raw key bytes (wiped on drop).
    pub secret: Zeroizing<Vec<u8>>,
    /// The account name (often an e-mail address).
    pub name: String,
    /// The service, or empty.
    pub issuer: String,
    /// The HMAC hash function.
    pub algorithm: Algorithm,
    /// Code length.
    pub digits: u32,
    /// Time step in seconds (TOTP and Steam).
    pub period: u32,
    /// The next counter value (HOTP).
    pub counter: u64,
    /// The names of the groups (folders, tags) the account is filed under, in order.
    pub groups: Vec<String>,
}

impl Account {
    /// `issuer:name`, or the name alone: how reports refer to the account.
    pub fn label(&self) -> String {
        label(&self.issuer, &self.name)
    }
}

/// `issuer:name`, or `name` when there is no issuer.
pub fn label(issuer: &str, name: &str) -> String {
    if issuer.is_empty() {
        name.to_owned()
    } else {
        format!("{issuer}:{name}")
    }
}

/// An entry of an import that was not turned into an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// How the entry names itself (`issuer:name`, or its position).
    pub label: String,
    /// Why it was skipped, e.g. `unsupported algorithm MD5`.
    pub reason: String,
}

/// One entry of an import: an account, or the reason it was skipped.
pub type Entry = Result<Account, Skipped>;

/// Why a whole input (or a whole export) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// The text is not an `otpauth-migration://offline?data=...` URI.
    #[error("not a Google Authenticator export: expected otpauth-migration://offline?data=...")]
    NotMigrationUri,
    /// The migration URI has no `data` parameter.
    #[error("the otpauth-migration URI has no data parameter")]
    MissingData,
    /// The `data` parameter is not base64.
    #[error("the otpauth-migration data is not base64")]
    Base64,
    /// The decoded bytes are not a `MigrationPayload`.
    #[error("the otpauth-migration data is not a valid migration payload: {0}")]
    Protobuf(String),
    /// The vault is not JSON, or lacks a member it needs.
    #[error("not an Aegis vault: {0}")]
    Vault(String),
    /// The vault is encrypted and no password was given.
    #[error("the Aegis vault is encrypted: a password is needed")]
    PasswordNeeded,
    /// No password slot opened with the password.
    #[error("wrong password for the Aegis vault")]
    WrongPassword,
    /// The master key opened but the database did not: the file was altered.
    #[error("the Aegis vault's database does not decrypt: the file was modified or damaged")]
    Tampered,
    /// A password slot asks for scrypt work beyond the accepted bounds.
    #[error("the Aegis vault's scrypt parameters are out of range (n={n}, r={r}, p={p})")]
    ScryptParams {
        /// CPU/memory cost.
        n: u64,
        /// Block size.
        r: u64,
        /// Parallelism.
        p: u64,
    },
    /// A vault's password slots together ask for more scrypt work than one import may spend.
    #[error("the Aegis vault asks for too much scrypt work: {slots} password slot(s) costing n*r*p = {work} in total; at most {max_slots} slots and {max_work} in total are tried")]
    ScryptBudget {
        /// Password slots in the vault.
        slots: usize,
        /// The sum of `n * r * p` over them (saturating).
        work: u64,
        /// The most slots tried.
        max_slots: usize,
        /// The most total work.
        max_work: u64,
    },
    /// An encrypted export (2FAS, andOTP) is malformed.
    #[error("not a valid encrypted {format}: {why}")]
    Sealed {
        /// The format's name.
        format: &'static str,
        /// What is wrong.
        why: String,
    },
    /// An encrypted export did not open: wrong password, or a modified file.
    #[error("wrong password for the {0}, or the file was modified")]
    WrongPasswordFor(&'static str),
    /// An andOTP backup opened in neither format; as the current one it asks for too much work.
    #[error("wrong password for the andOTP backup (read as the old format), and as the current format it asks for {0} PBKDF2 iterations, over the {max} accepted", max = sealed::MAX_ANDOTP_ITERATIONS)]
    AndOtpIterations(u32),
    /// The operating system's random source failed.
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    /// Some accounts cannot be written in the chosen format.
    #[error("cannot export to {format}: {}", .problems.join("; "))]
    Unsupported {
        /// The format's name.
        format: &'static str,
        /// One `label: reason` per refused account.
        problems: Vec<String>,
    },
}

/// Fills `out` from the operating system's random source.
pub(crate) fn random_fill(out: &mut [u8]) -> Result<(), TransferError> {
    getrandom::fill(out).map_err(|err| TransferError::Random(err.to_string()))
}

/// Checks every account with `problem`; refuses the export naming each account that has one.
pub(crate) fn check_all(
    format: &'static str,
    accounts: &[Account],
    problem: impl Fn(&Account) -> Option<String>,
) -> Result<(), TransferError> {
    let problems: Vec<String> = accounts
        .iter()
        .filter_map(|account| problem(account).map(|why| format!("{}: {why}", account.label())))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(TransferError::Unsupported { format, problems })
    }
}
