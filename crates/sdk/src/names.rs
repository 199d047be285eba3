//! Roles, buckets and grant kinds by name ("trader", "community-rewards", "extended"), parsed
//! case-insensitively, with an error that lists the valid names.

use alloy::primitives::{B256, keccak256};
use std::{fmt, str::FromStr};

/// A name that is not one of the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {given:?}: {}valid {what}s are {}", non_ascii(given).map(|n| format!("{n}; ")).unwrap_or_default(), valid.join(", "))]
pub struct UnknownName {
    /// What was being named ("role", "bucket", "grant kind").
    pub what: &'static str,
    /// What was given.
    pub given: String,
    /// The valid names.
    pub valid: Vec<&'static str>,
}

/// Names where the first non-ASCII character of `s` is and what it is, or `None` when `s` is ASCII.
///
/// A lookalike (`trаder` with a Cyrillic `а`) prints just like the name it imitates, so a message
/// that only echoes the input cannot show what is wrong: this says which character it is, by its
/// code point, and where. The character itself is shown only when it is a visible letter or digit;
/// an invisible one (a zero-width space, a direction override) would hide or reorder the message.
pub fn non_ascii(s: &str) -> Option<String> {
    let (i, c) = s.chars().enumerate().find(|(_, c)| !c.is_ascii())?;
    let shown = if c.is_alphanumeric() { format!(" {c:?}") } else { String::new() };
    Some(format!(
        "character {} of {s:?} is U+{:04X}{shown}, which is not ASCII (a lookalike?): type it in plain ASCII",
        i + 1,
        c as u32
    ))
}

fn normalise(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace(['_', ' '], "-")
}

macro_rules! named_enum {
    (
        $(#[$meta:meta])* $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $canonical:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The canonical name, as accepted by the CLI.
            pub const fn name(self) -> &'static str {
                match self { $(Self::$variant => $canonical),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.name())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match normalise(s).as_str() {
                    $( $canonical $(| $alias)* => Ok(Self::$variant), )+
                    _ => Err(UnknownName {
                        what: $what,
                        given: s.to_string(),
                        valid: vec![$($canonical),+],
                    }),
                }
            }
        }
    };
}

named_enum! {
    /// A role of the WBX program.
    Role, "role" {
        /// Issues, allocates, grants and revokes, pauses, configures (time-limited).
        Admin = "admin",
        /// Moves and swaps tokens (time-limited).
        Trader = "trader",
        /// Reads; a credential for off-chain audit tools (time-limited).
        Auditor = "auditor",
        /// Configures pools; never moves tokens (time-limited).
        Developer = "developer" | "dev",
        /// Renews Extended grants (a permanent service role).
        Keeper = "keeper",
    }
}

impl Role {
    /// The on-chain role identifier, `keccak256("<NAME>_ROLE")` as in `WbxRoles.sol`.
    pub fn id(self) -> B256 {
        keccak256(match self {
            Self::Admin => "ADMIN_ROLE",
            Self::Trader => "TRADER_ROLE",
            Self::Auditor => "AUDITOR_ROLE",
            Self::Developer => "DEVELOPER_ROLE",
            Self::Keeper => "KEEPER_ROLE",
        })
    }

    /// The role with this on-chain identifier, if it is one of ours.
    pub fn from_id(id: B256) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.id() == id)
    }

    /// Whether the role is held through expiring grants (all but the keeper).
    pub const fn is_timed(self) -> bool {
        !matches!(self, Self::Keeper)
    }
}

named_enum! {
    /// An allocation bucket, in policy order.
    Bucket, "bucket" {
        /// 40% of issued supply.
        PlatformDevelopment = "platform-development" | "platform",
        /// 25%.
        MarketingPartnerships = "marketing-partnerships" | "marketing" | "marketing-and-partnerships",
        /// 15%.
        OperationalCosts = "operational-costs" | "operations",
        /// 10%.
        CommunityRewards = "community-rewards" | "community",
        /// 10%, plus every rounding remainder.
        ReserveFund = "reserve-fund" | "reserve",
    }
}

