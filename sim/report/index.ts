/**
 * Presenting scenario results: exact JSON amounts, a text table for the
 * terminal and a self-contained HTML page with charts.
 */
export { formatTokens } from "../tokens.ts";
export { writeHtmlReport, renderHtml } from "./html.ts";
export { ReportDataError, shortTokens } from "./metrics.ts";
export { formatTable } from "./table.ts";
export type { CensorshipResult, ConfigurationSummary, PolicyResult, ScenarioResult } from "./types.ts";
