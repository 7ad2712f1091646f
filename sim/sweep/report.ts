/**
 * `report.html`: every metric against every swept parameter, one line per
 * policy (per configuration and policy when there are several), the mean
 * over seeds and over the other parameters' values with its 95%
 * confidence interval, and a table of the same numbers under each chart.
 * One self-contained file: inline CSS and SVG, nothing fetched, no script.
 * It holds nothing that depends on when or where the sweep ran, so merged
 * shards give the very same page as one run.
 */
import type { JsonValue } from "../../devnet/state-file.ts";
import { BASE_STYLE } from "../report/html.ts";
import { escapeXml } from "../report/svg.ts";
import { lineChart, type LinePoint, type LineSeries, SERIES_COLORS } from "./chart.ts";
import { paramText } from "./csv.ts";
import { describeRun } from "./grid.ts";
import { isDecimal, type MetricValue, metricNames, metricNumber, policyMetrics } from "./metrics.ts";
import { isFailure, type SweepRecord, type SweepResultRecord } from "./records.ts";
import type { Sweep } from "./schema.ts";
import { type MeanInterval, meanInterval } from "./stats.ts";

/** The metrics shown first, when the results have them; every other metric follows under "Other metrics". */
export const HEADLINE_METRICS = [
  "searcherProfit",
  "victimLoss",
  "sandwichesSucceeded",
  "sandwichesAttempted",
  "searcherGasCost",
  "latencyMs.p50",
  "latencyMs.p99",
  "dropped",
  "transactions",
] as const;

/** One row of a result, as the report reads it: the run's values, its series, its metrics. */
interface Row {
  params: { [path: string]: JsonValue };
  series: string;
  metrics: Map<string, MetricValue>;
}

/** The mean and interval of every series at every value of one parameter, for one metric. */
interface ParameterSummary {
  /** The parameter's values in x order, with their axis positions. */
  ticks: { x: number; label: string; key: string }[];
  /** Whether the x axis is numeric (every value a number or a decimal string) rather than the grid's order. */
  numeric: boolean;
  /** Per series label, per tick key: the statistics (absent: no sample). */
  cells: Map<string, Map<string, MeanInterval>>;
}

const valueKey = (value: JsonValue): string => JSON.stringify(value);

/** The series of a result row: the policy, or `configuration · policy` when configurations differ. */
function seriesLabel(configuration: string, policy: string, severalConfigurations: boolean): string {
  return severalConfigurations ? `${configuration} · ${policy}` : policy;
}

function rowsOf(records: readonly SweepRecord[], metrics: readonly string[]): { rows: Row[]; series: string[] } {
  const successes = records.filter((record): record is SweepResultRecord => !isFailure(record));
  const configurations = new Set(successes.flatMap((record) => record.result.policies.map((policy) => policy.configuration)));
  const rows = successes.flatMap((record) =>
    record.result.policies.map((policy) => ({
      params: record.params,
      series: seriesLabel(policy.configuration, policy.policy, configurations.size > 1),
      metrics: policyMetrics(policy, metrics),
    })),
  );
  return { rows, series: [...new Set(rows.map((row) => row.series))] };
}

/** The axis of a parameter: numeric when every value reads as a number (then sorted), else the grid's order, evenly spaced. */
function ticksOf(values: readonly JsonValue[]): { ticks: ParameterSummary["ticks"]; numeric: boolean } {
  const numbers = values.map((value) => (typeof value === "number" || (typeof value === "string" && isDecimal(value)) ? Number(value) : Number.NaN));
  const numeric = numbers.every(Number.isFinite);
  const ticks = values.map((value, i) => ({ x: numeric ? numbers[i]! : i, label: paramText(value), key: valueKey(value) }));
  return { ticks: numeric ? ticks.sort((a, b) => a.x - b.x) : ticks, numeric };
}

/**
 * The statistics behind one chart: for each series and each value of
 * `path`, the mean of `metric` over every row with that value (over seeds
 * and the other parameters' values) and its 95% interval.
 */