impl Bucket {
    /// The policy share in basis points.
    pub const fn share_bps(self) -> u16 {
        match self {
            Self::PlatformDevelopment => 4000,
            Self::MarketingPartnerships => 2500,
            Self::OperationalCosts => 1500,
            Self::CommunityRewards | Self::ReserveFund => 1000,
        }
    }

    /// The on-chain enum index.
    pub const fn index(self) -> u8 {
        self as u8
    }

    /// The bucket with this on-chain index.
    pub fn from_index(i: u8) -> Option<Self> {
        Self::ALL.get(i as usize).copied()
    }

    /// The label used in reports ("Platform Development").
    pub const fn title(self) -> &'static str {
        match self {
            Self::PlatformDevelopment => "Platform Development",
            Self::MarketingPartnerships => "Marketing & Partnerships",
            Self::OperationalCosts => "Operational Costs",
            Self::CommunityRewards => "Community Rewards",
            Self::ReserveFund => "Reserve Fund",
        }
    }
}

named_enum! {
    /// How a grant is renewed.
    GrantKind, "grant kind" {
        /// 30 minutes by default; its holder renews it.
        Standard = "standard",
        /// 1 hour by default; a keeper renews it.
        Extended = "extended",
    }
}

impl GrantKind {
    /// The on-chain enum value (0 is "never granted").
    pub const fn index(self) -> u8 {
        match self {
            Self::Standard => 1,
            Self::Extended => 2,
        }
    }

    /// From the on-chain enum value; `None` for 0 (never granted) or unknown values.
    pub const fn from_index(i: u8) -> Option<Self> {
        match i {
            1 => Some(Self::Standard),
            2 => Some(Self::Extended),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_case_insensitive_with_aliases() {
        assert_eq!("Trader".parse::<Role>().unwrap(), Role::Trader);
        assert_eq!(" DEV ".parse::<Role>().unwrap(), Role::Developer);
        assert_eq!("community_rewards".parse::<Bucket>().unwrap(), Bucket::CommunityRewards);
        assert_eq!("Reserve Fund".parse::<Bucket>().unwrap(), Bucket::ReserveFund);
        assert_eq!("EXTENDED".parse::<GrantKind>().unwrap(), GrantKind::Extended);
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let err = "tradr".parse::<Role>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown role \"tradr\": valid roles are admin, trader, auditor, developer, keeper"
        );
        let err = "savings".parse::<Bucket>().unwrap_err();
        assert!(err.to_string().contains("community-rewards"));
    }

    #[test]
    fn a_lookalike_is_named_by_its_code_point_and_place() {
        let err = "tr\u{430}der".parse::<Role>().unwrap_err().to_string();
        assert!(
            err.contains("character 3 of \"tr\u{430}der\" is U+0430 '\u{430}', which is not ASCII"),
            "{err}"
        );
        assert!(
            err.ends_with("valid roles are admin, trader, auditor, developer, keeper"),
            "{err}"
        );
        // An invisible character is named but not printed raw.
        let err = "trader\u{200b}".parse::<Role>().unwrap_err().to_string();
        assert!(err.contains("character 7 of \"trader\\u{200b}\" is U+200B, which"), "{err}");
        assert_eq!(non_ascii("trader"), None);
    }

    #[test]
    fn ids_and_shares_match_the_contract() {
        assert_eq!(Role::from_id(Role::Trader.id()), Some(Role::Trader));
        assert_eq!(Bucket::ALL.iter().map(|b| b.share_bps() as u32).sum::<u32>(), 10_000);
        assert_eq!(Bucket::from_index(4), Some(Bucket::ReserveFund));
        assert_eq!(Bucket::from_index(5), None);
        for r in Role::ALL {
            assert_eq!(r.to_string().parse::<Role>().unwrap(), *r);
        }
    }
}
