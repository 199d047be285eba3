//! Chain preflight: does the chain's EVM have every opcode WBX's contracts use? Asked before a
//! deployment sends anything, and when a call fails in a way a contract never answers (an invalid
//! or not-activated opcode).
//!
//! The opcodes come from the contracts' own bytecode (the creation code of the token and the pool,
//! runtime code included): every opcode that a hardfork introduced is a capability the chain must
//! have. Each is probed with a tiny contract creation simulated with `eth_call` (nothing is sent)
//! that executes just that opcode; the probes go out in one JSON-RPC batch. A chain that answers a
//! probe with an invalid-opcode error lacks the capability, and the report names it, the EIP and
//! the hardfork that brings it.

use crate::error::{Error, Result};
use alloy::{
    primitives::Bytes,
    rpc::{
        client::{BatchRequest, RpcClientInner, Waiter},
        types::{BlockNumberOrTag, TransactionRequest},
    },
    transports::TransportResult,
};
use std::fmt;
use wbx_contracts::{WbxPool, WebexToken};

/// An opcode a hardfork introduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capability {
    /// The opcode byte.
    pub opcode: u8,
    /// Its mnemonic (`MCOPY`).
    pub name: &'static str,
    /// The EIP that introduced it, with what it is for.
    pub eip: &'static str,
    /// The hardfork that activated it.
    pub hardfork: Hardfork,
    /// Init code that executes the opcode once and stops (using only opcodes every EVM has
    /// besides it: PUSH1, POP, GAS, ADDRESS, STOP).
    probe: &'static [u8],
}

/// The Ethereum hardforks that introduced opcodes, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hardfork {
    /// Byzantium (2017).
    Byzantium,
    /// Constantinople (2019).
    Constantinople,
    /// Istanbul (2019).
    Istanbul,
    /// London (2021).
    London,
    /// Shanghai (2023).
    Shanghai,
    /// Cancun (Dencun, 2024).
    Cancun,
    /// Prague (Pectra, 2025): no new opcode, the contracts' compile target.
    Prague,
    /// Osaka (Fusaka).
    Osaka,
}

impl Hardfork {
    /// The name as nodes take it (`anvil --hardfork cancun`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Byzantium => "byzantium",
            Self::Constantinople => "constantinople",
            Self::Istanbul => "istanbul",
            Self::London => "london",
            Self::Shanghai => "shanghai",
            Self::Cancun => "cancun",
            Self::Prague => "prague",
            Self::Osaka => "osaka",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Byzantium => "Byzantium",
            Self::Constantinople => "Constantinople",
            Self::Istanbul => "Istanbul",
            Self::London => "London",
            Self::Shanghai => "Shanghai",
            Self::Cancun => "Cancun",
            Self::Prague => "Prague",
            Self::Osaka => "Osaka",
        }
    }
}

impl fmt::Display for Hardfork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// The hardfork the contracts are compiled for (`evm_version` in foundry.toml and the build
/// scripts): the compiler emits no opcode from a later one, so a later opcode's byte found in
/// the bytecode is data, not code.
pub const COMPILE_TARGET: Hardfork = Hardfork::Prague;

