//! The dashboard as a person uses it, in headless Chromium (Debian's package) driven through the
//! DevTools protocol (chromiumoxide). Each page gets an injected EIP-1193 provider, as a wallet
//! extension would inject one, that forwards the page's wallet requests to anvil, which signs
//! `personal_sign` for its unlocked dev accounts. A Trader is refused; the auditor signs in, sees
//! the grants expiring within 15 minutes, watches a transfer appear without a reload, and is
//! signed out when anvil's clock passes the grant's expiry. Screenshots are kept under
//! `target/dashboard-screenshots/`.

use crate::support::Env;
use chromiumoxide::{
    Browser, BrowserConfig, Page, cdp::browser_protocol::page::SetBypassCspParams,
    page::ScreenshotParams,
};
use futures::StreamExt;
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};
use wbx_sdk::Amount;
use wbx_testing::{address, who, workspace_root};

const CHROMIUM: &str = "/usr/bin/chromium";

/// The wallet a page finds as `window.ethereum`: accounts are `account`; everything else (the
/// signature request) goes to anvil.
fn provider_script(rpc: &str, account: &str) -> String {
    format!(
        r#"(() => {{
  let id = 0;
  const call = async (method, params) => {{
    const r = await fetch({rpc:?}, {{ method: 'POST', headers: {{ 'content-type': 'application/json' }},
      body: JSON.stringify({{ jsonrpc: '2.0', id: ++id, method, params }}) }});
    const j = await r.json();
    if (j.error) throw new Error(j.error.message);
    return j.result;
  }};
  window.ethereum = {{
    isWbxTestWallet: true,
    request: async ({{ method, params }}) => {{
      if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [{account:?}];
      return call(method, params || []);
    }},
  }};
}})();"#
    )
}

struct Chromium {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

async fn chromium() -> Chromium {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run scripts/test (which installs it) or `apt-get install chromium`"
    );
    let profile = tempfile::tempdir().unwrap();
    let config = BrowserConfig::builder()
        .chrome_executable(CHROMIUM)
        .new_headless_mode()
        .no_sandbox()
        .window_size(1280, 1000)
        .viewport(None)
        .user_data_dir(profile.path())
        .launch_timeout(Duration::from_secs(60))
        .request_timeout(Duration::from_secs(60))
        .args(["--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run"])
        .build()
        .unwrap();
    let (browser, mut events) = Browser::launch(config).await.expect("launch chromium");
    // The protocol's event loop; an event this crate does not know is not fatal.
    let handler = tokio::spawn(async move { while events.next().await.is_some() {} });
    Chromium { browser, handler, _profile: profile }
}

/// A page with the test wallet of dev account `n`.
async fn page_as(c: &Chromium, env: &Env, n: u32) -> Page {
    let page = c.browser.new_page("about:blank").await.unwrap();
    // The dashboard's CSP allows only its own origin; the test wallet talks to anvil from the
    // page, which a real wallet does from its extension, so the test lifts the policy.
    page.execute(SetBypassCspParams::new(true)).await.unwrap();
    page.evaluate_on_new_document(provider_script(&env.f.node.endpoint(), &address(n).to_string()))
        .await
        .unwrap();
    page
}

async fn eval_bool(page: &Page, js: &str) -> bool {
    match page.evaluate(js).await {
        Ok(v) => v.into_value::<bool>().unwrap_or(false),
        Err(_) => false, // navigating
    }
}

async fn text(page: &Page, selector: &str) -> String {
    let js = format!("(document.querySelector({selector:?}) || {{}}).textContent || ''");
    page.evaluate(js.as_str())
        .await
        .ok()
        .and_then(|v| v.into_value::<String>().ok())
        .unwrap_or_default()
}

