//! Payment ids: the key under which the token records a payment so that it is made at most once.
//!
//! The token refuses a second `allocateBatch` or `allocateWithRef` with an id it has recorded
//! (`WbxAlreadyPaid`), whoever sends it. The id is therefore what makes a payout exactly-once, not
//! any client state: a batch of a payout file gets an id derived from the file, the bucket and its
//! place in the file ([`PaymentId::for_batch`]), and a single payment the caller's own reference,
//! such as an invoice number ([`PaymentId::reference`]).

use crate::{
    client::Wbx,
    error::{Error, Result},
    names::Bucket,
};
use alloy::{
    primitives::{Address, B256, TxHash, U256, keccak256},
    providers::Provider,
    rpc::types::{Filter, Log},
    sol_types::{SolEvent, SolValue},
};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use wbx_contracts::WebexToken;

/// The longest payment reference: the 32 bytes of the id it is stored in.
pub const MAX_REFERENCE_LEN: usize = 32;

/// The domain of batch ids, so that they can never equal an id made another way.
const BATCH_DOMAIN: &str = "wbx.payout-batch.v1";

/// A payment id, as the token records it (`bytes32`, never zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PaymentId(B256);

/// Why a payment reference is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// Empty.
    #[error("a payment reference cannot be empty: give one such as INV-2041")]
    Empty,
    /// Longer than an id holds.
    #[error(
        "the payment reference is {len} bytes long; at most {MAX_REFERENCE_LEN} fit: shorten it"
    )]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A character that is not printable ASCII.
    #[error(
        "the payment reference has {found:?} (U+{code:04X}) at character {position}: use printable ASCII only (letters, digits, punctuation)"
    )]
    NotAscii {
        /// The character.
        found: char,
        /// Its code point.
        code: u32,
        /// 1-based position.
        position: usize,
    },
}

impl PaymentId {
    /// The id of a caller's reference (an invoice number, say): its ASCII bytes, left-aligned and
    /// zero-padded, as Solidity's `bytes32("INV-2041")`, so that it reads back in the event log.
    pub fn reference(reference: &str) -> Result<Self, ReferenceError> {
        if reference.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if let Some((i, c)) = reference.chars().enumerate().find(|(_, c)| !is_printable_ascii(*c)) {
            return Err(ReferenceError::NotAscii { found: c, code: c as u32, position: i + 1 });
        }
        if reference.len() > MAX_REFERENCE_LEN {
            return Err(ReferenceError::TooLong { len: reference.len() });
        }
        let mut id = [0u8; 32];
        id[..reference.len()].copy_from_slice(reference.as_bytes());
        Ok(Self(B256::from(id)))
    }

    /// The id of batch `index` of a payout file whose bytes hash to `file_hash`, paid from
    /// `bucket`. The same file paid from the same bucket gives the same ids on every machine, in
    /// every run, so none of its batches can be paid twice.
    pub fn for_batch(file_hash: B256, bucket: Bucket, index: u64) -> Self {
        let fields =
            (keccak256(BATCH_DOMAIN), file_hash, U256::from(bucket.index()), U256::from(index));
        Self(keccak256(fields.abi_encode()))
    }

    /// The id as the token stores it.
    pub fn as_b256(&self) -> B256 {
        self.0
    }

    /// The reference this id was made from, when it was made by [`PaymentId::reference`].
    pub fn as_reference(&self) -> Option<&str> {
        let bytes = self.0.as_slice();
        let len = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        let (text, padding) = bytes.split_at(len);
        let readable = len > 0
            && padding.iter().all(|b| *b == 0)
            && text.iter().all(|b| is_printable_ascii(*b as char));
        readable.then(|| std::str::from_utf8(text).expect("printable ASCII is UTF-8"))
    }
}

fn is_printable_ascii(c: char) -> bool {
    c.is_ascii_graphic() || c == ' '
}

impl From<B256> for PaymentId {
    fn from(id: B256) -> Self {
        Self(id)
    }
}

impl From<PaymentId> for B256 {
    fn from(id: PaymentId) -> Self {
        id.0
    }
}

/// A reference as itself (`INV-2041`), any other id in hex.
impl fmt::Display for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_reference() {
            Some(r) => write!(f, "{r:?}"),
            None => write!(f, "{}", self.0),
        }
    }
}

/// A 0x-prefixed 32-byte hex id, or else a reference.
impl FromStr for PaymentId {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 66
            && let Ok(id) = s.parse::<B256>()
            && !id.is_zero()
        {
            return Ok(Self(id));
        }
        Self::reference(s)
    }
}

/// A payment the token recorded, read back from the transaction that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedPayment {
    /// The transaction.
    pub tx: TxHash,
    /// Its block.
    pub block: u64,
    /// The bucket it paid from.
    pub bucket: Option<u8>,
    /// Who was paid how much, in order.
    pub paid: Vec<(Address, U256)>,
}

impl RecordedPayment {
    /// Whether it paid exactly `paid`, in order, from `bucket`.
    pub fn pays(&self, bucket: Bucket, paid: &[(Address, U256)]) -> bool {
        self.bucket == Some(bucket.index()) && self.paid == paid
    }
}

/// The payment `id`, if the token recorded it: its transaction and what it paid.
pub async fn recorded(wbx: &Wbx, id: PaymentId) -> Result<Option<RecordedPayment>> {
    match wbx.payment_block(id).await? {
        Some(block) => recorded_in(wbx, id, block).await.map(Some),
        None => Ok(None),
    }
}

