//! The HTML report rendered in headless Chromium: a real, non-blank picture, and a DOM with the
//! buckets, the numbers and the anomalies.

use crate::support::{history, sync};
use std::{path::Path, process::Command};
use wbx_audit::{anomalies::AnomalyOptions, html::render, reports};
use wbx_sdk::Amount;
use wbx_testing::Fixture;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs headless Chromium on `page` with `extra` flags in a fresh profile; returns stdout.
fn chromium(page: &Path, extra: &[&str]) -> String {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run scripts/test (which installs it) or `apt-get install chromium`"
    );
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_html_report_renders_in_chromium() {
    let f = Fixture::new().await;
    history(&f).await;
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = sync(&f, &dir.path().join("a.sqlite")).await;
    let opts = AnomalyOptions {
        large_transfer: Amount::whole(1000).raw(),
        burst_count: 4,
        ..AnomalyOptions::default()
    };
    let html = render(&db, &opts).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("src="),
        "self-contained"
    );
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    if let Ok(keep) = std::env::var("WBX_KEEP_HTML") {
        std::fs::copy(&page, &keep).unwrap();
    }

    let png = dir.path().join("shot.png");
    chromium(&page, &[&format!("--screenshot={}", png.display()), "--window-size=1200,1600"]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1200, 1600));
    let bytes = &buf[..info.buffer_size()];
    let step = info.color_type.samples();
    let mut colors = std::collections::HashSet::new();
    let mut non_white = 0usize;
    for px in bytes.chunks(step) {
        colors.insert(px[..3.min(step)].to_vec());
        if px[..3.min(step)].iter().any(|c| *c < 240) {
            non_white += 1;
        }
    }
    assert!(colors.len() > 20, "a blank-looking screenshot: {} colours", colors.len());
    assert!(non_white > 20_000, "too little drawn: {non_white} pixels");
    if let Ok(keep) = std::env::var("WBX_KEEP_PNG") {
        std::fs::copy(&png, &keep).unwrap();
    }

    let dom = chromium(&page, &["--dump-dom"]);
    for b in reports::buckets(&db).unwrap() {
        assert!(dom.contains(&b.title.replace('&', "&amp;")), "{} missing", b.title);
        assert!(dom.contains(&format!("{} WBX", b.issued)), "{} issued missing", b.title);
        assert!(dom.contains(&format!("{} WBX", b.remaining)));
    }
    for id in ["bucket-chart", "volume-chart", "grants-chart", "anomalies"] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "{id} missing");
    }
    for a in wbx_audit::anomalies::anomalies(&db, &opts).unwrap() {
        assert!(dom.contains(a.kind.name()));
    }
    assert!(
        dom.contains("late-renewal")
            && dom.contains("lapsed-while-active")
            && dom.contains("pause")
    );
    assert!(dom.contains("12.5 WBX") || dom.contains("volume"));
}
