//! Integration tests of the keeper against real anvil nodes (one per test), with time travel.

mod daemon;
mod dry_run;
mod faults;
mod fee_cap;
mod flaky_rpc;
mod lapses;
mod node_restart;
mod reorg;
mod restart;
mod simulation;
mod stuck;
mod support;
mod two_keepers;
