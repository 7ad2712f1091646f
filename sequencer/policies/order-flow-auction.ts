import type { Hex } from "viem";
import { rankBids } from "../auction.ts";
import type { SequencedTransaction } from "../types.ts";
import { byArrival } from "./fcfs.ts";
import type { AuctionOutcome, Bid, OrderingPolicy } from "./types.ts";

/** Options of {@link createOrderFlowAuctionPolicy}. */
export interface OrderFlowAuctionOptions {
  /** Share of the winning bid owed back to the target's sender, in basis points (0 to 10 000). */
  refundBps?: number;
}

/** The order-flow auction's defaults, in one place (MEV-Share's default refund: 90 %). */
export const ORDER_FLOW_AUCTION_DEFAULTS: Readonly<Required<OrderFlowAuctionOptions>> = { refundBps: 9000 };

/** What the target's sender gets back of a winning bid: `paysWei * refundBps / 10000`, rounded down. */
export function backrunRefund(paysWei: bigint, refundBps: number): bigint {
  return (paysWei * BigInt(refundBps)) / 10_000n;
}

/**
 * An order-flow auction, MEV-Share style: searchers bid to back-run a
 * pending user transaction (`target`), each bid carrying its back-run. Per
 * target, the highest bid wins (first price: ties to the earliest bid,
 * then the lowest id) and `refundBps` of it is owed back to the target's
 * sender. A bid whose target is not pending, or that carries no back-run,
 * loses. The slot runs in arrival order, each winning back-run right after
 * its target; a back-run whose target is not in the slot waits with it
 * (after its slot, it is an ordinary pending transaction).
 */
export function createOrderFlowAuctionPolicy(options: OrderFlowAuctionOptions = {}): OrderingPolicy {
  const { refundBps = ORDER_FLOW_AUCTION_DEFAULTS.refundBps } = options;
  return {
    name: "order-flow-auction",
    auction: (bids, { slot, pending }) => {
      const pendingHashes = new Set(pending.map(({ hash }) => hash));
      const byTarget = new Map<Hex, Bid[]>();
      for (const bid of bids) {
        if (bid.target === undefined || !pendingHashes.has(bid.target) || bid.transactions.length === 0) continue;
        byTarget.set(bid.target, [...(byTarget.get(bid.target) ?? []), bid]);
      }
      return [...byTarget].map(([target, competing]): AuctionOutcome => {
        const winner = rankBids(competing)[0]!;
        return {
          kind: "backrun",
          bidId: winner.id,
          winner: winner.bidder,
          paysWei: winner.amountWei,
          refundWei: backrunRefund(winner.amountWei, refundBps),
          fromSlot: slot,
          untilSlot: slot + 1,
          transactions: winner.transactions,
          target,
          bidders: competing.length,
        };
      });
    },
    order: (pending, { auctions }) => {
      const backruns = new Map<Hex, readonly SequencedTransaction[]>();
      for (const outcome of auctions) if (outcome.kind === "backrun" && outcome.target !== undefined) backruns.set(outcome.target, outcome.transactions);
      const inBackrun = new Set([...backruns.values()].flat().map(({ hash }) => hash));
      const byHash = new Map(pending.map((transaction) => [transaction.hash, transaction]));
      return [...pending]
        .filter(({ hash }) => !inBackrun.has(hash))
        .sort(byArrival)
        .flatMap((transaction) => [transaction, ...(backruns.get(transaction.hash) ?? []).flatMap(({ hash }) => byHash.get(hash) ?? [])]);
    },
  };
}
