import type { Hex } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import type { BatchHeader, RollupCommitment } from "../batch/builder.ts";
import { decodeBatchPayload, type PayloadBlock, type PayloadEncryptedSlot } from "../batch/codec.ts";
import { decryptWithSecret, orderCommitment } from "../encryption/threshold.ts";
import { decodeRawTransaction } from "../intake.ts";

/** A batch as read from L1: the arguments of its `submitBatch` call. */
export interface PostedBatchData {
  header: BatchHeader;
  commitments: readonly RollupCommitment[];
  data: Hex;
  l1TxHash: Hex;
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

/** Thrown when a batch on L1 is inconsistent in itself (its payload disagrees with its commitments). */
export class InconsistentBatchError extends XrollupError {
  override name = "InconsistentBatchError";
  constructor({ number, reason }: { number: bigint; reason: string }) {
    super(`Batch ${number} is inconsistent: ${reason}.`, { code: JSON_RPC_ERROR_CODES.invalidInput });
  }
}

/**
 * Turns the batches read from L1 into the blocks to rebuild, checking that
 * each payload matches its commitments: the same rollups, block ranges and
 * transaction counts, and a global order that covers the batch's global
 * sequence range exactly. Pure.
 *
 * @throws {InconsistentBatchError} naming the batch and what disagrees.
 */
export function planReplay(batches: readonly PostedBatchData[]): BatchReplay[] {
  return batches.map(({ header, commitments, data, l1TxHash }) => {
    const fail = (reason: string) => new InconsistentBatchError({ number: header.number, reason });
    const payload = decodeBatchPayload(data);
    if (payload.rollups.length !== commitments.length) {
      throw fail(`payload has ${payload.rollups.length} rollups, commitments ${commitments.length}`);
    }
    const rangeLength = Number(header.globalSeqEnd - header.globalSeqStart);
    if (payload.globalOrder.length !== rangeLength) {
      throw fail(`global order has ${payload.globalOrder.length} transactions, the range ${rangeLength}`);
    }
    // Global sequence numbers of each rollup's transactions, in block order.
    const seqsByRollup = payload.rollups.map((): number[] => []);
    payload.globalOrder.forEach((rollupIndex, offset) => {
      const seqs = seqsByRollup[rollupIndex];
      if (seqs === undefined) throw fail(`global order names rollup index ${rollupIndex}`);
      seqs.push(Number(header.globalSeqStart) + offset);
    });
    const rollups = payload.rollups.map((rollup, index) => {
      const commitment = commitments[index]!;
      if (BigInt(rollup.chainId) !== commitment.chainId) {
        throw fail(`rollup ${index} is chain ${rollup.chainId} in the payload, ${commitment.chainId} in the commitments`);
      }
      const toBlock = rollup.fromBlock + rollup.blocks.length - 1;
      if (BigInt(rollup.fromBlock) !== commitment.fromBlock || BigInt(toBlock) !== commitment.toBlock) {
        throw fail(`rollup ${rollup.chainId} carries blocks ${rollup.fromBlock}-${toBlock}, commits ${commitment.fromBlock}-${commitment.toBlock}`);
      }
      const seqs = seqsByRollup[index]!;
      const txCount = rollup.blocks.reduce((count, block) => count + block.transactions.length, 0);
      if (txCount !== commitment.txCount || seqs.length !== txCount) {
        throw fail(`rollup ${rollup.chainId} carries ${txCount} transactions, commits ${commitment.txCount}, orders ${seqs.length}`);
      }
      let taken = 0;
      const blocks = rollup.blocks.map((block, offset): ReplayBlock => {
        const globalSeqs = seqs.slice(taken, taken + block.transactions.length);
        taken += block.transactions.length;
        return { ...block, number: rollup.fromBlock + offset, globalSeqs };
      });
      return { commitment, blocks };
    });
    return { number: Number(header.number), l1TxHash, rollups, encrypted: payload.encrypted };
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
  const { chainId, from } = decodeRawTransaction(raw);
  return `${chainId}:${from}`;
}
