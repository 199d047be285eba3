//! One error type for the SDK. Contract reverts decode into the contracts' own custom errors with
//! their fields (or `Error(string)`, or a panic with its meaning), node errors map to named
//! variants, and every message says what went wrong in plain words: nobody sees a bare
//! "execution reverted".

use crate::{amount::Amount, deployment::DeploymentError, names::Role, signer::SignerError};
use alloy::{
    primitives::{Address, B256, Bytes, TxHash, U256},
    sol_types::{Panic, PanicKind, Revert as RevertString, SolError, SolInterface},
    transports::{RpcError, TransportError, TransportErrorKind},
};
use std::fmt;
use wbx_contracts::{WbxPool::WbxPoolErrors, WebexToken::WebexTokenErrors};

/// The SDK's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to a WBX deployment.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The contract refused the call; the reason is decoded.
    #[error("{0}")]
    Revert(Box<Revert>),
    /// The account cannot pay for gas (and value).
    #[error("insufficient ETH for gas: the sender cannot pay gas x max fee + value ({message})")]
    InsufficientFunds {
        /// The node's message.
        message: String,
    },
    /// The node already holds this very transaction (a resend of one that reached it): not an
    /// error for a caller that sends a signed transaction again.
    #[error("the node already has this transaction ({message})")]
    AlreadyKnown {
        /// The node's message.
        message: String,
    },
    /// A nonce that was already used.
    #[error("nonce too low: a transaction with this nonce was already mined ({message})")]
    NonceTooLow {
        /// The node's message.
        message: String,
    },
    /// A replacement transaction that does not pay enough more than the one it replaces.
    #[error(
        "replacement transaction underpriced: raise both fees by at least 12.5% over the pending one ({message})"
    )]
    ReplacementUnderpriced {
        /// The node's message.
        message: String,
    },
    /// A max fee per gas below the current base fee.
    #[error("max fee per gas is below the block's base fee: raise --max-fee ({message})")]
    FeeBelowBaseFee {
        /// The node's message.
        message: String,
    },
    /// A transaction was mined but reverted.
    #[error("transaction {hash} reverted in block {block}{}", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    TxReverted {
        /// The transaction.
        hash: TxHash,
        /// Its block.
        block: u64,
        /// Why, when a replay could tell.
        reason: Option<Box<Revert>>,
    },
    /// Another transaction of the same sender provably used this transaction's nonce (it was found
    /// in a block): this one can never be mined, and did nothing.
    #[error(
        "transaction {hash} did nothing: another transaction of the same account, {by} (block {block}), used its nonce {nonce}; check what that one did before sending again"
    )]
    Replaced {
        /// The transaction that will never be mined.
        hash: TxHash,
        /// The nonce both had.
        nonce: u64,
        /// The transaction that used the nonce.
        by: TxHash,
        /// Its block.
        block: u64,
    },
    /// A transaction was sent, and after the wait it is neither mined nor provably replaced.
    #[error(
        "transaction {hash} (nonce {nonce} of {from}) is not settled after {waited}s: {state}; run the same command again to resume (nothing is sent twice), or see why with `wbx doctor tx {hash}`"
    )]
    NotSettled {
        /// The newest version sent.
        hash: TxHash,
        /// The sender.
        from: Address,
        /// Its nonce.
        nonce: u64,
        /// Seconds waited.
        waited: u64,
        /// Where it stood at the last look.
        state: String,
    },
    /// The node does not serve a block the chain has (another answer showed it): a provider's
    /// backend behind the others. Nothing was decided from its answer; asking again later works.
    #[error(
        "the node does not serve block {block} yet (a backend behind the others?): nothing was read from it; try again in a moment"
    )]
    NodeBehind {
        /// The block it did not serve.
        block: u64,
    },
    /// The RPC endpoint did not answer.
    #[error(
        "cannot reach the RPC endpoint {url}: {reason}; is the node running? (set --rpc-url or ETH_RPC_URL)"
    )]
    Unreachable {
        /// The endpoint.
        url: String,
        /// What the transport said.
        reason: String,
    },
    /// The endpoint answered, but not in JSON-RPC (a web page, a proxy's error page).
    #[error(
        "the URL {url} answered {what}, not JSON-RPC: {answered:?}; is it the node's RPC endpoint? (set --rpc-url or ETH_RPC_URL)"
    )]
    NotJsonRpc {
        /// The endpoint.
        url: String,
        /// What it answered, in words (`HTML`, `HTML with HTTP status 404`).
        what: String,
        /// The start of what it answered.
        answered: String,
    },
    /// The deployment record is for another chain than the node's.
    #[error(
        "the deployment record is for chain {record} but the RPC endpoint is chain {node}: use the record for this chain or another --rpc-url"
    )]
    WrongChain {
        /// Chain id in the record.
        record: u64,
        /// Chain id of the node.
        node: u64,
    },
    /// No contract at an address where one is expected.
    #[error(
        "no contract code at {address} ({what}): wrong chain, wrong record, or not deployed yet"
    )]
    NoCode {
        /// The address.
        address: Address,
        /// What was expected there.
        what: &'static str,
    },
    /// A transaction-sending call on a client without a signer.
    #[error(
        "this operation sends a transaction and needs a signer: give --private-key, --keystore, --account or --dev-account"
    )]
    NoSigner,
    /// The deployment record could not be used.
    #[error(transparent)]
    Deployment(#[from] DeploymentError),
    /// The signer could not be loaded.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// A malformed amount.
    #[error(transparent)]
    Amount(#[from] crate::amount::AmountError),
    /// An unknown role, bucket or grant kind.
    #[error(transparent)]
    Name(#[from] crate::names::UnknownName),
    /// Any other RPC or transport error.
    #[error("RPC error: {0}")]
    Rpc(TransportError),
    /// An ABI encoding or decoding error.
    #[error("ABI error: {0}")]
    Abi(String),
    /// A request that cannot be carried out as given (the message says what to change); nothing
    /// was sent.
    #[error("{0}")]
    BadInput(String),
    /// Something else, with its explanation.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The decoded revert, if this error is one.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            Self::Revert(r) => Some(r),
            Self::TxReverted { reason, .. } => reason.as_deref(),
            _ => None,
        }
    }

    /// Whether retrying the same request later may succeed (rate limits, dropped connections).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Rpc(e) => is_transient(e),
            Self::Unreachable { .. } | Self::NodeBehind { .. } => true,
            _ => false,
        }
    }

    /// Classifies an RPC error: revert data first, then the node messages we know, else `Rpc`.
    pub fn from_rpc(e: TransportError) -> Self {
        if let Some(payload) = e.as_error_resp() {
            if let Some(data) = payload.as_revert_data() {
                return Self::Revert(Box::new(Revert::decode(&data)));
            }
            let message = payload.message.to_string();
            let lower = message.to_lowercase();
            if lower.contains("insufficient funds") {
                return Self::InsufficientFunds { message };
            }
            if lower.contains("already known")
                || lower.contains("already imported")
                || lower.contains("known transaction")
            {
                return Self::AlreadyKnown { message };
            }
            if lower.contains("nonce too low") || lower.contains("nonce has already been used") {
                return Self::NonceTooLow { message };
            }
            if lower.contains("replacement transaction underpriced")
                || lower.contains("replacement underpriced")
            {
                return Self::ReplacementUnderpriced { message };
            }
            if lower.contains("less than block base fee") || lower.contains("below base fee") {
                return Self::FeeBelowBaseFee { message };
            }
            if lower.contains("execution reverted") || lower.contains("revert") {
                return Self::Revert(Box::new(Revert::Empty));
            }
        }
        Self::Rpc(e)
    }
}

