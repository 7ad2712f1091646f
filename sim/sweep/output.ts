/**
 * A sweep's output directory: `sweep.json`, `results.jsonl`, `results.csv`
 * and `report.html`, written the same way by a run and by a merge, and read
 * back by a merge.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderCsv } from "./csv.ts";
import { XrollupError } from "../../errors/base.ts";
import { SweepMergeError } from "./errors.ts";
import { runCount } from "./grid.ts";
import type { SweepManifest, SweepRecord } from "./records.ts";
import { renderSweepReport } from "./report.ts";
import { parseSweep, type Sweep, sweepToJson } from "./schema.ts";
import type { Shard } from "./shard.ts";

/** The files of a sweep's output directory, by role. */
export const SWEEP_FILES = {
  manifest: "sweep.json",
  results: "results.jsonl",
  csv: "results.csv",
  report: "report.html",
} as const;

/** Paths of the files written, by role. */
export type SweepFiles = { [role in keyof typeof SWEEP_FILES]: string };

/** What a sweep's output directory holds. */
export interface SweepOutput {
  sweep: Sweep;
  /** The share of the sweep; `undefined`: all of it. */
  shard: Shard | undefined;
  /** The records, in run order. */
  records: readonly SweepRecord[];
}

/** The paths of `dir`'s sweep files. */
export function sweepFiles(dir: string): SweepFiles {
  return {
    manifest: join(dir, SWEEP_FILES.manifest),
    results: join(dir, SWEEP_FILES.results),
    csv: join(dir, SWEEP_FILES.csv),
    report: join(dir, SWEEP_FILES.report),
  };
}

/**
 * Writes a sweep's output to `dir` (created if needed): `sweep.json` (the
 * resolved sweep, its number of runs and the shard), `results.jsonl` (one
 * record per line, in the order given), `results.csv` and `report.html`.
 *
 * @example
 * ```ts
 * const files = await writeSweepOutput("out", { sweep, shard: undefined, records });
 * ```
 */
export async function writeSweepOutput(dir: string, { sweep, shard, records }: SweepOutput): Promise<SweepFiles> {
  const files = sweepFiles(dir);
  const manifest: SweepManifest = { sweep: sweepToJson(sweep), runs: runCount(sweep), shard: shard ?? null };
  await mkdir(dir, { recursive: true });
  await writeFile(files.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(files.results, records.map((record) => `${JSON.stringify(record)}\n`).join(""));
  await writeFile(
    files.csv,
    renderCsv(
      sweep.grid.map(({ path }) => path),
      records,
    ),
  );
  await writeFile(files.report, renderSweepReport(sweep, records));
  return files;
}

async function readText(file: string, dir: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new SweepMergeError(`${dir} is not the output of \`xrollup sweep run\`: cannot read ${file} (${(error as Error).message}).`);
  }
}

function isShard(value: unknown): value is Shard {
  const shard = value as Partial<Shard> | null;
  return typeof shard === "object" && shard !== null && Number.isSafeInteger(shard.index) && Number.isSafeInteger(shard.count);
}

function isRecord(value: unknown): value is SweepRecord {
  const record = value as Partial<Record<"run" | "params" | "seed" | "result" | "error", unknown>> | null;
  return (
    typeof record === "object" &&
    record !== null &&
    Number.isSafeInteger(record.run) &&
    typeof record.params === "object" &&
    record.params !== null &&
    typeof record.seed === "number" &&
    ((typeof record.result === "object" && record.result !== null) || typeof record.error === "string")
  );
}

/**
 * Reads a sweep's output directory: its `sweep.json` (validated again as a
 * sweep) and its `results.jsonl`.
 *
 * @throws {SweepMergeError} naming the directory and the file or line that is missing or malformed.
 * @example
 * ```ts
 * const { sweep, shard, records } = await readSweepOutput("results/shard-0");
 * ```
 */
export async function readSweepOutput(dir: string): Promise<SweepOutput> {
  const files = sweepFiles(dir);
  let manifest: SweepManifest;
  try {
    manifest = JSON.parse(await readText(files.manifest, dir)) as SweepManifest;
  } catch (error) {
    if (error instanceof SweepMergeError) throw error;
    throw new SweepMergeError(`${files.manifest} is not valid JSON.`);
  }
  if (typeof manifest !== "object" || manifest === null || !Number.isSafeInteger(manifest.runs) || !(manifest.shard === null || isShard(manifest.shard))) {
    throw new SweepMergeError(`${files.manifest} is not a sweep manifest (expected "sweep", "runs" and "shard").`);
  }
  let sweep: Sweep;
  try {
    sweep = parseSweep(manifest.sweep);
  } catch (error) {
    const reason = error instanceof XrollupError ? error.shortMessage : (error as Error).message;
    throw new SweepMergeError(`the sweep in ${files.manifest} is not valid: ${reason}`);
  }
  const lines = (await readText(files.results, dir)).split("\n");
  const records = lines.flatMap((line, i): SweepRecord[] => {
    if (line.trim() === "") return [];
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new SweepMergeError(`${files.results}, line ${i + 1}, is not valid JSON.`);
    }
    if (!isRecord(record)) throw new SweepMergeError(`${files.results}, line ${i + 1}, is not a sweep record (expected "run", "params", "seed" and "result" or "error").`);
    return [record];
  });
  return { sweep, shard: manifest.shard ?? undefined, records };
}