function summarizeParameter(rows: readonly Row[], series: readonly string[], path: string, values: readonly JsonValue[], metric: string): ParameterSummary {
  const { ticks, numeric } = ticksOf(values);
  const samples = new Map<string, Map<string, number[]>>(series.map((label) => [label, new Map(ticks.map((tick) => [tick.key, []]))]));
  for (const row of rows) {
    const value = row.params[path];
    const number = metricNumber(row.metrics.get(metric));
    if (value === undefined || number === undefined) continue;
    samples.get(row.series)?.get(valueKey(value))?.push(number);
  }
  const cells = new Map<string, Map<string, MeanInterval>>();
  for (const [label, byValue] of samples) {
    const stats = new Map<string, MeanInterval>();
    for (const [key, numbers] of byValue) {
      const summary = meanInterval(numbers);
      if (summary !== undefined) stats.set(key, summary);
    }
    cells.set(label, stats);
  }
  return { ticks, numeric, cells };
}

/** A value for reading: 6 significant digits. */
function short(value: number): string {
  return String(Number(value.toPrecision(6)));
}

function cellText(stats: MeanInterval | undefined): string {
  if (stats === undefined) return "—";
  if (stats.halfWidth === undefined) return `${short(stats.mean)} (n = 1, no interval)`;
  return `${short(stats.mean)} ± ${short(stats.halfWidth)} (n = ${stats.n})`;
}

function table(summary: ParameterSummary, series: readonly string[], path: string): string {
  const head = `<thead><tr><th scope="col">${escapeXml(path)}</th>${series.map((label) => `<th scope="col">${escapeXml(label)}</th>`).join("")}</tr></thead>`;
  const body = summary.ticks
    .map((tick) => {
      const cells = series.map((label) => `<td>${escapeXml(cellText(summary.cells.get(label)?.get(tick.key)))}</td>`).join("");
      return `<tr><th scope="row">${escapeXml(tick.label)}</th>${cells}</tr>`;
    })
    .join("\n");
  return `<table class="means">\n${head}\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** What each point averages, in words. */
function averagedOver(sweep: Sweep, path: string): string {
  const seeds = sweep.seeds.length === 1 ? "1 seed" : `${sweep.seeds.length} seeds`;
  const others = sweep.grid.filter((parameter) => parameter.path !== path).map((parameter) => `${parameter.path} (${parameter.values.length} values)`);
  return others.length === 0 ? `Mean over ${seeds}` : `Mean over ${seeds} and over the other parameters' values: ${others.join(", ")}`;
}

function figure(sweep: Sweep, rows: readonly Row[], series: readonly string[], metric: string, metricIndex: number, parameterIndex: number): string {
  const { path, values } = sweep.grid[parameterIndex]!;
  const summary = summarizeParameter(rows, series, path, values, metric);
  const lines: LineSeries[] = series.map((label, k) => ({
    label,
    color: SERIES_COLORS[k % SERIES_COLORS.length]!,
    points: summary.ticks.flatMap((tick): LinePoint[] => {
      const stats = summary.cells.get(label)?.get(tick.key);
      return stats === undefined ? [] : [{ x: tick.x, label: tick.label, mean: stats.mean, halfWidth: stats.halfWidth, n: stats.n }];
    }),
  }));
  const svg = lineChart({
    id: `chart-${metricIndex}-${parameterIndex}`,
    title: `${metric} against ${path}`,
    metric,
    param: path,
    yLabel: metric,
    ticks: summary.ticks,
    series: lines,
  });
  const order = summary.numeric ? "" : " Values are in the grid's order, evenly spaced.";
  const explanation = `${averagedOver(sweep, path)}; bars: 95% confidence interval (Student t, n − 1 degrees of freedom; none where n = 1).${order}`;
  return `<figure>\n<figcaption>${escapeXml(`${metric} against ${path}`)}<span>${escapeXml(explanation)}</span></figcaption>\n${svg}\n${table(summary, series, path)}\n</figure>`;
}

