//! Integration tests of the audit tools against real anvil nodes: a history with every event
//! type is made, indexed, and every report is checked against what the test did.

mod html;
mod provider;
mod reconcile;
mod reports;
mod support;
mod sync;
