import type { Hex } from "viem";
import { XrollupError } from "../errors/base.ts";
import { decodeRawTransaction, type DecodedTransaction } from "./intake.ts";
import { revertAll } from "./executor.ts";
import type { MinedBlock, RollupEngine } from "./ports.ts";
import { type DropReason, dropReason } from "./reasons.ts";
import { sentMessagesOf } from "./relayer.ts";
import type { ProducedBlock } from "./types.ts";

/**
 * Forced inclusion: transactions anyone queues on L1 with
 * `SharedInbox.forceInclude`, which every batch must process, in queue
 * order, by their deadline.
 *
 * The derivation rule, shared by the sequencer and `xrollup verify`: the
 * forced transactions a batch processes (its header's queue range) make up
 * its first slot, one block per rollup that has any, in queue order. Each
 * runs as on any chain, reverting or not, but alone: a transaction the
 * rollup refuses is dropped (`forced-invalid`), and so is one that sends a
 * cross-rollup message (`forced-message`), since no action could run with it
 * atomically and L1's shared-validity check would refuse a message sent and
 * never relayed. Which transactions are left is decided by running them on
 * the rollup ({@link mineForcedBlock}), so both sides reach the same block.
 */

/** One transaction of L1's forced-inclusion queue. */
export interface ForcedEntry {
  /** Its position in the queue. */
  index: number;
  chainId: number;
  /** The last L1 block at which a batch may still leave it unprocessed. */
  deadline: number;
  txHash: Hex;
  signedTx: Hex;
}

/** A forced transaction left out of its block, and why. */
export interface DroppedForced {
  entry: ForcedEntry;
  /** The transaction, when its bytes decode to one. */
  transaction?: DecodedTransaction;
  reason: DropReason;
}

/** What {@link mineForcedBlock} did on one rollup. */
export interface ForcedBlock {
  /** The block of the forced transactions that run; `undefined` when none does (no block is mined). */
  mined: MinedBlock | undefined;
  /** The transactions in the block, in queue order. */
  included: { entry: ForcedEntry; transaction: DecodedTransaction }[];
  dropped: DroppedForced[];
}

/** Thrown when forced transactions of another rollup are handed to an engine. */
export class ForcedRollupMismatchError extends XrollupError {
  override name = "ForcedRollupMismatchError";
  constructor({ chainId, expected }: { chainId: number; expected: number }) {
    super(`Forced transaction for rollup ${chainId} handed to rollup ${expected}'s engine.`);
  }
}

/**
 * Mines one rollup's forced transactions as one block at `timestamp`, in
 * queue order, leaving out those it refuses and those that send a
 * cross-rollup message (then mining again without them, from the same
 * state). Bytes that are no signed transaction, or one signed for another
 * chain, never reach the engine.
 *
 * @throws {ForcedRollupMismatchError} when an entry is for another rollup.
 */
