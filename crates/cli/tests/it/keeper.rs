//! `keeper`: the idle rule per role, from the `--idle` flags.

use crate::support::{BAD_INPUT, Cli};
use serde_json::json;
use wbx_testing::who;

#[tokio::test]
async fn the_idle_rule_is_per_role_and_spares_auditors_unless_asked() {
    let cli = Cli::new().await;
    // By default: 2h for the roles with on-chain use, never for auditors.
    let report = cli.by(who::KEEPER, &["keeper", "--dry-run", "--json"]).ok().json();
    assert_eq!(
        report["idle"],
        json!({"admin": 7200, "trader": 7200, "auditor": null, "developer": 7200})
    );
    // A bare window for the on-chain roles, ROLE=DURATION for one role, whatever the order.
    let args = ["keeper", "--dry-run", "--json", "--idle", "auditor=8h", "--idle", "1h"];
    let report =
        cli.by(who::KEEPER, &[&args[..], &["--idle", "developer=0s"]].concat()).ok().json();
    assert_eq!(
        report["idle"],
        json!({"admin": 3600, "trader": 3600, "auditor": 28800, "developer": null})
    );
    // The keeper role has no grant to lapse; a role must be one of ours.
    cli.by(who::KEEPER, &["keeper", "--dry-run", "--idle", "keeper=1h"])
        .fails(BAD_INPUT, &["the keeper role is permanent"]);
    cli.by(who::KEEPER, &["keeper", "--dry-run", "--idle", "tradr=1h"])
        .fails(BAD_INPUT, &["unknown role \"tradr\""]);
}
