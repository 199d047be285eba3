//! Sign-In with Ethereum and the grant: who gets in, who does not and why, and sessions that end
//! with their grant.

use crate::support::{Env, sign};
use alloy::{primitives::Address, providers::Provider, signers::SignerSync};
use reqwest::StatusCode;
use wbx_sdk::{GrantKind, Role};
use wbx_testing::{address, mocks::ContractWallet, who};

/// The challenge with one line replaced (a forged field), signed by account `n`.
async fn forged(env: &Env, n: u32, from: &str, to: &str) -> (String, String) {
    let m = env.challenge(n).await;
    assert!(m.contains(from), "the message has no {from:?}:\n{m}");
    let m = m.replace(from, to);
    let sig = sign(n, &m).await;
    (m, sig)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auditor_signs_in_and_the_api_needs_the_session() {
    let env = Env::new().await;
    let (status, body) = env.get("/api/overview", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "no-session");

    let m = env.challenge(who::AUDITOR).await;
    // The message is EIP-4361 for this server, this chain, with an expiry.
    let domain = env.dash().url().trim_start_matches("http://").to_string();
    assert!(
        m.starts_with(&format!(
            "{domain} wants you to sign in with your Ethereum account:\n{}",
            address(who::AUDITOR)
        )),
        "{m}"
    );
    for line in
        [format!("URI: {}", env.dash().url()), "Chain ID: 31337".into(), "Version: 1".into()]
    {
        assert!(m.contains(&line), "{line} missing:\n{m}");
    }
    assert!(m.contains("\nExpiration Time: "), "{m}");
    let (status, body, cookie) = env.verify(&m, &sign(who::AUDITOR, &m).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["session"]["role"], "auditor");
    assert_eq!(body["session"]["address"], address(who::AUDITOR).to_string().to_lowercase());
    for attr in ["wbx_session=", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "cookie lacks {attr}: {cookie}");
    }
    let token = body["token"].as_str().unwrap();
    let (status, overview) = env.get("/api/overview", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(overview["chainId"], 31337);
    // The cookie works as well as the bearer token, and a wrong token does not.
    let value = cookie.split(';').next().unwrap();
    let r = env.http.get(env.url("/api/overview")).header("cookie", value).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (status, _) = env.get("/api/overview", Some("00")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Signing out ends it.
    let r = env.http.post(env.url("/api/auth/logout")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(env.get("/api/overview", Some(token)).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_signature_is_refused() {
    let env = Env::new().await;
    let m = env.challenge(who::AUDITOR).await;
    let sig = sign(who::AUDITOR, &m).await;
    assert_eq!(env.verify(&m, &sig).await.0, StatusCode::OK);
    let (status, body, cookie) = env.verify(&m, &sig).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "bad-nonce", "{body}");
    assert!(cookie.is_empty(), "a refused sign-in set a cookie: {cookie}");
    // A nonce the server never issued is refused the same way.
    let (m2, sig2) = forged(&env, who::AUDITOR, "Nonce: ", "Nonce: 0000").await;
    assert_eq!(env.verify(&m2, &sig2).await.1["error"], "bad-nonce");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_for_another_domain_uri_or_chain_is_refused() {
    let env = Env::new().await;
    let domain = env.dash().url().trim_start_matches("http://").to_string();
    let (m, sig) =
        forged(&env, who::AUDITOR, &format!("{domain} wants"), "wbx.example.org wants").await;
    let (status, body, _) = env.verify(&m, &sig).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("wrong-domain")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("wbx.example.org"));

    let (m, sig) = forged(&env, who::AUDITOR, "Chain ID: 31337", "Chain ID: 1").await;
    let (_, body, _) = env.verify(&m, &sig).await;
    assert_eq!(body["error"], "wrong-chain", "{body}");
    assert_eq!(
        body["message"],
        "the message is for chain 1, but this dashboard serves chain 31337"
    );

    let url = env.dash().url().to_string();
    let (m, sig) =
        forged(&env, who::AUDITOR, &format!("URI: {url}"), "URI: http://wbx.example.org").await;
    assert_eq!(env.verify(&m, &sig).await.1["error"], "wrong-uri");
    // Text around a valid message is not the message.
    let m = format!("{}\n", env.challenge(who::AUDITOR).await);
    let sig = sign(who::AUDITOR, &m).await;
    assert_eq!(env.verify(&m, &sig).await.1["error"], "bad-message");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_message_is_refused() {
    let env = Env::new().await;
    let m: siwe::Message = env.challenge(who::AUDITOR).await.parse().unwrap();
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let mut old = m.clone();
    old.issued_at = (now - time::Duration::minutes(20)).into();
    old.expiration_time = Some((now - time::Duration::minutes(10)).into());
    let text = old.to_string();
    let (status, body, _) = env.verify(&text, &sign(who::AUDITOR, &text).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "message-expired", "{body}");
    // A message without an expiration time is refused too (with a fresh nonce).
    let mut forever: siwe::Message = env.challenge(who::AUDITOR).await.parse().unwrap();
    forever.expiration_time = None;
    let text = forever.to_string();
    assert_eq!(
        env.verify(&text, &sign(who::AUDITOR, &text).await).await.1["error"],
        "message-expired"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signature_by_another_key_is_refused() {
    let env = Env::new().await;
    let m = env.challenge(who::AUDITOR).await;
    let (status, body, _) = env.verify(&m, &sign(who::STRANGER, &m).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("bad-signature")));
    let m = env.challenge(who::AUDITOR).await;
    assert_eq!(env.verify(&m, "0x1234").await.1["error"], "bad-signature");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_holder_and_a_trader_are_refused_in_the_clis_words() {
    let env = Env::new().await;
    for n in [who::STRANGER, who::TRADER, who::DEVELOPER] {
        let m = env.challenge(n).await;
        let (status, body, cookie) = env.verify(&m, &sign(n, &m).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "account {n}: {body}");
        assert_eq!(body["error"], "no-grant");
        assert_eq!(
            body["message"],
            format!("{} does not hold the auditor role: ask an admin to grant it", address(n))
        );
        assert!(cookie.is_empty());
    }
    // The top admin may act as an admin without a grant, and an Admin grant lets one in too.
    let token = env.sign_in(who::ADMIN).await;
    let (_, s) = env.get("/api/auth/session", Some(&token)).await;
    assert_eq!(s["role"], "admin");
    env.f.admin.grant(address(who::STRANGER), Role::Admin, GrantKind::Standard).await.unwrap();
    let token = env.sign_in(who::STRANGER).await;
    assert_eq!(env.get("/api/auth/session", Some(&token)).await.1["role"], "admin");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_grant_ends_the_session_at_the_next_request() {
    let env = Env::new().await;
    let token = env.sign_in(who::AUDITOR).await;
    assert_eq!(env.get("/api/access", Some(&token)).await.0, StatusCode::OK);
    let revoked = env.f.admin.revoke(address(who::AUDITOR), Role::Auditor).await.unwrap();
    let (status, body) = env.get("/api/access", Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let when = wbx_sdk::error::format_time(
        env.f
            .admin
            .provider()
            .get_block_by_number(revoked.block.into())
            .await
            .unwrap()
            .unwrap()
            .header
            .timestamp,
    );
    let words = format!(
        "signed out: the auditor grant of {} was revoked at {when} by {}: ask an admin for a new grant",
        address(who::AUDITOR),
        address(who::ADMIN)
    );
    assert_eq!(body["message"], words);
    // It stays ended, and the sign-in page says why to the browser holding the cookie.
    assert_eq!(env.get("/api/overview", Some(&token)).await.0, StatusCode::FORBIDDEN);
    let page = env
        .http
        .get(env.url("/login"))
        .header("cookie", format!("wbx_session={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&words), "{page}");
    // A new sign-in is refused too.
    let m = env.challenge(who::AUDITOR).await;
    let (status, body, _) = env.verify(&m, &sign(who::AUDITOR, &m).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().unwrap().contains("was revoked at"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renewed_grant_keeps_the_session_and_an_expired_one_ends_it() {
    let env = Env::new().await;
    let token = env.sign_in(who::AUDITOR).await;
    let auditor = env.f.as_account(who::AUDITOR).await;
    let g = env.f.admin.grant_of(address(who::AUDITOR), Role::Auditor).await.unwrap();
    // 25 of its 30 minutes pass; the auditor renews (`wbx access renew auditor`).
    env.f.advance(25 * 60).await;
    auditor.renew(Role::Auditor).await.unwrap();
    // Past the first expiry: still in, no new signature.
    env.f.advance(10 * 60).await;
    assert!(env.f.admin.now().await.unwrap() > g.expires_at);
    let (status, s) = env.get("/api/auth/session", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let renewed = s["grantExpiresAt"].as_u64().unwrap();
    assert!(renewed > g.expires_at);
    // Past the renewed expiry: out, in the CLI's words.
    env.f.advance(25 * 60).await;
    let (status, body) = env.get("/api/overview", Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        format!(
            "signed out: the auditor grant of {} expired at {}: ask an admin to grant it again",
            address(who::AUDITOR),
            wbx_sdk::error::format_time(renewed)
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contract_account_signs_in_through_erc1271() {
    let env = Env::new().await;
    let owner = wbx_sdk::signer::dev_account(who::STRANGER).unwrap();
    let wallet = ContractWallet::deploy(env.f.admin.provider(), owner.address()).await.unwrap();
    let account: Address = *wallet.address();
    env.f.admin.grant(account, Role::Auditor, GrantKind::Extended).await.unwrap();
    // The wallet's owner signs the EIP-191 hash of the message; the wallet vouches for it.
    let m = env.challenge_for(account).await;
    let hash = alloy::primitives::eip191_hash_message(m.as_bytes());
    let sig = owner.sign_hash_sync(&hash).unwrap();
    let (status, body, _) =
        env.verify(&m, &alloy::primitives::hex::encode_prefixed(sig.as_bytes())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["session"]["address"], account.to_string().to_lowercase());
    // Someone else's signature is not the wallet's.
    let other = wbx_sdk::signer::dev_account(who::TRADER).unwrap();
    let m = env.challenge_for(account).await;
    let sig = other.sign_hash_sync(&alloy::primitives::eip191_hash_message(m.as_bytes())).unwrap();
    let (status, body, _) =
        env.verify(&m, &alloy::primitives::hex::encode_prefixed(sig.as_bytes())).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("bad-signature")));
}
