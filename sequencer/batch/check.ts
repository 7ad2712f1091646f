import type { Hex } from "viem";
import type { Batch, InboxState } from "./builder.ts";

/**
 * Most blocks `SharedInbox.submitBatch` accepts for one rollup in one batch:
 * the contract's `MAX_BLOCKS_PER_BATCH`, kept equal to it by a test.
 */
export const MAX_BLOCKS_PER_BATCH = 65_536n;

/** Most rollups the inbox registers: the contract's `MAX_ROLLUPS`, kept equal to it by a test. */
export const MAX_INBOX_ROLLUPS = 64;

/**
 * The stable code of each way `SharedInbox.submitBatch` rejects a batch's
 * contents, mapped to the custom error the inbox reverts with. `NotSequencer`
 * has no code: it is about who sends the batch, not what it holds, and the
 * poster always sends from the sequencer's account.
 */
export const INBOX_ERROR_OF_CODE = {
  "batch-out-of-order": "BatchOutOfOrder",
  "prev-hash-mismatch": "PrevHashMismatch",
  "global-seq-gap": "GlobalSeqGap",
  "invalid-global-seq-range": "InvalidGlobalSeqRange",
  "rollup-count-mismatch": "RollupCountMismatch",
  "rollup-order-mismatch": "RollupOrderMismatch",
  "block-range-gap": "BlockRangeGap",
  "invalid-block-range": "InvalidBlockRange",
  "block-range-too-large": "BlockRangeTooLarge",
  "empty-range-changed-head": "EmptyRangeChangedHead",
  "tx-count-mismatch": "TxCountMismatch",
  "message-hashes-length": "MessageHashesLength",
  "shared-validity": "MessagesMismatch",
} as const;

/**
 * The stable code of each way `SharedInbox.submitBatchRegistering` rejects
 * the rollups a batch registers, mapped to the custom error. `NoRollups`
 * has none: a batch that registers nothing is posted with `submitBatch`.
 */
export const REGISTRATION_ERROR_OF_CODE = {
  "duplicate-rollup": "DuplicateRollup",
  "too-many-rollups": "TooManyRollups",
} as const;

/** A stable code of a {@link BatchViolation} of every batch. */
export type BatchViolationCode = keyof typeof INBOX_ERROR_OF_CODE;

/** A stable code of a {@link BatchViolation} of a batch that registers rollups. */
export type RegistrationViolationCode = keyof typeof REGISTRATION_ERROR_OF_CODE;

/** Why the inbox would reject a batch: a stable `code` to match on, and words for a person. */
export interface BatchViolation {
  code: BatchViolationCode | RegistrationViolationCode;
  message: string;
}

/**
 * Checks a batch against the inbox state it builds on exactly as
 * `SharedInbox.submitBatch` does (`submitBatchRegistering` for a batch that
 * registers rollups), check for check and in the same order, so
 * that the first violation is the one the inbox would revert with. The
 * sequencer calls it before posting: a rejected batch would leave every
 * later one unpostable. Pure.
 *
 * Returns `undefined` when the inbox would accept the batch (sent by a
 * member, with a valid certificate). Not covered: values that do not fit the
 * ABI's types (viem refuses to encode them), the arithmetic overflows the
 * contract's bounds rule out, the forced-inclusion queue (its length,
 * deadlines and `forceInclusion()` calls are L1's to know; the sequencer
 * processes the queue as it finds it), and the certificate, which the
 * committee builds to the inbox's rules (`committee/certificate.ts`).
 *
 * @example
 * ```ts
 * const violation = checkBatch(batch, inbox);
 * if (violation !== undefined) throw new Error(`${violation.code}: ${violation.message}`);
 * ```
 */
