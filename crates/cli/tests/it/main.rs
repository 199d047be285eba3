//! Integration tests of the `wbx` binary against real anvil nodes.
//!
//! Every test runs the built binary (`CARGO_BIN_EXE_wbx`) as a user would, against its own anvil
//! node with WBX deployed, and checks the exit code, what was printed, and what changed on chain.

mod access;
mod admin;
mod audit;
mod bad_input;
mod batch;
mod buckets;
mod chains;
mod colour;
mod dashboard;
mod deploy;
mod doctor;
mod edges;
mod faults;
mod json_errors;
mod keeper;
mod pipes;
mod pool;
mod resume;
mod support;
mod swap;
mod token;
mod tx;
