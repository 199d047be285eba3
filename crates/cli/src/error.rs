//! The CLI's error: a message for the user, a stable code for scripts, what fixes it, and the exit
//! code it maps to.
//!
//! Every error class has its code: the SDK's errors (mapped here, exhaustively, so a new variant
//! cannot reach users without one), each contract revert by name, the CLI's bad-input errors, and
//! clap's usage errors (mapped in `main`). With `--json` the code is in the error document:
//! `{"ok": false, "error": {"code": "grant-expired", "message": "...", "fix": "..."}}`.

use serde_json::Value;
use std::fmt;
use wbx_sdk::{DeploymentError, Error as SdkError, Revert, SignerError};

/// Exit code for a transaction or RPC failure.
pub(crate) const FAILURE: u8 = 1;
/// Exit code for bad input.
pub(crate) const BAD_INPUT: u8 = 2;

/// What went wrong, its code, and the exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    exit: u8,
    code: &'static str,
    message: String,
    fix: Option<String>,
    revert: Option<String>,
}

impl CliError {
    /// Bad input: exit code 2, nothing was sent.
    pub(crate) fn input(code: &'static str, message: impl Into<String>) -> Self {
        Self { exit: BAD_INPUT, code, message: message.into(), fix: None, revert: None }
    }

    /// A transaction or RPC failure: exit code 1.
    pub(crate) fn failure(code: &'static str, message: impl Into<String>) -> Self {
        Self { exit: FAILURE, code, message: message.into(), fix: None, revert: None }
    }

    /// The same error with what fixes it.
    pub(crate) fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// The process exit code.
    pub(crate) fn exit(&self) -> u8 {
        self.exit
    }

    /// The `error` object of the JSON error document.
    pub(crate) fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            code: self.code,
            message: &self.message,
            fix: self.fix.clone().or_else(|| default_fix(self.code).map(String::from)),
            exit_code: self.exit,
            revert: self.revert.as_deref(),
        }
    }

    /// [`CliError::body`] as a JSON value.
    pub(crate) fn to_json(&self) -> Value {
        serde_json::to_value(self.body()).expect("serialisable")
    }

    /// The whole error document, `{"ok": false, "error": {...}}`, with the transactions mined
    /// before the error when there were any, its keys in this order.
    pub(crate) fn document(&self, sent: &[Value]) -> String {
        let doc = ErrorDocument { ok: false, error: self.body(), sent };
        serde_json::to_string_pretty(&doc).expect("serialisable")
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The `error` object of a JSON error document.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody<'a> {
    code: &'static str,
    message: &'a str,
    fix: Option<String>,
    exit_code: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    revert: Option<&'a str>,
}

/// A JSON error document.
#[derive(Debug, serde::Serialize)]
struct ErrorDocument<'a> {
    ok: bool,
    error: ErrorBody<'a>,
    #[serde(skip_serializing_if = "<[Value]>::is_empty")]
    sent: &'a [Value],
}

/// A value on the command line that cannot be used, with its code. The value parsers return it,
/// clap carries it as the source of its own error, and `main` reads the code from there.
#[derive(Debug)]
pub(crate) struct BadValue {
    /// The stable error code.
    pub(crate) code: &'static str,
    /// What is wrong with the value.
    pub(crate) message: String,
}

