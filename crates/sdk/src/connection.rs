//! A connection to a node: the provider (HTTP or WebSocket, with retry and backoff on rate limits),
//! the chain id, and the optional signer that sends transactions.

use crate::{
    error::{Error, Result},
    signer::{LOCAL_CHAIN_IDS, SignerSource},
};
use alloy::{
    network::EthereumWallet,
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::client::ClientBuilder,
    signers::local::PrivateKeySigner,
    transports::{
        RpcError, TransportError,
        http::reqwest,
        layers::{RateLimitRetryPolicy, RetryBackoffLayer, RetryPolicy},
    },
};
use std::time::Duration;

/// The default RPC endpoint: a local anvil.
pub const DEFAULT_RPC_URL: &str = "http://127.0.0.1:8545";

/// How long a new connection waits for the node's first answer (its chain id), unless
/// [`ConnectOptions::request_timeout`] says otherwise.
pub const FIRST_ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Retries of a rate-limited or dropped request before giving up, and the first backoff in ms.
const RETRIES: u32 = 8;
const BACKOFF_MS: u64 = 200;

/// How a connection copes with a flaky endpoint. The default is what [`Connection::connect`] does:
/// rate-limited requests are retried with backoff, and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Retries of one request before giving up.
    pub retries: u32,
    /// The first backoff between retries (it grows with each one).
    pub backoff: Duration,
    /// Also retry a request that failed in transport: connection refused or reset, a response cut
    /// short, a timeout, an HTTP 5xx from a proxy. Safe for reads and for raw signed transactions
    /// (a resend has the same hash), which is all a keeper sends; a resend that had reached the
    /// node comes back as "already known" or "nonce too low", which the caller must accept.
    pub retry_transport_errors: bool,
    /// Give up on one HTTP request after this long, so a request lost on the way cannot hang a
    /// daemon (`None`: wait as long as it takes). WebSocket connections ignore it.
    pub request_timeout: Option<Duration>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            retries: RETRIES,
            backoff: Duration::from_millis(BACKOFF_MS),
            retry_transport_errors: false,
            request_timeout: None,
        }
    }
}

impl ConnectOptions {
    /// For a process that runs unattended for weeks (the keeper): transport failures retried,
    /// 30 s per request.
    pub fn unattended() -> Self {
        Self {
            retries: 10,
            retry_transport_errors: true,
            request_timeout: Some(Duration::from_secs(30)),
            ..Self::default()
        }
    }
}

/// A connection to a node, with or without a signer.
///
/// ```no_run
/// # async fn run() -> wbx_sdk::Result<()> {
/// use wbx_sdk::{Connection, SignerSource};
/// let conn = Connection::connect("http://127.0.0.1:8545", Some(&SignerSource::DevAccount(0))).await?;
/// println!("chain {} as {:?}", conn.chain_id(), conn.sender());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Connection {
    provider: DynProvider,
    chain_id: u64,
    url: String,
    signer: Option<PrivateKeySigner>,
    /// The newest block in which a transaction this connection sent was mined: what it reads
    /// next must see at least that block (see [`Connection::written_block`]).
    written: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Where single sends are written down before they leave, if anywhere.
    journal: Option<crate::tx::SendJournal>,
    /// The genesis block's hash, read once (see [`Connection::genesis`]).
    genesis: std::sync::Arc<tokio::sync::OnceCell<alloy::primitives::B256>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The signer is shown by its address only: a key never reaches a log.
        f.debug_struct("Connection")
            .field("url", &self.url)
            .field("chain_id", &self.chain_id)
            .field("sender", &self.sender())
            .finish()
    }
}

impl Connection {
    /// Connects to `url` (`http(s)://` or `ws(s)://`) and loads the signer, if any. A dev account is
    /// refused unless the node is a local chain.
    pub async fn connect(url: &str, signer: Option<&SignerSource>) -> Result<Self> {
        Self::connect_with(url, signer, &ConnectOptions::default()).await
    }

