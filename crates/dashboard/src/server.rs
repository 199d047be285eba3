//! The HTTP server: routes, the session check in front of every page and API call, the JSON API,
//! CSV export and the live event stream (server-sent events).

use crate::{
    auth::{Auth, SessionInfo},
    error::{Error, ErrorBody, Refusal, Result},
    live::{Live, LiveEvent, SyncLoop},
    pages,
    webhook::{Webhook, WebhookConfig},
};
use alloy::primitives::Address;
use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::{get, post},
};
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use tokio::{
    sync::{broadcast, watch},
    task::JoinHandle,
};
use tower_http::set_header::SetResponseHeaderLayer;
use wbx_audit::{
    anomalies::AnomalyOptions,
    db::Scope,
    reports::{self, At, MovementKind, TxFilter},
};
use wbx_sdk::{Amount, Bucket, Wbx};

/// The session cookie's name.
pub const COOKIE: &str = "wbx_session";
/// Movements a transactions page or API call returns by default, and at most.
pub const DEFAULT_LIMIT: usize = 100;
/// The most a transactions call returns (CSV export has no limit).
pub const MAX_LIMIT: usize = 1000;

/// How the dashboard runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (default 127.0.0.1:8080).
    pub listen: SocketAddr,
    /// The URL people open, when it is not `http://<listen>` (behind a proxy). Its host and port
    /// are the domain sign-in messages must name.
    pub public_url: Option<String>,
    /// The audit index.
    pub db: PathBuf,
    /// How often the node's head is asked for.
    pub poll: Duration,
    /// Confirmations the sync waits for.
    pub confirmations: u64,
    /// Anomaly thresholds.
    pub anomalies: AnomalyOptions,
    /// Where to post anomalies, if anywhere.
    pub webhook: Option<WebhookConfig>,
    /// The longest a session lives, whatever the grant.
    pub session_ttl: Duration,
    /// How long a sign-in message stays valid.
    pub message_ttl: Duration,
}

impl Config {
    /// Defaults for the index at `db`.
    pub fn new(db: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            db,
            poll: Duration::from_millis(250),
            confirmations: 0,
            anomalies: AnomalyOptions::default(),
            webhook: None,
            session_ttl: Duration::from_secs(8 * 3600),
            message_ttl: Duration::from_secs(10 * 60),
        }
    }
}

/// State every handler shares.
pub(crate) struct AppState {
    pub(crate) auth: Auth,
    pub(crate) live: Arc<Live>,
    pub(crate) wbx: Wbx,
    pub(crate) stop: watch::Receiver<bool>,
}

/// A running dashboard.
pub struct Dashboard {
    addr: SocketAddr,
    origin: String,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    state: Arc<AppState>,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard").field("addr", &self.addr).field("origin", &self.origin).finish()
    }
}

/// Starts the dashboard over the deployment `wbx` reads: binds, starts the background sync (and
/// the webhook), and serves until [`Dashboard::stop`].
pub async fn start(wbx: Wbx, config: Config) -> Result<Dashboard> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| Error::Bind { addr: config.listen, source })?;
    let addr =
        listener.local_addr().map_err(|source| Error::Bind { addr: config.listen, source })?;
    let origin = match &config.public_url {
        Some(u) => {
            let u = u.trim_end_matches('/').to_string();
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(Error::Config(format!(
                    "--public-url {u} is not an http(s) URL such as https://audit.example.org"
                )));
            }
            u
        }
        None => format!("http://{addr}"),
    };
    let scope = Scope::of(wbx.deployment());
    // Opening once here reports a wrong or newer index before anything is served.
    drop(wbx_audit::Db::open(&config.db, &scope)?);
    let (stop, stop_rx) = watch::channel(false);
    let live = Arc::new(Live::new(config.db.clone()));
    let auth = Auth::new(&origin, wbx.clone(), config.session_ttl, config.message_ttl);
    let state =
        Arc::new(AppState { auth, live: live.clone(), wbx: wbx.clone(), stop: stop_rx.clone() });

    let mut tasks = Vec::new();
    let sync = SyncLoop {
        path: config.db.clone(),
        scope: scope.clone(),
        poll: config.poll,
        confirmations: config.confirmations,
        anomalies: config.anomalies.clone(),
    };
    tasks.push(tokio::spawn(sync.run(wbx.clone(), live.clone(), stop_rx.clone())));
    if let Some(hook) = config.webhook.clone() {
        let hook = Webhook::new(hook, scope.chain_id, scope.token, &origin)?;
        tasks.push(tokio::spawn(hook.run(live.snapshot.subscribe(), stop_rx.clone())));
    }
    let app = router(state.clone());
    let mut shutdown = stop_rx.clone();
    tasks.push(tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|s| *s).await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "the dashboard server stopped");
        }
    }));
    tracing::info!(%origin, "dashboard listening");
    Ok(Dashboard { addr, origin, stop, tasks, state })
}

