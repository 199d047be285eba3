//! The grant an action needs: present, active, expiring soon, expired (when, how long ago),
//! revoked (by whom), and its kind, which says who may renew it.

use crate::{Check, SafeFix, Status, short_duration};
use alloy::primitives::Address;
use wbx_sdk::{Grant, GrantKind, GrantStatus, error::format_time};

/// A grant with less than this left gets a warning: it may run out before the transaction is mined.
pub(crate) const EXPIRING_SECS: u64 = 5 * 60;

/// The checklist line on `grant` at chain time `now`. `mine` says whether the grant is the
/// signer's own (then renewing it is a fix the doctor may apply), `wallet` how the signer's flags
/// read in a command.
pub(crate) fn grant_check(
    id: &'static str,
    g: &Grant,
    now: u64,
    mine: bool,
    wallet: &str,
) -> Check {
    let role = g.role;
    let who = g.account;
    let title = format!("{role} grant of {}", short(who));
    let grant_again = |kind: Option<GrantKind>| {
        format!(
            "wbx access grant {who} {role}{} --account <ADMIN>  (an admin runs it)",
            if kind == Some(GrantKind::Extended) { " --kind extended" } else { "" }
        )
    };
    let kind = g.kind.map(|k| k.to_string()).unwrap_or_else(|| "permanent".into());
    match g.status {
        GrantStatus::None => Check::fail(
            id,
            title,
            "none",
            format!("{who} has never held a {role} grant: the action needs one"),
        )
        .with_fix(grant_again(None)),
        GrantStatus::Expired => {
            let ago = now.saturating_sub(g.expires_at);
            Check::fail(
                id,
                title,
                format!("{kind}, expired {} ago", short_duration(ago)),
                format!(
                    "the {role} grant of {who} expired at {} ({} ago); an expired grant cannot be renewed, only granted again",
                    format_time(g.expires_at),
                    short_duration(ago)
                ),
            )
            .with_fix(grant_again(g.kind))
        }
        GrantStatus::Revoked => {
            let by = g.revoked_by.map(|a| a.to_string()).unwrap_or_else(|| "an admin".into());
            let at = g.revoked_at.map(format_time).unwrap_or_else(|| "?".into());
            Check::fail(
                id,
                title,
                format!("{kind}, revoked by {by}"),
                format!("the {role} grant of {who} was revoked at {at} by {by}"),
            )
            .with_fix(grant_again(g.kind))
        }
        GrantStatus::Active if g.is_permanent() => {
            Check::pass(id, title, "held (a permanent role)")
        }
        GrantStatus::Active => {
            let left = g.expires_at.saturating_sub(now);
            let renewer = match g.kind {
                Some(GrantKind::Extended) => "the keeper renews it",
                _ => "its holder renews it",
            };
            let detail = format!("{kind}, active, {} left; {renewer}", short_duration(left));
            if left >= EXPIRING_SECS {
                return Check::pass(id, title, detail);
            }
            let cause = format!(
                "the {role} grant of {who} expires at {} ({} from now): a transaction mined later fails",
                format_time(g.expires_at),
                short_duration(left)
            );
            match g.kind {
                Some(GrantKind::Extended) => Check::warn(id, title, detail, cause).with_fix(format!(
                    "wbx access renew-for {role} {who} --account <KEEPER>  (the keeper renews Extended grants; `wbx keeper` does it on time)"
                )),
                _ if mine => Check::warn(id, title, detail, cause)
                    .with_fix(format!("wbx access renew {role} {wallet}"))
                    .with_safe_fix(SafeFix::Renew { role }),
                _ => Check::warn(id, title, detail, cause).with_fix(format!(
                    "wbx access renew {role} --account <{who}>  (its holder runs it)"
                )),
            }
        }
    }
}

