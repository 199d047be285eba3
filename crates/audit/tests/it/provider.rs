//! A provider that caps the block range of `eth_getLogs`, as hosted RPC endpoints do: the sync
//! splits each refused range until it passes, and the index comes out the same as one made
//! through a provider without a cap.

use crate::support::{history, open, sync};
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use wbx_audit::SyncOptions;
use wbx_sdk::Connection;
use wbx_testing::{Fixture, http::HttpRequest};

/// Blocks one `eth_getLogs` may span through the proxy.
const MAX_RANGE: u64 = 3;

/// Whether `request` (one JSON-RPC call) is an `eth_getLogs` over more than [`MAX_RANGE`] blocks.
fn too_wide(request: &serde_json::Value) -> bool {
    if request["method"] != "eth_getLogs" {
        return false;
    }
    let block = |key: &str| {
        request["params"][0][key]
            .as_str()
            .and_then(|h| u64::from_str_radix(h.trim_start_matches("0x"), 16).ok())
    };
    match (block("fromBlock"), block("toBlock")) {
        (Some(from), Some(to)) => to - from + 1 > MAX_RANGE,
        _ => true, // open-ended ranges ("latest") are refused too
    }
}

/// The JSON-RPC error a capped provider answers with.
fn refusal(id: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": -32005, "message": format!("block range too large: at most {MAX_RANGE} blocks per eth_getLogs") },
    })
}

/// Answers one request: refuses a wide `eth_getLogs`, forwards anything else to anvil.
async fn serve(mut client: TcpStream, upstream: String, refused: Arc<AtomicU64>) -> Option<()> {
    let http = HttpRequest::read(&mut client).await.ok()??;
    let request: serde_json::Value = serde_json::from_slice(&http.body).ok()?;
    let answer = if !request.is_array() && too_wide(&request) {
        refused.fetch_add(1, Ordering::Relaxed);
        serde_json::to_vec(&refusal(&request["id"])).ok()?
    } else {
        assert!(
            request.as_array().is_none_or(|calls| !calls.iter().any(too_wide)),
            "a wide eth_getLogs inside a batch: {request}"
        );
        let mut node = TcpStream::connect(&upstream).await.ok()?;
        node.write_all(&http.forwardable()).await.ok()?;
        let mut raw = Vec::new();
        node.read_to_end(&mut raw).await.ok()?;
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        raw[split..].to_vec()
    };
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        answer.len()
    );
    client.write_all(response.as_bytes()).await.ok()?;
    client.write_all(&answer).await.ok()?;
    client.shutdown().await.ok()
}

/// Starts the capped proxy in front of `upstream` (`http://host:port`); returns its URL and the
/// count of refusals.
async fn capped_proxy(upstream: &str) -> (String, Arc<AtomicU64>) {
    let upstream = upstream.trim_start_matches("http://").to_string();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let refused = Arc::new(AtomicU64::new(0));
    let count = refused.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve(sock, upstream.clone(), count.clone()));
        }
    });
    (url, refused)
}

#[tokio::test]
async fn a_provider_that_caps_log_ranges_gets_split_requests_and_the_same_index() {
    let f = Fixture::new().await;
    history(&f).await;
    let dir = tempfile::tempdir().unwrap();
    let (direct, _) = sync(&f, &dir.path().join("direct.sqlite")).await;

    let (url, refused) = capped_proxy(&f.node.endpoint()).await;
    let capped = Connection::connect(&url, None).await.unwrap();
    // The default first range (10,000 blocks) is far wider than the cap.
    let (db, report) = wbx_audit::sync(
        capped.provider(),
        open(&f, &dir.path().join("capped.sqlite")),
        &SyncOptions::default(),
        None,
    )
    .await
    .unwrap();
    assert!(refused.load(Ordering::Relaxed) > 0, "the proxy never refused a range");
    assert!(report.rows > 0, "{report:?}");
    assert_eq!(db.dump().unwrap(), direct.dump().unwrap());
}
