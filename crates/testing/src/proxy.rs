//! A JSON-RPC proxy that behaves like the providers real users meet, in front of a real node.
//!
//! Hosted endpoints load-balance over backends that lag each other, lose answers, drop
//! transactions from their pools and cap the ranges of log queries. Every sending path of WBX is
//! tested through this proxy with the [`Faults`] those providers show:
//!
//! - **receipt lag**: a receipt is answered `null` for a while after the block that holds it, as
//!   from a backend that has the block's header and state but has not indexed its receipts; the
//!   sender's nonce has moved meanwhile;
//! - **split backends**: requests go in turn to the node and to a view of it one block behind (its
//!   `latest` is the node's parent block: nonces, calls, blocks, receipts, transactions and logs
//!   are all answered as of then, and a transaction of the newest block is unknown to it);
//! - **lost answers**: the node executes an `eth_sendRawTransaction` and the answer never reaches
//!   the client (the connection closes), so a sent transaction looks unsent;
//! - **dropped transactions**: the proxy says "accepted" to an `eth_sendRawTransaction` and never
//!   passes it on, as a node whose pool evicted it would;
//! - **capped ranges**: an `eth_getLogs` over more blocks than the cap is refused with -32005.
//!
//! Each fault fires by a fixed pseudo-random sequence (from [`Faults::seed`]), so a failing run
//! can be replayed; [`Stats`] counts what fired, so a test can check the proxy did its job.

use crate::http::HttpRequest;
use alloy::primitives::keccak256;
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// The faults a proxy injects. The default injects none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// Answer a receipt `null` until this long after the proxy first saw it.
    pub receipt_lag: Option<Duration>,
    /// Send requests in turn to the node and to a view of it one block behind.
    pub split_backends: bool,
    /// Per mille of `eth_sendRawTransaction` that the node executes and whose answer is lost.
    pub lose_send_answers: u64,
    /// Per mille of `eth_sendRawTransaction` that are answered "accepted" and never passed on.
    pub drop_sends: u64,
    /// The two send faults above hit only the first broadcast of each transaction (its bytes seen
    /// for the first time), so that a test can make every transaction meet one for certain.
    pub first_sends_only: bool,
    /// Refuse `eth_getLogs` over more than this many blocks.
    pub max_log_range: Option<u64>,
    /// Per mille of all requests closed unanswered before they reach the node.
    pub drop_requests: u64,
    /// Per mille of all requests held for `hold_for` before they are passed on.
    pub hold_requests: u64,
    /// How long a held request waits.
    pub hold_for: Duration,
    /// Per mille of all requests that reach the node and whose answer is lost.
    pub lose_answers: u64,
    /// The seed of the pseudo-random sequence that decides which requests a fault hits.
    pub seed: u64,
}

impl Faults {
    /// Receipts lag the block that holds them by `lag`.
    pub fn lagging_receipts(lag: Duration) -> Self {
        Self { receipt_lag: Some(lag), ..Self::default() }
    }

    /// Two backends a block apart answer in turn.
    pub fn split_backends() -> Self {
        Self { split_backends: true, ..Self::default() }
    }

    /// `per_mille` of the answers to sent transactions are lost.
    pub fn lost_send_answers(per_mille: u64) -> Self {
        Self { lose_send_answers: per_mille, ..Self::default() }
    }

    /// `per_mille` of sent transactions are dropped before they reach the node.
    pub fn dropped_sends(per_mille: u64) -> Self {
        Self { drop_sends: per_mille, ..Self::default() }
    }

    /// `eth_getLogs` is refused over more than `blocks` blocks.
    pub fn capped_log_range(blocks: u64) -> Self {
        Self { max_log_range: Some(blocks), ..Self::default() }
    }
}

