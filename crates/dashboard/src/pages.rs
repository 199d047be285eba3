//! The pages: server-rendered HTML over the same data as the JSON API, with one small script
//! (`/assets/app.js`) for sign-in and the live stream. No inline script or style, so the Content
//! Security Policy allows only this server's own files.

use crate::{
    auth::SessionInfo,
    error::Refusal,
    live::{Alert, HeldGrant, Snapshot},
    server::{self, AppState, TimelineQuery, TxQuery, WhoQuery, signed_in},
};
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use std::{fmt::Write, sync::Arc};
use wbx_audit::{
    html::{bucket_section, esc, grants_chart, utc, volume_section},
    reports::{AccessReport, Movement, WhoReport},
};

/// `12m 30s`, `1h 5m`.
fn left(s: u64) -> String {
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        _ => format!("{}h {}m", s / 3600, (s % 3600) / 60),
    }
}

fn layout(title: &str, who: Option<&SessionInfo>, snap: Option<&Snapshot>, body: &str) -> String {
    let nav = [
        ("/", "Overview"),
        ("/access", "Access"),
        ("/transactions", "Transactions"),
        ("/anomalies", "Anomalies"),
    ];
    let mut out = String::with_capacity(body.len() + 2048);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} · WBX audit</title>\
         <link rel=\"stylesheet\" href=\"/assets/style.css\"><script src=\"/assets/app.js\" defer></script></head><body>\
         <header><strong>WBX audit</strong><nav>",
        t = esc(title)
    );
    if who.is_some() {
        for (href, name) in nav {
            let cls = if name == title { " class=\"here\"" } else { "" };
            let _ = write!(out, "<a href=\"{href}\"{cls}>{name}</a>");
        }
    }
    out.push_str("</nav>");
    if let Some(w) = who {
        let grant = match w.grant_expires_at {
            Some(e) => format!("{} grant until {}", w.role, utc(e)),
            None => format!("{} (top admin)", w.role),
        };
        let _ = write!(
            out,
            "<span id=\"who\">signed in as <code>{}</code>, {grant}</span>\
             <button id=\"sign-out\" type=\"button\">Sign out</button>",
            w.address
        );
    }
    if let Some(s) = snap {
        let _ = write!(
            out,
            "<span class=\"head\">block <span id=\"live-block\">{}</span> · <span id=\"live-status\">connecting…</span></span>",
            s.overview.indexed_block
        );
    }
    let _ = write!(out, "</header><main><h1>{}</h1>\n{body}</main></body></html>\n", esc(title));
    out
}

/// A page, or the sign-in page saying why not.
async fn guard(s: &AppState, headers: &HeaderMap) -> Result<SessionInfo, Response> {
    signed_in(s, headers).await.map_err(|why| {
        let status = match why {
            Refusal::NoGrant(_) => StatusCode::FORBIDDEN,
            Refusal::ChainUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        };
        let reason = match why {
            Refusal::NoSession => None,
            other => Some(other.to_string()),
        };
        (status, Html(login_page(reason.as_deref()))).into_response()
    })
}

fn indexing(who: &SessionInfo, title: &str) -> Response {
    let body = "<p id=\"indexing\">The first sync of the index is still running; this page fills in when it is done.</p>";
    (StatusCode::SERVICE_UNAVAILABLE, Html(layout(title, Some(who), None, body))).into_response()
}

fn login_page(reason: Option<&str>) -> String {
    let mut body = String::new();
    if let Some(r) = reason {
        let _ = write!(body, "<p id=\"reason\" class=\"error\">{}</p>", esc(r));
    }
    body.push_str(
        "<p>This dashboard is open to holders of an active <b>Auditor</b> or <b>Admin</b> grant of this \
         deployment. Sign in with your wallet: it signs a Sign-In with Ethereum message (EIP-4361), \
         and the grant is then checked on chain, at sign-in and at every request after it.</p>\
         <p><button id=\"sign-in\" type=\"button\">Sign in with Ethereum</button></p>\
         <p id=\"status\"></p>\
         <p class=\"meta\">From a script: <code>wbx audit login URL --account NAME</code> prints a bearer token for the JSON API.</p>",
    );
    layout("Sign in", None, None, &body)
}

