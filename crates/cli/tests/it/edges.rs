//! Input that can never succeed is bad input (exit 2), said plainly, and nothing is sent: the zero
//! address and the token itself where they cannot work, amounts of 0, lookalike characters, RPC
//! URLs that are not one, endpoints that are not JSON-RPC, keys out of range, and input files
//! that are directories, unreadable, not UTF-8 or carry a byte-order mark.

use crate::{
    json_errors::canned_http,
    support::{BAD_INPUT, Cli, FAILURE, Run, fresh, run, wbx},
};
use alloy::primitives::Address;
use std::path::Path;
use wbx_testing::{address, who};

/// Runs `args` as `n` and asserts bad input saying `says`, with nothing sent by `n`.
async fn refused(cli: &Cli, n: u32, args: &[&str], says: &[&str]) -> Run {
    let nonce = cli.nonce(address(n)).await;
    let r = cli.by(n, args).fails(BAD_INPUT, says);
    assert_eq!(cli.nonce(address(n)).await, nonce, "{args:?}: something was sent");
    r
}

#[tokio::test]
async fn the_zero_address_and_the_token_itself_are_refused_where_they_never_work() {
    let cli = Cli::new().await;
    let zero = Address::ZERO.to_string();
    let token = cli.sdk().deployment().token.to_string();
    let (to, t) = (fresh().to_string(), address(who::TRADER).to_string());
    let never = "the zero address cannot be";
    let itself = "is the WBX token contract itself";
    let cases: Vec<(u32, Vec<&str>, &str)> = vec![
        (who::TRADER, vec!["transfer", &zero, "1"], never),
        (who::TRADER, vec!["transfer", &token, "1"], itself),
        (who::TRADER, vec!["approve", &zero, "1"], never),
        (who::TRADER, vec!["approve", &token, "1"], itself),
        (who::TRADER_EXT, vec!["transfer-from", &zero, &to, "1"], never),
        (who::TRADER_EXT, vec!["transfer-from", &t, &zero, "1"], never),
        (who::TRADER_EXT, vec!["transfer-from", &t, &token, "1"], itself),
        (who::TRADER_EXT, vec!["transfer-from", &token, &to, "1"], itself),
        (who::ADMIN, vec!["allocate", "community-rewards", &zero, "1"], never),
        (who::ADMIN, vec!["allocate", "community-rewards", &token, "1"], itself),
        (who::ADMIN, vec!["access", "grant", &zero, "trader"], never),
        (who::ADMIN, vec!["access", "revoke", &zero, "trader"], never),
        (who::KEEPER, vec!["access", "renew-for", "trader", &t, &zero], never),
        (who::ADMIN, vec!["admin", "register-pool", &zero], never),
        (who::ADMIN, vec!["admin", "register-pool", &token], itself),
        (who::ADMIN, vec!["admin", "unregister-pool", &zero], never),
        (who::TRADER, vec!["doctor", "transfer", &zero, "1"], never),
        (who::TRADER, vec!["doctor", "transfer", &token, "1"], itself),
        (who::ADMIN, vec!["doctor", "allocate", "reserve-fund", &token, "1"], itself),
    ];
    for (n, args, says) in cases {
        let r = refused(&cli, n, &args, &[says]).await;
        let json = cli.by(n, &[&args[..], &["--json"]].concat());
        assert_eq!(crate::support::s(&json.error_doc(), "code"), "bad-recipient", "{r}");
    }
    // The contract's own refusal stays a failure where the input could have worked.
    cli.by(who::STRANGER, &["transfer", &to, "1"]).fails(FAILURE, &["does not hold the trader"]);
}

