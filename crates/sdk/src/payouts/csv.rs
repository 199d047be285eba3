//! Payout files: `address,amount` rows, every row checked before anything is sent, every
//! refusal naming its line.
//!
//! The file is RFC 4180 CSV, read with the `csv` crate (quoted fields, CRLF, CR or LF line ends).
//! The rules, all of them checked, none of them silent:
//!
//! - the text must be UTF-8 (a UTF-16 file, a NUL byte or an invalid byte is refused with its
//!   line); a byte-order mark (U+FEFF) is removed wherever it comes, as are spaces around fields;
//! - a line whose first character is `#` is a comment, and a line that is empty or holds only
//!   empty fields (`,`) is blank: both are skipped, as neither can hold a payout. A `#` anywhere
//!   else is not a comment: an indented `#` is refused, and a `#` after a row's fields makes its
//!   amount malformed;
//! - the first row that is neither may be a header, and is skipped, only when its two fields are
//!   the header words `address` and `amount` (any case);
//! - every other row is exactly two fields, a `0x` address (mixed case must carry a correct EIP-55
//!   checksum) and a decimal amount greater than zero; the zero address and a recipient seen on
//!   an earlier line are refused.
//!
//! A recipient the contract would refuse for a reason the file cannot know (the token's own
//! address) is checked by [`check_recipients`] once the deployment is known, before anything is
//! sent.

use crate::{amount::Amount, names::non_ascii};
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
    /// The file is not UTF-8 text.
    #[error("{path}:{line}: {reason}: save the file as UTF-8 text")]
    Encoding {
        /// The file.
        path: String,
        /// 1-based line of the first bad byte.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A row without exactly two fields.
    #[error("{path}:{line}: expected 2 fields `address,amount`, found {} {found:?}", found.len())]
    Shape {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The row's fields.
        found: Vec<String>,
    },
    /// A `#` that is not in the first column: a comment is a whole line starting with `#`.
    #[error(
        "{path}:{line}: a comment must start with `#` in the first column (found {found:?}): remove the spaces before it"
    )]
    Comment {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The row.
        found: String,
    },
    /// Not an address.
    #[error("{path}:{line}: {value:?} is not an address (0x and 40 hex characters): {reason}")]
    BadAddress {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The field.
        value: String,
        /// What is wrong with it.
        reason: String,
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
    /// A recipient the contract refuses (the token's own address).
    #[error("{path}:{line}: {address} {why}")]
    Refused {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The recipient.
        address: Address,
        /// Why the contract refuses it.
        why: String,
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

impl CsvError {
    /// The 1-based line the refusal is about (`None` for a file without rows).
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Empty { .. } => None,
            Self::Encoding { line, .. }
            | Self::Shape { line, .. }
            | Self::Comment { line, .. }
            | Self::BadAddress { line, .. }
            | Self::BadChecksum { line, .. }
            | Self::ZeroAddress { line, .. }
            | Self::Refused { line, .. }
            | Self::BadAmount { line, .. }
            | Self::Duplicate { line, .. } => Some(*line),
        }
    }
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

/// The text of a payout file: UTF-8, without NUL bytes. A UTF-16 file (by its byte-order mark),
/// a NUL byte or an invalid UTF-8 sequence is refused with the line it is on.
pub fn decode_text<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, CsvError> {
    let encoding = |line, reason: String| CsvError::Encoding { path: path.into(), line, reason };
    let line_of = |offset: usize| 1 + bytes[..offset].iter().filter(|b| **b == b'\n').count();
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(encoding(1, "the file is UTF-16 text".into()));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let column = at - bytes[..at].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        encoding(
            line_of(at),
            format!("byte 0x{:02X} at column {column} is not UTF-8 text", bytes[at]),
        )
    })?;
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(encoding(line_of(at), "a NUL byte (UTF-16 or a binary file?)".into()));
    }
    Ok(text)
}

