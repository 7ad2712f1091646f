/**
 * What a policy's trace says about the searchers' attacks, read from the
 * trace alone (pure): sandwiches that landed in order, and arbitrages whose
 * legs all ran, some ran, or none did.
 */
import type { PolicyResult, TraceTransaction } from "../report/types.ts";

/** Sandwiches whose front-run, target and back-run were all included, in that global order. */
export function succeededSandwiches(transactions: readonly TraceTransaction[]): number {
  const included = new Map(transactions.filter((item) => item.outcome === "included").map((item) => [item.hash, item.globalSeq!]));
  const sandwiches = new Map<string, { front?: number; back?: number; target: string }>();
  for (const item of transactions) {
    if ((item.action !== "front-run" && item.action !== "back-run") || item.target === undefined || item.outcome !== "included") continue;
    const key = `${item.target}/${item.searcher}`;
    const sandwich = sandwiches.get(key) ?? { target: item.target };
    if (item.action === "front-run") sandwich.front = item.globalSeq!;
    else sandwich.back = item.globalSeq!;
    sandwiches.set(key, sandwich);
  }
  return [...sandwiches.values()].filter(({ front, back, target }) => {
    const victim = included.get(target);
    return front !== undefined && back !== undefined && victim !== undefined && front < victim && victim < back;
  }).length;
}

/** Arbitrages sent, `completed` (every leg ran) and `partial` (a leg ran, another did not). */
export function arbitrageOutcomes(transactions: readonly TraceTransaction[]): PolicyResult["arbitrages"] {
  const legs = new Map<number, boolean[]>();
  for (const item of transactions) {
    if (item.arbitrage === undefined) continue;
    legs.set(item.arbitrage, [...(legs.get(item.arbitrage) ?? []), item.outcome === "included"]);
  }
  const outcomes = [...legs.values()];
  return {
    attempted: outcomes.length,
    completed: outcomes.filter((ran) => ran.every(Boolean)).length,
    partial: outcomes.filter((ran) => ran.some(Boolean) && !ran.every(Boolean)).length,
  };
}
