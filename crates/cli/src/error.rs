//! The CLI's error: a message for the user and the exit code it maps to.

use std::fmt;
use wbx_sdk::Error as SdkError;

/// Exit code for a transaction or RPC failure.
pub(crate) const FAILURE: u8 = 1;
/// Exit code for bad input.
pub(crate) const BAD_INPUT: u8 = 2;

/// What went wrong, and the exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    code: u8,
    message: String,
}

impl CliError {
    /// Bad input: exit code 2, nothing was sent.
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self { code: BAD_INPUT, message: message.into() }
    }

    /// A transaction or RPC failure: exit code 1.
    pub(crate) fn failure(message: impl Into<String>) -> Self {
        Self { code: FAILURE, message: message.into() }
    }

    pub(crate) fn code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<SdkError> for CliError {
    fn from(e: SdkError) -> Self {
        let code = match &e {
            SdkError::Amount(_)
            | SdkError::Name(_)
            | SdkError::Signer(_)
            | SdkError::Deployment(_)
            | SdkError::WrongChain { .. }
            | SdkError::ChainUnsupported(_)
            | SdkError::NoCode { .. }
            | SdkError::BadInput(_)
            | SdkError::NoSigner => BAD_INPUT,
            _ => FAILURE,
        };
        Self { code, message: e.to_string() }
    }
}

impl From<wbx_sdk::payouts::CsvError> for CliError {
    fn from(e: wbx_sdk::payouts::CsvError) -> Self {
        Self::input(format!("{e}; nothing was sent"))
    }
}

/// The CLI's result type.
pub(crate) type Result<T = (), E = CliError> = std::result::Result<T, E>;
