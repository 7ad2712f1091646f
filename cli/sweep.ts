import cliProgress from "cli-progress";
import { describeRun } from "../sim/sweep/grid.ts";
import { mergeSweepOutputs } from "../sim/sweep/merge.ts";
import type { SweepFiles } from "../sim/sweep/output.ts";
import { isFailure } from "../sim/sweep/records.ts";
import { runSweep, SweepRunsFailedError } from "../sim/sweep/run.ts";
import { loadSweep } from "../sim/sweep/schema.ts";
import { formatShard, type Shard } from "../sim/sweep/shard.ts";

/** Flags of `xrollup sweep run`. */
export interface SweepRunFlags {
  out: string;
  /** Worker processes (default: one per core). */
  jobs?: number;
  shard?: Shard;
}

/** Flags of `xrollup sweep merge`. */
export interface SweepMergeFlags {
  out: string;
}

function printFiles(files: SweepFiles): void {
  for (const file of [files.results, files.csv, files.report, files.manifest]) console.log(`  ${file}`);
}

/**
 * `xrollup sweep run FILE --out DIR [--jobs N] [--shard i/n]`: runs the
 * sweep with a progress bar and an ETA on stderr, writes the output
 * directory, and fails (after writing) if any run failed. Ctrl-C stops the
 * workers and writes nothing.
 */
export async function runSweepCommand(file: string, flags: SweepRunFlags): Promise<void> {
  const sweep = await loadSweep(file);
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {percentage}% | {value}/{total} runs | ETA {eta_formatted} | {label}", stream: process.stderr, hideCursor: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once("SIGINT", onSigint);
  bar.start(1, 0, { label: "starting the workers" });
  let outcome;
  try {
    outcome = await runSweep({
      sweep,
      out: flags.out,
      jobs: flags.jobs,
      shard: flags.shard,
      signal: interrupt.signal,
      onProgress: (done, total, record) => {
        bar.setTotal(total);
        const label = record === undefined ? "starting the workers" : `run ${record.run} ${isFailure(record) ? "FAILED" : "done"} (${describeRun(record)})`;
        bar.update(done, { label });
      },
    });
  } finally {
    bar.stop();
    process.removeListener("SIGINT", onSigint);
  }
  const { records, failed, files } = outcome;
  const share = flags.shard === undefined ? "" : ` (shard ${formatShard(flags.shard)})`;
  console.log(`${records.length - failed.length} of ${records.length} runs done${share}; wrote:`);
  printFiles(files);
  if (failed.length > 0) throw new SweepRunsFailedError({ failed, total: records.length, out: flags.out });
}

/**
 * `xrollup sweep merge DIR… --out DIR`: merges shards' output directories
 * into what one unsharded run writes; fails (after writing) if the sweep
 * has failed runs, as the run did.
 */
export async function mergeSweepCommand(dirs: readonly string[], flags: SweepMergeFlags): Promise<void> {
  const { records, failed, files } = await mergeSweepOutputs({ dirs, out: flags.out });
  console.log(`Merged ${dirs.length} ${dirs.length === 1 ? "directory" : "directories"}: ${records.length} runs; wrote:`);
  printFiles(files);
  if (failed.length > 0) throw new SweepRunsFailedError({ failed, total: records.length, out: flags.out });
}
