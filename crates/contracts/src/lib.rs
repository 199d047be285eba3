//! Rust bindings of the WBX contracts, generated at build time from `contracts/src`.
//!
//! `build.rs` compiles the Solidity with the project's pinned compiler through foundry-compilers and
//! runs alloy's `sol!` over the artifacts, so every type here (calls, events, custom errors, structs)
//! and the embedded bytecode come from the contracts themselves: a contract change reaches the Rust
//! API with one build, and a stale binding cannot compile against a changed contract.

include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