/// The checklist line on an account that WBX would leave (a transfer's sender, a transfer-from's
/// owner and spender), by the token's own rule: an active Trader grant, or a registered pool (a
/// pool of this token, which moves WBX without a grant because each of its payouts checks its
/// caller's). `developer` is the account's Developer grant, named when it is why it may not move.
pub(crate) fn mover_check(
    id: &'static str,
    trader: &Grant,
    is_pool: bool,
    developer: &Grant,
    now: u64,
    mine: bool,
    wallet: &str,
) -> Check {
    let who = trader.account;
    if is_pool {
        return Check::pass(
            id,
            format!("trader grant of {}", short(who)),
            "not needed: a registered pool of this token moves WBX without one",
        );
    }
    let mut c = grant_check(id, trader, now, mine, wallet);
    if c.status == Status::Fail && developer.status == GrantStatus::Active {
        c.cause = Some(format!(
            "{who} holds an active developer grant, and a developer never moves tokens (separation of duties); {}",
            c.cause.unwrap_or_default()
        ));
        c.fix = Some(format!(
            "move the WBX from a trader's account; {who} trades only once its developer grant is revoked (`wbx access revoke {who} developer --account <ADMIN>`) and a trader grant made"
        ));
    }
    c
}

/// The checklist line on the pool of a swap: it pays WBX out of its reserves (a buy) or pulls the
/// seller's WBX with `transferFrom` (a sell), which the token allows a registered pool only.
pub(crate) fn pool_registration_check(pool: Address, registered: Option<bool>) -> Check {
    let title = "pool registration";
    match registered {
        Some(true) => Check::pass("pool-registered", title, "registered on the token"),
        Some(false) => Check::fail(
            "pool-registered",
            title,
            "not registered",
            format!(
                "the pool {pool} is not registered on the token: it can neither pay out WBX nor pull it"
            ),
        )
        .with_fix(format!("wbx admin register-pool {pool} --account <TOP-ADMIN>  (the top admin runs it)")),
        None => Check::fail(
            "pool-registered",
            title,
            "no answer",
            "the token does not answer isPool(): is it WBX 1.2.0? try `wbx doctor token`",
        ),
    }
}

/// The checklist line for an action only an admin (top admin or active Admin grant) may take.
pub(crate) fn admin_check(g: &Grant, is_admin: bool, now: u64, wallet: &str) -> Check {
    if is_admin && g.status != GrantStatus::Active {
        return Check::pass("grant", "admin rights", "holds the top admin role");
    }
    let mut c = grant_check("grant", g, now, true, wallet);
    if c.status == crate::Status::Fail && g.status == GrantStatus::None {
        c.cause = Some(format!("{} is neither the top admin nor holds an Admin grant", g.account));
        c.fix = Some(format!(
            "wbx access grant {} admin --account <TOP-ADMIN>  (the top admin runs it)",
            g.account
        ));
    }
    c
}

/// The checklist line for renewing: a Standard grant by its holder (`renew`), an Extended one by
/// a keeper (`renew-for`).
pub(crate) fn renew_kind_check(g: &Grant, by_keeper: bool) -> Check {
    let title = format!("{} grant kind of {}", g.role, short(g.account));
    let (role, who) = (g.role, g.account);
    match (g.kind, by_keeper) {
        (Some(GrantKind::Standard), true) => Check::fail(
            "grant-kind",
            title,
            "standard",
            format!(
                "the {role} grant of {who} is Standard: only its holder renews it, a keeper cannot"
            ),
        )
        .with_fix(format!("wbx access renew {role} --account <{who}>  (the holder runs it)")),
        (Some(GrantKind::Extended), false) => Check::fail(
            "grant-kind",
            title,
            "extended",
            format!(
                "the {role} grant of {who} is Extended: the keeper renews it, its holder cannot"
            ),
        )
        .with_fix(format!(
            "wbx access renew-for {role} {who} --account <KEEPER>  (`wbx keeper` does it on time)"
        )),
        (Some(k), _) => Check::pass("grant-kind", title, format!("{k}: renewable this way")),
        (None, _) => Check::skip("grant-kind", title, "no grant to renew"),
    }
}

/// `0x7099…79C8`.
pub(crate) fn short(a: Address) -> String {
    let s = a.to_string();
    format!("{}…{}", &s[..6], &s[s.len() - 4..])
}
