//! `wbx` on a chain whose EVM predates what the contracts need (anvil and Hardhat started on an
//! older hardfork): `deploy` sends nothing and names what is missing and which hardfork brings
//! it; `status` and `doctor token` blame the chain, not the contract.

use crate::support::{BAD_INPUT, FAILURE, run, wbx};
use alloy::{
    primitives::Address,
    providers::{Provider, ProviderBuilder, ext::AnvilApi},
};
use wbx_sdk::{Deployment, contracts::WbxPool, contracts::WebexToken};
use wbx_testing::{Node, address, who};

/// An anvil node on `hardfork`.
fn old_anvil(hardfork: &str) -> Node {
    Node::anvil(wbx_testing::anvil().args(["--hardfork", hardfork])).expect("start anvil")
}

#[tokio::test]
async fn deploy_on_an_older_evm_sends_nothing_and_names_what_is_missing() {
    let cancun = ["TLOAD (EIP-1153", "TSTORE (EIP-1153", "MCOPY (EIP-5656)", "Cancun hardfork"];
    let cases = [
        ("anvil --hardfork shanghai", old_anvil("shanghai"), &cancun[..], &[][..]),
        (
            "anvil --hardfork paris",
            old_anvil("paris"),
            &cancun[..],
            &["PUSH0 (EIP-3855), which the Shanghai hardfork brings"][..],
        ),
        (
            "hardhat on shanghai",
            Node::hardhat(Some("shanghai")).expect("start hardhat"),
            &cancun[..],
            &[][..],
        ),
    ];
    for (what, node, lacks, also) in cases {
        let url = node.endpoint();
        let dir = tempfile::tempdir().unwrap();
        let run = run(wbx(dir.path()).args(["deploy", "--dev-account", "0", "--rpc-url", &url]));
        let mut parts = vec!["lacks what the WBX contracts need", "Nothing was sent"];
        parts.extend(lacks);
        parts.extend(also);
        run.fails(BAD_INPUT, &parts);
        let p = ProviderBuilder::new().connect(&url).await.unwrap();
        assert_eq!(p.get_transaction_count(address(who::ADMIN)).await.unwrap(), 0, "{what}: sent");
        assert_eq!(p.get_block_number().await.unwrap(), 0, "{what}: a block was mined");
        assert!(!dir.path().join("deployments").exists(), "{what}: a record or progress file");
    }
}

#[tokio::test]
async fn status_and_doctor_token_on_an_older_evm_blame_the_chain_not_the_contract() {
    // The real WBX runtime code, placed on a Shanghai chain (as if deployed before a downgrade,
    // or on a chain that forked off without Cancun): totalSupply runs there, version() does not.
    let node = old_anvil("shanghai");
    let url = node.endpoint();
    let p = ProviderBuilder::new().connect(&url).await.unwrap();
    let (token, pool) = (Address::repeat_byte(0x70), Address::repeat_byte(0x71));
    p.anvil_set_code(token, WebexToken::DEPLOYED_BYTECODE.clone()).await.unwrap();
    p.anvil_set_code(pool, WbxPool::DEPLOYED_BYTECODE.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let record = Deployment {
        chain_id: 31337,
        token,
        pool,
        admin: address(who::ADMIN),
        deploy_block: 0,
        version: wbx_sdk::Wbx::expected_version().to_string(),
    };
    let path = dir.path().join("d.json");
    record.write(&path).unwrap();
    let path = path.to_str().unwrap();

    run(wbx(dir.path()).args(["status", "--deployment", path, "--rpc-url", &url])).fails(
        BAD_INPUT,
        &["lacks what the WBX contracts need", "MCOPY (EIP-5656)", "Cancun hardfork"],
    );

    let token = token.to_string();
    let doctor = run(wbx(dir.path()).args(["doctor", "token", &token, "--rpc-url", &url]));
    assert_eq!(doctor.code, FAILURE, "{doctor}");
    let out = &doctor.stdout;
    for part in [
        "FAIL  chain EVM",
        "lacks",
        "MCOPY (Cancun)",
        "the node could not run version()",
        "pass  runtime code",
        "matches the WebexToken this client was built for",
    ] {
        assert!(out.contains(part), "doctor token lacks {part:?}:\n{doctor}");
    }
    assert!(
        !out.contains("not WBX"),
        "the chain's failure was taken for the contract's:\n{doctor}"
    );
}
