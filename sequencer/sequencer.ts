import type { Address, Hex } from "viem";
import { ROLLUP_BLOCK_GAS_LIMIT, type Chain } from "../rollups/chain.ts";
import { applyBatch, type Batch, buildBatch, type InboxState } from "./batch/builder.ts";
import {
  AlreadyKnownError,
  GasLimitTooHighError,
  InsufficientFundsError,
  NonceTooHighError,
  NonceTooLowError,
  RollupNotFoundError,
  SequencerStoppedError,
  TransactionDroppedError,
  WrongChainIdError,
} from "./errors.ts";
import { executeSlot } from "./executor.ts";
import type { BatchPoster } from "./inbox.ts";
import { decodeRawTransaction } from "./intake.ts";
import { Mempool } from "./mempool.ts";
import type { OrderingPolicy } from "./policies/index.ts";
import { type BatchRef, TransactionRecords, type TransactionStatus } from "./records.ts";
import type { SequencedTransaction, SlotResult } from "./types.ts";

/**
 * How the sequencer produces blocks.
 * - `instant`: as soon as transactions are waiting (like Hardhat's automine),
 *   one slot with everything that arrived meanwhile; a batch every `batchMs`
 *   when something happened.
 * - `slots`: one slot every `slotMs` with a block on every rollup, and one
 *   batch per slot.
 */
export type SequencerMode = { kind: "instant"; batchMs: number } | { kind: "slots"; slotMs: number };

/** What the shared sequencer is wired to. */
export interface SequencerParameters {
  /** The rollup chains, in the inbox's registration order. */
  rollups: readonly Chain[];
  poster: BatchPoster;
  /** The inbox state the first batch builds on (the rollups' genesis heads). */
  inbox: InboxState;
  policy: OrderingPolicy;
  mode: SequencerMode;
  /** Unix timestamp (seconds) of the rollups' genesis. */
  genesisTimestamp: number;
  /** Called with errors of background work (slot production, batch posting). */
  onError?: (error: unknown) => void;
  /** Called after each batch is posted. */
  onBatch?: (batch: Batch, l1TxHash: Hex) => void;
}

/** Most transactions a sender may queue ahead of its next nonce. */
export const MAX_NONCE_GAP = 1024;

/** A batch the sequencer posted. */
export interface PostedBatch extends BatchRef {
  hash: Hex;
  slots: { first: number; last: number };
}

/**
 * The shared sequencer: accepts transactions for every rollup, orders them
 * with one policy into slots, gives each included transaction its global
 * sequence number, executes the slots on the rollups and posts one batch for
 * all rollups to the L1 inbox.
 */
export class SharedSequencer {
  readonly #parameters: SequencerParameters;
  readonly #rollups: ReadonlyMap<number, Chain>;
  readonly #mempool = new Mempool();
  readonly #records = new TransactionRecords();
  readonly #posted: PostedBatch[] = [];
  readonly #batchOfSlot = new Map<number, PostedBatch>();
  #unbatched: SlotResult[] = [];
  #inbox: InboxState;
  #arrivals = 0;
  #nextSlot = 1;
  #nextGlobalSeq: number;
  #lastTimestamp: number;
  #producing: Promise<void> | undefined;
  #posting: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #state: "idle" | "running" | "stopping" | "stopped" = "idle";

  constructor(parameters: SequencerParameters) {
    this.#parameters = parameters;
    this.#rollups = new Map(parameters.rollups.map((rollup) => [rollup.spec.chainId, rollup]));
    this.#inbox = parameters.inbox;
    this.#nextGlobalSeq = parameters.inbox.nextGlobalSeq;
    this.#lastTimestamp = parameters.genesisTimestamp;
  }

  /** The ordering policy in use. */
  get policy(): OrderingPolicy {
    return this.#parameters.policy;
  }

  /** The batches posted so far, oldest first. */
  get batches(): readonly PostedBatch[] {
    return this.#posted;
  }

  /** Transactions accepted but not yet included or dropped. */
  get pendingCount(): number {
    return this.#mempool.size;
  }

