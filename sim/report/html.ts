/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script,
 * no fonts or anything else fetched) that opens offline in any browser and
 * can be attached to an issue or a paper's artifacts as is.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  CENSORSHIP_COLUMNS,
  CENSORSHIP_NOTE,
  censorshipRows,
  entryHeadings,
  type MetricCell,
  type MetricKey,
  type MetricRow,
  metricRows,
  policyNames,
  scenarioFacts,
  showsCensorship,
} from "./metrics.ts";
import { barChart, type BarSeries, escapeXml } from "./svg.ts";
import type { ScenarioResult } from "./types.ts";

// What each lab policy does, for readers who do not know the sequencer.
const POLICY_NOTES: Readonly<Record<string, string>> = {
  fcfs: "first come, first served: the order in which the sequencer received transactions, so the fastest searcher goes first.",
  "priority-fee": "a gas auction: the highest priority fee goes first, so a searcher can bracket a victim by outbidding it.",
  encrypted: "threshold-encrypted mempool: the order is committed before transactions are decrypted, so nobody sees what to sandwich.",
  "fair-random": "a random permutation of each slot from a committed seed: no position can be bought or raced for.",
};

const COLORS: Readonly<Record<MetricKey, string>> = {
  searcherProfit: "#2563eb",
  searcherInventoryValue: "#93c5fd",
  victimLoss: "#dc2626",
  victimsDropped: "#991b1b",
  sequencerRevenue: "#7c3aed",
  lpFeesIn: "#0d9488",
  arbitragesCompleted: "#ca8a04",
  searcherGasCost: "#64748b",
  sandwichesAttempted: "#94a3b8",
  sandwichesSucceeded: "#ea580c",
  dropped: "#64748b",
  latencyP50: "#16a34a",
  latencyP99: "#166534",
  transactions: "#64748b",
};

/**
 * The look the lab's HTML reports share (the scenario report and the sweep
 * report): page, headings, facts, tables, figures and the charts' SVG.
 */
export const BASE_STYLE = `
:root { color-scheme: light; --ink: #0f172a; --muted: #475569; --line: #e2e8f0; --panel: #f8fafc; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 940px; margin: 0 auto; padding: 32px 24px 48px; }
h1 { font-size: 26px; margin: 0 0 2px; }
.kicker { color: var(--muted); margin: 0 0 16px; font-size: 13px; letter-spacing: .06em; text-transform: uppercase; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0; padding: 14px 18px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.facts div { display: flex; flex-direction: column; }
.facts dt { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.facts dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
thead th { text-align: right; font-weight: 600; border-bottom: 2px solid #cbd5e1; }
thead th:first-child, tbody th { text-align: left; font-weight: 500; }
td { text-align: right; }
.note { color: var(--muted); font-size: 13px; }
figure { margin: 0 0 28px; padding: 16px 16px 8px; border: 1px solid var(--line); border-radius: 8px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
figcaption span { display: block; font-weight: 400; color: var(--muted); font-size: 13px; }
svg.chart { display: block; width: 100%; height: auto; font-family: inherit; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .grid.zero { stroke: #334155; stroke-width: 1.5; }
svg .axis { stroke: #94a3b8; }
svg .tick { font-size: 12px; fill: var(--muted); }
svg .axis-label { font-size: 13px; fill: var(--muted); }
svg .legend { font-size: 13px; fill: var(--ink); }
svg .empty { font-size: 14px; fill: var(--muted); }
`;

const STYLE = `${BASE_STYLE}
h2 { font-size: 18px; margin: 36px 0 12px; }
th, td { padding: 7px 12px; border-bottom: 1px solid var(--line); }
tbody tr:hover { background: var(--panel); }
.wide { overflow-x: auto; }
#censorship { font-size: 14px; }
#censorship th, #censorship td { padding: 6px 6px; }
#censorship thead th { font-size: 12px; }
#censorship thead th:nth-child(-n+2) { text-align: left; font-weight: 500; }
#censorship tbody th { white-space: nowrap; }
.negative { color: #b91c1c; }
svg .category { font-size: 13px; fill: var(--ink); font-weight: 600; }
svg .value { font-size: 11px; fill: var(--ink); font-variant-numeric: tabular-nums; }
dl.policies dt { font-weight: 600; }
dl.policies dd { margin: 0 0 8px; color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;

function series(rows: readonly MetricRow[], metric: MetricKey, label: string): BarSeries {
  const cells = rows.filter((r) => r.metric === metric).flatMap((r) => r.cells);
  return { metric, label, color: COLORS[metric], values: cells.map((cell) => ({ value: cell.value, exact: cell.exact, text: cell.display })) };
}

const td = (cell: MetricCell): string => `<td title="${escapeXml(cell.exact)}"${cell.value < 0 ? ' class="negative"' : ""}>${escapeXml(cell.display)}</td>`;

function table(result: ScenarioResult, rows: readonly MetricRow[]): string {
  const headings = entryHeadings(result).map((lines) => `<th scope="col">${lines.map(escapeXml).join("<br>")}</th>`);
  const head = `<thead><tr><th scope="col">Metric</th>${headings.join("")}</tr></thead>`;
  const body = rows.map((r) => `<tr><th scope="row">${escapeXml(r.label)}</th>${r.cells.map(td).join("")}</tr>`).join("\n");
  return `<table id="results">\n${head}\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** The censorship table: one row per configuration and policy, one column per censorship metric. */
