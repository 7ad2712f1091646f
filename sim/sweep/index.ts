/**
 * Parameter sweeps: a scenario run over a grid of values and seeds, on
 * worker processes, in shards if need be, with a CSV and an HTML report of
 * means and confidence intervals.
 */
export { FieldPathError, parseFieldPath, setField } from "./path.ts";
export { SweepFileError, SweepInterruptedError, SweepMergeError, SweepOptionError, SweepWorkerError } from "./errors.ts";
export { describeRun, expandRuns, runCount, SweepRunInvalidError } from "./grid.ts";
export { loadSweep, parseSweep, sweepToJson } from "./schema.ts";
export { formatShard, inShard, parseShard } from "./shard.ts";
export { meanInterval, tQuantile95 } from "./stats.ts";
export { policyMetrics, metricNames } from "./metrics.ts";
export { renderCsv } from "./csv.ts";
export { renderSweepReport, HEADLINE_METRICS } from "./report.ts";
export { readSweepOutput, SWEEP_FILES, writeSweepOutput } from "./output.ts";
export { runSweep, SweepRunsFailedError } from "./run.ts";
export { formatRunList, mergeSweepOutputs } from "./merge.ts";
export type { GridParameter, Sweep, SweepJson } from "./schema.ts";
export type { RunParams, SweepRun } from "./grid.ts";
export type { Shard } from "./shard.ts";
export type { MeanInterval } from "./stats.ts";
export type { MetricValue } from "./metrics.ts";
export type { SweepFailureRecord, SweepManifest, SweepRecord, SweepResultRecord } from "./records.ts";
export type { SweepFiles, SweepOutput } from "./output.ts";
export type { RunSweepParameters, RunSweepReturnType, SweepProgress } from "./run.ts";
export type { MergeSweepOutputsParameters, MergeSweepOutputsReturnType } from "./merge.ts";