impl From<Revert> for Error {
    fn from(r: Revert) -> Self {
        Self::Revert(Box::new(r))
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Self::from_rpc(e)
    }
}

impl From<alloy::contract::Error> for Error {
    fn from(e: alloy::contract::Error) -> Self {
        use alloy::contract::Error as C;
        match e {
            C::TransportError(t) => Self::from_rpc(t),
            C::PendingTransactionError(p) => match p {
                alloy::providers::PendingTransactionError::TransportError(t) => Self::from_rpc(t),
                other => Self::Other(format!("waiting for the transaction failed: {other}")),
            },
            C::ZeroData(name, _) => Self::Other(format!(
                "the call to `{name}` returned no data: the address is not a WBX contract (wrong record or chain?)"
            )),
            other => Self::Abi(other.to_string()),
        }
    }
}

impl From<alloy::providers::PendingTransactionError> for Error {
    fn from(e: alloy::providers::PendingTransactionError) -> Self {
        alloy::contract::Error::from(e).into()
    }
}

fn is_transient(e: &TransportError) -> bool {
    match e {
        RpcError::Transport(kind) => {
            kind.is_retry_err() || matches!(kind, TransportErrorKind::BackendGone)
        }
        RpcError::ErrorResp(p) => p.is_retry_err(),
        _ => false,
    }
}

