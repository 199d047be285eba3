//! Integration tests of the dashboard against real anvil nodes: each test starts its own node and
//! its own server on a free port, signs in as the fixture's accounts, and waits on conditions.

mod api;
mod auth;
mod browser;
mod support;
mod webhook;
