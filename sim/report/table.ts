/**
 * The plain-text report: a side-by-side table for the terminal, one column
 * per policy, sized to fit 100 columns for the lab's four policies; and,
 * for runs with a sequencer committee or faults, a censorship table with
 * one row per configuration and policy.
 */
import { CENSORSHIP_COLUMNS, CENSORSHIP_NOTE, censorshipRows, entryHeadings, metricRows, policyNames, showsCensorship } from "./metrics.ts";
import type { ScenarioResult } from "./types.ts";

const GAP = "  ";

/**
 * Aligned text columns: the first `leftColumns` left-aligned, the others
 * right-aligned under headings of one or more lines (shorter headings sit
 * on the bottom line), then a rule as wide as the headings.
 */
function alignedColumns(headings: readonly (readonly string[])[], rows: readonly (readonly string[])[], leftColumns: number): string[] {
  const depth = Math.max(...headings.map((heading) => heading.length));
  const stacked = headings.map((heading) => [...new Array<string>(depth - heading.length).fill(""), ...heading]);
  const widths = stacked.map((heading, i) => Math.max(...heading.map((part) => part.length), ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(GAP).trimEnd();
  const header = Array.from({ length: depth }, (_, level) => line(stacked.map((heading) => heading[level] ?? "")));
  const rule = "-".repeat(Math.max(...header.map((part) => part.length)));
  return [...header, rule, ...rows.map(line)];
}

/**
 * Renders a result as an aligned text table: a heading with the scenario's
 * facts, then one row per metric and one right-aligned column per policy
 * (headed by configuration and policy when the run compared several
 * configurations). Token amounts are shortened to 6 significant digits
 * (the JSON result keeps all 18 decimals). A run with a sequencer
 * committee or faults adds a censorship table, one row per configuration
 * and policy.
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
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const heading = [
    `${result.name} — seed ${result.seed}`,
    count(result.rollups, "rollup", "rollups"),
    count(result.slots, "slot", "slots"),
    ...(result.configurations.length > 1 ? [count(result.configurations.length, "configuration", "configurations")] : []),
    count(policyNames(result).length, "policy", "policies"),
  ].join(" · ");
  const metrics = alignedColumns(
    [[""], ...entryHeadings(result)],
    rows.map((row) => [row.label, ...row.cells.map((cell) => cell.display)]),
    1,
  );
  const censorship = showsCensorship(result)
    ? [
        "",
        "Censorship and liveness",
        "",
        ...alignedColumns(
          [["Configuration"], ["Policy"], ...CENSORSHIP_COLUMNS.map((column) => column.heading)],
          censorshipRows(result).map((row) => [row.configuration, row.policy, ...row.cells.map((cell) => cell.display)]),
          2,
        ),
        "",
        ...CENSORSHIP_NOTE,
      ]
    : [];
  return [
    heading,
    `generated ${result.generatedAt}`,
    "",
    ...metrics,
    ...censorship,
    "",
    "Amounts rounded to 6 significant digits; the JSON result has all 18 decimals.",
  ].join("\n");
}
