import type { Address, Hex } from "viem";
import type { SequencedTransaction } from "../types.ts";

// This file is the contract between the sequencer and an ordering policy,
// the one a researcher implements in a module of their own
// (`xrollup devnet --policy ./my-policy.ts`, see `load.ts`). Everything a
// policy sees is plain data; a policy never reads the chain, the clock or
// any state of its own, so that a slot's order can be re-drawn from its
// inputs.

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
  /**
   * End of the slot's window on the arrival clock (the clock `receivedAt`
   * is on), in ms: `produceSlot({ endMs })`, or the sequencer clock's now.
   * A policy that delays some transactions (Timeboost) leaves out those
   * that have not (effectively) arrived by then.
   */
  endMs: number;
  /**
   * Auction outcomes in force for this slot (from the policy's own
   * `auction`, this slot's and earlier ones that govern it), [] without
   * one. Their transactions are already among `pending`.
   */
  auctions: readonly AuctionOutcome[];
}

/**
 * A sealed bid, as the sequencer holds it (`sequencer.submitBid`). Bids are
 * kept in memory only: a restart or a revert to a snapshot forgets the bids
 * not yet decided (the outcomes decided are journaled with their slot).
 */
export interface Bid {
  /** The bid's id, as `submitBid` answered it (`xr_getBid` takes it). */
  id: Hex;
  /** Who bids: the account that owes the payment if it wins. Not authenticated: the devnet takes the bidder's word. */
  bidder: Address;
  amountWei: bigint;
  /** The (sequencer) slot the bid is for; for a Timeboost round, the round's first slot. */
  slot: number;
  /**
   * Signed transactions placed only if the bid wins (sealed-bid: the bundle
   * for the top of the slot; order-flow auction: the back-run). They passed
   * intake's checks when the bid came, but are not accepted yet: their
   * `arrival` is -1 and their `receivedAt` the bid's. A winning bid's are
   * admitted as one bundle (with `bundleId`) before the slot is ordered.
   */
  transactions: readonly SequencedTransaction[];
  /** Order-flow auction: hash of the pending user transaction the bid wants to back-run. */
  target?: Hex;
  /** When the bid was received, on the arrival clock, in ms. */
  receivedAt: number;
}

/** What an auction decided: one winning bid, what it buys and what its bidder owes. */
export interface AuctionOutcome {
  /** What was sold; the built-in policies use these three, a module policy may name its own. */
  kind: "express-lane" | "top-of-slot" | "backrun" | string;
  /** The winning bid. */
  bidId: Hex;
  winner: Address;
  /** What the winner owes (second price for Timeboost, its bid for first-price auctions). */
  paysWei: bigint;
  /** Part of `paysWei` owed back to the target transaction's sender (order-flow auction), else 0n. */
  refundWei: bigint;
  /** Slots it governs: [fromSlot, untilSlot). */
  fromSlot: number;
  untilSlot: number;
  /** The winning bid's transactions (once admitted: as the mempool holds them, with their bundle id). */
  transactions: readonly SequencedTransaction[];
  /** Order-flow auction: the transaction the winner back-runs. */
  target?: Hex;
  /** Bids it was chosen from. */
  bidders: number;
}

/**
 * An ordering policy decides the global order of a slot's pending
 * transactions across all rollups. Both functions must be pure and
 * deterministic: the same arguments, the same answer.
 *
 * What the sequencer guarantees whatever a policy returns:
 * - each sender's transactions run in nonce order: the k-th place the
 *   policy gives a sender gets that sender's k-th lowest pending nonce
 *   (see `keepNonceOrder`), so a policy may sort freely;
 * - a bundle runs whole, at the place of its first transaction, or not at
 *   all (see `keepBundlesTogether`);
 * - each rollup takes the longest prefix of its share that fits in a block;
 * - transactions the policy leaves out stay pending for a later slot.
 *
 * Payments are not collected by the sequencer: an outcome says who owes
 * what, and settling it (on chain, by the bidders) is up to whoever runs
 * the auction's participants.
 *
 * @example
 * ```ts
 * // my-policy.ts, at the checkout's root: `xrollup devnet --policy ./my-policy.ts`
 * // (type-only imports: Node strips the types, so the module runs as it is)
 * import type { OrderingPolicy } from "./sequencer/policies/types.ts";
 *
 * const lastComeFirstServed: OrderingPolicy = {
 *   name: "lcfs",
 *   order: (pending) => [...pending].sort((a, b) => b.receivedAt - a.receivedAt),
 * };
 * export default lastComeFirstServed;
 * ```
 */
export interface OrderingPolicy {
  /** The name used by `--policy`, in the sequencer's status and in reports. */
  readonly name: string;
  /**
   * The policy's sealed-bid auction(s) for `context.slot`, over the bids
   * for that slot, given what is pending (ready or queued). Pure; optional:
   * without it the sequencer refuses bids. Called once per slot, before
   * `order`; each outcome's `bidId` must be one of `bids` (others are
   * ignored), and only winning bids' transactions are ever admitted.
   */
  auction?(bids: readonly Bid[], context: { slot: number; seed: Hex; pending: readonly SequencedTransaction[] }): AuctionOutcome[];
  /**
   * The slot's order: a permutation of `pending` (the ready transactions),
   * or a subset of it (the rest stay pending for a later slot). Pure.
   */
  order(pending: readonly SequencedTransaction[], context: SlotContext): SequencedTransaction[];
}
