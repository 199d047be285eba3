//! Exact token amounts: integers of the smallest unit, parsed from and printed as decimal strings.
//!
//! Written by hand rather than with alloy's `parse_units`/`format_units` for the errors: a user who
//! types `1.0000000000000000001` or `-5` is told exactly what is wrong and what is accepted, and
//! negative numbers are refused instead of being parsed as signed values. No floats anywhere.

use alloy::primitives::U256;
use std::{fmt, str::FromStr};

/// Decimals of WBX (and of ETH).
pub const DECIMALS: u8 = 18;

/// Why a decimal string is not a valid amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing was given.
    #[error("empty amount: give a number such as 1.5")]
    Empty,
    /// A minus sign: amounts are never negative.
    #[error("negative amount {0:?}: amounts must be zero or more")]
    Negative(String),
    /// A character that is not a digit or a single decimal point.
    #[error(
        "malformed amount {0:?}: use digits with at most one '.', such as 1.5 or 1000{note}",
        note = crate::names::non_ascii(.0).map(|n| format!(" ({n})")).unwrap_or_default()
    )]
    Malformed(String),
    /// More fractional digits than the unit has.
    #[error("amount {input:?} has {given} decimals, but the token has only {decimals}")]
    TooManyDecimals {
        /// The input.
        input: String,
        /// Fractional digits given.
        given: usize,
        /// Fractional digits the unit allows.
        decimals: u8,
    },
    /// Larger than 2^256 - 1 smallest units.
    #[error("amount {0:?} is too large")]
    Overflow(String),
}

/// An amount of a token with 18 decimals (WBX or ETH), held exactly as smallest units.
///
/// ```
/// use wbx_sdk::Amount;
/// let a: Amount = "1.5".parse().unwrap();
/// assert_eq!(a.raw().to_string(), "1500000000000000000");
/// assert_eq!(a.to_string(), "1.5");
/// assert!("1.0000000000000000001".parse::<Amount>().is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(U256);

impl Amount {
    /// Zero.
    pub const ZERO: Self = Self(U256::ZERO);

    /// From smallest units.
    pub const fn from_raw(raw: U256) -> Self {
        Self(raw)
    }

    /// From whole tokens (`Amount::whole(5)` is 5 WBX).
    pub fn whole(tokens: u64) -> Self {
        Self(U256::from(tokens) * U256::from(10).pow(U256::from(DECIMALS)))
    }

    /// The amount in smallest units.
    pub const fn raw(self) -> U256 {
        self.0
    }

    /// Parses a decimal string with at most `decimals` fractional digits.
    pub fn parse_with_decimals(input: &str, decimals: u8) -> Result<Self, AmountError> {
        parse_units(input, decimals).map(Self)
    }

    /// Formats with `decimals` fractional digits, trailing zeros trimmed (`1.5`, `1000`, `0.000001`).
    pub fn format_with_decimals(self, decimals: u8) -> String {
        format_units(self.0, decimals)
    }
}

impl FromStr for Amount {
    type Err = AmountError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_with_decimals(s, DECIMALS)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format_units(self.0, DECIMALS))
    }
}

impl From<U256> for Amount {
    fn from(raw: U256) -> Self {
        Self(raw)
    }
}

impl From<Amount> for U256 {
    fn from(a: Amount) -> Self {
        a.0
    }
}

impl serde::Serialize for Amount {
    /// As a decimal string in token units, so JSON consumers never meet a float.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn parse_units(input: &str, decimals: u8) -> Result<U256, AmountError> {
    let s = input.trim().replace('_', "");
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    if s.starts_with('-') {
        return Err(AmountError::Negative(input.to_string()));
    }
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return Err(AmountError::Malformed(input.to_string()));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > decimals as usize {
        return Err(AmountError::TooManyDecimals {
            input: input.to_string(),
            given: frac.len(),
            decimals,
        });
    }
    let padded = format!("{}{}{}", int, frac, "0".repeat(decimals as usize - frac.len()));
    let padded = padded.trim_start_matches('0');
    if padded.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(padded, 10).map_err(|_| AmountError::Overflow(input.to_string()))
}

