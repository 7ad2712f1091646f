// Devnet start-up against raw Hardhat chains, each measured in a fresh
// process (bench/startup.ts), for 1, 4, 16 and 32 rollups. Run alone:
// `node --import tsx bench/startup-report.ts` (BENCH_STARTUP_RUNS).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { StartupSample } from "./startup.ts";

/** Rollup counts measured, each against as many raw chains plus one for L1. */
const ROLLUP_COUNTS = [1, 4, 16, 32] as const;

/** Goals of the start-up work: the devnet within this factor of raw chains... */
const RATIO_GOAL = 1.2;
/** ...and, with the largest count, serving RPC within this many seconds... */
const SERVING_GOAL_S = 3;
/** ...with at most this much resident memory added. */
const RSS_GOAL_MIB = 1024;

/** Starts a devnet, or the raw chains, in a fresh process and returns what it measured. */
function sample(what: "devnet" | "raw", rollups: number): StartupSample {
  const script = fileURLToPath(new URL("./startup.ts", import.meta.url));
  const output = execFileSync(process.execPath, ["--import", "tsx", script, what, String(rollups)], { encoding: "utf8" });
  return JSON.parse(output.trim().split("\n").at(-1)!) as StartupSample;
}

/**
 * Measures and prints, for 1, 4, 16 and 32 rollups, the devnet's start-up
 * time against N+1 raw Hardhat chains: best of BENCH_STARTUP_RUNS (default
 * 3) fresh processes per side, the two sides interleaved and alternating
 * which goes first, with the spread of each and the best CPU time of each
 * (steadier than wall time on a busy machine). For the largest count it
 * also prints the time until every endpoint answered and the resident
 * memory (added by the start, the worst run's; and the process's total).
 */
export async function printStartupBenchmark(): Promise<void> {
  const runs = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
  console.log(`Start-up (fresh process each, best of ${runs}, interleaved): devnet with N rollups and RPC servers, against N+1 raw Hardhat chains`);
  const ms = (value: number) => value.toFixed(0);
  for (const rollups of ROLLUP_COUNTS) {
    const devnet: StartupSample[] = [];
    const raw: StartupSample[] = [];
    for (let run = 0; run < runs; run++) {
      // Alternate which side goes first, so that neither always runs on a warmer machine.
      const order = run % 2 === 0 ? (["devnet", "raw"] as const) : (["raw", "devnet"] as const);
      for (const what of order) (what === "devnet" ? devnet : raw).push(sample(what, rollups));
    }
    const devnetMs = devnet.map((run) => run.ms);
    const rawMs = raw.map((run) => run.ms);
    const best = { devnet: Math.min(...devnetMs), raw: Math.min(...rawMs) };
    const cpu = { devnet: Math.min(...devnet.map((run) => run.cpuMs)), raw: Math.min(...raw.map((run) => run.cpuMs)) };
    console.log(
      `  ${String(rollups).padStart(2)} rollups: devnet ${ms(best.devnet)} ms vs raw ${ms(best.raw)} ms: ratio ${(best.devnet / best.raw).toFixed(2)} (goal ≤ ${RATIO_GOAL}); ` +
        `spread devnet ${ms(best.devnet)}-${ms(Math.max(...devnetMs))} ms, raw ${ms(best.raw)}-${ms(Math.max(...rawMs))} ms; ` +
        `CPU time devnet ${ms(cpu.devnet)} ms vs raw ${ms(cpu.raw)} ms (ratio ${(cpu.devnet / cpu.raw).toFixed(2)})`,
    );
    if (rollups !== ROLLUP_COUNTS.at(-1)) continue;
    const servingMs = devnet.map((run) => run.servingMs!);
    const added = Math.max(...devnet.map((run) => run.rssMb));
    const total = Math.max(...devnet.map((run) => run.totalRssMb));
    console.log(
      `  ${rollups} rollups serving RPC in ${(Math.min(...servingMs) / 1000).toFixed(2)} s (goal < ${SERVING_GOAL_S} s; spread ${ms(Math.min(...servingMs))}-${ms(Math.max(...servingMs))} ms), ` +
        `RSS ${added.toFixed(0)} MiB (goal < ${RSS_GOAL_MIB}; worst run, added by the start; process total ${total.toFixed(0)} MiB; raw chains added ${Math.max(...raw.map((run) => run.rssMb)).toFixed(0)} MiB)`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await printStartupBenchmark();
