import type { Hex } from "viem";
import { XrollupError } from "../../errors/base.ts";
import type { CertifiedBatch } from "../committee/committee.ts";
import type { Clock, InboxHead, L1Port, TimerHandle } from "../ports.ts";
import type { SlotResult } from "../types.ts";
import { applyBatch, type Batch, buildBatch, type InboxState } from "./builder.ts";

/**
 * Most bytes of (compressed) data in one batch. An L1 transaction carries
 * at most 2^24 gas (EIP-7825), and calldata costs at least 10 gas per token,
 * four tokens per nonzero byte (EIP-7623's floor), so compressed data past
 * about 400 KB cannot be posted at all; this leaves room for the inbox's
 * own execution. Batches of transactions that do not compress (the
 * encrypted mempool's ciphertexts) reach it after a few hundred slots.
 */
export const MAX_BATCH_DATA_BYTES = 256 * 1024;

function dataBytes(batch: Batch): number {
  return (batch.data.length - 2) / 2;
}

/** A batch the sequencer posted. */
export interface PostedBatch {
  number: number;
  l1TxHash: Hex;
  hash: Hex;
  slots: { first: number; last: number };
}

/** Another account posted to the inbox: the sequencer's next batch can never be accepted. */
export interface InboxConflict {
  /** What the sequencer expected the inbox to hold. */
  expected: { batchCount: number; lastBatchHash: Hex };
  /** What the inbox holds. */
  actual: InboxHead;
}

/** Thrown (to `onError`) when the inbox moved on without the sequencer. */
export class InboxConflictError extends XrollupError {
  override name = "InboxConflictError";
  constructor({ expected, actual }: InboxConflict) {
    super(
      `Another account posted to the L1 inbox: it holds batch ${actual.batchCount} (${actual.lastBatchHash}), ` +
        `the sequencer's next batch builds on batch ${expected.batchCount} (${expected.lastBatchHash}). ` +
        "The sequencer stops posting batches.",
    );
  }
}

/** What the batch queue is wired to. */
export interface BatchQueueParameters {
  l1: L1Port;
  /** The inbox state the first batch builds on. */
  inbox: InboxState;
  clock: Clock;
  /** Most blocks of one rollup in one batch (the inbox's `MAX_BLOCKS_PER_BATCH`). */
  maxBlocksPerBatch: number;
  /** Checks a batch against the inbox's conditions; returns what is wrong, if anything. */
  check: (batch: Batch, previous: InboxState) => { code: string; message: string } | undefined;
  /**
   * Has the committee certify the next batch, which `build` makes for a
   * view; `undefined` when it cannot now (no live leader, no quorum): the
   * queue tries again later.
   */
  certify: (build: (viewNumber: number) => Batch) => Promise<CertifiedBatch | undefined>;
  onBatch?: (batch: CertifiedBatch, l1TxHash: Hex) => void;
  /** Called when L1 accepted a batch, with the inbox state after it (the journal records it). */
  onPosted?: (posted: PostedBatch, inbox: InboxState) => void;
  onError?: (error: unknown) => void;
}

/** First retry delay after a failed post; it doubles up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 5_000;

/**
 * Batch posting: slots wait here until they are posted to L1, in order, one
 * batch at a time. A failed post puts its slots back and is retried with
 * backoff; the inbox state advances only once L1 accepted a batch. When
 * another account has posted to the inbox, the queue says so and stops.
 */
export class BatchQueue {
  readonly #parameters: BatchQueueParameters;
  #inbox: InboxState;
  #unbatched: SlotResult[] = [];
  readonly #posted: PostedBatch[] = [];
  readonly #batchOfSlot = new Map<number, PostedBatch>();
  #posting: Promise<void> = Promise.resolve();
  #retry: TimerHandle | undefined;
  #failures = 0;
  #conflict: InboxConflict | undefined;
  #stopped = false;

  constructor(parameters: BatchQueueParameters) {
    this.#parameters = parameters;
    this.#inbox = parameters.inbox;
  }

  /** The batches posted so far, oldest first. */
  get posted(): readonly PostedBatch[] {
    return this.#posted;
  }

  /** The inbox state the next batch builds on. */
  get inbox(): InboxState {
    return this.#inbox;
  }

  /** Slots produced but not yet posted. */
  get unbatched(): readonly SlotResult[] {
    return this.#unbatched;
  }

  /** Set once another account posted to the inbox. */
  get conflict(): InboxConflict | undefined {
    return this.#conflict;
  }

  /** Posts that failed in a row (0 after a success). */
  get failures(): number {
    return this.#failures;
  }

  /** The posted batch that carries a slot, or `null`. */
  batchOf(slot: number): PostedBatch | null {
    return this.#batchOfSlot.get(slot) ?? null;
  }

  /** Queues a produced slot for the next batch. */
  add(slot: SlotResult): void {
    this.#unbatched.push(slot);
  }

  /**
   * Queues posting what is unbatched, and resolves when that attempt ends
   * (posted, or failed and scheduled for a retry).
   */
  flush(): Promise<void> {
    this.#posting = this.#posting.then(() => this.#postNext());
    return this.#posting;
  }