/// Why a contract call reverted, decoded.
#[derive(Debug, Clone)]
pub enum Revert {
    /// One of WebexToken's errors (its own or OpenZeppelin's), with its fields.
    Token(WebexTokenErrors),
    /// One of WbxPool's own errors, with its fields.
    Pool(WbxPoolErrors),
    /// `Error(string)`: a `require` with a message.
    Message(String),
    /// `Panic(uint256)`: an assertion, overflow, division by zero...
    Panic(U256),
    /// Revert data that matches no known error.
    Unknown(Bytes),
    /// A revert without any data.
    Empty,
}

impl std::error::Error for Revert {}

impl Revert {
    /// Decodes revert data: the token's errors first (the pool bubbles them up), then the pool's,
    /// then `Error(string)` and `Panic(uint256)`.
    pub fn decode(data: &[u8]) -> Self {
        if data.is_empty() {
            return Self::Empty;
        }
        if let Ok(e) = WebexTokenErrors::abi_decode(data) {
            return Self::Token(e);
        }
        if let Ok(e) = WbxPoolErrors::abi_decode(data) {
            return Self::Pool(e);
        }
        if let Ok(r) = RevertString::abi_decode(data) {
            return Self::Message(r.reason);
        }
        if let Ok(p) = Panic::abi_decode(data) {
            return Self::Panic(p.code);
        }
        Self::Unknown(Bytes::copy_from_slice(data))
    }

    /// The error's Solidity name (`WbxGrantExpired`, `Error`, `Panic`...).
    pub fn name(&self) -> String {
        match self {
            Self::Token(e) => variant_name(e),
            Self::Pool(e) => variant_name(e),
            Self::Message(_) => "Error".into(),
            Self::Panic(_) => "Panic".into(),
            Self::Unknown(_) => "Unknown".into(),
            Self::Empty => "EmptyRevert".into(),
        }
    }
}

fn variant_name<T: fmt::Debug>(e: &T) -> String {
    let s = format!("{e:?}");
    s.split(['(', ' ', '{']).next().unwrap_or(&s).to_string()
}

/// A role id as its name, or in hex when it is not one of ours.
pub fn role_name(id: B256) -> String {
    if id == B256::ZERO {
        return "top admin (DEFAULT_ADMIN_ROLE)".into();
    }
    Role::from_id(id).map(|r| r.to_string()).unwrap_or_else(|| id.to_string())
}

/// A unix timestamp as `2026-11-24 10:00:00 UTC`.
pub fn format_time(unix: u64) -> String {
    chrono::DateTime::from_timestamp(unix as i64, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("unix {unix}"))
}