impl Dashboard {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to open (and the one sign-in messages name).
    pub fn url(&self) -> &str {
        &self.origin
    }

    /// Waits until the first sync is done and the pages have data, up to `timeout`.
    pub async fn ready(&self, timeout: Duration) -> bool {
        let mut rx = self.state.live.snapshot.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|s| s.is_some())).await.is_ok_and(|r| r.is_ok())
    }

    /// The last indexed block, once the first sync is done.
    pub fn indexed_block(&self) -> Option<u64> {
        self.state.live.current().map(|s| s.overview.indexed_block)
    }

    /// Stops serving (open live streams end), the sync and the webhook, and waits for them.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

fn router(state: Arc<AppState>) -> Router {
    let csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
               connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    Router::new()
        .route("/", get(pages::overview))
        .route("/access", get(pages::access))
        .route("/transactions", get(pages::transactions))
        .route("/anomalies", get(pages::anomalies))
        .route("/login", get(pages::login))
        .route("/assets/app.js", get(pages::app_js))
        .route("/assets/style.css", get(pages::style_css))
        .route("/health", get(health))
        .route("/api/auth/nonce", get(nonce))
        .route("/api/auth/verify", post(verify))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/session", get(session_info))
        .route("/api/overview", get(api_overview))
        .route("/api/access", get(api_access))
        .route("/api/access/{account}", get(api_timeline))
        .route("/api/who", get(api_who))
        .route("/api/transactions", get(api_transactions))
        .route("/api/transactions.csv", get(api_transactions_csv))
        .route("/api/anomalies", get(api_anomalies))
        .route("/api/events", get(api_events))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}

/// The session token of a request: a bearer token, else the session cookie.
pub(crate) fn token(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer "))
    {
        return Some(t.trim().to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(&format!("{COOKIE}=")).map(str::to_string))
}

/// The request's session, checked against the chain now.
pub(crate) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<SessionInfo, Refusal> {
    let Some(token) = token(headers) else { return Err(Refusal::NoSession) };
    state.auth.check(&token).await
}

/// An error answer of the JSON API.
pub(crate) struct ApiError(StatusCode, ErrorBody);

impl ApiError {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self(
            StatusCode::BAD_REQUEST,
            ErrorBody { error: "bad-request".into(), message: message.into() },
        )
    }

    fn indexing() -> Self {
        Self(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorBody {
                error: "indexing".into(),
                message: "the first sync of the index is still running: try again shortly".into(),
            },
        )
    }

    fn internal(e: impl std::fmt::Display) -> Self {
        Self(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorBody { error: "internal".into(), message: e.to_string() },
        )
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        let status = match r {
            Refusal::NoGrant(_) => StatusCode::FORBIDDEN,
            Refusal::ChainUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        };
        Self(status, r.body())
    }
}

impl From<wbx_audit::Error> for ApiError {
    fn from(e: wbx_audit::Error) -> Self {
        match e {
            wbx_audit::Error::Input(m) => Self::bad_request(m),
            e => Self::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

type ApiResult<T> = std::result::Result<T, ApiError>;

async fn health(State(s): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let block = s.live.current().map(|snap| snap.overview.indexed_block);
    Json(serde_json::json!({ "ready": block.is_some(), "indexedBlock": block }))
}

#[derive(Deserialize)]
struct NonceQuery {
    address: String,
}

async fn nonce(
    State(s): State<Arc<AppState>>,
    Query(q): Query<NonceQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let address: Address = q.address.parse().map_err(|_| {
        ApiError::bad_request(format!("{:?} is not an address (0x and 40 hex digits)", q.address))
    })?;
    let message = s.auth.challenge(address);
    Ok(Json(serde_json::json!({
        "message": message,
        "domain": s.auth.domain(),
        "uri": s.auth.origin(),
        "chainId": s.wbx.connection().chain_id(),
    })))
}

#[derive(Deserialize)]
struct VerifyBody {
    message: String,
    signature: String,
}

fn session_cookie(token: &str, max_age: u64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"
    ))
    .expect("a token is hex")
}

async fn verify(
    State(s): State<Arc<AppState>>,
    Json(body): Json<VerifyBody>,
) -> ApiResult<Response> {
    let (token, info) = s.auth.sign_in(&body.message, &body.signature).await?;
    let max_age = info.session_expires_at.saturating_sub(crate::auth::unix_now());
    let mut resp = Json(serde_json::json!({ "token": token, "session": info })).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&token, max_age));
    Ok(resp)
}

