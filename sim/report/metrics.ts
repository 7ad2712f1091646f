/**
 * The rows of a report — one per metric, one cell per policy — shared by the
 * text table and the HTML page so both always show the same numbers.
 */
import { XrollupError } from "../../errors/base.ts";
import { parseDecimal, TOKEN_DECIMALS } from "../tokens.ts";
import type { PolicyResult, ScenarioResult } from "./types.ts";

/** The metrics a report shows, in row order. */
export type MetricKey =
  | "searcherProfit"
  | "searcherGasCost"
  | "victimLoss"
  | "sandwichesAttempted"
  | "sandwichesSucceeded"
  | "dropped"
  | "latencyP50"
  | "latencyP99"
  | "transactions";

/** One policy's value of one metric. */
export interface MetricCell {
  /** The policy this value is for. */
  policy: string;
  /** The exact value, as in the JSON result (all 18 decimals for amounts). */
  exact: string;
  /** The value shortened for reading (6 significant digits for amounts). */
  display: string;
  /** The value as a float, to scale charts; never used for arithmetic on amounts. */
  value: number;
}

/** One metric across all policies. */
export interface MetricRow {
  metric: MetricKey;
  /** Row label, with its unit, e.g. `"Searcher profit (tokens)"`. */
  label: string;
  cells: MetricCell[];
}

/** Thrown when a result holds a value the report cannot read, such as a malformed amount. */
export class ReportDataError extends XrollupError {
  override name = "ReportDataError";
  constructor({ policy, field, value }: { policy: string; field: string; value: unknown }) {
    super(`Cannot report ${field} of policy "${policy}": expected a decimal amount with up to 18 decimals, got ${JSON.stringify(value)}.`);
  }
}

// Amounts below a millionth of a token are printed in exponent form: fixed decimals would be mostly zeros.
const SMALL = 10n ** BigInt(TOKEN_DECIMALS - 6);
const SIGNIFICANT = 6;

/**
 * A wei amount in whole tokens rounded (half up) to 6 significant digits,
 * without trailing zeros: `12.5`, `1234.57`, `0.666667`, `1234568`,
 * `0.00042`, and `3.142e-7` below a millionth. For reading only; JSON keeps
 * all 18 decimals.
 *
 * @example
 * ```ts
 * shortTokens(12_345_678_900_000_000_000n); // "12.3457"
 * ```
 */
export function shortTokens(wei: bigint): string {
  if (wei === 0n) return "0";
  const sign = wei < 0n ? "-" : "";
  const magnitude = wei < 0n ? -wei : wei;
  if (magnitude < SMALL) return `${sign}${(Number(magnitude) / 10 ** TOKEN_DECIMALS).toExponential(3).replace(/\.?0+e/, "e")}`;
  // Decimals that keep 6 significant digits: fewer as the whole part grows, more for leading zeros after the point.
  const digits = magnitude.toString().length;
  const decimals = Math.max(0, Math.min(TOKEN_DECIMALS, SIGNIFICANT - (digits - TOKEN_DECIMALS)));
  const unit = 10n ** BigInt(TOKEN_DECIMALS - decimals);
  const rounded = (magnitude + unit / 2n) / unit;
  const scale = 10n ** BigInt(decimals);
  const fraction = decimals === 0 ? "" : (rounded % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${sign}${rounded / scale}${fraction === "" ? "" : `.${fraction}`}`;
}

/** Reads a signed decimal token amount from a result into wei. */
function amount(policy: PolicyResult, field: "searcherProfit" | "searcherGasCost" | "victimLoss"): bigint {
  const text = policy[field];
  const negative = text.startsWith("-");
  const wei = parseDecimal(negative ? text.slice(1) : text, TOKEN_DECIMALS);
  if (wei === undefined) throw new ReportDataError({ policy: policy.policy, field, value: text });
  return negative ? -wei : wei;
}

const tokenCell = (policy: PolicyResult, field: "searcherProfit" | "searcherGasCost" | "victimLoss"): MetricCell => {
  const wei = amount(policy, field);
  return { policy: policy.policy, exact: policy[field], display: shortTokens(wei), value: Number(policy[field]) };
};

const countCell = (policy: PolicyResult, count: number): MetricCell => ({ policy: policy.policy, exact: String(count), display: String(count), value: count });

// Latencies are measured in (possibly fractional) ms; a tenth of a ms is all a reader needs.
const msCell = (policy: PolicyResult, ms: number): MetricCell => ({
  policy: policy.policy,
  exact: String(ms),
  display: Number.isInteger(ms) ? String(ms) : ms.toFixed(1),
  value: ms,
});

const ROWS: readonly { metric: MetricKey; label: string; cell: (policy: PolicyResult) => MetricCell }[] = [
  { metric: "searcherProfit", label: "Searcher profit (tokens)", cell: (p) => tokenCell(p, "searcherProfit") },
  { metric: "searcherGasCost", label: "Searcher gas cost (ETH)", cell: (p) => tokenCell(p, "searcherGasCost") },
  { metric: "victimLoss", label: "Victim loss (tokens)", cell: (p) => tokenCell(p, "victimLoss") },
  { metric: "sandwichesAttempted", label: "Sandwiches attempted", cell: (p) => countCell(p, p.sandwichesAttempted) },
  { metric: "sandwichesSucceeded", label: "Sandwiches succeeded", cell: (p) => countCell(p, p.sandwichesSucceeded) },
  { metric: "dropped", label: "Dropped transactions", cell: (p) => countCell(p, p.dropped) },
  { metric: "latencyP50", label: "Latency p50 (ms)", cell: (p) => msCell(p, p.latencyMs.p50) },
  { metric: "latencyP99", label: "Latency p99 (ms)", cell: (p) => msCell(p, p.latencyMs.p99) },
  { metric: "transactions", label: "Transactions", cell: (p) => countCell(p, p.transactions) },
];

/**
 * The report's rows: every metric, with one cell per policy in the result's order.
 *
 * @throws {ReportDataError} if an amount in the result is not a decimal with up to 18 decimals.
 */
export function metricRows(result: ScenarioResult): MetricRow[] {
  return ROWS.map(({ metric, label, cell }) => ({ metric, label, cells: result.policies.map(cell) }));
}

/** Human-readable facts about the run, shared by the table's heading and the HTML page. */
export function scenarioFacts(result: ScenarioResult): { label: string; value: string }[] {
  return [
    { label: "Seed", value: String(result.seed) },
    { label: "Rollups", value: String(result.rollups) },
    { label: "Slots", value: String(result.slots) },
    { label: "Policies", value: result.policies.map((p) => p.policy).join(", ") },
    { label: "Generated", value: result.generatedAt },
  ];
}