fn amt(x: U256) -> String {
    format!("{} WBX", Amount::from_raw(x))
}

fn bucket_name(b: u8) -> String {
    crate::names::Bucket::from_index(b).map(|b| b.to_string()).unwrap_or_else(|| format!("#{b}"))
}

fn panic_meaning(code: U256) -> &'static str {
    let kind = u32::try_from(code).ok().and_then(PanicKind::from_number);
    match kind {
        Some(PanicKind::Generic) => "a generic compiler panic",
        Some(PanicKind::Assert) => "an assertion failed",
        Some(PanicKind::UnderOverflow) => "an arithmetic overflow or underflow",
        Some(PanicKind::DivisionByZero) => "a division or modulo by zero",
        Some(PanicKind::EnumConversionError) => "a value out of range for an enum",
        Some(PanicKind::StorageEncodingError) => "a corrupt storage byte array",
        Some(PanicKind::EmptyArrayPop) => "pop() on an empty array",
        Some(PanicKind::ArrayOutOfBounds) => "an array index out of bounds",
        Some(PanicKind::ResourceError) => "too much memory allocated",
        _ => "an unknown panic code",
    }
}

impl fmt::Display for Revert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use WbxPoolErrors as P;
        use WebexTokenErrors as T;
        match self {
            Self::Token(e) => match e {
                T::WbxGrantExpired(e) => write!(
                    f,
                    "the {} grant of {} expired at {}: ask an admin to grant it again",
                    role_name(e.role),
                    e.account,
                    format_time(e.expiredAt.saturating_to())
                ),
                T::WbxGrantRevoked(e) => write!(
                    f,
                    "the {} grant of {} was revoked at {} by {}: ask an admin for a new grant",
                    role_name(e.role),
                    e.account,
                    format_time(e.revokedAt.saturating_to()),
                    e.revokedBy
                ),
                T::AccessControlUnauthorizedAccount(e) if e.neededRole == B256::ZERO => write!(
                    f,
                    "{} is not the top admin: only the top admin may do this (registering pools, making admins and keepers); the role moves only by the delayed two-step transfer",
                    e.account
                ),
                T::AccessControlUnauthorizedAccount(e) => write!(
                    f,
                    "{} does not hold the {} role: ask an admin to grant it",
                    e.account,
                    role_name(e.neededRole)
                ),
                T::WbxWrongGrantKind(e) => {
                    let kind = crate::names::GrantKind::from_index(e.actual);
                    match kind {
                        Some(crate::names::GrantKind::Extended) => write!(
                            f,
                            "the {} grant of {} is Extended: only a keeper renews it, its holder cannot",
                            role_name(e.role),
                            e.account
                        ),
                        Some(crate::names::GrantKind::Standard) => write!(
                            f,
                            "the {} grant of {} is Standard: its holder renews it (`wbx access renew`), a keeper cannot",
                            role_name(e.role),
                            e.account
                        ),
                        None => write!(
                            f,
                            "{} has no grant of the {} role",
                            e.account,
                            role_name(e.role)
                        ),
                    }
                }
                T::WbxInvalidGrantKind(e) => {
                    match (Role::from_id(e.role), crate::names::GrantKind::from_index(e.kind)) {
                        (_, None) => write!(
                            f,
                            "a grant needs a kind: standard (its holder renews it) or extended (the keeper renews it)"
                        ),
                        (Some(Role::Admin), Some(_)) => write!(
                            f,
                            "an admin grant is Standard only: its holder renews it by transaction or signature (`wbx access renew admin`), never a keeper; grant it without --kind extended"
                        ),
                        (_, Some(kind)) => {
                            write!(f, "a {} grant cannot be {kind}", role_name(e.role))
                        }
                    }
                }
                T::WbxInvalidPool(e) => write!(
                    f,
                    "{} is not a pool of this token: it has no contract code, or its token() is not this WBX; only a pool deployed for this token can be registered, never a wallet",
                    e.pool
                ),
                T::WbxNotTimedRole(e) => write!(
                    f,
                    "the {} role is not time-limited: it is managed with grantRole/revokeRole by the top admin",
                    role_name(e.role)
                ),
                T::WbxTimedRole(e) => write!(
                    f,
                    "the {} role is time-limited: use grantAccess/revokeAccess (`wbx access grant`)",
                    role_name(e.role)
                ),
                T::WbxConflictingRole(e) => write!(
                    f,
                    "{} holds an active {} grant, which may not be combined with {} (separation of duties): revoke it first",
                    e.account,
                    role_name(e.conflictingRole),
                    role_name(e.role)
                ),
                T::WbxInvalidDuration(e) => write!(
                    f,
                    "a grant duration of {} s is outside the allowed {} s to {} s",
                    e.duration, e.min, e.max
                ),
                T::WbxInsufficientBucket(e) => write!(
                    f,
                    "the {} bucket holds {}, less than the {} asked for: issue more supply or allocate less",
                    bucket_name(e.bucket),
                    amt(e.remaining),
                    amt(e.needed)
                ),
                T::WbxZeroAmount(_) => write!(f, "the amount must be greater than zero"),
                T::WbxInvalidAccount(e) => write!(f, "{} cannot hold a grant", e.account),
                T::WbxSupplyCapExceeded(e) => {
                    write!(
                        f,
                        "issuing {} would take the supply past its cap of {}",
                        amt(e.amount),
                        amt(e.cap)
                    )
                }
                T::WbxLengthMismatch(e) => write!(
                    f,
                    "{} recipients but {} amounts: give one amount per recipient",
                    e.recipients, e.amounts
                ),
                T::WbxAlreadyPaid(e) => write!(
                    f,
                    "payment {} was already made, in block {}: nothing was paid twice",
                    crate::payment::PaymentId::from(e.paymentId),
                    e.paidAtBlock
                ),
                T::WbxZeroPaymentId(_) => {
                    write!(f, "a payment id of zero: give a payment reference")
                }
                T::WbxRenewalSignatureExpired(e) => write!(
                    f,
                    "the signed renewal expired at {}: sign a new one",
                    format_time(e.deadline.saturating_to())
                ),
                T::WbxInvalidRenewalSignature(e) => write!(
                    f,
                    "the renewal signature was not made by {} (or was already used): sign a new one with the holder's key",
                    e.account
                ),
                T::WbxPoolRegistration(e) => write!(
                    f,
                    "pool {} is already {}",
                    e.pool,
                    if e.registered { "registered" } else { "unregistered" }
                ),
                T::ERC20InsufficientBalance(e) => write!(
                    f,
                    "{} holds {}, less than the {} needed",
                    e.sender,
                    amt(e.balance),
                    amt(e.needed)
                ),
                T::ERC20InsufficientAllowance(e) => write!(
                    f,
                    "the allowance of {} is {}, less than the {} needed: approve at least that much",
                    e.spender,
                    amt(e.allowance),
                    amt(e.needed)
                ),
                T::ERC20InvalidReceiver(e) => write!(f, "{} cannot receive WBX", e.receiver),
                T::ERC20InvalidSender(e) => write!(f, "{} cannot send WBX", e.sender),
                T::ERC20InvalidApprover(e) => write!(f, "{} cannot approve", e.approver),
                T::ERC20InvalidSpender(e) => write!(f, "{} cannot be a spender", e.spender),
                T::ERC2612ExpiredSignature(e) => write!(
                    f,
                    "the permit expired at {}: sign a new one",
                    format_time(e.deadline.saturating_to())
                ),
                T::ERC2612InvalidSigner(e) => {
                    write!(f, "the permit was signed by {}, not by the owner {}", e.signer, e.owner)
                }
                T::EnforcedPause(_) => {
                    write!(
                        f,
                        "the token is paused: every transfer waits until an admin unpauses it"
                    )
                }
                T::ExpectedPause(_) => write!(f, "the contract is not paused"),
                T::AccessControlBadConfirmation(_) => {
                    write!(f, "an account may only renounce its own role")
                }
                T::AccessControlEnforcedDefaultAdminDelay(e) => write!(
                    f,
                    "the top admin transfer is not ready: it can be accepted from {}",
                    format_time(e.schedule.to())
                ),
                T::AccessControlEnforcedDefaultAdminRules(_) => {
                    write!(f, "the top admin role moves only by the delayed two-step transfer")
                }
                other => write!(f, "the token reverted with {}", variant_name(other)),
            },
            Self::Pool(e) => match e {
                P::WbxPoolExpired(e) => write!(
                    f,
                    "the deadline {} passed before the transaction was mined (at {}): send again with a later deadline",
                    format_time(e.deadline.saturating_to()),
                    format_time(e.timestamp.saturating_to())
                ),
                P::WbxPoolInsufficientOutput(e) => write!(
                    f,
                    "the swap would pay {} but at least {} was required: the price moved; raise --slippage or try again",
                    e.amountOut, e.amountOutMin
                ),
                P::WbxPoolInsufficientAmount(e) => {
                    write!(
                        f,
                        "a liquidity amount of {} is below the minimum {}",
                        e.amount, e.amountMin
                    )
                }
                P::WbxPoolInsufficientLiquidity(e) => write!(
                    f,
                    "the pool cannot serve this trade (reserves {} in, {} out): add liquidity or trade less",
                    e.reserveIn, e.reserveOut
                ),
                P::WbxPoolZeroAmount(_) => write!(f, "the amount must be greater than zero"),
                P::WbxPoolFeeTooHigh(e) => {
                    write!(
                        f,
                        "a fee of {} bps is above the maximum of {} bps",
                        e.feeBps, e.maxFeeBps
                    )
                }
                P::WbxPoolInsufficientShares(e) => write!(
                    f,
                    "{} holds {} liquidity shares, fewer than the {} asked for",
                    e.provider, e.balance, e.shares
                ),
                P::WbxPoolInvalidRecipient(e) => write!(f, "{} cannot receive pool payouts", e.to),
                P::WbxPoolOverflow(_) => write!(f, "the pool's reserves would overflow"),
                P::WbxPoolPaused(_) => {
                    write!(f, "the pool is paused: ask a developer to unpause it")
                }
                P::WbxPoolNotPaused(_) => write!(f, "the pool is not paused"),
                P::ReentrancyGuardReentrantCall(_) => write!(f, "reentrant call refused"),
                P::FailedCall(_) => write!(f, "the ETH payout failed: the recipient refused it"),
                other => write!(f, "the pool reverted with {}", variant_name(other)),
            },
            Self::Message(m) => write!(f, "reverted: {m}"),
            Self::Panic(code) => write!(f, "panic 0x{code:02x}: {}", panic_meaning(*code)),
            Self::Unknown(data) => write!(f, "reverted with unrecognised data {data}"),
            Self::Empty => write!(
                f,
                "reverted without a reason: out of gas, a call to a non-contract, or a plain revert()"
            ),
        }
    }
}

