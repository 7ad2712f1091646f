import type { Hex } from "viem";
import { XrollupError } from "../errors/base.ts";
import { revertAll } from "./executor.ts";
import type { JournalEntry, RollupEngine } from "./ports.ts";
import type { AddedRollup, MessageHashes, ProducedBlock, SequencedTransaction } from "./types.ts";

/**
 * Adding a rollup to a running devnet (`xr_addRollup`). The new rollup's
 * messenger knows every rollup from its genesis (its predeploys); the
 * rollups already there learn of it in the slot that adds it, which holds
 * one block per rollup with the sequencer's `addChain(newChainId)`, an
 * ordinary signed transaction that batches carry and derivation replays.
 * The batch that carries that slot registers the new rollup on L1
 * (`SharedInbox.submitBatchRegistering`) with its genesis, and commits to
 * it, message hashes and all, from then on.
 */

/** Thrown when the slot that adds a rollup cannot run; nothing of it is left on any rollup. */
export class AddRollupFailedError extends XrollupError {
  override name = "AddRollupFailedError";
  constructor({ chainId, reason, cause }: { chainId: number; reason: string; cause?: unknown }) {
    super(`Rollup ${chainId} could not be added: ${reason}.`, { cause });
  }
}

/** What {@link mineChainAdditions} mined. */
export interface ChainAdditions {
  /** One block per rollup, in the engines' order. */
  blocks: ProducedBlock[];
  /** Each `addChain` transaction with its block, in the engines' order. */
  included: { transaction: SequencedTransaction; block: ProducedBlock }[];
}

/**
 * Mines the slot that adds rollup `chainId`: on each engine, one block at
 * `timestamp` with its `addChain` transaction (`transactions[i]` for
 * `engines[i]`). All or nothing: if a rollup refuses its transaction, the
 * transaction reverts, or any step throws, every rollup goes back to where
 * it was and the error is thrown.
 *
 * @throws {AddRollupFailedError} when a rollup refuses or reverts its `addChain`.
 * @throws {RollupRevertError} when a rollup cannot go back after a failure.
 */
export async function mineChainAdditions(
  engines: readonly RollupEngine[],
  transactions: readonly SequencedTransaction[],
  chainId: number,
  timestamp: number,
): Promise<ChainAdditions> {
  const snapshots = await Promise.all(engines.map((engine) => engine.snapshot()));
  try {
    // Every engine's call ends before any failure is thrown: a block mined after the revert would stay.
    const settled = await Promise.allSettled(
      engines.map(async (engine, index) => {
        const transaction = transactions[index]!;
        const { block, outcomes } = await engine.mineBlock([transaction.raw], timestamp);
        const [outcome] = outcomes;
        if (outcome?.kind !== "included" || !outcome.success) {
          const why = outcome?.kind === "refused" ? `refused it: ${outcome.reason}` : "reverted it";
          throw new AddRollupFailedError({ chainId, reason: `rollup ${engine.chainId}'s addChain transaction ${transaction.hash}: the rollup ${why}` });
        }
        const produced: ProducedBlock = {
          chainId: engine.chainId,
          number: block.number,
          hash: block.hash,
          stateRoot: block.stateRoot,
          timestamp: block.timestamp,
          transactions: [transaction.raw],
        };
        return { transaction, block: produced };
      }),
    );
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    const mined = settled.map((result) => (result as PromiseFulfilledResult<ChainAdditions["included"][number]>).value);
    await Promise.all(engines.map((engine, index) => engine.release(snapshots[index]!)));
    return { blocks: mined.map(({ block }) => block), included: mined };
  } catch (error) {
    await revertAll(engines, snapshots);
    throw error;
  }
}

/**
 * Every rollup's message hashes once one more rollup joins: a zero hash to
 * and from it on every rollup there was, and all zeros on the new one (its
 * messenger has sent and relayed nothing). Pure.
 */
export function withAddedRollup(hashes: readonly MessageHashes[]): MessageHashes[] {
  const zero: Hex = `0x${"00".repeat(32)}`;
  const none = (): Hex[] => Array.from({ length: hashes.length + 1 }, () => zero);
  return [...hashes.map(({ sent, relayed }) => ({ sent: [...sent, zero], relayed: [...relayed, zero] })), { sent: none(), relayed: none() }];
}

/** The rollups a journal's slots added, in the order they were added. Pure. */
export function addedRollupsOf(entries: readonly JournalEntry[]): AddedRollup[] {
  return entries.flatMap((entry) => (entry.kind === "slot" && entry.slot.addsRollup !== undefined ? [entry.slot.addsRollup] : []));
}