/// What the proxy did.
#[derive(Debug, Default)]
pub struct Stats {
    /// HTTP requests received.
    pub requests: AtomicU64,
    /// Receipts answered `null` for lag.
    pub receipts_hidden: AtomicU64,
    /// Requests answered by the view one block behind.
    pub lagging_answers: AtomicU64,
    /// Sent transactions whose answer was lost.
    pub lost_answers: AtomicU64,
    /// Sent transactions dropped.
    pub dropped_sends: AtomicU64,
    /// Log queries refused for their range.
    pub refused_ranges: AtomicU64,
    /// Requests dropped, held or answered into the void (the generic faults).
    pub flaky: AtomicU64,
}

impl Stats {
    /// How many faults of any kind fired.
    pub fn faults(&self) -> u64 {
        [
            &self.receipts_hidden,
            &self.lagging_answers,
            &self.lost_answers,
            &self.dropped_sends,
            &self.refused_ranges,
            &self.flaky,
        ]
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum()
    }
}

struct Shared {
    upstream: String,
    client: reqwest::Client,
    faults: Mutex<Faults>,
    stats: Stats,
    /// When the proxy first saw each receipt (by transaction hash).
    first_seen: Mutex<HashMap<String, Instant>>,
    /// Raw transactions broadcast so far (by hash).
    broadcast: Mutex<std::collections::HashSet<alloy::primitives::B256>>,
    /// Rolls so far, for the pseudo-random sequence.
    rolls: AtomicU64,
}

/// A running proxy; it stops when dropped.
pub struct RpcProxy {
    url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl RpcProxy {
    /// Starts a proxy on a free loopback port in front of the node at `upstream` (an
    /// `http://` URL), injecting `faults`.
    pub async fn start(upstream: &str, faults: Faults) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let shared = Arc::new(Shared {
            upstream: upstream.to_string(),
            client: reqwest::Client::new(),
            faults: Mutex::new(faults),
            stats: Stats::default(),
            first_seen: Mutex::new(HashMap::new()),
            broadcast: Mutex::new(Default::default()),
            rolls: AtomicU64::new(0),
        });
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = serve(sock, &s).await;
                });
            }
        });
        Self { url, shared, task }
    }

    /// The proxy's URL, for a client to use instead of the node's.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.url.trim_start_matches("http://").parse().expect("a socket address")
    }

    /// Changes the faults from the next request on.
    pub fn set(&self, faults: Faults) {
        *self.shared.faults.lock().expect("faults") = faults;
    }

    /// What the proxy did so far.
    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }
}

impl Drop for RpcProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// splitmix64, reduced to per mille: a fixed pseudo-random sequence.
fn roll(seed: u64, n: u64) -> u64 {
    let mut z = seed.wrapping_add(n).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % 1000
}

/// Serves one client connection, request after request (keep-alive), until it closes or an
/// answer is to be lost.
async fn serve(mut sock: TcpStream, shared: &Shared) -> std::io::Result<()> {
    while let Some(request) = HttpRequest::read(&mut sock).await? {
        let n = shared.stats.requests.fetch_add(1, Ordering::Relaxed);
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return respond(&mut sock, 400, b"not JSON").await;
        };
        let faults = *shared.faults.lock().expect("faults");
        let r = roll(faults.seed ^ 0x5eed, n);
        if r < faults.drop_requests {
            shared.stats.flaky.fetch_add(1, Ordering::Relaxed);
            return Ok(()); // closed unanswered, never passed on
        }
        if r < faults.drop_requests + faults.hold_requests {
            shared.stats.flaky.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(faults.hold_for).await;
        }
        let lose = (faults.drop_requests + faults.hold_requests
            ..faults.drop_requests + faults.hold_requests + faults.lose_answers)
            .contains(&r);
        // With split backends, every other request goes to the backend one block behind.
        let lagging = faults.split_backends && n % 2 == 1;
        let answer = match &body {
            Value::Array(calls) => {
                let mut out = Vec::with_capacity(calls.len());
                for call in calls {
                    match handle(shared, &faults, call, lagging).await {
                        Some(a) => out.push(a),
                        None => return Ok(()), // lose the whole answer: close the connection
                    }
                }
                Value::Array(out)
            }
            call => match handle(shared, &faults, call, lagging).await {
                Some(a) => a,
                None => return Ok(()),
            },
        };
        if lose {
            shared.stats.flaky.fetch_add(1, Ordering::Relaxed);
            return Ok(()); // the node acted on it; the answer is lost
        }
        respond(&mut sock, 200, &serde_json::to_vec(&answer).expect("JSON")).await?;
    }
    Ok(())
}

