import { concat, type Hex, hexToBigInt, keccak256, toHex } from "viem";
import { byArrival } from "./fcfs.ts";
import type { OrderingPolicy } from "./types.ts";

/**
 * A uniformly random permutation of each slot, drawn from the slot's seed
 * (committed before the slot, revealed after it): nobody can buy or race
 * their way to a position, and anyone can re-draw the order from the seed.
 * Fisher–Yates over arrival order, with randomness from keccak256(seed ‖ i).
 */
export const fairRandomPolicy: OrderingPolicy = {
  name: "fair-random",
  order: (pending, { seed }) => {
    const order = [...pending].sort(byArrival);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Number(uniform(seed, i, BigInt(i + 1)));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  },
};

/** An unbiased integer in [0, bound) from the seed's i-th draw, by rejection sampling. */
function uniform(seed: Hex, i: number, bound: bigint): bigint {
  const limit = (2n ** 256n / bound) * bound;
  for (let attempt = 0; ; attempt++) {
    const draw = hexToBigInt(keccak256(concat([seed, toHex(i, { size: 4 }), toHex(attempt, { size: 4 })])));
    if (draw < limit) return draw % bound;
  }
}
