import { type Address, concat, encodeAbiParameters, type Hex, keccak256 } from "viem";
import { type KnownAbis, xrollupAbis } from "../contracts/abi-registry.ts";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import { AddRollupFailedError, mineChainAdditions, withAddedRollup } from "./add-rollup.ts";
import { Admission, type CheckedTransaction, MAX_NONCE_GAP } from "./admission.ts";
import type { Batch, InboxState } from "./batch/builder.ts";
import { BatchQueue, type InboxConflict, type PostedBatch } from "./batch/queue.ts";
import type { SigningDomain } from "./committee/certificate.ts";
import {
  type Cheat,
  cheatProblem,
  CheatState,
  CheatsUnsupportedError,
  isStateOperation,
  MiningFailedError,
  mineEmptyBlock,
  NotImpersonatedError,
  type StateOperation,
  withBlockTimes,
} from "./cheats.ts";
import { batchMatchesSlots } from "./committee/check.ts";
import { type CertifiedBatch, type EquivocationProver, type MemberReport, type Orderable, SequencerCommittee } from "./committee/committee.ts";
import { type ForcedEntry, runForcedSlot } from "./forced.ts";
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
import { type ActiveFault, type Fault, FaultRegistry, FaultyL1, faultyEngine, parseFault } from "./faults.ts";
import { type DecodedTransaction, decodeRawTransaction, impersonatedSender } from "./intake.ts";
import { Mempool } from "./mempool.ts";
import type { AuctionOutcome, Bid, OrderingPolicy, SlotContext } from "./policies/index.ts";
import type { Clock, JournalEntry, L1Port, RollupEngine, SequencerJournal } from "./ports.ts";
import { type DropReason, droppedPredecessor, dropReason } from "./reasons.ts";
import { type BatchRef, type BundleStatus, type Outcome, TransactionRecords, type TransactionStatus } from "./records.ts";
import { parseSimulationRequest, type Simulation, type SimulationInput, type SimulationResult, simulateUnits, simulationResult, type UnsignedTransaction } from "./simulation.ts";
import { traceTransaction, type TransactionTrace } from "./trace.ts";
import { nextRelayTerms, type RelayBuilder, Relayer, type SequencerKey } from "./relayer.ts";
import { type AddedRollup, type MessageHashes, type ProducedBlock, type SequencedTransaction, type SlotCertificate, type SlotResult, senderKey } from "./types.ts";
import { BidBook, BidRefusedError, type BidRequest, type BidStatus, checkBidRequest } from "./auction.ts";


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
  /**
   * The sequencer committee: its members' keys in rotation order (one for a
   * single sequencer), what their signatures are valid for, the latency of
   * their gossip, and how long a view waits for its leader. Each member
   * signs the relays (actions) of the slots it leads.
   */
  sequencers: SequencerCommitteeParameters;
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
  /**
   * The engines of rollups added at runtime ({@link SharedSequencer.addRollup}),
   * by chain id: {@link SharedSequencer.restore} takes each from here when
   * the journal says a slot added it, so whoever restores recreates them
   * first (at their genesis, predeploys installed).
   */
  addedEngine?: (chainId: number) => RollupEngine | undefined;
  /** How long {@link SharedSequencer.stop} keeps producing slots to drain the mempool, in ms. Default 30 s. */
  drainMs?: number;
  /**
   * Where the journal is written: what a restart (`--data-dir`), a revert to
   * a snapshot or a loaded state rebuilds the sequencer from. With a durable
   * one, {@link SharedSequencer.stop} leaves pending transactions pending,
   * for the restart.
   */
  journal?: SequencerJournal;
  /**
   * The faults in force, when the caller keeps them: a devnet hands them on
   * to the sequencer that replaces this one on a revert, ids and all.
   * Default: a registry of this sequencer's own.
   */
  faultRegistry?: FaultRegistry;
  /** Called with errors of background work (slot production, batch posting). */
  onError?: (error: unknown) => void;
  /** Called after each batch is posted, with its certificate. */
  onBatch?: (batch: CertifiedBatch, l1TxHash: Hex) => void;
  /** The ABIs that decode revert reasons and name a trace's functions (`--artifacts`); default: xrollup's own contracts. */
  abis?: KnownAbis;
  /** Told of accepted transactions and committed slots as they happen: what `eth_subscribe` notifies. */
  events?: SequencerEvents;
}

/**
 * Listeners of {@link SequencerParameters.events}, called synchronously. A
 * listener that throws is reported to `onError` and changes nothing else.
 */
export interface SequencerEvents {
  /** A transaction entered the mempool (a replacement too; relays and forced transactions never do). */
  onAccepted?(transaction: SequencedTransaction): void;
  /** A slot (ordinary or forced) took effect: journaled and its outcomes settled. A failed slot attempt is never told. */
  onSlot?(slot: SlotResult): void;
  /**
   * Something {@link SharedSequencer.status} shows changed outside a slot:
   * a fault injected, cleared or counted down by a missed slot, the slot
   * timer paused or resumed. (Batches are told through `onBatch`.)
   */
  onStatusChanged?(): void;
}

/** The sequencer committee, as {@link SequencerParameters} takes it. */
export interface SequencerCommitteeParameters {
  keys: readonly SequencerKey[];
  domain: SigningDomain;
  /** Latency of every message between members, in ms (`--gossip-ms`). */
  gossipMs: number;
  /** How long members wait for a view's leader before the next takes over, in ms (`--view-timeout`). */
  viewTimeoutMs: number;
  /** Where members prove an equivocation (L1's inbox). */
  prover?: EquivocationProver;
}

/** Most transactions in one bundle. */
export const MAX_BUNDLE_SIZE = 16;

/** A slot that failed this many times drops its transactions instead of trying them again. */
const MAX_SLOT_ATTEMPTS = 3;

