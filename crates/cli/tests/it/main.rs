//! Integration tests of the `wbx` binary against real anvil nodes.
