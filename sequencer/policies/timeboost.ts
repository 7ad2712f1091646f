import type { Address } from "viem";
import { rankBids } from "../auction.ts";
import type { SequencedTransaction } from "../types.ts";
import type { AuctionOutcome, OrderingPolicy } from "./types.ts";

/** Options of {@link createTimeboostPolicy}. */
export interface TimeboostOptions {
  /** Slots per round (a whole number ≥ 1): each round's express lane is auctioned once, at its first slot. */
  roundSlots?: number;
  /** How much later than the express lane's controller everyone else's transactions count as arriving, in ms. */
  delayMs?: number;
  /** No express lane is sold below this; the winner pays at least this. */
  reservePriceWei?: bigint;
}

/** Timeboost's defaults, in one place (Arbitrum's: a 200 ms advantage; rounds of 4 slots here, Arbitrum's are 60 s). */
export const TIMEBOOST_DEFAULTS: Readonly<Required<TimeboostOptions>> = { roundSlots: 4, delayMs: 200, reservePriceWei: 0n };

/**
 * The round a slot belongs to, for rounds of `roundSlots` slots from slot
 * 1 on: bids for the round carry `fromSlot` as their slot.
 */
export function timeboostRound(slot: number, roundSlots: number = TIMEBOOST_DEFAULTS.roundSlots): { fromSlot: number; untilSlot: number } {
  const fromSlot = slot - ((slot - 1) % roundSlots);
  return { fromSlot, untilSlot: fromSlot + roundSlots };
}

/**
 * Arbitrum's Timeboost: each round of `roundSlots` slots, a sealed-bid
 * second-price auction (with a reserve) sells an express lane. The
 * controller's transactions (`from` its address) count as arriving when
 * they were received; everyone else's `delayMs` later, with or without a
 * controller. A slot takes, first come first served on those effective
 * arrival times, what has effectively arrived by the slot's end
 * (`endMs`); the rest wait for a later slot.
 *
 * The auction: bids below the reserve lose; the highest bid wins (ties to
 * the earliest bid, then the lowest id) and pays the higher of the
 * second-highest bid and the reserve. Bids for a slot that does not start a
 * round lose.
 *
 * Meant for slot and manual modes, where slots come on time: in instant
 * mode a delayed transaction waits for the next batch tick's slot.
 */
export function createTimeboostPolicy(options: TimeboostOptions = {}): OrderingPolicy {
  const { roundSlots = TIMEBOOST_DEFAULTS.roundSlots, delayMs = TIMEBOOST_DEFAULTS.delayMs, reservePriceWei = TIMEBOOST_DEFAULTS.reservePriceWei } = options;
  return {
    name: "timeboost",
    auction: (bids, { slot }) => {
      const round = timeboostRound(slot, roundSlots);
      if (round.fromSlot !== slot) return [];
      const [winner, second] = rankBids(bids.filter((bid) => bid.amountWei >= reservePriceWei));
      if (winner === undefined) return [];
      const secondPrice = second?.amountWei ?? 0n;
      const outcome: AuctionOutcome = {
        kind: "express-lane",
        bidId: winner.id,
        winner: winner.bidder,
        paysWei: secondPrice > reservePriceWei ? secondPrice : reservePriceWei,
        refundWei: 0n,
        ...round,
        transactions: winner.transactions,
        bidders: bids.length,
      };
      return [outcome];
    },
    order: (pending, { auctions, endMs }) => {
      const controller = auctions.find((outcome) => outcome.kind === "express-lane")?.winner;
      const arrives = (transaction: SequencedTransaction) => transaction.receivedAt + (isController(transaction.from, controller) ? 0 : delayMs);
      return pending
        .filter((transaction) => arrives(transaction) <= endMs)
        .sort((a, b) => arrives(a) - arrives(b) || a.arrival - b.arrival);
    },
  };
}

function isController(from: Address, controller: Address | undefined): boolean {
  return controller !== undefined && from.toLowerCase() === controller.toLowerCase();
}