/** Options of an accepted transaction. */
export interface AcceptOptions {
  /** When it was received, in ms; defaults to the clock's now (scenarios pass simulated time). */
  receivedAt?: number;
  /**
   * The transaction carries the impersonation signature of an account
   * impersonated on the rollup (`eth_sendTransaction` after
   * `hardhat_impersonateAccount`), not a real signature. Only the devnet's
   * own signer sets it: `eth_sendRawTransaction` never does.
   */
  impersonated?: boolean;
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
  /** The current view: it advances after every slot and on every timeout. */
  view: number;
  /** The address of the current view's leader. */
  leader: Address;
  /** Signatures a certificate needs now: n − ⌊(n − 1) / 3⌋ of the members still in the committee. */
  quorum: number;
  /** Every member, in rotation order, and how it stands. */
  members: MemberReport[];
  /** Views that timed out (the leader was down, or no proposal reached a quorum). */
  failovers: number;
  /** Members removed by a proof of equivocation. */
  equivocationsProved: number;
  /** Set when another account posted to the inbox: the sequencer no longer posts. */
  inboxConflict: InboxConflict | null;
  /** Set when a rollup could not go back to the start of a failed slot: the sequencer produces no more slots; restart the devnet. */
  brokenRollups: string | null;
  /** Whether the sequencer is up, posting, the inbox is its own, and enough committee members are up for a quorum. */
  healthy: boolean;
  /** Whether the slot timer is paused ({@link SharedSequencer.pause}): slots then come one at a time from {@link SharedSequencer.step}. */
  paused: boolean;
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
  readonly #faults: FaultRegistry;
  readonly #mempool = new Mempool();
  readonly #records = new TransactionRecords();
  /** What the cheat methods did to the rollups: pending state operations, clocks, impersonated accounts. */
  readonly #cheats = new CheatState();
  /** Every rollup's engine as intake reads it (no faults), by chain id: rollups added at runtime join it. */
  readonly #intakeEngines: Map<number, RollupEngine>;
  readonly #admission: Admission;
  readonly #encrypted: EncryptedMempool;
  readonly #batches: BatchQueue;
  readonly #bundles = new Map<Hex, Hex[]>();
  /** Bids for the policy's auctions and what they decided (in memory only, see {@link submitBid}). */
  readonly #bids = new BidBook();
  /** Failed slot attempts per transaction. */
  readonly #slotAttempts = new Map<Hex, number>();
  readonly #execution: ExecutionContext;
  readonly #committee: SequencerCommittee;
  /** Each member's relay builder: the leader of a slot signs its relays. */
  readonly #relayers: RelayBuilder[];
  /** With gossip latency: which member each pending transaction entered through (rollup i's endpoint is member i mod n's). */
  readonly #entryMember = new Map<Hex, number>();
  /** Set while a view waits for its leader: slot ticks meanwhile are missed slots, not slots to catch up on. */
  #failingOver = false;
  /** L1's forced transactions read but not yet processed, in queue order. */
  #forced: ForcedEntry[] = [];
  /** How far into L1's forced-inclusion queue the slots have processed. */
  #forcedEnd: number;
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
  /** {@link whilePaused} calls under way: no slot and no batch post starts meanwhile. */
  #pauses = 0;
  /** Set by {@link pause}: the slot timer produces no slot until {@link resume}; {@link step} still does. */
  #timerPaused = false;
  /** Set by {@link abandon}: the error a request to this sequencer gets, for the id it waits on. */
  #abandoned: ((id: Hex | undefined) => Error) | undefined;
  /** Journal entries of the change under way, written at once by {@link #commitJournal}. */
  #journalEntries: JournalEntry[] = [];

