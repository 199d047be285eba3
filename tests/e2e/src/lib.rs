//! End-to-end WBX: the policy story played with the real `wbx` binary ([`story`]), which
//! `scripts/demo` prints and the end-to-end tests in `tests/it` assert.

pub mod story;
