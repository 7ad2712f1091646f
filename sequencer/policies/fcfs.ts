import type { OrderingPolicy } from "./types.ts";

/** First come, first served: the order in which the sequencer accepted the transactions. */
export const fcfsPolicy: OrderingPolicy = {
  name: "fcfs",
  order: (pending) => [...pending].sort((a, b) => a.arrival - b.arrival),
};
