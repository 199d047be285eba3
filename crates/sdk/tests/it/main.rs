//! Integration tests of the SDK against real anvil nodes, one node per test.

mod access;
mod bytecode;
mod deploy;
mod erc20;
mod errors;
mod events;
mod pipeline;
mod pool;
