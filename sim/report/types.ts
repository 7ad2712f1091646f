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

/** Who sent a transaction of the run. */
export type TraceRole = "victim" | "user" | "searcher" | "sequencer";

/** What a transaction of the run does. */
export type TraceAction =
  | "swap"
  | "swap-and-deposit"
  | "front-run"
  | "back-run"
  | "arbitrage-leg"
  | "backrun-leg"
  | "order"
  | "clear"
  | "auction-payment";

/**
 * One transaction the run sent, and what became of it. Times are on the
 * scenario's clock (ms from the start of slot 0): a transaction arrives at
 * its slot's start plus its offset, and one included in slot s is included
 * at the end of slot s, plus a view timeout for every failover in it.
 */
export interface TraceTransaction {
  hash: string;
  role: TraceRole;
  action: TraceAction;
  /** The rollup, as an index into the scenario's rollups. */
  rollup: number;
  /** The pool it trades on, as an index into the scenario's pools (absent for payments). */
  pool?: number;
  /** The scripted victim it is (victims) or targets (searchers), as an index into `victims`. */
  victim?: number;
  /** Searchers' transactions: which searcher, as an index into the scenario's `searchers`. */
  searcher?: number;
  /** A front-run, back-run or back-run leg: the hash of the victim's or user's transaction it targets. */
  target?: string;
  /** The slot it was sent in. */
  sentSlot: number;
  arrivalMs: number;
  outcome: "included" | "dropped" | "pending";
  globalSeq: number | null;
  includedSlot: number | null;
  inclusionMs: number | null;
  /** Why it was dropped: a stable code and words (dropped transactions only). */
  reasonCode?: string;
  reason?: string;
  /** Which token it paid in, how much, and what it got back (swaps; wei as decimal strings of tokens). */
  tokenIn?: "IN" | "OUT";
  amountIn?: string;
  amountOut?: string;
  /** Sent as part of a bundle (`xr_sendBundle`): its legs run together or not at all. */
  bundled?: boolean;
  /** A batch-auction order that was refunded when its batch cleared, and why (`below-min-out`, `zero-output`). */
  refunded?: string;
  /** An arbitrage's leg: the id of the arbitrage in `arbitrages`. */
  arbitrage?: number;
}

/** One slot: the final global order of what it included (the run's transactions and the actions they caused). */
export interface TraceSlot {
  slot: number;
  /** Hashes in global order. */
  order: string[];
  /** Hashes dropped in the slot. */
  dropped: string[];
}

/**
 * An arbitrage a searcher planned (strategies `arbitrage` and `backrun`):
 * the pools, and the exact trade it sized on the reserves it saw; its legs
 * are the transactions with the same `arbitrage` id.
 */
export interface TraceArbitrage {
  id: number;
  searcher: number;
  slot: number;
  atomic: boolean;
  /** Where it buys the out-token, and where it sells it (pool indexes). */
  cheapPool: number;
  dearPool: number;
  /** In-tokens paid on the cheap pool, out-tokens bought there and sold on the dear pool, in-tokens received there. */
  amountIn: string;
  amountMid: string;
  amountOut: string;
}

/** Every slot and every transaction of one policy's run. */
export interface PolicyTrace {
  slots: TraceSlot[];
  transactions: TraceTransaction[];
  arbitrages: TraceArbitrage[];
  /** The sealed-bid auctions the policy held, with winners and payments (ETH, 18 decimals). */
  auctions: { slot: number; kind: string; winner: string; pays: string; refund: string; bidders: number }[];
}

/**
 * One token's books over the scenario's slots: each holder's change (only
 * those that changed), and what was minted and burnt. Changes sum to minted
 * less burnt: nothing is created or lost unaccounted.
 */
export interface LedgerEntry {
  /** `"IN (pool 0)"`, `"OUT (pool 0)"` (bridged: every rollup together), `"ETH (rollup 1)"`. */
  token: string;
  changes: Record<string, string>;
  minted: string;
  burnt: string;
}

/** Wall-clock figures of one policy's run: machine-dependent, so kept apart from the results proper. */
export interface RunTiming {
  /** The whole run, set-up included. */
  wallMs: number;
  /** The sequencer's time to produce one scenario slot. */
  slotProcessingMs: { p50: number; p99: number };
}

/** One searcher's part of a policy's result. */
export interface SearcherBreakdown {
  /** Its index in the scenario's `searchers`. */
  searcher: number;
  strategy: string;
  as: "searcher" | "sequencer";
  /** Arbitrage only: whether it bundles its legs. */
  atomic?: boolean;
  /** Realised profit, in in-tokens. */
  profit: string;
  inventory: { amount: string; valueAtFinalPrice: string };
  gasCost: string;
  auctionPayments: string;
}

/** What happened under one ordering policy, in one configuration of the sequencer. */
export interface PolicyResult {
  /** The configuration's name (`"default"` for a scenario without `configurations`). */
  configuration: string;
  /** The policy's name, e.g. `"fcfs"`. */
  policy: string;
  /**
   * Searchers' realised profit in in-tokens, before gas: what came back in
   * the in-token less what went out. Out-tokens still held are not in it
   * (see `searcherInventory`).
   */
  searcherProfit: string;
  /**
   * Out-tokens the searchers hold more (or less) than at the start, and
   * their value in in-tokens at each pool's final mid price: unrealised.
   */
  searcherInventory: { amount: string; valueAtFinalPrice: string };
  /** Searchers' total gas cost in ETH. */
  searcherGasCost: string;
  /** What searchers paid in auctions, in ETH (refunds to users included). */
  searcherAuctionPayments: string;
  /** The same, searcher by searcher (in the scenario's order). */
  searchers: SearcherBreakdown[];
  /** What included victims and users received less than unattacked, in out-tokens. */
  victimLoss: string;
  /** Victims and users dropped by an attack (a searcher's trade ran before theirs on the pool), and the out-tokens they would have received. */
  victimsDropped: { count: number; wouldHaveReceived: string };
  /** What the sequencer earned, in ETH: base fees (an L2 sequencer keeps them; EDR burns them), priority fees and auction payments (less refunds). */
  sequencerRevenue: { fees: string; tips: string; auctions: string; total: string };
  /** What users' auction refunds (order-flow auction) paid back, in ETH. */
  userRefunds: string;
  /** Fees left in the pools by every swap (Uniswap v2's 0.3%), in the token each swap paid in. */
  lpFees: { inToken: string; outToken: string };
  /** Sandwiches searchers sent. */
  sandwichesAttempted: number;
  /** Sandwiches that executed front-run, victim, back-run in that order. */
  sandwichesSucceeded: number;
  /** Arbitrages (both strategies: `arbitrage`, `backrun`) sent; completed: every leg ran; partial: some legs ran, some did not. */
  arbitrages: { attempted: number; completed: number; partial: number };
  /** Transactions the sequencer dropped. */
  dropped: number;
  /** Dropped transactions by `reasonCode`. */
  droppedByReason: Record<string, number>;
  /** Time from arrival to inclusion of victims' and users' transactions, in simulated ms on the scenario clock. */
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
  /** Every actor's change of every token, with what was minted and burnt. */
  ledger: LedgerEntry[];
  /** Every slot's order and every transaction's fate. */
  trace: PolicyTrace;
  /** Wall-clock figures (not reproducible; everything else is). */
  timing: RunTiming;
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
  /** The scenario as run: the file's JSON (with a sweep's values set). */
  scenario: unknown;
  /** One result per configuration and policy: each configuration's policies in the scenario's order. */
  policies: PolicyResult[];
  /** When the run finished, as an ISO 8601 timestamp. */
  generatedAt: string;
}
