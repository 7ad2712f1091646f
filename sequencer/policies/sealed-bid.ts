import type { Hex } from "viem";
import { rankBids } from "../auction.ts";
import { byArrival } from "./fcfs.ts";
import type { OrderingPolicy } from "./types.ts";

/** Options of {@link createSealedBidPolicy}. */
export interface SealedBidOptions {
  /** No top of slot is sold below this. */
  reservePriceWei?: bigint;
}

/** The sealed-bid policy's defaults, in one place. */
export const SEALED_BID_DEFAULTS: Readonly<Required<SealedBidOptions>> = { reservePriceWei: 0n };

/**
 * A first-price sealed-bid auction for the top of each slot: the highest
 * bid at or above the reserve wins (ties to the earliest bid, then the
 * lowest id) and pays its bid; its bundle (the bid's transactions) runs
 * first, then everything else in arrival order.
 */
export function createSealedBidPolicy(options: SealedBidOptions = {}): OrderingPolicy {
  const { reservePriceWei = SEALED_BID_DEFAULTS.reservePriceWei } = options;
  return {
    name: "sealed-bid",
    auction: (bids, { slot }) => {
      const [winner] = rankBids(bids.filter((bid) => bid.amountWei >= reservePriceWei));
      if (winner === undefined) return [];
      return [
        {
          kind: "top-of-slot",
          bidId: winner.id,
          winner: winner.bidder,
          paysWei: winner.amountWei,
          refundWei: 0n,
          fromSlot: slot,
          untilSlot: slot + 1,
          transactions: winner.transactions,
          bidders: bids.length,
        },
      ];
    },
    order: (pending, { auctions }) => {
      const top = new Set(auctions.filter((outcome) => outcome.kind === "top-of-slot").flatMap((outcome) => outcome.transactions.map(({ hash }) => hash)));
      const byTop = (hash: Hex) => (top.has(hash) ? 0 : 1);
      return [...pending].sort((a, b) => byTop(a.hash) - byTop(b.hash) || byArrival(a, b));
    },
  };
}
