import type { SequencedTransaction } from "../types.ts";
import type { OrderingPolicy } from "./types.ts";

/** Orders by the time the sequencer received each transaction, then by acceptance order. */
export function byArrival(a: SequencedTransaction, b: SequencedTransaction): number {
  return a.receivedAt - b.receivedAt || a.arrival - b.arrival;
}

/** First come, first served: the order in which the sequencer received the transactions. */
export const fcfsPolicy: OrderingPolicy = {
  name: "fcfs",
  order: (pending) => [...pending].sort(byArrival),
};
