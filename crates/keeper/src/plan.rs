//! Which grants are due, from the view alone (no RPC here, so the rules are unit-tested).
//!
//! An Extended grant is due when it is active (not revoked, `now < expiresAt`), less than the
//! margin is left, and its holder acted on chain within the idle window. The idle window starts
//! at the latest of the grant and the holder's last use, so a new holder gets a full window to
//! start using it. A due grant whose holder is idle is not renewed: it lapses, and is reported
//! once. An Extended grant that expired without being idle is a miss, the one thing a keeper must
//! never do; it is reported too.

use crate::state::{GrantKey, KeeperState};
use alloy::primitives::Address;
use serde::Serialize;
use std::collections::HashSet;
use wbx_sdk::{GrantKind, Role};

/// The renewal rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanConfig {
    /// Renew when at most this many seconds are left.
    pub margin: u64,
    /// Let a grant lapse when its holder has not acted for this many seconds (`None`: never).
    pub idle: Option<u64>,
}

/// The default margin: a quarter of the Extended grant duration.
pub fn default_margin(extended_duration: u64) -> u64 {
    extended_duration / 4
}

/// A grant and its expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantRef {
    /// The role.
    pub role: Role,
    /// The holder.
    pub account: Address,
    /// Its expiry (unix seconds).
    pub expires_at: u64,
}

impl GrantRef {
    /// Its key.
    pub fn key(&self) -> GrantKey {
        GrantKey::new(self.role, self.account)
    }
}

/// A grant let lapse because its holder is idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lapse {
    /// The grant.
    #[serde(flatten)]
    pub grant: GrantRef,
    /// When its holder last acted (or was granted it), unix seconds.
    pub last_activity: u64,
    /// Seconds since then, at planning time.
    pub idle_for: u64,
}

/// What to do now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Grants to renew, soonest expiry first.
    pub due: Vec<GrantRef>,
    /// Grants due but idle: not renewed, newly reported.
    pub lapsing: Vec<Lapse>,
    /// Grants that expired although their holder was not idle, newly reported.
    pub missed: Vec<GrantRef>,
}

