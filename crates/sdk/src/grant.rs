//! Plain Rust views of grants and buckets, decoded from the contract's structs.

use crate::{
    amount::Amount,
    names::{Bucket, GrantKind, Role},
};
use alloy::primitives::Address;
use serde::Serialize;
use wbx_contracts::webex_token::IWebexToken::GrantInfo;

/// Where a grant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrantStatus {
    /// Never granted.
    None,
    /// Authorises now.
    Active,
    /// Ran out.
    Expired,
    /// Revoked by an admin (or renounced by its holder).
    Revoked,
}

impl GrantStatus {
    fn from_index(i: u8) -> Self {
        match i {
            1 => Self::Active,
            2 => Self::Expired,
            3 => Self::Revoked,
            _ => Self::None,
        }
    }
}

impl std::fmt::Display for GrantStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Self::None => "none",
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        })
    }
}

/// Everything known about one account's grant of one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// The holder.
    pub account: Address,
    /// The role.
    pub role: Role,
    /// Standard or Extended; `None` for a permanent role (Keeper) or no grant.
    pub kind: Option<GrantKind>,
    /// Where it stands at the latest block.
    pub status: GrantStatus,
    /// When it was granted (unix seconds; 0 if never or permanent).
    pub granted_at: u64,
    /// The first second at which it no longer authorises (0 if never or permanent).
    pub expires_at: u64,
    /// When it was revoked.
    pub revoked_at: Option<u64>,
    /// How many times it was renewed.
    pub renewals: u32,
    /// Who granted it.
    pub granted_by: Option<Address>,
    /// Who renewed it last.
    pub renewed_by: Option<Address>,
    /// Who revoked it.
    pub revoked_by: Option<Address>,
}

fn nonzero(a: Address) -> Option<Address> {
    (a != Address::ZERO).then_some(a)
}

impl Grant {
    /// The view of `account`'s grant of `role` from the contract's `grantOf` answer.
    pub fn from_view(account: Address, role: Role, g: &GrantInfo) -> Self {
        Self {
            account,
            role,
            kind: GrantKind::from_index(g.kind),
            status: GrantStatus::from_index(g.status),
            granted_at: g.grantedAt.to::<u64>(),
            expires_at: g.expiresAt.to::<u64>(),
            revoked_at: (g.revokedAt.to::<u64>() != 0).then(|| g.revokedAt.to::<u64>()),
            renewals: g.renewals,
            granted_by: nonzero(g.grantedBy),
            renewed_by: nonzero(g.renewedBy),
            revoked_by: nonzero(g.revokedBy),
        }
    }

    /// A permanent role (the keeper's): held or not, with no expiry.
    pub fn permanent(account: Address, role: Role, held: bool) -> Self {
        Self {
            account,
            role,
            kind: None,
            status: if held { GrantStatus::Active } else { GrantStatus::None },
            granted_at: 0,
            expires_at: 0,
            revoked_at: None,
            renewals: 0,
            granted_by: None,
            renewed_by: None,
            revoked_by: None,
        }
    }

    /// Whether the role is permanent (no expiry).
    pub fn is_permanent(&self) -> bool {
        !self.role.is_timed()
    }

    /// Seconds left at chain time `now` (0 once expired; `None` for a permanent role).
    pub fn seconds_left(&self, now: u64) -> Option<u64> {
        (!self.is_permanent()).then(|| self.expires_at.saturating_sub(now))
    }

    /// Who may renew it, in words.
    pub fn renewed_by_whom(&self) -> &'static str {
        match self.kind {
            Some(GrantKind::Standard) => "its holder (`wbx access renew`)",
            Some(GrantKind::Extended) => "the keeper, automatically",
            None => "nobody (permanent role)",
        }
    }
}

/// One bucket's accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketInfo {
    /// The bucket.
    pub bucket: Bucket,
    /// Its policy share in basis points.
    pub share_bps: u16,
    /// Issued into it so far.
    pub issued: Amount,
    /// Released from it so far.
    pub released: Amount,
    /// Still held in it.
    pub remaining: Amount,
}