/** Without a grid: one table of every metric, mean over seeds per series. */
function seedsOnlyTable(rows: readonly Row[], series: readonly string[], metrics: readonly string[]): string {
  const head = `<thead><tr><th scope="col">Metric</th>${series.map((label) => `<th scope="col">${escapeXml(label)}</th>`).join("")}</tr></thead>`;
  const body = metrics
    .map((metric) => {
      const cells = series.map((label) => {
        const numbers = rows.filter((row) => row.series === label).flatMap((row) => metricNumber(row.metrics.get(metric)) ?? []);
        return `<td>${escapeXml(cellText(meanInterval(numbers)))}</td>`;
      });
      return `<tr><th scope="row">${escapeXml(metric)}</th>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<table class="means" id="seeds-only">\n${head}\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const STYLE = `${BASE_STYLE}
h2 { font-size: 20px; margin: 40px 0 12px; }
h3 { font-size: 16px; margin: 28px 0 10px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
table { font-size: 14px; margin-top: 8px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); }
.failed { color: #b91c1c; }
svg .x-tick { stroke: #94a3b8; }
svg .category { font-size: 12px; fill: var(--ink); }
svg .line { stroke-width: 2; }
svg .interval { stroke-width: 1.5; fill: none; }
`;

/**
 * Renders a sweep's records (in run order) as one self-contained HTML page:
 * the sweep's facts and failed runs, then for each metric (the
 * {@link HEADLINE_METRICS} first, then every other metric the results
 * have) a chart and a table against each swept parameter. Each chart is an
 * `<svg class="sweep-chart">` with `data-metric` and `data-param`. A sweep
 * without a grid gets one table of every metric over seeds instead.
 *
 * @example
 * ```ts
 * const html = renderSweepReport(sweep, records);
 * ```
 */
export function renderSweepReport(sweep: Sweep, records: readonly SweepRecord[]): string {
  const found = metricNames(records);
  const { rows, series } = rowsOf(records, found);
  const headline = HEADLINE_METRICS.filter((metric) => found.includes(metric));
  const others = found.filter((metric) => !(HEADLINE_METRICS as readonly string[]).includes(metric));
  const failures = records.filter(isFailure);
  const name = typeof sweep.base.name === "string" ? sweep.base.name : "sweep";
  const facts: [string, string][] = [
    ["Base scenario", name],
    ["Runs", failures.length === 0 ? String(records.length) : `${records.length} (${failures.length} failed)`],
    ["Seeds", sweep.seeds.join(", ")],
    ["Series", series.join(", ")],
    ...sweep.grid.map(({ path, values }): [string, string] => [path, values.map(paramText).join(", ")]),
  ];
  const metricSections = (metrics: readonly string[]) =>
    metrics
      .map((metric) => {
        const index = found.indexOf(metric);
        const figures = sweep.grid.map((_, parameterIndex) => figure(sweep, rows, series, metric, index, parameterIndex));
        return `<section id="metric-${index}">\n<h3>${escapeXml(metric)}</h3>\n${figures.join("\n")}\n</section>`;
      })
      .join("\n");
  const failed =
    failures.length === 0
      ? ""
      : `<section>\n<h2 class="failed">Failed runs</h2>\n<ul>\n${failures
          .map((failure) => `<li>Run ${failure.run} (${escapeXml(describeRun(failure))}): ${escapeXml(failure.error)}</li>`)
          .join("\n")}\n</ul>\n<p class="note">Failed runs are left out of every mean.</p>\n</section>`;
  const body =
    sweep.grid.length === 0
      ? `<section>\n<h2>Metrics</h2>\n<p class="note">No grid: each cell is the mean over seeds with its 95% confidence interval (Student t, n − 1 degrees of freedom).</p>\n${seedsOnlyTable(rows, series, found)}\n</section>`
      : `<section>\n<h2>Headline metrics</h2>\n${metricSections(headline)}\n</section>\n` +
        (others.length === 0 ? "" : `<section>\n<h2>Other metrics</h2>\n${metricSections(others)}\n</section>`);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(`${name} sweep — xrollup MEV lab report`)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<p class="kicker">xrollup MEV lab · sweep report</p>
<h1>${escapeXml(name)}</h1>
<dl class="facts">${facts.map(([label, value]) => `<div><dt>${escapeXml(label)}</dt><dd>${escapeXml(value)}</dd></div>`).join("")}</dl>
<p class="note">Each point is a mean with its 95% confidence interval (Student t with n − 1 degrees of freedom); with n = 1 there is no interval.
Amounts are in tokens or ETH as the scenario report has them, averaged as floats; results.csv keeps them exact.</p>
</header>
${failed}
${body}
</main>
</body>
</html>
`;
}
