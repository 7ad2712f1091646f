/**
 * The rows of a report — one per metric, one cell per policy (per
 * configuration and policy when there are several configurations) — and the
 * censorship table — one row per configuration and policy — shared by the
 * text table and the HTML page so both always show the same numbers.
 */
import { XrollupError } from "../../errors/base.ts";
import { parseTokens, TOKEN_DECIMALS } from "../tokens.ts";
import type { PolicyResult, ScenarioResult } from "./types.ts";

/** The metrics a report shows, in row order. */
export type MetricKey =
  | "searcherProfit"
  | "searcherInventoryValue"
  | "searcherGasCost"
  | "victimLoss"
  | "victimsDropped"
  | "sequencerRevenue"
  | "lpFeesIn"
  | "arbitragesCompleted"
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
function amount(policy: PolicyResult, field: string, text: string): bigint {
  const wei = parseTokens(text);
  if (wei === undefined) throw new ReportDataError({ policy: policy.policy, field, value: text });
  return wei;
}

/** A cell for an amount of the result (a decimal string with 18 decimals), named `field` in errors. */
const tokenCell = (policy: PolicyResult, field: string, text: string): MetricCell => {
  const wei = amount(policy, field, text);
  return { policy: policy.policy, exact: text, display: shortTokens(wei), value: Number(text) };
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
  { metric: "searcherProfit", label: "Searcher profit, realised (tokens)", cell: (p) => tokenCell(p, "searcherProfit", p.searcherProfit) },
  {
    metric: "searcherInventoryValue",
    label: "Searcher inventory at final price (tokens)",
    cell: (p) => tokenCell(p, "searcherInventory.valueAtFinalPrice", p.searcherInventory.valueAtFinalPrice),
  },
  { metric: "searcherGasCost", label: "Searcher gas cost (ETH)", cell: (p) => tokenCell(p, "searcherGasCost", p.searcherGasCost) },
  { metric: "victimLoss", label: "Victim loss (tokens)", cell: (p) => tokenCell(p, "victimLoss", p.victimLoss) },
  { metric: "victimsDropped", label: "Victims dropped by an attack", cell: (p) => countCell(p, p.victimsDropped.count) },
  { metric: "sequencerRevenue", label: "Sequencer revenue (ETH)", cell: (p) => tokenCell(p, "sequencerRevenue.total", p.sequencerRevenue.total) },
  { metric: "lpFeesIn", label: "LP fees, in-token (tokens)", cell: (p) => tokenCell(p, "lpFees.inToken", p.lpFees.inToken) },
  { metric: "arbitragesCompleted", label: "Arbitrages completed", cell: (p) => countCell(p, p.arbitrages.completed) },
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
  const rows = ROWS.map(({ metric, label, cell }) => ({ metric, label, cells: result.policies.map(cell) }));
  return [...rows, ...searcherRows(result)];
}

/** With several searchers, each one's realised profit and inventory value, so that strategies can be told apart. */
function searcherRows(result: ScenarioResult): MetricRow[] {
  const searchers = result.policies[0]?.searchers ?? [];
  if (searchers.length < 2) return [];
  return searchers.flatMap((searcher, index) => {
    const name = `searcher ${searcher.searcher} (${searcher.strategy}${searcher.atomic === undefined ? "" : searcher.atomic ? ", atomic" : ", not atomic"}${searcher.as === "sequencer" ? ", the sequencer" : ""})`;
    const part = (policy: PolicyResult) => policy.searchers[index]!;
    return [
      { metric: "searcherProfit", label: `  ${name}: profit`, cells: result.policies.map((p) => tokenCell(p, `searchers[${index}].profit`, part(p).profit)) },
      {
        metric: "searcherInventoryValue",
        label: `  ${name}: inventory value`,
        cells: result.policies.map((p) => tokenCell(p, `searchers[${index}].inventory.valueAtFinalPrice`, part(p).inventory.valueAtFinalPrice)),
      },
    ];
  });
}

/**
 * The heading of each entry's column, as lines: its policy, under its
 * configuration's name when the run compared several configurations.
 */
export function entryHeadings(result: ScenarioResult): string[][] {
  const several = result.configurations.length > 1;
  return result.policies.map((entry) => (several ? [entry.configuration, entry.policy] : [entry.policy]));
}

/** The distinct policies of a result, in its order. */
export function policyNames(result: ScenarioResult): string[] {
  return [...new Set(result.policies.map((entry) => entry.policy))];
}

