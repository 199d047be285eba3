//! A tour of the SDK on a local anvil: deploy, grant, transfer, swap, and watch a grant expire.
//!
//! Start anvil (`node_modules/.bin/anvil`), then `cargo run -p wbx-sdk --example tour`.
//! `ETH_RPC_URL` points it elsewhere (a local chain: it signs with anvil's dev accounts).

use alloy::providers::ext::AnvilApi;
use wbx_sdk::{
    Amount, Bucket, Connection, DeployConfig, GrantKind, Role, Side, SignerSource, Wbx, deploy,
    signer::dev_account,
};

#[allow(clippy::print_stdout)]
#[tokio::main]
async fn main() -> eyre::Result<()> {
    let url = std::env::var("ETH_RPC_URL").unwrap_or_else(|_| wbx_sdk::DEFAULT_RPC_URL.into());
    let as_dev = |n| SignerSource::DevAccount(n);
    let admin_conn = Connection::connect(&url, Some(&as_dev(0))).await?;

    println!("1. deploy the token and the pool as dev account 0 (the top admin)");
    let admin = deploy(&admin_conn, &DeployConfig::default()).await?;
    let d = admin.deployment();
    println!("   token {} pool {} (block {})", d.token, d.pool, d.deploy_block);
    for b in admin.buckets().await? {
        println!(
            "   {:<26} {:>5.2}%  {:>14} WBX",
            b.bucket.title(),
            b.share_bps as f64 / 100.0,
            b.remaining
        );
    }

    let (alice, bob) = (dev_account(1)?.address(), dev_account(2)?.address());
    println!("2. grant alice a Standard Trader grant and pay her 1,000 WBX of community rewards");
    admin.grant(alice, Role::Trader, GrantKind::Standard).await?;
    admin.allocate(Bucket::CommunityRewards, alice, Amount::whole(1000)).await?;

    let alice_wbx: Wbx = admin.with_connection(Connection::connect(&url, Some(&as_dev(1))).await?);
    println!("3. alice sends bob 250.5 WBX");
    alice_wbx.transfer(bob, "250.5".parse()?).await?;
    println!(
        "   alice {} WBX, bob {} WBX",
        alice_wbx.balance_of(alice).await?,
        alice_wbx.balance_of(bob).await?
    );

    println!("4. alice buys WBX with 0.5 ETH, 1% slippage");
    let quote = alice_wbx.quote(Side::Buy, "0.5".parse()?, 100).await?;
    println!(
        "   quote: {} WBX (at least {}), price impact {:.2}%",
        quote.amount_out,
        quote.min_out,
        quote.price_impact_bps as f64 / 100.0
    );
    let deadline = alice_wbx.now().await? + 600;
    let sent = alice_wbx.buy("0.5".parse()?, quote.min_out, deadline).await?;
    println!("   swapped in block {} for {} gas", sent.block, sent.gas_used);

    println!("5. 31 minutes pass: alice's Standard grant expires");
    admin.provider().anvil_increase_time(31 * 60).await?;
    admin.provider().anvil_mine(Some(1), None).await?;
    match alice_wbx.transfer(bob, Amount::whole(1)).await {
        Err(e) => println!("   transfer refused: {e}"),
        Ok(_) => eyre::bail!("an expired grant authorised a transfer"),
    }
    Ok(())
}
