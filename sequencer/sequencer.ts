import {
  type Address,
  concat,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  keccak256,
} from "viem";
import { artifact } from "../contracts/artifacts.ts";
import { ROLLUP_BLOCK_GAS_LIMIT, type Chain } from "../rollups/chain.ts";
import { MESSENGER_ADDRESS } from "../rollups/predeploys.ts";
import { applyBatch, type Batch, buildBatch, type InboxState } from "./batch/builder.ts";
import {
  AlreadyKnownError,
  BundleFailedError,
  GasLimitTooHighError,
  InvalidBundleError,
  InvalidEncryptedTransactionError,
  InsufficientFundsError,
  NonceTooHighError,
  NonceTooLowError,
  RollupNotFoundError,
  SequencerStoppedError,
  TransactionDroppedError,
  WrongChainIdError,
} from "./errors.ts";
import { droppedPredecessorReason, type ExecutionContext, executeSlot } from "./executor.ts";
import type { BatchPoster } from "./inbox.ts";
import {
  type Committee,
  ciphertextId,
  committeeSecret,
  decryptWithSecret,
  MalformedCiphertextError,
  orderCommitment,
} from "./encryption/threshold.ts";
import { type DecodedTransaction, decodeRawTransaction } from "./intake.ts";
import { Mempool } from "./mempool.ts";
import type { OrderingPolicy } from "./policies/index.ts";
import { type BatchRef, type BundleStatus, type Outcome, TransactionRecords, type TransactionStatus } from "./records.ts";
import type { Relayer } from "./relayer.ts";
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
  /** The rollup chains, in the inbox's registration order. */
  rollups: readonly Chain[];
  poster: BatchPoster;
  /** The inbox state the first batch builds on (the rollups' genesis heads). */
  inbox: InboxState;
  policy: OrderingPolicy;
  mode: SequencerMode;
  /** Signs the relays (actions) of cross-rollup messages with the sequencer's key. */
  relayer: Relayer;
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
  /** Called with errors of background work (slot production, batch posting). */
  onError?: (error: unknown) => void;
  /** Called after each batch is posted. */
  onBatch?: (batch: Batch, l1TxHash: Hex) => void;
}

/** Most transactions a sender may queue ahead of its next nonce. */
export const MAX_NONCE_GAP = 1024;

/** Most transactions in one bundle. */
export const MAX_BUNDLE_SIZE = 16;

/** Options of an accepted transaction. */
export interface AcceptOptions {
  /** When it was received, in ms; defaults to now (scenarios pass simulated time). */
  receivedAt?: number;
}

/** The answer of `xr_getEncryptedTransactionStatus`. */
export interface EncryptedTransactionStatus {
  ciphertextId: Hex;
  status: "pending" | "included" | "dropped";
  /** The decrypted transaction's hash, once decrypted and accepted. */
  transactionHash: Hex | null;
  reason?: string;
  transaction: TransactionStatus | null;
}