/// The 1-based line a record starts on. The reader reports where it began to read the record,
/// before the blank and comment lines it skipped on the way (and counts lines without them), so
/// the same lines are skipped here from that byte: empty ones and those starting with `#`.
fn record_line(text: &str, mut at: usize) -> usize {
    while at < text.len() && (text[at..].starts_with('\n') || text[at..].starts_with('#')) {
        at += text[at..].find('\n').map_or(text.len() - at, |i| i + 1);
    }
    1 + text[..at.min(text.len())].matches('\n').count()
}

/// Whether a row is the header: the words `address` and `amount`, in any case.
fn is_header(fields: &[String]) -> bool {
    matches!(fields, [a, b] if a.eq_ignore_ascii_case("address") && b.eq_ignore_ascii_case("amount"))
}

/// Parses and checks every row of a payout file, by the rules in the [module docs](self).
pub fn parse_payouts(path: &str, text: &str) -> Result<Vec<Payout>, CsvError> {
    // Removing U+FEFF and turning CR and CRLF into LF keep every line where an editor shows it.
    let text = text.replace('\u{FEFF}', "").replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut rows: Vec<Payout> = Vec::new();
    let mut seen: HashMap<Address, usize> = HashMap::new();
    let mut first_row = true;
    for record in reader.records() {
        // The input is a `&str`, so the reader has no UTF-8 or I/O error to report.
        let record = record.expect("CSV from a string");
        let line = record_line(&text, record.position().map_or(0, |p| p.byte() as usize));
        let fields: Vec<String> = record.iter().map(str::to_string).collect();
        if fields.iter().all(String::is_empty) {
            continue;
        }
        if fields[0].starts_with('#') {
            return Err(CsvError::Comment { path: path.into(), line, found: fields.join(",") });
        }
        if std::mem::take(&mut first_row) && is_header(&fields) {
            continue;
        }
        let [addr, amount] = fields.as_slice() else {
            return Err(CsvError::Shape { path: path.into(), line, found: fields });
        };
        let to = parse_address(addr).map_err(|e| match e {
            AddressError::Malformed(reason) => CsvError::BadAddress {
                path: path.into(),
                line,
                value: addr.clone(),
                reason: if is_header(&fields) {
                    "a header `address,amount` may only be the first row".into()
                } else {
                    reason
                },
            },
            AddressError::Checksum(expected) => {
                CsvError::BadChecksum { path: path.into(), line, value: addr.clone(), expected }
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
                reason: "the amount is zero: remove the row, or give an amount above 0".into(),
            });
        }
        if let Some(first) = seen.get(&to) {
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

/// Refuses the first row paying an address in `refused`, each with the reason the contract would
/// refuse it (`"is the token contract itself, which cannot receive WBX"`). Run once the
/// deployment is known, before anything is sent.
pub fn check_recipients(
    path: &str,
    rows: &[Payout],
    refused: &[(Address, &str)],
) -> Result<(), CsvError> {
    for row in rows {
        if let Some((_, why)) = refused.iter().find(|(a, _)| *a == row.to) {
            return Err(CsvError::Refused {
                path: path.into(),
                line: row.line,
                address: row.to,
                why: why.to_string(),
            });
        }
    }
    Ok(())
}

/// Why an address string is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// Not `0x` and 40 hex digits; what is wrong, in words.
    Malformed(String),
    /// Mixed case, but not the EIP-55 checksum; the field holds the correct form.
    Checksum(String),
}

impl std::fmt::Display for AddressError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(reason) => f.write_str(reason),
            Self::Checksum(good) => write!(f, "wrong EIP-55 checksum; checksummed, it is {good}"),
        }
    }
}

impl std::error::Error for AddressError {}

/// Parses an address the way Foundry does, with the `0x` prefix required: all-lowercase or
/// all-uppercase hex is accepted as is, mixed case must be a correct EIP-55 checksum. Spaces
/// around it are ignored.
pub fn parse_address(s: &str) -> Result<Address, AddressError> {
    let s = s.trim();
    let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) else {
        return Err(AddressError::Malformed(malformed(s, None)));
    };
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AddressError::Malformed(malformed(s, Some(hex))));
    }
    let address: Address = hex.parse().map_err(|_| AddressError::Malformed(malformed(s, None)))?;
    let mixed =
        hex.chars().any(|c| c.is_ascii_lowercase()) && hex.chars().any(|c| c.is_ascii_uppercase());
    if mixed && address.to_checksum(None) != format!("0x{hex}") {
        return Err(AddressError::Checksum(address.to_checksum(None)));
    }
    Ok(address)
}

