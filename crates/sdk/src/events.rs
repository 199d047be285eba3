//! Typed event queries over block ranges, and a live stream of new events.
//!
//! Ranges are fetched in chunks, several at once, and a chunk that the provider refuses (too many
//! results, range too large) is split in halves until it passes, so a long range works on real
//! providers as well as on anvil.

use crate::{
    client::Wbx,
    error::{Error, Result},
    names::Role,
};
use alloy::{
    primitives::{Address, B256, TxHash, U64},
    providers::{DynProvider, Provider},
    rpc::{
        client::{BatchRequest, Waiter},
        types::{Filter, Log},
    },
    sol_types::{SolEvent, SolEventInterface},
};
use futures::{Stream, StreamExt, TryStreamExt, stream};
use std::{collections::BTreeSet, time::Duration};
use wbx_contracts::{WbxPool::WbxPoolEvents, WebexToken, WebexToken::WebexTokenEvents};

/// Blocks per `eth_getLogs` request to start with.
pub const DEFAULT_CHUNK: u64 = 10_000;
/// Requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// A decoded event of the token or the pool.
#[derive(Debug, Clone)]
pub enum WbxEvent {
    /// An event of the token.
    Token(WebexTokenEvents),
    /// An event of the pool.
    Pool(WbxPoolEvents),
}

/// A decoded event with where it happened.
#[derive(Debug, Clone)]
pub struct EventLog {
    /// Block number.
    pub block_number: u64,
    /// Block hash (for reorg detection).
    pub block_hash: B256,
    /// Block timestamp, when the node includes it in logs.
    pub block_timestamp: Option<u64>,
    /// The transaction.
    pub tx_hash: TxHash,
    /// Position of the log in the block.
    pub log_index: u64,
    /// The emitting contract.
    pub address: Address,
    /// The event.
    pub event: WbxEvent,
}

/// Decodes a log of `token` or `pool`; `None` for anything else.
pub fn decode(log: &Log, token: Address, pool: Address) -> Option<EventLog> {
    let event = if log.address() == token {
        WbxEvent::Token(WebexTokenEvents::decode_log(&log.inner).ok()?.data)
    } else if log.address() == pool {
        WbxEvent::Pool(WbxPoolEvents::decode_log(&log.inner).ok()?.data)
    } else {
        return None;
    };
    Some(EventLog {
        block_number: log.block_number?,
        block_hash: log.block_hash?,
        block_timestamp: log.block_timestamp,
        tx_hash: log.transaction_hash?,
        log_index: log.log_index?,
        address: log.address(),
        event,
    })
}

/// The chain's head: the higher of two block-number reads made at once. Behind a provider's load
/// balancer one read may come from a backend a block behind; a reader that always asked the same
/// way could otherwise be answered by that one every time, and never see the newest block.
pub async fn chain_head(provider: &DynProvider) -> Result<u64> {
    let (a, b) = tokio::join!(provider.get_block_number(), provider.get_block_number());
    match (a, b) {
        (Ok(a), Ok(b)) => Ok(a.max(b)),
        (Ok(n), Err(_)) | (Err(_), Ok(n)) => Ok(n),
        (Err(e), Err(_)) => Err(Error::from_rpc(e)),
    }
}

/// Fetches the raw logs matching `filter` in `[from, to]`: `chunk` blocks per request,
/// `concurrency` requests at once, in block order. A refused request is split until it passes.
pub async fn fetch_logs(
    provider: &DynProvider,
    filter: &Filter,
    from: u64,
    to: u64,
    chunk: u64,
    concurrency: usize,
) -> Result<Vec<Log>> {
    if from > to {
        return Ok(Vec::new());
    }
    let pages: Vec<LogPage> =
        log_pages(provider, filter, from, to, chunk, concurrency).try_collect().await?;
    Ok(pages.into_iter().flat_map(|p| p.logs).collect())
}

