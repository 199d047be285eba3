//! `wbx doctor token ADDR`: is there code; does it answer the ERC-20 reads; does it return the
//! booleans the standard asks for; is it WBX, and the version and runtime code this client was
//! built for. A wallet address or a contract of another standard is named as such.

use crate::{
    Check, Diagnosis, Doctor, Result,
    rpc::{Answer, Reads},
};
use alloy::sol_types::SolCall as _;
use alloy::{
    primitives::{Address, Bytes, FixedBytes, U256},
    sol,
};
use std::time::Instant;
use wbx_contracts::{EXPECTED_VERSION, WEBEX_TOKEN_IMMUTABLES, WebexToken};

sol! {
    /// The ERC-20 surface, and ERC-165, as the probes call them.
    interface IProbe {
        function totalSupply() external view returns (uint256);
        function balanceOf(address) external view returns (uint256);
        function allowance(address, address) external view returns (uint256);
        function name() external view returns (string);
        function symbol() external view returns (string);
        function decimals() external view returns (uint8);
        function transfer(address, uint256) external returns (bool);
        function approve(address, uint256) external returns (bool);
        function supportsInterface(bytes4) external view returns (bool);
        function version() external view returns (string);
    }
}

/// ERC-165 interface ids of the standards a token is most often confused with.
const ERC721: [u8; 4] = [0x80, 0xac, 0x58, 0xcd];
const ERC1155: [u8; 4] = [0xd9, 0xb6, 0x7a, 0x26];

/// An address that holds nothing and approved nothing: the probes' caller.
const PROBE: Address = Address::new([0x0d; 20]);
const PROBE_TO: Address = Address::new([0x0e; 20]);

/// Whether `code` is `expected` once the immutables (which differ per deployment) are masked.
pub fn same_runtime_code(code: &[u8], expected: &[u8], immutables: &[(usize, usize)]) -> bool {
    let mask = |c: &[u8]| {
        let mut c = c.to_vec();
        for &(start, len) in immutables {
            if start + len <= c.len() {
                c[start..start + len].fill(0);
            }
        }
        c
    };
    code.len() == expected.len() && mask(code) == mask(expected)
}

/// How a call that should return `bool` answered.
fn bool_return(a: &Answer) -> Result<bool, String> {
    match a {
        Answer::Data(d) if d.len() == 32 && d[..31].iter().all(|b| *b == 0) && d[31] <= 1 => {
            Ok(d[31] == 1)
        }
        Answer::Data(d) if d.is_empty() => Err("returned nothing".into()),
        Answer::Data(d) => Err(format!("returned {} bytes that are not a bool", d.len())),
        Answer::Reverted(r) => Err(format!("reverted: {r}")),
        Answer::Failed(e) => Err(e.clone()),
    }
}