/// Every opcode a hardfork introduced since Byzantium, with its probe.
pub const CAPABILITIES: &[Capability] = {
    use Hardfork::*;
    const fn c(
        opcode: u8,
        name: &'static str,
        eip: &'static str,
        hardfork: Hardfork,
        probe: &'static [u8],
    ) -> Capability {
        Capability { opcode, name, eip, hardfork, probe }
    }
    &[
        c(0x3d, "RETURNDATASIZE", "EIP-211", Byzantium, &[0x3d, 0x50, 0x00]),
        c(0x3e, "RETURNDATACOPY", "EIP-211", Byzantium, &[0x60, 0, 0x60, 0, 0x60, 0, 0x3e, 0x00]),
        // STATICCALL of the identity precompile (0x04) with all the gas left.
        c(
            0xfa,
            "STATICCALL",
            "EIP-214",
            Byzantium,
            &[0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 4, 0x5a, 0xfa, 0x50, 0x00],
        ),
        c(
            0x1b,
            "SHL",
            "EIP-145, bitwise shifts",
            Constantinople,
            &[0x60, 1, 0x60, 1, 0x1b, 0x50, 0x00],
        ),
        c(
            0x1c,
            "SHR",
            "EIP-145, bitwise shifts",
            Constantinople,
            &[0x60, 1, 0x60, 1, 0x1c, 0x50, 0x00],
        ),
        c(
            0x1d,
            "SAR",
            "EIP-145, bitwise shifts",
            Constantinople,
            &[0x60, 1, 0x60, 1, 0x1d, 0x50, 0x00],
        ),
        c(
            0xf5,
            "CREATE2",
            "EIP-1014",
            Constantinople,
            &[0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0xf5, 0x50, 0x00],
        ),
        c(0x3f, "EXTCODEHASH", "EIP-1052", Constantinople, &[0x30, 0x3f, 0x50, 0x00]),
        c(0x46, "CHAINID", "EIP-1344", Istanbul, &[0x46, 0x50, 0x00]),
        c(0x47, "SELFBALANCE", "EIP-1884", Istanbul, &[0x47, 0x50, 0x00]),
        c(0x48, "BASEFEE", "EIP-3198", London, &[0x48, 0x50, 0x00]),
        c(0x5f, "PUSH0", "EIP-3855", Shanghai, &[0x5f, 0x50, 0x00]),
        c(0x5c, "TLOAD", "EIP-1153, transient storage", Cancun, &[0x60, 0, 0x5c, 0x50, 0x00]),
        c(0x5d, "TSTORE", "EIP-1153, transient storage", Cancun, &[0x60, 1, 0x60, 0, 0x5d, 0x00]),
        c(0x5e, "MCOPY", "EIP-5656", Cancun, &[0x60, 32, 0x60, 0, 0x60, 32, 0x5e, 0x00]),
        c(0x49, "BLOBHASH", "EIP-4844", Cancun, &[0x60, 0, 0x49, 0x50, 0x00]),
        c(0x4a, "BLOBBASEFEE", "EIP-7516", Cancun, &[0x4a, 0x50, 0x00]),
        c(0x1e, "CLZ", "EIP-7939", Osaka, &[0x60, 1, 0x1e, 0x50, 0x00]),
    ]
};

/// The opcodes in `code`, skipping the data of PUSH instructions and the CBOR metadata Solidity
/// appends (its length is in the last two bytes).
pub fn opcodes(code: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let end = match code {
        [.., hi, lo] => {
            let meta = usize::from(u16::from_be_bytes([*hi, *lo])) + 2;
            // Only a plausible metadata length (the CBOR map starts with 0xa1..0xa4) is cut.
            let start = code.len().saturating_sub(meta);
            if meta < code.len() && (0xa1..=0xa4).contains(&code[start]) {
                start
            } else {
                code.len()
            }
        }
        _ => code.len(),
    };
    let code = &code[..end];
    let mut pc = 0;
    std::iter::from_fn(move || {
        let op = *code.get(pc)?;
        // PUSH1..PUSH32 carry 1..32 bytes of data.
        pc += 1 + if (0x60..=0x7f).contains(&op) { usize::from(op - 0x5f) } else { 0 };
        Some(op)
    })
}

/// The capabilities WBX's contracts use: the hardfork-introduced opcodes in the creation code of
/// the token and the pool (which holds their runtime code), up to [`COMPILE_TARGET`].
pub fn required() -> Vec<Capability> {
    let mut seen = [false; 256];
    for code in [&WebexToken::BYTECODE[..], &WbxPool::BYTECODE[..]] {
        for op in opcodes(code) {
            seen[usize::from(op)] = true;
        }
    }
    CAPABILITIES
        .iter()
        .filter(|c| c.hardfork <= COMPILE_TARGET && seen[usize::from(c.opcode)])
        .copied()
        .collect()
}

