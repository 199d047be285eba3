//! `wbx doctor token ADDR`: is there code; does it answer the ERC-20 reads; does it return the
//! booleans the standard asks for; is it WBX, and the version and runtime code this client was
//! built for. A wallet address or a contract of another standard is named as such. A function that
//! does not exist (a revert without data) is the contract's answer; a call the node could not run
//! (an invalid or not-activated opcode) is the chain's, and then the chain's EVM is checked against
//! what the WBX contracts need (the SDK's preflight) before any verdict on the contract.

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
        Answer::NotRun(e) | Answer::Failed(e) => Err(e.clone()),
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
        let (name_a, symbol_a, decimals_a) =
            (Answer::of(name_w).await, Answer::of(symbol_w).await, Answer::of(decimals_w).await);
        let (transfer, approve) = (Answer::of(transfer_w).await, Answer::of(approve_w).await);
        let (erc721_a, erc1155_a) = (Answer::of(erc721_w).await, Answer::of(erc1155_w).await);
        let version_a = Answer::of(version_w).await;

        // "This function does not exist" (a revert without data, or no return data) is the
        // contract's answer; "the node could not run the call" (an invalid or not-activated
        // opcode) is the chain's. The second says nothing about what the contract is, so the
        // chain's EVM is checked for what WBX needs (one more round trip) before any verdict.
        let all = [
            &supply,
            &balance,
            &allowance,
            &name_a,
            &symbol_a,
            &decimals_a,
            &transfer,
            &approve,
            &erc721_a,
            &erc1155_a,
            &version_a,
        ];
        let not_run = all.iter().any(|a| a.not_run());
        if not_run {
            checks.push(self.chain_evm_check(&all).await?);
        }

        let answers = |a: &Answer| matches!(a, Answer::Data(d) if d.len() == 32);
        let reads = [("totalSupply", &supply), ("balanceOf", &balance), ("allowance", &allowance)];
        let missing: Vec<&str> =
            reads.iter().filter(|(_, a)| !answers(a)).map(|(n, _)| *n).collect();
        let unrun: Vec<&str> = reads.iter().filter(|(_, a)| a.not_run()).map(|(n, _)| *n).collect();
        let is_721 = erc721_a.decode::<IProbe::supportsInterfaceCall>() == Some(true);
        let is_1155 = erc1155_a.decode::<IProbe::supportsInterfaceCall>() == Some(true);
        let erc20 = missing.is_empty();
        checks.push(if !unrun.is_empty() {
            Check::fail(
                "erc20",
                "ERC-20 reads",
                format!("the node could not run {}", unrun.join(", ")),
                "the chain's EVM stopped at an opcode it lacks, so the reads say nothing about the contract (see the chain EVM check)",
            )
            .with_fix(CHAIN_FIX)
        } else if erc20 && !is_721 && !is_1155 {
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
            name_a.decode::<IProbe::nameCall>(),
            symbol_a.decode::<IProbe::symbolCall>(),
            decimals_a.decode::<IProbe::decimalsCall>(),
        );
        let meta_unrun: Vec<&str> =
            [("name", &name_a), ("symbol", &symbol_a), ("decimals", &decimals_a)]
                .iter()
                .filter(|(_, a)| a.not_run())
                .map(|(n, _)| *n)
                .collect();
        checks.push(match (&name, &symbol, decimals) {
            (Some(n), Some(s), Some(d)) => Check::pass("metadata", "metadata (optional)", format!("{n} ({s}), {d} decimals")),
            _ if !meta_unrun.is_empty() => Check::skip(
                "metadata",
                "metadata (optional)",
                format!("the node could not run {}", meta_unrun.join(", ")),
            ),
            _ if !erc20 => Check::skip("metadata", "metadata (optional)", "not an ERC-20"),
            _ => Check::warn(
                "metadata",
                "metadata (optional)",
                "name, symbol or decimals missing",
                "the metadata is optional in ERC-20, but wallets show amounts wrongly without decimals",
            ),
        });

        if erc20 && !is_721 && !is_1155 {
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
            } else if transfer.not_run() || approve.not_run() {
                Check::skip("returns-bool", "bool returns", "the node could not run transfer or approve")
            } else {
                Check::warn(
                    "returns-bool",
                    "bool returns",
                    detail,
                    "neither probe returned, so the return values could not be checked",
                )
            });
        } else if !unrun.is_empty() {
            checks.push(Check::skip(
                "returns-bool",
                "bool returns",
                "the node could not run the ERC-20 reads",
            ));
        } else {
            checks.push(Check::skip("returns-bool", "bool returns", "not an ERC-20"));
        }

        let version = version_a.decode::<IProbe::versionCall>();
        match (&version, &version_a) {
            (None, Answer::NotRun(e)) => checks.push(
                Check::fail(
                    "wbx",
                    "WBX version",
                    "the node could not run version()",
                    format!("its EVM stopped at an invalid or not-activated opcode ({e}): that says nothing about whether the contract is WBX (the runtime code check does), only that this chain cannot run it"),
                )
                .with_fix(CHAIN_FIX),
            ),
            (None, Answer::Failed(e)) => checks.push(Check::warn(
                "wbx",
                "WBX version",
                "the node refused version()",
                e.clone(),
            )),
            (None, _) if erc20 => {
                checks.push(
                    Check::fail(
                        "wbx",
                        "WBX version",
                        "no version()",
                        format!("{address} is an ERC-20 but not WBX: it has no version() (the call reverted without data or returned nothing), so wbx commands cannot drive it"),
                    )
                    .with_fix("point --token (or the deployment record) at the WBX token: `wbx status` shows it"),
                );
            }
            (None, _) => checks.push(Check::skip("wbx", "WBX version", "not an ERC-20")),
            (Some(v), _) if v.as_str() == EXPECTED_VERSION => {
                checks.push(Check::pass("wbx", "WBX version", format!("{v}, the version this client was built for")))
            }
            (Some(v), _) => checks.push(
                Check::fail(
                    "wbx",
                    "WBX version",
                    format!("found {v}, expected {EXPECTED_VERSION}"),
                    format!("an outdated WBX deployment: version {v}, while this client was built for {EXPECTED_VERSION}"),
                )
                .with_fix("deploy the current version (`wbx deploy --force --account <DEPLOYER>`), or use a wbx built for that version"),
            ),
        }
        // The code is read, not run: it tells WBX apart even on a chain that cannot run it.
        if version.is_some() || version_a.not_run() {
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

    /// The chain's EVM against what the WBX contracts need (the SDK's preflight, one round trip),
    /// after a call the node could not run.
    async fn chain_evm_check(&self, answers: &[&Answer]) -> Result<Check> {
        let title = "chain EVM";
        let report =
            wbx_sdk::preflight::probe(self.client(), &wbx_sdk::preflight::required()).await?;
        let first = answers
            .iter()
            .find_map(|a| match a {
                Answer::NotRun(e) => Some(e.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Ok(match report.into_result() {
            Err(wbx_sdk::Error::ChainUnsupported(missing)) => {
                let names: Vec<String> = missing
                    .missing
                    .iter()
                    .map(|c| format!("{} ({})", c.name, c.hardfork))
                    .collect();
                Check::fail(
                    "evm",
                    title,
                    format!("lacks {}", names.join(", ")),
                    missing.to_string(),
                )
                .with_fix(CHAIN_FIX)
            }
            Err(e) => Check::warn("evm", title, "could not be checked", e.to_string()),
            Ok(report) => Check::warn(
                "evm",
                title,
                format!("has the {} opcodes WBX needs", report.present.len()),
                format!(
                    "the node could not run some calls all the same (its EVM stopped at an invalid or not-activated opcode: {first})"
                ),
            ),
        })
    }
}

/// The fix when the chain cannot run the contracts.
const CHAIN_FIX: &str = "use a chain that has activated Cancun (--rpc-url), or start the node with a later hardfork (e.g. `anvil --hardfork prague`)";

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
