/**
 * The metrics of a sweep: the numeric leaves of each policy's result,
 * flattened with dots (`latencyMs.p50`, `censored.transactions`), found in
 * the results themselves rather than listed here, so a field the scenario
 * runner adds appears in the CSV and the report without a change here.
 */
import type { PolicyResult } from "../report/types.ts";
import { isFailure, type SweepRecord } from "./records.ts";

/**
 * A metric's value: a number, an exact decimal string (token and ETH
 * amounts, kept as the result writes them), or `null` where the result has
 * no value (a percentile of nothing).
 */
export type MetricValue = number | string | null;

// What identifies a row rather than measures it, and what is not a per-run figure:
// the per-transaction trace, and wall-clock timing that differs between machines.
const NOT_METRICS = new Set(["configuration", "policy", "trace", "timing"]);

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Whether a string is an exact decimal number, as results write amounts (`"-12.5"`, `"1000"`). */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

function collect(value: unknown, name: string, into: Map<string, MetricValue>, objects: Set<string>): void {
  if (typeof value === "number") into.set(name, value);
  else if (typeof value === "string") {
    if (isDecimal(value)) into.set(name, value);
  } else if (value === null) into.set(name, null);
  else if (typeof value === "object" && !Array.isArray(value)) {
    objects.add(name);
    for (const [key, child] of Object.entries(value)) collect(child, `${name}.${key}`, into, objects);
  }
}

/**
 * The metrics of one policy's result, by dotted name, in the result's
 * field order: numbers, decimal strings and nulls; arrays, other strings,
 * booleans and the `trace` and `timing` subtrees are left out. A name of
 * `known` that this result lacks, inside an object it has, is 0: such an
 * object is a count by key (`droppedByReason` lists only the reasons that
 * occurred), so a missing key is a count of none, not an unknown.
 *
 * @example
 * ```ts
 * policyMetrics(result.policies[0]).get("latencyMs.p50"); // 1000
 * policyMetrics(result.policies[0], ["droppedByReason.reverted"]).get("droppedByReason.reverted"); // 0 if none reverted
 * ```
 */
export function policyMetrics(result: PolicyResult, known: readonly string[] = []): Map<string, MetricValue> {
  const metrics = new Map<string, MetricValue>();
  const objects = new Set<string>();
  for (const [key, value] of Object.entries(result)) if (!NOT_METRICS.has(key)) collect(value, key, metrics, objects);
  for (const name of known) {
    const parent = name.slice(0, Math.max(0, name.lastIndexOf(".")));
    if (!metrics.has(name) && objects.has(parent)) metrics.set(name, 0);
  }
  return metrics;
}

/** The metric names of every result, in the order they are first met (runs in order, policies in order). */
export function metricNames(records: readonly SweepRecord[]): string[] {
  const names = new Set<string>();
  for (const record of records) {
    if (isFailure(record)) continue;
    for (const policy of record.result.policies) for (const name of policyMetrics(policy).keys()) names.add(name);
  }
  return [...names];
}

/** A metric value as a float for averaging and charts (exact strings stay exact in the CSV). */
export function metricNumber(value: MetricValue | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}
