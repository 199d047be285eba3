//! End-to-end tests across WBX's parts, each on its own anvil node.

mod forge_deploy;
mod story;
