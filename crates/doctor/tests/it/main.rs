//! Integration tests of the troubleshooter against real anvil nodes: each failure is reproduced on
//! chain and the diagnosis must name it (by check id) and propose the right fix.

mod movers;
mod plan;
mod token;
mod tx;

use wbx_doctor::{Check, Diagnosis, Doctor, Status};
use wbx_testing::Fixture;

/// A doctor on the fixture's node and deployment, naming the wallet `--dev-account N`.
pub(crate) async fn doctor(fx: &Fixture, dev_account: u32) -> Doctor {
    Doctor::connect(&fx.node.endpoint(), Some(fx.admin.deployment().clone()))
        .await
        .expect("connect")
        .with_wallet_flags(format!("--dev-account {dev_account}"))
}

/// The check `id`, which must have come out `status`; its fix must hold `fix` (if given).
#[track_caller]
pub(crate) fn expect<'a>(
    d: &'a Diagnosis,
    id: &str,
    status: Status,
    fix: Option<&str>,
) -> &'a Check {
    let c = d.check(id).unwrap_or_else(|| panic!("no check {id}:\n{}", d.render()));
    assert_eq!(c.status, status, "check {id}:\n{}", d.render());
    if let Some(fix) = fix {
        let got = c.fix.as_deref().unwrap_or_default();
        assert!(got.contains(fix), "fix of {id} lacks {fix:?}:\n{}", d.render());
    }
    c
}

/// Every check passed or was skipped, and the diagnosis says it would succeed.
#[track_caller]
pub(crate) fn healthy(d: &Diagnosis) {
    assert!(d.ok(), "{}", d.render());
    for c in &d.checks {
        assert!(
            matches!(c.status, Status::Pass | Status::Skip),
            "{} is {}:\n{}",
            c.id,
            c.status,
            d.render()
        );
    }
}