/// One page of [`log_pages`]: the block range `[from, to]` it covers and its logs in chain order.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPage {
    /// First block of the page.
    pub from: u64,
    /// Last block of the page.
    pub to: u64,
    /// The logs, in chain order.
    pub logs: Vec<Log>,
}

/// The block ranges `[from, to]` cut into pages of `chunk` blocks.
pub fn page_ranges(from: u64, to: u64, chunk: u64) -> impl Iterator<Item = (u64, u64)> {
    let chunk = chunk.max(1);
    let end = if from > to { None } else { Some(to) };
    let mut next = Some(from);
    std::iter::from_fn(move || {
        let (start, to) = (next?, end?);
        let stop = start.saturating_add(chunk - 1).min(to);
        next = if stop >= to { None } else { Some(stop + 1) };
        Some((start, stop))
    })
}

/// The logs matching `filter` in `[from, to]` as a stream of pages in block order, for consumers
/// that process each page as it arrives (an indexer) instead of collecting the whole range:
/// `chunk` blocks per page, `concurrency` requests in flight, a refused request split until it
/// passes.
pub fn log_pages<'a>(
    provider: &'a DynProvider,
    filter: &'a Filter,
    from: u64,
    to: u64,
    chunk: u64,
    concurrency: usize,
) -> impl Stream<Item = Result<LogPage>> + 'a {
    stream::iter(page_ranges(from, to, chunk))
        .map(move |(a, b)| async move {
            fetch_range(provider, filter, a, b).await.map(|logs| LogPage { from: a, to: b, logs })
        })
        .buffered(concurrency.max(1))
}

/// The logs matching `filter` in one range `[from, to]`; a range the provider refuses (too many
/// results, range too large) is split in halves, recursively, until each part passes.
///
/// Each query goes out in one JSON-RPC batch with the header of the range's last block. A backend
/// that does not have that block yet (behind another one of the same provider) answers the logs it
/// has, short of the newest: its answer is thrown away and the range asked again, and after a few
/// tries the error says the node is behind. A sync never stores a range as complete without it.
pub async fn fetch_range(
    provider: &DynProvider,
    filter: &Filter,
    from: u64,
    to: u64,
) -> Result<Vec<Log>> {
    let mut pending = vec![(from, to)];
    let mut out = Vec::new();
    let mut behind = 0u32;
    // Depth-first, lower half first, so the output stays in block order.
    while let Some((a, b)) = pending.pop() {
        match logs_with_end(provider, &filter.clone().from_block(a).to_block(b), b).await {
            Ok(Some(logs)) => {
                out.extend(logs);
                behind = 0;
            }
            Ok(None) => {
                behind += 1;
                if behind > 6 {
                    return Err(Error::NodeBehind { block: b });
                }
                tracing::debug!(block = b, "the node does not serve the range's last block yet");
                tokio::time::sleep(std::time::Duration::from_millis(25 << behind)).await;
                pending.push((a, b));
            }
            Err(e) if a < b && e.as_error_resp().is_some() => {
                let mid = a + (b - a) / 2;
                tracing::debug!(from = a, to = b, "provider refused the range; splitting it");
                pending.push((mid + 1, b));
                pending.push((a, mid));
            }
            Err(e) => return Err(Error::from_rpc(e)),
        }
    }
    Ok(out)
}

/// `eth_getLogs` of `filter` and the header of block `end`, in one batch; `None` when the node that
/// answered does not have `end`.
async fn logs_with_end(
    provider: &DynProvider,
    filter: &Filter,
    end: u64,
) -> std::result::Result<Option<Vec<Log>>, alloy::transports::TransportError> {
    let mut batch = BatchRequest::new(provider.client());
    let logs: Waiter<Vec<Log>> = batch.add_call("eth_getLogs", &(filter,))?;
    let header: Waiter<Option<serde_json::Value>> =
        batch.add_call("eth_getBlockByNumber", &(U64::from(end), false))?;
    batch.send().await?;
    let logs = logs.await?;
    Ok(header.await?.filter(|h| !h.is_null()).map(|_| logs))
}

