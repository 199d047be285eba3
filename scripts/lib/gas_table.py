#!/usr/bin/env python3
"""Prints the gas table of the GasBench forge script: WBX beside its plain baseline, from real receipts.

Reads the labels the script wrote (out/gas-bench.json) and the broadcast receipts of that run; the
measured transactions are the last len(labels) ones. Exits non-zero when a target is missed.
"""
import json
import sys

labels_file, broadcast_file = sys.argv[1], sys.argv[2]
bench = json.load(open(labels_file))
labels = bench["labels"].split(",")
batch = int(bench["batch"])
receipts = json.load(open(broadcast_file))["receipts"]
measured = receipts[-len(labels):]
gas = {label: int(r["gasUsed"], 16) for label, r in zip(labels, measured)}
for label, r in zip(labels, measured):
    if r["status"] != "0x1":
        sys.exit(f"gas bench: transaction for {label} reverted")
# The batch renewal must have renewed every grant (a batch skips grants it would not extend): its
# AccessRenewedBatch log carries expiresAt, the array offset, its length and one word per account.
renew_batch = measured[labels.index("renew-batch-100/wbx")]
listed = max(((len(l["data"]) - 2) // 64 - 3 for l in renew_batch["logs"]), default=0)
if listed != batch:
    sys.exit(f"gas bench: the batch renewal renewed {listed} grants, not {batch}")

# allocateBatch x100 per recipient before payment ids (WebexToken 1.0.0, commit 8e8cdd7, this script):
# the id's budget is 400 gas per recipient over it.
ALLOCATE_BATCH_V1 = 28_962

# (operation, wbx label, baseline label, per-item divisor, target for WBX, what the target is)
rows = [
    ("transfer (to a holder)", "transfer/wbx", "transfer/plain", 1, lambda w, b: w <= 1.15 * b, "<= 1.15x plain"),
    ("approve", "approve/wbx", "approve/plain", 1, None, ""),
    ("transferFrom", "transferFrom/wbx", "transferFrom/plain", 1, None, ""),
    ("swap ETH -> token", "swap-eth-for-token/wbx", "swap-eth-for-token/plain", 1, lambda w, b: w <= 80_000, "<= 80,000"),
    ("swap token -> ETH", "swap-token-for-eth/wbx", "swap-token-for-eth/plain", 1, lambda w, b: w <= 80_000, "<= 80,000"),
    ("grantAccess (new grant)", "grant/wbx", None, 1, None, ""),
    ("renew (own Standard)", "renew/wbx", None, 1, None, ""),
    ("renewFor (keeper)", "renew-for/wbx", None, 1, None, ""),
    (f"renewBatch x{batch}, per grant", "renew-batch-100/wbx", None, batch, lambda w, b: w <= 8_000, "<= 8,000"),
    ("allocate", "allocate/wbx", None, 1, None, ""),
    ("allocateWithRef (paid once)", "allocate-with-ref/wbx", "allocate/wbx", 1, None, ""),
    (f"allocateBatch x{batch}, per recipient", "allocate-batch-100/wbx", None, batch,
     lambda w, b: w <= ALLOCATE_BATCH_V1 + 400, f"<= {ALLOCATE_BATCH_V1:,} + 400 (v1.0.0, no payment id)"),
]

failed = False
print(f"{'operation':<34} {'WBX gas':>10} {'baseline':>10} {'ratio':>7}  target")
for name, wbx, base, div, check, target in rows:
    w = gas[wbx] / div
    b = gas[base] if base else None
    ratio = f"{w / b:.3f}" if b else "-"
    verdict = ""
    if check:
        ok = check(w, b)
        failed |= not ok
        verdict = f"{target} {'ok' if ok else 'MISSED'}"
    print(f"{name:<34} {w:>10,.0f} {(f'{b:,}' if b else '-'):>10} {ratio:>7}  {verdict}")
print("baseline: plain OpenZeppelin ERC-20 and a plain Uniswap-V2-style pool, same run, same chain")
sys.exit(1 if failed else 0)
