/**
 * Grouped bar charts as inline SVG, generated as strings so a report is one
 * self-contained file: no chart library, no script, nothing fetched.
 */

/** One series of bars (one bar per category), drawn in one colour. */
export interface BarSeries {
  /** Machine name, written on each bar as `data-metric`. */
  metric: string;
  /** Legend label. */
  label: string;
  /** Fill colour (any CSS colour). */
  color: string;
  /** One value per category, in category order. */
  values: readonly BarValue[];
}

/** One bar's value. */
export interface BarValue {
  /** Height, as a float. */
  value: number;
  /** Exact value, written on the bar as `data-value`. */
  exact: string;
  /** Label printed on the bar. */
  text: string;
}

/** Parameters of {@link barChart}. */
export interface BarChartParameters {
  /** The `<svg>` element's id. */
  id: string;
  /** Accessible title of the chart. */
  title: string;
  /** Label of the value axis, with its unit. */
  yLabel: string;
  /** Label of the category axis. */
  xLabel: string;
  /** The groups along the x axis (policies), written on bars as `data-policy`. */
  categories: readonly string[];
  /** The bars of each category, side by side, in legend order. */
  series: readonly BarSeries[];
  /** Whether values are counts, so ticks stay whole numbers. */
  integer?: boolean;
}

/** A value axis: its ends and the ticks between them, all multiples of `step`. */
export interface Scale {
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

/** Size of every chart of the lab's reports, and the plot's top and bottom margins. */
export const CHART = { width: 880, height: 340, top: 48, bottom: 58 } as const;
/** Height of the plot area. */
export const PLOT_HEIGHT = CHART.height - CHART.top - CHART.bottom;
const MARGIN_RIGHT = 20;
// Room left of the tick labels for the rotated axis title.
const AXIS_TITLE_WIDTH = 40;
// Width of one character of a 12px tick label, generously (digits and separators).
const TICK_CHAR_WIDTH = 7;
const MAX_BAR_WIDTH = 64;

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

// 1, 2 or 5 times a power of ten: ticks a reader can add up in their head.
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/**
 * A value axis covering `values` and zero (bars grow from zero, so zero must
 * show), with about five round ticks and some headroom for the value labels.
 * Each end is rounded out to a tick unless that would waste more than half a
 * step (a small negative value should not buy a whole empty band below zero).
 * All-zero (or empty) data gets a 0–1 axis so the chart still has a scale;
 * `integer` axes (counts) never get fractional ticks.
 *
 * @example
 * ```ts
 * niceScale([-3, 12]); // { min: -5, max: 15, step: 5, ticks: [-5, 0, 5, 10, 15] }
 * ```
 */
export function niceScale(values: readonly number[], { integer = false }: { integer?: boolean } = {}): Scale {
  const finite = values.filter(Number.isFinite);
  let low = Math.min(0, ...finite);
  let high = Math.max(0, ...finite);
  if (low === high) high = 1;
  const rough = niceStep((high - low) / 5);
  const step = integer ? Math.max(1, rough) : rough;
  // Labels sit past the end of each bar; leave them a tenth of the range.
  const room = (high - low) / 10;
  high = high > 0 ? high + room : high;
  low = low < 0 ? low - room : low;
  const snappedMax = Math.ceil(high / step) * step;
  const snappedMin = Math.floor(low / step) * step;
  const max = snappedMax - high <= step / 2 ? snappedMax : high;
  const min = low - snappedMin <= step / 2 ? snappedMin : low;
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step - 1e-9); tick * step <= max + step * 1e-9; tick++) ticks.push(round(tick * step, step));
  return { min, max, step, ticks };
}

// Removes float noise (0.30000000000000004) from a multiple of `step`.
function round(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(20, decimals)));
}

/** A tick label: plain for everyday magnitudes, exponent form for tiny or huge ones. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9 || step < 1e-4) return value.toExponential(Math.max(0, Math.ceil(Math.log10(magnitude / step)) - 1)).replace(/\.?0+e/, "e");
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A coordinate with at most two decimals, as the charts write them. */
export const fixed = (n: number) => Number(n.toFixed(2)).toString();

/** A chart's value axis: where the plot starts (right of the widest tick label), its width, the y of a value, and its gridlines and tick labels. */
export interface ValueAxis {
  left: number;
  plotWidth: number;
  y: (value: number) => number;
  parts: string[];
}

/** The value axis of `scale`, leaving `marginRight` at the right of the plot. */
export function valueAxis(scale: Scale, marginRight: number = MARGIN_RIGHT): ValueAxis {
  const tickLabels = scale.ticks.map((tick) => formatTick(tick, scale.step));
  // The plot starts right of the widest tick label, so long labels never run into the axis title.
  const left = AXIS_TITLE_WIDTH + TICK_CHAR_WIDTH * Math.max(...tickLabels.map((label) => label.length)) + 10;
  const plotWidth = CHART.width - left - marginRight;
  const y = (value: number) => CHART.top + ((scale.max - value) / (scale.max - scale.min)) * PLOT_HEIGHT;
  const parts = scale.ticks.flatMap((tick, i) => {
    const ty = y(tick);
    return [
      `<line class="grid${tick === 0 ? " zero" : ""}" x1="${left}" x2="${left + plotWidth}" y1="${fixed(ty)}" y2="${fixed(ty)}"/>`,
      `<text class="tick" x="${left - 8}" y="${fixed(ty + 4)}" text-anchor="end">${escapeXml(tickLabels[i] ?? "")}</text>`,
    ];
  });
  return { left, plotWidth, y, parts };
}

