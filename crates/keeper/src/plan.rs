//! Which grants are due, from the view alone (no RPC here, so the rules are unit-tested).
//!
//! An Extended grant is due when it is active (not revoked, `now < expiresAt`), less than the
//! margin is left, and its holder acted on chain within the idle window of its role
//! ([`IdleRule`]). The idle window starts at the latest of the grant and the holder's last use, so
//! a new holder gets a full window to start using it. A due grant whose holder is idle is not
//! renewed: that is a *decision* to let it lapse, reported once. It is only a *lapse* when the grant
//! then expires unrenewed; a holder who acts before the expiry is renewed after all, and its
//! decision never becomes a lapse. An Extended grant that expired without being idle is a miss, the
//! one thing a keeper must never do; it is reported too.
//!
//! Roles whose holders have no on-chain action (the Auditor: a credential for off-chain tools)
//! are never lapsed for idleness unless the operator asks, since every one of them would look
//! idle.

use crate::state::{GrantKey, KeeperState};
use alloy::primitives::Address;
use serde::Serialize;
use std::collections::HashSet;
use wbx_sdk::{GrantKind, Role};

/// The idle rule, per role: an Extended grant whose holder has not acted on chain for the role's
/// window (seconds) is let lapse; `None`: never lapsed for idleness. Any on-chain action of the
/// holder counts as use (a transfer, an approval, a swap, pool liquidity, a pool or admin action).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdleRule {
    /// Admin grants (Standard only since WebexToken 1.2.0, so never the keeper's).
    pub admin: Option<u64>,
    /// Trader grants: transfers, approvals, swaps and liquidity are on chain.
    pub trader: Option<u64>,
    /// Auditor grants: no on-chain action counts, so none by default.
    pub auditor: Option<u64>,
    /// Developer grants: pool fee and pause changes are on chain.
    pub developer: Option<u64>,
}

impl IdleRule {
    /// The default window of the roles with on-chain use: 2 hours.
    pub const DEFAULT_WINDOW: u64 = 2 * 3600;

    /// No idle rule for any role: every used or unused Extended grant is renewed.
    pub const NONE: Self = Self { admin: None, trader: None, auditor: None, developer: None };

    /// Whether the holders of `role` act on chain in the course of the role, so that idleness can
    /// be seen. An Auditor's work is off chain.
    pub const fn has_on_chain_use(role: Role) -> bool {
        matches!(role, Role::Admin | Role::Trader | Role::Developer)
    }

    /// `window` for every role with on-chain use; none for the others.
    pub fn on_chain_roles(window: Option<u64>) -> Self {
        Role::ALL.iter().fold(Self::NONE, |rule, role| {
            if Self::has_on_chain_use(*role) { rule.with(*role, window) } else { rule }
        })
    }

    /// The same rule with `window` for `role` (the Keeper role is permanent: unchanged).
    pub fn with(mut self, role: Role, window: Option<u64>) -> Self {
        let window = window.filter(|w| *w > 0);
        match role {
            Role::Admin => self.admin = window,
            Role::Trader => self.trader = window,
            Role::Auditor => self.auditor = window,
            Role::Developer => self.developer = window,
            Role::Keeper => {}
        }
        self
    }

    /// The window of `role`, if its grants lapse for idleness.
    pub fn window(&self, role: Role) -> Option<u64> {
        match role {
            Role::Admin => self.admin,
            Role::Trader => self.trader,
            Role::Auditor => self.auditor,
            Role::Developer => self.developer,
            Role::Keeper => None,
        }
    }
}

impl Default for IdleRule {
    /// Two hours for the roles with on-chain use (admin, trader, developer), none for the auditor.
    fn default() -> Self {
        Self::on_chain_roles(Some(Self::DEFAULT_WINDOW))
    }
}

/// The renewal rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanConfig {
    /// Renew when at most this many seconds are left.
    pub margin: u64,
    /// When to let a grant lapse because its holder is idle, per role.
    pub idle: IdleRule,
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

