//! ERC-20 commands: `balance`, `transfer`, `approve`, `allowance`, `transfer-from`.

use crate::support::{BAD_INPUT, Cli, addr, amt, fresh, mined, s};
use wbx_sdk::Amount;
use wbx_testing::{address, who};

#[tokio::test]
async fn balance_of_an_account_or_of_the_wallet() {
    let cli = Cli::new().await;
    let trader = address(who::TRADER);
    let eth = cli.sdk().eth_balance(trader).await.unwrap();

    cli.run(&["balance", &trader.to_string()]).ok().says(&[
        &trader.to_string(),
        "1000 WBX",
        &format!("{eth} ETH"),
    ]);
    // No ACCOUNT: the wallet's own.
    let json = cli.by(who::TRADER, &["balance", "--json"]).ok().json();
    assert_eq!(addr(&json, "account"), trader);
    assert_eq!(s(&json, "wbx"), "1000");
    assert_eq!(s(&json, "eth"), eth.to_string());
    // A lowercase address is accepted as is.
    let json = cli.run(&["--json", "balance", &trader.to_string().to_lowercase()]).ok().json();
    assert_eq!(s(&json, "wbx"), "1000");
    // Neither an account nor a wallet: nobody to look up.
    cli.run(&["balance"]).fails(BAD_INPUT, &["give an ADDRESS"]);
}

#[tokio::test]
async fn transfer_moves_the_exact_amount() {
    let cli = Cli::new().await;
    let (trader, to) = (address(who::TRADER), fresh());

    cli.by(who::TRADER, &["transfer", &to.to_string(), "12.5"]).ok().says(&[
        &format!("transferred 12.5 WBX to {to}"),
        "  tx 0x",
        " in block ",
    ]);
    assert_eq!(cli.balance(to).await, amt("12.5"));
    assert_eq!(cli.balance(trader).await, amt("987.5"));

    // --json: the mined transaction, and the smallest unit moves exactly.
    let json =
        cli.by(who::TRADER, &["transfer", &to.to_string(), "0.000000000000000001", "--json"]);
    let action = mined(&cli, &json.ok().json()).await;
    assert_eq!(action, format!("transferred 0.000000000000000001 WBX to {to}"));
    assert_eq!(cli.balance(to).await, amt("12.500000000000000001"));
    assert_eq!(cli.balance(trader).await, amt("987.499999999999999999"));
}

#[tokio::test]
async fn approve_allowance_and_transfer_from() {
    let cli = Cli::new().await;
    let (owner, spender, to) = (address(who::TRADER), address(who::TRADER_EXT), fresh());
    let (o, sp) = (owner.to_string(), spender.to_string());

    cli.by(who::TRADER, &["approve", &sp, "100"])
        .ok()
        .says(&[&format!("approved {spender} to spend 100 WBX")]);
    assert_eq!(cli.sdk().allowance(owner, spender).await.unwrap(), Amount::whole(100));
    let json = cli.run(&["allowance", &o, &sp, "--json"]).ok().json();
    assert_eq!((addr(&json, "owner"), addr(&json, "spender")), (owner, spender));
    assert_eq!(s(&json, "allowance"), "100");

    cli.by(who::TRADER_EXT, &["transfer-from", &o, &to.to_string(), "40"])
        .ok()
        .says(&[&format!("moved 40 WBX from {owner} to {to}")]);
    assert_eq!(cli.balance(to).await, Amount::whole(40));
    assert_eq!(cli.balance(owner).await, Amount::whole(960));
    assert_eq!(cli.balance(spender).await, Amount::whole(1000));
    cli.run(&["allowance", &o, &sp]).ok().says(&["60 WBX"]);

    // More than the allowance: refused with the numbers, nothing moves.
    cli.by(who::TRADER_EXT, &["transfer-from", &o, &to.to_string(), "61"])
        .fails(1, &["allowance", "60 WBX", "61 WBX"]);
    assert_eq!(cli.balance(to).await, Amount::whole(40));

    // `pool` names the deployment's pool.
    let pool = cli.sdk().deployment().pool;
    let json = cli.by(who::TRADER, &["--json", "approve", "pool", "5"]).ok().json();
    assert_eq!(mined(&cli, &json).await, format!("approved {pool} to spend 5 WBX"));
    assert_eq!(cli.sdk().allowance(owner, pool).await.unwrap(), Amount::whole(5));
    let json = cli.run(&["allowance", &o, "pool", "--json"]).ok().json();
    assert_eq!(addr(&json, "spender"), pool);
    assert_eq!(s(&json, "allowance"), "5");
}