interface EncryptedSubmission {
  ciphertext: Hex;
  id: Hex;
  receivedAt: number;
  transactionHash?: Hex;
  dropReason?: string;
  waiters: (() => void)[];
}

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
  readonly #bundles = new Map<Hex, Hex[]>();
  readonly #encrypted = new Map<Hex, EncryptedSubmission>();
  #encryptedPending: EncryptedSubmission[] = [];
  readonly #execution: ExecutionContext;
  #messageHashes: MessageHashes[];
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
    this.#execution = {
      rollups: parameters.rollups,
      relayer: parameters.relayer,
      maxMessageDepth: parameters.maxMessageDepth,
      revertProtection: parameters.revertProtection,
    };
    const zeros = parameters.rollups.map((): Hex => `0x${"00".repeat(32)}`);
    this.#messageHashes = parameters.rollups.map(() => ({ sent: [...zeros], relayed: [...zeros] }));
  }

  /** The ordering policy in use. */
  get policy(): OrderingPolicy {
    return this.#parameters.policy;
  }

  /** The batches posted so far, oldest first. */
  get batches(): readonly PostedBatch[] {
    return this.#posted;
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
    const { mode } = this.#parameters;
    if (mode.kind === "slots") this.#scheduleSlot(mode.slotMs);
    if (mode.kind === "instant") this.#timer = setInterval(() => this.#flushBatch(), mode.batchMs);
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
    if (this.#hasWork) await this.#produceSlot(false);
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
  async submitRawTransaction(chainId: number, raw: unknown, options: AcceptOptions = {}): Promise<Hex> {
    const transaction = await this.accept(chainId, raw, options);
    if (this.#parameters.mode.kind !== "instant") return transaction.hash;
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
  async accept(chainId: number, raw: unknown, options: AcceptOptions = {}): Promise<SequencedTransaction> {
    const { decoded, chainNonce } = await this.#validate(chainId, raw);
    const expected = this.#mempool.nextNonce(chainId, decoded.from) ?? chainNonce;
    if (decoded.nonce > expected + MAX_NONCE_GAP) {
      throw new NonceTooHighError({ from: decoded.from, expected, got: decoded.nonce, maxGap: MAX_NONCE_GAP });
    }
    return this.#admit(decoded, chainId, chainNonce, { receivedAt: options.receivedAt ?? Date.now() });
  }

  /**
   * `xr_sendEncryptedTransaction`: accepts a transaction encrypted to the
   * committee's key (see `encryption/threshold.ts`). Nobody, the sequencer
   * included, sees its content before the slot's order is fixed. Resolves
   * with the ciphertext id; in instant mode once it is included (rejecting
   * with {@link TransactionDroppedError} if it does not decrypt or run).
   */
  async submitEncrypted(ciphertext: unknown, options: AcceptOptions = {}): Promise<Hex> {
    if (this.#state !== "running") throw new SequencerStoppedError();
    if (typeof ciphertext !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(ciphertext)) {
      throw new InvalidEncryptedTransactionError({ reason: "expected the ciphertext as 0x-prefixed hex bytes" });
    }
    const id = ciphertextId(ciphertext as Hex);
    if (this.#encrypted.has(id)) throw new AlreadyKnownError({ hash: id });
    const submission: EncryptedSubmission = {
      ciphertext: ciphertext.toLowerCase() as Hex,
      id,
      receivedAt: options.receivedAt ?? Date.now(),
      waiters: [],
    };
    this.#encrypted.set(id, submission);
    this.#encryptedPending.push(submission);
    if (this.#parameters.mode.kind !== "instant") return id;
    this.#produce();
    await new Promise<void>((resolve) => submission.waiters.push(resolve));
    const status = this.encryptedStatus(id)!;
    if (status.status === "dropped") {
      throw new TransactionDroppedError({ hash: id, chainId: status.transaction?.chainId ?? 0, reason: status.reason ?? "" });
    }
    return id;
  }

  /** The committee's public key and threshold, for clients that encrypt (`xr_getCommitteeKey`). */
  get committeeKey(): { publicKey: Hex; threshold: number; size: number } {
    const { publicKey, threshold, size } = this.#parameters.committee;
    return { publicKey, threshold, size };
  }

  /** `xr_getEncryptedTransactionStatus`: `null` for an unknown ciphertext id. */
  encryptedStatus(id: Hex): EncryptedTransactionStatus | null {
    const submission = this.#encrypted.get(id.toLowerCase() as Hex);
    if (submission === undefined) return null;
    const transaction = submission.transactionHash === undefined ? null : this.transactionStatus(submission.transactionHash);
    const status = submission.dropReason !== undefined ? "dropped" : (transaction?.status ?? "pending");
    const reason = submission.dropReason ?? transaction?.reason;
    return {
      ciphertextId: submission.id,
      status,
      transactionHash: submission.transactionHash ?? null,
      ...(reason === undefined ? {} : { reason }),
      transaction,
    };
  }

  /**
   * Manual mode: produces one slot now with what is pending, and resolves
   * with what it did.
   */
  async produceSlot(): Promise<SlotResult> {
    await this.#producing;
    const run = this.#produceSlot(false);
    this.#producing = run.then(() => undefined);
    await run;
    return this.#unbatched.at(-1)!;
  }

  /**
   * `xr_sendBundle`: accepts signed transactions for any rollups that are
   * included together, with consecutive global sequence numbers, or not at
   * all. Each must carry its sender's next nonce (counting earlier ones of
   * the bundle). Resolves with the bundle id; in instant mode once the bundle
   * is included (rejecting with {@link BundleFailedError} if it is not).
   */
  async submitBundle(raws: unknown): Promise<Hex> {
    if (!Array.isArray(raws) || raws.length === 0 || raws.length > MAX_BUNDLE_SIZE) {
      throw new InvalidBundleError({ reason: `expected an array of 1 to ${MAX_BUNDLE_SIZE} signed transactions` });
    }
    const checked: { decoded: DecodedTransaction; chainId: number; chainNonce: number }[] = [];
    const nextNonces = new Map<string, number>();
    for (const [index, raw] of raws.entries()) {
      const decoded = decodeRawTransaction(raw);
      if (decoded.chainId === undefined) {
        throw new InvalidBundleError({ reason: `transaction ${index} has no chain id, so its rollup is unknown` });
      }
      try {
        const { chainNonce } = await this.#validate(decoded.chainId, raw);
        const key = senderKey({ chainId: decoded.chainId, from: decoded.from });
        const expected = nextNonces.get(key) ?? this.#mempool.nextNonce(decoded.chainId, decoded.from) ?? chainNonce;
        if (decoded.nonce !== expected) {
          throw new InvalidBundleError({ reason: `transaction ${index} has nonce ${decoded.nonce}, its sender's next nonce is ${expected}` });
        }
        nextNonces.set(key, expected + 1);
        checked.push({ decoded, chainId: decoded.chainId, chainNonce });
      } catch (error) {
        if (error instanceof InvalidBundleError) throw error;
        throw new InvalidBundleError({ reason: `transaction ${index} was refused`, cause: error });
      }
    }
    const hashes = checked.map(({ decoded }) => decoded.hash);
    if (new Set(hashes).size !== hashes.length) throw new InvalidBundleError({ reason: "it holds the same transaction twice" });
    const bundleId = keccak256(concat(hashes));
    if (this.#bundles.has(bundleId)) throw new AlreadyKnownError({ hash: bundleId });
    // All checks passed: admit every transaction at once, so a bundle is accepted whole or not at all.
    const receivedAt = Date.now();
    for (const { decoded, chainId, chainNonce } of checked) this.#admit(decoded, chainId, chainNonce, { receivedAt, bundleId });
    this.#bundles.set(bundleId, hashes);
    if (this.#parameters.mode.kind !== "instant") return bundleId;
    this.#produce();
    await Promise.all(hashes.map((hash) => this.#records.outcome(hash)));
    const status = this.bundleStatus(bundleId)!;
    if (status.failed !== null) throw new BundleFailedError({ bundleId, ...status.failed });
    return bundleId;
  }

  /** `xr_getBundle`: `null` for an unknown bundle id. */
  bundleStatus(bundleId: Hex): BundleStatus | null {
    const hashes = this.#bundles.get(bundleId.toLowerCase() as Hex);
    return hashes === undefined ? null : this.#records.bundleStatus(bundleId, hashes, (slot) => this.#batchRef(slot));
  }

  async #validate(chainId: number, raw: unknown): Promise<{ decoded: DecodedTransaction; chainNonce: number }> {
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
    // Re-checked after the awaits: other submissions may have been accepted meanwhile.
    if (this.#state !== "running") throw new SequencerStoppedError();
    if (this.#records.has(decoded.hash)) throw new AlreadyKnownError({ hash: decoded.hash });
    const expected = this.#mempool.nextNonce(chainId, decoded.from) ?? chainNonce;
    if (decoded.nonce < expected) throw new NonceTooLowError({ from: decoded.from, expected, got: decoded.nonce });
    return { decoded, chainNonce };
  }

  #admit(
    decoded: DecodedTransaction,
    chainId: number,
    chainNonce: number,
    { receivedAt, bundleId }: { receivedAt: number; bundleId?: Hex },
  ): SequencedTransaction {
    const { value: _value, ...fields } = decoded;
    const transaction: SequencedTransaction = {
      ...fields,
      chainId,
      arrival: this.#arrivals++,
      receivedAt,
      ...(bundleId === undefined ? {} : { bundleId }),
    };
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
    return this.#records.status(hash, (slot) => this.#batchRef(slot));
  }

  #batchRef(slot: number): BatchRef | null {
    const batch = this.#batchOfSlot.get(slot);
    return batch === undefined ? null : { number: batch.number, l1TxHash: batch.l1TxHash };
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
      while (this.#hasWork) await this.#produceSlot(false);
    })().finally(() => {
      this.#producing = undefined;
      if (this.#hasWork && this.#state === "running") this.#produce();
    });
  }

  get #hasWork(): boolean {
    return this.#mempool.hasReady || this.#encryptedPending.length > 0;
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
    const seed = slotSeed(this.#parameters.seed, slot);
    const encrypted = await this.#decryptPending();
    const order = this.#mempool.take(this.#parameters.policy, { slot, timestamp, seed }, ROLLUP_BLOCK_GAS_LIMIT);
    let execution;
    try {
      execution = await executeSlot(this.#execution, { slot, timestamp, order, emptyBlocks });
      if (execution.relayedMessages) this.#messageHashes = await this.#readMessageHashes();
    } catch (error) {
      this.#parameters.onError?.(error);
      const reason = `slot ${slot} failed: ${error instanceof Error ? error.message : String(error)}`;
      for (const transaction of order) this.#drop(transaction, { kind: "dropped", reason });
      return;
    }
    const included = execution.included.map(({ transaction, block }) => ({
      transaction,
      inclusion: { globalSeq: this.#nextGlobalSeq++, blockNumber: block.number, blockHash: block.hash, slot },
    }));
    for (const { transaction, inclusion } of included) {
      // Relays are the sequencer's own transactions: recorded so that their status can be asked too.
      if (!this.#records.has(transaction.hash)) this.#records.accept(transaction);
      this.#records.settle(transaction.hash, { kind: "included", inclusion });
    }
    for (const { transaction, reason, failedTransaction } of execution.dropped) {
      this.#drop(transaction, { kind: "dropped", reason, ...(failedTransaction === undefined ? {} : { failedTransaction }) });
    }
    this.#unbatched.push({
      slot,
      timestamp,
      included,
      dropped: execution.dropped,
      blocks: execution.blocks,
      messageHashes: this.#messageHashes,
      randomness: { commitment: keccak256(seed), seed },
      ...(encrypted === undefined ? {} : { encrypted }),
    });
  }

  /**
   * The encrypted mempool's turn, before the slot is ordered: fixes the
   * order of the pending ciphertexts and commits to it, then has the
   * committee decrypt them and accepts the plaintexts with the ciphertexts'
   * arrival times, so that they run in committed order. A ciphertext that
   * does not decrypt, or decrypts to a transaction that is refused, is
   * dropped with the reason.
   */
  async #decryptPending(): Promise<SlotResult["encrypted"]> {
    if (this.#encryptedPending.length === 0) return undefined;
    const submissions = this.#encryptedPending.sort((a, b) => a.receivedAt - b.receivedAt);
    this.#encryptedPending = [];
    const commitment = orderCommitment(submissions.map((submission) => submission.ciphertext));
    const entries: NonNullable<SlotResult["encrypted"]>["entries"] = [];
    for (const submission of submissions) {
      // Every committed ciphertext is published with its secret, so that anyone can check the commitment
      // and see for themselves which ones did not decrypt.
      const sharedSecret = this.#combinedSecret(submission.ciphertext);
      entries.push({ ciphertext: submission.ciphertext, sharedSecret: sharedSecret ?? NO_SECRET });
      try {
        if (sharedSecret === undefined) throw new MalformedCiphertextError({ reason: "the committee cannot decrypt it" });
        const plaintext = decryptWithSecret(submission.ciphertext, sharedSecret);
        const decoded = decodeRawTransaction(plaintext);
        if (decoded.chainId === undefined) throw new Error("the decrypted transaction has no chain id, so its rollup is unknown");
        const transaction = await this.accept(decoded.chainId, plaintext, { receivedAt: submission.receivedAt });
        submission.transactionHash = transaction.hash;
        void this.#records.outcome(transaction.hash).then(() => wake(submission));
      } catch (error) {
        submission.dropReason = error instanceof Error ? (error as Error & { shortMessage?: string }).shortMessage ?? error.message : String(error);
        wake(submission);
      }
    }
    return { commitment, entries };
  }

  /** The committee's secret for a ciphertext, or `undefined` for one too malformed to have any. */
  #combinedSecret(ciphertext: Hex): Hex | undefined {
    try {
      return committeeSecret(this.#parameters.committee, ciphertext);
    } catch {
      return undefined;
    }
  }

  /** Every messenger's rolling message hashes, read from the chains after a slot that relayed messages. */
  async #readMessageHashes(): Promise<MessageHashes[]> {
    const { abi } = artifact("L2ToL2CrossDomainMessenger");
    const chainIds = this.#parameters.rollups.map((rollup) => BigInt(rollup.spec.chainId));
    const data = encodeFunctionData({ abi, functionName: "messageHashes", args: [chainIds] });
    return Promise.all(
      this.#parameters.rollups.map(async (rollup) => {
        const result = (await rollup.provider.request({ method: "eth_call", params: [{ to: MESSENGER_ADDRESS, data }, "latest"] })) as Hex;
        const [sent, relayed] = decodeFunctionResult({ abi, functionName: "messageHashes", data: result });
        return { sent: [...sent], relayed: [...relayed] };
      }),
    );
  }

  /** Drops a transaction and, as they can no longer run, its sender's later ones. */
  #drop(transaction: SequencedTransaction, outcome: Outcome & { kind: "dropped" }): void {
    this.#records.settle(transaction.hash, outcome);
    const successors = this.#mempool.removeFrom(transaction.chainId, transaction.from, transaction.nonce);
    for (const successor of successors) {
      this.#records.settle(successor.hash, { kind: "dropped", reason: droppedPredecessorReason(transaction.nonce) });
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

/** The seed of one slot: derived from the sequencer's seed, revealed with the slot (its hash is the commitment). */
export function slotSeed(seed: Hex, slot: number): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [keccak256(seed), BigInt(slot)]));
}

/** Published in place of the secret of a ciphertext the committee cannot decrypt at all (malformed). */
const NO_SECRET: Hex = `0x${"00".repeat(33)}`;

function wake(submission: EncryptedSubmission): void {
  for (const resolve of submission.waiters.splice(0)) resolve();
}

async function readNonce(rollup: Chain, address: Address): Promise<number> {
  const nonce = await rollup.provider.request({ method: "eth_getTransactionCount", params: [address, "latest"] });
  return Number(nonce);
}

async function readBalance(rollup: Chain, address: Address): Promise<bigint> {
  return BigInt((await rollup.provider.request({ method: "eth_getBalance", params: [address, "latest"] })) as string);
}
