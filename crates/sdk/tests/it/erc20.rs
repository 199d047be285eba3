use wbx_sdk::{Amount, Error, Revert};
use wbx_testing::{Fixture, address, who};

#[tokio::test]
async fn transfer_approve_transfer_from() {
    let f = Fixture::new().await;
    let trader = f.as_account(who::TRADER).await;
    let other = f.as_account(who::TRADER_EXT).await;
    let (t, o, s) = (address(who::TRADER), address(who::TRADER_EXT), address(who::STRANGER));

    let sent = trader.transfer(s, "12.5".parse().unwrap()).await.unwrap();
    assert!(sent.gas_used > 21_000);
    assert_eq!(trader.balance_of(s).await.unwrap(), "12.5".parse().unwrap());
    assert_eq!(trader.balance_of(t).await.unwrap(), "987.5".parse().unwrap());

    trader.approve(o, Amount::whole(10)).await.unwrap();
    assert_eq!(trader.allowance(t, o).await.unwrap(), Amount::whole(10));
    other.transfer_from(t, s, Amount::whole(4)).await.unwrap();
    assert_eq!(trader.allowance(t, o).await.unwrap(), Amount::whole(6));
    assert_eq!(trader.balance_of(s).await.unwrap(), "16.5".parse().unwrap());
}

#[tokio::test]
async fn permit_signed_by_owner_relayed_by_anyone() {
    let f = Fixture::new().await;
    let trader = f.as_account(who::TRADER).await;
    let relayer = f.as_account(who::STRANGER).await;
    let (t, o) = (address(who::TRADER), address(who::TRADER_EXT));
    let deadline = trader.now().await.unwrap() + 600;
    let sig = trader.sign_permit(o, Amount::whole(7), deadline).await.unwrap();
    relayer.permit(t, o, Amount::whole(7), deadline, sig).await.unwrap();
    assert_eq!(trader.allowance(t, o).await.unwrap(), Amount::whole(7));
    // Replaying the same signature fails: the nonce moved.
    let err = relayer.permit(t, o, Amount::whole(7), deadline, sig).await.unwrap_err();
    assert!(matches!(err.revert(), Some(Revert::Token(_))), "{err}");
}

#[tokio::test]
async fn sending_without_a_signer_is_refused_before_anything_is_sent() {
    let f = Fixture::new().await;
    let conn = wbx_sdk::Connection::connect(&f.node.endpoint(), None).await.unwrap();
    let reader = f.admin.with_connection(conn);
    assert!(reader.balance_of(address(who::TRADER)).await.is_ok());
    let err = reader.transfer(address(who::STRANGER), Amount::whole(1)).await.unwrap_err();
    assert!(matches!(err, Error::NoSigner), "{err}");
}
