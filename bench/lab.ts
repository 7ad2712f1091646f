// The research lab at scale: a scenario of 1,000 slots, 100 users and 4
// rollups, with a sandwich and a back-run searcher, run end to end (set-up,
// slots, books, trace) under one policy. The budget is 2 minutes.
import { runScenario } from "../sim/scenario/run.ts";
import { parseScenario } from "../sim/scenario/schema.ts";

const RUNS = Number(process.env.BENCH_LAB_RUNS ?? 2);
const SLOTS = Number(process.env.BENCH_LAB_SLOTS ?? 1000);
/** The budget for this scenario, in ms. */
const BUDGET_MS = 120_000;

/** The scale scenario: 4 rollups, two pools on different rollups, 100 users arriving 3 a slot, two searchers. */
export const SCALE_SCENARIO = {
  name: "lab-scale",
  seed: 7,
  rollups: 4,
  slots: SLOTS,
  pools: [
    { rollup: 0, reserveIn: "1000000", reserveOut: "1000000" },
    { rollup: 1, reserveIn: "1000000", reserveOut: "1000000" },
  ],
  users: { count: 100, arrivalPerSlot: 3, tradeSize: { distribution: "lognormal", median: "500", sigma: 0.8 }, slippageBps: 100 },
  searchers: [{ strategy: "sandwich" }, { strategy: "backrun", pools: [0, 1] }],
  policies: ["fcfs"],
};

/** Runs the scale scenario `RUNS` times and prints the best and worst wall time against the budget. */
export async function printLabBenchmark(): Promise<void> {
  console.log(`Research lab: ${SLOTS} slots, 100 users, 4 rollups, a sandwich and a back-run searcher, one policy (goal < ${BUDGET_MS / 1000} s)`);
  const times: number[] = [];
  let transactions = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = await runScenario(parseScenario(SCALE_SCENARIO));
    times.push(performance.now() - started);
    transactions = result.policies[0]!.trace.transactions.length;
  }
  const best = Math.min(...times);
  const worst = Math.max(...times);
  console.log(
    `  ${transactions} transactions traced; wall time best ${(best / 1000).toFixed(1)} s, worst ${(worst / 1000).toFixed(1)} s of ${RUNS}: ` +
      `${(best / BUDGET_MS).toFixed(2)} of the budget; ${(best / SLOTS).toFixed(1)} ms per slot`,
  );
}