  /**
   * Posts until nothing is unbatched, retrying failures, for at most
   * `timeoutMs` of the clock; resolves either way.
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = this.#parameters.clock.now() + timeoutMs;
    await this.flush();
    while (this.#unbatched.length > 0 && this.#conflict === undefined && this.#parameters.clock.now() < deadline) {
      await new Promise<void>((resolve) => this.#parameters.clock.setTimeout(resolve, this.#retryDelay()));
      await this.flush();
    }
  }

  /** Stops retrying; what is unbatched stays unbatched. */
  stop(): void {
    this.#stopped = true;
    this.#parameters.clock.clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  async #postNext(): Promise<void> {
    if (this.#unbatched.length === 0 || this.#conflict !== undefined) return;
    const batch = await this.#parameters.certify((viewNumber) => this.#nextBatch(viewNumber));
    if (batch === undefined) {
      // No leader can post now; the committee fails over meanwhile.
      this.#scheduleRetry();
      return;
    }
    const cutByLimit = batch.slots.last < this.#unbatched.at(-1)!.slot;
    const violation = this.#parameters.check(batch, this.#inbox);
    if (violation !== undefined) {
      // A bug of the sequencer's, not an L1 failure: posting it would wedge the inbox for good.
      this.#parameters.onError?.(
        new XrollupError(`The sequencer built batch ${batch.header.number}, which the inbox would reject (${violation.code}): ${violation.message}`),
      );
      this.#scheduleRetry();
      return;
    }
    try {
      const l1TxHash = await this.#parameters.l1.postBatch(batch);
      this.#accepted(batch, l1TxHash);
      this.#failures = 0;
      this.#parameters.onBatch?.(batch, l1TxHash);
      // Only what the block limit kept out goes on at once; slots produced meanwhile wait for the next flush.
      if (cutByLimit) await this.#postNext();
    } catch (error) {
      this.#failures += 1;
      this.#parameters.onError?.(error);
      await this.#checkInbox();
      this.#scheduleRetry();
    }
  }

  /** L1 accepted `batch`: its slots are posted and the inbox state moves on. */
  #accepted(batch: Batch, l1TxHash: Hex): void {
    const posted: PostedBatch = { number: Number(batch.header.number), l1TxHash, hash: batch.hash, slots: batch.slots };
    this.#unbatched = this.#unbatched.filter((slot) => slot.slot > batch.slots.last);
    this.#inbox = applyBatch(this.#inbox, batch);
    this.#record(posted);
    this.#parameters.onPosted?.(posted, this.#inbox);
  }

  #record(posted: PostedBatch): void {
    this.#posted.push(posted);
    for (let slot = posted.slots.first; slot <= posted.slots.last; slot++) this.#batchOfSlot.set(slot, posted);
  }

  /** Restart: a batch the journal says L1 accepted, and the inbox state after it. */
  restorePosted(posted: PostedBatch, inbox: InboxState): void {
    this.#unbatched = this.#unbatched.filter((slot) => slot.slot > posted.slots.last);
    this.#inbox = inbox;
    this.#record(posted);
  }

  /**
   * Restart: if L1 accepted the next batch but the crash came before the
   * journal recorded it, finds which slots it carried (the batch is
   * rebuilt from the same slots, so its hash matches) and records it.
   */
  async reconcile(): Promise<void> {
    const head = await this.#parameters.l1.inboxHead();
    if (head.batchCount !== this.#inbox.batchNumber + 1) return;
    const posted = await this.#parameters.l1.batchTransaction(head.batchCount);
    if (posted === undefined) return;
    for (let count = 1; count <= this.#unbatched.length; count++) {
      const batch = buildBatch(this.#unbatched.slice(0, count), this.#inbox, posted.viewNumber);
      if (batch.hash !== head.lastBatchHash) continue;
      this.#accepted(batch, posted.l1TxHash);
      return;
    }
  }

  /**
   * The next batch: the longest prefix of the unbatched slots within the
   * inbox's block limit, cut further while its data is over
   * {@link MAX_BATCH_DATA_BYTES} (one slot always goes, whatever its size).
   */
  #nextBatch(viewNumber: number): Batch {
    const slots = this.#fitting();
    let batch = buildBatch(slots, this.#inbox, viewNumber);
    for (let count = slots.length; count > 1 && dataBytes(batch) > MAX_BATCH_DATA_BYTES; ) {
      // In proportion to the excess, with a margin (slots differ in size), and at least one slot fewer.
      count = Math.max(1, Math.min(count - 1, Math.floor((count * MAX_BATCH_DATA_BYTES * 0.9) / dataBytes(batch))));
      batch = buildBatch(slots.slice(0, count), this.#inbox, viewNumber);
    }
    return batch;
  }

  /**
   * The longest prefix of the unbatched slots that keeps every rollup within
   * the inbox's block limit, and that a slot of forced transactions can only
   * start (derivation finds them in a batch's first slot).
   */
  #fitting(): SlotResult[] {
    const blocks = new Map<number, number>();
    let count = 0;
    for (const slot of this.#unbatched) {
      if (count > 0 && slot.forcedEnd !== undefined) break;
      for (const block of slot.blocks) blocks.set(block.chainId, (blocks.get(block.chainId) ?? 0) + 1);
      if (count > 0 && [...blocks.values()].some((n) => n > this.#parameters.maxBlocksPerBatch)) break;
      count += 1;
    }
    return this.#unbatched.slice(0, count);
  }

  async #checkInbox(): Promise<void> {
    let actual: InboxHead;
    try {
      actual = await this.#parameters.l1.inboxHead();
    } catch {
      return; // L1 itself is failing; the retry will tell.
    }
    if (actual.batchCount === this.#inbox.batchNumber && actual.lastBatchHash === this.#inbox.batchHash) return;
    this.#conflict = { expected: { batchCount: this.#inbox.batchNumber, lastBatchHash: this.#inbox.batchHash }, actual };
    this.#parameters.onError?.(new InboxConflictError(this.#conflict));
  }

  #retryDelay(): number {
    return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, this.#failures - 1));
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#conflict !== undefined || this.#retry !== undefined) return;
    this.#retry = this.#parameters.clock.setTimeout(() => {
      this.#retry = undefined;
      void this.flush();
    }, this.#retryDelay());
  }
}