/// A grant let lapse (or decided to be) because its holder is idle.
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
    /// Decisions: grants due but idle, not renewed, newly reported. A holder who acts before the
    /// expiry is renewed after all.
    pub lapsing: Vec<Lapse>,
    /// Real lapses: grants that expired unrenewed because their holder was idle, newly counted.
    pub lapsed: Vec<Lapse>,
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
        let window = cfg.idle.window(key.role);
        let idle_at = |t: u64| window.is_some_and(|idle| t.saturating_sub(last_activity) >= idle);
        if v.expires_at <= now {
            if !v.expiry_counted && v.expires_at > watch_since && !in_flight.contains(&key) {
                if idle_at(v.expires_at) {
                    let idle_for = v.expires_at.saturating_sub(last_activity);
                    let lapse = Lapse { grant, last_activity, idle_for };
                    // Not decided before (the keeper was not watching while it was due): the
                    // decision and the lapse at once.
                    if !v.reported {
                        out.lapsing.push(lapse);
                    }
                    out.lapsed.push(lapse);
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
        let view = GrantView {
            kind,
            expires_at,
            granted_at,
            revoked: false,
            reported: false,
            expiry_counted: false,
        };
        s.set_grant(key, view, 1, false);
        key
    }

    const CFG: PlanConfig = PlanConfig {
        margin: 15 * 60,
        idle: IdleRule {
            admin: Some(2 * HOUR),
            trader: Some(2 * HOUR),
            auditor: None,
            developer: Some(2 * HOUR),
        },
    };

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
        // Reported: not again, and its expiry is a lapse (once counted, nothing more), not a miss.
        let mut v = *s.grant(key).unwrap();
        v.reported = true;
        s.set_grant(key, v, 1, false);
        assert_eq!(plan(&s, now, &CFG, &HashSet::new(), 0), Plan::default());
        let at_expiry = plan(&s, now + HOUR, &CFG, &HashSet::new(), 0);
        assert_eq!((at_expiry.lapsed.len(), at_expiry.missed.len()), (1, 0));
        v.expiry_counted = true;
        s.set_grant(key, v, 1, false);
        assert_eq!(plan(&s, now + HOUR, &CFG, &HashSet::new(), 0), Plan::default());
        v.expiry_counted = false;
        s.set_grant(key, v, 1, false);
        // Used again before it expires: due again.
        s.note_use(key.account, now, 1, false);
        assert_eq!(plan(&s, now, &CFG, &HashSet::new(), 0).due.len(), 1);
        // No idle rule: always due.
        let all = PlanConfig { idle: IdleRule::NONE, ..CFG };
        s.last_use.clear();
        assert_eq!(plan(&s, now, &all, &HashSet::new(), 0).due.len(), 1);
    }

    /// A decision is not a lapse: the holder acts before the expiry and is renewed; only a grant
    /// that then expires unrenewed is a lapse, counted once.
    #[test]
    fn a_decision_becomes_a_lapse_only_at_an_unrenewed_expiry() {
        let mut s = state();
        let now = 10 * HOUR;
        let key = add(&mut s, 1, GrantKind::Extended, now + 60, now - 3 * HOUR);
        let decided = plan(&s, now, &CFG, &HashSet::new(), 0);
        assert_eq!((decided.lapsing.len(), decided.lapsed.len()), (1, 0));
        let mut v = *s.grant(key).unwrap();
        v.reported = true;
        s.set_grant(key, v, 1, false);
        // Still before the expiry: nothing new.
        assert_eq!(plan(&s, now + 59, &CFG, &HashSet::new(), 0), Plan::default());
        // At the expiry, unrenewed: one real lapse, no second decision.
        let p = plan(&s, now + 60, &CFG, &HashSet::new(), 0);
        assert_eq!((p.lapsing.len(), p.lapsed.len(), p.missed.len()), (0, 1, 0));
        assert_eq!(p.lapsed[0].grant.key(), key);
        v.expiry_counted = true;
        s.set_grant(key, v, 1, false);
        assert_eq!(plan(&s, now + HOUR, &CFG, &HashSet::new(), 0), Plan::default());

        // Another holder decided the same way acts before the expiry: due again, never a lapse.
        let back = add(&mut s, 2, GrantKind::Extended, now + 60, now - 3 * HOUR);
        let mut v = *s.grant(back).unwrap();
        v.reported = true;
        s.set_grant(back, v, 1, false);
        s.note_use(back.account, now + 30, 1, false);
        let p = plan(&s, now + 30, &CFG, &HashSet::new(), 0);
        assert_eq!(p.due.iter().map(|g| g.key()).collect::<Vec<_>>(), vec![back]);
        assert!(p.lapsed.is_empty());

        // An idle grant that expired before any pass saw it due: decision and lapse at once.
        let unseen = add(&mut s, 3, GrantKind::Extended, now - 10, now - 3 * HOUR);
        let p = plan(&s, now, &CFG, &HashSet::new(), 0);
        assert_eq!(p.lapsing.iter().map(|l| l.grant.key()).collect::<Vec<_>>(), vec![unseen]);
        assert_eq!(p.lapsed.iter().map(|l| l.grant.key()).collect::<Vec<_>>(), vec![unseen]);
    }

    /// The idle rule is per role: by default an Auditor (no on-chain use) is renewed however idle,
    /// and lapses only when the operator gives its role a window.
    #[test]
    fn the_idle_rule_is_per_role_and_spares_auditors_by_default() {
        let mut s = state();
        let now = 10 * HOUR;
        let auditor = GrantKey::new(Role::Auditor, Address::with_last_byte(7));
        let developer = GrantKey::new(Role::Developer, Address::with_last_byte(8));
        let view = GrantView {
            kind: GrantKind::Extended,
            expires_at: now + 60,
            granted_at: now - 5 * HOUR,
            revoked: false,
            reported: false,
            expiry_counted: false,
        };
        s.set_grant(auditor, view, 1, false);
        s.set_grant(developer, view, 1, false);
        let rule = IdleRule::default();
        assert_eq!(
            (rule.trader, rule.developer, rule.auditor),
            (Some(2 * HOUR), Some(2 * HOUR), None)
        );
        let cfg = PlanConfig { margin: 15 * 60, idle: rule };
        let p = plan(&s, now, &cfg, &HashSet::new(), 0);
        assert_eq!(p.due.iter().map(|g| g.key()).collect::<Vec<_>>(), vec![auditor]);
        assert_eq!(p.lapsing.iter().map(|l| l.grant.key()).collect::<Vec<_>>(), vec![developer]);

        // The operator asks for auditors too (and turns developers off).
        let cfg = PlanConfig {
            idle: rule.with(Role::Auditor, Some(4 * HOUR)).with(Role::Developer, None),
            ..cfg
        };
        let p = plan(&s, now, &cfg, &HashSet::new(), 0);
        assert_eq!(p.due.iter().map(|g| g.key()).collect::<Vec<_>>(), vec![developer]);
        assert_eq!(p.lapsing.iter().map(|l| l.grant.key()).collect::<Vec<_>>(), vec![auditor]);
        // A window of zero is no rule; the keeper role has none.
        assert_eq!(IdleRule::NONE.with(Role::Trader, Some(0)).trader, None);
        assert_eq!(rule.with(Role::Keeper, Some(60)), rule);
        assert_eq!(IdleRule::on_chain_roles(None), IdleRule::NONE);
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
