//! `wbx audit html`: one self-contained HTML page an auditor can open or mail.
//!
//! No external resource: the style is inline and the charts are inline SVG (bucket bars, daily
//! volume, active grants by role over time), beside the bucket table and the anomaly list. Bar
//! heights are computed from the exact amounts with integer arithmetic.

use crate::{
    anomalies::{Anomaly, AnomalyOptions, anomalies},
    db::{Db, amount},
    error::Result,
    reports::{self, BucketRow},
};
use alloy::primitives::U256;
use std::{collections::BTreeMap, fmt::Write};
use wbx_sdk::Amount;

/// A unix time as `2026-11-24 10:12:07 UTC`.
pub fn utc(ts: u64) -> String {
    chrono::DateTime::from_timestamp(ts as i64, 0)
        .map_or_else(|| ts.to_string(), |d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `v` scaled to `0..=full` of `max`, exactly, rounded down.
fn scale(v: U256, max: U256, full: u64) -> u64 {
    if max.is_zero() { 0 } else { (v * U256::from(full) / max).to::<u64>() }
}

/// Whole tokens with thousands separators, for axis labels (`1,250,000`).
fn whole(a: Amount) -> String {
    let s = (a.raw() / U256::from(10u64).pow(U256::from(18u64))).to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const COLORS: &[&str] = &["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2"];

/// The daily transfer volume (UTC days, mints left out): (day start, volume, count).
pub fn daily_volume(db: &Db) -> Result<Vec<(u64, U256, u64)>> {
    daily_volume_from(db, 0)
}

/// The daily transfer volume of blocks `from..` only (a live view adds each new range to what it
/// has).
pub fn daily_volume_from(db: &Db, from: u64) -> Result<Vec<(u64, U256, u64)>> {
    let mut st = db.connection().prepare(
        "SELECT b.timestamp / 86400, t.amount FROM transfers t JOIN blocks b ON b.number = t.block
         WHERE t.from_addr != zeroblob(20) AND t.block >= ?1",
    )?;
    let mut days: BTreeMap<u64, (U256, u64)> = BTreeMap::new();
    let mut rows = st.query([from.min(i64::MAX as u64) as i64])?;
    while let Some(r) = rows.next()? {
        let day = r.get::<_, i64>(0)? as u64;
        let e = days.entry(day).or_default();
        e.0 += amount(&r.get::<_, Vec<u8>>(1)?);
        e.1 += 1;
    }
    Ok(days.into_iter().map(|(d, (v, n))| (d * 86_400, v, n)).collect())
}

/// Active grants per role over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveGrants {
    /// The roles, in column order.
    pub roles: Vec<String>,
    /// Moments (unix seconds) with the count of active grants per role then.
    pub points: Vec<(u64, Vec<u64>)>,
}

/// Active grants per role (and registered pools, as the role `pool`) at `samples` evenly spaced
/// moments from the first access event to the indexed head.
pub fn active_over_time(db: &Db, samples: usize) -> Result<ActiveGrants> {
    let head = db.require_cursor()?;
    let report = reports::access(db, None, None)?;
    // Per role, the intervals [start, end) in which a grant was active.
    let mut intervals: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    for t in &report.timelines {
        let mut start = None;
        for e in &t.entries {
            match e.event {
                "granted" | "role-granted" | "registered" if start.is_none() => {
                    start = Some(e.time)
                }
                "expired" | "revoked" | "role-revoked" | "unregistered" => {
                    if let Some(s) = start.take() {
                        intervals.entry(t.role.clone()).or_default().push((s, e.time));
                    }
                }
                _ => {}
            }
        }
        let list = intervals.entry(t.role.clone()).or_default();
        if let Some(s) = start {
            list.push((s, u64::MAX));
        }
    }
    let first = report
        .timelines
        .iter()
        .filter_map(|t| t.entries.first().map(|e| e.time))
        .min()
        .unwrap_or(head.timestamp);
    let last = head.timestamp.max(first);
    let n = samples.max(2) as u64;
    let roles: Vec<String> = intervals.keys().cloned().collect();
    let points = (0..n)
        .map(|i| {
            let t = first + (last - first) * i / (n - 1);
            let counts = roles
                .iter()
                .map(|r| intervals[r].iter().filter(|(s, e)| *s <= t && t < *e).count() as u64)
                .collect();
            (t, counts)
        })
        .collect();
    Ok(ActiveGrants { roles, points })
}

/// The bucket table and its chart (issued and released per bucket).
pub fn bucket_section(out: &mut String, rows: &[BucketRow]) {
    out.push_str("<h2>Buckets</h2>\n<table id=\"buckets\"><thead><tr><th>bucket</th><th>policy</th><th>issued</th><th>released</th><th>remaining</th><th>allocations</th></tr></thead><tbody>\n");
    for r in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}.{:02}%</td><td class=\"n\">{} WBX</td><td class=\"n\">{} WBX</td><td class=\"n\">{} WBX</td><td class=\"n\">{}</td></tr>",
            esc(r.title),
            r.share_bps / 100,
            r.share_bps % 100,
            r.issued,
            r.released,
            r.remaining,
            r.allocations
        );
    }
    out.push_str("</tbody></table>\n");
    // Issued (light) and released (dark) side by side per bucket.
    let max = rows.iter().map(|r| r.issued.raw()).max().unwrap_or_default();
    let (w, h, top) = (1000u64, 260u64, 200u64);
    let _ = writeln!(
        out,
        "<svg id=\"bucket-chart\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"issued and released per bucket\">"
    );
    for (i, r) in rows.iter().enumerate() {
        let x = 40 + i as u64 * 190;
        // A non-zero amount shows at least 2 pixels, however small beside the largest bucket.
        let visible = |v: U256| if v.is_zero() { 0 } else { scale(v, max, top).max(2) };
        let hi = visible(r.issued.raw());
        let hr = visible(r.released.raw());
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"60\" height=\"{hi}\" fill=\"#93c5fd\"><title>{} issued {} WBX</title></rect>\
             <rect x=\"{}\" y=\"{}\" width=\"60\" height=\"{hr}\" fill=\"#1d4ed8\"><title>{} released {} WBX</title></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            10 + top - hi,
            esc(r.title),
            r.issued,
            x + 64,
            10 + top - hr,
            esc(r.title),
            r.released,
            x + 62,
            top + 30,
            esc(r.title)
        );
    }
    let _ = writeln!(
        out,
        "<rect x=\"40\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#93c5fd\"/><text x=\"58\" y=\"{}\" font-size=\"12\">issued</text>\
         <rect x=\"120\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#1d4ed8\"/><text x=\"138\" y=\"{}\" font-size=\"12\">released</text></svg>",
        top + 42,
        top + 53,
        top + 42,
        top + 53
    );
}

