//! Payout files: `address,amount` rows, every row checked before anything is sent, every
//! refusal naming its line.

use crate::amount::Amount;
use alloy::primitives::Address;
use serde::Serialize;
use std::collections::HashMap;

/// A bad row or file, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// The file has no rows.
    #[error("{path}: no payout rows (expected lines of `address,amount`)")]
    Empty {
        /// The file.
        path: String,
    },
    /// A row without exactly two fields.
    #[error("{path}:{line}: expected `address,amount`, found {found:?}")]
    Shape {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The row.
        found: String,
    },
    /// Not an address.
    #[error("{path}:{line}: {value:?} is not an address (40 hex characters after 0x)")]
    BadAddress {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The field.
        value: String,
    },
    /// A mixed-case address whose checksum is wrong: probably a typo.
    #[error(
        "{path}:{line}: {value} has a wrong EIP-55 checksum (a typo?); the checksummed form of what was typed is {expected}"
    )]
    BadChecksum {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The field.
        value: String,
        /// The correctly checksummed form of the same hex.
        expected: String,
    },
    /// The zero address.
    #[error("{path}:{line}: the zero address cannot receive WBX")]
    ZeroAddress {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
    },
    /// Not an amount.
    #[error("{path}:{line}: {reason}")]
    BadAmount {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// Why.
        reason: String,
    },
    /// The same address twice.
    #[error("{path}:{line}: {address} is already paid on line {first}: merge the two rows")]
    Duplicate {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The address.
        address: Address,
        /// Where it first appears.
        first: usize,
    },
}

/// One payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Payout {
    /// 1-based line in the file.
    pub line: usize,
    /// Recipient.
    pub to: Address,
    /// Amount.
    pub amount: Amount,
}

/// Parses and checks every row of a payout file. A first line that is not an address is a header.
/// `#` starts a comment; blank lines are skipped.
pub fn parse_payouts(path: &str, text: &str) -> Result<Vec<Payout>, CsvError> {
    let mut rows: Vec<Payout> = Vec::new();
    let mut seen: HashMap<Address, usize> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let fields: Vec<&str> = content.split(',').map(str::trim).collect();
        let shape = || CsvError::Shape { path: path.into(), line, found: raw.to_string() };
        if fields.len() != 2 {
            return Err(shape());
        }
        let (addr, amount) = (fields[0], fields[1]);
        if rows.is_empty() && seen.is_empty() && !addr.starts_with("0x") && !addr.starts_with("0X")
        {
            // A header such as `address,amount`.
            seen.insert(Address::ZERO, 0);
            continue;
        }
        let to = parse_address(addr).map_err(|e| match e {
            AddressError::Malformed => {
                CsvError::BadAddress { path: path.into(), line, value: addr.into() }
            }
            AddressError::Checksum(expected) => {
                CsvError::BadChecksum { path: path.into(), line, value: addr.into(), expected }
            }
        })?;
        if to == Address::ZERO {
            return Err(CsvError::ZeroAddress { path: path.into(), line });
        }
        let amount: Amount = amount.parse().map_err(|e: crate::amount::AmountError| {
            CsvError::BadAmount { path: path.into(), line, reason: e.to_string() }
        })?;
        if amount.raw().is_zero() {
            return Err(CsvError::BadAmount {
                path: path.into(),
                line,
                reason: "the amount is zero".into(),
            });
        }
        if let Some(first) = seen.get(&to).filter(|l| **l > 0) {
            return Err(CsvError::Duplicate {
                path: path.into(),
                line,
                address: to,
                first: *first,
            });
        }
        seen.insert(to, line);
        rows.push(Payout { line, to, amount });
    }
    if rows.is_empty() {
        return Err(CsvError::Empty { path: path.into() });
    }
    Ok(rows)
}

/// Why an address string is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// Not 20 bytes of hex.
    Malformed,
    /// Mixed case, but not the EIP-55 checksum; the field holds the correct form.
    Checksum(String),
}

/// Parses an address the way Foundry does: all-lowercase or all-uppercase hex is accepted as is,
/// mixed case must be a correct EIP-55 checksum.
pub fn parse_address(s: &str) -> Result<Address, AddressError> {
    let s = s.trim();
    let address: Address = s.parse().map_err(|_| AddressError::Malformed)?;
    let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    let mixed =
        hex.chars().any(|c| c.is_ascii_lowercase()) && hex.chars().any(|c| c.is_ascii_uppercase());
    if mixed && address.to_checksum(None) != format!("0x{hex}") {
        return Err(AddressError::Checksum(address.to_checksum(None)));
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_with_header_comments_and_blank_lines() {
        let text = "address,amount\n# rewards\n0x70997970c51812dc3a010c7d01b50e0d17dc79c8, 1.5\n\n0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC,2 # second\n";
        let rows = parse_payouts("r.csv", text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 3);
        assert_eq!(rows[0].amount, "1.5".parse().unwrap());
        assert_eq!(rows[1].line, 5);
    }

    #[test]
    fn every_bad_row_names_its_line() {
        let ok = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
        let cases = [
            (format!("{ok},1\n0x1234,1\n"), "r.csv:2", "not an address"),
            (
                format!("{ok},1\n0x3C44CdDdB6a900fa2b585dd299e03d12FA4293Bc,1\n"),
                "r.csv:2",
                "checksum",
            ),
            (format!("{ok},-1\n"), "r.csv:1", "negative"),
            (format!("{ok},1.0000000000000000001\n"), "r.csv:1", "19 decimals"),
            (format!("{ok},abc\n"), "r.csv:1", "malformed"),
            (format!("{ok},0\n"), "r.csv:1", "zero"),
            (
                format!("{ok},1\n{},2\n", ok.to_uppercase().replace("0X", "0x")),
                "r.csv:2",
                "already paid on line 1",
            ),
            (format!("{ok},1,extra\n"), "r.csv:1", "expected `address,amount`"),
            (
                "0x0000000000000000000000000000000000000000,1\n".to_string(),
                "r.csv:1",
                "zero address",
            ),
            ("address,amount\n".to_string(), "r.csv", "no payout rows"),
        ];
        for (text, at, what) in cases {
            let err = parse_payouts("r.csv", &text).unwrap_err().to_string();
            assert!(err.starts_with(at) && err.contains(what), "{text:?}: {err}");
        }
    }

    #[test]
    fn address_checksum_rules_follow_foundry() {
        assert!(parse_address("0x70997970c51812dc3a010c7d01b50e0d17dc79c8").is_ok());
        assert!(parse_address("0x70997970C51812dc3A010C7d01b50e0d17dc79C8").is_ok());
        assert!(matches!(
            parse_address("0x70997970C51812dc3A010C7d01b50e0d17dc79c8"),
            Err(AddressError::Checksum(_))
        ));
        assert_eq!(parse_address("0x12"), Err(AddressError::Malformed));
    }
}