    /// [`Connection::connect`] with other retry and timeout settings.
    pub async fn connect_with(
        url: &str,
        signer: Option<&SignerSource>,
        options: &ConnectOptions,
    ) -> Result<Self> {
        check_rpc_url(url).map_err(Error::BadInput)?;
        let unreachable = |reason: String| Error::Unreachable { url: url.to_string(), reason };
        // An endpoint that takes the connection but never answers (a black-holed address, a
        // socket nobody serves) must not hang the caller forever.
        let first_answer = options.request_timeout.unwrap_or(FIRST_ANSWER_TIMEOUT);
        let silent = || format!("no answer within {} s", first_answer.as_secs_f32());
        let policy = Retry { transport_errors: options.retry_transport_errors };
        let backoff = options.backoff.as_millis() as u64;
        let builder = ClientBuilder::default().layer(RetryBackoffLayer::new_with_policy(
            options.retries,
            backoff,
            u64::MAX,
            policy,
        ));
        let http_url = reqwest::Url::parse(url).ok().filter(|u| u.scheme().starts_with("http"));
        let client = match (options.request_timeout, http_url) {
            (Some(timeout), Some(http_url)) => {
                let http = reqwest::Client::builder()
                    .timeout(timeout)
                    .build()
                    .map_err(|e| unreachable(e.to_string()))?;
                builder.http_with_client(http, http_url)
            }
            _ => tokio::time::timeout(first_answer, builder.connect(url))
                .await
                .map_err(|_| unreachable(silent()))?
                .map_err(|e| unreachable(e.to_string()))?,
        };
        // A read-only provider first, to learn the chain before any key is loaded.
        let reader = ProviderBuilder::new().connect_client(client.clone());
        let chain_id = tokio::time::timeout(first_answer, reader.get_chain_id())
            .await
            .map_err(|_| unreachable(silent()))?
            .map_err(|e| first_answer_error(url, e))?;
        let signer = signer.map(|s| s.resolve(chain_id)).transpose()?;
        let provider = match &signer {
            // Not the recommended fillers: their cached nonce manager hands out a nonce even when the
            // gas estimate (run beside it) fails on a revert, and the next transaction then waits
            // forever behind the gap. Here the nonce is the node's pending count at each send; the
            // pipeline manages nonces itself when many transactions are in flight.
            Some(s) => ProviderBuilder::new()
                .disable_recommended_fillers()
                .with_gas_estimation()
                .with_simple_nonce_management()
                .with_chain_id(chain_id)
                .wallet(EthereumWallet::from(s.clone()))
                .connect_client(client)
                .erased(),
            None => reader.erased(),
        };
        Ok(Self {
            provider,
            chain_id,
            url: url.to_string(),
            signer,
            written: Default::default(),
            journal: None,
            genesis: Default::default(),
        })
    }

    /// The provider, for anything the SDK does not wrap.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The chain id of the node.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Whether the node is a local development chain.
    pub fn is_local(&self) -> bool {
        LOCAL_CHAIN_IDS.contains(&self.chain_id)
    }

    /// The RPC URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address that signs transactions, if any.
    pub fn sender(&self) -> Option<Address> {
        self.signer.as_ref().map(|s| s.address())
    }

    /// The signer, for signing typed data (renewals, permits).
    pub fn signer(&self) -> Option<&PrivateKeySigner> {
        self.signer.as_ref()
    }