impl BadValue {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BadValue {}

impl From<BadValue> for CliError {
    fn from(e: BadValue) -> Self {
        Self::input(e.code, e.message)
    }
}

/// The stable codes of the errors that have no better home. The README lists them all.
pub(crate) mod code {
    /// A request that cannot be carried out as given (the message says what to change).
    pub(crate) const BAD_INPUT: &str = "bad-input";
    /// An input file that cannot be read: missing, a directory, unreadable, not UTF-8.
    pub(crate) const BAD_FILE: &str = "bad-file";
    /// A recipient, spender or account that can never work (the zero address, the token itself).
    pub(crate) const BAD_RECIPIENT: &str = "bad-recipient";
    /// An amount of zero where the command refuses it.
    pub(crate) const ZERO_AMOUNT: &str = "zero-amount";
    /// A malformed address or a wrong checksum.
    pub(crate) const BAD_ADDRESS: &str = "bad-address";
    /// A malformed, negative or over-precise amount.
    pub(crate) const BAD_AMOUNT: &str = "bad-amount";
    /// A payout file row that is refused (it names file:line).
    pub(crate) const BAD_PAYOUT_FILE: &str = "bad-payout-file";
    /// Something failed that is not one of the named classes.
    pub(crate) const FAILED: &str = "failed";
    /// An output file could not be written.
    pub(crate) const WRITE_FAILED: &str = "write-failed";
}

/// What fixes an error of this code, when it is the same every time.
fn default_fix(code: &str) -> Option<&'static str> {
    Some(match code {
        "usage"
        | "unknown-argument"
        | "unknown-command"
        | "missing-argument"
        | "missing-command"
        | "conflicting-arguments"
        | "invalid-value"
        | "not-utf8" => "see `wbx --help` and `wbx <command> --help`",
        "no-signer" => "give --account NAME, --keystore PATH, --private-key KEY or --dev-account N",
        "no-deployment" => "deploy first (`wbx deploy`), or give --deployment PATH",
        "wrong-chain" | "no-code" => {
            "point --rpc-url and --deployment at the same chain (`wbx status` shows both)"
        }
        "unreachable" | "not-json-rpc" | "bad-rpc-url" => {
            "give the node's JSON-RPC endpoint with --rpc-url or ETH_RPC_URL (http, https, ws, wss, or an IPC socket file)"
        }
        "insufficient-funds" => "fund the sender with ETH for gas, or lower --max-fee",
        "fee-below-base-fee" => "raise --max-fee above the base fee, or leave it out",
        "nonce-too-low" | "already-known" | "replacement-underpriced" => {
            "`wbx doctor account` shows the pending transactions; `wbx tx bump` or `wbx tx cancel` replaces one"
        }
        "dev-account-not-local" => "use --account or --keystore on a chain that is not local",
        c if c.starts_with("bad-")
            || c == "zero-amount"
            || c == "unknown-name"
            || c == "bad-input" =>
        {
            "correct the value the message names; nothing was sent"
        }
        "tx-reverted" => "`wbx doctor tx HASH` replays it and names the cause",
        c if c.starts_with("reverted")
            || c == "panic"
            || REVERT_CODES.iter().any(|(_, k)| *k == c) =>
        {
            "run `wbx doctor` with the same command: it names the cause and the command that fixes it"
        }
        _ => return None,
    })
}

/// The code of each contract error, by its Solidity name. Both contracts' errors that a call can
/// surface have one; a test checks that none is left to the generic `reverted`.
const REVERT_CODES: &[(&str, &str)] = &[
    ("WbxGrantExpired", "grant-expired"),
    ("WbxAlreadyPaid", "already-paid"),
    ("WbxInvalidGrantKind", "invalid-grant-kind"),
    ("WbxInvalidPool", "invalid-pool"),
    ("WbxZeroPaymentId", "zero-payment-id"),
    ("WbxGrantRevoked", "grant-revoked"),
    ("AccessControlUnauthorizedAccount", "missing-role"),
    ("WbxWrongGrantKind", "wrong-grant-kind"),
    ("WbxNotTimedRole", "not-timed-role"),
    ("WbxTimedRole", "timed-role"),
    ("WbxConflictingRole", "conflicting-role"),
    ("WbxInvalidDuration", "invalid-duration"),
    ("WbxInsufficientBucket", "insufficient-bucket"),
    ("WbxZeroAmount", "zero-amount"),
    ("WbxInvalidAccount", "invalid-account"),
    ("WbxSupplyCapExceeded", "supply-cap-exceeded"),
    ("WbxLengthMismatch", "length-mismatch"),
    ("WbxRenewalSignatureExpired", "renewal-expired"),
    ("WbxInvalidRenewalSignature", "invalid-renewal-signature"),
    ("WbxPoolRegistration", "pool-registration"),
    ("ERC20InsufficientBalance", "insufficient-balance"),
    ("ERC20InsufficientAllowance", "insufficient-allowance"),
    ("ERC20InvalidReceiver", "invalid-receiver"),
    ("ERC20InvalidSender", "invalid-sender"),
    ("ERC20InvalidApprover", "invalid-approver"),
    ("ERC20InvalidSpender", "invalid-spender"),
    ("ERC2612ExpiredSignature", "permit-expired"),
    ("ERC2612InvalidSigner", "invalid-permit-signer"),
    ("EnforcedPause", "token-paused"),
    ("ExpectedPause", "token-not-paused"),
    ("AccessControlBadConfirmation", "bad-renounce-confirmation"),
    ("AccessControlEnforcedDefaultAdminDelay", "admin-transfer-not-ready"),
    ("AccessControlEnforcedDefaultAdminRules", "admin-transfer-only"),
    ("WbxPoolExpired", "deadline-passed"),
    ("WbxPoolInsufficientOutput", "slippage-exceeded"),
    ("WbxPoolInsufficientAmount", "liquidity-below-minimum"),
    ("WbxPoolInsufficientLiquidity", "insufficient-liquidity"),
    ("WbxPoolZeroAmount", "zero-amount"),
    ("WbxPoolFeeTooHigh", "fee-too-high"),
    ("WbxPoolInsufficientShares", "insufficient-shares"),
    ("WbxPoolInvalidRecipient", "invalid-recipient"),
    ("WbxPoolOverflow", "pool-overflow"),
    ("WbxPoolPaused", "pool-paused"),
    ("WbxPoolNotPaused", "pool-not-paused"),
    ("ReentrancyGuardReentrantCall", "reentrant-call"),
    ("FailedCall", "eth-payout-failed"),
    ("Error", "reverted-with-message"),
    ("Panic", "panic"),
    ("EmptyRevert", "reverted-without-reason"),
    ("Unknown", "reverted-unknown"),
];

