import { type Address, concat, encodeAbiParameters, type Hex, keccak256 } from "viem";
import { Admission, type CheckedTransaction, MAX_NONCE_GAP } from "./admission.ts";
import type { Batch, InboxState } from "./batch/builder.ts";
import { BatchQueue, type InboxConflict, type PostedBatch } from "./batch/queue.ts";
import type { Committee } from "./encryption/threshold.ts";
import { type EncryptedTransactionStatus, EncryptedMempool } from "./encryption/mempool.ts";
import {
  AlreadyKnownError,
  BundleFailedError,
  GasLimitTooHighError,
  InvalidBundleError,
  SequencerDownError,
  SequencerStoppedError,
  TransactionDroppedError,
} from "./errors.ts";
import { type ExecutionContext, executeSlot, RollupRevertError } from "./executor.ts";
import { type ActiveFault, FaultRegistry, FaultyL1, faultyEngine, parseFault } from "./faults.ts";
import { decodeRawTransaction } from "./intake.ts";
import { Mempool } from "./mempool.ts";
import type { OrderingPolicy } from "./policies/index.ts";
import type { Clock, JournalEntry, L1Port, RollupEngine, SequencerJournal } from "./ports.ts";
import { type DropReason, droppedPredecessor, dropReason } from "./reasons.ts";
import { type BatchRef, type BundleStatus, type Outcome, TransactionRecords, type TransactionStatus } from "./records.ts";
import type { RelayBuilder } from "./relayer.ts";
import { type MessageHashes, type SequencedTransaction, type SlotResult, senderKey } from "./types.ts";


/**
 * How the sequencer produces blocks.
 * - `instant`: as soon as transactions are waiting (like Hardhat's automine),
 *   one slot with everything that arrived meanwhile; a batch every `batchMs`
 *   when something happened.
 * - `slots`: one slot every `slotMs` with a block on every rollup, and one
 *   batch per slot.
 * - `manual`: a slot only when {@link SharedSequencer.produceSlot} is called
 *   (scenarios drive the clock themselves).
 */
export type SequencerMode = { kind: "instant"; batchMs: number } | { kind: "slots"; slotMs: number } | { kind: "manual" };

/** What the shared sequencer is wired to. */
export interface SequencerParameters {
  /** The rollups' engines, in the inbox's registration order. */
  engines: readonly RollupEngine[];
  /** L1: where batches go. */
  l1: L1Port;
  /** The inbox state the first batch builds on (the rollups' genesis heads). */
  inbox: InboxState;
  /** Time: the sequencer never reads the wall clock itself. */
  clock: Clock;
  /** Gas limit of every rollup block. */
  blockGasLimit: bigint;
  /** Most blocks of one rollup in one batch (the inbox's limit). */
  maxBlocksPerBatch: number;
  /** Checks a batch against the inbox's conditions before it is posted. */
  checkBatch: (batch: Batch, previous: InboxState) => { code: string; message: string } | undefined;
  policy: OrderingPolicy;
  mode: SequencerMode;
  /** Builds and signs the relays (actions) of cross-rollup messages with the sequencer's key. */
  relayer: RelayBuilder;
  /** How deep messages sent while handling messages may nest. */
  maxMessageDepth: number;
  /** Drop transactions that would revert, with their reason, instead of including them reverted. */
  revertProtection: boolean;
  /** Seed of every slot's randomness (fair ordering); a run is reproducible from it. */
  seed: Hex;
  /** The committee whose key encrypts transactions for the encrypted mempool. */
  committee: Committee;
  /** Unix timestamp (seconds) of the rollups' genesis. */
  genesisTimestamp: number;
  /** Faults in force from the start (`--fault`), as `xr_injectFault` takes them. */
  faults?: readonly unknown[];
  /** How long {@link SharedSequencer.stop} keeps producing slots to drain the mempool, in ms. Default 30 s. */
  drainMs?: number;
  /**
   * Where what must survive a crash is written (`--data-dir`). With it,
   * {@link SharedSequencer.stop} leaves pending transactions pending, for
   * the restart.
   */
  journal?: SequencerJournal;
  /** Called with errors of background work (slot production, batch posting). */
  onError?: (error: unknown) => void;
  /** Called after each batch is posted. */
  onBatch?: (batch: Batch, l1TxHash: Hex) => void;
}

/** Most transactions in one bundle. */
export const MAX_BUNDLE_SIZE = 16;

/** A slot that failed this many times drops its transactions instead of trying them again. */
const MAX_SLOT_ATTEMPTS = 3;