/// The plan at chain time `now`. `in_flight` grants (in a renewal not yet mined) are not due
/// again; `watch_since` is when the keeper started watching: expiries before it are nobody's miss.
pub fn plan(
    state: &KeeperState,
    now: u64,
    cfg: &PlanConfig,
    in_flight: &HashSet<GrantKey>,
    watch_since: u64,
) -> Plan {
    let mut out = Plan::default();
    for (key, v) in state.iter_grants() {
        if v.kind != GrantKind::Extended || v.revoked {
            continue;
        }
        let grant = GrantRef { role: key.role, account: key.account, expires_at: v.expires_at };
        let last_activity =
            state.last_use.get(&key.account).copied().unwrap_or(0).max(v.granted_at);
        let idle_at = |t: u64| cfg.idle.is_some_and(|idle| t.saturating_sub(last_activity) >= idle);
        if v.expires_at <= now {
            if !v.reported && v.expires_at > watch_since && !in_flight.contains(&key) {
                if idle_at(v.expires_at) {
                    let idle_for = v.expires_at.saturating_sub(last_activity);
                    out.lapsing.push(Lapse { grant, last_activity, idle_for });
                } else {
                    out.missed.push(grant);
                }
            }
            continue;
        }
        if v.expires_at - now > cfg.margin {
            continue;
        }
        if idle_at(now) {
            if !v.reported {
                out.lapsing.push(Lapse { grant, last_activity, idle_for: now - last_activity });
            }
            continue;
        }
        if !in_flight.contains(&key) {
            out.due.push(grant);
        }
    }
    out.due.sort_by_key(|g| (g.expires_at, g.role, g.account));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::GrantView;

    const HOUR: u64 = 3600;

    fn state() -> KeeperState {
        KeeperState::new(1, Address::ZERO)
    }

    fn add(
        s: &mut KeeperState,
        n: u8,
        kind: GrantKind,
        expires_at: u64,
        granted_at: u64,
    ) -> GrantKey {
        let key = GrantKey::new(Role::Trader, Address::with_last_byte(n));
        let view = GrantView { kind, expires_at, granted_at, revoked: false, reported: false };
        s.set_grant(key, view, 1, false);
        key
    }

    const CFG: PlanConfig = PlanConfig { margin: 15 * 60, idle: Some(2 * HOUR) };

    #[test]
    fn due_means_extended_active_inside_the_margin_and_used() {
        let mut s = state();
        let now = 10 * HOUR;
        let due = add(&mut s, 1, GrantKind::Extended, now + 10 * 60, now - HOUR);
        add(&mut s, 2, GrantKind::Extended, now + 20 * 60, now - HOUR); // not yet
        add(&mut s, 3, GrantKind::Standard, now + 60, now - HOUR); // the holder's to renew
        let revoked = add(&mut s, 4, GrantKind::Extended, now + 60, now - HOUR);
        let mut v = *s.grant(revoked).unwrap();
        v.revoked = true;
        s.set_grant(revoked, v, 1, false);
        let p = plan(&s, now, &CFG, &HashSet::new(), 0);
        assert_eq!(p.due.iter().map(|g| g.key()).collect::<Vec<_>>(), vec![due]);
        assert!(p.lapsing.is_empty() && p.missed.is_empty());
        // Exactly at the margin it is due; in flight it is not due again.
        let p = plan(&s, now - 5 * 60, &CFG, &HashSet::from([due]), 0);
        assert!(p.due.is_empty());
    }

    #[test]
    fn an_idle_holder_lapses_once_and_a_use_brings_it_back() {
        let mut s = state();
        let now = 10 * HOUR;
        let key = add(&mut s, 1, GrantKind::Extended, now + 60, now - 3 * HOUR);
        s.note_use(key.account, now - 2 * HOUR - 1, 1, false);
        let p = plan(&s, now, &CFG, &HashSet::new(), 0);
        assert!(p.due.is_empty());
        assert_eq!(p.lapsing.len(), 1);
        assert_eq!(p.lapsing[0].idle_for, 2 * HOUR + 1);
        // Reported: not again, and its expiry is not a miss.
        let mut v = *s.grant(key).unwrap();
        v.reported = true;
        s.set_grant(key, v, 1, false);
        assert_eq!(plan(&s, now, &CFG, &HashSet::new(), 0), Plan::default());
        assert_eq!(plan(&s, now + HOUR, &CFG, &HashSet::new(), 0), Plan::default());
        // Used again before it expires: due again.
        s.note_use(key.account, now, 1, false);
        assert_eq!(plan(&s, now, &CFG, &HashSet::new(), 0).due.len(), 1);
        // No idle rule: always due.
        let all = PlanConfig { idle: None, ..CFG };
        s.last_use.clear();
        assert_eq!(plan(&s, now, &all, &HashSet::new(), 0).due.len(), 1);
    }

    #[test]
    fn a_new_holder_gets_a_full_idle_window() {
        let mut s = state();
        let now = 10 * HOUR;
        add(&mut s, 1, GrantKind::Extended, now + 60, now - HOUR);
        assert_eq!(plan(&s, now, &CFG, &HashSet::new(), 0).due.len(), 1);
    }

    #[test]
    fn an_expiry_while_used_is_a_miss_unless_before_the_watch() {
        let mut s = state();
        let now = 10 * HOUR;
        add(&mut s, 1, GrantKind::Extended, now - 60, now - HOUR);
        assert_eq!(plan(&s, now, &CFG, &HashSet::new(), 0).missed.len(), 1);
        assert!(plan(&s, now, &CFG, &HashSet::new(), now - 30).missed.is_empty());
    }
}
