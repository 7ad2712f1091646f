/**
 * What a sweep writes, one record per run (a line of `results.jsonl`), and
 * `sweep.json`, which says what sweep and which share of it a directory
 * holds.
 */
import type { ScenarioResult } from "../report/types.ts";
import type { RunParams } from "./grid.ts";
import type { SweepJson } from "./schema.ts";
import type { Shard } from "./shard.ts";

/** A run that finished: its scenario result. */
export interface SweepResultRecord {
  run: number;
  params: RunParams;
  seed: number;
  result: ScenarioResult;
}

/** A run that failed: what the scenario runner (or its worker process) said. */
export interface SweepFailureRecord {
  run: number;
  params: RunParams;
  seed: number;
  error: string;
}

/** One line of `results.jsonl`. */
export type SweepRecord = SweepResultRecord | SweepFailureRecord;

/** Whether a record is a failed run. */
export function isFailure(record: SweepRecord): record is SweepFailureRecord {
  return "error" in record;
}

/** `sweep.json`: the resolved sweep, its number of runs, and the share of it the directory holds (`null`: all of it). */
export interface SweepManifest {
  sweep: SweepJson;
  runs: number;
  shard: Shard | null;
}