async fn logout(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(t) = token(&headers) {
        s.auth.sign_out(&t);
    }
    let mut resp = Json(serde_json::json!({ "signedOut": true })).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie("", 0));
    resp
}

async fn session_info(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
) -> ApiResult<Json<SessionInfo>> {
    Ok(Json(signed_in(&s, &headers).await?))
}

fn snapshot(s: &AppState) -> ApiResult<Arc<crate::live::Snapshot>> {
    s.live.current().ok_or_else(ApiError::indexing)
}

async fn api_overview(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
) -> ApiResult<Json<crate::live::Overview>> {
    signed_in(&s, &headers).await?;
    Ok(Json(snapshot(&s)?.overview.clone()))
}

async fn api_access(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
) -> ApiResult<Json<crate::live::AccessNow>> {
    signed_in(&s, &headers).await?;
    Ok(Json(snapshot(&s)?.access.clone()))
}

/// Runs a read of the index off the async threads.
pub(crate) async fn read<T: Send + 'static>(
    s: &Arc<AppState>,
    f: impl FnOnce(&wbx_audit::Db) -> wbx_audit::Result<T> + Send + 'static,
) -> ApiResult<T> {
    snapshot(s)?;
    let s = s.clone();
    Ok(tokio::task::spawn_blocking(move || s.live.reads.with(f))
        .await
        .map_err(ApiError::internal)??)
}

#[derive(Deserialize, Default)]
pub(crate) struct TimelineQuery {
    pub(crate) role: Option<String>,
}

pub(crate) fn parse_address(s: &str) -> ApiResult<Address> {
    s.trim().parse().map_err(|_| {
        ApiError::bad_request(format!("{s:?} is not an address (0x and 40 hex digits)"))
    })
}