/// The code of a decoded revert; a contract error without its own code is `reverted`.
pub(crate) fn revert_code(r: &Revert) -> &'static str {
    let name = r.name();
    REVERT_CODES.iter().find(|(n, _)| *n == name).map_or("reverted", |(_, c)| c)
}

/// The exit code and the stable code of an SDK error. Exhaustive on purpose: a new variant must
/// be given its code here before it compiles.
fn sdk_code(e: &SdkError) -> (u8, &'static str) {
    match e {
        SdkError::Revert(r) => (FAILURE, revert_code(r)),
        SdkError::InsufficientFunds { .. } => (FAILURE, "insufficient-funds"),
        SdkError::AlreadyKnown { .. } => (FAILURE, "already-known"),
        SdkError::NonceTooLow { .. } => (FAILURE, "nonce-too-low"),
        SdkError::NonceTooHigh { .. } => (FAILURE, "nonce-too-high"),
        SdkError::Underpriced { .. } => (FAILURE, "underpriced"),
        SdkError::InvalidOpcode { .. } => (FAILURE, "invalid-opcode"),
        SdkError::ChainUnsupported(_) => (BAD_INPUT, "chain-unsupported"),
        SdkError::ReplacementUnderpriced { .. } => (FAILURE, "replacement-underpriced"),
        SdkError::FeeBelowBaseFee { .. } => (FAILURE, "fee-below-base-fee"),
        SdkError::TxReverted { .. } => (FAILURE, "tx-reverted"),
        SdkError::Replaced { .. } => (FAILURE, "tx-replaced"),
        SdkError::NodeBehind { .. } => (FAILURE, "node-behind"),
        SdkError::NotSettled { .. } => (FAILURE, "tx-not-settled"),
        SdkError::Unreachable { .. } => (FAILURE, "unreachable"),
        SdkError::NotJsonRpc { .. } => (FAILURE, "not-json-rpc"),
        SdkError::WrongChain { .. } => (BAD_INPUT, "wrong-chain"),
        SdkError::NoCode { .. } => (BAD_INPUT, "no-code"),
        SdkError::NoSigner => (BAD_INPUT, "no-signer"),
        SdkError::Deployment(DeploymentError::Missing { .. }) => (BAD_INPUT, "no-deployment"),
        SdkError::Deployment(_) => (BAD_INPUT, "bad-deployment"),
        SdkError::Signer(s) => (
            BAD_INPUT,
            match s {
                SignerError::InvalidPrivateKey | SignerError::PrivateKeyOutOfRange(_) => {
                    "bad-private-key"
                }
                SignerError::Keystore { .. } => "bad-keystore",
                SignerError::DevAccountNotLocal { .. } => "dev-account-not-local",
                SignerError::DevAccountIndex(_) => "bad-dev-account",
            },
        ),
        SdkError::Amount(_) => (BAD_INPUT, code::BAD_AMOUNT),
        SdkError::Name(_) => (BAD_INPUT, "unknown-name"),
        SdkError::Rpc(_) => (FAILURE, "rpc-error"),
        SdkError::Abi(_) => (FAILURE, "abi-error"),
        SdkError::BadInput(_) => (BAD_INPUT, code::BAD_INPUT),
        SdkError::Other(_) => (FAILURE, code::FAILED),
    }
}

impl From<SdkError> for CliError {
    fn from(e: SdkError) -> Self {
        let (exit, code) = sdk_code(&e);
        let revert = e.revert().map(Revert::name);
        Self { exit, code, message: e.to_string(), fix: None, revert }
    }
}

impl From<wbx_sdk::payouts::CsvError> for CliError {
    fn from(e: wbx_sdk::payouts::CsvError) -> Self {
        Self::input(code::BAD_PAYOUT_FILE, format!("{e}; nothing was sent"))
            .with_fix("correct the line named, then run the same command again")
    }
}