/** Options of an accepted transaction. */
export interface AcceptOptions {
  /** When it was received, in ms; defaults to the clock's now (scenarios pass simulated time). */
  receivedAt?: number;
}

/** The answer of `xr_getSequencerStatus`. */
export interface SequencerStatus {
  /** `running`, `down` (a crash fault), `stopping` or `stopped`. */
  state: "idle" | "running" | "down" | "stopping" | "stopped";
  mode: SequencerMode["kind"];
  policy: string;
  /** The last slot produced (0 before the first). */
  slot: number;
  /** The last batch L1 accepted, or `null`. */
  lastBatch: { number: number; l1TxHash: Hex; slots: { first: number; last: number } } | null;
  /** Slots produced but not yet posted. */
  unbatchedSlots: number;
  /** Batch posts that failed in a row. */
  failedPosts: number;
  pendingTransactions: number;
  activeFaults: ActiveFault[];
  /** Set when another account posted to the inbox: the sequencer no longer posts. */
  inboxConflict: InboxConflict | null;
  /** Set when a rollup could not go back to the start of a failed slot: the sequencer produces no more slots; restart the devnet. */
  brokenRollups: string | null;
  /** Whether the sequencer is up, posting, and the inbox is its own. */
  healthy: boolean;
}

/**
 * The shared sequencer: accepts transactions for every rollup, orders them
 * with one policy into slots, gives each included transaction its global
 * sequence number, executes the slots on the rollups and posts one batch for
 * all rollups to the L1 inbox.
 *
 * It only wires its parts, each with one job: intake ({@link Admission}),
 * the mempool, the encrypted mempool, slot timing (here), slot production
 * (`executor.ts`), batch posting ({@link BatchQueue}), records and faults.
 */
export class SharedSequencer {
  readonly #parameters: SequencerParameters;
  readonly #engines: RollupEngine[];
  readonly #clock: Clock;
  readonly #faults = new FaultRegistry();
  readonly #mempool = new Mempool();
  readonly #records = new TransactionRecords();
  readonly #admission: Admission;
  readonly #encrypted: EncryptedMempool;
  readonly #batches: BatchQueue;
  readonly #bundles = new Map<Hex, Hex[]>();
  /** Failed slot attempts per transaction. */
  readonly #slotAttempts = new Map<Hex, number>();
  readonly #execution: ExecutionContext;
  #messageHashes: MessageHashes[];
  #arrivals = 0;
  #nextSlot = 1;
  #nextGlobalSeq: number;
  #lastTimestamp: number;
  /** The slot being produced: slots run one at a time, in order. */
  #slots: Promise<unknown> = Promise.resolve();
  #instantLoop: Promise<void> | undefined;
  #timer: ReturnType<Clock["setTimeout"]> | undefined;
  #state: "idle" | "running" | "stopping" | "stopped" = "idle";
  /** Set when a rollup could not go back to the start of a failed slot: the sequencer produces no more slots. */
  #broken: RollupRevertError | undefined;
  /** Set once the sequencer has stopped: pending transactions then stay pending (with a journal). */
  #halted = false;
  /** Clients waiting for an outcome (instant mode), each told if the sequencer halts first. */
  readonly #haltListeners = new Set<() => void>();
  /** Journal entries of the change under way, written at once by {@link #commitJournal}. */
  #journalEntries: JournalEntry[] = [];

