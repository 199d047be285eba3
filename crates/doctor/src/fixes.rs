//! The revert check: a simulated or replayed call's revert decoded into the contract's custom
//! error with its fields (or `Error(string)`, or a panic with its meaning), and the command that
//! fixes the known ones.

use crate::Check;
use wbx_contracts::{WbxPool::WbxPoolErrors as P, WebexToken::WebexTokenErrors as T};
use wbx_sdk::{Amount, Bucket, GrantKind, Revert, Role};

/// The fix for a decoded revert, when there is a command for it. `wallet` names the signer, `pool`
/// is the deployment's pool (an allowance to it is the signer's own to give).
pub(crate) fn fix_for(
    revert: &Revert,
    wallet: &str,
    pool: Option<alloy::primitives::Address>,
) -> Option<String> {
    let role = |id| Role::from_id(id).map(|r| r.to_string()).unwrap_or_else(|| format!("{id}"));
    Some(match revert {
        Revert::Token(e) => match e {
            T::WbxGrantExpired(e) => {
                format!("wbx access grant {} {} --account <ADMIN>", e.account, role(e.role))
            }
            T::WbxGrantRevoked(e) => {
                format!("wbx access grant {} {} --account <ADMIN>", e.account, role(e.role))
            }
            T::AccessControlUnauthorizedAccount(e) => {
                format!("wbx access grant {} {} --account <ADMIN>", e.account, role(e.neededRole))
            }
            T::WbxWrongGrantKind(e) => match GrantKind::from_index(e.actual) {
                Some(GrantKind::Extended) => format!(
                    "wbx access renew-for {} {} --account <KEEPER>",
                    role(e.role),
                    e.account
                ),
                Some(GrantKind::Standard) => {
                    format!("wbx access renew {} --account <{}>", role(e.role), e.account)
                }
                None => {
                    format!("wbx access grant {} {} --account <ADMIN>", e.account, role(e.role))
                }
            },
            T::ERC20InsufficientAllowance(e) if Some(e.spender) == pool => {
                format!("wbx approve pool {} {wallet}", Amount::from_raw(e.needed))
            }
            T::ERC20InsufficientAllowance(e) => format!(
                "wbx approve {} {} --account <OWNER>",
                e.spender,
                Amount::from_raw(e.needed)
            ),
            T::WbxInsufficientBucket(e) => {
                let short = e.needed.saturating_sub(e.remaining);
                let bucket = Bucket::from_index(e.bucket)?;
                format!(
                    "wbx issue {} --account <ADMIN>  (or allocate at most {})",
                    issue_for(bucket, short),
                    Amount::from_raw(e.remaining)
                )
            }
            T::EnforcedPause(_) => "wbx admin unpause --account <ADMIN>".into(),
            _ => return None,
        },
        Revert::Pool(e) => match e {
            P::WbxPoolPaused(_) => "wbx pool unpause --account <DEVELOPER>".into(),
            P::WbxPoolExpired(_) => format!("wbx swap ... --deadline 10m {wallet}"),
            P::WbxPoolInsufficientOutput(_) => format!("wbx swap ... --slippage 1 {wallet}"),
            _ => return None,
        },
        _ => return None,
    })
}

/// The issue that puts at least `short` more into `bucket` (issues split by policy shares).
pub(crate) fn issue_for(bucket: Bucket, short: alloy::primitives::U256) -> Amount {
    use alloy::primitives::U256;
    let share = U256::from(bucket.share_bps());
    // ceil(short * 10000 / share), then up to a whole token so the command reads well.
    let raw = (short * U256::from(10_000u64)).div_ceil(share);
    let unit = U256::from(10u64).pow(U256::from(18u64));
    Amount::from_raw(raw.div_ceil(unit) * unit)
}

/// The checklist line on a simulated call: passed, or the decoded revert with its fix.
pub(crate) fn simulation_check(
    title: &str,
    answer: &crate::rpc::Answer,
    wallet: &str,
    pool: alloy::primitives::Address,
) -> Check {
    use crate::rpc::Answer;
    match answer {
        Answer::Data(_) => Check::pass("simulation", title, "the call succeeds (eth_call)"),
        Answer::Reverted(r) => {
            let mut c = Check::fail("simulation", title, revert_detail(r), r.to_string());
            if let Some(fix) = fix_for(r, wallet, Some(pool)) {
                c = c.with_fix(fix);
            }
            c
        }
        Answer::NotRun(why) => {
            Check::fail(
                "simulation",
                title,
                "the node could not run the call",
                format!("its EVM stopped at an invalid or not-activated opcode ({why}): the chain may predate an opcode the contracts need"),
            )
                .with_fix("`wbx doctor token ADDR` checks what the chain's EVM lacks; use a chain that has activated Cancun")
        }
        Answer::Failed(why) => {
            Check::fail("simulation", title, "the node refused the call", why.clone())
        }
    }
}

