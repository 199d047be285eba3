//! The bytecode the SDK embeds is the bytecode forge builds from the same sources, and the runtime
//! code it deploys matches it once the immutables are masked.

use alloy::providers::Provider;
use std::process::Command;
use wbx_sdk::contracts::{WBX_POOL_IMMUTABLES, WEBEX_TOKEN_IMMUTABLES, WbxPool, WebexToken};
use wbx_testing::{Fixture, workspace_root};

fn masked(code: &[u8], immutables: &[(usize, usize)]) -> Vec<u8> {
    let mut code = code.to_vec();
    for &(start, len) in immutables {
        code[start..start + len].fill(0);
    }
    code
}

#[tokio::test]
async fn deployed_runtime_code_matches_the_embedded_one() {
    let f = Fixture::new().await;
    let d = f.admin.deployment();
    let p = f.admin.provider();
    let token = p.get_code_at(d.token).await.unwrap();
    let pool = p.get_code_at(d.pool).await.unwrap();
    assert_eq!(
        masked(&token, WEBEX_TOKEN_IMMUTABLES),
        masked(&WebexToken::DEPLOYED_BYTECODE, WEBEX_TOKEN_IMMUTABLES)
    );
    assert_eq!(
        masked(&pool, WBX_POOL_IMMUTABLES),
        masked(&WbxPool::DEPLOYED_BYTECODE, WBX_POOL_IMMUTABLES)
    );
    assert!(!WEBEX_TOKEN_IMMUTABLES.is_empty(), "EIP-712 caches live in immutables");
}

#[test]
fn embedded_bytecode_is_what_forge_builds() {
    let root = workspace_root();
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(root.join("node_modules/.bin/forge"))
        .args(["build", "--skip", "test", "--skip", "script", "--out"])
        .arg(out.path())
        .arg("--cache-path")
        .arg(out.path().join("cache"))
        .current_dir(&root)
        .status()
        .expect("run forge");
    assert!(status.success());
    for (file, name, creation) in [
        ("WebexToken.sol", "WebexToken", &WebexToken::BYTECODE),
        ("WbxPool.sol", "WbxPool", &WbxPool::BYTECODE),
    ] {
        let path = out.path().join(file).join(format!("{name}.json"));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let forge = json["bytecode"]["object"].as_str().unwrap();
        assert_eq!(
            forge,
            creation.to_string(),
            "{name}: the SDK's bytecode differs from forge's: stale build?"
        );
    }
}
