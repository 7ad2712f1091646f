import type { Address, Hex, RpcLog } from "viem";
import type { InboxState } from "./batch/builder.ts";
import type { Cheat, StateOperation } from "./cheats.ts";
import type { CertifiedBatch } from "./committee/committee.ts";
import type { ForcedEntry } from "./forced.ts";
import type { PostedBatch } from "./batch/queue.ts";
import type { DropReason } from "./reasons.ts";
import type { Outcome } from "./records.ts";
import type { UnsignedTransaction } from "./simulation.ts";
import type { CallFrame } from "./trace.ts";
import type { SequencedTransaction, SlotResult } from "./types.ts";

/**
 * The seams of the sequencer: what it needs from a rollup's execution
 * engine, from L1 and from time, stated as small interfaces it owns.
 * `rollups/` implements them over EDR; tests and the fault injector stand in
 * for them. Nothing under `sequencer/` names the engine behind them.
 */

/** A block the engine mined, as the batch and derivation need it. */
export interface EngineBlock {
  chainId: number;
  number: number;
  hash: Hex;
  stateRoot: Hex;
  /** Unix timestamp (seconds). */
  timestamp: number;
  /** Base fee of the block, in wei. */
  baseFeePerGas: bigint;
  /** Hashes of the block's transactions, in block order. */
  transactionHashes: Hex[];
}

/** What happened to one transaction handed to {@link RollupEngine.mineBlock}. */
export type EngineOutcome =
  | { kind: "included"; hash: Hex; success: boolean; gasUsed: bigint; logs: RpcLog[] }
  | { kind: "refused"; hash: Hex; reason: string };

/** The result of {@link RollupEngine.mineBlock}. */
export interface MinedBlock {
  block: EngineBlock;
  /** One outcome per transaction handed in, in the same order. */
  outcomes: EngineOutcome[];
}

/** A call on a past state: what it returned, or the revert data it reverted with. */
export type CallResult = { kind: "returned"; data: Hex } | { kind: "reverted"; data: Hex | undefined; message: string };

/** A call's fields, as `eth_call` takes them. */
export interface CallRequest {
  from?: Address;
  to?: Address;
  data?: Hex;
  value?: bigint;
  gas?: bigint;
}

/** An opaque handle of a state an engine can go back to. */
export type EngineSnapshot = { readonly id: unknown };

/**
 * One rollup's execution engine, as the sequencer drives it: blocks are
 * produced only through {@link mineBlock}, with the transactions and the
 * timestamp the sequencer chose.
 */
export interface RollupEngine {
  readonly chainId: number;
  /**
   * Hands the signed transactions to the chain in this order and mines one
   * block at `timestamp` (Unix seconds). A transaction the chain refuses, or
   * leaves out of the block, is reported `refused` with the chain's reason
   * and leaves nothing behind.
   */
  mineBlock(raws: readonly Hex[], timestamp: number): Promise<MinedBlock>;
  /**
   * Remembers the current state, to {@link revert} to it. `held`: the caller
   * may keep it for long (a devnet snapshot a test reverts to), so the
   * engine must still be able to free the snapshots taken after it.
   */
  snapshot(options?: { held?: boolean }): Promise<EngineSnapshot>;
  /** Goes back to a state taken with {@link snapshot}; the snapshot and every later one are used up. */
  revert(snapshot: EngineSnapshot): Promise<void>;
  /**
   * Says the sequencer will not go back to `snapshot`, so the engine may
   * free it: every snapshot is either reverted to (or used up by an earlier
   * one) or released. Never rejects: a snapshot kept costs memory only.
   */
  release(snapshot: EngineSnapshot): Promise<void>;
  /** The latest block. */
  latestBlock(): Promise<EngineBlock>;
  /** A block by number, or `undefined` past the head. */
  block(number: number): Promise<EngineBlock | undefined>;
  /** The account's nonce at the latest block. */
  nonceOf(address: Address): Promise<number>;
  /** The account's balance at the latest block, in wei. */
  balanceOf(address: Address): Promise<bigint>;
  /** Runs a call on the state after block `blockNumber` (default: the latest). */
  call(request: CallRequest, blockNumber?: number): Promise<CallResult>;
  /**
   * Applies state operations (cheats) to the current state, in order,
   * without mining: they become part of the next block's state. Engines
   * that cannot (a test's stand-in) leave it out, and cheats answer an error.
   */
  applyOperations?(operations: readonly StateOperation[]): Promise<void>;
  /**
   * Traces, debugging: the call tree of a mined transaction (geth's
   * callTracer shape, with logs). Engines without it (a test's stand-in)
   * cannot be traced or simulated.
   */
  trace?(hash: Hex): Promise<CallFrame>;
  /**
   * Simulations, on a state the caller goes back from: mines one block at
   * `timestamp` with `transaction` sent as its `from` without a signature
   * (impersonated, paying no fee, as `eth_call` does), and reports it as
   * {@link mineBlock} does. Engines without it cannot simulate.
   */
  mineUnsigned?(transaction: UnsignedTransaction, timestamp: number): Promise<MinedBlock>;
}

