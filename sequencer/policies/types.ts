import type { Hex } from "viem";
import type { SequencedTransaction } from "../types.ts";

/** What a policy may know when it orders a slot. */
export interface SlotContext {
  slot: number;
  /** Unix timestamp (seconds) of the slot's blocks. */
  timestamp: number;
  /**
   * The slot's random seed: committed (as its keccak256) before the slot,
   * revealed after it, and derived from the sequencer's seed, so a run is
   * reproducible from that seed.
   */
  seed: Hex;
}

/**
 * An ordering policy decides the global order of a slot's pending
 * transactions across all rollups. It must be a pure, deterministic function
 * of its arguments and return a permutation of `pending`; the sequencer keeps
 * each sender's transactions in nonce order whatever the policy returns
 * (see `keepNonceOrder`).
 */
export interface OrderingPolicy {
  /** The name used by `--policy` and in reports. */
  readonly name: string;
  order(pending: readonly SequencedTransaction[], context: SlotContext): SequencedTransaction[];
}
