import { type Address, isAddress } from "viem";
import { defaultSequencerAccount } from "../rollups/accounts.ts";
import { type DerivationMismatch, type ForcedSummary, verifyFromL1 } from "../sequencer/derivation/verify.ts";
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
 * and what derivation found (or the whole result with `--json`). When it
 * passes and forced transactions were derived, a second line says what
 * became of them.
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
    if (result.forced.processed > 0) console.log(forcedSummary(result.forced));
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

/** One line on the forced transactions derived: how many ran, and how many no batch commits yet. */
export function forcedSummary({ processed, included, dropped, pendingInclusion }: ForcedSummary): string {
  const pending = pendingInclusion === 0 ? "" : `; ${pendingInclusion} taken by forceInclusion after the last batch, derived with no committed root to compare with yet`;
  return `  forced transactions: ${processed} processed, ${included} included, ${dropped} dropped${pending}.`;
}