/// `GET /login`: the sign-in page, with the reason a session ended when the browser's cookie names
/// one that did.
pub(crate) async fn login(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Html<String> {
    let reason = server::token(&headers).and_then(|t| s.auth.ended(&t));
    Html(login_page(reason.as_deref()))
}

fn movement_rows(out: &mut String, list: &[Movement]) {
    for m in list {
        let _ = writeln!(
            out,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            m.block,
            utc(m.time),
            format!("{:?}", m.kind).to_lowercase(),
            m.from,
            m.to,
            m.amount,
            m.eth.map_or(String::new(), |e| e.to_string()),
            m.bucket.map_or(String::new(), |b| b.to_string()),
        );
    }
}

fn movement_table(out: &mut String, id: &str, list: &[Movement]) {
    let _ = writeln!(
        out,
        "<table id=\"{id}\"><thead><tr><th>block</th><th>time</th><th>kind</th><th>from</th><th>to</th><th>WBX</th><th>ETH</th><th>bucket</th></tr></thead><tbody>"
    );
    movement_rows(out, list);
    out.push_str("</tbody></table>\n");
}

fn alert_table(out: &mut String, list: &[Alert]) {
    out.push_str("<table id=\"anomalies\"><thead><tr><th>time</th><th>block</th><th>kind</th><th>detail</th></tr></thead><tbody>\n");
    for a in list.iter().rev() {
        let _ = writeln!(
            out,
            "<tr data-id=\"{}\"><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.id),
            utc(a.anomaly.time),
            a.anomaly.block.map_or("-".into(), |b| b.to_string()),
            a.anomaly.kind.name(),
            esc(&a.anomaly.detail)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// `GET /`: supply, buckets, pools, pause state, the charts and the newest movements (live).
pub(crate) async fn overview(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let who = match guard(&s, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(snap) = s.live.current() else { return indexing(&who, "Overview") };
    let o = &snap.overview;
    let yes_no = |v: Option<bool>, yes: &str, no: &str| match v {
        Some(true) => yes.to_string(),
        Some(false) => no.to_string(),
        None => "unknown (the node did not answer)".into(),
    };
    let mut b = String::new();
    let _ = write!(
        b,
        "<section class=\"cards\">\
         <div class=\"card\"><div class=\"label\">indexed to block</div><div class=\"big\" id=\"indexed-block\">{}</div><div>{}</div></div>\
         <div class=\"card\"><div class=\"label\">total supply (chain)</div><div class=\"big\">{} WBX</div><div>issued {} WBX · released {} WBX</div></div>\
         <div class=\"card\"><div class=\"label\">token</div><div class=\"big\" id=\"token-paused\">{}</div><div><code>{}</code></div></div>\
         <div class=\"card\"><div class=\"label\">anomalies</div><div class=\"big\" id=\"anomaly-count\">{}</div><div><a href=\"/anomalies\">see all</a></div></div>\
         </section>",
        o.indexed_block,
        utc(o.indexed_time),
        o.total_supply.map_or("?".into(), |a| a.to_string()),
        o.issued,
        o.released,
        yes_no(o.paused, "paused", "not paused"),
        o.token,
        o.anomalies,
    );
    let mut buckets = String::new();
    bucket_section(&mut buckets, &o.buckets);
    b.push_str(&buckets.replacen(
        "<h2>Buckets</h2>",
        "<h2>Buckets beside the policy shares</h2>",
        1,
    ));
    b.push_str("<h2>Pools</h2><table id=\"pools\"><thead><tr><th>pool</th><th>registered</th><th>since block</th><th>WBX reserve</th><th>ETH reserve</th><th>fee</th><th>paused</th></tr></thead><tbody>");
    for p in &o.pools {
        let state = o.pool.as_ref().filter(|q| q.address == p.address);
        let _ = write!(
            b,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            p.address,
            if p.registered { "yes" } else { "no" },
            p.block,
            state.map_or(String::new(), |q| format!("{} WBX", q.reserve_wbx)),
            state.map_or(String::new(), |q| format!("{} ETH", q.reserve_eth)),
            state.map_or(String::new(), |q| format!("{}.{:02}%", q.fee_bps / 100, q.fee_bps % 100)),
            state.map_or(String::new(), |q| if q.paused { "paused".into() } else { "no".into() }),
        );
    }
    b.push_str("</tbody></table>");
    b.push_str(
        "<h2>Newest movements <small>(new ones appear as their block is indexed)</small></h2>",
    );
    movement_table(&mut b, "live-movements", &snap.recent);
    b.push_str("<h2>Active grants by role over time</h2>");
    b.push_str(&grants_chart(&snap.grants));
    let mut vol = String::new();
    volume_section(&mut vol, &snap.volume);
    b.push_str(&vol);
    Html(layout("Overview", Some(&who), Some(&snap), &b)).into_response()
}

fn held_table(out: &mut String, id: &str, list: &[HeldGrant]) {
    let _ = write!(
        out,
        "<table id=\"{id}\"><thead><tr><th>account</th><th>role</th><th>kind</th><th>status</th><th>expires</th><th>time left</th></tr></thead><tbody>"
    );
    for h in list {
        let _ = write!(
            out,
            "<tr><td><a href=\"/access?account={a}\"><code>{a}</code></a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&h.role),
            h.kind.map_or("-".into(), |k| k.to_string()),
            h.status,
            h.expires_at.map_or("permanent".into(), utc),
            h.seconds_left.map_or("-".into(), left),
            a = h.account,
        );
    }
    out.push_str("</tbody></table>");
}

fn timeline_section(out: &mut String, r: &AccessReport) {
    if r.timelines.is_empty() {
        out.push_str("<p id=\"timeline-empty\">No access events for this account.</p>");
    }
    for t in &r.timelines {
        let state = match t.expires_at {
            Some(e) if t.status == "active" => format!("active until {}", utc(e)),
            _ => t.status.to_string(),
        };
        let _ = write!(
            out,
            "<h3><code>{}</code> {}: {state}</h3><table class=\"timeline\"><thead><tr><th>time</th><th>block</th><th>event</th><th>by</th><th>kind</th><th>expires</th></tr></thead><tbody>",
            t.account,
            esc(&t.role)
        );
        for e in &t.entries {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                utc(e.time),
                e.block.map_or("-".into(), |b| b.to_string()),
                e.event,
                e.by.map_or("-".into(), |a| a.to_string()),
                e.kind.map_or("-".into(), |k| k.to_string()),
                match (e.event, e.expires_at) {
                    ("revoked", _) | (_, None) => "-".into(),
                    (_, Some(x)) => utc(x),
                }
            );
        }
        out.push_str("</tbody></table>");
    }
}

fn who_section(out: &mut String, r: &WhoReport) {
    let when = match r.block {
        Some(b) => format!("block {b} ({})", utc(r.time)),
        None => utc(r.time),
    };
    let _ = write!(
        out,
        "<p id=\"who-summary\">{} held {} at {when}</p>",
        r.holders.len(),
        esc(&r.role)
    );
    out.push_str("<table id=\"who-holders\"><thead><tr><th>account</th><th>kind</th><th>granted by</th><th>granted</th><th>expires</th><th>renewals</th></tr></thead><tbody>");
    for h in &r.holders {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            h.account,
            h.kind.map_or("permanent".into(), |k| k.to_string()),
            h.granted_by.map_or("-".into(), |a| a.to_string()),
            utc(h.granted_at),
            h.expires_at.map_or("-".into(), utc),
            h.renewals
        );
    }
    out.push_str("</tbody></table>");
}

/// Query of the access page: an account's timeline, and the who-held-ROLE-at-T form.
#[derive(serde::Deserialize, Default)]
pub(crate) struct AccessQuery {
    account: Option<String>,
    #[serde(flatten)]
    timeline: TimelineQuery,
    at: Option<String>,
    who_role: Option<String>,
}

fn error_note(out: &mut String, e: server::ApiErrorText) {
    let _ = write!(out, "<p class=\"error\">{}</p>", esc(&e.0));
}

/// `GET /access`: who holds which role now, what expires within 15 minutes, the registered pools,
/// an account's timeline, and who held a role at a moment.
pub(crate) async fn access(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<AccessQuery>,
) -> Response {
    let who = match guard(&s, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(snap) = s.live.current() else { return indexing(&who, "Access") };
    let a = &snap.access;
    let mut b = String::new();
    let _ = write!(
        b,
        "<p class=\"meta\">As of block {} ({}); times left are counted from that block's time.</p>\
         <h2>Expiring in the next 15 minutes ({})</h2>",
        a.head_block,
        utc(a.head_time),
        a.expiring.len()
    );
    if a.expiring.is_empty() {
        b.push_str("<p id=\"expiring-none\">No grant expires in the next 15 minutes.</p>");
    }
    held_table(&mut b, "expiring", &a.expiring);
    let _ = write!(b, "<h2>Who holds which role now ({})</h2>", a.holders.len());
    held_table(&mut b, "holders", &a.holders);
    b.push_str("<h2>Registered pools</h2><ul id=\"registered-pools\">");
    for p in a.pools.iter().filter(|p| p.registered) {
        let _ = write!(b, "<li><code>{}</code> since block {}</li>", p.address, p.block);
    }
    b.push_str("</ul>");

    let account = q.account.clone().unwrap_or_default();
    let _ = write!(
        b,
        "<h2>Access timeline of an account</h2><form method=\"get\" action=\"/access\" id=\"timeline-form\">\
         <input name=\"account\" placeholder=\"0x…\" size=\"44\" value=\"{}\"> <button type=\"submit\">Show timeline</button></form>",
        esc(&account)
    );
    if !account.trim().is_empty() {
        match server::parse_address(&account) {
            Ok(addr) => {
                let role = q.timeline.role.clone();
                let r = server::read(&s, move |db| {
                    let role = role
                        .as_deref()
                        .filter(|r| !r.is_empty())
                        .map(wbx_audit::reports::role_id)
                        .transpose()?;
                    wbx_audit::reports::access(db, Some(addr), role)
                })
                .await;
                match r {
                    Ok(r) => timeline_section(&mut b, &r),
                    Err(e) => error_note(&mut b, e.into()),
                }
            }
            Err(e) => error_note(&mut b, e.into()),
        }
    }

    let role = q.who_role.clone().unwrap_or_else(|| "auditor".into());
    let at = q.at.clone().unwrap_or_default();
    b.push_str("<h2>Who held a role at a moment</h2><form method=\"get\" action=\"/access\" id=\"who-form\"><select name=\"who_role\">");
    for r in ["admin", "trader", "auditor", "developer", "keeper", "top-admin"] {
        let sel = if r == role { " selected" } else { "" };
        let _ = write!(b, "<option{sel}>{r}</option>");
    }
    let _ = write!(
        b,
        "</select> at <input name=\"at\" placeholder=\"2026-11-24T10:00:00Z, unix seconds or block:N\" size=\"40\" value=\"{}\"> <button type=\"submit\">Ask</button></form>",
        esc(&at)
    );
    if !at.trim().is_empty() {
        match server::who(&s, &WhoQuery { role: Some(role), at: Some(at) }).await {
            Ok(r) => who_section(&mut b, &r),
            Err(e) => error_note(&mut b, e.into()),
        }
    }
    Html(layout("Access", Some(&who), Some(&snap), &b)).into_response()
}

/// `GET /transactions`: the filters of `wbx audit transactions`, the newest matches, CSV export.
pub(crate) async fn transactions(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<TxQuery>,
    raw: axum::extract::RawQuery,
) -> Response {
    let who = match guard(&s, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(snap) = s.live.current() else { return indexing(&who, "Transactions") };
    let v = |o: &Option<String>| esc(o.as_deref().unwrap_or_default());
    let mut b = String::new();
    let _ = write!(
        b,
        "<form method=\"get\" action=\"/transactions\" id=\"tx-form\" class=\"filters\">\
         <label>kind <input name=\"kind\" value=\"{}\" placeholder=\"transfer,swap\"></label>\
         <label>account <input name=\"account\" value=\"{}\" placeholder=\"0x…\" size=\"44\"></label>\
         <label>bucket <input name=\"bucket\" value=\"{}\" placeholder=\"community-rewards\"></label>\
         <label>from block <input name=\"fromBlock\" value=\"{}\" size=\"8\"></label>\
         <label>to block <input name=\"toBlock\" value=\"{}\" size=\"8\"></label>\
         <label>since <input name=\"since\" value=\"{}\" placeholder=\"RFC 3339 or unix\"></label>\
         <label>until <input name=\"until\" value=\"{}\" placeholder=\"RFC 3339 or unix\"></label>\
         <label>min WBX <input name=\"minAmount\" value=\"{}\" size=\"10\"></label>\
         <button type=\"submit\">Filter</button></form>",
        v(&q.kind),
        v(&q.account),
        v(&q.bucket),
        v(&q.from_block),
        v(&q.to_block),
        v(&q.since),
        v(&q.until),
        v(&q.min_amount),
    );
    let query = raw.0.unwrap_or_default();
    let _ = write!(
        b,
        "<p><a id=\"csv\" href=\"/api/transactions.csv?{}\" download>Download CSV</a> (every match, oldest first, the columns of <code>wbx audit transactions --format csv</code>)</p>",
        esc(&query)
    );
    match server::tx_page(&s, &q).await {
        Ok(page) => {
            let filtered = !query.is_empty();
            let _ = write!(
                b,
                "<p class=\"meta\">The newest {} matches, newest first{}.</p>",
                page.limit,
                if filtered { "" } else { "; new movements appear as their block is indexed" }
            );
            let id = if filtered { "movements" } else { "live-movements" };
            movement_table(&mut b, id, &page.movements);
        }
        Err(e) => error_note(&mut b, e.into()),
    }
    Html(layout("Transactions", Some(&who), Some(&snap), &b)).into_response()
}

/// `GET /anomalies`: every anomaly, newest first; new ones appear as their block is indexed.
pub(crate) async fn anomalies(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let who = match guard(&s, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(snap) = s.live.current() else { return indexing(&who, "Anomalies") };
    let mut b = String::new();
    let _ = write!(
        b,
        "<p class=\"meta\"><span id=\"anomaly-count\">{}</span> anomalies: large transfers, grant bursts, admin changes, pauses, late renewals, lapses of active holders. New ones appear at the top as their block is indexed.</p>",
        snap.anomalies.len()
    );
    alert_table(&mut b, &snap.anomalies);
    Html(layout("Anomalies", Some(&who), Some(&snap), &b)).into_response()
}

/// The one script: sign-in with the browser's wallet, sign-out, and the live stream.
pub(crate) async fn app_js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("assets/app.js"))
}

/// The style sheet.
pub(crate) async fn style_css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("assets/style.css"))
}