/** Human-readable facts about the run, shared by the table's heading and the HTML page. */
export function scenarioFacts(result: ScenarioResult): { label: string; value: string }[] {
  const configurations = result.configurations.map(
    ({ name, sequencers, faults }) => `${name} (${sequencers} ${sequencers === 1 ? "sequencer" : "sequencers"}, ${faults} ${faults === 1 ? "fault" : "faults"})`,
  );
  return [
    { label: "Seed", value: String(result.seed) },
    { label: "Rollups", value: String(result.rollups) },
    { label: "Slots", value: String(result.slots) },
    { label: "Policies", value: policyNames(result).join(", ") },
    ...(showsCensorship(result) ? [{ label: "Configurations", value: configurations.join(", ") }] : []),
    { label: "Generated", value: result.generatedAt },
  ];
}

/** The columns of the censorship table, after its configuration and policy. */
export type CensorshipKey =
  | "censored"
  | "notIncluded"
  | "forcedInclusions"
  | "inclusionP50"
  | "inclusionP99"
  | "inclusionMax"
  | "slotsWithoutBatch"
  | "failovers"
  | "equivocationsProved";

/** One row of the censorship table: a configuration under a policy. */
export interface CensorshipRow {
  configuration: string;
  policy: string;
  /** One cell per column of {@link CENSORSHIP_COLUMNS}, in its order. */
  cells: MetricCell[];
}

// A time to inclusion that is null falls on a transaction never included; with no censored transaction there is nothing to show.
const inclusionCell = (entry: PolicyResult, ms: number | null): MetricCell => {
  if (ms !== null) return msCell(entry, ms);
  const display = entry.censored.transactions === 0 ? "-" : "never";
  return { policy: entry.policy, exact: "null", display, value: Number.NaN };
};

/**
 * The columns of the censorship table: a heading in two lines (the text
 * table stacks them, the HTML page joins them) and how to read the cell.
 */
export const CENSORSHIP_COLUMNS: readonly { key: CensorshipKey; heading: readonly [string, string]; cell: (entry: PolicyResult) => MetricCell }[] = [
  { key: "censored", heading: ["Censored", "txs"], cell: (p) => countCell(p, p.censored.transactions) },
  { key: "notIncluded", heading: ["Not", "included"], cell: (p) => countCell(p, p.censored.notIncluded) },
  { key: "forcedInclusions", heading: ["Forced", "on L1"], cell: (p) => countCell(p, p.forcedInclusions) },
  { key: "inclusionP50", heading: ["Inclusion", "p50 (ms)"], cell: (p) => inclusionCell(p, p.censored.timeToInclusionMs.p50) },
  { key: "inclusionP99", heading: ["Inclusion", "p99 (ms)"], cell: (p) => inclusionCell(p, p.censored.timeToInclusionMs.p99) },
  { key: "inclusionMax", heading: ["Inclusion", "max (ms)"], cell: (p) => inclusionCell(p, p.censored.timeToInclusionMs.max) },
  { key: "slotsWithoutBatch", heading: ["Slots", "w/o batch"], cell: (p) => countCell(p, p.slotsWithoutBatch) },
  { key: "failovers", heading: ["", "Failovers"], cell: (p) => countCell(p, p.failovers) },
  { key: "equivocationsProved", heading: ["Equivocations", "proved"], cell: (p) => countCell(p, p.equivocationsProved) },
];

/** What the censorship table's numbers mean, under it in both reports: lines for the terminal, joined on the page. */
export const CENSORSHIP_NOTE: readonly string[] = [
  "Censored: transactions a censor fault covered while pending; never: not included by the end of the run.",
  "Inclusion, in simulated ms: slots waited, counting the slot it was sent in, times slotMs,",
  "plus the view timeout for every failover in the slot that included it.",
];

/**
 * Whether a report shows the censorship table: only for a run with a
 * sequencer committee or faults, so that other reports look as before.
 */
export function showsCensorship(result: ScenarioResult): boolean {
  return result.configurations.some((configuration) => configuration.sequencers > 1 || configuration.faults > 0);
}

/** The censorship table's rows: one per configuration and policy, in the result's order. */
export function censorshipRows(result: ScenarioResult): CensorshipRow[] {
  return result.policies.map((entry) => ({
    configuration: entry.configuration,
    policy: entry.policy,
    cells: CENSORSHIP_COLUMNS.map(({ cell }) => cell(entry)),
  }));
}