#[tokio::test]
async fn an_amount_of_zero_is_refused_where_it_would_do_nothing() {
    let cli = Cli::new().await;
    let (to, t) = (fresh().to_string(), address(who::TRADER).to_string());
    let cases: Vec<(u32, Vec<&str>)> = vec![
        (who::TRADER, vec!["transfer", &to, "0"]),
        (who::TRADER, vec!["transfer", &to, "0.000"]),
        (who::TRADER_EXT, vec!["transfer-from", &t, &to, "0"]),
        (who::ADMIN, vec!["issue", "0"]),
        (who::ADMIN, vec!["allocate", "community-rewards", &to, "0"]),
        (who::TRADER, vec!["swap", "buy", "0"]),
        (who::TRADER, vec!["swap", "sell", "0", "--approve"]),
        (who::TRADER, vec!["quote", "sell", "0"]),
        (who::TRADER, vec!["pool", "add", "0", "1"]),
        (who::TRADER, vec!["pool", "add", "1", "0"]),
        (who::TRADER, vec!["pool", "remove", "0"]),
        (who::TRADER, vec!["pool", "remove", "all"]),
        (who::TRADER, vec!["doctor", "transfer", &to, "0"]),
    ];
    for (n, args) in cases {
        let r = refused(&cli, n, &args, &[]).await;
        let json = cli.by(n, &[&args[..], &["--json"]].concat());
        assert_eq!(crate::support::s(&json.error_doc(), "code"), "zero-amount", "{r}");
    }
    // An allowance of 0 is what withdraws one: allowed.
    cli.by(who::TRADER, &["approve", &to, "0"]).ok().says(&["to spend 0 WBX"]);
}

#[tokio::test]
async fn a_lookalike_character_is_named_with_its_code_point_and_place() {
    let cli = Cli::new().await;
    let to = fresh().to_string();
    // Cyrillic а (U+0430) and о (U+043E), Greek υ (U+03C5), a zero-width space (U+200B).
    let lookalike_to = to.replacen('a', "а", 1).replacen('0', "о", 1);
    let cases: Vec<(u32, Vec<&str>, &str)> = vec![
        (who::ADMIN, vec!["access", "grant", &to, "trаder"], "character 3 of \"trаder\" is U+0430"),
        (
            who::ADMIN,
            vec!["allocate", "reserve-fund\u{200b}", &to, "1"],
            "is U+200B, which is not ASCII",
        ),
        (who::ADMIN, vec!["access", "grant", &to, "trader", "--kind", "extendеd"], "U+0435"),
        (who::TRADER, vec!["swap", "bυy", "1"], "character 2 of \"bυy\" is U+03C5"),
        (who::TRADER, vec!["trаnsfer", &to, "1"], "character 3 of \"trаnsfer\" is U+0430"),
        (who::TRADER, vec!["transfer", &to, "1", "--jsоn"], "U+043E"),
        (who::TRADER, vec!["transfer", &lookalike_to, "1"], "is not ASCII"),
        (who::TRADER, vec!["transfer", &to, "１"], "is U+FF11"),
        (who::TRADER, vec!["pool", "remove", "аll"], "U+0430"),
    ];
    for (n, args, says) in cases {
        let r = refused(&cli, n, &args, &[says]).await;
        assert!(r.stderr.contains("not ASCII"), "{r}");
    }
    cli.run(&["audit", "who", "trаder", "--at", "1", "--db", "a.sqlite"])
        .fails(BAD_INPUT, &["character 3 of \"trаder\" is U+0430"]);
}

