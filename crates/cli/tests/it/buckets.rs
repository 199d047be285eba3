//! `buckets`, `issue`, `allocate`.

use crate::support::{Cli, FAILURE, fresh, mined, s};
use wbx_sdk::{Amount, Bucket};
use wbx_testing::{address, who};

#[tokio::test]
async fn buckets_beside_the_policy() {
    let cli = Cli::new().await;
    cli.run(&["buckets"]).ok().says(&[
        "bucket",
        "policy",
        "issued",
        "released",
        "remaining",
        "Platform Development      40.00%  400000000 WBX",
        "Marketing & Partnerships  25.00%  250000000 WBX",
        "Operational Costs         15.00%  150000000 WBX",
        "Community Rewards         10.00%  100000000 WBX",
        "Reserve Fund              10.00%  100000000 WBX",
        "99998000 WBX",
        "99000000 WBX",
    ]);
    let json = cli.run(&["--json", "buckets"]).ok().json();
    let all = json.as_array().unwrap();
    let names: Vec<&str> = all.iter().map(|b| s(b, "bucket")).collect();
    assert_eq!(
        names,
        [
            "platform-development",
            "marketing-partnerships",
            "operational-costs",
            "community-rewards",
            "reserve-fund"
        ]
    );
    let shares: Vec<u64> = all.iter().map(|b| b["shareBps"].as_u64().unwrap()).collect();
    assert_eq!(shares, [4000, 2500, 1500, 1000, 1000]);
    let c = &all[3];
    assert_eq!(
        (s(c, "issued"), s(c, "released"), s(c, "remaining")),
        ("100000000", "2000", "99998000")
    );
}

#[tokio::test]
async fn issue_mints_into_the_buckets_by_their_shares() {
    let cli = Cli::new().await;
    let supply = cli.sdk().total_supply().await.unwrap();
    let before = cli.sdk().buckets().await.unwrap();

    cli.by(who::ADMIN, &["issue", "1000"]).ok().says(&["issued 1000 WBX into the buckets"]);
    let after = cli.sdk().buckets().await.unwrap();
    assert_eq!(
        cli.sdk().total_supply().await.unwrap().raw(),
        supply.raw() + Amount::whole(1000).raw()
    );
    for (b, a) in before.iter().zip(&after) {
        let share = Amount::whole(u64::from(b.bucket.share_bps()) / 10).raw();
        assert_eq!(a.issued.raw() - b.issued.raw(), share, "{:?}", b.bucket);
    }

    let json = cli.by(who::ADMIN, &["--json", "issue", "0.5"]).ok().json();
    assert_eq!(mined(&cli, &json).await, "issued 0.5 WBX into the buckets");

    // Only admins issue.
    let trader = address(who::TRADER);
    cli.by(who::TRADER, &["issue", "1"])
        .fails(FAILURE, &[&trader.to_string(), "does not hold the admin role"]);
}

#[tokio::test]
async fn allocate_releases_from_a_bucket() {
    let cli = Cli::new().await;
    let to = fresh();
    let released = cli.released(Bucket::CommunityRewards).await;

    cli.by(who::ADMIN, &["allocate", "community-rewards", &to.to_string(), "250"])
        .ok()
        .says(&[&format!("released 250 WBX from community-rewards to {to}")]);
    assert_eq!(cli.balance(to).await, Amount::whole(250));
    assert_eq!(
        cli.released(Bucket::CommunityRewards).await.raw(),
        released.raw() + Amount::whole(250).raw()
    );

    // Aliases name buckets too; --json.
    let json = cli
        .by(who::ADMIN, &["allocate", "marketing", &to.to_string(), "0.25", "--json"])
        .ok()
        .json();
    assert_eq!(
        mined(&cli, &json).await,
        format!("released 0.25 WBX from marketing-partnerships to {to}")
    );
    assert_eq!(cli.balance(to).await, "250.25".parse().unwrap());
    assert_eq!(cli.released(Bucket::MarketingPartnerships).await, "0.25".parse().unwrap());

    // More than the bucket holds: the message has the numbers; nothing moves.
    cli.by(who::ADMIN, &["allocate", "community-rewards", &to.to_string(), "100000000"]).fails(
        FAILURE,
        &["community-rewards bucket holds 99997750 WBX, less than the 100000000 WBX asked for"],
    );
    // Not an admin.
    cli.by(who::TRADER, &["allocate", "community-rewards", &to.to_string(), "1"])
        .fails(FAILURE, &["does not hold the admin role"]);
    assert_eq!(cli.balance(to).await, "250.25".parse().unwrap());
}