/** The L1 inbox as the sequencer sees it. */
export interface InboxHead {
  /** Number of the last batch the inbox accepted. */
  batchCount: number;
  /** Hash of that batch (zero before the first). */
  lastBatchHash: Hex;
  nextGlobalSeq: number;
}

/** A batch the inbox accepted, as L1 tells of it. */
export interface PostedOnL1 {
  /** The L1 transaction that posted it. */
  l1TxHash: Hex;
  /** The view it was certified in (its header's `viewNumber`). */
  viewNumber: number;
}

/** What the sequencer needs from L1: posting batches, and reading where the inbox stands. */
export interface L1Port {
  /**
   * Submits a certified batch to the inbox from its poster's account and
   * resolves with the L1 transaction hash once it is mined and accepted;
   * rejects when the inbox refuses it.
   */
  postBatch(batch: CertifiedBatch): Promise<Hex>;
  /** Where the inbox stands now: whoever posted last. */
  inboxHead(): Promise<InboxHead>;
  /** How batch `number` reached the inbox, if it has it. */
  batchTransaction(number: number): Promise<PostedOnL1 | undefined>;
  /** The committee members the inbox still has, in rotation order. */
  committeeMembers(): Promise<Address[]>;
  /** L1's forced-inclusion queue from index `from` on (`SharedInbox.forceInclude`), in queue order. */
  forcedQueue(from: number): Promise<ForcedEntry[]>;
}

/** A timer handle of a {@link Clock}. */
export type TimerHandle = { readonly id: unknown };

/**
 * Time, injected: the sequencer never reads the wall clock itself, so tests
 * and scenarios can drive it.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once, `ms` milliseconds from now. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** What a rollup's genesis follows from; derivation reads all of it from the L1 inbox. */
export interface RollupGenesisSpec {
  chainId: number;
  /** Unix timestamp (seconds) of block 0. */
  genesisTimestamp: number;
  /** The sequencer committee as deployed, whose members' relays the rollup's messenger accepts. */
  committee: readonly Address[];
  /** The chain ids of the rollups the devnet started with (registered at the inbox's deployment), consecutive. */
  chainIds: readonly number[];
  /**
   * For a rollup a batch registered (added at runtime): the rollups batches
   * registered up to it, itself included, which its messenger knows from
   * its genesis on.
   */
  addedChainIds?: readonly number[];
}

/** A rollup engine the caller owns and closes. */
export interface OwnedRollupEngine extends RollupEngine {
  close(): Promise<void>;
}

/** Starts a fresh engine at a rollup's genesis, predeploys installed (derivation replays batches on it). */
export type GenesisEngineFactory = (genesis: RollupGenesisSpec) => Promise<OwnedRollupEngine>;

/**
 * One entry of the sequencer's journal: what must survive a crash for a
 * restart to lose nothing that was acknowledged.
 */
export type JournalEntry =
  /** A transaction was accepted (before the client is answered). */
  | { kind: "accepted"; transaction: SequencedTransaction }
  /** A transaction ended (included or dropped). */
  | { kind: "settled"; hash: Hex; outcome: Outcome }
  /** A bundle was accepted: which transactions it holds. */
  | { kind: "bundle"; bundleId: Hex; hashes: Hex[] }
  /** A slot was produced: its blocks, so the rollups can be rebuilt by replaying them. */
  | { kind: "slot"; slot: SlotResult }
  /** L1 accepted a batch; `inbox` is the inbox state after it. */
  | { kind: "batch"; posted: PostedBatch; inbox: InboxState }
  /** A ciphertext was accepted into the encrypted mempool. */
  | { kind: "encrypted"; id: Hex; ciphertext: Hex; receivedAt: number }
  /** A ciphertext's slot decrypted it: to an accepted transaction, or it was dropped. */
  | { kind: "decrypted"; id: Hex; transactionHash?: Hex; dropReason?: DropReason }
  /** A cheat was applied to a rollup (its state operations ride in the rollup's next block). */
  | { kind: "cheat"; chainId: number; cheat: Cheat };

/**
 * Where the sequencer writes its journal: what a restart, a revert to a
 * snapshot or a loaded state rebuilds it from. Each call to {@link append}
 * is atomic: a rebuild sees all of its entries or none.
 */
export interface SequencerJournal {
  /**
   * Whether the entries survive the process (a data directory): then a
   * stopping sequencer leaves its pending transactions pending, for the
   * restart, instead of dropping them.
   */
  readonly durable: boolean;
  append(entries: readonly JournalEntry[]): void;
}