export function checkBatch(batch: Batch, previous: InboxState): BatchViolation | undefined {
  const { header, commitments } = batch;
  const expectedNumber = BigInt(previous.batchNumber + 1);
  if (header.number !== expectedNumber) {
    return violation("batch-out-of-order", `Batch ${header.number} does not follow the inbox's last batch: expected batch ${expectedNumber}.`);
  }
  if (!sameHash(header.prevHash, previous.batchHash)) {
    return violation(
      "prev-hash-mismatch",
      `Batch ${header.number} names ${header.prevHash} as its predecessor, but the inbox's last batch hash is ${previous.batchHash}.`,
    );
  }
  const nextGlobalSeq = BigInt(previous.nextGlobalSeq);
  if (header.globalSeqStart !== nextGlobalSeq) {
    return violation(
      "global-seq-gap",
      `Batch ${header.number} starts at global sequence number ${header.globalSeqStart}, but the inbox expects ${nextGlobalSeq}.`,
    );
  }
  if (header.globalSeqEnd < header.globalSeqStart) {
    return violation(
      "invalid-global-seq-range",
      `Batch ${header.number}'s global sequence range [${header.globalSeqStart}, ${header.globalSeqEnd}) ends before it starts.`,
    );
  }
  const registered = checkRegistrations(batch, previous);
  if (!Array.isArray(registered)) return registered;
  if (commitments.length !== registered.length) {
    return violation(
      "rollup-count-mismatch",
      `Batch ${header.number} has ${commitments.length} rollup commitments, but the inbox has ${registered.length} rollups.`,
    );
  }

  let txSum = 0n;
  for (const [index, commitment] of commitments.entries()) {
    const { chainId, head } = registered[index]!;
    if (commitment.chainId !== BigInt(chainId)) {
      return violation(
        "rollup-order-mismatch",
        `Batch ${header.number}'s commitment ${index} is for rollup ${commitment.chainId}, but the inbox registered rollup ${chainId} there.`,
      );
    }
    const expectedFrom = BigInt(head.blockNumber + 1);
    if (commitment.fromBlock !== expectedFrom) {
      return violation(
        "block-range-gap",
        `Rollup ${chainId}'s blocks in batch ${header.number} start at ${commitment.fromBlock}, but its committed head is block ${head.blockNumber}: expected ${expectedFrom}.`,
      );
    }
    if (commitment.toBlock < commitment.fromBlock - 1n) {
      return violation(
        "invalid-block-range",
        `Rollup ${chainId}'s blocks in batch ${header.number} run from ${commitment.fromBlock} to ${commitment.toBlock}: the range ends more than one block before it starts.`,
      );
    }
    const blocks = commitment.toBlock - (commitment.fromBlock - 1n);
    if (blocks > MAX_BLOCKS_PER_BATCH) {
      return violation(
        "block-range-too-large",
        `Rollup ${chainId} has ${blocks} blocks in batch ${header.number}, more than the inbox's ${MAX_BLOCKS_PER_BATCH} per batch: post the slots in several batches.`,
      );
    }
    const empty = blocks === 0n;
    const headChanged =
      commitment.txCount !== 0 || !sameHash(commitment.blockHash, head.blockHash) || !sameHash(commitment.stateRoot, head.stateRoot);
    if (empty && headChanged) {
      return violation(
        "empty-range-changed-head",
        `Rollup ${chainId} has no block in batch ${header.number}, yet its commitment carries transactions or a head other than block ${head.blockNumber}'s.`,
      );
    }
    txSum += BigInt(commitment.txCount);
  }
  const seqCount = header.globalSeqEnd - header.globalSeqStart;
  if (txSum !== seqCount) {
    return violation(
      "tx-count-mismatch",
      `Batch ${header.number} spans ${seqCount} global sequence numbers, but its rollups' transaction counts add up to ${txSum}.`,
    );
  }
  return checkMessages(batch);
}

/**
 * The inbox's registrations (`_register`, in order): each chain id new, and
 * at most {@link MAX_INBOX_ROLLUPS} in all. Returns the heads the batch's
 * commitments build on (the new rollups' at their block 0, last), or what
 * is wrong.
 */
function checkRegistrations({ header, registrations = [] }: Batch, previous: InboxState): InboxState["heads"] | BatchViolation {
  const heads = [...previous.heads];
  for (const { chainId, genesisBlockHash, genesisStateRoot } of registrations) {
    if (heads.some((registered) => BigInt(registered.chainId) === chainId)) {
      return violation("duplicate-rollup", `Batch ${header.number} registers rollup ${chainId}, which the inbox has registered already.`);
    }
    if (heads.length >= MAX_INBOX_ROLLUPS) {
      return violation(
        "too-many-rollups",
        `Batch ${header.number} registers rollup ${chainId}, one more than the inbox's ${MAX_INBOX_ROLLUPS} rollups at most.`,
      );
    }
    heads.push({ chainId: Number(chainId), head: { blockNumber: 0, blockHash: genesisBlockHash, stateRoot: genesisStateRoot } });
  }
  return heads;
}

/** The inbox's `_checkMessages`: one hash per rollup each way, then shared validity pair by pair. */
function checkMessages({ header, commitments }: Batch): BatchViolation | undefined {
  const count = commitments.length;
  for (const commitment of commitments) {
    if (commitment.sentMessages.length !== count || commitment.relayedMessages.length !== count) {
      return violation(
        "message-hashes-length",
        `Rollup ${commitment.chainId}'s commitment in batch ${header.number} carries ${commitment.sentMessages.length} sent and ${commitment.relayedMessages.length} relayed message hashes: expected ${count} of each, one per rollup.`,
      );
    }
  }
  for (const [i, source] of commitments.entries()) {
    for (const [j, destination] of commitments.entries()) {
      if (i === j) continue;
      if (!sameHash(source.sentMessages[j]!, destination.relayedMessages[i]!)) {
        return violation(
          "shared-validity",
          `In batch ${header.number}, the messages rollup ${source.chainId} sent to rollup ${destination.chainId} differ from those rollup ${destination.chainId} relayed from it: a message was sent and not relayed, relayed and never sent, or relayed out of order.`,
        );
      }
    }
  }
  return undefined;
}

function violation(code: BatchViolation["code"], message: string): BatchViolation {
  return { code, message };
}

/** Hex from different sources may differ in case. */
function sameHash(a: Hex, b: Hex): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