/// What the preflight found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Capabilities the chain ran.
    pub present: Vec<Capability>,
    /// Capabilities the chain's EVM lacks.
    pub missing: Vec<Capability>,
    /// Capabilities whose probe failed for another reason (the node's message): not counted as
    /// missing.
    pub unknown: Vec<(Capability, String)>,
}

impl Report {
    /// Whether the chain has every capability probed (none missing).
    pub fn ok(&self) -> bool {
        self.missing.is_empty()
    }

    /// The refusal to return when something is missing.
    pub fn into_result(self) -> Result<Self> {
        if self.ok() { Ok(self) } else { Err(Unsupported { missing: self.missing }.into()) }
    }
}

/// The chain's EVM lacks capabilities the contracts need; nothing was sent.
#[derive(Debug, Clone, thiserror::Error)]
pub struct Unsupported {
    /// What is missing.
    pub missing: Vec<Capability>,
}

impl Unsupported {
    /// The latest hardfork among the missing capabilities: the one the chain must have reached.
    pub fn needed(&self) -> Option<Hardfork> {
        self.missing.iter().map(|c| c.hardfork).max()
    }
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut forks: Vec<Hardfork> = self.missing.iter().map(|c| c.hardfork).collect();
        forks.sort();
        forks.dedup();
        let parts: Vec<String> = forks
            .iter()
            .rev()
            .map(|fork| {
                let ops: Vec<String> = self
                    .missing
                    .iter()
                    .filter(|c| c.hardfork == *fork)
                    .map(|c| format!("{} ({})", c.name, c.eip))
                    .collect();
                format!("{}, which the {fork} hardfork brings", ops.join(", "))
            })
            .collect();
        write!(
            f,
            "this chain's EVM lacks what the WBX contracts need: {}. Nothing was sent. Use a chain that has activated {}, or start the node with a later hardfork (e.g. `anvil --hardfork {}`)",
            parts.join("; "),
            self.needed().unwrap_or(COMPILE_TARGET),
            COMPILE_TARGET.name()
        )
    }
}

/// Probes `capabilities` on the node behind `client` with `eth_call`s (nothing is sent): one
/// JSON-RPC batch, or one call each when the client cannot take a batch in which some calls fail
/// (alloy's retry layer, which a [`crate::Connection`] has, fails the whole batch on the first
/// error). Fails only when the node cannot be asked at all.
pub async fn probe(client: &RpcClientInner, capabilities: &[Capability]) -> Result<Report> {
    if capabilities.is_empty() {
        return Ok(Report::default());
    }
    let params = |c: &Capability| {
        let call = TransactionRequest::default().input(Bytes::from_static(c.probe).into());
        (call, BlockNumberOrTag::Latest)
    };
    let mut batch = BatchRequest::new(client);
    let waiters: Vec<Waiter<Bytes>> = capabilities
        .iter()
        .map(|c| batch.add_call("eth_call", &params(c)).expect("serialisable eth_call"))
        .collect();
    let answers: Vec<TransportResult<Bytes>> = match batch.send().await {
        Ok(()) => futures::future::join_all(waiters).await,
        Err(e) if e.as_error_resp().is_some() => {
            let calls = capabilities.iter().map(|c| client.request("eth_call", params(c)));
            futures::future::join_all(calls).await
        }
        Err(e) => return Err(Error::from_rpc(e)),
    };
    let mut report = Report::default();
    for (c, answer) in capabilities.iter().zip(answers) {
        match answer {
            Ok(_) => report.present.push(*c),
            Err(e) => match Error::from_rpc(e) {
                Error::InvalidOpcode { .. } => report.missing.push(*c),
                other if other.is_transient() => return Err(other),
                other => report.unknown.push((*c, other.to_string())),
            },
        }
    }
    Ok(report)
}