  /** Starts producing slots (slot mode) and posting batches. */
  start(): void {
    if (this.#state !== "idle") return;
    this.#state = "running";
    const { mode } = this.#parameters;
    if (mode.kind === "slots") this.#scheduleSlot(mode.slotMs);
    else this.#timer = setInterval(() => this.#flushBatch(), mode.batchMs);
  }

  /**
   * Stops accepting transactions, runs a last slot for what is pending, posts
   * the last batch and drops anything that still could not run (with a reason).
   */
  async stop(): Promise<void> {
    if (this.#state === "stopped" || this.#state === "stopping") return;
    this.#state = "stopping";
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    await this.#producing;
    if (this.#mempool.hasReady) await this.#produceSlot(false);
    for (const transaction of this.#mempool.drain()) {
      this.#records.settle(transaction.hash, {
        kind: "dropped",
        reason: `the sequencer stopped while it waited for nonce ${this.#expectedNonce(transaction)} of its sender`,
      });
    }
    this.#flushBatch();
    await this.#posting;
    this.#state = "stopped";
  }

  /**
   * Accepts a signed transaction for a rollup. In instant mode it resolves
   * once the transaction is included (and rejects with
   * {@link TransactionDroppedError} if it is dropped); in slot mode, once it
   * is accepted.
   */
  async submitRawTransaction(chainId: number, raw: unknown): Promise<Hex> {
    const transaction = await this.accept(chainId, raw);
    if (this.#parameters.mode.kind === "slots") return transaction.hash;
    this.#produce();
    const outcome = await this.#records.outcome(transaction.hash);
    if (outcome.kind === "dropped") {
      throw new TransactionDroppedError({ hash: transaction.hash, chainId, reason: outcome.reason });
    }
    return transaction.hash;
  }

  /**
   * Validates and accepts a signed transaction into the mempool, without
   * waiting for it. Every accepted transaction ends included or dropped.
   */
  async accept(chainId: number, raw: unknown): Promise<SequencedTransaction> {
    if (this.#state !== "running") throw new SequencerStoppedError();
    const rollup = this.#rollup(chainId);
    const decoded = decodeRawTransaction(raw);
    if (decoded.chainId !== undefined && decoded.chainId !== chainId) {
      throw new WrongChainIdError({ expected: chainId, got: decoded.chainId });
    }
    if (decoded.gas > ROLLUP_BLOCK_GAS_LIMIT) {
      throw new GasLimitTooHighError({ gas: decoded.gas, blockGasLimit: ROLLUP_BLOCK_GAS_LIMIT });
    }
    if (this.#records.has(decoded.hash)) throw new AlreadyKnownError({ hash: decoded.hash });
    const [chainNonce, balance] = await Promise.all([
      this.#mempool.nextNonce(chainId, decoded.from) ?? readNonce(rollup, decoded.from),
      readBalance(rollup, decoded.from),
    ]);
    const cost = decoded.gas * decoded.maxFeePerGas + decoded.value;
    if (balance < cost) throw new InsufficientFundsError({ from: decoded.from, balance, cost });
    // Re-read after the awaits: other submissions may have been accepted meanwhile.
    if (this.#state !== "running") throw new SequencerStoppedError();
    if (this.#records.has(decoded.hash)) throw new AlreadyKnownError({ hash: decoded.hash });
    const expected = this.#mempool.nextNonce(chainId, decoded.from) ?? chainNonce;
    if (decoded.nonce < expected) throw new NonceTooLowError({ from: decoded.from, expected, got: decoded.nonce });
    if (decoded.nonce > expected + MAX_NONCE_GAP) {
      throw new NonceTooHighError({ from: decoded.from, expected, got: decoded.nonce, maxGap: MAX_NONCE_GAP });
    }
    const transaction: SequencedTransaction = { ...decoded, chainId, arrival: this.#arrivals++ };
    this.#records.accept(transaction);
    this.#mempool.add(transaction, chainNonce);
    return transaction;
  }

  /** The next nonce of a sender on a rollup, counting its pending transactions. */
  async pendingNonce(chainId: number, address: Address): Promise<number> {
    return this.#mempool.nextNonce(chainId, address) ?? readNonce(this.#rollup(chainId), address);
  }

  /** `xr_getTransactionStatus`: `null` for a transaction the sequencer never accepted. */
  transactionStatus(hash: Hex): TransactionStatus | null {
    return this.#records.status(hash, (slot) => {
      const batch = this.#batchOfSlot.get(slot);
      return batch === undefined ? null : { number: batch.number, l1TxHash: batch.l1TxHash };
    });
  }

  /** Resolves when the given accepted transaction is included or dropped. */
  waitForOutcome(hash: Hex) {
    return this.#records.outcome(hash);
  }

  /** Resolves once everything produced so far is posted to L1. */
  async flush(): Promise<void> {
    await this.#producing;
    this.#flushBatch();
    await this.#posting;
  }

  #rollup(chainId: number): Chain {
    const rollup = this.#rollups.get(chainId);
    if (rollup === undefined) throw new RollupNotFoundError({ chainId, known: [...this.#rollups.keys()] });
    return rollup;
  }

  #expectedNonce(transaction: SequencedTransaction): number {
    return this.#mempool.nextNonce(transaction.chainId, transaction.from) ?? transaction.nonce;
  }

  /** Instant mode: produce slots while transactions are ready, one at a time. */
  #produce(): void {
    if (this.#producing !== undefined) return;
    this.#producing = (async () => {
      // Yield once so that submissions arriving together share a slot.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#mempool.hasReady) await this.#produceSlot(false);
    })().finally(() => {
      this.#producing = undefined;
      if (this.#mempool.hasReady && this.#state === "running") this.#produce();
    });
  }

  #scheduleSlot(slotMs: number): void {
    this.#timer = setTimeout(() => {
      this.#producing = this.#produceSlot(true)
        .then(() => this.#flushBatch())
        .finally(() => {
          this.#producing = undefined;
          if (this.#state === "running") this.#scheduleSlot(slotMs);
        });
    }, slotMs);
  }

  async #produceSlot(emptyBlocks: boolean): Promise<void> {
    const slot = this.#nextSlot++;
    const timestamp = Math.max(this.#lastTimestamp, Math.floor(Date.now() / 1000));
    this.#lastTimestamp = timestamp;
    const order = this.#mempool.take(this.#parameters.policy, { slot, timestamp }, ROLLUP_BLOCK_GAS_LIMIT);
    let execution;
    try {
      execution = await executeSlot(this.#parameters.rollups, { slot, timestamp, order, emptyBlocks });
    } catch (error) {
      this.#parameters.onError?.(error);
      const reason = `slot ${slot} failed: ${error instanceof Error ? error.message : String(error)}`;
      for (const transaction of order) this.#drop(transaction, reason);
      return;
    }
    const included = execution.included.map(({ transaction, block }) => ({
      transaction,
      inclusion: { globalSeq: this.#nextGlobalSeq++, blockNumber: block.number, blockHash: block.hash, slot },
    }));
    for (const { transaction, inclusion } of included) {
      this.#records.settle(transaction.hash, { kind: "included", inclusion });
    }
    for (const { transaction, reason } of execution.dropped) this.#drop(transaction, reason);
    this.#unbatched.push({ slot, timestamp, included, dropped: execution.dropped, blocks: execution.blocks });
  }

  /** Drops a transaction and, as they can no longer run, its sender's later ones. */
  #drop(transaction: SequencedTransaction, reason: string): void {
    this.#records.settle(transaction.hash, { kind: "dropped", reason });
    const successors = this.#mempool.removeFrom(transaction.chainId, transaction.from, transaction.nonce);
    for (const successor of successors) {
      this.#records.settle(successor.hash, {
        kind: "dropped",
        reason: `an earlier transaction of the sender (nonce ${transaction.nonce}) was dropped`,
      });
    }
  }

  /**
   * Queues posting a batch of the slots produced since the last one, if any.
   * The inbox state advances only once L1 accepted the batch; a failed post
   * puts its slots back, so the next flush retries them.
   */
  #flushBatch(): void {
    this.#posting = this.#posting.then(async () => {
      if (this.#unbatched.length === 0) return;
      const slots = this.#unbatched;
      this.#unbatched = [];
      const batch = buildBatch(slots, this.#inbox);
      try {
        const l1TxHash = await this.#parameters.poster.post(batch);
        this.#inbox = applyBatch(this.#inbox, batch);
        const posted: PostedBatch = { number: Number(batch.header.number), l1TxHash, hash: batch.hash, slots: batch.slots };
        this.#posted.push(posted);
        for (let slot = batch.slots.first; slot <= batch.slots.last; slot++) this.#batchOfSlot.set(slot, posted);
        this.#parameters.onBatch?.(batch, l1TxHash);
      } catch (error) {
        this.#unbatched = [...slots, ...this.#unbatched];
        this.#parameters.onError?.(error);
      }
    });
  }
}

async function readNonce(rollup: Chain, address: Address): Promise<number> {
  const nonce = await rollup.provider.request({ method: "eth_getTransactionCount", params: [address, "latest"] });
  return Number(nonce);
}

async function readBalance(rollup: Chain, address: Address): Promise<bigint> {
  return BigInt((await rollup.provider.request({ method: "eth_getBalance", params: [address, "latest"] })) as string);
}