/// Waits until `js` is true in the page; panics with `what` and the page's text after 30 s.
async fn wait_page(page: &Page, what: &str, js: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !eval_bool(page, js).await {
        if Instant::now() > deadline {
            let body = text(page, "body").await;
            panic!("timed out waiting for {what}; the page says:\n{body}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn shots() -> PathBuf {
    let dir = workspace_root().join("target/dashboard-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(page: &Page, name: &str) -> PathBuf {
    let path = shots().join(name);
    page.save_screenshot(ScreenshotParams::builder().full_page(true).build(), &path).await.unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let info = decoder.read_info().unwrap().info().clone();
    assert!(info.width >= 1000 && info.height >= 400, "{name}: {}x{}", info.width, info.height);
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auditor_uses_the_dashboard_in_chromium() {
    let env = Env::new().await;
    // 20 of the Standard grants' 30 minutes pass: they are all expiring within 15 minutes.
    env.f.advance(20 * 60).await;
    env.caught_up().await;
    let c = chromium().await;

    // A Trader is refused, in the CLI's words.
    let trader = page_as(&c, &env, who::TRADER).await;
    trader.goto(env.url("/login")).await.unwrap();
    trader.find_element("#sign-in").await.unwrap().click().await.unwrap();
    wait_page(&trader, "the trader's refusal", "document.querySelector('#status.error') !== null")
        .await;
    let refusal = text(&trader, "#status").await;
    assert_eq!(
        refusal,
        format!(
            "{} does not hold the auditor role: ask an admin to grant it",
            address(who::TRADER)
        )
    );
    shot(&trader, "trader-refused.png").await;
    let _ = trader.close().await;

    // The auditor signs in with the wallet and lands on the overview.
    let page = page_as(&c, &env, who::AUDITOR).await;
    page.goto(env.url("/login")).await.unwrap();
    page.find_element("#sign-in").await.unwrap().click().await.unwrap();
    wait_page(
        &page,
        "the overview after sign-in",
        "document.getElementById('indexed-block') !== null",
    )
    .await;
    let who_text = text(&page, "#who").await;
    assert!(
        who_text.contains(&address(who::AUDITOR).to_string())
            && who_text.contains("auditor grant until"),
        "{who_text}"
    );
    let body = text(&page, "main").await;
    for want in [
        "Platform Development",
        "Community Rewards",
        "Buckets beside the policy shares",
        "Pools",
        "Active grants by role over time",
    ] {
        assert!(body.contains(want), "the overview lacks {want:?}");
    }
    // The session cookie is HttpOnly: the page's script cannot read it.
    assert!(!eval_bool(&page, "document.cookie.includes('wbx_session')").await);

    // Access: the grants that expire within 15 minutes.
    page.goto(env.url("/access")).await.unwrap();
    wait_page(&page, "the access page", "document.getElementById('expiring') !== null").await;
    let expiring = text(&page, "#expiring").await;
    for n in [who::TRADER, who::AUDITOR, who::DEVELOPER] {
        assert!(
            expiring.contains(&address(n).to_string()),
            "account {n} is not listed as expiring: {expiring}"
        );
    }
    assert!(
        !expiring.contains(&address(who::TRADER_EXT).to_string()),
        "the Extended grant has 40 minutes left"
    );
    shot(&page, "access.png").await;

    // A transfer appears on the overview without a reload.
    page.goto(env.url("/")).await.unwrap();
    wait_page(
        &page,
        "the live stream",
        "(document.getElementById('live-status')||{}).textContent === 'live'",
    )
    .await;
    let marker = "window.__sameDocument = true";
    page.evaluate(marker).await.unwrap();
    let t = env.f.as_account(who::TRADER).await;
    let sent = t.transfer(address(who::STRANGER), "7.25".parse::<Amount>().unwrap()).await.unwrap();
    wait_page(
        &page,
        "the new transfer in the live list",
        &format!(
            "Array.from(document.querySelectorAll('#live-movements tbody tr.new')).some(r => r.textContent.includes('7.25') && r.textContent.startsWith('{}'))",
            sent.block
        ),
    )
    .await;
    assert!(eval_bool(&page, "window.__sameDocument === true").await, "the page was reloaded");
    assert_eq!(text(&page, "#indexed-block").await, sent.block.to_string());
    shot(&page, "overview-live.png").await;
    std::fs::copy(shots().join("overview-live.png"), shots().join("dashboard.png")).unwrap();

    // Anvil's clock passes the auditor's expiry: the page leaves for the sign-in page, which says
    // why in the CLI's words.
    env.f.advance(11 * 60).await;
    wait_page(
        &page,
        "the sign-out",
        "location.pathname === '/login' && document.getElementById('reason') !== null",
    )
    .await;
    let reason = text(&page, "#reason").await;
    let expected =
        format!("signed out: the auditor grant of {} expired at ", address(who::AUDITOR));
    assert!(
        reason.starts_with(&expected) && reason.ends_with(": ask an admin to grant it again"),
        "{reason}"
    );
    shot(&page, "signed-out.png").await;

    let Chromium { mut browser, handler, _profile } = c;
    let _ = browser.close().await;
    let _ = browser.wait().await;
    handler.abort();
}
