/**
 * Where a searcher puts its transactions on the scenario clock, and with
 * what tip, under each policy: what it can do to land right before or right
 * after a victim. Pure; the run sends what these say.
 */
import type { ScenarioSearcher } from "./schema.ts";

/** What a searcher knows of the policy it faces. */
export interface PolicyView {
  /** The built-in policy's name; `"module"` for a policy loaded from a file. */
  kind: string;
  /** Timeboost: how long non-express transactions wait, in ms. */
  delayMs: number;
  /** Timeboost: whether this searcher controls the express lane now. */
  expressLane: boolean;
}

/** An arrival time and a priority fee. */
export interface Placement {
  receivedAt: number;
  tip: bigint;
}

/** A searcher's transactions arrive this long after what they follow: a reaction, never a tie. */
const REACTION_MS = 0.5;

/**
 * The front-run and back-run of a sandwich around a victim arriving at
 * `victimAt` with tip `victimTip`, or `undefined` where the policy leaves no
 * way to bracket it (encrypted: nobody sees the victim; an order-flow
 * auction sells only back-runs; a batch auction gives every order one price;
 * a sealed-bid auction sells the top of the slot, which cannot bracket anyone).
 * Under fcfs the searcher relies on its head start (the sequencer itself
 * simply stamps its own around the victim); under priority-fee it tips one
 * wei either side of the victim; under Timeboost the express-lane controller
 * is not delayed, so its front-run lands before the delayed victim and its
 * back-run right after; elsewhere it can only send and let the policy decide.
 */
export function sandwichPlacement(policy: PolicyView, searcher: ScenarioSearcher, victimAt: number, victimTip: bigint): { front: Placement; back: Placement } | undefined {
  const lead = searcher.as === "sequencer" ? REACTION_MS : searcher.headStartMs;
  const tip = searcher.gasPriceWei ?? victimTip;
  switch (policy.kind) {
    case "encrypted":
    case "order-flow-auction":
    case "batch-auction":
    case "sealed-bid":
      return undefined;
    case "fcfs":
      return { front: { receivedAt: victimAt - lead, tip }, back: { receivedAt: victimAt + REACTION_MS, tip } };
    case "priority-fee":
      return {
        front: { receivedAt: victimAt + REACTION_MS, tip: victimTip + 1n },
        back: { receivedAt: victimAt + REACTION_MS, tip: victimTip > 0n ? victimTip - 1n : 0n },
      };
    case "timeboost":
      return policy.expressLane
        ? { front: { receivedAt: victimAt + REACTION_MS, tip }, back: { receivedAt: victimAt + policy.delayMs + REACTION_MS, tip } }
        : { front: { receivedAt: victimAt - lead, tip }, back: { receivedAt: victimAt + REACTION_MS, tip } };
    default:
      return { front: { receivedAt: victimAt + REACTION_MS, tip }, back: { receivedAt: victimAt + REACTION_MS, tip } };
  }
}

/**
 * A back-run right after a victim, or `undefined` where the policy hides the
 * victim (encrypted) or gives no order within the batch (batch auction).
 * Under an order-flow auction the back-run is bid for instead (the run
 * sends a bid, not this placement).
 */
export function backrunPlacement(policy: PolicyView, searcher: ScenarioSearcher, victimAt: number, victimTip: bigint): Placement | undefined {
  const tip = searcher.gasPriceWei ?? victimTip;
  switch (policy.kind) {
    case "encrypted":
    case "batch-auction":
      return undefined;
    case "priority-fee":
      return { receivedAt: victimAt + REACTION_MS, tip: victimTip > 0n ? victimTip - 1n : 0n };
    case "timeboost":
      return { receivedAt: victimAt + (policy.expressLane ? policy.delayMs : 0) + REACTION_MS, tip };
    default:
      return { receivedAt: victimAt + REACTION_MS, tip };
  }
}

/** An arbitrage at the slot's start: first under fcfs, and outbidding users' tips under priority-fee. */
export function arbitragePlacement(policy: PolicyView, searcher: ScenarioSearcher, slotStart: number, userTip: bigint): Placement {
  return { receivedAt: slotStart, tip: searcher.gasPriceWei ?? (policy.kind === "priority-fee" ? userTip + 1n : userTip) };
}
