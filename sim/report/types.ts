/**
 * Results of a scenario run, as written to JSON and read by the table and
 * HTML renderers. Token amounts are decimal strings with all 18 decimals
 * (see `formatTokens`) so a JSON reader loses no wei and needs no bigint.
 */

/** What happened under one ordering policy. */
export interface PolicyResult {
  /** The policy's name, e.g. `"fcfs"`. */
  policy: string;
  /** Searchers' total profit in tokens, before gas; negative if sandwiches lost. */
  searcherProfit: string;
  /** Searchers' total gas cost in ETH. */
  searcherGasCost: string;
  /** What victims and users received less than unattacked, in tokens. */
  victimLoss: string;
  /** Sandwiches searchers sent. */
  sandwichesAttempted: number;
  /** Sandwiches that executed front-run, victim, back-run in that order. */
  sandwichesSucceeded: number;
  /** Transactions the sequencer dropped. */
  dropped: number;
  /** Time from submission to inclusion, in ms. */
  latencyMs: { p50: number; p99: number };
  /** Transactions included. */
  transactions: number;
}

/** A scenario run across all its policies. */
export interface ScenarioResult {
  /** The scenario's name. */
  name: string;
  /** The scenario's seed, as written in the scenario file. */
  seed: number | string;
  /** Number of rollups. */
  rollups: number;
  /** Number of slots run. */
  slots: number;
  /** One result per policy, in the scenario's order. */
  policies: PolicyResult[];
  /** When the run finished, as an ISO 8601 timestamp. */
  generatedAt: string;
}
