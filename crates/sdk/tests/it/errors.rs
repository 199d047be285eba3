//! Every error path: the contracts' custom errors decoded with their fields, and node errors mapped
//! to named variants.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use wbx_sdk::{
    Amount, Bucket, Connection, Error, GrantKind, Revert, Role, SignerSource,
    contracts::WebexToken::WebexTokenErrors as T,
};
use wbx_testing::{DevRpc, Fixture, Node, NodeKind, address, who};

fn token_error(err: &Error) -> &T {
    match err.revert() {
        Some(Revert::Token(e)) => e,
        other => panic!("expected a token error, got {other:?} from {err}"),
    }
}

#[tokio::test]
async fn custom_errors_decode_with_their_fields() {
    let f = Fixture::new().await;
    let stranger = f.as_account(who::STRANGER).await;
    let trader = f.as_account(who::TRADER).await;
    let (s, t) = (address(who::STRANGER), address(who::TRADER));

    // Missing grant: OpenZeppelin's error, with the role.
    let err = stranger.transfer(t, Amount::whole(1)).await.unwrap_err();
    match token_error(&err) {
        T::AccessControlUnauthorizedAccount(e) => {
            assert_eq!((e.account, e.neededRole), (s, Role::Trader.id()));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("does not hold the trader role"), "{err}");

    // Balance.
    let err = trader.transfer(s, Amount::whole(5000)).await.unwrap_err();
    match token_error(&err) {
        T::ERC20InsufficientBalance(e) => {
            assert_eq!(
                (e.sender, e.balance, e.needed),
                (t, Amount::whole(1000).raw(), Amount::whole(5000).raw())
            );
        }
        other => panic!("{other:?}"),
    }

    // Allowance.
    let other = f.as_account(who::TRADER_EXT).await;
    let err = other.transfer_from(t, s, Amount::whole(1)).await.unwrap_err();
    assert!(
        matches!(token_error(&err), T::ERC20InsufficientAllowance(e) if e.needed == Amount::whole(1).raw())
    );
    assert!(err.to_string().contains("approve"), "{err}");

    // Bucket exhausted.
    let remaining = f.admin.bucket(Bucket::CommunityRewards).await.unwrap().remaining;
    let too_much = Amount::from_raw(remaining.raw() + U256::from(1));
    let err = f.admin.allocate(Bucket::CommunityRewards, s, too_much).await.unwrap_err();
    match token_error(&err) {
        T::WbxInsufficientBucket(e) => {
            assert_eq!(e.bucket, Bucket::CommunityRewards.index());
            assert_eq!((e.remaining, e.needed), (remaining.raw(), too_much.raw()));
        }
        other => panic!("{other:?}"),
    }

    // Separation of duties.
    let err = f
        .admin
        .grant(address(who::DEVELOPER), Role::Trader, GrantKind::Standard)
        .await
        .unwrap_err();
    assert!(matches!(token_error(&err), T::WbxConflictingRole(_)), "{err}");

    // Pause.
    f.admin.pause().await.unwrap();
    let err = trader.transfer(s, Amount::whole(1)).await.unwrap_err();
    assert!(matches!(token_error(&err), T::EnforcedPause(_)), "{err}");
    f.admin.unpause().await.unwrap();

    // A developer cannot move tokens, an auditor cannot issue.
    let auditor = f.as_account(who::AUDITOR).await;
    let err = auditor.issue(Amount::whole(1)).await.unwrap_err();
    assert!(
        matches!(token_error(&err), T::AccessControlUnauthorizedAccount(e) if e.neededRole == Role::Admin.id())
    );
}

/// The same conditions provoked on anvil and on Hardhat's node, whose wordings differ (see the
/// table test in `error.rs` for geth, reth, Nethermind and Erigon), map to the same variants.
#[tokio::test(flavor = "multi_thread")]
async fn node_errors_map_to_named_variants_on_both_nodes() {
    for kind in NodeKind::ALL {
        let f = Fixture::on_node(kind).await;
        let p = f.admin.provider();

        // Insufficient funds: a key with no ETH.
        let poor = SignerSource::PrivateKey(wbx_sdk::Secret::new(
            "0x0000000000000000000000000000000000000000000000000000000000000bad",
        ));
        let conn = Connection::connect(&f.node.endpoint(), Some(&poor)).await.unwrap();
        let req = TransactionRequest::default()
            .with_to(address(who::TRADER))
            .with_value(U256::from(1u64) << 60)
            .with_gas_limit(21_000);
        let err = Error::from_rpc(conn.provider().send_transaction(req).await.unwrap_err());
        assert!(matches!(err, Error::InsufficientFunds { .. }), "{kind}: {err}");

        // Nonce too low: the admin already used nonce 0.
        let req = TransactionRequest::default()
            .with_to(address(who::TRADER))
            .with_nonce(0)
            .with_gas_limit(21_000);
        let err = Error::from_rpc(p.send_transaction(req).await.unwrap_err());
        assert!(matches!(err, Error::NonceTooLow { .. }), "{kind}: {err}");

        // Max fee below the base fee.
        p.set_next_base_fee(100_000_000_000).await.unwrap();
        p.mine_block().await.unwrap();
        let req = TransactionRequest::default()
            .with_to(address(who::TRADER))
            .with_gas_limit(21_000)
            .with_max_fee_per_gas(1_000_000_000)
            .with_max_priority_fee_per_gas(1);
        let err = Error::from_rpc(p.send_transaction(req).await.unwrap_err());
        assert!(matches!(err, Error::FeeBelowBaseFee { .. }), "{kind}: {err}");

        // A revert without data: the pool takes no plain ETH.
        let req = TransactionRequest::default()
            .with_to(f.admin.deployment().pool)
            .with_value(U256::from(1));
        let err = Error::from_rpc(p.send_transaction(req).await.unwrap_err());
        assert!(matches!(err.revert(), Some(Revert::Empty)), "{kind}: {err}");
        assert!(!err.to_string().is_empty() && err.to_string() != "execution reverted");

        // A revert with data: the contract's own error, decoded with its fields.
        let stranger = f.as_account(who::STRANGER).await;
        let err = stranger.transfer(address(who::TRADER), Amount::whole(1)).await.unwrap_err();
        assert!(
            matches!(token_error(&err), T::AccessControlUnauthorizedAccount(_)),
            "{kind}: {err}"
        );
    }
}

/// A replacement that does not outbid the pending version, and the very same transaction sent
/// twice, on both nodes (blocks mined by hand, so the first one waits in the pool).
#[tokio::test(flavor = "multi_thread")]
async fn replacement_underpriced_and_already_known_are_named_on_both_nodes() {
    use alloy::{
        eips::eip2718::Encodable2718,
        network::{EthereumWallet, NetworkTransactionBuilder},
    };
    for kind in NodeKind::ALL {
        let node = Node::start(kind).unwrap();
        let conn = wbx_testing::account(&node, 0).await;
        let p = conn.provider();
        p.set_automine(false).await.unwrap();
        let tx = |to: Address| {
            TransactionRequest::default()
                .with_to(to)
                .with_nonce(0)
                .with_gas_limit(21_000)
                .with_max_fee_per_gas(10_000_000_000)
                .with_max_priority_fee_per_gas(1_000_000_000)
        };
        let _pending = p.send_transaction(tx(address(1))).await.unwrap();
        let err = Error::from_rpc(p.send_transaction(tx(address(2))).await.unwrap_err());
        assert!(matches!(err, Error::ReplacementUnderpriced { .. }), "{kind}: {err}");

        // The very same signed transaction again: the node already has it.
        let wallet = EthereumWallet::from(conn.signer().unwrap().clone());
        let same = tx(address(1)).with_chain_id(conn.chain_id()).with_from(address(0));
        let raw = same.build(&wallet).await.unwrap().encoded_2718();
        let err = Error::from_rpc(p.send_raw_transaction(&raw).await.unwrap_err());
        assert!(matches!(err, Error::AlreadyKnown { .. }), "{kind}: {err}");
    }
}

#[tokio::test]
async fn a_refused_transaction_leaves_no_nonce_gap() {
    let f = Fixture::new().await;
    // Refused at the gas estimate: nothing is sent...
    let err = f
        .admin
        .grant(address(who::DEVELOPER), Role::Trader, GrantKind::Standard)
        .await
        .unwrap_err();
    assert!(err.revert().is_some(), "{err}");
    // ...so the next transaction is mined at once instead of waiting behind a gap.
    let admin = f.admin.clone().with_receipt_timeout(std::time::Duration::from_secs(5));
    admin.pause().await.unwrap();
}
