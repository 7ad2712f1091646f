import type { Hex } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import type { BatchHeader, RollupCommitment } from "../batch/builder.ts";
import { BatchDecodeError, type BatchPayload, decodeBatchPayload, type PayloadBlock, type PayloadEncryptedSlot } from "../batch/codec.ts";
import { decryptWithSecret, orderCommitment } from "../encryption/threshold.ts";
import { decodeRawTransaction } from "../intake.ts";

/** A batch as read from L1: the arguments of its `submitBatch` call. */
export interface PostedBatchData {
  header: BatchHeader;
  commitments: readonly RollupCommitment[];
  data: Hex;
  l1TxHash: Hex;
}

/**
 * A batch the inbox accepted whose arguments derivation cannot read from L1:
 * its transaction is not a direct `submitBatch` call on the inbox (it went
 * through a contract, say), so the calldata does not say what the inbox got.
 */
export interface UnreadableBatchData {
  number: bigint;
  l1TxHash: Hex;
  /** Why the arguments cannot be read. */
  unreadable: string;
}

/** A batch the inbox accepted, as derivation finds it on L1. */
export type L1BatchData = PostedBatchData | UnreadableBatchData;

/** The number of a batch read from L1, readable or not. */
export function batchNumberOf(batch: L1BatchData): bigint {
  return "unreadable" in batch ? batch.number : batch.header.number;
}

/** One block to rebuild, with the global sequence numbers of its transactions. */
export interface ReplayBlock extends PayloadBlock {
  number: number;
  globalSeqs: number[];
}

/** What to replay for one batch, and what the result must match. */
export interface BatchReplay {
  number: number;
  l1TxHash: Hex;
  rollups: { commitment: RollupCommitment; blocks: ReplayBlock[] }[];
  /** The encrypted mempool's committed orders, one per slot that had ciphertexts. */
  encrypted: PayloadEncryptedSlot[];
}

/**
 * Why a batch on L1 cannot be replayed at all, found before anything runs.
 * `payload`: the arguments are unreadable, the data does not decode, or it
 * disagrees with the commitments (rollups, counts, global order);
 * `blockRange`: a rollup's blocks are not the ones its commitment names.
 */
export interface BatchProblem {
  field: "payload" | "blockRange";
  /** The rollup concerned; 0 when it is the batch as a whole. */
  chainId: number;
  /** The first block concerned; 0 when it is the batch as a whole. */
  blockNumber: number;
  expected: string;
  actual: string;
}

/** The result of {@link planBatch}: what to replay, or why there is nothing to replay. */
export type BatchPlan = { ok: true; replay: BatchReplay } | { ok: false; problem: BatchProblem };

/** Thrown when a batch on L1 is inconsistent in itself (its payload disagrees with its commitments). */
export class InconsistentBatchError extends XrollupError {
  override name = "InconsistentBatchError";
  constructor({ number, reason, cause }: { number: bigint; reason: string; cause?: unknown }) {
    super(`Batch ${number} is inconsistent: ${reason}.`, { cause, code: JSON_RPC_ERROR_CODES.invalidInput });
  }
}

/**
 * Latest block timestamp derivation replays (Unix seconds, year 36812).
 * Anything later is hostile, and EDR aborts the whole process on some such
 * timestamps instead of refusing them, so none may reach the engine.
 */
export const MAX_BLOCK_TIMESTAMP = 2 ** 40;

/**
 * Whether a rollup block may be mined at `timestamp` after a block at
 * `previous`: not before it (rollup blocks may share a second), and not
 * past {@link MAX_BLOCK_TIMESTAMP}. Pure. Returns what is wrong, or `undefined`.
 */
export function timestampProblem(previous: number, timestamp: number): string | undefined {
  if (!Number.isSafeInteger(timestamp) || timestamp > MAX_BLOCK_TIMESTAMP) return `past the latest timestamp ${MAX_BLOCK_TIMESTAMP}`;
  if (timestamp < previous) return `before the previous block's ${previous}`;
  return undefined;
}

/**
 * Turns one batch read from L1 into the blocks to rebuild, checking that its
 * payload decodes and matches its commitments: the same rollups, block
 * ranges and transaction counts, and a global order that covers the batch's
 * global sequence range exactly. Pure; whatever the batch holds, a problem
 * comes back as a value, never thrown.
 */
