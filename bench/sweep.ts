// Sweep scaling: the same sweep of 40 runs with 1 worker process and with 2,
// for one-slot runs (where the workers' start-up weighs most) and for 5-slot
// runs of a busier market, timed from start to written output (start-up
// included, as a user waits for it), rounds interleaved, best of each with
// the spread. Run alone: `node --import tsx bench/sweep.ts`
// (BENCH_SWEEP_ROUNDS, BENCH_SWEEP_SEEDS).
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runSweep } from "../sim/sweep/run.ts";
import { parseSweep, type Sweep } from "../sim/sweep/schema.ts";

/** The lab's one-sandwich example (one slot, one victim, a sandwich searcher) under two of its policies: two small devnets per run. */
function benchBase(): { [key: string]: unknown } {
  const example = JSON.parse(readFileSync(new URL("../sim/examples/one-sandwich.json", import.meta.url), "utf8")) as { [key: string]: unknown };
  return { ...example, policies: ["fcfs", "priority-fee"] };
}

/** A busier market of 5 slots: 20 users on two pools, a victim, a sandwich and a back-run searcher, under two policies. */
const BUSY_BASE = {
  name: "bench-busy",
  seed: 1,
  rollups: 3,
  slots: 5,
  pools: [
    { rollup: 0, reserveIn: "1000000", reserveOut: "1000000" },
    { rollup: 1, reserveIn: "1000000", reserveOut: "1000000" },
  ],
  victims: [{ amountIn: "10000", slippageBps: 100, slot: 2 }],
  users: { count: 20, arrivalPerSlot: 3, tradeSize: { distribution: "lognormal", median: "2000", sigma: 0.8 }, slippageBps: 100, depositOn: "none" },
  searchers: [{ strategy: "sandwich" }, { strategy: "backrun", pools: [0, 1] }],
  policies: ["fcfs", "priority-fee"],
};

/** The two sweeps measured: one-slot runs, where workers' start-up weighs most, and 5-slot runs of a busier market. */
const BENCH_BASES = [
  { label: "a one-slot sandwich scenario", base: benchBase },
  { label: "a 5-slot market with 20 users and two searchers", base: () => BUSY_BASE },
];

/** 5 slippages × `seeds` seeds (8 by default: 40 runs). */
function benchSweep(seeds: number, base: { [key: string]: unknown }): Sweep {
  return parseSweep({
    base,
    grid: { "victims[0].slippageBps": [25, 50, 100, 200, 400] },
    seeds: Array.from({ length: seeds }, (_, i) => i + 1),
  });
}

/** Wall-clock times of the sweep with 1 and with 2 workers, in ms, one per round. */
export interface SweepScaling {
  runs: number;
  oneJobMs: number[];
  twoJobsMs: number[];
}

async function timeSweep(sweep: Sweep, jobs: number): Promise<number> {
  const out = await mkdtemp(join(tmpdir(), "xrollup-bench-sweep-"));
  try {
    const started = performance.now();
    const { failed } = await runSweep({ sweep, out, jobs });
    const elapsed = performance.now() - started;
    if (failed.length > 0) throw new Error(`bench sweep: ${failed.length} runs failed, e.g. ${failed[0]!.error}`);
    return elapsed;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/**
 * Times the bench sweep with `--jobs 1` and `--jobs 2`, `rounds` times each,
 * alternating which goes first so that neither always runs on a warmer
 * machine.
 */
export async function measureSweepScaling(rounds: number, seeds: number, base: { [key: string]: unknown } = benchBase()): Promise<SweepScaling> {
  const sweep = benchSweep(seeds, base);
  const oneJobMs: number[] = [];
  const twoJobsMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const jobs of round % 2 === 0 ? [1, 2] : [2, 1]) (jobs === 1 ? oneJobMs : twoJobsMs).push(await timeSweep(sweep, jobs));
  }
  return { runs: 5 * seeds, oneJobMs, twoJobsMs };
}

/**
 * Measures and prints the speed-up of a sweep on 2 workers against 1:
 * BENCH_SWEEP_ROUNDS rounds (default 3), BENCH_SWEEP_SEEDS seeds (default 8,
 * so 40 runs), best of each with the spread.
 */
export async function printSweepBenchmark(): Promise<void> {
  const rounds = Number(process.env.BENCH_SWEEP_ROUNDS ?? 3);
  const seeds = Number(process.env.BENCH_SWEEP_SEEDS ?? 8);
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const line = (times: number[]) => `${seconds(Math.min(...times))} s (spread ${seconds(Math.min(...times))}-${seconds(Math.max(...times))} s)`;
  for (const { label, base } of BENCH_BASES) {
    console.log(`Sweep scaling: ${5 * seeds} runs of ${label}, --jobs 1 against --jobs 2 on ${availableParallelism()} cores, start to written output, best of ${rounds} interleaved rounds`);
    const { oneJobMs, twoJobsMs } = await measureSweepScaling(rounds, seeds, base());
    console.log(`  --jobs 1: ${line(oneJobMs)}`);
    console.log(`  --jobs 2: ${line(twoJobsMs)}`);
    console.log(`  speed-up --jobs 2 / --jobs 1: ${(Math.min(...oneJobMs) / Math.min(...twoJobsMs)).toFixed(2)}x (goal ≥ 1.7)`);
  }
}

// Run as a script (not imported by bench/index.ts): the benchmark alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await printSweepBenchmark();
  process.exit(0);
}