/// Checks that the chain's EVM has every capability the WBX contracts use ([`required`]), and
/// refuses with [`Unsupported`] (which names them, their hardfork, and that nothing was sent)
/// when it lacks one.
pub async fn check(client: &RpcClientInner) -> Result<Report> {
    probe(client, &required()).await?.into_result()
}

/// Whether `err` is a failure a WBX contract never answers with: the node could not run the call
/// (an invalid or not-activated opcode), or a revert without data or with data no contract of
/// ours sends. Those are worth a [`check`] of the chain.
pub fn is_odd(err: &Error) -> bool {
    match err {
        Error::InvalidOpcode { .. } => true,
        Error::Revert(r) => matches!(**r, crate::Revert::Empty | crate::Revert::Unknown(_)),
        _ => false,
    }
}

/// Explains an odd failure of a read ([`is_odd`]) by the chain: when the chain's EVM lacks a
/// capability the contracts need, that ([`Unsupported`]) is the error; otherwise `err` itself.
pub async fn explain(client: &RpcClientInner, err: Error) -> Error {
    if !is_odd(&err) {
        return err;
    }
    match check(client).await {
        Err(unsupported @ Error::ChainUnsupported(_)) => unsupported,
        _ => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_data_and_metadata_are_not_opcodes() {
        // PUSH2 0x5c5d, MCOPY, then a two-byte "metadata" whose length marker is 2.
        let code = [0x61, 0x5c, 0x5d, 0x5e, 0xa1, 0x5f, 0x00, 0x02];
        assert_eq!(opcodes(&code).collect::<Vec<_>>(), [0x61, 0x5e]);
        assert_eq!(opcodes(&[0x7f]).collect::<Vec<_>>(), [0x7f]);
        assert_eq!(opcodes(&[]).count(), 0);
    }

    /// The contracts use transient storage (OpenZeppelin's transient reentrancy guard), MCOPY
    /// and PUSH0, as compiled for Prague; nothing from after the compile target is required.
    #[test]
    fn the_contracts_need_cancun() {
        let names: Vec<&str> = required().iter().map(|c| c.name).collect();
        for needed in ["PUSH0", "TLOAD", "TSTORE", "MCOPY"] {
            assert!(names.contains(&needed), "{needed} not found in {names:?}");
        }
        assert!(required().iter().all(|c| c.hardfork <= COMPILE_TARGET));
        let needed = Unsupported { missing: required() }.needed();
        assert_eq!(needed, Some(Hardfork::Cancun));
    }

    #[test]
    fn the_refusal_names_opcodes_hardforks_and_that_nothing_was_sent() {
        let by = |n: &str| *CAPABILITIES.iter().find(|c| c.name == n).unwrap();
        let e = Unsupported { missing: vec![by("PUSH0"), by("TLOAD"), by("MCOPY")] };
        let text = e.to_string();
        for part in [
            "TLOAD (EIP-1153, transient storage), MCOPY (EIP-5656), which the Cancun hardfork brings",
            "PUSH0 (EIP-3855), which the Shanghai hardfork brings",
            "Nothing was sent",
            "activated Cancun",
        ] {
            assert!(text.contains(part), "{part:?} missing from: {text}");
        }
    }

    /// Every probe is a creation that runs its opcode once and stops.
    #[test]
    fn each_probe_executes_its_opcode() {
        for c in CAPABILITIES {
            let ops: Vec<u8> = opcodes(c.probe).collect();
            assert!(ops.contains(&c.opcode), "{} probe lacks its opcode", c.name);
            assert_eq!(ops.last(), Some(&0x00), "{} probe does not stop", c.name);
            let others_old =
                ops.iter().all(|op| *op == c.opcode || [0x00, 0x30, 0x50, 0x5a, 0x60].contains(op));
            assert!(others_old, "{} probe uses another new opcode", c.name);
        }
    }
}
