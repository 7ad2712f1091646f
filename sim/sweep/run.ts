/**
 * `xrollup sweep run`: every run of a sweep (or of one shard of it) on
 * worker processes, then the output directory.
 */
import { availableParallelism } from "node:os";
import { XrollupError } from "../../errors/base.ts";
import { SweepOptionError } from "./errors.ts";
import { describeRun, expandRuns } from "./grid.ts";
import { type SweepFiles, writeSweepOutput } from "./output.ts";
import { runInWorkers } from "./pool.ts";
import { isFailure, type SweepFailureRecord, type SweepRecord } from "./records.ts";
import type { Sweep } from "./schema.ts";
import { inShard, type Shard } from "./shard.ts";

/** Progress of a sweep: `done` of `total` runs settled, `record` the last one (none before the first). */
export type SweepProgress = (done: number, total: number, record: SweepRecord | undefined) => void;

/** Parameters of {@link runSweep}. */
export interface RunSweepParameters {
  sweep: Sweep;
  /** The output directory (created if needed). */
  out: string;
  /** Worker processes at once (default: `os.availableParallelism()`). */
  jobs?: number;
  /** Run only this share of the runs (default: all of them). */
  shard?: Shard;
  /** Interrupts the sweep: workers are killed, nothing is written. */
  signal?: AbortSignal;
  onProgress?: SweepProgress;
}

/** What {@link runSweep} returns. */
export interface RunSweepReturnType {
  /** One record per run of the shard, in run order. */
  records: SweepRecord[];
  /** The failed runs among them. */
  failed: SweepFailureRecord[];
  files: SweepFiles;
}

/** Thrown after a sweep is written when some of its runs failed: the others' results are in the output. */
export class SweepRunsFailedError extends XrollupError {
  override name = "SweepRunsFailedError";
  /** The failed runs. */
  readonly failed: readonly SweepFailureRecord[];
  constructor({ failed, total, out }: { failed: readonly SweepFailureRecord[]; total: number; out: string }) {
    const [first] = failed;
    const shown = first === undefined ? "" : `; run ${first.run} (${describeRun(first)}): ${first.error.split("\n")[0]}`;
    super(`${failed.length} of ${total} runs failed${shown}`, {
      details: [`The other runs' results, and every failed run's error, are in ${out} (results.jsonl, report.html).`],
      data: { runs: failed.map((record) => record.run) },
    });
    this.failed = failed;
  }
}

/**
 * Runs the sweep's runs (those of `shard` only, if given) on `jobs` worker
 * processes and writes `sweep.json`, `results.jsonl`, `results.csv` and
 * `report.html` to `out`. Every run is validated before any starts. A run
 * that fails does not stop the others: it is written as a record with its
 * `error` and listed in `failed` (the CLI then exits non-zero).
 *
 * @throws {SweepOptionError} for `jobs` that is not a positive integer.
 * @throws {SweepRunInvalidError} for a run that is not a valid scenario.
 * @throws {SweepInterruptedError} if `signal` aborts (nothing is written).
 * @example
 * ```ts
 * const { files, failed } = await runSweep({ sweep: await loadSweep("sweep.json"), out: "results", jobs: 2 });
 * ```
 */
export async function runSweep({ sweep, out, jobs = availableParallelism(), shard, signal, onProgress }: RunSweepParameters): Promise<RunSweepReturnType> {
  if (!Number.isSafeInteger(jobs) || jobs < 1) throw new SweepOptionError({ option: "--jobs", value: String(jobs), expected: "a whole number of at least 1" });
  const runs = expandRuns(sweep).filter(({ run }) => inShard(run, shard));
  onProgress?.(0, runs.length, undefined);
  const records = await runInWorkers({ runs, jobs, signal, onSettled: (record, done, total) => onProgress?.(done, total, record) });
  const files = await writeSweepOutput(out, { sweep, shard, records });
  return { records, failed: records.filter(isFailure), files };
}
