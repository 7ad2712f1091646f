import { type Hex, parseTransaction, toFunctionSelector } from "viem";
import type { SequencedTransaction } from "../types.ts";
import { byArrival } from "./fcfs.ts";
import type { OrderingPolicy } from "./types.ts";

/** `BatchAuction.clear()`'s selector. */
const CLEAR_SELECTOR: Hex = toFunctionSelector("clear()");

/**
 * Whether a transaction calls `clear()` on some contract: its input starts
 * with that selector. The policy knows no auction's address, so a `clear()`
 * of any other contract counts too; a contract creation never does.
 */
export function callsClear(transaction: SequencedTransaction): boolean {
  if (transaction.to === undefined) return false;
  const { data } = parseTransaction(transaction.raw);
  return data !== undefined && data.slice(0, 10).toLowerCase() === CLEAR_SELECTOR;
}

/**
 * The frequent-batch-auction policy: arrival order, except that every call
 * to `BatchAuction.clear()` goes last in the slot, so that the orders
 * submitted in a slot clear in that slot, after all of them, at one price.
 *
 * The sequencer then restores each sender's nonce order (`keepNonceOrder`),
 * so a `clear()` stays last only if it is its sender's highest nonce in the
 * slot: call it from an account that sends nothing else in that slot.
 */
export function createBatchAuctionPolicy(): OrderingPolicy {
  return {
    name: "batch-auction",
    order: (pending) => {
      const others: SequencedTransaction[] = [];
      const clears: SequencedTransaction[] = [];
      for (const transaction of [...pending].sort(byArrival)) (callsClear(transaction) ? clears : others).push(transaction);
      return [...others, ...clears];
    },
  };
}

/** The batch-auction policy (see {@link createBatchAuctionPolicy}). */
export const batchAuctionPolicy: OrderingPolicy = createBatchAuctionPolicy();
