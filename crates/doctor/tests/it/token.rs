//! `doctor token`: WBX itself, an EOA, a contract of another standard, a USDT-style token, and an
//! outdated WBX deployment, the last three deployed from the Solidity mocks.

use crate::{doctor, expect, healthy};
use alloy::primitives::{U256, aliases::U48};
use wbx_doctor::Status;
use wbx_testing::{
    Fixture, address,
    mocks::{NftLike, NoBoolToken, WebexTokenV0},
    who,
};

#[tokio::test]
async fn tokens_good_bad_and_outdated() {
    let fx = Fixture::new().await;
    let doc = doctor(&fx, who::ADMIN).await;
    let p = fx.admin.provider().clone();

    let d = doc.token(fx.admin.deployment().token).await.unwrap();
    healthy(&d);
    expect(&d, "wbx", Status::Pass, None);
    expect(&d, "runtime-code", Status::Pass, None);

    // A wallet given as a token.
    let d = doc.token(address(who::TRADER)).await.unwrap();
    let c = expect(&d, "code", Status::Fail, Some("wbx status"));
    assert!(c.cause.as_deref().unwrap().contains("wallet (an EOA)"));

    // An NFT contract, and a contract that is no token at all (the pool).
    let nft = NftLike::deploy(p.clone()).await.unwrap();
    let d = doc.token(*nft.address()).await.unwrap();
    let c = expect(&d, "erc20", Status::Fail, None);
    assert!(c.cause.as_deref().unwrap().contains("ERC-721"), "{}", d.render());
    let d = doc.token(fx.admin.deployment().pool).await.unwrap();
    let c = expect(&d, "erc20", Status::Fail, None);
    assert!(c.cause.as_deref().unwrap().contains("not an ERC-20"), "{}", d.render());

    // A USDT-style token: transfer and approve return nothing.
    let usdt = NoBoolToken::deploy(p.clone(), U256::from(1_000_000u64)).await.unwrap();
    let d = doc.token(*usdt.address()).await.unwrap();
    expect(&d, "erc20", Status::Pass, None);
    let c = expect(&d, "returns-bool", Status::Fail, Some("SafeERC20"));
    assert!(c.detail.contains("returned nothing"), "{}", d.render());
    // A function that does not exist (version() reverts without data) is the contract's answer.
    let c = expect(&d, "wbx", Status::Fail, None);
    assert!(c.cause.as_deref().unwrap().contains("has no version()"), "{}", d.render());

    // An outdated WBX: its version and its runtime code are not the ones this client knows.
    let old = WebexTokenV0::deploy(p, U256::ZERO, address(who::ADMIN), U48::from(0)).await.unwrap();
    let d = doc.token(*old.address()).await.unwrap();
    let c = expect(&d, "wbx", Status::Fail, Some("wbx deploy"));
    let expected = format!("found 0.9.0, expected {}", wbx_sdk::Wbx::expected_version());
    assert!(c.detail.contains(&expected), "{}", d.render());
    assert!(c.cause.as_deref().unwrap().contains("outdated"), "{}", d.render());
    expect(&d, "runtime-code", Status::Fail, None);
    assert!(d.round_trips <= 5, "{} round trips", d.round_trips);
}
