import { type Address, isAddress } from "viem";
import { defaultSequencerAccount } from "../rollups/accounts.ts";
import { type DerivationMismatch, verifyFromL1 } from "../sequencer/derivation/verify.ts";
import { inboxAddressOf } from "../sequencer/inbox.ts";
import { XrollupError } from "../errors/base.ts";

/** Flags of `xrollup verify`. */
export interface VerifyFlags {
  l1: string;
  inbox?: string;
  json?: boolean;
}

/**
 * `xrollup verify`: exits 0 when every rollup re-derives from L1, 1 at the
 * first mismatch, printed as a one-line summary followed by what L1 commits
 * and what derivation found (or the whole result with `--json`).
 */
export async function runVerify(flags: VerifyFlags): Promise<void> {
  if (flags.inbox !== undefined && !isAddress(flags.inbox, { strict: false })) {
    throw new XrollupError(`--inbox expects an address, got "${flags.inbox}".`);
  }
  const inbox = (flags.inbox as Address | undefined) ?? inboxAddressOf(defaultSequencerAccount().address);
  // Loaded here, not at the top: it brings in Hardhat, which only this command needs.
  const { startGenesisEngine } = await import("../rollups/edr-engine.ts");
  const result = await verifyFromL1({ l1: flags.l1, inbox, startEngine: startGenesisEngine });
  if (flags.json) {
    console.log(JSON.stringify(result, null, 2));
  } else if (result.mismatch === undefined) {
    console.log(`OK: ${result.batches} batches, ${result.blocks} blocks, ${result.transactions} transactions re-derived from L1; every state root matches.`);
  } else {
    const m = result.mismatch;
    console.log(mismatchSummary(m));
    console.log(`  committed on L1: ${m.expected}`);
    console.log(`  re-derived:      ${m.actual}`);
  }
  if (!result.ok) process.exitCode = 1;
}

/** One line naming where derivation diverged: the batch, and the rollup and block when it concerns one. */
export function mismatchSummary({ batch, chainId, blockNumber, field }: DerivationMismatch): string {
  const where = chainId === 0 ? "" : blockNumber === 0 && batch !== 0 ? `, rollup ${chainId}` : `, rollup ${chainId}, block ${blockNumber}`;
  return `MISMATCH in batch ${batch}${where}: ${field}`;
}
