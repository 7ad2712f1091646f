/**
 * `results.csv`: one row per run and policy (per configuration and policy
 * when the scenario compares several), RFC 4180.
 */
import type { JsonValue } from "../../devnet/state-file.ts";
import { metricNames, policyMetrics } from "./metrics.ts";
import { isFailure, type SweepRecord } from "./records.ts";

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A grid value as a CSV cell: strings and numbers as they are, anything else as JSON. */
export function paramText(value: JsonValue | undefined): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The CSV of a sweep's records: header `run,seed,<param…>,configuration,
 * policy,<metric…>`, params in the grid's order, metrics as
 * {@link metricNames} finds them, exact decimal strings as the result wrote
 * them, 0 for a key a count object lacks (see {@link policyMetrics}), empty
 * cells for `null` or absent values. Failed runs have no rows.
 * Lines end in CRLF, as RFC 4180 says.
 *
 * @example
 * ```ts
 * renderCsv(["victims[0].slippageBps"], records).split("\r\n")[0];
 * // "run,seed,victims[0].slippageBps,configuration,policy,searcherProfit,…"
 * ```
 */
export function renderCsv(params: readonly string[], records: readonly SweepRecord[]): string {
  const metrics = metricNames(records);
  const lines = [["run", "seed", ...params, "configuration", "policy", ...metrics]];
  for (const record of records) {
    if (isFailure(record)) continue;
    for (const policy of record.result.policies) {
      const values = policyMetrics(policy, metrics);
      lines.push([
        String(record.run),
        String(record.seed),
        ...params.map((path) => paramText(record.params[path])),
        policy.configuration,
        policy.policy,
        ...metrics.map((name) => {
          const value = values.get(name);
          return value === null || value === undefined ? "" : String(value);
        }),
      ]);
    }
  }
  return lines.map((line) => `${line.map(field).join(",")}\r\n`).join("");
}