/// The CLI's result type.
pub(crate) type Result<T = (), E = CliError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use wbx_sdk::contracts::{WbxPool::WbxPoolErrors, WebexToken::WebexTokenErrors};

    /// Every error either contract can surface has a code of its own, in kebab case, and codes
    /// are not shared between different errors (but for the two "zero amount" ones).
    #[test]
    fn every_contract_error_has_its_own_code() {
        let internal = wbx_sdk::error::NEVER_SURFACED;
        let mut data = vec![0u8; 4 + 32 * 6];
        let mut seen = std::collections::HashMap::new();
        for selector in WebexTokenErrors::SELECTORS.iter().chain(WbxPoolErrors::SELECTORS) {
            data[..4].copy_from_slice(selector);
            let r = Revert::decode(&data);
            let name = r.name();
            if internal.contains(&name.as_str()) {
                continue;
            }
            let code = revert_code(&r);
            assert_ne!(code, "reverted", "{name} has no code");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{code}");
            if let Some(other) = seen.insert(code, name.clone())
                && other != name
                && code != "zero-amount"
            {
                panic!("{name} and {other} share the code {code}");
            }
        }
        assert!(seen.len() > 35, "only {} codes", seen.len());
        assert!(default_fix("grant-expired").unwrap().contains("wbx doctor"));
    }

    /// Every SDK error class has its own code, and bad input (exit 2) is told from failure.
    #[test]
    fn every_sdk_error_has_its_code_and_exit() {
        use alloy::{primitives::Address, transports::TransportErrorKind};
        let m = || "node says no".to_string();
        let cases: Vec<(SdkError, u8, &str)> = vec![
            (SdkError::Revert(Box::new(Revert::Empty)), FAILURE, "reverted-without-reason"),
            (SdkError::InsufficientFunds { message: m() }, FAILURE, "insufficient-funds"),
            (SdkError::AlreadyKnown { message: m() }, FAILURE, "already-known"),
            (SdkError::NonceTooLow { message: m() }, FAILURE, "nonce-too-low"),
            (SdkError::ReplacementUnderpriced { message: m() }, FAILURE, "replacement-underpriced"),
            (SdkError::FeeBelowBaseFee { message: m() }, FAILURE, "fee-below-base-fee"),
            (
                SdkError::TxReverted { hash: Default::default(), block: 1, reason: None },
                FAILURE,
                "tx-reverted",
            ),
            (SdkError::Unreachable { url: m(), reason: m() }, FAILURE, "unreachable"),
            (
                SdkError::NotJsonRpc { url: m(), what: "HTML".into(), answered: m() },
                FAILURE,
                "not-json-rpc",
            ),
            (SdkError::WrongChain { record: 1, node: 2 }, BAD_INPUT, "wrong-chain"),
            (SdkError::NoCode { address: Address::ZERO, what: "x" }, BAD_INPUT, "no-code"),
            (SdkError::NoSigner, BAD_INPUT, "no-signer"),
            (
                SdkError::Deployment(DeploymentError::Missing { path: "x".into() }),
                BAD_INPUT,
                "no-deployment",
            ),
            (
                SdkError::Deployment(DeploymentError::Io {
                    path: "x".into(),
                    source: std::io::Error::other("x"),
                }),
                BAD_INPUT,
                "bad-deployment",
            ),
            (SdkError::Signer(SignerError::InvalidPrivateKey), BAD_INPUT, "bad-private-key"),
            (
                SdkError::Signer(SignerError::PrivateKeyOutOfRange("zero")),
                BAD_INPUT,
                "bad-private-key",
            ),
            (
                SdkError::Signer(SignerError::Keystore { path: "x".into(), reason: m() }),
                BAD_INPUT,
                "bad-keystore",
            ),
            (
                SdkError::Signer(SignerError::DevAccountNotLocal { chain_id: 1 }),
                BAD_INPUT,
                "dev-account-not-local",
            ),
            (SdkError::Signer(SignerError::DevAccountIndex(5000)), BAD_INPUT, "bad-dev-account"),
            (SdkError::Amount(wbx_sdk::AmountError::Empty), BAD_INPUT, "bad-amount"),
            (SdkError::Name("x".parse::<wbx_sdk::Role>().unwrap_err()), BAD_INPUT, "unknown-name"),
            (SdkError::Rpc(TransportErrorKind::BackendGone.into()), FAILURE, "rpc-error"),
            (SdkError::Abi(m()), FAILURE, "abi-error"),
            (SdkError::BadInput(m()), BAD_INPUT, "bad-input"),
            (SdkError::Other(m()), FAILURE, "failed"),
        ];
        for (e, exit, code) in cases {
            let text = e.to_string();
            let cli = CliError::from(e);
            assert_eq!((cli.exit(), cli.code), (exit, code), "{text}");
            let doc = cli.to_json();
            assert_eq!(doc["code"], code);
            assert_eq!(doc["message"], text);
            assert_eq!(doc["exitCode"], exit);
        }
    }
}
