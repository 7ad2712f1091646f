import { type Address, isAddress } from "viem";
import { defaultSequencerAccount } from "../rollups/accounts.ts";
import { verifyFromL1 } from "../sequencer/derivation/verify.ts";
import { inboxAddressOf } from "../sequencer/inbox.ts";
import { XrollupError } from "../errors/base.ts";

/** Flags of `xrollup verify`. */
export interface VerifyFlags {
  l1: string;
  inbox?: string;
  json?: boolean;
}

/** `xrollup verify`: exits 0 when every rollup re-derives from L1, 1 at the first mismatch. */
export async function runVerify(flags: VerifyFlags): Promise<void> {
  if (flags.inbox !== undefined && !isAddress(flags.inbox, { strict: false })) {
    throw new XrollupError(`--inbox expects an address, got "${flags.inbox}".`);
  }
  const inbox = (flags.inbox as Address | undefined) ?? inboxAddressOf(defaultSequencerAccount().address);
  const result = await verifyFromL1({ l1: flags.l1, inbox });
  if (flags.json) {
    console.log(JSON.stringify(result, null, 2));
  } else if (result.ok) {
    console.log(`OK: ${result.batches} batches, ${result.blocks} blocks, ${result.transactions} transactions re-derived from L1; every state root matches.`);
  } else {
    const m = result.mismatch!;
    console.log(`MISMATCH in batch ${m.batch}, rollup ${m.chainId}, block ${m.blockNumber}: ${m.field}`);
    console.log(`  committed on L1: ${m.expected}`);
    console.log(`  re-derived:      ${m.actual}`);
  }
  if (!result.ok) process.exitCode = 1;
}