#[tokio::test]
async fn rpc_urls_are_http_ws_or_a_socket_and_an_answer_must_be_json_rpc() {
    let dir = tempfile::tempdir().unwrap();
    let to = fresh().to_string();
    std::fs::write(dir.path().join("file.txt"), "x").unwrap();
    let schemes =
        "http(s)://HOST:PORT or ws(s)://HOST:PORT, or the path of a node's IPC socket file";
    for (url, says) in [
        ("notaurl", "\"notaurl\" is neither a URL nor an existing IPC socket file"),
        ("", "the RPC URL is empty"),
        ("   ", "the RPC URL is empty"),
        ("ftp://example.org", "has the scheme ftp, which wbx does not speak"),
        ("localhost:8545", "has no scheme: write http://localhost:8545"),
        ("http://", "is not a valid URL"),
        ("file.txt", "is a file but not a socket"),
    ] {
        // An empty ETH_RPC_URL is an unset one (clap's rule), so only the flag can be empty.
        let ways: &[&str] = if url.trim().is_empty() { &["flag"] } else { &["flag", "env"] };
        for how in ways {
            let mut c = wbx(dir.path());
            c.args(["transfer", &to, "1", "--dev-account", "1"]);
            match *how {
                "flag" => c.args(["--rpc-url", url]),
                _ => c.env("ETH_RPC_URL", url),
            };
            let r = run(&mut c).fails(BAD_INPUT, &[says]);
            if !says.contains("no scheme") {
                assert!(r.stderr.contains(schemes), "{r}");
            }
            assert!(!r.stderr.contains("IPC path"), "{r}");
        }
    }
    // A socket file is taken for a node's IPC endpoint (this one's node is gone: unreachable).
    let socket = dir.path().join("node.ipc");
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    run(wbx(dir.path()).args(["status", "--rpc-url", socket.to_str().unwrap()]))
        .fails(FAILURE, &["cannot reach the RPC endpoint"]);

    // Endpoints that answer, but not JSON-RPC: said, with the start of what came back.
    let page = canned_http(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head></html>",
    );
    run(wbx(dir.path()).args(["status", "--rpc-url", &page])).fails(
        FAILURE,
        &["answered HTML, not JSON-RPC", "\"<!DOCTYPE html> <html><head><title>Welcome to nginx!"],
    );
    let missing = canned_http(
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 22\r\nConnection: close\r\n\r\n<h1>404 Not Found</h1>",
    );
    run(wbx(dir.path()).args(["balance", &to, "--rpc-url", &missing])).fails(
        FAILURE,
        &["answered HTML with HTTP status 404, not JSON-RPC", "<h1>404 Not Found</h1>"],
    );
    let json = canned_http(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"hello\": \"world\"}",
    );
    let r = run(wbx(dir.path()).args(["status", "--rpc-url", &json]));
    r.fails(FAILURE, &["answered something, not JSON-RPC"]);
}

#[tokio::test]
async fn private_keys_out_of_range_are_refused_and_never_shown() {
    let cli = Cli::new().await;
    let to = fresh().to_string();
    let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
    let secret = "5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e7";
    for (key, says) in [
        ("0".repeat(64), "out of range"),
        (format!("0x{}", "0".repeat(64)), "zero"),
        (order.to_string(), "not below the curve order"),
        ("f".repeat(64), "not below the curve order"),
        (format!("0x{secret}"), "expected 64 hex characters"),
        (format!("{secret}zz{secret}"), "expected 64 hex characters"),
    ] {
        for how in ["flag", "env"] {
            let mut c = cli.cmd(&["transfer", &to, "1", "--json"]);
            match how {
                "flag" => c.args(["--private-key", &key]),
                _ => c.env("WBX_PRIVATE_KEY", &key),
            };
            let r = run(&mut c).fails(BAD_INPUT, &[says]);
            let all = format!("{}{}", r.stdout, r.stderr);
            assert!(!all.contains(&key) && !all.contains(secret), "the key is shown:\n{r}");
        }
    }
}

