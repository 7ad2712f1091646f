/**
 * Results of a scenario run, as written to JSON and read by the table and
 * HTML renderers. Token amounts are decimal strings with all 18 decimals
 * (see `formatTokens`) so a JSON reader loses no wei and needs no bigint.
 */

/**
 * The transactions a censor fault covered while they were pending, and how
 * long they waited, in simulated ms on the scenario clock: slots waited
 * (the slot it was sent in counts) times `slotMs`, plus `viewTimeoutMs` for
 * every failover in the slot that included it.
 */
export interface CensorshipResult {
  /** Censored transactions sent. */
  transactions: number;
  /** Of those, how many were still not included when the run ended. */
  notIncluded: number;
  /**
   * Time to inclusion. `null` where the value falls on a transaction never
   * included (so `max` is `null` as soon as one was not), or when no
   * transaction was censored: a censored transaction never counts as 0.
   */
  timeToInclusionMs: { p50: number | null; p99: number | null; max: number | null };
}

/** What happened under one ordering policy, in one configuration of the sequencer. */
export interface PolicyResult {
  /** The configuration's name (`"default"` for a scenario without `configurations`). */
  configuration: string;
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
  /** Transactions a censor fault covered, and their time to inclusion. */
  censored: CensorshipResult;
  /** Victims' transactions sent again through L1's `SharedInbox.forceInclude`. */
  forcedInclusions: number;
  /** Slots that began with transactions waiting and ended with no new batch on L1 (a crash, censorship, a failed post). */
  slotsWithoutBatch: number;
  /** Views that timed out during the run (a leader down, or censoring what an honest member would take). */
  failovers: number;
  /** Members removed from the committee by a proof of equivocation during the run. */
  equivocationsProved: number;
}

/** A configuration of the sequencer the scenario ran under. */
export interface ConfigurationSummary {
  name: string;
  /** Members of the sequencer committee. */
  sequencers: number;
  /** Faults injected during the run. */
  faults: number;
  /** The view timeout, in simulated ms. */
  viewTimeoutMs: number;
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
  /** The configurations, in the scenario's order. */
  configurations: ConfigurationSummary[];
  /** One result per configuration and policy: each configuration's policies in the scenario's order. */
  policies: PolicyResult[];
  /** When the run finished, as an ISO 8601 timestamp. */
  generatedAt: string;
}