impl Revert {
    /// The 4-byte selector of the error, when it has one.
    pub fn selector(&self) -> Option<[u8; 4]> {
        match self {
            Self::Token(e) => Some(e.selector()),
            Self::Pool(e) => Some(e.selector()),
            Self::Message(_) => Some(RevertString::SELECTOR),
            Self::Panic(_) => Some(Panic::SELECTOR),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::sol_types::SolError;
    use wbx_contracts::WebexToken;

    #[test]
    fn decodes_custom_errors_with_fields() {
        let data = WebexToken::WbxGrantExpired {
            account: Address::repeat_byte(1),
            role: Role::Trader.id(),
            expiredAt: U256::from(1_750_000_000u64),
        }
        .abi_encode();
        let r = Revert::decode(&data);
        assert_eq!(r.name(), "WbxGrantExpired");
        let text = r.to_string();
        assert!(text.contains("trader grant"), "{text}");
        assert!(text.contains("2025-06-15"), "{text}");
        assert!(text.contains("ask an admin"), "{text}");
    }

    /// The reproductions of the least-privilege review fail with errors that say what to do.
    #[test]
    fn privilege_errors_read_plainly() {
        let wallet = Address::repeat_byte(4);
        let text =
            Revert::decode(&WebexToken::WbxInvalidPool { pool: wallet }.abi_encode()).to_string();
        assert!(text.starts_with(&format!("{wallet} is not a pool of this token")), "{text}");
        assert!(text.contains("never a wallet"), "{text}");
        let data = WebexToken::AccessControlUnauthorizedAccount {
            account: wallet,
            neededRole: B256::ZERO,
        }
        .abi_encode();
        let text = Revert::decode(&data).to_string();
        assert!(text.contains("is not the top admin"), "{text}");
        assert!(text.contains("registering pools"), "{text}");
        let data = WebexToken::WbxInvalidGrantKind { role: Role::Admin.id(), kind: 2 }.abi_encode();
        let text = Revert::decode(&data).to_string();
        assert!(text.starts_with("an admin grant is Standard only"), "{text}");
        let data =
            WebexToken::WbxInvalidGrantKind { role: Role::Trader.id(), kind: 0 }.abi_encode();
        assert!(Revert::decode(&data).to_string().starts_with("a grant needs a kind"));
    }

    #[test]
    fn decodes_error_string_panic_and_empty() {
        let data = RevertString::from("nope").abi_encode();
        assert!(matches!(Revert::decode(&data), Revert::Message(m) if m == "nope"));
        let data = Panic::from(U256::from(0x11)).abi_encode();
        let r = Revert::decode(&data);
        assert!(r.to_string().contains("overflow"), "{r}");
        assert!(matches!(Revert::decode(&[]), Revert::Empty));
        assert!(matches!(Revert::decode(&[1, 2, 3, 4]), Revert::Unknown(_)));
    }

    /// Every custom error of both contracts decodes to itself and has a message of its own (not
    /// the generic fallback), so a new error added to a contract cannot reach users unexplained.
    #[test]
    fn every_contract_error_decodes_and_is_explained() {
        use wbx_contracts::WbxPool::WbxPoolErrors;
        // Zero-valued arguments decode for every static parameter list.
        let mut data = vec![0u8; 4 + 32 * 6];
        // OpenZeppelin internals that a call to WBX never surfaces keep the generic message.
        let internal = [
            "ECDSAInvalidSignature",
            "ECDSAInvalidSignatureLength",
            "ECDSAInvalidSignatureS",
            "InvalidAccountNonce",
            "InvalidShortString",
            "StringTooLong",
            "SafeCastOverflowedUintDowncast",
            "AccessControlInvalidDefaultAdmin",
            "SafeERC20FailedOperation",
            "InsufficientBalance",
        ];
        let mut checked = 0;
        for selector in WebexTokenErrors::SELECTORS.iter().chain(WbxPoolErrors::SELECTORS) {
            data[..4].copy_from_slice(selector);
            let r = Revert::decode(&data);
            let name = r.name();
            if name == "StringTooLong" {
                continue; // a dynamic string: zero words are not a valid encoding
            }
            assert_eq!(r.selector(), Some(*selector), "{name} did not decode to itself");
            let text = r.to_string();
            if !internal.contains(&name.as_str()) {
                assert!(
                    !text.contains("reverted with"),
                    "{name} has no message of its own: {text}"
                );
            }
            checked += 1;
        }
        assert!(checked > 40, "only {checked} errors checked");
    }
}
