import type { Address, Hex } from "viem";
import type { StateOperation } from "./cheats.ts";
import type { AuctionOutcome } from "./policies/types.ts";
import type { DropReason } from "./reasons.ts";

/** A signed transaction the sequencer has accepted for one rollup. Immutable. */
export interface SequencedTransaction {
  hash: Hex;
  /** The rollup it is for. */
  chainId: number;
  from: Address;
  /** The recipient; `undefined` for a contract creation. */
  to: Address | undefined;
  nonce: number;
  /** The signed transaction, exactly as it goes into the block and into the batch. */
  raw: Hex;
  gas: bigint;
  /** `maxFeePerGas` (or `gasPrice` for legacy transactions). */
  maxFeePerGas: bigint;
  /** `maxPriorityFeePerGas` (or `gasPrice` for legacy transactions). */
  maxPriorityFeePerGas: bigint;
  /** Acceptance order across all rollups: 0, 1, 2, … (-1 for the sequencer's relays). */
  arrival: number;
  /**
   * When the sequencer received it, in ms (wall clock, or simulated time in
   * scenarios): what first-come-first-served orders by.
   */
  receivedAt: number;
  /** The bundle it belongs to, if any: a bundle's transactions run together or not at all. */
  bundleId?: Hex;
  /** For a relay (an action), the transaction whose message it relays, directly or through other relays. */
  relayOf?: Hex;
}

/** Where an included transaction ended up. */
export interface Inclusion {
  /** Position in the one global order across all rollups: strictly increasing, no gaps. */
  globalSeq: number;
  blockNumber: number;
  blockHash: Hex;
  slot: number;
}

/** One rollup block produced in a slot. */
export interface ProducedBlock {
  chainId: number;
  number: number;
  hash: Hex;
  stateRoot: Hex;
  timestamp: number;
  /** Signed transactions in block order (impersonated ones with EDR's impersonation signature, see `intake.ts`). */
  transactions: Hex[];
  /** State operations (cheats) applied before the block's transactions; absent when none. */
  operations?: StateOperation[];
}

/**
 * A rollup messenger's cumulative rolling hashes of the messages it sent to,
 * and relayed from, each rollup (indexed by registration order).
 */
export interface MessageHashes {
  sent: Hex[];
  relayed: Hex[];
}

/** What one slot did on every rollup. */
export interface SlotResult {
  slot: number;
  timestamp: number;
  /** Included transactions in global order, with their inclusion. */
  included: { transaction: SequencedTransaction; inclusion: Inclusion }[];
  dropped: { transaction: SequencedTransaction; reason: DropReason }[];
  /** The blocks produced, in production order. */
  blocks: ProducedBlock[];
  /** Every rollup's message hashes after the slot, in registration order. */
  messageHashes: MessageHashes[];
  /** The slot's random seed and its commitment (`keccak256(seed)`). */
  randomness: { commitment: Hex; seed: Hex };
  /** How far into L1's forced-inclusion queue the rollups have processed after the slot, when the slot processed any. */
  forcedEnd?: number;
  /** Who ordered the slot: the view, its leader, and the members that voted for the order (the leader first). */
  certificate?: SlotCertificate;
  /**
   * The encrypted mempool's part of the slot: the commitment to the order of
   * its ciphertexts, and each ciphertext with the secret that decrypts it
   * (published after the slot so that anyone can check the execution).
   */
  encrypted?: { commitment: Hex; entries: { ciphertext: Hex; sharedSecret: Hex }[] };
  /**
   * The rollup this slot added to the devnet (`xr_addRollup`); its blocks
   * are the `addChain` transactions on every rollup that was there before.
   * The batch that carries the slot registers it on L1.
   */
  addsRollup?: AddedRollup;
  /**
   * What the policy's auction decided at this slot (absent when nothing):
   * who won, what it owes, which slots it governs. Each outcome is on the
   * slot whose auction decided it only (a Timeboost round's on its first
   * slot); `sequencer.auctionOutcomes(slot)` gives those in force.
   */
  auctions?: AuctionOutcome[];
}

/**
 * A rollup added to a running devnet: its chain id and its block 0, which
 * the batch that registers it on L1 carries (`SharedInbox.submitBatchRegistering`),
 * so that derivation can start it afresh.
 */
export interface AddedRollup {
  chainId: number;
  /** Unix timestamp (seconds) of its block 0. */
  genesisTimestamp: number;
  /** Hash of its block 0. */
  genesisBlockHash: Hex;
  /** State root of its block 0 (its predeploys are in block 1's). */
  genesisStateRoot: Hex;
}

/** The committee's vote on a slot's order. */
export interface SlotCertificate {
  view: number;
  leader: Address;
  signers: Address[];
}

/**
 * Identifies a sender on one rollup: the same address on two rollups is two
 * senders, each with its own nonces.
 */
export function senderKey({ chainId, from }: { chainId: number; from: Address }): string {
  return `${chainId}:${from.toLowerCase()}`;
}