fn format_units(raw: U256, decimals: u8) -> String {
    let s = raw.to_string();
    let d = decimals as usize;
    let (int, frac) = if s.len() > d {
        (s[..s.len() - d].to_string(), s[s.len() - d..].to_string())
    } else {
        ("0".to_string(), format!("{}{}", "0".repeat(d - s.len()), s))
    };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { int } else { format!("{int}.{frac}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Amount, AmountError> {
        s.parse()
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(parse("1.5").unwrap().raw(), U256::from(1_500_000_000_000_000_000u128));
        assert_eq!(parse("0.000000000000000001").unwrap().raw(), U256::from(1));
        assert_eq!(parse("1000").unwrap(), Amount::whole(1000));
        assert_eq!(parse(".5").unwrap().raw(), U256::from(500_000_000_000_000_000u128));
        assert_eq!(parse("2.").unwrap(), Amount::whole(2));
        assert_eq!(parse("1_000").unwrap(), Amount::whole(1000));
        assert_eq!(parse("0").unwrap(), Amount::ZERO);
        assert_eq!(parse("1.500000000000000000000").unwrap().to_string(), "1.5");
    }

    #[test]
    fn rejects_bad_input_with_the_reason() {
        assert_eq!(parse(""), Err(AmountError::Empty));
        assert!(matches!(parse("-1"), Err(AmountError::Negative(_))));
        assert!(matches!(parse("1.2.3"), Err(AmountError::Malformed(_))));
        assert!(matches!(parse("1e18"), Err(AmountError::Malformed(_))));
        assert!(matches!(parse("."), Err(AmountError::Malformed(_))));
        assert!(matches!(parse("abc"), Err(AmountError::Malformed(_))));
        let err = parse("1.0000000000000000001").unwrap_err();
        assert_eq!(
            err,
            AmountError::TooManyDecimals {
                input: "1.0000000000000000001".into(),
                given: 19,
                decimals: 18
            }
        );
        assert!(err.to_string().contains("19 decimals"));
        let huge = "1".repeat(80);
        assert!(matches!(parse(&huge), Err(AmountError::Overflow(_))));
    }

    #[test]
    fn formats_round_trip() {
        for s in ["0", "1", "1.5", "0.000000000000000001", "123456789.123456789", "1000000000"] {
            assert_eq!(parse(s).unwrap().to_string(), s);
        }
        assert_eq!(
            Amount::from_raw(U256::MAX).to_string().parse::<Amount>().unwrap().raw(),
            U256::MAX
        );
        assert_eq!(format!("{:>6}", Amount::whole(1)), "     1");
    }

    #[test]
    fn other_decimals() {
        let a = Amount::parse_with_decimals("1.25", 6).unwrap();
        assert_eq!(a.raw(), U256::from(1_250_000));
        assert_eq!(a.format_with_decimals(6), "1.25");
        assert!(Amount::parse_with_decimals("1.0000001", 6).is_err());
    }

    #[test]
    fn a_non_ascii_digit_is_named() {
        let err = parse("1\u{FF10}").unwrap_err().to_string();
        assert!(err.contains("character 2 of \"1\u{FF10}\" is U+FF10"), "{err}");
    }

    /// The decimal a string says, written canonically (no `_`, no leading zeros, no trailing
    /// fractional zeros), or `None` when it is not digits with at most one point.
    fn canonical(s: &str) -> Option<String> {
        let t = s.trim().replace('_', "");
        let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
            return None;
        }
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        Some(if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") })
    }

    proptest::proptest! {
        /// Every amount prints and parses back to itself, at any number of decimals.
        #[test]
        fn every_amount_round_trips(raw in proptest::prelude::any::<[u64; 4]>(), decimals in 0u8..=77) {
            let raw = U256::from_limbs(raw);
            let text = Amount::from_raw(raw).format_with_decimals(decimals);
            proptest::prop_assert_eq!(Amount::parse_with_decimals(&text, decimals).map(Amount::raw), Ok(raw));
        }

        /// Any string either parses to exactly the decimal it says, or is refused; a plain
        /// decimal that fits is never refused.
        #[test]
        fn any_string_is_its_amount_or_refused(s in "[ 0-9._+-eE,\u{430}\u{FF10}]{0,90}") {
            match (parse(&s), canonical(&s)) {
                (Ok(a), Some(c)) => proptest::prop_assert_eq!(a.to_string(), c),
                (Ok(a), None) => proptest::prop_assert!(false, "{s:?} parsed to {a}"),
                (Err(AmountError::TooManyDecimals { .. } | AmountError::Overflow(_)), Some(_)) => {}
                (Err(e), Some(c)) => proptest::prop_assert!(false, "{s:?} ({c}) refused: {e}"),
                (Err(_), None) => {}
            }
        }
    }

    #[test]
    fn serde_uses_decimal_strings() {
        let a = parse("2.25").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"2.25\"");
        assert_eq!(serde_json::from_str::<Amount>("\"2.25\"").unwrap(), a);
    }
}