async fn api_timeline(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(account): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> ApiResult<Json<reports::AccessReport>> {
    signed_in(&s, &headers).await?;
    let account = parse_address(&account)?;
    let role = q.role.as_deref().filter(|r| !r.is_empty()).map(reports::role_id).transpose()?;
    Ok(Json(read(&s, move |db| reports::access(db, Some(account), role)).await?))
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct WhoQuery {
    pub(crate) role: Option<String>,
    pub(crate) at: Option<String>,
}

/// Parses RFC 3339, unix seconds, or `block:N` (as `wbx audit who --at`).
pub(crate) fn parse_at(s: &str) -> ApiResult<At> {
    let s = s.trim();
    if let Some(n) = s.strip_prefix("block:") {
        return n.parse().map(At::Block).map_err(|_| {
            ApiError::bad_request(format!("{s:?} is not a block: write block:N, e.g. block:120"))
        });
    }
    parse_time(s).map(At::Time)
}

pub(crate) fn parse_time(s: &str) -> ApiResult<u64> {
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    // A browser's datetime-local field sends 2026-11-24T10:00 (read as UTC).
    let with_zone = if s.len() == 16 { format!("{s}:00Z") } else { s.to_string() };
    chrono::DateTime::parse_from_rfc3339(&with_zone)
        .map(|d| d.timestamp().max(0) as u64)
        .map_err(|_| {
            ApiError::bad_request(format!(
                "{s:?} is not a time: give RFC 3339 (2026-11-24T10:00:00Z), unix seconds, or block:N"
            ))
        })
}

pub(crate) async fn who(s: &Arc<AppState>, q: &WhoQuery) -> ApiResult<reports::WhoReport> {
    let role = reports::role_id(q.role.as_deref().unwrap_or_default())?;
    let at = parse_at(q.at.as_deref().unwrap_or_default())?;
    // A block without events is not in the index: its time comes from the node, as in the CLI.
    let block_time = match at {
        At::Block(b) => {
            let known = read(s, move |db| db.block_time(b)).await?;
            match known {
                Some(t) => Some(t),
                None => {
                    use alloy::providers::Provider;
                    let block = s
                        .wbx
                        .provider()
                        .get_block_by_number(b.into())
                        .await
                        .map_err(ApiError::internal)?
                        .ok_or_else(|| {
                            ApiError::bad_request(format!("the node has no block {b}"))
                        })?;
                    Some(block.header.timestamp)
                }
            }
        }
        At::Time(_) => None,
    };
    read(s, move |db| reports::who(db, role, at, block_time)).await
}

async fn api_who(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<WhoQuery>,
) -> ApiResult<Json<reports::WhoReport>> {
    signed_in(&s, &headers).await?;
    Ok(Json(who(&s, &q).await?))
}

/// The filters of `wbx audit transactions`, as query parameters.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TxQuery {
    /// Comma-separated kinds: issuance, allocation, transfer, swap.
    pub(crate) kind: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) bucket: Option<String>,
    pub(crate) from_block: Option<String>,
    pub(crate) to_block: Option<String>,
    pub(crate) since: Option<String>,
    pub(crate) until: Option<String>,
    pub(crate) min_amount: Option<String>,
    pub(crate) limit: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl TxQuery {
    pub(crate) fn filter(&self) -> ApiResult<TxFilter> {
        let kinds = match given(&self.kind) {
            None => Vec::new(),
            Some(k) => k
                .split(',')
                .map(|k| match k.trim() {
                    "issuance" => Ok(MovementKind::Issuance),
                    "allocation" => Ok(MovementKind::Allocation),
                    "transfer" => Ok(MovementKind::Transfer),
                    "swap" => Ok(MovementKind::Swap),
                    other => Err(ApiError::bad_request(format!(
                        "{other:?} is not a kind: use issuance, allocation, transfer or swap"
                    ))),
                })
                .collect::<ApiResult<_>>()?,
        };
        let block = |v: &Option<String>, name: &str| -> ApiResult<Option<u64>> {
            given(v)
                .map(|b| {
                    b.parse().map_err(|_| {
                        ApiError::bad_request(format!("{name} {b:?} is not a block number"))
                    })
                })
                .transpose()
        };
        Ok(TxFilter {
            kinds,
            account: given(&self.account).map(parse_address).transpose()?,
            bucket: given(&self.bucket)
                .map(|b| b.parse::<Bucket>().map_err(|e| ApiError::bad_request(e.to_string())))
                .transpose()?,
            from_block: block(&self.from_block, "fromBlock")?,
            to_block: block(&self.to_block, "toBlock")?,
            from_time: given(&self.since).map(parse_time).transpose()?,
            to_time: given(&self.until).map(parse_time).transpose()?,
            min_amount: given(&self.min_amount)
                .map(|a| {
                    a.parse::<Amount>()
                        .map(Amount::raw)
                        .map_err(|e| ApiError::bad_request(format!("minAmount: {e}")))
                })
                .transpose()?,
        })
    }

    pub(crate) fn limit(&self) -> ApiResult<usize> {
        match given(&self.limit) {
            None => Ok(DEFAULT_LIMIT),
            Some(l) => match l.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
                _ => Err(ApiError::bad_request(format!(
                    "limit {l:?} must be a number from 1 to {MAX_LIMIT} (the CSV export has no limit)"
                ))),
            },
        }
    }
}

/// A page of movements: the newest first.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TxPage {
    pub(crate) limit: usize,
    pub(crate) movements: Vec<reports::Movement>,
}

pub(crate) async fn tx_page(s: &Arc<AppState>, q: &TxQuery) -> ApiResult<TxPage> {
    let (filter, limit) = (q.filter()?, q.limit()?);
    let movements = read(s, move |db| reports::recent_transactions(db, &filter, limit)).await?;
    Ok(TxPage { limit, movements })
}

async fn api_transactions(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<TxQuery>,
) -> ApiResult<Json<TxPage>> {
    signed_in(&s, &headers).await?;
    Ok(Json(tx_page(&s, &q).await?))
}

async fn api_transactions_csv(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<TxQuery>,
) -> ApiResult<Response> {
    signed_in(&s, &headers).await?;
    let filter = q.filter()?;
    let list = read(&s, move |db| reports::transactions(db, &filter)).await?;
    let mut out = String::with_capacity(64 + list.len() * 200);
    out.push_str(reports::CSV_HEADER);
    out.push('\n');
    for m in &list {
        out.push_str(&reports::csv_row(m));
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"wbx-transactions.csv\""),
        ],
        out,
    )
        .into_response())
}