/// The payment `id`, which the token recorded in `block`: its `PaymentRecorded` log there and the
/// `Allocated` logs its call emitted just before it, which say who was paid how much. One log
/// query, so it reads the same however the payment was made (directly, or through a multisig).
pub async fn recorded_in(wbx: &Wbx, id: PaymentId, block: u64) -> Result<RecordedPayment> {
    let filter = Filter::new()
        .address(wbx.deployment().token)
        .event_signature(vec![
            WebexToken::PaymentRecorded::SIGNATURE_HASH,
            WebexToken::Allocated::SIGNATURE_HASH,
        ])
        .from_block(block)
        .to_block(block);
    // A backend that lags behind the one that answered `paymentBlock` may not have the block yet:
    // look a few times (each look is one request, so a round-robin sends the next elsewhere).
    let mut delay = std::time::Duration::from_millis(50);
    for attempt in 1.. {
        let logs = wbx.provider().get_logs(&filter).await.map_err(Error::from_rpc);
        if let Ok(logs) = logs
            && let Some(found) = payment_in_logs(id, block, &logs)
        {
            return Ok(found);
        }
        if attempt == 12 {
            break;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(std::time::Duration::from_secs(1));
    }
    Err(Error::Other(format!(
        "the token records payment {id} in block {block}, but the node shows no log of it there: run again in a moment"
    )))
}

/// The payment `id` among one block's `PaymentRecorded` and `Allocated` logs: the record, and the
/// `Allocated` logs of the same transaction between the previous record (if any) and it.
fn payment_in_logs(id: PaymentId, block: u64, logs: &[Log]) -> Option<RecordedPayment> {
    let at = logs.iter().position(|l| {
        l.topics().first() == Some(&WebexToken::PaymentRecorded::SIGNATURE_HASH)
            && l.topics().get(1) == Some(&id.as_b256())
    })?;
    let record = WebexToken::PaymentRecorded::decode_log(&logs[at].inner).ok()?;
    let tx = logs[at].transaction_hash?;
    let n: usize = record.data.recipients.try_into().ok()?;
    let mut paid: Vec<(Address, U256)> = logs[..at]
        .iter()
        .rev()
        .filter(|l| l.transaction_hash == Some(tx))
        .take_while(|l| l.topics().first() != Some(&WebexToken::PaymentRecorded::SIGNATURE_HASH))
        .filter_map(|l| WebexToken::Allocated::decode_log(&l.inner).ok())
        .take(n)
        .map(|e| (e.data.to, e.data.amount))
        .collect();
    if paid.len() != n {
        return None;
    }
    paid.reverse();
    Some(RecordedPayment { tx, block, bucket: Some(record.data.bucket), paid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_reference_is_its_ascii_left_aligned() {
        let id = PaymentId::reference("INV-2041").unwrap();
        assert_eq!(&id.as_b256()[..8], b"INV-2041");
        assert!(id.as_b256()[8..].iter().all(|b| *b == 0));
        assert_eq!(id.as_reference(), Some("INV-2041"));
        assert_eq!(id.to_string(), "\"INV-2041\"");
        assert_eq!("INV-2041".parse::<PaymentId>().unwrap(), id);
    }

    #[test]
    fn bad_references_are_refused_with_the_reason() {
        assert_eq!(PaymentId::reference(""), Err(ReferenceError::Empty));
        assert_eq!(PaymentId::reference(&"x".repeat(33)), Err(ReferenceError::TooLong { len: 33 }));
        let err = PaymentId::reference("INV\u{430}1").unwrap_err();
        assert_eq!(err, ReferenceError::NotAscii { found: '\u{430}', code: 0x430, position: 4 });
        assert!(err.to_string().contains("U+0430"), "{err}");
        assert!(PaymentId::reference("tab\there").is_err());
    }

    #[test]
    fn batch_ids_depend_on_file_bucket_and_index() {
        let file = keccak256(b"rewards");
        let a = PaymentId::for_batch(file, Bucket::CommunityRewards, 0);
        assert_eq!(a, PaymentId::for_batch(file, Bucket::CommunityRewards, 0));
        assert_ne!(a, PaymentId::for_batch(file, Bucket::CommunityRewards, 1));
        assert_ne!(a, PaymentId::for_batch(file, Bucket::ReserveFund, 0));
        assert_ne!(a, PaymentId::for_batch(keccak256(b"other"), Bucket::CommunityRewards, 0));
        assert_eq!(a.as_reference(), None);
        assert_eq!(a.to_string(), a.as_b256().to_string());
        assert_eq!(a.to_string().parse::<PaymentId>().unwrap(), a);
    }

    proptest! {
        /// Any printable ASCII reference of 1 to 32 bytes round-trips exactly; nothing else is
        /// accepted as a reference.
        #[test]
        fn references_round_trip_or_are_refused(s in "\\PC{0,40}") {
            match PaymentId::reference(&s) {
                Ok(id) => {
                    prop_assert!(!s.is_empty() && s.len() <= 32);
                    prop_assert!(s.chars().all(is_printable_ascii));
                    prop_assert_eq!(id.as_reference(), Some(s.as_str()));
                }
                Err(_) => prop_assert!(
                    s.is_empty() || s.len() > 32 || !s.chars().all(is_printable_ascii)
                ),
            }
        }
    }
}