  constructor(parameters: SequencerParameters) {
    this.#parameters = parameters;
    this.#clock = parameters.clock;
    this.#engines = parameters.engines.map((engine) => faultyEngine(engine, this.#faults));
    const chainIds = parameters.engines.map((engine) => engine.chainId);
    for (const fault of parameters.faults ?? []) this.#faults.inject(parseFault(fault, chainIds));
    this.#nextGlobalSeq = parameters.inbox.nextGlobalSeq;
    this.#lastTimestamp = parameters.genesisTimestamp;
    this.#admission = new Admission({
      // Intake reads the chains directly: engine faults are for slots.
      engines: new Map(parameters.engines.map((engine) => [engine.chainId, engine])),
      mempool: this.#mempool,
      records: this.#records,
      sequencer: parameters.relayer.address,
      blockGasLimit: parameters.blockGasLimit,
    });
    this.#encrypted = new EncryptedMempool(parameters.committee, (entry) => this.#journal(entry));
    this.#batches = new BatchQueue({
      l1: new FaultyL1(parameters.l1, this.#faults, this.#clock),
      inbox: parameters.inbox,
      clock: this.#clock,
      maxBlocksPerBatch: parameters.maxBlocksPerBatch,
      check: parameters.checkBatch,
      ...(parameters.onBatch === undefined ? {} : { onBatch: parameters.onBatch }),
      ...(parameters.onError === undefined ? {} : { onError: parameters.onError }),
      onPosted: (posted, inbox) => {
        this.#journal({ kind: "batch", posted, inbox });
        this.#commitJournal();
      },
    });
    this.#execution = {
      engines: this.#engines,
      relayer: parameters.relayer,
      maxMessageDepth: parameters.maxMessageDepth,
      revertProtection: parameters.revertProtection,
      withholdsRelayTo: (chainId) => this.#faults.withholdsRelayTo(chainId),
    };
    const zeros = parameters.engines.map((): Hex => `0x${"00".repeat(32)}`);
    this.#messageHashes = parameters.engines.map(() => ({ sent: [...zeros], relayed: [...zeros] }));
  }

  /** The ordering policy in use. */
  get policy(): OrderingPolicy {
    return this.#parameters.policy;
  }

  /** The batches posted so far, oldest first. */
  get batches(): readonly PostedBatch[] {
    return this.#batches.posted;
  }

  /** Every rollup's messenger rolling hashes after the last slot, in registration order. */
  get lastMessageHashes(): readonly MessageHashes[] {
    return this.#messageHashes;
  }

  /** Transactions accepted but not yet included or dropped. */
  get pendingCount(): number {
    return this.#mempool.size;
  }

  /** Starts producing slots (slot mode) and posting batches (instant mode; manual mode posts on `flush`). */
  start(): void {
    if (this.#state !== "idle") return;
    this.#state = "running";
    this.#scheduleTick();
  }

  /**
   * Stops accepting transactions, then drains the mempool: slots until
   * nothing ready is left (within `drainMs`), the last batch, and only what
   * still cannot run is dropped, each with its true reason.
   */
  async stop(): Promise<void> {
    if (this.#state === "stopped" || this.#state === "stopping") return;
    this.#state = "stopping";
    this.#clock.clearTimeout(this.#timer);
    const deadline = this.#clock.now() + (this.#parameters.drainMs ?? 30_000);
    await this.#instantLoop;
    while (this.#hasWork && !this.#faults.crashed && this.#clock.now() < deadline) {
      const result = await this.#produceSlot(false);
      if (result === undefined || (result.included.length === 0 && result.dropped.length === 0)) break;
    }
    // With a journal, what is still pending stays pending: the restart picks it up.
    if (this.#parameters.journal === undefined) {
      // The reasons are read before draining, which forgets the senders' next nonces.
      const reasons = this.#mempool.pending().map((transaction) => [transaction, this.#stopReason(transaction)] as const);
      this.#mempool.drain();
      for (const [transaction, reason] of reasons) this.#settleDropped(transaction, reason);
    }
    if (this.#parameters.journal === undefined) {
      this.#encrypted.dropPending(dropReason("sequencer-stopped", "the sequencer stopped before the ciphertext's slot"));
    }
    this.#commitJournal();
    this.#halt();
    await this.#batches.drain(Math.max(0, deadline - this.#clock.now()));
    this.#batches.stop();
    this.#state = "stopped";
  }

  /** Why a transaction still pending when the sequencer stops is dropped. */
  #stopReason(transaction: SequencedTransaction): DropReason {
    if (this.#faults.censors(transaction)) {
      return dropReason("censored", "the sequencer held it back (censor fault) until it stopped");
    }
    const next = this.#mempool.nextNonce(transaction.chainId, transaction.from);
    if (next !== undefined && transaction.nonce > next) {
      return dropReason("nonce-gap", `the sequencer stopped while it waited for nonce ${next} of its sender`);
    }
    return dropReason("sequencer-stopped", "the sequencer stopped before it could run it");
  }

  /**
   * Accepts a signed transaction for a rollup. In instant mode it resolves
   * once the transaction is included (and rejects with
   * {@link TransactionDroppedError} if it is dropped); in slot mode, once it
   * is accepted.
   */
  async submitRawTransaction(chainId: number, raw: unknown, options: AcceptOptions = {}): Promise<Hex> {
    const transaction = await this.accept(chainId, raw, options);
    if (this.#parameters.mode.kind !== "instant") return transaction.hash;
    this.#produce();
    const outcome = await this.#outcomeUnlessHalted(transaction.hash);
    if (outcome.kind === "dropped") {
      throw new TransactionDroppedError({ hash: transaction.hash, chainId, reason: outcome.reason.message, reasonCode: outcome.reason.code });
    }
    return transaction.hash;
  }

  /**
   * Validates and accepts a signed transaction into the mempool, without
   * waiting for it. Every accepted transaction ends included or dropped.
   */
  async accept(chainId: number, raw: unknown, options: AcceptOptions = {}): Promise<SequencedTransaction> {
    this.#assertWritable();
    const checked = await this.#check(chainId, raw);
    const transaction = this.#admitChecked(checked, options.receivedAt ?? this.#clock.now());
    this.#commitJournal();
    return transaction;
  }

  /** Admission's checks of a single transaction (not a bundle's); admits nothing. */
  #check(chainId: number, raw: unknown): Promise<CheckedTransaction> {
    return this.#admission.check(chainId, raw, { gapLimit: MAX_NONCE_GAP });
  }

  /** Admits a checked transaction if the sequencer still takes any; its journal entry waits for the caller's commit. */
  #admitChecked(checked: CheckedTransaction, receivedAt: number): SequencedTransaction {
    this.#assertWritable();
    return this.#admit(checked, { receivedAt });
  }

  #assertWritable(): void {
    if (this.#state !== "running") throw new SequencerStoppedError();
    if (this.#faults.crashed) throw new SequencerDownError({ faultId: this.#faults.list().find((fault) => fault.kind === "crash")?.id });
  }

  /**
   * `xr_sendEncryptedTransaction`: accepts a transaction encrypted to the
   * committee's key (see `encryption/threshold.ts`). Nobody, the sequencer
   * included, sees its content before the slot's order is fixed. Resolves
   * with the ciphertext id; in instant mode once it is included (rejecting
   * with {@link TransactionDroppedError} if it does not decrypt or run).
   */
  async submitEncrypted(ciphertext: unknown, options: AcceptOptions = {}): Promise<Hex> {
    this.#assertWritable();
    const { id, settled } = this.#encrypted.submit(ciphertext, options.receivedAt ?? this.#clock.now());
    this.#commitJournal();
    if (this.#parameters.mode.kind !== "instant") return id;
    this.#produce();
    await this.#unlessHalted(settled, id);
    const status = this.encryptedStatus(id)!;
    if (status.status === "dropped") {
      throw new TransactionDroppedError({
        hash: id,
        chainId: status.transaction?.chainId ?? 0,
        reason: status.reason ?? "",
        reasonCode: status.reasonCode ?? "decryption-failed",
      });
    }
    return id;
  }

  /** The committee's public key and threshold, for clients that encrypt (`xr_getCommitteeKey`). */
  get committeeKey(): { publicKey: Hex; threshold: number; size: number } {
    return this.#encrypted.committeeKey;
  }

  /** `xr_getEncryptedTransactionStatus`: `null` for an unknown ciphertext id. */
  encryptedStatus(id: Hex): EncryptedTransactionStatus | null {
    return this.#encrypted.status(id, (hash) => this.transactionStatus(hash));
  }

  /**
   * Manual mode: produces one slot now with what is pending, and resolves
   * with what it did; `undefined` while the sequencer is down (the slot is
   * missed, which counts down a `crash` fault).
   */
  produceSlot(): Promise<SlotResult | undefined> {
    return this.#produceSlot(false);
  }

  /**
   * `xr_sendBundle`: accepts signed transactions for any rollups that are
   * included together, with consecutive global sequence numbers, or not at
   * all. Each must carry its sender's next nonce (counting earlier ones of
   * the bundle). Resolves with the bundle id; in instant mode once the bundle
   * is included (rejecting with {@link BundleFailedError} if it is not).
   */
  async submitBundle(raws: unknown): Promise<Hex> {
    this.#assertWritable();
    if (!Array.isArray(raws) || raws.length === 0 || raws.length > MAX_BUNDLE_SIZE) {
      throw new InvalidBundleError({ reason: `expected an array of 1 to ${MAX_BUNDLE_SIZE} signed transactions` });
    }
    const checked: CheckedTransaction[] = [];
    const nextNonces = new Map<string, number>();
    const gasPerRollup = new Map<number, bigint>();
    for (const [index, raw] of raws.entries()) {
      const decoded = decodeRawTransaction(raw);
      if (decoded.chainId === undefined) {
        throw new InvalidBundleError({ reason: `transaction ${index} has no chain id, so its rollup is unknown` });
      }
      try {
        const result = await this.#admission.check(decoded.chainId, raw, { gapLimit: MAX_BUNDLE_SIZE });
        if (result.replaces !== undefined) throw new AlreadyKnownError({ hash: result.replaces.hash });
        const key = senderKey({ chainId: decoded.chainId, from: decoded.from });
        const expected = nextNonces.get(key) ?? this.#mempool.nextNonce(decoded.chainId, decoded.from) ?? result.chainNonce;
        if (decoded.nonce !== expected) {
          throw new InvalidBundleError({ reason: `transaction ${index} has nonce ${decoded.nonce}, its sender's next nonce is ${expected}` });
        }
        nextNonces.set(key, expected + 1);
        const gas = (gasPerRollup.get(decoded.chainId) ?? 0n) + decoded.gas;
        if (gas > this.#parameters.blockGasLimit) {
          throw new GasLimitTooHighError({ gas, blockGasLimit: this.#parameters.blockGasLimit });
        }
        gasPerRollup.set(decoded.chainId, gas);
        checked.push(result);
      } catch (error) {
        if (error instanceof InvalidBundleError) throw error;
        throw new InvalidBundleError({ reason: `transaction ${index} was refused`, cause: error });
      }
    }
    const hashes = checked.map(({ decoded }) => decoded.hash);
    if (new Set(hashes).size !== hashes.length) throw new InvalidBundleError({ reason: "it holds the same transaction twice" });
    const bundleId = keccak256(concat(hashes));
    if (this.#bundles.has(bundleId) && this.bundleStatus(bundleId)?.status !== "dropped") throw new AlreadyKnownError({ hash: bundleId });
    this.#assertWritable();
    // All checks passed: admit every transaction at once, so a bundle is accepted whole or not at all.
    const receivedAt = this.#clock.now();
    for (const transaction of checked) this.#admit(transaction, { receivedAt, bundleId });
    this.#commitJournal();
    this.#bundles.set(bundleId, hashes);
    if (this.#parameters.mode.kind !== "instant") return bundleId;
    this.#produce();
    await Promise.all(hashes.map((hash) => this.#outcomeUnlessHalted(hash)));
    const status = this.bundleStatus(bundleId)!;
    if (status.failed !== null) throw new BundleFailedError({ bundleId, ...status.failed });
    return bundleId;
  }

  /** `xr_getBundle`: `null` for an unknown bundle id. */
  bundleStatus(bundleId: Hex): BundleStatus | null {
    const hashes = this.#bundles.get(bundleId.toLowerCase() as Hex);
    return hashes === undefined ? null : this.#records.bundleStatus(bundleId, hashes, (slot) => this.#batchRef(slot));
  }

  #admit({ decoded, chainId, chainNonce, replaces }: CheckedTransaction, { receivedAt, bundleId }: { receivedAt: number; bundleId?: Hex }): SequencedTransaction {
    const { value: _value, chainId: _signedFor, selector: _selector, ...fields } = decoded;
    const transaction: SequencedTransaction = {
      ...fields,
      chainId,
      arrival: this.#arrivals++,
      receivedAt,
      ...(bundleId === undefined ? {} : { bundleId }),
    };
    this.#records.accept(transaction);
    this.#journal({ kind: "accepted", transaction });
    if (replaces !== undefined) {
      this.#mempool.replace(transaction);
      this.#settle(replaces.hash, {
        kind: "dropped",
        reason: dropReason("replaced", `transaction ${transaction.hash} with the same sender and nonce and higher fees replaced it`),
      });
    } else {
      this.#mempool.add(transaction, chainNonce);
    }
    return transaction;
  }

  /** The next nonce of a sender on a rollup, counting its pending transactions. */
  async pendingNonce(chainId: number, address: Address): Promise<number> {
    return this.#mempool.nextNonce(chainId, address) ?? this.#admission.engine(chainId).nonceOf(address);
  }

  /** `xr_getTransactionStatus`: `null` for a transaction the sequencer never accepted. */
  transactionStatus(hash: Hex): TransactionStatus | null {
    return this.#records.status(hash, (slot) => this.#batchRef(slot));
  }

  #batchRef(slot: number): BatchRef | null {
    const batch = this.#batches.batchOf(slot);
    return batch === null ? null : { number: batch.number, l1TxHash: batch.l1TxHash };
  }

  /**
   * The outcome a waiting client gets. When the sequencer stops with a
   * journal, what is still pending stays pending for the restart, and its
   * waiting clients are told so rather than left without an answer.
   */
  #outcomeUnlessHalted(hash: Hex): Promise<Outcome> {
    return this.#unlessHalted(this.#records.outcome(hash), hash);
  }

  /** `settled`, unless the sequencer halts first: then a {@link SequencerStoppedError} saying that `id` stays pending. */
  #unlessHalted<T>(settled: Promise<T>, id: Hex): Promise<T> {
    const stopped = () => new SequencerStoppedError({ keptPending: id });
    if (this.#halted) return Promise.race([settled, Promise.reject(stopped())]);
    return new Promise<T>((resolve, reject) => {
      // One listener per waiting client, removed once it has its answer: a
      // reaction on a promise that settles only at stop would stay for every
      // transaction ever sent (about 500 bytes each).
      const halt = () => reject(stopped());
      this.#haltListeners.add(halt);
      void settled.then(resolve, reject).finally(() => this.#haltListeners.delete(halt));
    });
  }

  /** The sequencer has stopped: clients still waiting are told that their transaction stays pending. */
  #halt(): void {
    this.#halted = true;
    for (const halt of this.#haltListeners) halt();
    this.#haltListeners.clear();
  }

  /** Resolves when the given accepted transaction is included or dropped. */
  waitForOutcome(hash: Hex): Promise<Outcome> {
    return this.#records.outcome(hash);
  }

  /** Resolves once everything produced so far is posted to L1 (or the post failed and waits for its retry). */
  async flush(): Promise<void> {
    await this.#slots;
    await this.#batches.flush();
  }

  /** `xr_injectFault`: puts a fault in force and returns its id. */
  injectFault(input: unknown): string {
    const fault = parseFault(input, this.#engines.map((engine) => engine.chainId));
    const id = this.#faults.inject(fault);
    if (fault.kind !== "crash") this.#produce();
    return id;
  }

  /** `xr_clearFault`: clears a fault; `false` for an unknown id. */
  clearFault(id: unknown): boolean {
    const cleared = typeof id === "string" && this.#faults.clear(id);
    if (cleared) this.#produce();
    return cleared;
  }

  /** `xr_getSequencerStatus`. */
  status(): SequencerStatus {
    const last = this.#batches.posted.at(-1);
    const conflict = this.#batches.conflict ?? null;
    const down = this.#faults.crashed && this.#state === "running";
    return {
      state: down ? "down" : this.#state,
      mode: this.#parameters.mode.kind,
      policy: this.#parameters.policy.name,
      slot: this.#nextSlot - 1,
      lastBatch: last === undefined ? null : { number: last.number, l1TxHash: last.l1TxHash, slots: last.slots },
      unbatchedSlots: this.#batches.unbatched.length,
      failedPosts: this.#batches.failures,
      pendingTransactions: this.#mempool.size,
      activeFaults: this.#faults.list(),
      inboxConflict: conflict,
      brokenRollups: this.#broken === undefined ? null : this.#broken.shortMessage,
      healthy: this.#state === "running" && !down && conflict === null && this.#broken === undefined && this.#batches.failures === 0,
    };
  }

  /** Instant mode: produce slots while transactions are ready, one at a time. */
  #produce(): void {
    if (this.#parameters.mode.kind !== "instant" || this.#instantLoop !== undefined || this.#state !== "running") return;
    this.#instantLoop = (async () => {
      // Yield once so that submissions arriving together share a slot.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#hasWork && this.#state === "running" && !this.#faults.crashed) {
        const result = await this.#produceSlot(false);
        // Nothing could be taken (all held back, or nothing fits): wait for the next submission or fault change.
        if (result === undefined || (result.included.length === 0 && result.dropped.length === 0 && result.encrypted === undefined)) break;
      }
    })().finally(() => {
      this.#instantLoop = undefined;
    });
  }

  get #hasWork(): boolean {
    return this.#mempool.hasReady || this.#encrypted.hasPending;
  }

  /**
   * The timer of the mode: a slot every `slotMs` (slot mode), a batch every
   * `batchMs` (instant mode). While the sequencer is down, each tick is a
   * missed slot.
   */
  #scheduleTick(): void {
    const { mode } = this.#parameters;
    if (mode.kind === "manual" || this.#state !== "running") return;
    const ms = mode.kind === "slots" ? mode.slotMs : mode.batchMs;
    this.#timer = this.#clock.setTimeout(() => {
      const tick = async () => {
        if (mode.kind === "slots") await this.#produceSlot(true);
        else if (this.#faults.crashed) this.#faults.missSlot();
        if (!this.#faults.crashed) this.#produce();
        await this.#batches.flush();
      };
      tick()
        .catch((error: unknown) => this.#parameters.onError?.(error))
        .finally(() => this.#scheduleTick());
    }, ms);
  }

  /**
   * Produces one slot and resolves with what it did: the one place where a
   * slot is made. Slots run one at a time. `undefined` when the sequencer is
   * down (a missed slot) or the slot failed; a failed slot leaves every
   * rollup as it was and gives its transactions back to the mempool (or,
   * after repeated failures, drops them with the failure as the reason).
   */
  #produceSlot(emptyBlocks: boolean): Promise<SlotResult | undefined> {
    const run = this.#slots.then(() => this.#runSlot(emptyBlocks));
    this.#slots = run.catch(() => undefined);
    return run;
  }

  async #runSlot(emptyBlocks: boolean): Promise<SlotResult | undefined> {
    if (this.#broken !== undefined) return undefined;
    if (this.#faults.crashed) {
      this.#faults.missSlot();
      return undefined;
    }
    const slot = this.#nextSlot;
    const timestamp = Math.max(this.#lastTimestamp, Math.floor(this.#clock.now() / 1000));
    const seed = slotSeed(this.#parameters.seed, slot);
    // Each decrypted transaction is journaled with its ciphertext's decryption, in one write.
    const encrypted = await this.#encrypted.decryptPending({
      check: (chainId, raw) => this.#check(chainId, raw),
      admit: (checked, receivedAt) => this.#admitChecked(checked, receivedAt),
      admitted: () => this.#arrivals,
      outcome: (hash) => this.#records.outcome(hash),
    });
    this.#commitJournal();
    const order = this.#mempool.take(this.#parameters.policy, { slot, timestamp, seed }, this.#parameters.blockGasLimit, (transaction) =>
      this.#faults.censors(transaction),
    );
    if (order.length === 0 && !emptyBlocks && encrypted === undefined) {
      return { slot, timestamp, included: [], dropped: [], blocks: [], messageHashes: this.#messageHashes, randomness: { commitment: keccak256(seed), seed } };
    }
    let execution;
    try {
      execution = await executeSlot(this.#execution, { slot, timestamp, order, emptyBlocks });
    } catch (error) {
      this.#slotFailed(slot, order, error);
      this.#commitJournal();
      return undefined;
    }
    const included = execution.included.map(({ transaction, block }, index) => ({
      transaction,
      inclusion: { globalSeq: this.#nextGlobalSeq + index, blockNumber: block.number, blockHash: block.hash, slot },
    }));
    const result: SlotResult = {
      slot,
      timestamp,
      included,
      dropped: execution.dropped.map(({ transaction, reason }) => ({ transaction, reason })),
      blocks: execution.blocks,
      messageHashes: execution.messageHashes ?? this.#messageHashes,
      randomness: { commitment: keccak256(seed), seed },
      ...(encrypted === undefined ? {} : { encrypted }),
    };
    // The slot and every outcome it settles are journaled together, before any client hears of them.
    this.#journal({ kind: "slot", slot: result });
    this.#applySlot(result);
    for (const { transaction, inclusion } of included) {
      this.#slotAttempts.delete(transaction.hash);
      this.#settle(transaction.hash, { kind: "included", inclusion });
    }
    for (const { transaction, reason, failedTransaction } of execution.dropped) {
      this.#drop(transaction, reason, failedTransaction);
    }
    this.#commitJournal();
    this.#batches.add(result);
    if (this.#parameters.mode.kind === "slots") void this.#batches.flush();
    return result;
  }

  /** A slot threw: the rollups are back at its start; its transactions wait again, or are dropped after repeated failures. */
  #slotFailed(slot: number, order: readonly SequencedTransaction[], error: unknown): void {
    this.#parameters.onError?.(error);
    // A rollup that could not go back is out of step with every record: no further slot may build on it.
    if (error instanceof RollupRevertError) this.#broken = error;
    const words = error instanceof Error ? error.message : String(error);
    const retry: SequencedTransaction[] = [];
    const giveUp: SequencedTransaction[] = [];
    for (const transaction of order) {
      const attempts = (this.#slotAttempts.get(transaction.hash) ?? 0) + 1;
      this.#slotAttempts.set(transaction.hash, attempts);
      (attempts >= MAX_SLOT_ATTEMPTS ? giveUp : retry).push(transaction);
    }
    this.#mempool.restore(retry);
    for (const transaction of giveUp) {
      this.#slotAttempts.delete(transaction.hash);
      this.#drop(transaction, dropReason("slot-failed", `slot ${slot} failed ${MAX_SLOT_ATTEMPTS} times: ${words}`));
    }
  }

  /** Moves the sequencer's counters past a produced slot, and records its relays (the sequencer's own transactions). */
  #applySlot(slot: SlotResult): void {
    this.#nextSlot = slot.slot + 1;
    this.#lastTimestamp = slot.timestamp;
    this.#nextGlobalSeq += slot.included.length;
    this.#messageHashes = slot.messageHashes;
    for (const { transaction } of slot.included) {
      if (!this.#records.has(transaction.hash)) this.#records.accept(transaction);
    }
  }

  #settle(hash: Hex, outcome: Outcome): void {
    this.#records.settle(hash, outcome);
    this.#journal({ kind: "settled", hash, outcome });
  }

  #journal(entry: JournalEntry): void {
    if (this.#parameters.journal !== undefined) this.#journalEntries.push(entry);
  }

  /** Writes the journal entries of the change just made, atomically. */
  #commitJournal(): void {
    if (this.#journalEntries.length === 0) return;
    const entries = this.#journalEntries;
    this.#journalEntries = [];
    this.#parameters.journal!.append(entries);
  }

  /**
   * Restart from a journal: rebuilds records, bundles, slots, batches and
   * counters from its entries, then puts what was pending back in the
   * mempool. The rollups must already be rebuilt to the last slot (the
   * slots' blocks replayed), and L1 to its last block. Call before
   * {@link start}.
   */
  async restore(entries: readonly JournalEntry[]): Promise<void> {
    for (const entry of entries) {
      switch (entry.kind) {
        case "accepted": {
          const { transaction } = entry;
          this.#records.accept(transaction);
          this.#arrivals = Math.max(this.#arrivals, transaction.arrival + 1);
          const bundle = transaction.bundleId === undefined ? undefined : (this.#bundles.get(transaction.bundleId) ?? []);
          // A bundle sent again after it was dropped journals its transactions again.
          if (bundle !== undefined && !bundle.includes(transaction.hash)) this.#bundles.set(transaction.bundleId!, [...bundle, transaction.hash]);
          break;
        }
        case "settled":
          this.#records.settle(entry.hash, entry.outcome);
          break;
        case "slot":
          this.#applySlot(entry.slot);
          this.#batches.add(entry.slot);
          break;
        case "batch":
          this.#batches.restorePosted(entry.posted, entry.inbox);
          break;
        case "encrypted":
        case "decrypted":
          this.#encrypted.restore(entry);
          break;
      }
    }
    const pending = this.#records.pending().sort((a, b) => a.arrival - b.arrival);
    for (const transaction of pending) {
      const chainNonce = await this.#admission.engine(transaction.chainId).nonceOf(transaction.from);
      const replaced = this.#mempool.pendingAt(transaction.chainId, transaction.from, transaction.nonce);
      if (transaction.nonce < chainNonce || replaced !== undefined) {
        this.#settle(transaction.hash, {
          kind: "dropped",
          reason: dropReason("sequencer-crashed", `after the restart its nonce ${transaction.nonce} was already used on rollup ${transaction.chainId}`),
        });
        continue;
      }
      this.#mempool.add(transaction, chainNonce);
    }
    this.#commitJournal();
    await this.#batches.reconcile();
  }

  /** Drops a transaction and, as they can no longer run, its sender's later ones. */
  #drop(transaction: SequencedTransaction, reason: DropReason, failedTransaction?: Hex): void {
    this.#settleDropped(transaction, reason, failedTransaction);
    const successors = this.#mempool.removeFrom(transaction.chainId, transaction.from, transaction.nonce);
    for (const successor of successors) this.#settleDropped(successor, droppedPredecessor(transaction.nonce));
  }

  #settleDropped(transaction: SequencedTransaction, reason: DropReason, failedTransaction?: Hex): void {
    // A dropped transaction sent again starts with a clean slate.
    this.#slotAttempts.delete(transaction.hash);
    this.#settle(transaction.hash, { kind: "dropped", reason, ...(failedTransaction === undefined ? {} : { failedTransaction }) });
  }
}

/** The seed of one slot: derived from the sequencer's seed, revealed with the slot (its hash is the commitment). */
export function slotSeed(seed: Hex, slot: number): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [keccak256(seed), BigInt(slot)]));
}