function censorshipTable(result: ScenarioResult): string {
  const headings = ["Configuration", "Policy", ...CENSORSHIP_COLUMNS.map((column) => column.heading.join(" ").trim())];
  const head = `<thead><tr>${headings.map((heading) => `<th scope="col">${escapeXml(heading)}</th>`).join("")}</tr></thead>`;
  const body = censorshipRows(result)
    .map((row) => `<tr><th scope="row">${escapeXml(row.configuration)}</th><th scope="row">${escapeXml(row.policy)}</th>${row.cells.map(td).join("")}</tr>`)
    .join("\n");
  // Nine columns after two names: a narrow window scrolls the table rather than the page.
  return `<div class="wide">\n<table id="censorship">\n${head}\n<tbody>\n${body}\n</tbody>\n</table>\n</div>`;
}

function figure(caption: string, explanation: string, svg: string): string {
  return `<figure>\n<figcaption>${escapeXml(caption)}<span>${escapeXml(explanation)}</span></figcaption>\n${svg}\n</figure>`;
}

/**
 * Renders a result as one self-contained HTML page: the scenario's facts,
 * the results table, and three inline-SVG charts — searcher profit and
 * victim loss (`#chart-profit`), sandwiches attempted and succeeded
 * (`#chart-sandwiches`) and latency p50/p99 (`#chart-latency`) — with one
 * bar per policy per metric, each carrying `data-policy`, `data-metric` and
 * `data-value` (with several configurations, one bar per configuration and
 * policy, `data-policy` being `"configuration · policy"`). A run with a
 * sequencer committee or faults adds the censorship table (`#censorship`).
 *
 * @throws {ReportDataError} if an amount in the result is malformed.
 * @example
 * ```ts
 * const html = renderHtml(result);
 * ```
 */
export function renderHtml(result: ScenarioResult): string {
  const rows = metricRows(result);
  const categories = entryHeadings(result).map((lines) => lines.join(" · "));
  const xLabel = result.configurations.length > 1 ? "Configuration · ordering policy" : "Ordering policy";
  const facts = scenarioFacts(result)
    .map((fact) => `<div><dt>${escapeXml(fact.label)}</dt><dd>${escapeXml(fact.value)}</dd></div>`)
    .join("");
  const notes = policyNames(result)
    .filter((name) => POLICY_NOTES[name] !== undefined)
    .map((name) => `<dt>${escapeXml(name)}</dt><dd>${escapeXml(POLICY_NOTES[name] ?? "")}</dd>`)
    .join("\n");

  const charts = [
    figure(
      "Searcher profit and victim loss",
      "Tokens, per policy. Profit is before gas; below the zero line a searcher lost money.",
      barChart({
        id: "chart-profit",
        title: "Searcher profit and victim loss per policy",
        yLabel: "Tokens",
        xLabel,
        categories,
        series: [series(rows, "searcherProfit", "Searcher profit"), series(rows, "victimLoss", "Victim loss")],
      }),
    ),
    figure(
      "Sandwiches attempted and succeeded",
      "A sandwich succeeds when front-run, victim and back-run execute in that order.",
      barChart({
        id: "chart-sandwiches",
        title: "Sandwiches attempted and succeeded per policy",
        yLabel: "Sandwiches",
        xLabel,
        categories,
        series: [series(rows, "sandwichesAttempted", "Attempted"), series(rows, "sandwichesSucceeded", "Succeeded")],
        integer: true,
      }),
    ),
    figure(
      "Inclusion latency",
      "Milliseconds from submission to inclusion: median (p50) and 99th percentile (p99).",
      barChart({
        id: "chart-latency",
        title: "Latency p50 and p99 per policy",
        yLabel: "Latency (ms)",
        xLabel,
        categories,
        series: [series(rows, "latencyP50", "p50"), series(rows, "latencyP99", "p99")],
      }),
    ),
  ];

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(`${result.name} — xrollup MEV lab report`)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<p class="kicker">xrollup MEV lab · scenario report</p>
<h1>${escapeXml(result.name)}</h1>
<dl class="facts">${facts}</dl>
</header>
<section>
<h2>Results by policy</h2>
${table(result, rows)}
<p class="note">Amounts are rounded to 6 significant digits; hover a cell for its exact value (the JSON result keeps all 18 decimals).</p>
</section>
${
  showsCensorship(result)
    ? `<section>\n<h2>Censorship and liveness</h2>\n${censorshipTable(result)}\n<p class="note">${escapeXml(CENSORSHIP_NOTE.join(" "))}</p>\n</section>`
    : ""
}
<section>
<h2>Charts</h2>
${charts.join("\n")}
</section>
${notes === "" ? "" : `<section>\n<h2>Policies</h2>\n<dl class="policies">\n${notes}\n</dl>\n</section>`}
<footer>Generated ${escapeXml(result.generatedAt)} by xrollup.</footer>
</main>
</body>
</html>
`;
}

/**
 * Writes {@link renderHtml}'s page to `file`, creating its directory if needed.
 *
 * @example
 * ```ts
 * await writeHtmlReport("reports/one-sandwich.html", result);
 * ```
 */
export async function writeHtmlReport(file: string, result: ScenarioResult): Promise<void> {
  const html = renderHtml(result);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, html, "utf8");
}