export async function mineForcedBlock(engine: RollupEngine, entries: readonly ForcedEntry[], timestamp: number): Promise<ForcedBlock> {
  const dropped: DroppedForced[] = [];
  let candidates: { entry: ForcedEntry; transaction: DecodedTransaction }[] = [];
  for (const entry of entries) {
    if (entry.chainId !== engine.chainId) throw new ForcedRollupMismatchError({ chainId: entry.chainId, expected: engine.chainId });
    let transaction: DecodedTransaction;
    try {
      transaction = decodeRawTransaction(entry.signedTx);
    } catch (error) {
      const words = error instanceof XrollupError ? error.shortMessage : String(error);
      dropped.push({ entry, reason: dropReason("forced-invalid", `forced transaction ${entry.index} is not a signed transaction: ${words}`) });
      continue;
    }
    if (transaction.chainId !== undefined && transaction.chainId !== engine.chainId) {
      const reason = dropReason("forced-invalid", `forced transaction ${entry.index} is signed for chain ${transaction.chainId}, not rollup ${engine.chainId}`);
      dropped.push({ entry, transaction, reason });
      continue;
    }
    candidates.push({ entry, transaction });
  }
  while (candidates.length > 0) {
    const snapshot = await engine.snapshot();
    const mined = await engine.mineBlock(
      candidates.map(({ transaction }) => transaction.raw),
      timestamp,
    );
    const left = new Map<number, DropReason>();
    let blockPosition = 0;
    mined.outcomes.forEach((outcome, position) => {
      const { entry } = candidates[position]!;
      if (outcome.kind === "refused") {
        left.set(position, dropReason("forced-invalid", `rollup ${engine.chainId} refused forced transaction ${entry.index}: ${outcome.reason}`));
      } else if (mined.block.transactionHashes[blockPosition++] !== outcome.hash) {
        // The chain runs a sender's lower nonce first even when it was queued later; in queue order, this one came first and found a nonce gap.
        left.set(position, dropReason("forced-invalid", `forced transaction ${entry.index} has a nonce ahead of its sender's when its turn comes`));
      } else if (sentMessagesOf(outcome.logs, engine.chainId).length > 0) {
        left.set(position, dropReason("forced-message", `forced transaction ${entry.index} sends a cross-rollup message, which forced transactions may not`));
      }
    });
    if (left.size === 0) {
      await engine.release(snapshot);
      return { mined, included: candidates, dropped };
    }
    await engine.revert(snapshot);
    // Only the first refusal is certain: later ones may follow from it (a nonce after a dropped one), so the rest runs again.
    const first = Math.min(...left.keys());
    const { entry, transaction } = candidates[first]!;
    dropped.push({ entry, transaction, reason: left.get(first)! });
    candidates = candidates.filter((_, position) => position !== first);
  }
  return { mined: undefined, included: [], dropped };
}

/** What {@link runForcedSlot} produced. */
export interface ForcedSlot {
  /** One block per rollup with a forced transaction that ran, in registration order. */
  blocks: ProducedBlock[];
  /** The transactions that ran, in queue order, each with its block. */
  included: { entry: ForcedEntry; transaction: DecodedTransaction; block: ProducedBlock }[];
  dropped: DroppedForced[];
}

/**
 * Runs a slot of forced transactions: each rollup's in one block
 * ({@link mineForcedBlock}), all or nothing across the rollups (if any step
 * throws, every rollup goes back to where it was, and the error is rethrown).
 *
 * @throws {RollupRevertError} when a rollup cannot go back after a failure.
 */
export async function runForcedSlot(engines: readonly RollupEngine[], entries: readonly ForcedEntry[], timestamp: number): Promise<ForcedSlot> {
  const involved = engines.filter((engine) => entries.some((entry) => entry.chainId === engine.chainId));
  const unknown = entries.find((entry) => !engines.some((engine) => engine.chainId === entry.chainId));
  if (unknown !== undefined) throw new ForcedRollupMismatchError({ chainId: unknown.chainId, expected: engines[0]?.chainId ?? 0 });
  const snapshots = await Promise.all(involved.map((engine) => engine.snapshot()));
  const slot: ForcedSlot = { blocks: [], included: [], dropped: [] };
  try {
    for (const engine of involved) {
      const forced = await mineForcedBlock(
        engine,
        entries.filter((entry) => entry.chainId === engine.chainId),
        timestamp,
      );
      slot.dropped.push(...forced.dropped);
      if (forced.mined === undefined) continue;
      const block: ProducedBlock = {
        chainId: engine.chainId,
        number: forced.mined.block.number,
        hash: forced.mined.block.hash,
        stateRoot: forced.mined.block.stateRoot,
        timestamp: forced.mined.block.timestamp,
        transactions: forced.included.map(({ transaction }) => transaction.raw),
      };
      slot.blocks.push(block);
      slot.included.push(...forced.included.map(({ entry, transaction }) => ({ entry, transaction, block })));
    }
  } catch (error) {
    await revertAll(involved, snapshots);
    throw error;
  }
  await Promise.all(involved.map((engine, index) => engine.release(snapshots[index]!)));
  slot.included.sort((a, b) => a.entry.index - b.entry.index);
  slot.dropped.sort((a, b) => a.entry.index - b.entry.index);
  return slot;
}