impl Doctor {
    /// Diagnoses the contract at `address` as a token for this client. Two round trips with the
    /// connection.
    pub async fn token(&self, address: Address) -> Result<Diagnosis> {
        let started = Instant::now();
        let before = self.round_trips();
        let mut r = Reads::new(self.client());
        let code_w = r.code(address);
        let supply_w = r.call(PROBE, address, &IProbe::totalSupplyCall {});
        let balance_w = r.call(PROBE, address, &IProbe::balanceOfCall::new((PROBE,)));
        let allowance_w = r.call(PROBE, address, &IProbe::allowanceCall::new((PROBE, PROBE_TO)));
        let name_w = r.call(PROBE, address, &IProbe::nameCall {});
        let symbol_w = r.call(PROBE, address, &IProbe::symbolCall {});
        let decimals_w = r.call(PROBE, address, &IProbe::decimalsCall {});
        let transfer_w = r.call(PROBE, address, &IProbe::transferCall::new((PROBE_TO, U256::ZERO)));
        let approve_w = r.call(PROBE, address, &IProbe::approveCall::new((PROBE_TO, U256::ZERO)));
        let erc721_w =
            r.call(PROBE, address, &IProbe::supportsInterfaceCall::new((FixedBytes(ERC721),)));
        let erc1155_w =
            r.call(PROBE, address, &IProbe::supportsInterfaceCall::new((FixedBytes(ERC1155),)));
        let version_w = r.call(PROBE, address, &IProbe::versionCall {});
        r.send().await?;

        let code: Bytes = code_w.await?;
        let mut checks = Vec::new();
        let subject = format!("token {address}");
        if code.is_empty() {
            checks.push(
                Check::fail(
                    "code",
                    "contract code",
                    "none",
                    format!(
                        "{address} has no code: it is a wallet (an EOA), or nothing is deployed there on chain {}; a token is a contract",
                        self.chain_id()
                    ),
                )
                .with_fix("use the token's contract address: `wbx status` shows the deployment's token"),
            );
            for (id, title) in [
                ("erc20", "ERC-20 reads"),
                ("returns-bool", "bool returns"),
                ("wbx", "WBX version"),
            ] {
                checks.push(Check::skip(id, title, "no contract"));
            }
            return Ok(self.finish(subject, checks, started, before));
        }
        checks.push(Check::pass("code", "contract code", format!("{} bytes", code.len())));

        let (supply, balance, allowance) = (
            Answer::of(supply_w).await,
            Answer::of(balance_w).await,
            Answer::of(allowance_w).await,
        );
        let answers = |a: &Answer| matches!(a, Answer::Data(d) if d.len() == 32);
        let missing: Vec<&str> =
            [("totalSupply", &supply), ("balanceOf", &balance), ("allowance", &allowance)]
                .iter()
                .filter(|(_, a)| !answers(a))
                .map(|(n, _)| *n)
                .collect();
        let is_721 =
            Answer::of(erc721_w).await.decode::<IProbe::supportsInterfaceCall>() == Some(true);
        let is_1155 =
            Answer::of(erc1155_w).await.decode::<IProbe::supportsInterfaceCall>() == Some(true);
        let erc20 = missing.is_empty();
        checks.push(if erc20 && !is_721 && !is_1155 {
            Check::pass(
                "erc20",
                "ERC-20 reads",
                format!(
                    "totalSupply {}, balanceOf and allowance answer",
                    supply.decode::<IProbe::totalSupplyCall>().unwrap_or_default()
                ),
            )
        } else {
            let other = if is_721 {
                "an ERC-721 (NFT) contract (it says so through ERC-165 supportsInterface)"
            } else if is_1155 {
                "an ERC-1155 multi-token contract (it says so through ERC-165 supportsInterface)"
            } else {
                "a contract that is not an ERC-20"
            };
            Check::fail(
                "erc20",
                "ERC-20 reads",
                if missing.is_empty() {
                    "answers, but declares another standard".to_string()
                } else {
                    format!("no answer to {}", missing.join(", "))
                },
                format!("{address} is {other}"),
            )
            .with_fix("use the token's contract address: `wbx status` shows the deployment's token")
        });

        let (name, symbol, decimals) = (
            Answer::of(name_w).await.decode::<IProbe::nameCall>(),
            Answer::of(symbol_w).await.decode::<IProbe::symbolCall>(),
            Answer::of(decimals_w).await.decode::<IProbe::decimalsCall>(),
        );
        checks.push(match (&name, &symbol, decimals) {
            (Some(n), Some(s), Some(d)) => Check::pass("metadata", "metadata (optional)", format!("{n} ({s}), {d} decimals")),
            _ if !erc20 => Check::skip("metadata", "metadata (optional)", "not an ERC-20"),
            _ => Check::warn(
                "metadata",
                "metadata (optional)",
                "name, symbol or decimals missing",
                "the metadata is optional in ERC-20, but wallets show amounts wrongly without decimals",
            ),
        });

        if erc20 && !is_721 && !is_1155 {
            let (transfer, approve) = (Answer::of(transfer_w).await, Answer::of(approve_w).await);
            let t = bool_return(&transfer);
            let a = bool_return(&approve);
            let nothing = [&t, &a].iter().any(|x| matches!(x, Err(e) if e == "returned nothing"));
            let detail = format!(
                "approve: {}; transfer: {}",
                a.as_ref().map(|b| format!("returns {b}")).unwrap_or_else(|e| e.clone()),
                t.as_ref().map(|b| format!("returns {b}")).unwrap_or_else(|e| e.clone())
            );
            checks.push(if nothing {
                Check::fail(
                    "returns-bool",
                    "bool returns",
                    detail,
                    "a non-standard ERC-20 (USDT-style): transfer/approve return nothing where ERC-20 requires a bool, so a caller that decodes the bool (Solidity's IERC20, most SDKs) reverts",
                )
                .with_fix("call it through OpenZeppelin's SafeERC20 (safeTransfer/forceApprove), which accepts an empty return")
            } else if a.is_ok() || t.is_ok() {
                Check::pass("returns-bool", "bool returns", detail)
            } else {
                Check::warn(
                    "returns-bool",
                    "bool returns",
                    detail,
                    "neither probe returned, so the return values could not be checked",
                )
            });
        } else {
            checks.push(Check::skip("returns-bool", "bool returns", "not an ERC-20"));
        }

        let version = Answer::of(version_w).await.decode::<IProbe::versionCall>();
        match &version {
            None if erc20 => {
                checks.push(
                    Check::fail(
                        "wbx",
                        "WBX version",
                        "no version()",
                        format!("{address} is an ERC-20 but not WBX: it has no version(), so wbx commands cannot drive it"),
                    )
                    .with_fix("point --token (or the deployment record) at the WBX token: `wbx status` shows it"),
                );
            }
            None => checks.push(Check::skip("wbx", "WBX version", "not an ERC-20")),
            Some(v) if v.as_str() == EXPECTED_VERSION => {
                checks.push(Check::pass("wbx", "WBX version", format!("{v}, the version this client was built for")))
            }
            Some(v) => checks.push(
                Check::fail(
                    "wbx",
                    "WBX version",
                    format!("found {v}, expected {EXPECTED_VERSION}"),
                    format!("an outdated WBX deployment: version {v}, while this client was built for {EXPECTED_VERSION}"),
                )
                .with_fix("deploy the current version (`wbx deploy --force --account <DEPLOYER>`), or use a wbx built for that version"),
            ),
        }
        if version.is_some() {
            let same =
                same_runtime_code(&code, &WebexToken::DEPLOYED_BYTECODE, WEBEX_TOKEN_IMMUTABLES);
            checks.push(if same {
                Check::pass("runtime-code", "runtime code", "matches the WebexToken this client was built for (immutables masked)")
            } else {
                Check::fail(
                    "runtime-code",
                    "runtime code",
                    format!("{} bytes, expected {}", code.len(), WebexToken::DEPLOYED_BYTECODE.len()),
                    "the deployed runtime code is not the WebexToken this client was built for (even with the per-deployment immutables masked): another build or version",
                )
                .with_fix("deploy the current version (`wbx deploy --force --account <DEPLOYER>`)")
            });
        }
        Ok(self.finish(subject, checks, started, before))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immutables_are_masked_and_nothing_else() {
        let ours = [1u8, 2, 3, 4, 5, 6];
        assert!(same_runtime_code(&[1, 2, 9, 9, 5, 6], &ours, &[(2, 2)]));
        assert!(!same_runtime_code(&[1, 2, 9, 9, 5, 7], &ours, &[(2, 2)]));
        assert!(!same_runtime_code(&[1, 2, 3, 4, 5], &ours, &[(2, 2)]));
    }

    #[test]
    fn bool_returns_are_read_strictly() {
        let word = |b: u8| {
            let mut w = [0u8; 32];
            w[31] = b;
            Answer::Data(Bytes::from(w.to_vec()))
        };
        assert_eq!(bool_return(&word(1)), Ok(true));
        assert_eq!(bool_return(&word(0)), Ok(false));
        assert!(bool_return(&word(2)).is_err());
        assert_eq!(bool_return(&Answer::Data(Bytes::new())), Err("returned nothing".into()));
    }
}
