import { byArrival } from "./fcfs.ts";
import type { OrderingPolicy } from "./types.ts";

/**
 * A gas auction: the highest priority fee (tip) first, ties in arrival
 * order. Whoever pays more goes first, which is what a searcher bracketing
 * a victim exploits.
 */
export const priorityFeePolicy: OrderingPolicy = {
  name: "priority-fee",
  order: (pending) =>
    [...pending].sort((a, b) =>
      a.maxPriorityFeePerGas === b.maxPriorityFeePerGas ? byArrival(a, b) : a.maxPriorityFeePerGas > b.maxPriorityFeePerGas ? -1 : 1,
    ),
};
