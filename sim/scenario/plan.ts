/**
 * The trades of a run, drawn once from the scenario's seed so that every
 * policy sees the same ones: the scripted victims, and the random users'
 * Poisson arrivals.
 */
import type { Random } from "../random.ts";
import { createRandom } from "../random.ts";
import type { Scenario } from "./schema.ts";

/** Who makes a trade: scripted victim N, or random user N. */
export type Trader = { kind: "victim"; index: number } | { kind: "user"; index: number };

/** A trade a victim or a user makes: the same in every policy's run. */
export interface PlannedTrade {
  slot: number;
  /** Offset in the slot, in ms of the scenario clock. */
  offsetMs: number;
  trader: Trader;
  pool: number;
  amountIn: bigint;
  slippageBps: number;
  /** Rollup index the output is deposited on; `undefined`: a plain swap. */
  depositOn: number | undefined;
  tipWei: bigint;
  /** Scripted victims only: slots after which a pending swap goes to L1's forced-inclusion queue. */
  forceAfterSlots: number | undefined;
}

/** Priority fee every random user offers, in wei (and the lab's searchers' default). */
export const USER_TIP_WEI = 1_000_000_000n;

/** The trades of every slot, in arrival order: the scripted victims and the random users, drawn once from the seed. */
export function planTrades(scenario: Scenario): PlannedTrade[] {
  const random = createRandom(scenario.seed);
  const trades: PlannedTrade[] = scenario.victims.map((victim, index) => ({
    slot: victim.slot,
    offsetMs: random.int(scenario.slotMs),
    trader: { kind: "victim", index },
    pool: victim.pool,
    amountIn: victim.amountIn,
    slippageBps: victim.slippageBps,
    depositOn: victim.depositOn,
    tipWei: victim.tipWei,
    forceAfterSlots: victim.forceAfterSlots,
  }));
  const { users } = scenario;
  if (users !== undefined) {
    for (let slot = 0; slot < scenario.slots; slot++) {
      for (let arrivals = random.poisson(users.arrivalPerSlot); arrivals > 0; arrivals--) {
        const pool = random.int(scenario.pools.length);
        const poolRollup = scenario.pools[pool]!.rollup;
        const others = Array.from({ length: scenario.rollups }, (_, index) => index).filter((index) => index !== poolRollup);
        trades.push({
          slot,
          offsetMs: random.int(scenario.slotMs),
          trader: { kind: "user", index: random.int(users.count) },
          pool,
          amountIn: tradeSize(users.tradeSize, random),
          slippageBps: users.slippageBps,
          depositOn: users.depositOn === "random" ? others[random.int(others.length)] : users.depositOn === "none" ? undefined : users.depositOn,
          tipWei: USER_TIP_WEI,
          forceAfterSlots: undefined,
        });
      }
    }
  }
  return trades.sort((a, b) => a.slot - b.slot || a.offsetMs - b.offsetMs);
}

function tradeSize(size: NonNullable<Scenario["users"]>["tradeSize"], random: Random): bigint {
  switch (size.distribution) {
    case "fixed":
      return size.amount;
    case "uniform":
      return size.min + (BigInt(Math.floor(random.next() * 2 ** 52)) * (size.max - size.min)) / 2n ** 52n;
    case "lognormal": {
      const factor = random.lognormal(1, size.sigma);
      return (size.median * BigInt(Math.max(1, Math.round(factor * 1e6)))) / 1_000_000n;
    }
  }
}