impl Wbx {
    /// A filter for every event of the token and the pool.
    pub fn event_filter(&self) -> Filter {
        Filter::new().address(vec![self.deployment().token, self.deployment().pool])
    }

    /// Every token and pool event in `[from, to]`, decoded, in chain order.
    pub async fn events(&self, from: u64, to: u64) -> Result<Vec<EventLog>> {
        let logs = fetch_logs(
            self.provider(),
            &self.event_filter(),
            from,
            to,
            DEFAULT_CHUNK,
            DEFAULT_CONCURRENCY,
        )
        .await?;
        let (token, pool) = (self.deployment().token, self.deployment().pool);
        Ok(logs.iter().filter_map(|l| decode(l, token, pool)).collect())
    }

    /// The decoded events of one type `E` of the token in `[from, to]`, with their logs.
    pub async fn token_events<E: SolEvent>(&self, from: u64, to: u64) -> Result<Vec<(E, Log)>> {
        let filter =
            Filter::new().address(self.deployment().token).event_signature(E::SIGNATURE_HASH);
        let logs =
            fetch_logs(self.provider(), &filter, from, to, DEFAULT_CHUNK, DEFAULT_CONCURRENCY)
                .await?;
        logs.into_iter()
            .map(|l| {
                E::decode_log(&l.inner).map(|d| (d.data, l)).map_err(|e| Error::Abi(e.to_string()))
            })
            .collect()
    }

    /// A live stream of new events from block `from` on, polling every `interval`. It ends only
    /// on an error the retry layer could not hide.
    pub fn event_stream(
        &self,
        from: u64,
        interval: Duration,
    ) -> impl Stream<Item = Result<EventLog>> + '_ {
        let state = (from, Vec::<EventLog>::new().into_iter());
        stream::try_unfold(state, move |(mut next, mut buffered)| async move {
            loop {
                if let Some(ev) = buffered.next() {
                    return Ok(Some((ev, (next, buffered))));
                }
                let head = self.provider().get_block_number().await?;
                if head >= next {
                    let events = self.events(next, head).await?;
                    next = head + 1;
                    buffered = events.into_iter();
                } else {
                    tokio::time::sleep(interval).await;
                }
            }
        })
    }
}

/// Every account ever granted `role` since deployment (candidates for "who holds it now").
pub(crate) async fn grantees(wbx: &Wbx, role: Role) -> Result<Vec<Address>> {
    let head = wbx.provider().get_block_number().await?;
    let from = wbx.deployment().deploy_block;
    let accounts: BTreeSet<Address> = if role.is_timed() {
        wbx.token_events::<WebexToken::AccessGranted>(from, head)
            .await?
            .into_iter()
            .filter(|(e, _)| e.role == role.id())
            .map(|(e, _)| e.account)
            .collect()
    } else {
        wbx.token_events::<WebexToken::RoleGranted>(from, head)
            .await?
            .into_iter()
            .filter(|(e, _)| e.role == role.id())
            .map(|(e, _)| e.account)
            .collect()
    };
    Ok(accounts.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::page_ranges;

    #[test]
    fn pages_cover_the_range_exactly_once() {
        let v: Vec<_> = page_ranges(5, 27, 10).collect();
        assert_eq!(v, [(5, 14), (15, 24), (25, 27)]);
        assert_eq!(page_ranges(3, 3, 10).collect::<Vec<_>>(), [(3, 3)]);
        assert_eq!(page_ranges(4, 3, 10).count(), 0);
        assert_eq!(page_ranges(0, 2, 0).collect::<Vec<_>>(), [(0, 0), (1, 1), (2, 2)]);
        assert_eq!(
            page_ranges(u64::MAX - 1, u64::MAX, 10).collect::<Vec<_>>(),
            [(u64::MAX - 1, u64::MAX)]
        );
    }
}