/// The daily volume chart and table.
pub fn volume_section(out: &mut String, days: &[(u64, U256, u64)]) {
    out.push_str("<h2>Daily transfer volume</h2>\n");
    if days.is_empty() {
        out.push_str("<p>No transfers.</p>\n");
        return;
    }
    let max = days.iter().map(|d| d.1).max().unwrap_or_default();
    let (w, h, top) = (1000u64, 240u64, 180u64);
    let bar = ((w - 80) / days.len() as u64).clamp(2, 80);
    let _ = writeln!(
        out,
        "<svg id=\"volume-chart\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"daily volume\">\
         <line x1=\"40\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\"/>\
         <text x=\"40\" y=\"14\" font-size=\"11\">max {} WBX</text>",
        10 + top,
        w - 20,
        10 + top,
        whole(Amount::from_raw(max))
    );
    for (i, (day, v, n)) in days.iter().enumerate() {
        let x = 40 + i as u64 * bar;
        let hv = scale(*v, max, top - 10).max(1);
        let label = &utc(*day)[..10];
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{hv}\" fill=\"#059669\"><title>{label}: {} WBX in {n} transfers</title></rect>",
            10 + top - hv,
            bar.saturating_sub(2).max(1),
            Amount::from_raw(*v)
        );
        if days.len() <= 12 || i % (days.len() / 12 + 1) == 0 {
            let _ =
                writeln!(out, "<text x=\"{x}\" y=\"{}\" font-size=\"11\">{label}</text>", top + 26);
        }
    }
    out.push_str("</svg>\n<table id=\"volume\"><thead><tr><th>day (UTC)</th><th>volume</th><th>transfers</th></tr></thead><tbody>\n");
    for (day, v, n) in days {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{} WBX</td><td class=\"n\">{n}</td></tr>",
            &utc(*day)[..10],
            Amount::from_raw(*v)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn grants_section(out: &mut String, active: &ActiveGrants) {
    out.push_str("<h2>Active grants by role over time</h2>\n");
    out.push_str(&grants_chart(active));
}

/// Active grants per role over time as an SVG: one lane per role, stacked top to bottom, each a
/// step line on the same count scale with the role's name and its latest count beside it. Roles
/// never share a lane, so two roles with equal counts cannot hide one another (one line on top of
/// another, as a single shared plot drew them).
pub fn grants_chart(active: &ActiveGrants) -> String {
    let (roles, points) = (&active.roles, &active.points);
    let max = points.iter().flat_map(|(_, c)| c.iter().copied()).max().unwrap_or(0).max(1);
    let (w, left, right, lane, gap) = (1000u64, 150u64, 40u64, 40u64, 14u64);
    let h = 30 + roles.len().max(1) as u64 * (lane + gap) + 20;
    let (t0, t1) = (points.first().map_or(0, |p| p.0), points.last().map_or(1, |p| p.0));
    let span = (t1 - t0).max(1);
    let plot = w - left - right;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg id=\"grants-chart\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"active grants by role\">\
         <text x=\"{left}\" y=\"16\" font-size=\"11\">{}</text><text x=\"{}\" y=\"16\" font-size=\"11\" text-anchor=\"end\">{}</text>",
        utc(t0),
        w - right,
        utc(t1)
    );
    for (ri, role) in roles.iter().enumerate() {
        let color = COLORS[ri % COLORS.len()];
        let top = 26 + ri as u64 * (lane + gap);
        let base = top + lane;
        let y = |c: u64| base - c * lane / max;
        let mut pts: Vec<String> = Vec::new();
        for (i, (t, c)) in points.iter().enumerate() {
            let x = left + (t - t0) * plot / span;
            if i > 0 {
                pts.push(format!("{x},{}", y(points[i - 1].1[ri])));
            }
            pts.push(format!("{x},{}", y(c[ri])));
        }
        let now = points.last().map_or(0, |p| p.1[ri]);
        let _ = writeln!(
            out,
            "<g class=\"lane\" data-role=\"{r}\" data-top=\"{top}\" data-bottom=\"{base}\">\
             <rect x=\"{left}\" y=\"{top}\" width=\"{plot}\" height=\"{lane}\" fill=\"#f8fafc\"/>\
             <line x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#94a3b8\"/>\
             <text x=\"8\" y=\"{}\" font-size=\"13\" fill=\"{color}\" font-weight=\"bold\">{r}</text>\
             <text x=\"8\" y=\"{}\" font-size=\"11\">now {now} (max {max})</text>\
             <polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"><title>{r}</title></polyline></g>",
            w - right,
            top + 16,
            top + 32,
            pts.join(" "),
            r = esc(role),
        );
    }
    out.push_str("</svg>\n");
    out
}