async fn api_anomalies(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<crate::live::Alert>>> {
    signed_in(&s, &headers).await?;
    Ok(Json(snapshot(&s)?.anomalies.clone()))
}

/// Server-sent events: `block`, `movement` and `anomaly` as the index moves. The session is asked
/// about again at every block; when its grant has ended the stream says why in a `signed-out`
/// event and closes.
async fn api_events(State(s): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult<Response> {
    signed_in(&s, &headers).await?;
    let token = token(&headers).unwrap_or_default();
    let rx = s.live.events.subscribe();
    let stop = s.stop.clone();
    struct St {
        s: Arc<AppState>,
        rx: broadcast::Receiver<Arc<LiveEvent>>,
        stop: watch::Receiver<bool>,
        token: String,
        done: bool,
    }
    let init = St { s, rx, stop, token, done: false };
    let stream = futures::stream::unfold(init, |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            let ev = tokio::select! {
                ev = st.rx.recv() => ev,
                _ = st.stop.wait_for(|s| *s) => return None,
            };
            let ev = match ev {
                Ok(ev) => ev,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            if let LiveEvent::Block { .. } = &*ev
                && let Err(why) = st.s.auth.check(&st.token).await
                && !matches!(why, Refusal::ChainUnavailable(_))
            {
                st.done = true;
                let body = serde_json::to_string(&why.body()).expect("serialisable");
                return Some((
                    Ok::<_, std::convert::Infallible>(
                        Event::default().event("signed-out").data(body),
                    ),
                    st,
                ));
            }
            let name = match &*ev {
                LiveEvent::Block { .. } => "block",
                LiveEvent::Movement(_) => "movement",
                LiveEvent::Anomaly(_) => "anomaly",
            };
            let data = serde_json::to_string(&*ev).expect("serialisable");
            return Some((Ok(Event::default().event(name).data(data)), st));
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// An API error's words, for a page that shows it in place.
pub(crate) struct ApiErrorText(pub(crate) String);

impl From<ApiError> for ApiErrorText {
    fn from(e: ApiError) -> Self {
        Self(e.1.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_come_from_a_bearer_header_or_the_cookie() {
        let mut h = HeaderMap::new();
        assert_eq!(token(&h), None);
        h.insert(header::COOKIE, HeaderValue::from_static("theme=dark; wbx_session=abc; x=1"));
        assert_eq!(token(&h).as_deref(), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer def"));
        assert_eq!(token(&h).as_deref(), Some("def"), "the bearer token wins");
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("not_wbx_session=zzz"));
        assert_eq!(token(&h), None);
    }

    #[test]
    fn moments_parse_as_the_cli_takes_them() {
        assert_eq!(parse_at("block:12").ok(), Some(At::Block(12)));
        assert_eq!(parse_at("1795000000").ok(), Some(At::Time(1_795_000_000)));
        assert_eq!(parse_at("2026-11-24T10:00:00Z").ok(), Some(At::Time(1_795_514_400)));
        // A browser's datetime-local field, read as UTC.
        assert_eq!(parse_at("2026-11-24T10:00").ok(), Some(At::Time(1_795_514_400)));
        assert!(parse_at("block:x").is_err() && parse_at("soon").is_err());
    }

    #[test]
    fn transaction_filters_parse_and_explain() {
        let q = TxQuery {
            kind: Some("transfer, swap".into()),
            min_amount: Some("1.5".into()),
            from_block: Some(" ".into()),
            ..TxQuery::default()
        };
        let f = q.filter().ok().unwrap();
        assert_eq!(f.kinds, vec![MovementKind::Transfer, MovementKind::Swap]);
        assert_eq!(f.min_amount, Some(Amount::parse_with_decimals("1.5", 18).unwrap().raw()));
        assert_eq!(f.from_block, None, "an empty form field is no filter");
        assert_eq!(q.limit().ok(), Some(DEFAULT_LIMIT));
        let bad = TxQuery { limit: Some("5000".into()), ..TxQuery::default() };
        assert!(bad.limit().is_err());
        let bad = TxQuery { bucket: Some("savings".into()), ..TxQuery::default() };
        assert!(bad.filter().is_err());
    }
}
