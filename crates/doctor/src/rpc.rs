//! The doctor's own RPC client: every request is counted (a batch is one round trip), so a
//! diagnosis can report how many round trips it took, and reads go out as JSON-RPC batches.

use alloy::{
    primitives::{Address, Bytes, U256},
    rpc::{
        client::{BatchRequest, ClientBuilder, RpcClient, Waiter},
        types::{BlockNumberOrTag, TransactionRequest},
    },
    sol_types::SolCall,
    transports::{TransportError, TransportFut, TransportResult},
};
use alloy_json_rpc::{RequestPacket, ResponsePacket, RpcRecv, RpcSend};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
};
use tower::{Layer, Service};
use wbx_sdk::{Error as SdkError, Revert};

/// A tower layer that counts the requests (single or batch) that reach the transport: each is one
/// round trip. Put it on any alloy client with `ClientBuilder::default().layer(..)`.
#[derive(Debug, Clone, Default)]
pub struct CountingLayer {
    count: Arc<AtomicU64>,
}

impl CountingLayer {
    /// Requests counted so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

impl<S> Layer<S> for CountingLayer {
    type Service = CountingService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CountingService { inner, count: self.count.clone() }
    }
}

/// The service [`CountingLayer`] wraps around the transport.
#[derive(Debug, Clone)]
pub struct CountingService<S> {
    inner: S,
    count: Arc<AtomicU64>,
}

impl<S> Service<RequestPacket> for CountingService<S>
where
    S: Service<RequestPacket, Response = ResponsePacket, Error = TransportError>
        + Send
        + 'static
        + Clone,
    S::Future: Send + 'static,
{
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        self.count.fetch_add(1, Ordering::Relaxed);
        Box::pin(self.inner.call(request))
    }
}

/// Connects a counting client to `url`.
pub(crate) async fn connect(url: &str) -> TransportResult<(RpcClient, Arc<AtomicU64>)> {
    let layer = CountingLayer::default();
    let count = layer.count.clone();
    let client = ClientBuilder::default().layer(layer).connect(url).await?;
    Ok((client, count))
}

/// One JSON-RPC batch under construction: add reads, then [`Reads::send`] them in one round trip.
pub(crate) struct Reads<'a> {
    batch: BatchRequest<'a>,
}

/// The "latest" block tag.
const LATEST: BlockNumberOrTag = BlockNumberOrTag::Latest;

impl<'a> Reads<'a> {
    pub(crate) fn new(client: &'a RpcClient) -> Self {
        Self { batch: client.new_batch() }
    }

    /// Any method, with its parameters.
    pub(crate) fn add<P, R>(&mut self, method: &'static str, params: P) -> Waiter<R>
    where
        P: RpcSend,
        R: RpcRecv,
    {
        self.batch.add_call(method, &params).expect("serialisable RPC parameters")
    }

    /// `eth_call` of `call` on `to` from `from` at the latest block.
    pub(crate) fn call<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: &C,
    ) -> Waiter<Bytes> {
        let tx = TransactionRequest::default().from(from).to(to).input(call.abi_encode().into());
        self.add("eth_call", (tx, LATEST))
    }

    /// `eth_call` of a prepared request at the latest block.
    pub(crate) fn call_raw(&mut self, tx: &TransactionRequest) -> Waiter<Bytes> {
        self.add("eth_call", (tx.clone(), LATEST))
    }

    /// `eth_estimateGas` of a prepared request at the latest block.
    pub(crate) fn estimate(&mut self, tx: &TransactionRequest) -> Waiter<alloy::primitives::U64> {
        self.add("eth_estimateGas", (tx.clone(), LATEST))
    }

    /// `eth_getBalance` at the latest block.
    pub(crate) fn balance(&mut self, who: Address) -> Waiter<U256> {
        self.add("eth_getBalance", (who, LATEST))
    }

    /// `eth_getTransactionCount` at `tag`.
    pub(crate) fn nonce(
        &mut self,
        who: Address,
        tag: BlockNumberOrTag,
    ) -> Waiter<alloy::primitives::U64> {
        self.add("eth_getTransactionCount", (who, tag))
    }

    /// The latest block header (without transactions).
    pub(crate) fn latest_block(&mut self) -> Waiter<Option<alloy::rpc::types::Block>> {
        self.add("eth_getBlockByNumber", (LATEST, false))
    }

    /// `eth_feeHistory` over the last `blocks` blocks with the 10th, 50th and 90th tip percentiles.
    pub(crate) fn fee_history(&mut self, blocks: u64) -> Waiter<alloy::rpc::types::FeeHistory> {
        self.add(
            "eth_feeHistory",
            (alloy::primitives::U64::from(blocks), LATEST, [10.0f64, 50.0, 90.0]),
        )
    }

    /// `eth_getCode` at the latest block.
    pub(crate) fn code(&mut self, at: Address) -> Waiter<Bytes> {
        self.add("eth_getCode", (at, LATEST))
    }

    /// Sends the batch: one round trip.
    pub(crate) async fn send(self) -> TransportResult<()> {
        self.batch.send().await
    }
}

/// What an `eth_call` answered: the return data, or why it reverted.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// It returned (possibly nothing).
    Data(Bytes),
    /// It reverted; the reason decoded.
    Reverted(Revert),
    /// The node could not run the call: its EVM stopped at an invalid or not-activated opcode
    /// (a chain on an older hardfork than the code needs). Not the contract's answer. Holds the
    /// node's message.
    NotRun(String),
    /// The node refused the request for another reason.
    Failed(String),
}

impl Answer {
    pub(crate) async fn of(w: Waiter<Bytes>) -> Self {
        match w.await {
            Ok(data) => Self::Data(data),
            Err(e) => match SdkError::from_rpc(e) {
                SdkError::Revert(r) => Self::Reverted(*r),
                SdkError::InvalidOpcode { message } => Self::NotRun(message),
                other => Self::Failed(other.to_string()),
            },
        }
    }

    /// Whether the node could not run the call at all.
    pub(crate) fn not_run(&self) -> bool {
        matches!(self, Self::NotRun(_))
    }

    /// The decoded return value, if the call returned one that decodes.
    pub(crate) fn decode<C: SolCall>(&self) -> Option<C::Return> {
        match self {
            Self::Data(d) => C::abi_decode_returns(d).ok(),
            _ => None,
        }
    }
}
