//! End-to-end tests of WBX across its parts; the tests live in `tests/it`.