/// `WbxGrantExpired { account: 0x…, role: 0x…, expiredAt: 1750000000 }`: the error and its fields.
pub(crate) fn revert_detail(r: &Revert) -> String {
    match r {
        Revert::Token(e) => strip_variant(format!("{e:?}")),
        Revert::Pool(e) => strip_variant(format!("{e:?}")),
        Revert::Message(m) => format!("Error({m:?})"),
        Revert::Panic(code) => format!("Panic(0x{code:02x})"),
        Revert::Unknown(data) => format!("unknown error data {data}"),
        Revert::Empty => "revert without data".into(),
    }
}

/// `WbxGrantExpired(WbxGrantExpired { .. })` reads `WbxGrantExpired { .. }`, with its addresses
/// checksummed and its role ids named (`role: trader`), as the rest of the output writes them.
fn strip_variant(debug: String) -> String {
    let inner = match debug.split_once('(') {
        Some((_, rest)) if rest.ends_with(')') => rest[..rest.len() - 1].to_string(),
        _ => debug,
    };
    readable_words(&inner)
}

/// Rewrites each `0x…` word: a 20-byte one as a checksummed address, a role id as its name.
fn readable_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("0x") {
        out.push_str(&rest[..at]);
        let word = &rest[at..];
        let len = 2 + word[2..].bytes().take_while(u8::is_ascii_hexdigit).count();
        let hex = &word[..len];
        let named = match len {
            42 => hex.parse::<alloy::primitives::Address>().ok().map(|a| a.to_string()),
            66 => hex
                .parse::<alloy::primitives::B256>()
                .ok()
                .and_then(wbx_sdk::Role::from_id)
                .map(|r| r.to_string()),
            _ => None,
        };
        out.push_str(named.as_deref().unwrap_or(hex));
        rest = &word[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{Address, U256};
    use wbx_contracts::WebexToken;

    #[test]
    fn addresses_are_checksummed_and_role_ids_named() {
        let role = wbx_sdk::Role::Trader.id();
        let text = format!(
            "WbxGrantExpired {{ account: 0x70997970c51812dc3a010c7d01b50e0d17dc79c8, role: {role}, expiredAt: 17 }}"
        );
        assert_eq!(
            readable_words(&text),
            "WbxGrantExpired { account: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8, role: trader, expiredAt: 17 }"
        );
        assert_eq!(readable_words("data 0xdeadbeef and 0x"), "data 0xdeadbeef and 0x");
    }

    #[test]
    fn an_issue_fills_the_bucket_by_its_share() {
        let token = U256::from(10u64).pow(U256::from(18u64));
        // 10% bucket, 10 WBX short: 100 WBX; 40% bucket, 1 wei short: 1 WBX (rounded up).
        assert_eq!(issue_for(Bucket::CommunityRewards, token * U256::from(10)), Amount::whole(100));
        assert_eq!(issue_for(Bucket::PlatformDevelopment, U256::from(1)), Amount::whole(1));
    }

    #[test]
    fn reverts_map_to_fixes_and_show_their_fields() {
        let r = Revert::Token(T::WbxWrongGrantKind(WebexToken::WbxWrongGrantKind {
            account: Address::repeat_byte(1),
            role: Role::Trader.id(),
            actual: 1,
        }));
        assert!(
            fix_for(&r, "--dev-account 5", None).unwrap().starts_with("wbx access renew trader")
        );
        assert!(
            revert_detail(&r).starts_with("WbxWrongGrantKind { account: "),
            "{}",
            revert_detail(&r)
        );
        assert_eq!(revert_detail(&Revert::Message("no".into())), "Error(\"no\")");
        assert_eq!(revert_detail(&Revert::Panic(U256::from(0x11))), "Panic(0x11)");
        assert!(fix_for(&Revert::Empty, "", None).is_none());
    }
}