  constructor(parameters: SequencerParameters) {
    this.#parameters = parameters;
    this.#clock = parameters.clock;
    this.#faults = parameters.faultRegistry ?? new FaultRegistry();
    this.#engines = parameters.engines.map((engine) => this.#slotEngine(engine));
    this.#committee = new SequencerCommittee({
      keys: parameters.sequencers.keys,
      domain: parameters.sequencers.domain,
      clock: this.#clock,
      gossipMs: parameters.sequencers.gossipMs,
      faults: this.#faults,
      ...(parameters.sequencers.prover === undefined ? {} : { prover: parameters.sequencers.prover }),
      ...(parameters.onError === undefined ? {} : { onError: parameters.onError }),
    });
    this.#relayers = parameters.sequencers.keys.map((key) => new Relayer(key));
    for (const fault of parameters.faults ?? []) this.#faults.inject(this.#parseFault(fault));
    this.#nextGlobalSeq = parameters.inbox.nextGlobalSeq;
    this.#forcedEnd = parameters.inbox.nextForced ?? 0;
    this.#lastTimestamp = parameters.genesisTimestamp;
    this.#intakeEngines = new Map(parameters.engines.map((engine) => [engine.chainId, engine]));
    this.#admission = new Admission({
      // Intake reads the chains directly: engine faults are for slots.
      engines: this.#intakeEngines,
      mempool: this.#mempool,
      records: this.#records,
      sequencers: parameters.sequencers.keys.map((key) => key.address),
      blockGasLimit: parameters.blockGasLimit,
    });
    this.#encrypted = new EncryptedMempool(parameters.committee, (entry) => this.#journal(entry));
    this.#batches = new BatchQueue({
      l1: new FaultyL1(parameters.l1, this.#faults, this.#clock),
      inbox: parameters.inbox,
      clock: this.#clock,
      maxBlocksPerBatch: parameters.maxBlocksPerBatch,
      check: parameters.checkBatch,
      // While paused, no leader posts: the queue tries again later, as when no leader is live.
      certify: (build) =>
        this.#pauses > 0 ? Promise.resolve(undefined) : this.#committee.certifyBatch(build, (proposed) => batchMatchesSlots(proposed, this.#batches.unbatched)),
      ...(parameters.onBatch === undefined ? {} : { onBatch: parameters.onBatch }),
      ...(parameters.onError === undefined ? {} : { onError: parameters.onError }),
      onPosted: (posted, inbox) => {
        this.#journal({ kind: "batch", posted, inbox });
        this.#commitJournal();
      },
    });
    this.#execution = {
      engines: this.#engines,
      relayer: this.#relayers[0]!,
      maxMessageDepth: parameters.maxMessageDepth,
      revertProtection: parameters.revertProtection,
      withholdsRelayTo: (chainId) => this.#faults.withholdsRelayTo(chainId),
      ...(parameters.abis === undefined ? {} : { abis: parameters.abis }),
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

  /** The rollups' chain ids, in registration order: those the sequencer started with, then those added since. */
  get chainIds(): number[] {
    return this.#engines.map((engine) => engine.chainId);
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
    // With a durable journal, what is still pending stays pending: the restart picks it up.
    if (this.#parameters.journal?.durable !== true) {
      // The reasons are read before draining, which forgets the senders' next nonces.
      const reasons = this.#mempool.pending().map((transaction) => [transaction, this.#stopReason(transaction)] as const);
      this.#mempool.drain();
      for (const [transaction, reason] of reasons) this.#settleDropped(transaction, reason);
      this.#encrypted.dropPending(dropReason("sequencer-stopped", "the sequencer stopped before the ciphertext's slot"));
    }
    this.#commitJournal();
    this.#halt();
    await this.#batches.drain(Math.max(0, deadline - this.#clock.now()));
    this.#batches.stop();
    this.#state = "stopped";
  }

  /**
   * Runs `work` with the sequencer holding still: between slots (in the slot
   * queue, so nothing else that goes through it interleaves), with no batch
   * post under way and every proof of equivocation landed. No slot and no
   * batch post starts until `work` ends; transactions are still accepted
   * meanwhile. A devnet takes or reverts to a snapshot so.
   */
  async whilePaused<T>(work: () => Promise<T>): Promise<T> {
    this.#pauses += 1;
    try {
      const run = this.#slots.then(async () => {
        await this.#batches.flush();
        await this.#committee.settled();
        return work();
      });
      this.#slots = run.catch(() => undefined);
      return await run;
    } finally {
      this.#pauses -= 1;
      // What arrived meanwhile runs now (instant mode).
      if (this.#pauses === 0) this.#produce();
    }
  }

  /**
   * Stops at once, without draining or posting anything: a devnet reverted
   * to a snapshot replaced this sequencer. Timers stop, nothing more is
   * journaled, and every request still waiting on it, or sent to it from now
   * on, fails with `error(id)` (`id`: the transaction, bundle or ciphertext
   * it waits on).
   */
  abandon(error: (id: Hex | undefined) => Error): void {
    this.#abandoned = error;
    this.#state = "stopped";
    this.#clock.clearTimeout(this.#timer);
    this.#batches.stop();
    this.#journalEntries = [];
    this.#halt();
  }

  /** Why a transaction still pending when the sequencer stops is dropped. */
  #stopReason(transaction: SequencedTransaction): DropReason {
    if (this.#faults.censors(transaction, this.#committee.leader)) {
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
      const { message, code, failedLeg } = outcome.reason;
      throw new TransactionDroppedError({ hash: transaction.hash, chainId, reason: message, reasonCode: code, failedLeg });
    }
    return transaction.hash;
  }

  /**
   * Validates and accepts a signed transaction into the mempool, without
   * waiting for it. Every accepted transaction ends included or dropped.
   */
  async accept(chainId: number, raw: unknown, options: AcceptOptions = {}): Promise<SequencedTransaction> {
    this.#assertWritable();
    // Bytes without the impersonation signature are refused by admission's decoding.
    const impersonator = options.impersonated === true && typeof raw === "string" ? impersonatedSender(raw as Hex) : undefined;
    if (impersonator !== undefined && !this.#cheats.isImpersonated(chainId, impersonator)) throw new NotImpersonatedError({ chainId, address: impersonator });
    const checked = await this.#check(chainId, raw, options.impersonated);
    const transaction = this.#admitChecked(checked, options.receivedAt ?? this.#clock.now());
    this.#commitJournal();
    return transaction;
  }

  /** Admission's checks of a single transaction (not a bundle's); admits nothing. */
  #check(chainId: number, raw: unknown, impersonated = false): Promise<CheckedTransaction> {
    return this.#admission.check(chainId, raw, { gapLimit: MAX_NONCE_GAP, impersonated });
  }

  /** Admits a checked transaction if the sequencer still takes any; its journal entry waits for the caller's commit. */
  #admitChecked(checked: CheckedTransaction, receivedAt: number): SequencedTransaction {
    this.#assertWritable();
    return this.#admit(checked, { receivedAt });
  }

  #assertWritable(): void {
    if (this.#abandoned !== undefined) throw this.#abandoned(undefined);
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
   * missed, which counts down a `crash` fault) or paused ({@link whilePaused}).
   * `endMs`: the end of the slot's window on the arrival clock (the one
   * `receivedAt` is on), which the policy sees as `context.endMs`; default
   * the clock's now (scenarios pass simulated time).
   */
  async produceSlot({ endMs }: { endMs?: number } = {}): Promise<SlotResult | undefined> {
    await this.#pollForced();
    return this.#produceSlot(false, undefined, endMs);
  }

  /**
   * Applies a cheat to a rollup (see `cheats.ts`), between slots, and
   * journals it: a state operation at once, for reads, and carried by the
   * rollup's next block; a time cheat for the rollup's next blocks;
   * impersonation for `eth_sendTransaction`. Resolves once it took effect.
   *
   * @throws {CheatRefusedError} for a cheat that would break the devnet or derivation (see `cheatProblem`).
   * @throws {TimestampTooLowError} for a next timestamp before the rollup's latest block.
   */
  applyCheat(chainId: number, cheat: Cheat): Promise<void> {
    this.#assertWritable();
    const engine = this.#admission.engine(chainId);
    const run = this.#slots.then(async () => {
      this.#assertWritable();
      const problem = cheatProblem(cheat, {
        chainId,
        latestTimestamp: (await engine.latestBlock()).timestamp,
        now: Math.floor(this.#clock.now() / 1000),
        offset: this.#cheats.timeOffset(chainId),
        sequencers: this.#committee.addresses,
      });
      if (problem !== undefined) throw problem;
      if (isStateOperation(cheat)) await this.#applyOperations(chainId, [cheat]);
      this.#cheats.record(chainId, cheat);
      this.#journal({ kind: "cheat", chainId, cheat });
      this.#commitJournal();
    });
    this.#slots = run.catch(() => undefined);
    return run;
  }

  /** A rollup's time offset in seconds, as the time cheats left it (`evm_increaseTime`'s answer). */
  timeOffset(chainId: number): number {
    return this.#cheats.timeOffset(chainId);
  }

  /** Whether `eth_sendTransaction` may send from `address` on a rollup (`hardhat_impersonateAccount`). */
  isImpersonated(chainId: number, address: Address): boolean {
    return this.#cheats.isImpersonated(chainId, address);
  }

  /**
   * `evm_mine` on a rollup: produces a slot now with a block on it, empty if
   * nothing runs there, carrying the state cheats pending on it; at
   * `timestamp` when given. In slot mode it is a whole slot (a block on
   * every rollup); otherwise ready transactions ride along. Resolves with
   * the rollup's block.
   *
   * @throws {MiningFailedError} when no block could be mined (the sequencer is down, or the slot failed).
   */
  async mine(chainId: number, timestamp?: number): Promise<ProducedBlock> {
    this.#assertWritable();
    this.#admission.engine(chainId);
    if (timestamp !== undefined) await this.applyCheat(chainId, { kind: "setNextBlockTimestamp", timestamp });
    for (;;) {
      const result = await this.#produceSlot(this.#parameters.mode.kind === "slots", chainId);
      const block = result?.blocks.findLast((candidate) => candidate.chainId === chainId);
      if (block !== undefined) return block;
      // A slot of L1's forced transactions goes first when the queue holds some; the next slot mines the block.
      if (result?.forcedEnd === undefined) throw new MiningFailedError({ chainId });
    }
  }

  /** Applies state operations to a rollup's engine. */
  async #applyOperations(chainId: number, operations: readonly StateOperation[]): Promise<void> {
    const engine = this.#admission.engine(chainId);
    if (engine.applyOperations === undefined) throw new CheatsUnsupportedError({ chainId });
    await engine.applyOperations(operations);
  }

  /** Mines an empty block on a rollup after the slot's own (`evm_mine`); `undefined` when the engine failed, which `mine` reports. */
  async #mineEmpty(chainId: number, timestamp: number): Promise<ProducedBlock | undefined> {
    const engine = this.#engines.find((candidate) => candidate.chainId === chainId);
    if (engine === undefined) return undefined;
    try {
      return await mineEmptyBlock(engine, timestamp);
    } catch (error) {
      // The slot's own blocks are mined and stand; only the block asked for is missing.
      this.#parameters.onError?.(error);
      return undefined;
    }
  }

  /** A rollup's engine as slots drive it: through the fault injector, each block at the time the rollup's time cheats give. */
  #slotEngine(engine: RollupEngine): RollupEngine {
    const { chainId } = engine;
    return withBlockTimes(faultyEngine(engine, this.#faults), (slotTimestamp) => this.#cheats.blockTimestamp(chainId, slotTimestamp));
  }

  /**
   * `xr_addRollup`: adds a rollup, between slots. `engine` is the new
   * rollup at its genesis, its predeploys installed (its messenger knows
   * every rollup, itself included). One slot, ordered by the committee like
   * any, runs the sequencer's `addChain` on every rollup already there (see
   * `add-rollup.ts`); the new rollup takes transactions and messages from
   * the next slot on, and the batch that carries this slot registers it on
   * L1. Resolves with that slot once it is journaled.
   *
   * @throws {AddRollupFailedError} when the chain id is taken, the committee orders no slot, or a rollup refuses its `addChain`; nothing is left behind.
   */
  addRollup(engine: RollupEngine, genesis: Omit<AddedRollup, "chainId">): Promise<SlotResult> {
    this.#assertWritable();
    const run = this.#slots.then(() => this.#runAdditionSlot(engine, { chainId: engine.chainId, ...genesis }));
    this.#slots = run.catch(() => undefined);
    return run;
  }

  async #runAdditionSlot(engine: RollupEngine, added: AddedRollup): Promise<SlotResult> {
    this.#assertWritable();
    const { chainId } = added;
    const fail = (reason: string, cause?: unknown) => new AddRollupFailedError({ chainId, reason, cause });
    if (this.#broken !== undefined) throw fail(this.#broken.shortMessage);
    if (this.chainIds.includes(chainId)) throw fail("the sequencer has a rollup with that chain id already");
    const slot = this.#nextSlot;
    // Never before the new rollup's genesis: its first block is in a later slot.
    const timestamp = Math.max(this.#lastTimestamp, Math.floor(this.#clock.now() / 1000), added.genesisTimestamp);
    const seed = slotSeed(this.#parameters.seed, slot);
    const certified = await this.#leaderTurns(
      slot,
      (leader) => this.#chainAdditions(leader, chainId),
      () => undefined,
    );
    // An equivocating leader may get a shorter order certified: without every rollup's addChain, nothing runs.
    if (certified === undefined || certified === "nothing" || certified.order.length !== this.#engines.length) {
      throw fail("the sequencer committee certified no slot to add it");
    }
    let mined;
    try {
      mined = await mineChainAdditions(this.#engines, certified.order, chainId, timestamp);
    } catch (error) {
      if (error instanceof RollupRevertError) this.#broken = error;
      throw error instanceof AddRollupFailedError ? error : fail("its slot failed", error);
    }
    const included = this.#numbered(mined.included, slot);
    const result: SlotResult = {
      slot,
      timestamp,
      included,
      dropped: [],
      blocks: mined.blocks,
      messageHashes: withAddedRollup(this.#messageHashes),
      randomness: { commitment: keccak256(seed), seed },
      certificate: certified.certificate,
      addsRollup: added,
    };
    this.#attach(engine);
    this.#commitSlot(result, () => {
      for (const { transaction, inclusion } of included) this.#settle(transaction.hash, { kind: "included", inclusion });
    });
    return result;
  }

  /** The `addChain(chainId)` transactions leader `leader` signs, one per rollup, in registration order. */
  #chainAdditions(leader: number, chainId: number): Promise<SequencedTransaction[]> {
    const relayer = this.#relayers[leader]!;
    return Promise.all(
      this.#engines.map(async (engine) => relayer.addChainTransaction(engine.chainId, chainId, await nextRelayTerms(engine, relayer.address))),
    );
  }

  /** A rollup joins: slots run on it (through the fault injector), intake reads it. */
  #attach(engine: RollupEngine): void {
    this.#engines.push(this.#slotEngine(engine));
    this.#intakeEngines.set(engine.chainId, engine);
  }

  /** The engine of a rollup the journal says was added, from {@link SequencerParameters.addedEngine}. */
  #restoredEngine({ chainId }: AddedRollup): RollupEngine {
    const engine = this.#parameters.addedEngine?.(chainId);
    if (engine === undefined) {
      throw new AddRollupFailedError({ chainId, reason: "the journal says a slot added it, but no engine was given for it to restore it on" });
    }
    return engine;
  }

  /**
   * `xr_sendBundle`: accepts signed transactions for any rollups that are
   * included together, with consecutive global sequence numbers, or not at
   * all. Each must carry its sender's next nonce (counting earlier ones of
   * the bundle). Resolves with the bundle id; in instant mode once the bundle
   * is included (rejecting with {@link BundleFailedError} if it is not).
   * `receivedAt`: when it was received, in ms (default the clock's now).
   */
  async submitBundle(raws: unknown, options: Pick<AcceptOptions, "receivedAt"> = {}): Promise<Hex> {
    this.#assertWritable();
    const bundle = await this.#checkBundle(raws);
    this.#assertWritable();
    this.#admitBundle(bundle, options.receivedAt ?? this.#clock.now());
    this.#commitJournal();
    const { bundleId, hashes } = bundle;
    if (this.#parameters.mode.kind !== "instant") return bundleId;
    this.#produce();
    await Promise.all(hashes.map((hash) => this.#outcomeUnlessHalted(hash)));
    const status = this.bundleStatus(bundleId)!;
    if (status.failed !== null) throw new BundleFailedError({ bundleId, ...status.failed });
    return bundleId;
  }

  /**
   * Intake's checks of a bundle: each transaction's own, each its sender's
   * next nonce (counting earlier ones of the bundle), the bundle's gas
   * within a block on each rollup, no bundle pending with the same
   * transactions. Admits nothing.
   *
   * @throws {InvalidBundleError} saying which transaction was refused and why.
   */
  async #checkBundle(raws: unknown): Promise<CheckedBundle> {
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
    return { checked, bundleId, hashes };
  }

  /**
   * Admits a checked bundle: every transaction at once, so that a bundle is
   * accepted whole or not at all. Its journal entries wait for the caller's
   * commit. Returns the transactions as the mempool holds them.
   */
  #admitBundle({ checked, bundleId, hashes }: CheckedBundle, receivedAt: number): SequencedTransaction[] {
    const admitted = checked.map((transaction) => this.#admit(transaction, { receivedAt, bundleId }));
    this.#bundles.set(bundleId, hashes);
    return admitted;
  }

  /**
   * `xr_submitBid`: a sealed bid for the policy's auction of `request.slot`
   * (a Timeboost round's first slot), with the signed transactions placed
   * only if it wins (checked now as a bundle's, and again at the auction)
   * and, for an order-flow auction, the pending transaction it back-runs.
   * Resolves with the bid's id ({@link bidStatus}). The auction runs when
   * the slot is produced; a winning bid's transactions are then admitted
   * as one bundle, a losing bid's never.
   *
   * Bids are kept in memory only (never journaled): a restart or a revert
   * to a snapshot forgets those not yet decided. Bids are not
   * authenticated, and payments are not collected: the outcome says who
   * owes what (`xr_getBid`).
   *
   * Over JSON-RPC (any rollup's endpoint): `xr_submitBid({ bidder,
   * amountWei, slot, transactions?, target? })`, `amountWei` a hex
   * quantity, `slot` a number or hex quantity, `transactions` signed raw
   * transactions, `target` a transaction hash; answers the bid id.
   * `xr_getBid(bidId)` answers {@link bidStatus}, amounts as hex quantities.
   *
   * @throws {BidRefusedError} with `reasonCode` `no-auction` (the policy runs none), `slot-closed` (the slot is produced or its auction ran), `invalid-bid`, `transaction-refused` (intake refused a transaction; `cause` says why) or `unknown-target` (the target is not pending).
   */
  async submitBid(request: BidRequest, options: Pick<AcceptOptions, "receivedAt"> = {}): Promise<Hex> {
    this.#assertWritable();
    const { policy } = this.#parameters;
    if (policy.auction === undefined) throw new BidRefusedError({ reasonCode: "no-auction", reason: `the ordering policy ${policy.name} runs no auction` });
    checkBidRequest(request);
    this.#assertBiddable(request.slot);
    const target = request.target?.toLowerCase() as Hex | undefined;
    if (target !== undefined && !this.#records.isPending(target)) {
      throw new BidRefusedError({ reasonCode: "unknown-target", reason: `transaction ${target} is not pending` });
    }
    const receivedAt = options.receivedAt ?? this.#clock.now();
    let transactions: SequencedTransaction[] = [];
    if (request.transactions !== undefined && request.transactions.length > 0) {
      let bundle: CheckedBundle;
      try {
        bundle = await this.#checkBundle(request.transactions);
      } catch (error) {
        throw new BidRefusedError({ reasonCode: "transaction-refused", reason: error instanceof XrollupError ? error.shortMessage : String(error), cause: error });
      }
      transactions = bundle.checked.map(({ decoded, chainId }) => sequencedFrom(decoded, { chainId, arrival: -1, receivedAt, bundleId: bundle.bundleId }));
    }
    // The slot may have been produced while intake read the chains.
    this.#assertBiddable(request.slot);
    return this.#bids.add({ bidder: request.bidder, amountWei: request.amountWei, slot: request.slot, transactions, ...(target === undefined ? {} : { target }), receivedAt }).id;
  }

  #assertBiddable(slot: number): void {
    if (slot < this.#nextSlot || this.#bids.isAuctioned(slot)) {
      throw new BidRefusedError({ reasonCode: "slot-closed", reason: `slot ${slot}'s auction is closed; the next slot is ${this.#nextSlot}` });
    }
  }

  /** `xr_getBid`: what became of a bid (`pending` until its slot's auction); `null` for an unknown id. */
  bidStatus(id: Hex): BidStatus | null {
    return this.#bids.status(id, this.#nextSlot);
  }

  /** The auction outcomes in force for a slot (what its order saw as `context.auctions`), oldest first. */
  auctionOutcomes(slot: number): AuctionOutcome[] {
    return this.#bids.inForce(slot);
  }

  /**
   * The slot's auction, once per slot (a failed slot tried again keeps its
   * outcomes): bids whose transactions no longer pass intake are set
   * aside, the policy chooses among the rest, and each winner's
   * transactions are admitted as one bundle, received when the bid was;
   * a winner whose transactions no longer pass (another winner took the
   * nonce) loses. Resolves with the outcomes in force for the slot.
   */
  async #runAuction(slot: number, seed: Hex): Promise<AuctionOutcome[]> {
    const { policy } = this.#parameters;
    if (policy.auction === undefined || this.#bids.isAuctioned(slot)) return this.#bids.inForce(slot);
    const setAside = (bidId: Hex, error: unknown) =>
      this.#bids.setAside(bidId, `its transactions no longer pass intake: ${error instanceof XrollupError ? error.shortMessage : String(error)}`);
    const valid: Bid[] = [];
    for (const bid of this.#bids.bidsFor(slot)) {
      if (bid.transactions.length === 0) {
        valid.push(bid);
        continue;
      }
      try {
        await this.#checkBundle(bid.transactions.map(({ raw }) => raw));
        valid.push(bid);
      } catch (error) {
        setAside(bid.id, error);
      }
    }
    const outcomes = policy.auction(valid, { slot, seed, pending: this.#mempool.pending() });
    const decided: AuctionOutcome[] = [];
    for (const outcome of outcomes) {
      // Only a bid of this slot can win, and only its own transactions are admitted.
      const bid = valid.find((candidate) => candidate.id === outcome.bidId);
      if (bid === undefined) {
        this.#parameters.onError?.(new XrollupError(`Policy ${policy.name}'s auction of slot ${slot} chose ${outcome.bidId}, which is not one of the slot's bids; the outcome is ignored.`));
        continue;
      }
      if (bid.transactions.length === 0) {
        decided.push({ ...outcome, transactions: [] });
        continue;
      }
      try {
        const bundle = await this.#checkBundle(bid.transactions.map(({ raw }) => raw));
        decided.push({ ...outcome, transactions: this.#admitBundle(bundle, bid.receivedAt) });
      } catch (error) {
        setAside(bid.id, error);
      }
    }
    this.#commitJournal();
    this.#bids.decide(slot, decided);
    return this.#bids.inForce(slot);
  }

  /** `xr_getBundle`: `null` for an unknown bundle id. */
  bundleStatus(bundleId: Hex): BundleStatus | null {
    const hashes = this.#bundles.get(bundleId.toLowerCase() as Hex);
    return hashes === undefined ? null : this.#records.bundleStatus(bundleId, hashes, (slot) => this.#batchRef(slot));
  }

  #admit({ decoded, chainId, chainNonce, replaces }: CheckedTransaction, { receivedAt, bundleId }: { receivedAt: number; bundleId?: Hex }): SequencedTransaction {
    const transaction = sequencedFrom(decoded, { chainId, arrival: this.#arrivals++, receivedAt, ...(bundleId === undefined ? {} : { bundleId }) });
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
    this.#gossip(transaction);
    this.#tell((events) => events.onAccepted?.(transaction));
    return transaction;
  }

  /** Tells the event listeners, if any; one that throws must not undo what it is told of. */
  #tell(notify: (events: SequencerEvents) => void): void {
    const { events } = this.#parameters;
    if (events === undefined) return;
    try {
      notify(events);
    } catch (error) {
      this.#parameters.onError?.(error);
    }
  }

  /**
   * With gossip latency, a transaction reaches its entry member at once and
   * the others `gossipMs` later: a leader orders only what reached it. In
   * instant mode, a slot is due once it has reached everyone.
   */
  #gossip(transaction: SequencedTransaction): void {
    const { gossipMs } = this.#parameters.sequencers;
    if (gossipMs === 0) return;
    const index = this.#engines.findIndex((engine) => engine.chainId === transaction.chainId);
    const members = this.#committee.addresses.length;
    let entry = index % members;
    for (let step = 0; step < members && !this.#committee.isLive(entry); step++) entry = (entry + 1) % members;
    this.#entryMember.set(transaction.hash, entry);
    this.#clock.setTimeout(() => this.#produce(), gossipMs);
  }

  /** Whether a transaction has reached member `member` (always, without gossip latency). */
  #reached(transaction: SequencedTransaction, member: number): boolean {
    const entry = this.#entryMember.get(transaction.hash);
    if (entry === undefined || entry === member) return true;
    return transaction.receivedAt + this.#parameters.sequencers.gossipMs <= this.#clock.now();
  }

  /** The next nonce of a sender on a rollup, counting its pending transactions. */
  async pendingNonce(chainId: number, address: Address): Promise<number> {
    return this.#mempool.nextNonce(chainId, address) ?? this.#admission.engine(chainId).nonceOf(address);
  }

  /** `xr_getTransactionStatus`: `null` for a transaction the sequencer never accepted. */
  transactionStatus(hash: Hex): TransactionStatus | null {
    return this.#records.status(hash, (slot) => this.#batchRef(slot));
  }

  /**
   * `xr_simulate`: runs transactions (signed or unsigned, for any rollups)
   * with every action they cause on a throwaway state, between slots, and
   * answers each leg; commits nothing (see `simulation.ts`).
   *
   * @throws {InvalidSimulationError} naming the first bad field.
   */
  async simulate(request: unknown): Promise<SimulationResult> {
    const units = parseSimulationRequest(request, this.chainIds);
    return simulationResult(await this.#simulate(units, { trace: true }), this.#abis);
  }

  /**
   * The pre-flight of `eth_call` and `eth_estimateGas` on a trigger: runs
   * the call, unsigned, with every action it causes on a throwaway state,
   * between slots. Why the sequencer would drop it, or `undefined`.
   */
  async preflight(transaction: UnsignedTransaction): Promise<DropReason | undefined> {
    const { failures } = await this.#simulate([[{ kind: "unsigned", transaction }]], { trace: false });
    return failures[0]?.reason;
  }

  /** `xr_traceTransaction`: every leg's call tree (see `trace.ts`); `null` for a transaction the sequencer never accepted. */
  traceTransaction(hash: Hex): Promise<TransactionTrace | null> {
    const context = {
      records: this.#records,
      bundle: (bundleId: Hex) => this.#bundles.get(bundleId),
      engines: [...this.#intakeEngines.values()],
      abis: this.#abis,
      simulate: (units: readonly (readonly SimulationInput[])[], options: { trace: boolean }) => this.#simulate(units, options),
    };
    return traceTransaction(context, hash);
  }

  get #abis(): KnownAbis {
    return this.#parameters.abis ?? xrollupAbis();
  }

  /**
   * Runs units on a throwaway state of the rollups (`simulateUnits`) in the
   * slot queue, so that it never interleaves with a slot, a cheat or a
   * snapshot, as the next slot would run them: its timestamp, the leader's
   * relays, the engines without faults.
   */
  #simulate(units: readonly (readonly SimulationInput[])[], options: { trace: boolean }): Promise<Simulation> {
    const run = this.#slots.then(async () => {
      const timestamp = Math.max(this.#lastTimestamp, Math.floor(this.#clock.now() / 1000));
      const context = {
        engines: [...this.#intakeEngines.values()],
        relayer: this.#relayers[this.#committee.leader]!,
        maxMessageDepth: this.#parameters.maxMessageDepth,
        abis: this.#abis,
        timestamp,
        blockTimestamp: (chainId: number, slotTimestamp: number) => this.#cheats.blockTimestamp(chainId, slotTimestamp),
        blockGasLimit: this.#parameters.blockGasLimit,
      };
      try {
        return await simulateUnits(context, units, options);
      } catch (error) {
        // A rollup that could not go back is out of step with every record: no further slot may build on it.
        if (error instanceof RollupRevertError) this.#broken = error;
        throw error;
      }
    });
    this.#slots = run.catch(() => undefined);
    return run;
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

  /**
   * `settled`, unless the sequencer halts first: then a
   * {@link SequencerStoppedError} saying that `id` stays pending (or, when
   * the sequencer was abandoned, the error it was abandoned with).
   */
  #unlessHalted<T>(settled: Promise<T>, id: Hex): Promise<T> {
    const stopped = () => this.#abandoned?.(id) ?? new SequencerStoppedError({ keptPending: id });
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

  /**
   * Resolves once everything produced so far is posted to L1 (or the post
   * failed and waits for its retry), and every proof of equivocation under
   * way has landed.
   */
  async flush(): Promise<void> {
    await this.#slots;
    await this.#batches.flush();
    await this.#committee.settled();
  }

  /** `xr_injectFault`: puts a fault in force and returns its id. */
  injectFault(input: unknown): string {
    const fault = this.#parseFault(input);
    const id = this.#faults.inject(fault);
    if (fault.kind !== "crash" || fault.node !== undefined) this.#produce();
    this.#tell((events) => events.onStatusChanged?.());
    return id;
  }

  /** A fault as the registry holds it: `"node": "leader"` names the member leading now. */
  #parseFault(input: unknown): Fault {
    const fault = parseFault(input, this.chainIds, this.#committee.addresses.length);
    return fault.kind === "crash" && fault.node === "leader" ? { ...fault, node: this.#committee.leader } : (fault as Fault);
  }

  /** `xr_clearFault`: clears a fault; `false` for an unknown id. */
  clearFault(id: unknown): boolean {
    const cleared = typeof id === "string" && this.#faults.clear(id);
    if (cleared) this.#produce();
    if (cleared) this.#tell((events) => events.onStatusChanged?.());
    return cleared;
  }

  /**
   * `xr_pause` (slot mode): the slot timer stops producing slots until
   * {@link resume}; transactions are still accepted, and {@link step}
   * produces one slot at a time. Pausing twice is pausing once.
   *
   * @throws {SlotModeRequiredError} outside slot mode.
   */
  pause(): void {
    this.#requireSlotMode("xr_pause");
    if (this.#timerPaused) return;
    this.#timerPaused = true;
    this.#tell((events) => events.onStatusChanged?.());
  }

  /**
   * `xr_resume` (slot mode): the slot timer produces slots again, from its
   * next tick on (it kept ticking while paused, skipping each slot).
   *
   * @throws {SlotModeRequiredError} outside slot mode.
   */
  resume(): void {
    this.#requireSlotMode("xr_resume");
    if (!this.#timerPaused) return;
    this.#timerPaused = false;
    this.#tell((events) => events.onStatusChanged?.());
  }

  /**
   * `xr_step` (slot or manual mode): produces exactly one slot now, with a
   * block on every rollup, paused or not. Resolves with it, or `undefined`
   * when the sequencer is down (the slot is missed) or holding still for a
   * snapshot.
   *
   * @throws {SlotModeRequiredError} in instant mode, where slots follow the transactions.
   */
  async step(): Promise<SlotResult | undefined> {
    if (this.#parameters.mode.kind === "instant") throw new SlotModeRequiredError({ method: "xr_step", mode: "instant" });
    await this.#pollForced();
    const result = await this.#produceSlot(true);
    if (result === undefined) this.#tell((events) => events.onStatusChanged?.());
    return result;
  }

  #requireSlotMode(method: string): void {
    if (this.#parameters.mode.kind !== "slots") throw new SlotModeRequiredError({ method, mode: this.#parameters.mode.kind });
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
      view: this.#committee.view,
      leader: this.#committee.key(this.#committee.leader).address,
      quorum: this.#committee.quorum,
      members: this.#committee.report((index) => this.#faults.censoring(index)),
      failovers: this.#committee.failovers,
      equivocationsProved: this.#committee.equivocationsProved,
      inboxConflict: conflict,
      brokenRollups: this.#broken === undefined ? null : this.#broken.shortMessage,
      healthy:
        this.#state === "running" &&
        !down &&
        conflict === null &&
        this.#broken === undefined &&
        this.#batches.failures === 0 &&
        this.#committee.active.filter((member) => this.#committee.isLive(member)).length >= this.#committee.quorum,
      paused: this.#timerPaused,
    };
  }

  /** Instant mode: produce slots while transactions are ready, one at a time. */
  #produce(): void {
    if (this.#parameters.mode.kind !== "instant" || this.#instantLoop !== undefined || this.#state !== "running" || this.#pauses > 0) return;
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

  /** A slot goes by while the sequencer is down: it counts down the `crash` fault. */
  #missSlot(): void {
    this.#faults.missSlot();
    this.#tell((events) => events.onStatusChanged?.());
  }

  get #hasWork(): boolean {
    return this.#mempool.hasReady || this.#encrypted.hasPending || this.#forced.length > 0;
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
        // A paused sequencer holds still: the tick is skipped, not a missed slot.
        if (this.#pauses > 0 || this.#timerPaused) return;
        // While a view waits for its leader, the slots that go by are missed, not made up for later.
        await this.#pollForced();
        if (mode.kind === "slots" && !this.#failingOver) await this.#produceSlot(true);
        // A leader that is down cannot post either: its view times out even when there is nothing to order.
        if (mode.kind === "instant" && this.#batches.unbatched.length > 0 && !this.#committee.isLive(this.#committee.leader)) {
          await this.#produceSlot(false);
        }
        else if (this.#faults.crashed) this.#missSlot();
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
  #produceSlot(emptyBlocks: boolean, mineOn?: number, endMs?: number): Promise<SlotResult | undefined> {
    const run = this.#slots.then(() => this.#runSlot(emptyBlocks, mineOn, endMs));
    this.#slots = run.catch(() => undefined);
    return run;
  }

  /**
   * `mineOn`: a rollup that gets a block in the slot even if nothing runs on
   * it (`evm_mine`); `endMs`: the slot window's end on the arrival clock.
   */
  async #runSlot(emptyBlocks: boolean, mineOn?: number, endMs?: number): Promise<SlotResult | undefined> {
    // Paused or abandoned: no slot starts (one asked for meanwhile is skipped, not missed).
    if (this.#broken !== undefined || this.#pauses > 0 || this.#abandoned !== undefined) return undefined;
    if (this.#faults.crashed) {
      this.#missSlot();
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
    if (this.#forced.length > 0) return this.#runForcedSlot(slot, timestamp, seed);
    const auctions = await this.#runAuction(slot, seed);
    const context: SlotContext = { slot, timestamp, seed, endMs: endMs ?? this.#clock.now(), auctions };
    const certified = await this.#certifiedOrder(context, emptyBlocks || encrypted !== undefined || mineOn !== undefined);
    if (certified === undefined) return undefined;
    // Each outcome is on the slot whose auction decided it (a Timeboost round's on its first slot only).
    const decided = this.#bids.decidedAt(slot);
    const decidedField = decided.length === 0 ? {} : { auctions: decided };
    if (certified === "nothing") {
      return { slot, timestamp, included: [], dropped: [], blocks: [], messageHashes: this.#messageHashes, randomness: { commitment: keccak256(seed), seed }, ...decidedField };
    }
    const { order, leader, certificate } = certified;
    let execution;
    try {
      execution = await executeSlot({ ...this.#execution, relayer: this.#relayers[leader]! }, { slot, timestamp, order, emptyBlocks });
    } catch (error) {
      this.#slotFailed(slot, order, error);
      this.#commitJournal();
      return undefined;
    }
    if (mineOn !== undefined && !execution.blocks.some((block) => block.chainId === mineOn)) {
      const block = await this.#mineEmpty(mineOn, timestamp);
      if (block !== undefined) execution.blocks.push(block);
    }
    const included = this.#numbered(execution.included, slot);
    const result: SlotResult = {
      slot,
      timestamp,
      included,
      dropped: execution.dropped.map(({ transaction, reason }) => ({ transaction, reason })),
      blocks: execution.blocks,
      messageHashes: execution.messageHashes ?? this.#messageHashes,
      randomness: { commitment: keccak256(seed), seed },
      certificate,
      ...(encrypted === undefined ? {} : { encrypted }),
      ...decidedField,
    };
    this.#commitSlot(result, () => {
      for (const { transaction, inclusion } of included) {
        this.#slotAttempts.delete(transaction.hash);
        this.#settle(transaction.hash, { kind: "included", inclusion });
      }
      for (const { transaction, reason, failedTransaction } of execution.dropped) {
        this.#drop(transaction, reason, failedTransaction);
      }
    });
    return result;
  }

  /** A slot's included transactions in execution order, given the next global sequence numbers. */
  #numbered(included: readonly { transaction: SequencedTransaction; block: { number: number; hash: Hex } }[], slot: number): SlotResult["included"] {
    return included.map(({ transaction, block }, index) => ({
      transaction,
      inclusion: { globalSeq: this.#nextGlobalSeq + index, blockNumber: block.number, blockHash: block.hash, slot },
    }));
  }

  /**
   * A produced slot takes effect: it is journaled together with every
   * outcome `settle` records, before any client hears of them, then queued
   * for the next batch.
   */
  #commitSlot(result: SlotResult, settle: () => void): void {
    // Each rollup's first block carries the state cheats applied since its last one.
    this.#cheats.claim(result);
    this.#faults.viewPassed();
    this.#journal({ kind: "slot", slot: result });
    this.#applySlot(result);
    settle();
    this.#commitJournal();
    this.#tell((events) => events.onSlot?.(result));
    this.#batches.add(result);
    if (this.#parameters.mode.kind === "slots") void this.#batches.flush();
  }

  /**
   * A slot of forced transactions alone (see `forced.ts`): what L1's queue
   * holds that no slot has processed, one block per rollup, in queue order.
   * The leader proposes it like any slot; censor faults do not apply (the
   * inbox refuses batches that leave an overdue forced transaction out).
   */
  async #runForcedSlot(slot: number, timestamp: number, seed: Hex): Promise<SlotResult | undefined> {
    const entries = this.#forced;
    const certified = await this.#leaderTurns(slot, async () => entries.map((entry) => ({ hash: entry.txHash, entry })), () => undefined);
    if (certified === undefined || certified === "nothing") return undefined;
    const taken = certified.order.map(({ entry }) => entry);
    let forced;
    try {
      forced = await runForcedSlot(this.#engines, taken, timestamp);
    } catch (error) {
      // Every rollup is back where the slot started; the forced transactions stay queued for the next slot.
      this.#parameters.onError?.(error);
      if (error instanceof RollupRevertError) this.#broken = error;
      return undefined;
    }
    const receivedAt = this.#clock.now();
    const asTransaction = (transaction: DecodedTransaction, chainId: number) => sequencedFrom(transaction, { chainId, arrival: -1, receivedAt });
    const included = this.#numbered(
      forced.included.map(({ entry, transaction, block }) => ({ transaction: asTransaction(transaction, entry.chainId), block })),
      slot,
    );
    const dropped = forced.dropped.flatMap(({ entry, transaction, reason }) =>
      transaction === undefined ? [] : [{ transaction: asTransaction(transaction, entry.chainId), reason }],
    );
    const result: SlotResult = {
      slot,
      timestamp,
      included,
      dropped,
      blocks: forced.blocks,
      messageHashes: this.#messageHashes,
      randomness: { commitment: keccak256(seed), seed },
      certificate: certified.certificate,
      forcedEnd: taken.at(-1)!.index + 1,
    };
    this.#forced = this.#forced.slice(taken.length);
    this.#commitSlot(result, () => {
      for (const { transaction, inclusion } of included) this.#settleForced(transaction, { kind: "included", inclusion });
      for (const { transaction, reason } of dropped) this.#settleForced(transaction, { kind: "dropped", reason });
    });
    return result;
  }

  /**
   * Records what became of a forced transaction. One the sequencer had
   * accepted through a rollup endpoint and still holds (a censored one, say)
   * is settled by the forced run when it was included; when dropped, the
   * pending copy keeps its own chance.
   */
  #settleForced(transaction: SequencedTransaction, outcome: Outcome): void {
    if (this.#records.has(transaction.hash)) {
      if (!this.#records.isPending(transaction.hash) || outcome.kind !== "included") return;
      this.#mempool.remove(transaction);
      this.#settle(transaction.hash, outcome);
      return;
    }
    this.#records.accept(transaction);
    this.#journal({ kind: "accepted", transaction });
    this.#settle(transaction.hash, outcome);
  }

  /** Reads L1's forced-inclusion queue past what the sequencer already holds; a failed read is tried again at the next tick. */
  async #pollForced(): Promise<void> {
    try {
      const fresh = await this.#parameters.l1.forcedQueue(this.#forcedEnd + this.#forced.length);
      // Two reads may overlap (a tick and a manual slot): keep each entry once, in queue order.
      const next = this.#forcedEnd + this.#forced.length;
      this.#forced = [...this.#forced, ...fresh.filter((entry) => entry.index >= next)];
    } catch (error) {
      this.#parameters.onError?.(error);
    }
  }

  /**
   * The slot's order, as a quorum of the committee voted for it: the
   * current leader takes its order from what reached it (less what it
   * censors) and proposes it. When the leader is down, or no proposal
   * reaches a quorum, or (instant mode) it leaves out ready transactions an
   * honest member would take, the members wait `viewTimeoutMs` and the next
   * member leads. `"nothing"` when there is nothing to produce; `undefined`
   * when every member had its turn and none produced (a missed slot).
   */
  #certifiedOrder(context: SlotContext, mustProduce: boolean): Promise<CertifiedTurn<SequencedTransaction> | "nothing" | undefined> {
    const { policy, blockGasLimit } = this.#parameters;
    return this.#leaderTurns(
      context.slot,
      async (leader) => {
        const order = this.#mempool.take(policy, context, blockGasLimit, (transaction) => this.#heldBackBy(transaction, leader));
        if (order.length > 0 || mustProduce) return order;
        return this.#censoredWork(leader) ? "time out" : "nothing";
      },
      (left) => this.#mempool.restore(left),
    );
  }

  /**
   * Leaders take turns until a quorum certifies one's proposal: the current
   * leader `propose`s (or says there is `"nothing"` to do, or that the
   * members should `"time out"` its view); when it is down or its proposal
   * gets no quorum, the view times out and the next member leads, each at
   * most once. What a proposal took but the certified order left out goes
   * back (`giveBack`).
   */
  async #leaderTurns<T extends Orderable>(
    slot: number,
    propose: (leader: number) => Promise<readonly T[] | "nothing" | "time out">,
    giveBack: (left: readonly T[]) => void,
  ): Promise<CertifiedTurn<T> | "nothing" | undefined> {
    for (let turn = 0; turn <= this.#committee.active.length; turn++) {
      const leader = this.#committee.leader;
      const order = this.#committee.isLive(leader) ? await propose(leader) : "time out";
      if (order === "nothing") return "nothing";
      if (order !== "time out") {
        const certified = await this.#committee.certifyOrder(slot, order);
        // An equivocating leader's shorter order may be the one certified: what it left out waits.
        giveBack(order.slice(certified?.order.length ?? 0));
        if (certified !== undefined) {
          const certificate = { view: Number(certified.proposal.viewNumber), leader: certified.leader, signers: certified.signers };
          return { order: certified.order, leader, certificate };
        }
      }
      if (!(await this.#viewTimeout())) return undefined;
    }
    return undefined;
  }

  /** Whether member `member`, leading, leaves a transaction out: it censors it, or it has not reached it yet. */
  #heldBackBy(transaction: SequencedTransaction, member: number): boolean {
    return this.#faults.censors(transaction, member) || !this.#reached(transaction, member);
  }

  /**
   * Whether the leader left out a ready transaction that reached it and that
   * another live member would take: the members then time the leader out.
   * A lone sequencer is never timed out (no one else could lead).
   */
  #censoredWork(leader: number): boolean {
    const others = this.#committee.active.filter((member) => member !== leader && this.#committee.isLive(member));
    if (others.length === 0) return false;
    return this.#mempool.someReady(
      (transaction) =>
        this.#faults.censors(transaction, leader) &&
        this.#reached(transaction, leader) &&
        others.some((member) => !this.#heldBackBy(transaction, member)),
    );
  }

  /**
   * The view times out: members wait `viewTimeoutMs` (manual mode: no wait,
   * the caller drives time) and the next member leads. `false` once the
   * sequencer is no longer running.
   */
  async #viewTimeout(): Promise<boolean> {
    if (this.#parameters.mode.kind !== "manual") {
      this.#failingOver = true;
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, this.#parameters.sequencers.viewTimeoutMs));
      this.#failingOver = false;
    }
    this.#committee.advanceView();
    this.#faults.viewPassed();
    return this.#state === "running" || this.#state === "stopping";
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
    if (slot.certificate !== undefined) this.#committee.restoreView(slot.certificate.view + 1);
    if (slot.forcedEnd !== undefined) this.#forcedEnd = slot.forcedEnd;
    for (const { transaction } of slot.included) {
      if (!this.#records.has(transaction.hash)) this.#records.accept(transaction);
    }
  }

  #settle(hash: Hex, outcome: Outcome): void {
    this.#entryMember.delete(hash);
    this.#records.settle(hash, outcome);
    this.#journal({ kind: "settled", hash, outcome });
  }

  #journal(entry: JournalEntry): void {
    // An abandoned sequencer is no longer the devnet's: its journal is another's now.
    if (this.#parameters.journal !== undefined && this.#abandoned === undefined) this.#journalEntries.push(entry);
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
          if (entry.slot.addsRollup !== undefined) this.#attach(this.#restoredEngine(entry.slot.addsRollup));
          if (entry.slot.auctions !== undefined) this.#bids.decide(entry.slot.slot, entry.slot.auctions);
          this.#applySlot(entry.slot);
          this.#cheats.pass(entry.slot);
          this.#batches.add(entry.slot);
          break;
        case "batch":
          this.#batches.restorePosted(entry.posted, entry.inbox);
          break;
        case "encrypted":
        case "decrypted":
          this.#encrypted.restore(entry);
          break;
        case "cheat":
          this.#cheats.record(entry.chainId, entry.cheat);
          break;
      }
    }
    // Rebuilt rollups are at their last block: the cheats applied since are applied again (setting twice is setting once).
    for (const [chainId, operations] of this.#cheats.pendingOperations()) await this.#applyOperations(chainId, operations);
    this.#committee.restoreMembers(await this.#parameters.l1.committeeMembers());
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

/** A leader's turn that a quorum certified: the order, the leader's index and the slot's certificate. */
interface CertifiedTurn<T> {
  order: readonly T[];
  leader: number;
  certificate: SlotCertificate;
}

/** A bundle that passed intake's checks, ready to admit. */
interface CheckedBundle {
  checked: CheckedTransaction[];
  bundleId: Hex;
  hashes: Hex[];
}

/** A decoded transaction as the sequencer holds it: for rollup `chainId`, with its place in arrival order. */
function sequencedFrom(decoded: DecodedTransaction, fields: Pick<SequencedTransaction, "chainId" | "arrival" | "receivedAt" | "bundleId">): SequencedTransaction {
  const { value: _value, chainId: _signedFor, selector: _selector, ...rest } = decoded;
  return { ...rest, ...fields };
}

/** The seed of one slot: derived from the sequencer's seed, revealed with the slot (its hash is the commitment). */
export function slotSeed(seed: Hex, slot: number): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [keccak256(seed), BigInt(slot)]));
}

/** Thrown by `xr_pause`, `xr_resume` and `xr_step` in a mode without a slot timer to hold or a slot to step. */
export class SlotModeRequiredError extends XrollupError {
  override name = "SlotModeRequiredError";
  constructor({ method, mode }: { method: string; mode: SequencerMode["kind"] }) {
    const now = mode === "instant" ? "makes a slot as soon as transactions arrive (instant mode)" : "has no slot timer (manual mode)";
    super(`${method} needs slot mode: this devnet's sequencer ${now}.`, {
      details: [
        method === "xr_step"
          ? "Start the devnet with --slot-ms (or in manual mode) to step one slot at a time."
          : "Start the devnet with --slot-ms to pause its slot timer and step one slot at a time.",
      ],
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { method, mode },
    });
  }
}