#[tokio::test]
async fn input_files_that_cannot_be_read_are_bad_input_and_a_bom_is_dropped() {
    let cli = Cli::new().await;
    let dir = cli.dir.path();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    std::fs::create_dir(dir.join("folder")).unwrap();
    write("latin1.json", b"{\"caf\xe9\": 1}");
    write("text.txt", b"not a database at all");

    // A signed renewal, saved by an editor with a byte-order mark: relayed all the same.
    cli.by(who::TRADER, &["access", "sign-renewal", "trader", "--out", "r.json"]).ok();
    let signed = std::fs::read(dir.join("r.json")).unwrap();
    write("bom.json", &[b"\xEF\xBB\xBF".as_slice(), &signed].concat());
    cli.by(who::STRANGER, &["access", "relay", "bom.json"])
        .ok()
        .says(&["relayed the trader renewal"]);
    refused(&cli, who::STRANGER, &["access", "relay", "folder"], &["folder is a directory"]).await;
    refused(
        &cli,
        who::STRANGER,
        &["access", "relay", "latin1.json"],
        &["latin1.json:1: byte 0xE9"],
    )
    .await;
    refused(&cli, who::STRANGER, &["access", "relay", "nowhere.json"], &["cannot read"]).await;

    // Password files: a directory, and a password saved with a byte-order mark still opens.
    let mut rng = rand::thread_rng();
    let (_, _) =
        alloy::signers::local::PrivateKeySigner::new_keystore(dir, &mut rng, "pw", Some("ks"))
            .unwrap();
    write("pw.txt", "\u{FEFF}pw\r\n".as_bytes());
    let to = fresh().to_string();
    cli.run(&["balance", &to, "--keystore", "ks", "--password-file", "pw.txt"]).ok();
    cli.run(&["balance", &to, "--keystore", "ks", "--password-file", "folder"])
        .fails(BAD_INPUT, &["the password file folder is a directory"]);
    cli.run(&["transfer", &to, "1", "--keystore", "folder", "--password", "pw"])
        .fails(BAD_INPUT, &["the keystore folder is a directory"]);

    // A deployment record with a byte-order mark is read; a directory is not a record.
    let record = std::fs::read(&cli.record).unwrap();
    write("bom-record.json", &[b"\xEF\xBB\xBF".as_slice(), &record].concat());
    let url = cli.url();
    let with = |record: &str| {
        let mut c = wbx(dir);
        c.args(["balance", &to, "--rpc-url", &url, "--deployment", record]);
        c
    };
    run(&mut with("bom-record.json")).ok();
    run(&mut with("folder")).fails(BAD_INPUT, &["deployment record folder"]);

    // Audit databases: a directory, a file that is not SQLite.
    cli.run(&["audit", "buckets", "--db", "folder"]).fails(BAD_INPUT, &["is a directory"]);
    cli.run(&["audit", "buckets", "--db", "text.txt"])
        .fails(BAD_INPUT, &["is not an SQLite database"]);
    cli.run(&["audit", "sync", "--db", "text.txt"])
        .fails(BAD_INPUT, &["is not an SQLite database"]);

    // Files to write: a directory is refused before anything is done.
    cli.run(&["audit", "sync", "--db", "a.sqlite"]).ok();
    cli.run(&["audit", "html", "--out", "folder", "--db", "a.sqlite"])
        .fails(BAD_INPUT, &["cannot write the report folder: it is a directory"]);
    refused(
        &cli,
        who::TRADER,
        &["access", "sign-renewal", "trader", "--out", "folder"],
        &["it is a directory"],
    )
    .await;
    refused(&cli, who::KEEPER, &["keeper", "--once", "--state", "folder"], &["is a directory"])
        .await;
    // A special file where a file is written is never replaced (renaming over it would).
    let sock = dir.join("s.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let sock = sock.to_str().unwrap();
    cli.run(&["audit", "html", "--out", sock, "--db", "a.sqlite"])
        .fails(BAD_INPUT, &["it is not a regular file"]);
    let sign = ["access", "sign-renewal", "trader", "--out", sock];
    refused(&cli, who::TRADER, &sign, &["not a regular file"]).await;
    let keep = ["keeper", "--once", "--state", sock];
    refused(&cli, who::KEEPER, &keep, &["not a regular file"]).await;
    cli.run(&["transfer", &to, "1", "--keystore", "/dev/zero"])
        .fails(BAD_INPUT, &["the keystore /dev/zero is not a regular file"]);
    let kind = std::fs::metadata(sock).unwrap().file_type();
    assert!(std::os::unix::fs::FileTypeExt::is_socket(&kind), "the socket was replaced");
}

#[tokio::test]
async fn a_deployment_that_would_fail_half_way_sends_nothing() {
    let anvil = wbx_testing::spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let url = anvil.endpoint();
    std::fs::create_dir(dir.path().join("folder")).unwrap();
    let reader = wbx_sdk::Connection::connect(&url, None).await.unwrap();
    let nonce = || async {
        alloy::providers::Provider::get_transaction_count(reader.provider(), address(0))
            .await
            .unwrap()
    };
    let before = nonce().await;
    for (args, says) in [
        (vec!["--out", "folder"], "cannot write the deployment record folder: it is a directory"),
        (vec!["--initial-supply", &"9".repeat(40)], "above the token's cap"),
        (vec!["--admin-delay", "100000000y"], "48 bits"),
        (vec!["--initial-supply", "1000", "--seed-wbx", "101"], "more than the Reserve Fund gets"),
        (vec!["--seed-eth", "0"], "--seed-eth 0 cannot seed the pool"),
    ] {
        run(wbx(dir.path()).args(["deploy", "--dev-account", "0", "--rpc-url", &url]).args(&args))
            .fails(BAD_INPUT, &[says]);
    }
    assert_eq!(nonce().await, before, "nothing was sent");
    assert!(!Path::new(&dir.path().join("deployments")).exists());
}

/// A sweep of hostile values through the real binary, each run with `--json`: never a panic, an
/// exit code of 0, 1 or 2, exactly one JSON document on stdout (the error document on failure),
/// and nothing sent when the input is refused (exit 2).
#[tokio::test]
async fn hostile_values_never_panic_and_always_answer_one_document() {
    let cli = Cli::new().await;
    let good = fresh().to_string();
    let token = cli.sdk().deployment().token.to_string();
    let zero = Address::ZERO.to_string();
    let long = "9".repeat(5000);
    let lookalike = good.replacen('0', "о", 2);
    let rtl = format!("\u{202e}{good}");
    let (g40, x41) = (format!("0x{}", "g".repeat(40)), format!("0x{}", "0".repeat(41)));
    let addresses =
        ["", " ", "0x", "0X", &zero, &token, "vitalik.eth", &lookalike, &rtl, &g40, &x41, &long];
    let amounts = [
        "",
        " ",
        "-0",
        "0",
        "+1",
        "1e18",
        "１",
        "NaN",
        "inf",
        &long,
        "0.0000000000000000001",
        ".",
        "1.",
        ".5",
        "1..5",
        "0x10",
        "1,5",
        "½",
        "_",
        "1_",
    ];
    let names = ["", "TRADER", " trader ", "trad er", "trаder", "trader\u{200b}", "*", "a;b"];
    let durations =
        ["", "-1s", "0", "1 fortnight", "18446744073709551615s", "18446744073709551616s", "1e3s"];
    // Read-only inputs only: nothing here is ever written.
    let sock = cli.dir.path().join("s.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let sock = sock.to_str().unwrap().to_string();
    let paths = ["/dev/zero", "/dev/null", "/", "", "\u{202e}x.csv", "no/such/file", &sock];
    let v = |n: u32, xs: &[&str]| (n, xs.iter().map(|x| x.to_string()).collect::<Vec<_>>());
    let mut cases = Vec::new();
    for a in addresses {
        cases.push(v(who::TRADER, &["transfer", a, "1"]));
        cases.push(v(who::ADMIN, &["access", "grant", a, "trader"]));
    }
    for m in amounts {
        cases.push(v(who::TRADER, &["transfer", &good, m]));
        cases.push(v(who::ADMIN, &["allocate", "reserve-fund", &good, m]));
    }
    for n in names {
        cases.push(v(who::ADMIN, &["access", "grant", &good, n]));
        cases.push(v(who::ADMIN, &["allocate", n, &good, "1"]));
    }
    for d in durations {
        cases.push(v(who::TRADER, &["swap", "buy", "0.01", "--deadline", d]));
        cases.push(v(who::ADMIN, &["admin", "durations", "--standard", d, "--extended", "1h"]));
    }
    for p in paths {
        cases.push(v(who::ADMIN, &["allocate-batch", "community-rewards", p]));
        cases.push(v(who::STRANGER, &["access", "relay", p]));
        cases.push(v(who::STRANGER, &["balance", "--deployment", p]));
        cases.push(v(who::STRANGER, &["audit", "buckets", "--db", p]));
    }
    for (n, args) in cases {
        let mut c = cli.cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
        c.arg("--json");
        if args[0] != "audit" {
            c.args(["--dev-account", &n.to_string()]);
        }
        let nonce = cli.nonce(address(n)).await;
        let r = run(&mut c);
        assert!([0, 1, 2].contains(&r.code), "{args:?}:\n{r}");
        assert!(!r.stderr.contains("panicked"), "{args:?}:\n{r}");
        let doc = r.json();
        if r.code != 0 {
            r.error_doc();
        } else {
            assert!(doc.get("error").is_none(), "{args:?}:\n{r}");
        }
        if r.code == BAD_INPUT {
            assert_eq!(cli.nonce(address(n)).await, nonce, "{args:?}: sent although refused");
        }
    }
}