export function planBatch(batch: L1BatchData): BatchPlan {
  if ("unreadable" in batch) {
    return problem({ field: "payload", expected: "a direct submitBatch call on the inbox", actual: batch.unreadable });
  }
  const { header, commitments, data, l1TxHash } = batch;
  let payload: BatchPayload;
  try {
    payload = decodeBatchPayload(data);
  } catch (error) {
    if (!(error instanceof BatchDecodeError)) throw error;
    return problem({ field: "payload", expected: "a batch payload", actual: error.shortMessage });
  }
  const inconsistent = (actual: string, chainId = 0, blockNumber = 0) =>
    problem({ field: "payload", chainId, blockNumber, expected: "a payload that matches the commitments", actual });
  if (payload.rollups.length !== commitments.length) {
    return inconsistent(`payload has ${payload.rollups.length} rollups, commitments ${commitments.length}`);
  }
  const rangeLength = header.globalSeqEnd - header.globalSeqStart;
  if (BigInt(payload.globalOrder.length) !== rangeLength) {
    return inconsistent(`global order has ${payload.globalOrder.length} transactions, the range ${rangeLength}`);
  }
  // Global sequence numbers of each rollup's transactions, in block order.
  const seqsByRollup = payload.rollups.map((): number[] => []);
  for (const [offset, rollupIndex] of payload.globalOrder.entries()) {
    const seqs = seqsByRollup[rollupIndex];
    if (seqs === undefined) return inconsistent(`global order names rollup index ${rollupIndex}`);
    seqs.push(Number(header.globalSeqStart) + offset);
  }
  const rollups: BatchReplay["rollups"] = [];
  for (const [index, rollup] of payload.rollups.entries()) {
    const commitment = commitments[index]!;
    if (BigInt(rollup.chainId) !== commitment.chainId) {
      return inconsistent(`rollup ${index} is chain ${rollup.chainId} in the payload, ${commitment.chainId} in the commitments`);
    }
    // In bigint: the commitments' uint64 block numbers may be anything.
    const toBlock = BigInt(rollup.fromBlock) + BigInt(rollup.blocks.length) - 1n;
    if (BigInt(rollup.fromBlock) !== commitment.fromBlock || toBlock !== commitment.toBlock) {
      return problem({
        field: "blockRange",
        chainId: rollup.chainId,
        blockNumber: rollup.fromBlock,
        expected: `blocks ${commitment.fromBlock}-${commitment.toBlock}`,
        actual: `blocks ${rollup.fromBlock}-${toBlock}`,
      });
    }
    const seqs = seqsByRollup[index]!;
    const txCount = rollup.blocks.reduce((count, block) => count + block.transactions.length, 0);
    if (txCount !== commitment.txCount || seqs.length !== txCount) {
      return inconsistent(`rollup ${rollup.chainId} carries ${txCount} transactions, commits ${commitment.txCount}, orders ${seqs.length}`, rollup.chainId);
    }
    let taken = 0;
    const blocks = rollup.blocks.map((block, offset): ReplayBlock => {
      const globalSeqs = seqs.slice(taken, taken + block.transactions.length);
      taken += block.transactions.length;
      return { ...block, number: rollup.fromBlock + offset, globalSeqs };
    });
    rollups.push({ commitment, blocks });
  }
  return { ok: true, replay: { number: Number(header.number), l1TxHash, rollups, encrypted: payload.encrypted } };
}

function problem({ chainId = 0, blockNumber = 0, ...rest }: Omit<BatchProblem, "chainId" | "blockNumber"> & Partial<BatchProblem>): BatchPlan {
  return { ok: false, problem: { chainId, blockNumber, ...rest } };
}

/**
 * {@link planBatch} for every batch, for callers that want all or nothing.
 *
 * @throws {InconsistentBatchError} naming the first batch that cannot be replayed and why.
 */
export function planReplay(batches: readonly L1BatchData[]): BatchReplay[] {
  return batches.map((batch) => {
    const plan = planBatch(batch);
    if (plan.ok) return plan.replay;
    throw new InconsistentBatchError({ number: batchNumberOf(batch), reason: `${plan.problem.field}: ${plan.problem.actual}` });
  });
}

/**
 * Checks that a batch executed its encrypted transactions as committed: each
 * slot's commitment matches its ciphertexts, and the transactions they
 * decrypt to (with the secrets revealed after the slot) ran in the committed
 * order. As for every policy, a sender's own transactions run in nonce order
 * within the places the order gave that sender; so what must match is who
 * ran at each place. Pure. Returns what is wrong, or `undefined`.
 */
export function checkEncryptedOrder(batch: BatchReplay): string | undefined {
  for (const section of batch.encrypted) {
    const ciphertexts = section.entries.map((entry) => entry.ciphertext);
    if (orderCommitment(ciphertexts) !== section.commitment) {
      return `slot ${section.slot}: the order commitment does not match the ciphertexts it commits to`;
    }
    const decrypted = new Set<string>();
    const committed: string[] = [];
    for (const entry of section.entries) {
      try {
        const plaintext = decryptWithSecret(entry.ciphertext, entry.sharedSecret).toLowerCase();
        decrypted.add(plaintext);
        committed.push(plaintext);
      } catch {
        // It did not decrypt, so it cannot have run: the sequencer dropped it.
      }
    }
    // The decrypted transactions that ran in the slot, in global order.
    const ran = batch.rollups
      .flatMap(({ blocks }) =>
        blocks
          .filter((block) => block.slot === section.slot)
          .flatMap((block) => block.transactions.map((raw, index) => ({ raw: raw.toLowerCase(), seq: block.globalSeqs[index]! }))),
      )
      .filter(({ raw }) => decrypted.has(raw))
      .sort((a, b) => a.seq - b.seq)
      .map(({ raw }) => raw);
    const ranSet = new Set(ran);
    const expectedSenders = committed.filter((raw) => ranSet.has(raw)).map(senderOf);
    const actualSenders = ran.map(senderOf);
    const place = actualSenders.findIndex((sender, index) => sender !== expectedSenders[index]);
    if (place !== -1) return `slot ${section.slot}: encrypted transaction ${place} ran out of its committed place`;
  }
  return undefined;
}

function senderOf(raw: string): string {
  try {
    const { chainId, from } = decodeRawTransaction(raw);
    return `${chainId}:${from}`;
  } catch {
    // A ciphertext may decrypt to bytes that are no transaction; replaying them fails later, with the reason.
    return `unsigned:${raw}`;
  }
}