/** The value axis line, both axis titles, and a legend of the series' colours. */
export function axesAndLegend(frame: { left: number; plotWidth: number; xLabel: string; yLabel: string; legend: readonly { label: string; color: string }[] }): string[] {
  const { left, plotWidth, xLabel, yLabel, legend } = frame;
  const parts = [
    `<line class="axis" x1="${left}" x2="${left}" y1="${CHART.top}" y2="${CHART.top + PLOT_HEIGHT}"/>`,
    `<text class="axis-label" x="${left + plotWidth / 2}" y="${CHART.height - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text class="axis-label" transform="translate(18 ${CHART.top + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ];
  let legendX = left;
  for (const entry of legend) {
    parts.push(
      `<rect class="swatch" x="${legendX}" y="14" width="14" height="14" rx="2" fill="${escapeXml(entry.color)}"/>`,
      `<text class="legend" x="${legendX + 20}" y="26">${escapeXml(entry.label)}</text>`,
    );
    // Wide enough for the label at the legend's font size, plus a gap.
    legendX += 20 + entry.label.length * 7.5 + 24;
  }
  return parts;
}

/** The `<svg>` element of a chart, titled for screen readers; `attributes` are extra attributes, already escaped. */
export function chartSvg(chart: { id: string; title: string; className: string; attributes?: string; parts: readonly string[] }): string {
  const { id, title, className, attributes = "", parts } = chart;
  return [
    `<svg id="${escapeXml(id)}" class="${className}"${attributes} viewBox="0 0 ${CHART.width} ${CHART.height}" width="${CHART.width}" height="${CHART.height}" role="img" aria-labelledby="${escapeXml(id)}-title">`,
    `<title id="${escapeXml(id)}-title">${escapeXml(title)}</title>`,
    ...parts,
    "</svg>",
  ].join("\n");
}

/**
 * Draws a grouped bar chart: one group per category, one bar per series in
 * each group, bars growing up or down from the zero line, values printed at
 * the bars' ends, a legend, gridlines and labelled axes. Every bar is a
 * `<rect>` with `data-policy`, `data-metric` and `data-value`, so tests and
 * tools can read the chart back.
 *
 * @example
 * ```ts
 * const svg = barChart({ id: "chart-latency", title: "Latency", yLabel: "ms", xLabel: "Policy",
 *   categories: ["fcfs"], series: [{ metric: "latencyP50", label: "p50", color: "#4c9f70", values: [{ value: 12, exact: "12", text: "12" }] }] });
 * ```
 */
export function barChart({ id, title, yLabel, xLabel, categories, series, integer = false }: BarChartParameters): string {
  const scale = niceScale(
    series.flatMap((s) => s.values.map((v) => v.value)),
    { integer },
  );
  const { left, plotWidth, y, parts } = valueAxis(scale);
  const zero = y(0);
  const groupWidth = plotWidth / Math.max(1, categories.length);
  const allZero = series.every((s) => s.values.every((v) => v.value === 0));
  const barWidth = Math.min(MAX_BAR_WIDTH, (groupWidth * 0.72) / Math.max(1, series.length));

  categories.forEach((category, c) => {
    const groupLeft = left + c * groupWidth + (groupWidth - barWidth * series.length) / 2;
    series.forEach((s, k) => {
      const bar = s.values[c] ?? { value: 0, exact: "0", text: "0" };
      const value = Number.isFinite(bar.value) ? bar.value : 0;
      // A non-zero value always shows at least a 1px bar, so it never looks like zero.
      const end = value === 0 ? zero : value > 0 ? Math.min(y(value), zero - 1) : Math.max(y(value), zero + 1);
      const x = groupLeft + k * barWidth;
      // A 2px gap between neighbouring bars keeps same-coloured groups apart.
      const width = Math.max(1, barWidth - 2);
      parts.push(
        `<rect class="bar" data-policy="${escapeXml(category)}" data-metric="${escapeXml(s.metric)}" data-value="${escapeXml(bar.exact)}" ` +
          `x="${fixed(x + 1)}" y="${fixed(Math.min(end, zero))}" width="${fixed(width)}" height="${fixed(Math.abs(zero - end))}" fill="${escapeXml(s.color)}">` +
          `<title>${escapeXml(`${category} · ${s.label}: ${bar.text}`)}</title></rect>`,
        `<text class="value" x="${fixed(x + barWidth / 2)}" y="${fixed(value < 0 ? end + 14 : end - 5)}" text-anchor="middle">${escapeXml(bar.text)}</text>`,
      );
    });
    parts.push(`<text class="category" x="${fixed(left + (c + 0.5) * groupWidth)}" y="${CHART.top + PLOT_HEIGHT + 20}" text-anchor="middle">${escapeXml(category)}</text>`);
  });

  if (allZero) {
    parts.push(`<text class="empty" x="${fixed(left + plotWidth / 2)}" y="${fixed(CHART.top + PLOT_HEIGHT / 2)}" text-anchor="middle">All values are zero</text>`);
  }
  parts.push(...axesAndLegend({ left, plotWidth, xLabel, yLabel, legend: series }));
  return chartSvg({ id, title, className: "chart", parts });
}
