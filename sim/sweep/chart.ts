/**
 * A line chart of means with 95% confidence intervals as inline SVG, one
 * line per series, for a sweep's report: a metric against a swept
 * parameter. Drawn as a string, like the scenario report's bar charts, so
 * the page stays one self-contained file.
 */
import { axesAndLegend, CHART, chartSvg, escapeXml, fixed, niceScale, PLOT_HEIGHT, valueAxis } from "../report/svg.ts";

/** One point of a line: the mean at one value of the parameter. */
export interface LinePoint {
  /** Where the value sits on the x axis (the value itself, or its position for values that are not numbers). */
  x: number;
  /** The parameter's value as written in the grid. */
  label: string;
  mean: number;
  /** The 95% interval's half-width; `undefined`: no interval (one sample). */
  halfWidth: number | undefined;
  /** Samples behind the mean. */
  n: number;
}

/** One line: a policy (or configuration and policy). */
export interface LineSeries {
  label: string;
  color: string;
  /** Points in x order; a value with no sample has no point. */
  points: readonly LinePoint[];
}

/** Parameters of {@link lineChart}. */
export interface LineChartParameters {
  /** The `<svg>` element's id. */
  id: string;
  /** Accessible title. */
  title: string;
  /** The metric, written on the chart as `data-metric`. */
  metric: string;
  /** The parameter, written on the chart as `data-param`, and the x axis's label. */
  param: string;
  /** Label of the value axis. */
  yLabel: string;
  /** The x axis's ticks: every value of the parameter, in x order. */
  ticks: readonly { x: number; label: string }[];
  series: readonly LineSeries[];
}

/** Colours of the lines, in legend order (then again). */
export const SERIES_COLORS = ["#2563eb", "#dc2626", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#be185d", "#64748b"] as const;

// Room right of the last point for its interval's cap and label.
const MARGIN_RIGHT = 28;
// Room inside the plot at both ends, so the first and last points and their intervals are not on the axis.
const X_PADDING = 36;
// Series are set slightly apart at each x, so that overlapping intervals stay readable.
const DODGE = 5;
const CAP = 4;
// A tick label is skipped if it would sit this close to the previous one.
const MIN_TICK_GAP = 44;


/**
 * Draws the chart: the mean of each series at each parameter value joined
 * by a line, a vertical bar with caps for each 95% interval, gridlines,
 * labelled axes and a legend. Every point is a `<circle>` with
 * `data-series`, `data-x`, `data-mean`, `data-half-width` (empty without
 * an interval) and `data-n`, so tests and tools can read the chart back.
 *
 * @example
 * ```ts
 * lineChart({ id: "c", title: "Profit by slippage", metric: "searcherProfit", param: "victims[0].slippageBps", yLabel: "searcherProfit",
 *   ticks: [{ x: 50, label: "50" }], series: [{ label: "fcfs", color: "#2563eb", points: [{ x: 50, label: "50", mean: 3, halfWidth: 1, n: 4 }] }] });
 * ```
 */
export function lineChart({ id, title, metric, param, yLabel, ticks, series }: LineChartParameters): string {
  const extremes = series.flatMap((s) => s.points.flatMap((p) => [p.mean - (p.halfWidth ?? 0), p.mean + (p.halfWidth ?? 0)]));
  const scale = niceScale(extremes);
  const { left, plotWidth, y, parts } = valueAxis(scale, MARGIN_RIGHT);
  const xs = ticks.map((tick) => tick.x);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const x = (value: number) => (xMax === xMin ? left + plotWidth / 2 : left + X_PADDING + ((value - xMin) / (xMax - xMin)) * (plotWidth - 2 * X_PADDING));
  let lastLabelX = Number.NEGATIVE_INFINITY;
  for (const tick of ticks) {
    const tx = x(tick.x);
    parts.push(`<line class="x-tick" x1="${fixed(tx)}" x2="${fixed(tx)}" y1="${CHART.top + PLOT_HEIGHT}" y2="${CHART.top + PLOT_HEIGHT + 5}"/>`);
    if (tx - lastLabelX < MIN_TICK_GAP) continue;
    lastLabelX = tx;
    parts.push(`<text class="category" x="${fixed(tx)}" y="${CHART.top + PLOT_HEIGHT + 20}" text-anchor="middle">${escapeXml(tick.label)}</text>`);
  }

  series.forEach((s, k) => {
    const dodge = (k - (series.length - 1) / 2) * DODGE;
    const at = (point: LinePoint) => ({ px: x(point.x) + dodge, py: y(point.mean) });
    if (s.points.length > 1) {
      const line = s.points.map((point) => `${fixed(at(point).px)},${fixed(at(point).py)}`).join(" ");
      parts.push(`<polyline class="line" points="${line}" fill="none" stroke="${escapeXml(s.color)}"/>`);
    }
    for (const point of s.points) {
      const { px, py } = at(point);
      if (point.halfWidth !== undefined) {
        const low = y(point.mean - point.halfWidth);
        const high = y(point.mean + point.halfWidth);
        parts.push(
          `<path class="interval" d="M${fixed(px)} ${fixed(low)}V${fixed(high)}M${fixed(px - CAP)} ${fixed(low)}H${fixed(px + CAP)}M${fixed(px - CAP)} ${fixed(high)}H${fixed(px + CAP)}" stroke="${escapeXml(s.color)}"/>`,
        );
      }
      const interval = point.halfWidth === undefined ? "no interval (n = 1)" : `± ${point.halfWidth}`;
      parts.push(
        `<circle class="point" data-series="${escapeXml(s.label)}" data-x="${escapeXml(point.label)}" data-mean="${point.mean}" data-half-width="${point.halfWidth ?? ""}" data-n="${point.n}" ` +
          `cx="${fixed(px)}" cy="${fixed(py)}" r="3.5" fill="${escapeXml(s.color)}"><title>${escapeXml(`${s.label} at ${param} = ${point.label}: ${point.mean} ${interval}, n = ${point.n}`)}</title></circle>`,
      );
    }
  });

  if (series.every((s) => s.points.length === 0)) {
    parts.push(`<text class="empty" x="${fixed(left + plotWidth / 2)}" y="${fixed(CHART.top + PLOT_HEIGHT / 2)}" text-anchor="middle">No values</text>`);
  }
  parts.push(...axesAndLegend({ left, plotWidth, xLabel: param, yLabel, legend: series }));
  return chartSvg({ id, title, className: "chart sweep-chart", attributes: ` data-metric="${escapeXml(metric)}" data-param="${escapeXml(param)}"`, parts });
}
