/**
 * `xrollup sweep merge`: the shards of one sweep, run apart, put back into
 * exactly the output one unsharded run writes.
 */
import { SweepMergeError } from "./errors.ts";
import { expandRuns, type SweepRun } from "./grid.ts";
import { readSweepOutput, type SweepFiles, type SweepOutput, writeSweepOutput } from "./output.ts";
import { isFailure, type SweepFailureRecord, type SweepRecord } from "./records.ts";
import { sweepToJson } from "./schema.ts";
import { formatShard } from "./shard.ts";

/** Parameters of {@link mergeSweepOutputs}. */
export interface MergeSweepOutputsParameters {
  /** The shards' output directories. */
  dirs: readonly string[];
  /** Where to write the merged output (may be one of `dirs`). */
  out: string;
}

/** What {@link mergeSweepOutputs} returns. */
export interface MergeSweepOutputsReturnType {
  /** One record per run of the sweep, in run order. */
  records: SweepRecord[];
  /** The failed runs among them. */
  failed: SweepFailureRecord[];
  files: SweepFiles;
}

/** Run indexes for a message, consecutive ones as ranges: `0–3, 7, 9–11`; long lists are cut. */
export function formatRunList(runs: readonly number[]): string {
  const ranges: string[] = [];
  const sorted = [...runs].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    let end = i;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end++;
    ranges.push(end === i ? String(sorted[i]) : `${sorted[i]}–${sorted[end]}`);
    i = end + 1;
  }
  const shown = 12;
  return ranges.length <= shown ? ranges.join(", ") : `${ranges.slice(0, shown).join(", ")}, … (${sorted.length} runs in all)`;
}

function describeDir(dir: string, output: SweepOutput): string {
  return `${dir}: ${output.shard === undefined ? "the whole sweep" : `shard ${formatShard(output.shard)}`}, ${output.records.length} runs`;
}

/** Which parts of two sweeps differ. */
function differences(a: SweepOutput, b: SweepOutput): string[] {
  const left = sweepToJson(a.sweep);
  const right = sweepToJson(b.sweep);
  return (["base", "grid", "seeds"] as const).filter((key) => JSON.stringify(left[key]) !== JSON.stringify(right[key]));
}

function sameRun(record: SweepRecord, run: SweepRun): boolean {
  return record.seed === run.seed && JSON.stringify(record.params) === JSON.stringify(run.params);
}

/**
 * Merges shard directories of one sweep: checks that they come from the
 * same sweep and together hold every run exactly once, then writes the
 * four files exactly as an unsharded run writes them (records in run
 * order, `"shard": null`).
 *
 * @throws {SweepMergeError} for a directory that is not a sweep output,
 * sweeps that differ (naming which part), a record that does not match its
 * run, or runs missing or held twice (naming them).
 * @example
 * ```ts
 * await mergeSweepOutputs({ dirs: ["out/shard-0", "out/shard-1"], out: "out/all" });
 * ```
 */
export async function mergeSweepOutputs({ dirs, out }: MergeSweepOutputsParameters): Promise<MergeSweepOutputsReturnType> {
  if (dirs.length === 0) throw new SweepMergeError("no directories given.");
  const outputs: SweepOutput[] = [];
  for (const dir of dirs) outputs.push(await readSweepOutput(dir));
  const first = outputs[0]!;
  outputs.forEach((output, i) => {
    const differ = differences(first, output);
    if (differ.length > 0) throw new SweepMergeError(`${dirs[i]} is from another sweep than ${dirs[0]} (their ${differ.join(", ")} differ).`);
  });

  const runs = expandRuns(first.sweep);
  const holders = new Map<number, string[]>();
  const records = new Map<number, SweepRecord>();
  outputs.forEach((output, i) => {
    const dir = dirs[i]!;
    for (const record of output.records) {
      const run = runs[record.run];
      if (run === undefined || !sameRun(record, run)) {
        throw new SweepMergeError(`${dir} holds a record for run ${record.run} that is not that run of the sweep (its values or seed differ).`);
      }
      holders.set(record.run, [...(holders.get(record.run) ?? []), dir]);
      records.set(record.run, record);
    }
  });
  const held = dirs.map((dir, i) => describeDir(dir, outputs[i]!));
  const twice = [...holders].filter(([, where]) => where.length > 1);
  if (twice.length > 0) {
    throw new SweepMergeError(`runs ${formatRunList(twice.map(([run]) => run))} are held more than once.`, [
      ...twice.slice(0, 5).map(([run, where]) => `Run ${run} is in ${where.join(" and ")}.`),
      ...held,
    ]);
  }
  const missing = runs.filter(({ run }) => !records.has(run)).map(({ run }) => run);
  if (missing.length > 0) {
    throw new SweepMergeError(`runs ${formatRunList(missing)} are missing (${missing.length} of ${runs.length}); merge every shard of the sweep.`, held);
  }

  const merged = runs.map(({ run }) => records.get(run)!);
  const files = await writeSweepOutput(out, { sweep: first.sweep, shard: undefined, records: merged });
  return { records: merged, failed: merged.filter(isFailure), files };
}