/// What is wrong with `s`, which is not `0x` and 40 hex digits (`hex`: what follows the prefix).
fn malformed(s: &str, hex: Option<&str>) -> String {
    if s.is_empty() {
        return "it is empty".into();
    }
    if let Some(note) = non_ascii(s) {
        return note;
    }
    if s.contains('"') {
        return "it holds a quote: a quoted CSV field starts with \" right after the comma, with no space before it".into();
    }
    let Some(hex) = hex else {
        if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return format!("it lacks the 0x prefix: write 0x{s}");
        }
        if s.contains('.') {
            return "names such as vitalik.eth are not resolved: write the 0x address".into();
        }
        return "an address starts with 0x".into();
    };
    if let Some((i, c)) = hex.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return format!("{c:?} at position {} is not a hex digit", i + 3);
    }
    format!("it has {} hex digits, an address has 40", hex.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: &str = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    const B: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

    #[test]
    fn parses_rows_with_header_comments_and_blank_lines() {
        let text = format!("address,amount\n# rewards\n{A}, 1.5\n\n{B},2\n");
        let rows = parse_payouts("r.csv", &text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 3);
        assert_eq!(rows[0].amount, "1.5".parse().unwrap());
        assert_eq!(rows[1].line, 5);
    }

    #[test]
    fn reads_rfc_4180_quoting_crlf_and_byte_order_marks() {
        let cases = [
            format!("\"{A}\",\"1.5\"\r\n\"{B}\",2\r\n"),
            format!("\u{FEFF}{A},1.5\n{B},2"),
            format!("\u{FEFF}Address , AMOUNT\r\n{A},1.5\r\n\u{FEFF}{B},2\r\n"),
            format!("{A},1.5\r{B},\"2\"\r"),
            format!("\"address\",\"amount\"\n{A},\"1.5\"\n,\n {B} , 2 \n"),
        ];
        for text in cases {
            let rows = parse_payouts("r.csv", &text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let got: Vec<(Address, String)> =
                rows.iter().map(|r| (r.to, r.amount.to_string())).collect();
            assert_eq!(
                got,
                vec![(A.parse().unwrap(), "1.5".into()), (B.parse().unwrap(), "2".into())],
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_first_row_that_is_not_a_header_is_a_row_or_refused_at_its_line() {
        let cases = [
            // Without 0x, an ENS name, another header: never taken for a header.
            (format!("{},2\n{B},1\n", &A[2..]), "r.csv:1:", "lacks the 0x prefix"),
            ("vitalik.eth,2\n".to_string(), "r.csv:1:", "names such as vitalik.eth"),
            (format!("recipient,amount\n{A},1\n"), "r.csv:1:", "an address starts with 0x"),
            (format!("# c\n\nwallet,value\n{A},1\n"), "r.csv:3:", "\"wallet\" is not an address"),
            (format!("{A},1\naddress,amount\n"), "r.csv:2:", "may only be the first row"),
        ];
        for (text, at, what) in cases {
            let err = parse_payouts("r.csv", &text).unwrap_err().to_string();
            assert!(err.starts_with(at) && err.contains(what), "{text:?}: {err}");
        }
    }

    #[test]
    fn every_bad_row_names_its_line() {
        let cases = [
            (format!("{A},1\n0x1234,1\n"), "r.csv:2", "has 4 hex digits"),
            (
                format!("{A},1\n0x3C44CdDdB6a900fa2b585dd299e03d12FA4293Bc,1\n"),
                "r.csv:2",
                "checksum",
            ),
            (format!("{A},-1\n"), "r.csv:1", "negative"),
            (format!("{A},1.0000000000000000001\n"), "r.csv:1", "19 decimals"),
            (format!("{A},abc\n"), "r.csv:1", "malformed"),
            (format!("{A},0\n"), "r.csv:1", "zero"),
            (format!("{A},1\n{},2\n", A.to_uppercase().replace("0X", "0x")), "r.csv:2", "line 1"),
            (format!("{A},1,extra\n"), "r.csv:1", "expected 2 fields"),
            (format!("{A}\n"), "r.csv:1", "expected 2 fields"),
            (format!("{A},2 # second\n"), "r.csv:1", "malformed amount"),
            (format!("{A},1\n  # indented\n"), "r.csv:2", "first column"),
            (format!("{A},\"1,000\"\n"), "r.csv:1", "malformed amount \"1,000\""),
            (format!("{A},1\n\"{B},2\n"), "r.csv:2", "expected 2 fields"),
            (format!("{A},1\n0x{},1\n", "а".repeat(40)), "r.csv:2", "U+0430"),
            (format!("{A},1\n \"{B}\",1\n"), "r.csv:2", "no space before it"),
            ("0x0000000000000000000000000000000000000000,1\n".into(), "r.csv:1", "zero address"),
            ("address,amount\n# nothing\n".into(), "r.csv", "no payout rows"),
            ("".into(), "r.csv", "no payout rows"),
        ];
        for (text, at, what) in cases {
            let err = parse_payouts("r.csv", &text).unwrap_err().to_string();
            assert!(err.starts_with(at) && err.contains(what), "{text:?}: {err}");
        }
    }

    #[test]
    fn encodings_other_than_utf8_are_refused_at_their_line() {
        let e = decode_text("r.csv", b"\xFF\xFEa\0,\x001\0").unwrap_err().to_string();
        assert!(e.starts_with("r.csv:1: the file is UTF-16 text"), "{e}");
        let e = decode_text("r.csv", b"a,1\nb\xE9,2\n").unwrap_err().to_string();
        assert!(e.starts_with("r.csv:2: byte 0xE9 at column 2 is not UTF-8"), "{e}");
        let e = decode_text("r.csv", b"a,1\n\nb\0,2\n").unwrap_err().to_string();
        assert!(e.starts_with("r.csv:3: a NUL byte"), "{e}");
        assert_eq!(decode_text("r.csv", "\u{FEFF}é".as_bytes()).unwrap(), "\u{FEFF}é");
    }

    #[test]
    fn the_token_itself_is_refused_with_its_line() {
        let rows = parse_payouts("r.csv", &format!("{A},1\n{B},2\n")).unwrap();
        let token: Address = B.parse().unwrap();
        let err = check_recipients("r.csv", &rows, &[(token, "is the token contract itself")])
            .unwrap_err();
        assert_eq!(err.to_string(), format!("r.csv:2: {B} is the token contract itself"));
        assert!(check_recipients("r.csv", &rows, &[(Address::ZERO, "x")]).is_ok());
    }

    #[test]
    fn address_rules_follow_foundry_with_the_prefix_required() {
        assert!(parse_address(A).is_ok());
        assert!(parse_address(B).is_ok());
        assert!(parse_address(&B.to_lowercase()).is_ok());
        assert!(parse_address(&format!("0x{}", B[2..].to_uppercase())).is_ok());
        assert!(matches!(
            parse_address("0x70997970C51812dc3A010C7d01b50e0d17dc79c8"),
            Err(AddressError::Checksum(_))
        ));
        let reason = |s: &str| match parse_address(s) {
            Err(AddressError::Malformed(r)) => r,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(reason("0x12"), "it has 2 hex digits, an address has 40");
        assert!(reason(&A[2..]).contains("lacks the 0x prefix"));
        assert!(reason(&A.replace('c', "g")).contains("'g' at position"));
        assert!(reason(&A.replacen('a', "а", 1)).contains("U+0430"));
        assert_eq!(reason(""), "it is empty");
    }

    /// A field as a person or a spreadsheet might write it: spaces, quotes.
    fn dress(field: &str, style: u8) -> String {
        match style % 4 {
            0 => field.to_string(),
            1 => format!(" {field} "),
            2 => format!("\"{field}\""),
            _ => format!("\"{field}\" "),
        }
    }

    /// An address in one of the forms that mean it exactly.
    fn spell(to: Address, style: u8) -> String {
        match style % 3 {
            0 => to.to_checksum(None),
            1 => format!("{to:#x}"),
            _ => format!("0x{}", alloy::hex::encode_upper(to)),
        }
    }

    /// A line of a payout file as people and programs write them, right or wrong.
    fn line() -> impl Strategy<Value = String> {
        let address = prop_oneof![
            6 => (any::<[u8; 20]>(), any::<u8>()).prop_map(|(b, s)| spell(Address::from(b), s)),
            1 => prop::sample::select(vec![
                A, "0x0000000000000000000000000000000000000000", "70997970c51812dc3a010c7d01b50e0d17dc79c8",
                "0x70997970C51812dc3A010C7d01b50e0d17dc79c8", "0x7099", "vitalik.eth", "0x70997970c51812dc3a010c7d01b50e0d17dc79cа",
                "address", "",
            ]).prop_map(String::from),
        ];
        let amount = prop_oneof![
            6 => (1u64.., 0u32..19).prop_map(|(n, d)| Amount::from_raw(alloy::primitives::U256::from(n)).format_with_decimals(d as u8)),
            1 => prop::sample::select(vec![
                "0", "-1", "1e3", "1_000", "\"1,000\"", "0.0000000000000000001", "１", "1 WBX", "amount", "",
            ]).prop_map(String::from),
        ];
        let soup = prop::collection::vec(
            prop::sample::select(vec![
                A, ",", ",", "1", "\"", "#", " ", "\u{FEFF}", "а", "\t", "\r",
            ]),
            0..5,
        )
        .prop_map(|p| p.concat());
        prop_oneof![
            8 => (address, amount, any::<u8>(), any::<u8>()).prop_map(|(a, m, x, y)| format!("{},{}", dress(&a, x), dress(&m, y))),
            1 => Just("# a comment, \"with a quote".to_string()),
            1 => Just(String::new()),
            1 => Just(" , ".to_string()),
            1 => Just("\u{FEFF}Address,AMOUNT".to_string()),
            2 => soup,
        ]
    }

    proptest! {
        /// Any file of valid rows, however it is dressed (header or not, quotes, spaces, CRLF or
        /// CR, byte-order marks, comments, blank lines), parses to exactly its rows and lines.
        #[test]
        fn well_formed_files_parse_to_exactly_their_rows(
            rows in prop::collection::vec(
                (any::<[u8; 20]>(), 1u128..u128::MAX, 0u8..19, any::<u8>(), any::<u8>()), 1..20),
            header in any::<bool>(),
            extras in prop::collection::vec(0u8..6, 20),
            newline in 0u8..3,
            bom in any::<bool>(),
        ) {
            let nl = ["\n", "\r\n", "\r"][newline as usize];
            let mut lines: Vec<String> = Vec::new();
            let mut expected = Vec::new();
            if header {
                lines.push(format!("{}{}", if bom { "\u{FEFF}" } else { "" }, "Address,AMOUNT"));
            }
            let mut used = std::collections::HashSet::new();
            for (i, (bytes, raw, decimals, a_style, b_style)) in rows.iter().enumerate() {
                let to = Address::from(*bytes);
                if to == Address::ZERO || !used.insert(to) {
                    continue;
                }
                match extras[i] {
                    0 => lines.push("# a comment, \"with quotes".into()),
                    1 => lines.push(String::new()),
                    2 => lines.push(" , ".into()),
                    3 => lines.push("\u{FEFF}".into()),
                    _ => {}
                }
                let amount = Amount::from_raw(alloy::primitives::U256::from(*raw)
                    / alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(*decimals)));
                prop_assume!(!amount.raw().is_zero());
                let bom = if bom && i % 3 == 0 { "\u{FEFF}" } else { "" };
                lines.push(format!(
                    "{bom}{},{}",
                    dress(&spell(to, *a_style), *b_style),
                    dress(&amount.to_string(), a_style.wrapping_add(*b_style))
                ));
                expected.push(Payout { line: lines.len(), to, amount });
            }
            prop_assume!(!expected.is_empty());
            let text = lines.join(nl) + nl;
            let parsed = parse_payouts("r.csv", &text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
            prop_assert_eq!(parsed, expected);
        }

        /// Any text at all either parses to rows that each say exactly what their line says, with
        /// no line that could hold a payout left out, or is refused naming a line of the file.
        #[test]
        fn any_text_parses_to_what_it_says_or_is_refused_with_a_line(
            parts in prop::collection::vec(line(), 0..8),
            newline in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        ) {
            let text: String = parts.join(newline);
            let lines = text.replace('\u{FEFF}', "").replace("\r\n", "\n").replace('\r', "\n");
            let lines: Vec<&str> = lines.split('\n').collect();
            match parse_payouts("r.csv", &text) {
                Ok(rows) => {
                    let mut content = Vec::new();
                    for (i, l) in lines.iter().enumerate() {
                        let fields: Vec<String> = l.split(',').map(|f| f.trim().trim_matches('"').trim().to_string()).collect();
                        if l.starts_with('#') || fields.iter().all(String::is_empty) {
                            continue;
                        }
                        content.push((i + 1, fields));
                    }
                    if let Some((_, f)) = content.first() && is_header(f) {
                        content.remove(0);
                    }
                    prop_assert_eq!(rows.len(), content.len(), "a line was skipped in {:?}", text);
                    for (row, (line, fields)) in rows.iter().zip(&content) {
                        prop_assert_eq!(row.line, *line);
                        prop_assert_eq!(parse_address(&fields[0]).ok(), Some(row.to));
                        prop_assert_eq!(fields[1].parse::<Amount>().ok(), Some(row.amount));
                        prop_assert!(!row.amount.raw().is_zero() && row.to != Address::ZERO);
                    }
                }
                Err(CsvError::Empty { .. }) => {
                    let fields = |l: &str| l.split(',').map(|f| f.trim().trim_matches('"').trim().to_string()).collect::<Vec<_>>();
                    prop_assert!(lines.iter().all(|l| l.starts_with('#') || fields(l).iter().all(String::is_empty)
                        || is_header(&fields(l))),
                        "{:?} has a payout line", text);
                }
                Err(e) => {
                    let line = e.line().expect("a line");
                    prop_assert!((1..=lines.len()).contains(&line), "{e} in {:?}", text);
                    let prefix = format!("r.csv:{line}: ");
                    prop_assert!(e.to_string().starts_with(&prefix), "{}", e);
                }
            }
        }

        /// Any 20 bytes, written in any form that means them, parse to themselves; a mixed case
        /// that is not the checksum is refused with the checksummed form.
        #[test]
        fn addresses_parse_to_exactly_their_bytes(bytes in any::<[u8; 20]>(), flips in any::<u64>()) {
            let to = Address::from(bytes);
            for style in 0..3 {
                prop_assert_eq!(parse_address(&spell(to, style)), Ok(to));
            }
            let good = to.to_checksum(None);
            let mangled: String = good.char_indices().map(|(i, c)| {
                if i >= 2 && flips >> (i % 64) & 1 == 1 { if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() } } else { c }
            }).collect();
            let mixed = mangled[2..].chars().any(|c| c.is_ascii_lowercase()) && mangled[2..].chars().any(|c| c.is_ascii_uppercase());
            match parse_address(&mangled) {
                Ok(a) => prop_assert!(a == to && (mangled == good || !mixed)),
                Err(e) => prop_assert_eq!(e, AddressError::Checksum(good)),
            }
        }

        /// Any string that parses as an address says those 20 bytes in hex after `0x`.
        #[test]
        fn any_string_is_its_address_or_refused(s in "\\PC{0,3}(0[xX])?[0-9a-fA-FgG\u{430} ]{0,44}") {
            if let Ok(a) = parse_address(&s) {
                prop_assert_eq!(s.trim().to_lowercase(), format!("{a:#x}"));
            }
        }
    }
}
