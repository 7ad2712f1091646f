/**
 * The plain-text report: a side-by-side table for the terminal, one column
 * per policy, sized to fit 100 columns for the lab's four policies.
 */
import { metricRows } from "./metrics.ts";
import type { ScenarioResult } from "./types.ts";

const GAP = "  ";

/**
 * Renders a result as an aligned text table: a heading with the scenario's
 * facts, then one row per metric and one right-aligned column per policy.
 * Token amounts are shortened to 6 significant digits (the JSON result keeps
 * all 18 decimals).
 *
 * @throws {ReportDataError} if an amount in the result is malformed.
 * @example
 * ```ts
 * console.log(formatTable(result));
 * // one-sandwich — seed 7 · 2 rollups · 1 slot · 4 policies
 * //                                fcfs  priority-fee  encrypted  fair-random
 * // Searcher profit (tokens)    12.5103       12.5103          0            0
 * ```
 */
export function formatTable(result: ScenarioResult): string {
  const rows = metricRows(result);
  const labelWidth = Math.max(...rows.map((row) => row.label.length));
  const columnWidths = result.policies.map((policy, i) => Math.max(policy.policy.length, ...rows.map((row) => row.cells[i]?.display.length ?? 0)));
  const line = (label: string, cells: readonly string[]) =>
    [label.padEnd(labelWidth), ...cells.map((cell, i) => cell.padStart(columnWidths[i] ?? 0))].join(GAP).trimEnd();

  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const heading = [
    `${result.name} — seed ${result.seed}`,
    count(result.rollups, "rollup", "rollups"),
    count(result.slots, "slot", "slots"),
    count(result.policies.length, "policy", "policies"),
  ].join(" · ");
  const header = line("", result.policies.map((policy) => policy.policy));
  const rule = "-".repeat(header.length);
  return [
    heading,
    `generated ${result.generatedAt}`,
    "",
    header,
    rule,
    ...rows.map((row) => line(row.label, row.cells.map((cell) => cell.display))),
    "",
    "Amounts rounded to 6 significant digits; the JSON result has all 18 decimals.",
  ].join("\n");
}