async fn respond(sock: &mut TcpStream, status: u16, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        if status == 200 { "OK" } else { "Bad Request" },
        body.len()
    );
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(body).await?;
    sock.flush().await
}

/// One JSON-RPC call; `None` loses the answer.
async fn handle(shared: &Shared, faults: &Faults, call: &Value, lagging: bool) -> Option<Value> {
    let method = call["method"].as_str().unwrap_or_default();
    let id = call["id"].clone();
    let next_roll = || roll(faults.seed, shared.rolls.fetch_add(1, Ordering::Relaxed));

    if method == "eth_sendRawTransaction" {
        let raw = call["params"][0].as_str().unwrap_or_default();
        let hash = keccak256(alloy::primitives::hex::decode(raw).unwrap_or_default());
        let first = shared.broadcast.lock().expect("broadcast").insert(hash);
        let r = if faults.first_sends_only && !first { 1000 } else { next_roll() };
        if r < faults.drop_sends {
            shared.stats.dropped_sends.fetch_add(1, Ordering::Relaxed);
            return Some(json!({ "jsonrpc": "2.0", "id": id, "result": hash }));
        }
        let answer = forward(shared, call).await?;
        if r < faults.drop_sends + faults.lose_send_answers {
            shared.stats.lost_answers.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        return Some(answer);
    }
    if method == "eth_getLogs"
        && let Some(cap) = faults.max_log_range
        && log_range(&call["params"][0]).is_none_or(|n| n > cap)
    {
        shared.stats.refused_ranges.fetch_add(1, Ordering::Relaxed);
        return Some(json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": { "code": -32005, "message": format!("block range too large: at most {cap} blocks per eth_getLogs") },
        }));
    }

    let mut answer = if lagging {
        shared.stats.lagging_answers.fetch_add(1, Ordering::Relaxed);
        lagging_view(shared, call).await?
    } else {
        forward(shared, call).await?
    };
    if method == "eth_getTransactionReceipt"
        && let Some(lag) = faults.receipt_lag
        && !answer["result"].is_null()
    {
        let hash = call["params"][0].as_str().unwrap_or_default().to_lowercase();
        let first =
            *shared.first_seen.lock().expect("seen").entry(hash).or_insert_with(Instant::now);
        if first.elapsed() < lag {
            shared.stats.receipts_hidden.fetch_add(1, Ordering::Relaxed);
            answer["result"] = Value::Null;
        }
    }
    Some(answer)
}

/// Blocks an `eth_getLogs` filter spans, when both ends are numbers.
fn log_range(filter: &Value) -> Option<u64> {
    let from = hex_u64(&filter["fromBlock"])?;
    let to = hex_u64(&filter["toBlock"])?;
    Some(to.saturating_sub(from) + 1)
}

fn hex_u64(v: &Value) -> Option<u64> {
    u64::from_str_radix(v.as_str()?.strip_prefix("0x")?, 16).ok()
}

fn hex(n: u64) -> Value {
    Value::String(format!("0x{n:x}"))
}

/// Sends one call to the node; `None` when the node cannot be reached (the client sees a lost
/// answer, as it would from a provider whose backend failed).
async fn forward(shared: &Shared, call: &Value) -> Option<Value> {
    let response = shared
        .client
        .post(&shared.upstream)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(call).expect("JSON"))
        .send()
        .await
        .ok()?;
    serde_json::from_slice(&response.bytes().await.ok()?).ok()
}

