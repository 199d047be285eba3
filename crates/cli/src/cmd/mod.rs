//! One module per command.

pub(crate) mod access;
pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod bucket;
pub(crate) mod completions;
pub(crate) mod dashboard;
pub(crate) mod deploy;
pub(crate) mod doctor;
pub(crate) mod keeper;
pub(crate) mod pool;
pub(crate) mod status;
pub(crate) mod swap;
pub(crate) mod token;
pub(crate) mod tx;

use crate::output::Out;
use wbx_sdk::Sent;

/// Prints a mined transaction: `what`, then where it landed.
pub(crate) fn sent(out: Out, what: &str, sent: &Sent) {
    crate::output::record_sent(sent.hash, sent.block);
    out.emit(
        &serde_json::json!({ "action": what, "hash": sent.hash, "block": sent.block, "gasUsed": sent.gas_used }),
        || format!("{what}\n  tx {} in block {} ({} gas)", sent.hash, sent.block, sent.gas_used),
    );
}