    /// The newest block in which a transaction sent through this connection (or a clone of it) was
    /// mined, 0 if none. A provider's backends lag each other: a simulation of the next transaction
    /// answered by one a block behind would not see the previous one (an approval, say), so the
    /// send path simulates again at this block before it believes a revert.
    pub fn written_block(&self) -> u64 {
        self.written.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Notes that a transaction sent through this connection was mined in `block`.
    pub fn note_written(&self, block: u64) {
        self.written.fetch_max(block, std::sync::atomic::Ordering::Relaxed);
    }

    /// Writes each single send ([`crate::tx::send`]) down in `journal` before it is broadcast, so
    /// a process killed while it waits does not lead the next one to send it again.
    pub fn with_send_journal(mut self, journal: crate::tx::SendJournal) -> Self {
        self.journal = Some(journal);
        self
    }

    /// The send journal, if single sends are written down.
    pub fn send_journal(&self) -> Option<&crate::tx::SendJournal> {
        self.journal.as_ref()
    }

    /// The hash of the chain's genesis block, read once per connection. A chain id alone cannot
    /// tell two local chains apart (a restarted anvil has the same id and the same contract
    /// addresses); this can, so journals that outlive a process record it.
    pub async fn genesis(&self) -> Result<alloy::primitives::B256> {
        self.genesis
            .get_or_try_init(|| async {
                let block = self
                    .provider
                    .get_block_by_number(alloy::eips::BlockNumberOrTag::Number(0))
                    .await
                    .map_err(Error::from_rpc)?
                    .ok_or_else(|| Error::Other("the node serves no genesis block".into()))?;
                Ok(block.header.hash)
            })
            .await
            .copied()
    }

    /// The signer's address, or [`Error::NoSigner`].
    pub fn require_sender(&self) -> Result<Address> {
        self.sender().ok_or(Error::NoSigner)
    }
}

/// A request that failed on the way (not an answer from the node).
fn is_transport_failure(e: &TransportError) -> bool {
    matches!(e, RpcError::Transport(_))
}

/// What the connection retries: alloy's rate-limit policy, and transport failures when asked, but
/// never a refusal of a query's size. Infura answers "query returned more than 10000 results"
/// with -32005, the code alloy reads as a rate limit; retrying it would only wait, while the
/// caller (the chunked event queries) splits the range and succeeds.
#[derive(Debug, Clone, Copy)]
struct Retry {
    transport_errors: bool,
}

impl RetryPolicy for Retry {
    fn should_retry(&self, e: &TransportError) -> bool {
        if is_query_too_large(e) {
            return false;
        }
        RateLimitRetryPolicy::default().should_retry(e)
            || (self.transport_errors && is_transport_failure(e))
    }

    fn backoff_hint(&self, e: &TransportError) -> Option<Duration> {
        RateLimitRetryPolicy::default().backoff_hint(e)
    }
}

/// Whether a node refused a request for its size (a log query's block range or result count),
/// as providers word it, rather than for the caller's rate.
pub(crate) fn is_query_too_large(e: &TransportError) -> bool {
    let Some(resp) = e.as_error_resp() else { return false };
    let m = resp.message.to_lowercase();
    [
        "block range",
        "range too",
        "range is too",
        "returned more than",
        "too many results",
        "more than 10000",
        "response size",
        "exceed max results",
        "limit the query",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// Checks that `url` can name a node before anything connects: an `http`, `https`, `ws` or `wss`
/// URL with a host, or the path of an existing IPC socket. The error says which of these it is not.
/// (alloy takes anything else for an IPC path, and says only that it cannot read it.)
pub fn check_rpc_url(url: &str) -> Result<(), String> {
    const ACCEPTED: &str =
        "give http(s)://HOST:PORT or ws(s)://HOST:PORT, or the path of a node's IPC socket file";
    let url = url.trim();
    if url.is_empty() {
        return Err(format!("the RPC URL is empty: {ACCEPTED}"));
    }
    if let Some(note) = crate::names::non_ascii(url) {
        return Err(format!("the RPC URL {url:?} is not a URL: {note}"));
    }
    if !url.contains("://") {
        // `localhost:8545` parses as a URL with the scheme `localhost`; a path has none.
        if let Ok(u) = reqwest::Url::parse(url)
            && u.scheme().len() > 1
            && !url.starts_with(['/', '.', '~'])
        {
            return Err(format!(
                "the RPC URL {url:?} has no scheme: write http://{url} (accepted: http, https, ws, wss, or an IPC socket file)"
            ));
        }
        use std::os::unix::fs::FileTypeExt;
        return match std::fs::metadata(url) {
            Ok(m) if m.file_type().is_socket() => Ok(()),
            Ok(_) => Err(format!("the RPC URL {url:?} is a file but not a socket: {ACCEPTED}")),
            Err(_) => Err(format!(
                "the RPC URL {url:?} is neither a URL nor an existing IPC socket file: {ACCEPTED}"
            )),
        };
    }
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https" | "ws" | "wss") => {
            if u.host_str().is_none_or(str::is_empty) {
                return Err(format!("the RPC URL {url:?} has no host: {ACCEPTED}"));
            }
            Ok(())
        }
        Ok(u) => Err(format!(
            "the RPC URL {url:?} has the scheme {}, which wbx does not speak: {ACCEPTED}",
            u.scheme()
        )),
        Err(e) => Err(format!("the RPC URL {url:?} is not a valid URL ({e}): {ACCEPTED}")),
    }
}

/// Why the first request to `url` failed: an answer that is not JSON-RPC (a web page) is named
/// with the start of what came back; anything else means the node could not be reached.
fn first_answer_error(url: &str, e: TransportError) -> Error {
    let start = |text: &str| {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match flat.char_indices().nth(120) {
            Some((i, _)) => format!("{}…", &flat[..i]),
            None => flat,
        }
    };
    let what = |text: &str| {
        if text.trim_start().starts_with('<') { "HTML" } else { "something" }.to_string()
    };
    match &e {
        RpcError::DeserError { text, .. } => {
            Error::NotJsonRpc { url: url.to_string(), what: what(text), answered: start(text) }
        }
        RpcError::Transport(kind)
            if kind.as_http_error().is_some_and(|h| h.body.trim_start().starts_with('<')) =>
        {
            let h = kind.as_http_error().expect("an HTTP error");
            Error::NotJsonRpc {
                url: url.to_string(),
                what: format!("HTML with HTTP status {}", h.status),
                answered: start(&h.body),
            }
        }
        _ => Error::Unreachable { url: url.to_string(), reason: short(&e) },
    }
}

/// The first line of a transport error: enough to say why a node is unreachable.
fn short(e: &impl std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(code: i64, message: &str) -> TransportError {
        let payload = serde_json::json!({ "code": code, "message": message });
        RpcError::ErrorResp(serde_json::from_value(payload).expect("an error payload"))
    }

    /// A node that takes the connection and never answers is unreachable after the timeout.
    #[tokio::test]
    async fn a_silent_endpoint_is_unreachable_not_a_hang() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("silent.ipc");
        let _ipc = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let options = ConnectOptions {
            request_timeout: Some(Duration::from_millis(300)),
            ..Default::default()
        };
        for url in [url.as_str(), socket.to_str().unwrap()] {
            let err = Connection::connect_with(url, None, &options).await.unwrap_err();
            // (HTTP gives up in the client's own timeout, IPC in the first answer's.)
            assert!(matches!(&err, Error::Unreachable { .. }), "{url}: {err}");
        }
    }