/// The answer of a backend one block behind the node: `latest` is the node's parent block.
async fn lagging_view(shared: &Shared, call: &Value) -> Option<Value> {
    let head_answer =
        forward(shared, &json!({"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber"})).await?;
    let head = hex_u64(&head_answer["result"])?;
    let behind = head.saturating_sub(1);
    let id = call["id"].clone();
    let method = call["method"].as_str().unwrap_or_default();
    let result = |v: Value| Some(json!({ "jsonrpc": "2.0", "id": id, "result": v }));
    let not_found = || {
        Some(
            json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32000, "message": "header not found" } }),
        )
    };
    // Where the block parameter of each method is.
    let block_param = match method {
        "eth_blockNumber" => return result(hex(behind)),
        "eth_getTransactionCount"
        | "eth_getBalance"
        | "eth_getCode"
        | "eth_call"
        | "eth_estimateGas" => Some(1),
        "eth_getStorageAt" => Some(2),
        "eth_getBlockByNumber" => Some(0),
        _ => None,
    };
    let mut call = call.clone();
    if let Some(i) = block_param {
        let params = call["params"].as_array_mut()?;
        while params.len() <= i {
            params.push(Value::String("latest".into()));
        }
        match &params[i] {
            Value::String(tag)
                if matches!(tag.as_str(), "latest" | "pending" | "safe" | "finalized") =>
            {
                params[i] = hex(behind);
            }
            v => {
                if hex_u64(v).is_some_and(|n| n > behind) {
                    return if method == "eth_getBlockByNumber" {
                        result(Value::Null)
                    } else {
                        not_found()
                    };
                }
            }
        }
    }
    if method == "eth_getLogs"
        && let Some(filter) = call["params"][0].as_object_mut()
    {
        let to = filter.get("toBlock").and_then(hex_u64);
        if to.is_none_or(|t| t > behind) {
            filter.insert("toBlock".into(), hex(behind));
        }
        if filter.get("fromBlock").and_then(hex_u64).is_some_and(|f| f > behind) {
            return result(json!([]));
        }
    }
    let mut answer = forward(shared, &call).await?;
    // Anything of the newest block is unknown to this backend.
    let newer = |v: &Value| hex_u64(&v["blockNumber"]).is_some_and(|b| b > behind);
    match method {
        "eth_getTransactionReceipt" | "eth_getTransactionByHash" | "eth_getBlockByHash" => {
            let key = if method == "eth_getBlockByHash" { "number" } else { "blockNumber" };
            if hex_u64(&answer["result"][key]).is_some_and(|b| b > behind) {
                answer["result"] = Value::Null;
            }
        }
        "eth_getLogs" => {
            if let Some(logs) = answer["result"].as_array_mut() {
                logs.retain(|l| !newer(l));
            }
        }
        _ => {}
    }
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roll_is_a_fixed_sequence_over_per_mille() {
        let a: Vec<u64> = (0..100).map(|n| roll(7, n)).collect();
        assert_eq!(a, (0..100).map(|n| roll(7, n)).collect::<Vec<_>>());
        assert!(a.iter().all(|r| *r < 1000));
        assert_ne!(a, (0..100).map(|n| roll(8, n)).collect::<Vec<_>>());
        // Spread: about a tenth fall under 100.
        let low = (0..10_000).filter(|n| roll(1, *n) < 100).count();
        assert!((800..1200).contains(&low), "{low}");
    }

    #[test]
    fn log_ranges_are_counted_inclusively() {
        assert_eq!(log_range(&json!({"fromBlock": "0x1", "toBlock": "0x3"})), Some(3));
        assert_eq!(log_range(&json!({"fromBlock": "0x1", "toBlock": "latest"})), None);
    }
}