fn anomaly_section(out: &mut String, list: &[Anomaly]) {
    let _ = writeln!(out, "<h2>Anomalies ({})</h2>", list.len());
    if list.is_empty() {
        out.push_str("<p>None.</p>\n");
        return;
    }
    out.push_str("<table id=\"anomalies\"><thead><tr><th>time</th><th>block</th><th>kind</th><th>detail</th></tr></thead><tbody>\n");
    for a in list {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            utc(a.time),
            a.block.map_or("-".into(), |b| b.to_string()),
            a.kind.name(),
            esc(&a.detail)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// The whole report as one HTML document.
pub fn render(db: &Db, anomaly_options: &AnomalyOptions) -> Result<String> {
    let head = db.require_cursor()?;
    let scope = db.scope().clone();
    let buckets = reports::buckets(db)?;
    let days = daily_volume(db)?;
    let active = active_over_time(db, 60)?;
    let list = anomalies(db, anomaly_options)?;
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>WBX audit report</title>\n<style>\
         body{{font-family:sans-serif;margin:24px;color:#111;background:#fff}}h1{{margin:0 0 4px}}\
         table{{border-collapse:collapse;margin:8px 0 16px}}td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px}}\
         th{{background:#f1f5f9;text-align:left}}td.n{{text-align:right;font-variant-numeric:tabular-nums}}\
         svg{{display:block;margin:8px 0;background:#fafafa;border:1px solid #eee}}.meta{{color:#555;font-size:13px}}\
         </style></head><body>\n<h1>WBX audit report</h1>\n<p class=\"meta\">token {} &middot; pool {} &middot; chain {} &middot; indexed to block {} ({})</p>\n",
        scope.token,
        scope.pool,
        scope.chain_id,
        head.block,
        utc(head.timestamp)
    );
    bucket_section(&mut out, &buckets);
    volume_section(&mut out, &days);
    grants_section(&mut out, &active);
    anomaly_section(&mut out, &list);
    out.push_str("</body></html>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(whole(Amount::whole(1_250_000)), "1,250,000");
        assert_eq!(whole(Amount::whole(12)), "12");
        assert_eq!(scale(U256::from(5), U256::from(10), 200), 100);
        assert_eq!(scale(U256::from(5), U256::ZERO, 200), 0);
        assert_eq!(esc("<a&b>"), "&lt;a&amp;b&gt;");
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
    }

    /// A lane: its top and bottom, and the points of its line.
    type Lane = (u64, u64, Vec<(u64, u64)>);

    /// The points of each role's line, and its lane's vertical bounds.
    fn lanes(svg: &str) -> Vec<Lane> {
        svg.split("<g class=\"lane\"")
            .skip(1)
            .map(|g| {
                let attr = |name: &str| -> u64 {
                    let i = g.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                    g[i..].split('"').next().unwrap().parse().unwrap()
                };
                let i = g.find("points=\"").unwrap() + 8;
                let pts = g[i..]
                    .split('"')
                    .next()
                    .unwrap()
                    .split(' ')
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect();
                (attr("data-top"), attr("data-bottom"), pts)
            })
            .collect()
    }

    #[test]
    fn roles_with_equal_counts_stay_apart() {
        // Three roles with the very same counts at every moment: the old chart drew one line.
        let active = ActiveGrants {
            roles: vec!["admin".into(), "auditor".into(), "trader".into()],
            points: vec![(0, vec![1, 1, 1]), (60, vec![2, 2, 2]), (120, vec![1, 1, 1])],
        };
        let svg = grants_chart(&active);
        let lanes = lanes(&svg);
        assert_eq!(lanes.len(), 3);
        for (i, (top, bottom, pts)) in lanes.iter().enumerate() {
            assert!(pts.iter().all(|(_, y)| top <= y && y <= bottom), "lane {i} leaves its band");
            for (top2, bottom2, _) in &lanes[i + 1..] {
                assert!(bottom < top2 || bottom2 < top, "lanes overlap");
            }
            assert!(svg.contains(&format!(">{}</text>", active.roles[i])), "label");
        }
        // Within a lane the line still goes up and down with the count.
        let ys: Vec<u64> = lanes[0].2.iter().map(|p| p.1).collect();
        assert!(ys.iter().min() < ys.iter().max());
    }
}