    #[test]
    fn rpc_urls_are_http_ws_or_a_socket_file() {
        for good in ["http://127.0.0.1:8545", "https://rpc.example.org/v3/x", "ws://h:1", "WSS://h"]
        {
            assert_eq!(check_rpc_url(good), Ok(()), "{good}");
        }
        let cases = [
            ("", "is empty"),
            ("notaurl", "neither a URL nor an existing IPC socket file"),
            ("ftp://example.org", "the scheme ftp"),
            ("localhost:8545", "write http://localhost:8545"),
            ("http://", "not a valid URL"),
            ("http://127.0.0.1:99999", "not a valid URL"),
            ("/etc/hostname", "a file but not a socket"),
            ("http://lоcalhost", "U+043E"),
        ];
        for (bad, says) in cases {
            let err = check_rpc_url(bad).unwrap_err();
            assert!(err.contains(says), "{bad:?}: {err}");
            if !says.starts_with("U+") && !says.contains("http://localhost") {
                assert!(err.contains("http(s)://") || err.contains("http, https"), "{err}");
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("node.ipc");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert_eq!(check_rpc_url(socket.to_str().unwrap()), Ok(()));
    }

    #[test]
    fn a_query_too_large_is_not_retried_but_a_rate_limit_is() {
        let policy = Retry { transport_errors: false };
        // Infura's size refusal shares -32005 with its rate limit.
        let infura = refusal(-32005, "query returned more than 10000 results");
        assert!(is_query_too_large(&infura));
        assert!(!policy.should_retry(&infura));
        let alchemy = refusal(
            -32602,
            "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range",
        );
        assert!(!policy.should_retry(&alchemy));
        let rate = refusal(-32005, "daily request count exceeded, request rate limited");
        assert!(!is_query_too_large(&rate));
        assert!(policy.should_retry(&rate));
        assert!(!policy.should_retry(&refusal(3, "execution reverted")));
    }
}
