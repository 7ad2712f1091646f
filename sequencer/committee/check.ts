import type { Batch } from "../batch/builder.ts";
import type { SlotResult } from "../types.ts";

/**
 * What a member checks before it signs a batch: every slot the batch covers
 * is one it recorded, certified by the committee, and each rollup's
 * commitment is where those slots' blocks lead (block hash, state root,
 * transaction count). Pure: `slots` are the member's record of the slots
 * not yet posted.
 */
export function batchMatchesSlots(batch: Batch, slots: readonly SlotResult[]): boolean {
  const covered = slots.filter((slot) => slot.slot >= batch.slots.first && slot.slot <= batch.slots.last);
  if (covered.length !== batch.slots.last - batch.slots.first + 1) return false;
  if (covered.some((slot) => slot.certificate === undefined && (slot.included.length > 0 || slot.blocks.length > 0))) return false;
  for (const commitment of batch.commitments) {
    const blocks = covered.flatMap((slot) => slot.blocks.filter((block) => BigInt(block.chainId) === commitment.chainId));
    const last = blocks.at(-1);
    if (last === undefined) {
      if (commitment.toBlock !== commitment.fromBlock - 1n) return false;
      continue;
    }
    if (BigInt(last.number) !== commitment.toBlock || last.hash !== commitment.blockHash || last.stateRoot !== commitment.stateRoot) return false;
    const transactions = blocks.reduce((count, block) => count + block.transactions.length, 0);
    if (transactions !== commitment.txCount) return false;
  }
  return true;
}
