//! `wbx audit ...`: exit codes, JSON and CSV output, and a sync killed half way.

use crate::support::{BAD_INPUT, Cli, FAILURE, Reaped, s};
use alloy::providers::ext::AnvilApi;
use std::{process::Stdio, time::Duration};
use wbx_audit::{Db, db::Scope};
use wbx_sdk::Amount;
use wbx_testing::{address, who};

#[tokio::test]
async fn audit_commands_exit_codes_and_formats() {
    let cli = Cli::new().await;
    let trader = cli.f.as_account(who::TRADER).await;
    trader.transfer(address(who::STRANGER), "12.5".parse().unwrap()).await.unwrap();

    // Reports before any sync: bad input, and what to do.
    cli.run(&["audit", "buckets", "--db", "none.sqlite"]).fails(BAD_INPUT, &["wbx audit sync"]);

    let sync = cli.run(&["--json", "audit", "sync", "--db", "a.sqlite"]).ok().json();
    assert!(sync["report"]["rows"].as_u64().unwrap() > 10, "{sync:#}");
    cli.run(&["audit", "sync", "--db", "a.sqlite"]).ok().says(&["up to date", "cursor block"]);
    // The same file for another deployment: refused, nothing touched.
    let other = address(who::STRANGER).to_string();
    cli.run(&["audit", "sync", "--db", "a.sqlite", "--token", &other, "--pool", &other])
        .fails(BAD_INPUT, &["indexes", "choose another file with --db"]);

    let csv = cli
        .run(&[
            "audit",
            "transactions",
            "--db",
            "a.sqlite",
            "--kind",
            "transfer",
            "--account",
            &address(who::STRANGER).to_string(),
            "--format",
            "csv",
        ])
        .ok();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines[0], "block,time,kind,from,to,wbx,eth,bucket,tx");
    assert_eq!(lines.len(), 2, "{}", csv.stdout);
    assert!(lines[1].contains(",transfer,") && lines[1].contains(",12.5,"), "{}", lines[1]);

    let json = cli
        .run(&[
            "--json",
            "audit",
            "transactions",
            "--db",
            "a.sqlite",
            "--min-amount",
            "12.5",
            "--kind",
            "transfer",
        ])
        .ok()
        .json();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|m| s(m, "amount").parse::<Amount>().unwrap() >= Amount::whole(12))
    );

    let who =
        cli.run(&["--json", "audit", "who", "trader", "--at", "block:999999", "--db", "a.sqlite"]);
    who.fails(BAD_INPUT, &["past the indexed head"]);
    cli.run(&["audit", "who", "trader", "--at", "tomorrow", "--db", "a.sqlite"])
        .fails(BAD_INPUT, &["RFC 3339"]);
    let holders = cli
        .run(&[
            "--json",
            "audit",
            "who",
            "trader",
            "--at",
            &u64::MAX.to_string()[..10],
            "--db",
            "a.sqlite",
        ])
        .ok()
        .json();
    assert!(holders["holders"].is_array());
    cli.run(&["audit", "access", "--role", "boss", "--db", "a.sqlite"]).fails(BAD_INPUT, &["role"]);
    cli.run(&["audit", "access", "--db", "a.sqlite"]).ok().says(&[
        "granted",
        "trader",
        "top-admin",
    ]);
    cli.run(&["audit", "anomalies", "--db", "a.sqlite"]).ok().says(&["admin-change"]);

    let clean = cli.run(&["--json", "audit", "reconcile", "--db", "a.sqlite"]).ok().json();
    assert_eq!(clean["differences"].as_array().unwrap().len(), 0);

    // A planted difference: exit 1, every difference listed on stdout.
    let db =
        Db::open(&cli.dir.path().join("a.sqlite"), &Scope::of(cli.sdk().deployment())).unwrap();
    db.connection()
        .execute(
            "UPDATE transfers SET amount = ?1 WHERE amount = ?2",
            (
                Amount::whole(13).raw().to_be_bytes::<32>().to_vec(),
                "12.5".parse::<Amount>().unwrap().raw().to_be_bytes::<32>().to_vec(),
            ),
        )
        .unwrap();
    drop(db);
    let bad = cli.run(&["audit", "reconcile", "--db", "a.sqlite"]);
    assert_eq!(bad.code, FAILURE, "{bad}");
    assert!(
        bad.stdout.contains("balanceOf")
            && bad.stdout.contains(&address(who::STRANGER).to_string()),
        "{bad}"
    );
    assert!(bad.stderr.contains("does not add up: 2 difference(s)"), "{bad}");
    let bad = cli.run(&["--json", "audit", "reconcile", "--db", "a.sqlite"]);
    assert_eq!(bad.code, FAILURE);
    assert_eq!(bad.json()["differences"].as_array().unwrap().len(), 2);

    let html = cli.run(&["audit", "html", "--out", "r.html", "--db", "a.sqlite"]).ok();
    assert!(html.stdout.starts_with("wrote r.html"));
    let page = std::fs::read_to_string(cli.dir.path().join("r.html")).unwrap();
    assert!(page.contains("Reserve Fund") && page.contains("<svg"));
}

#[tokio::test]
async fn a_killed_sync_resumes_to_the_same_database() {
    let cli = Cli::new().await;
    let trader = cli.f.as_account(who::TRADER).await;
    // A long chain of small pages, with events spread along it.
    for i in 0..5u64 {
        trader.transfer(address(who::STRANGER), Amount::whole(i + 1)).await.unwrap();
        cli.sdk().provider().anvil_mine(Some(800), None).await.unwrap();
    }
    let mut child = Reaped(
        cli.cmd(&["audit", "sync", "--db", "k.sqlite", "--chunk", "1", "--concurrency", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Kill it once it has committed part of the range.
    let path = cli.dir.path().join("k.sqlite");
    let scope = Scope::of(cli.sdk().deployment());
    let mut waited = 0;
    loop {
        if path.exists()
            && let Ok(db) = Db::open_existing(&path)
            && db.cursor().is_ok_and(|c| c.is_some_and(|c| c.block > scope.deploy_block + 20))
        {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the sync finished before it could be killed");
        waited += 1;
        assert!(waited < 6000, "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(child.try_wait().unwrap().is_none(), "the sync finished before it could be killed");
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = Db::open(&path, &scope).unwrap().cursor().unwrap().unwrap().block;

    cli.run(&["audit", "sync", "--db", "k.sqlite"]).ok();
    cli.run(&["audit", "sync", "--db", "one.sqlite"]).ok();
    let resumed = Db::open(&path, &scope).unwrap();
    let one = Db::open(&cli.dir.path().join("one.sqlite"), &scope).unwrap();
    let head = one.cursor().unwrap().unwrap().block;
    assert!(partial < head, "killed at {partial} of {head}");
    assert_eq!(resumed.cursor().unwrap().unwrap().block, head);
    assert_eq!(resumed.dump().unwrap(), one.dump().unwrap());
}
