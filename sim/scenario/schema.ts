/**
 * The declarative scenario file: what a researcher writes to describe a run
 * (rollups, pools, victims, users, searchers, policies), validated into a
 * fully resolved {@link Scenario} with every default filled in and every
 * amount in wei.
 *
 * Validation is strict on purpose: an unknown key is an error, because a
 * typo such as `"slipageBps"` would otherwise silently fall back to a default
 * and the run would measure something else than the researcher meant. Every
 * error names the field it is about, as a path (`victims[0].slippageBps`).
 *
 * A file may compare sequencer settings: top-level `sequencers`, `faults`
 * and `viewTimeoutMs`, which each of `configurations` may override. A fault
 * is one the devnet takes (`xr_injectFault`), checked by the devnet's own
 * `parseFault`, plus `atSlot` and `untilSlot`; its `address` may be
 * `"victim:N"` and a censor's `nodes` may be `"leader"`, for what only the
 * run knows (see {@link ScenarioFault}).
 */
import { readFile } from "node:fs/promises";
import { type Hex, zeroAddress } from "viem";
import { DEVNET_DEFAULTS, MAX_SEQUENCERS } from "../../devnet/config.ts";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import { InvalidFaultError, type ParsedFault, parseFault } from "../../sequencer/faults.ts";
import { isPolicyModulePath, ORDERING_POLICIES, resolvePolicy } from "../../sequencer/policies/index.ts";
import { preview, unknownFieldReason } from "../json-fields.ts";
import { GWEI_DECIMALS, parseDecimal, TOKEN_DECIMALS } from "../tokens.ts";
import { jsonSyntaxErrorOffset, positionAt } from "./json-error.ts";

/**
 * A policy a scenario compares: a built-in policy's name with its options
 * (`{ "name": "timeboost", "roundSlots": 4 }`), or the path of a module
 * that implements the ordering-policy interface (`"./my-policy.ts"`,
 * relative to the working directory), with options for its factory.
 */
export interface ScenarioPolicy {
  /** The built-in name, or the module's path as written. */
  name: string;
  /** Options for the policy (built-in) or for the module's factory; `{}` for none. */
  options: Record<string, unknown>;
}

/** The searcher strategies the lab knows. */
export const SEARCHER_STRATEGIES = ["sandwich", "arbitrage", "backrun"] as const;

/** One of {@link SEARCHER_STRATEGIES}. */
export type SearcherStrategy = (typeof SEARCHER_STRATEGIES)[number];

/** Who runs a searcher: a public searcher, or the sequencer attacking its own users. */
export type SearcherRole = "searcher" | "sequencer";

/** The trade-size distributions of random users. */
export const TRADE_SIZE_DISTRIBUTIONS = ["fixed", "uniform", "lognormal"] as const;

/** Most searchers a scenario may have. */
export const MAX_SEARCHERS = 8;

/** Most rollups a scenario may have (the devnet's own limit). */
export const MAX_ROLLUPS = 16;

/**
 * Defaults of every optional scenario field, in one place. Gwei values are
 * decimal strings because they are parsed like the file's own.
 */
export const SCENARIO_DEFAULTS = {
  slots: 1,
  slotMs: 1000,
  feeBps: 30,
  victimPool: 0,
  victimSlot: 0,
  tipGwei: "1",
  searcherAs: "searcher",
  headStartMs: 50,
  /** Share of its expected profit a searcher bids in an auction, in basis points. */
  bidShareBps: 9000,
  /** Probability that a leg of an arbitrage fails on chain. */
  legFailureProbability: 0,
  committee: { threshold: 2, size: 3 },
  sequencers: 1,
  /** The name of the one configuration of a file without `configurations`. */
  configurationName: "default",
  /** View timeout, in slots (`viewTimeoutMs` defaults to this many times `slotMs`). */
  viewTimeoutSlots: 2,
} as const;

/** A Uniswap v2 pool the scenario trades on. */
export interface ScenarioPool {
  /** Index of the rollup the pool lives on. */
  rollup: number;
  /** Reserve of the token users sell, in wei. */
  reserveIn: bigint;
  /** Reserve of the token users buy, in wei. */
  reserveOut: bigint;
  /** Swap fee in basis points (default 30). */
  feeBps: number;
}

/** A scripted victim: one swap of a known size, its output deposited on another rollup or kept. */
export interface ScenarioVictim {
  /** What the victim sells, in wei. */
  amountIn: bigint;
  /** The victim's slippage tolerance in basis points. */
  slippageBps: number;
  /**
   * Index of the rollup where the swap's output is deposited (never the
   * pool's): a swap-and-deposit across rollups. `undefined`: a plain swap.
   */
  depositOn: number | undefined;
  /** Index into {@link Scenario.pools} (default 0). */
  pool: number;
  /** The slot the victim trades in (default 0). */
  slot: number;
  /** Priority fee per gas the victim offers, in wei (written `tipGwei`, default 1 gwei). */
  tipWei: bigint;
  /**
   * When the swap is still pending this many slots after it was sent, the
   * victim sends the same signed bytes to L1's `SharedInbox.forceInclude`;
   * `undefined`: it never does.
   */
  forceAfterSlots: number | undefined;
}

/** How large random users' trades are, in wei. */
export type TradeSize =
  | { distribution: "fixed"; amount: bigint }
  | { distribution: "uniform"; min: bigint; max: bigint }
  | { distribution: "lognormal"; median: bigint; sigma: number };

/** Random background users, arriving as a Poisson process. */
export interface ScenarioUsers {
  /** How many distinct user accounts trade. */
  count: number;
  /** Mean number of trades arriving per slot (Poisson). */
  arrivalPerSlot: number;
  /** Size of each trade. */
  tradeSize: TradeSize;
  /** Slippage tolerance of every user, in basis points. */
  slippageBps: number;
  /**
   * Rollup index where users deposit their swaps' output, `"random"` (the
   * default): a rollup other than the pool's, drawn with the scenario's seed,
   * or `"none"`: plain swaps that keep the output on the pool's rollup.
   */
  depositOn: number | "random" | "none";
}

/** A searcher agent. */
export interface ScenarioSearcher {
  /**
   * What it does: `sandwich` front- and back-runs victims; `arbitrage`
   * trades the price gap between two pools of the pair on different
   * rollups at every slot's start; `backrun` does the same right after a
   * trade that opened a gap.
   */
  strategy: SearcherStrategy;
  /** `arbitrage`: both legs as one bundle, all or nothing (default `true`), or as two independent transactions. */
  atomic: boolean;
  /** `arbitrage`: probability that each leg fails on chain (default 0). */
  legFailureProbability: number;
  /** `arbitrage` and `backrun`: the two pools it trades between (default the first two pools, which must be on different rollups). */
  pools: [number, number] | undefined;
  /** Share of its expected profit it bids in a policy's auction, in basis points (default 9000). */
  bidShareBps: number;
  /** A public searcher (default), or the sequencer itself attacking. */
  as: SearcherRole;
  /** How much earlier than the victim the searcher's transactions arrive under fcfs, in ms (default 50). */
  headStartMs: number;
  /** Gas price the searcher pays, in wei (written `gasPriceGwei`); `undefined` means the network's price. */
  gasPriceWei: bigint | undefined;
}

/** The threshold-encryption committee of the `encrypted` policy. */
export interface ScenarioCommittee {
  /** Shares needed to decrypt. */
  threshold: number;
  /** Committee members. */
  size: number;
}

/**
 * A fault of the devnet (`xr_injectFault`) in force for some slots of the
 * run. Two roles stand for what only the run knows: `"address":
 * "victim:N"` (victim N's account) and, in a `censor` fault, `"nodes":
 * "leader"` (the member leading when the fault is injected).
 */
export interface ScenarioFault {
  /** The slot at whose start the fault is injected. */
  atSlot: number;
  /** The slot at whose start it is cleared; `undefined`: it lasts to the end (or until it clears itself, like a `crash` with `forSlots`). */
  untilSlot: number | undefined;
  /** The fault as the devnet's `parseFault` checked it; a role's placeholder (address zero, member 0) is replaced at run time. */
  fault: ParsedFault;
  /** `"address": "victim:N"`: the index N of the victim whose account the fault names. */
  addressOfVictim: number | undefined;
  /** `"nodes": "leader"`: the censoring member is the one leading when the fault is injected. */
  censorLeader: boolean;
}

/** One setting of the sequencer a scenario runs under, once per policy. */
export interface ScenarioConfiguration {
  /** Name used in reports (`"default"` for a file without `configurations`). */
  name: string;
  /** Members of the sequencer committee (1 to 16; 1 is a single sequencer). */
  sequencers: number;
  /** Faults injected during the run. */
  faults: ScenarioFault[];
  /** How long members wait for a view's leader before the next one leads, in simulated ms. */
  viewTimeoutMs: number;
}

/** A validated scenario with every default resolved. */
export interface Scenario {
  /** The JSON it was parsed from, as written: what results embed. */
  source: unknown;
  /** Name used in reports. */
  name: string;
  /** Seed of every random draw in the run. */
  seed: number | Hex;
  /** Number of rollups in the devnet (1 to 16). */
  rollups: number;
  /** Number of slots the run lasts (default 1). */
  slots: number;
  /** Slot length in ms (default 1000). */
  slotMs: number;
  /** The pools; a file's single `"pool"` becomes a one-element list. */
  pools: ScenarioPool[];
  /** Scripted victims (default none). */
  victims: ScenarioVictim[];
  /** Random background users (default none). */
  users: ScenarioUsers | undefined;
  /** Searchers (default none: a baseline run). */
  searchers: ScenarioSearcher[];
  /** Policies to compare, in report order. */
  policies: ScenarioPolicy[];
  /** Committee of the `encrypted` policy (default 2 of 3). */
  committee: ScenarioCommittee;
  /**
   * The sequencer settings to compare, in report order: the file's
   * `configurations`, each completed from the top-level `sequencers`,
   * `faults` and `viewTimeoutMs`; without them, one named `"default"`.
   */
  configurations: ScenarioConfiguration[];
}

/** Thrown for a scenario that is not valid; `field` is the path of the offending value. */
export class ScenarioError extends XrollupError {
  override name = "ScenarioError";
  /** Path of the offending value, e.g. `"victims[0].slippageBps"`; empty for the whole file. */
  readonly field: string;
  /** What is wrong with it. */
  readonly reason: string;
  constructor({ field, reason, file, cause }: { field: string; reason: string; file?: string; cause?: unknown }) {
    super(field === "" ? `Invalid scenario: ${reason}` : `Invalid scenario: ${field}: ${reason}`, {
      details: file === undefined ? [] : [`Scenario file: ${file}`],
      cause,
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { field, reason },
    });
    this.field = field;
    this.reason = reason;
  }
}

type JsonObject = Record<string, unknown>;

function fail(field: string, expected: string, value: unknown): never {
  throw new ScenarioError({ field, reason: `expected ${expected}, got ${preview(value)}` });
}

const join = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`);

// Checks that `value` is an object with only `known` keys; unknown keys are the typos strictness exists for.
function object(value: unknown, path: string, known: readonly string[]): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, "an object", value);
  const record = value as JsonObject;
  for (const key of Object.keys(record)) {
    if (known.includes(key)) continue;
    throw new ScenarioError({ field: join(path, key), reason: unknownFieldReason(key, known) });
  }
  return record;
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) fail(field, "an array", value);
  return value;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) fail(field, `an integer from ${min} to ${max}`, value);
  return value;
}

function finiteNumber(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) fail(field, `a number from ${min} to ${max}`, value);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T {
  if (typeof value !== "string" || !(options as readonly string[]).includes(value)) fail(field, `one of ${options.map((o) => `"${o}"`).join(", ")}`, value);
  return value as T;
}

// Uniswap v2 keeps reserves in uint112, so larger amounts cannot exist in a pool.
const MAX_AMOUNT = (1n << 112n) - 1n;

/** A positive token amount written as a decimal string of whole tokens. */
function tokens(value: unknown, field: string): bigint {
  const expected = `a positive decimal string of tokens with at most ${TOKEN_DECIMALS} decimals, like "1000" or "0.5"`;
  if (typeof value !== "string") fail(field, `${expected} (amounts are strings so no precision is lost)`, value);
  const fractionDigits = /^\d+\.(\d+)$/.exec(value)?.[1]?.length ?? 0;
  if (fractionDigits > TOKEN_DECIMALS) fail(field, `at most ${TOKEN_DECIMALS} decimals (the smallest amount is one wei)`, value);
  const wei = parseDecimal(value, TOKEN_DECIMALS);
  if (wei === undefined || wei === 0n) fail(field, expected, value);
  if (wei > MAX_AMOUNT) fail(field, `at most ${MAX_AMOUNT} wei (a Uniswap v2 reserve is a uint112)`, value);
  return wei;
}

/** A non-negative gwei amount, written as a number or a decimal string. */
function gwei(value: unknown, field: string): bigint {
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  const wei = typeof text === "string" ? parseDecimal(text, GWEI_DECIMALS) : undefined;
  if (wei === undefined) fail(field, `a non-negative amount of gwei with at most ${GWEI_DECIMALS} decimals`, value);
  return wei;
}

const bps = (value: unknown, field: string): number => integer(value, field, 0, 10_000);

function required(record: JsonObject, key: string, path: string, expected: string): unknown {
  if (record[key] === undefined) throw new ScenarioError({ field: join(path, key), reason: `missing (expected ${expected})` });
  return record[key];
}

function rollupIndex(value: unknown, field: string, rollups: number): number {
  return integer(value, field, 0, rollups - 1);
}

function seed(value: unknown): number | Hex {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === "string" && /^0x[0-9a-fA-F]{1,64}$/.test(value)) return value.toLowerCase() as Hex;
  return fail("seed", "a non-negative integer or a 0x-prefixed hex string of at most 32 bytes", value);
}

function pool(value: unknown, path: string, rollups: number): ScenarioPool {
  const record = object(value, path, ["rollup", "reserveIn", "reserveOut", "feeBps"]);
  return {
    rollup: rollupIndex(required(record, "rollup", path, "a rollup index"), join(path, "rollup"), rollups),
    reserveIn: tokens(required(record, "reserveIn", path, "a decimal string of tokens"), join(path, "reserveIn")),
    reserveOut: tokens(required(record, "reserveOut", path, "a decimal string of tokens"), join(path, "reserveOut")),
    // Below 100%: a pool that keeps the whole input would give nothing back.
    feeBps: record.feeBps === undefined ? SCENARIO_DEFAULTS.feeBps : integer(record.feeBps, join(path, "feeBps"), 0, 9_999),
  };
}

function depositOn(value: unknown, field: string, rollups: number, poolRollups: readonly number[]): number {
  const index = rollupIndex(value, field, rollups);
  if (poolRollups.includes(index)) {
    throw new ScenarioError({ field, reason: `the deposit must go to another rollup than the pool's (rollup ${index}), so the trade crosses rollups` });
  }
  return index;
}

function victim(value: unknown, path: string, rollups: number, slots: number, pools: readonly ScenarioPool[]): ScenarioVictim {
  const record = object(value, path, ["amountIn", "slippageBps", "depositOn", "pool", "slot", "tipGwei", "forceAfterSlots"]);
  const amountIn = tokens(required(record, "amountIn", path, "a decimal string of tokens"), join(path, "amountIn"));
  const slippageBps = bps(required(record, "slippageBps", path, "an integer from 0 to 10000"), join(path, "slippageBps"));
  const poolIndex = record.pool === undefined ? SCENARIO_DEFAULTS.victimPool : integer(record.pool, join(path, "pool"), 0, pools.length - 1);
  const poolRollup = (pools[poolIndex] as ScenarioPool).rollup;
  const slot = record.slot === undefined ? SCENARIO_DEFAULTS.victimSlot : integer(record.slot, join(path, "slot"), 0, slots - 1);
  return {
    amountIn,
    slippageBps,
    depositOn: record.depositOn === undefined ? undefined : depositOn(record.depositOn, join(path, "depositOn"), rollups, [poolRollup]),
    pool: poolIndex,
    slot,
    tipWei: gwei(record.tipGwei ?? SCENARIO_DEFAULTS.tipGwei, join(path, "tipGwei")),
    forceAfterSlots: record.forceAfterSlots === undefined ? undefined : forceAfterSlots(record.forceAfterSlots, join(path, "forceAfterSlots"), slot, slots),
  };
}

/** Slots a victim waits before forcing its swap through L1: the slot that reads L1's queue must still be part of the run. */
function forceAfterSlots(value: unknown, field: string, slot: number, slots: number): number {
  const latest = slots - 1 - slot;
  if (latest < 1) {
    throw new ScenarioError({ field, reason: `the victim trades in the last slot (${slot}), so no later slot could include a forced transaction; add slots` });
  }
  return integer(value, field, 1, latest);
}

function tradeSize(value: unknown, path: string): TradeSize {
  const kind = object(value, path, ["distribution", "amount", "min", "max", "median", "sigma"]).distribution;
  const distribution = oneOf(kind, join(path, "distribution"), TRADE_SIZE_DISTRIBUTIONS);
  switch (distribution) {
    case "fixed": {
      const record = object(value, path, ["distribution", "amount"]);
      return { distribution, amount: tokens(required(record, "amount", path, "a decimal string of tokens"), join(path, "amount")) };
    }
    case "uniform": {
      const record = object(value, path, ["distribution", "min", "max"]);
      const min = tokens(required(record, "min", path, "a decimal string of tokens"), join(path, "min"));
      const max = tokens(required(record, "max", path, "a decimal string of tokens"), join(path, "max"));
      if (max < min) fail(join(path, "max"), `an amount not below min (${String(record.min)})`, record.max);
      return { distribution, min, max };
    }
    case "lognormal": {
      const record = object(value, path, ["distribution", "median", "sigma"]);
      return {
        distribution,
        median: tokens(required(record, "median", path, "a decimal string of tokens"), join(path, "median")),
        // e^(5·3) is already a 3-million-fold spread at three sigmas; more is a typo.
        sigma: finiteNumber(required(record, "sigma", path, "a number from 0 to 5"), join(path, "sigma"), 0, 5),
      };
    }
  }
}

function users(value: unknown, rollups: number, pools: readonly ScenarioPool[]): ScenarioUsers {
  const path = "users";
  const record = object(value, path, ["count", "arrivalPerSlot", "tradeSize", "slippageBps", "depositOn"]);
  const count = integer(required(record, "count", path, "an integer from 1 to 1000000"), "users.count", 1, 1_000_000);
  const arrivalPerSlot = finiteNumber(required(record, "arrivalPerSlot", path, "a number from 0 to 10000"), "users.arrivalPerSlot", 0, 10_000);
  const size = tradeSize(required(record, "tradeSize", path, "a trade-size distribution"), "users.tradeSize");
  const slippageBps = bps(required(record, "slippageBps", path, "an integer from 0 to 10000"), "users.slippageBps");
  const poolRollups = pools.map((p) => p.rollup);
  // A user may trade on any pool, so its deposit must come from a rollup that holds none.
  if (record.depositOn !== "none" && record.depositOn === undefined && Array.from({ length: rollups }, (_, i) => i).every((i) => poolRollups.includes(i))) {
    throw new ScenarioError({ field: "users.depositOn", reason: "users deposit from a rollup without a pool, but every rollup has one; add a rollup" });
  }
  return {
    count,
    arrivalPerSlot,
    tradeSize: size,
    slippageBps,
    depositOn:
      record.depositOn === undefined ? "random" : record.depositOn === "none" ? "none" : depositOn(record.depositOn, "users.depositOn", rollups, poolRollups),
  };
}

/** The fields each strategy takes besides the common ones: a field of another strategy is a mistake worth an error. */
const STRATEGY_FIELDS: Readonly<Record<SearcherStrategy, readonly string[]>> = {
  sandwich: [],
  arbitrage: ["atomic", "legFailureProbability", "pools"],
  backrun: ["pools"],
};

/** The two pools an arbitrage trades between: on different rollups, or there is nothing to arbitrage. */
function arbitragePools(value: unknown, field: string, pools: readonly ScenarioPool[]): [number, number] {
  if (pools.length < 2) {
    throw new ScenarioError({ field: "pools", reason: "arbitrage and backrun trade between two pools of the pair on different rollups; add a second pool" });
  }
  const list = value === undefined ? [0, 1] : array(value, field);
  if (list.length !== 2) fail(field, "two pool indexes", value);
  const [a, b] = list.map((item, i) => integer(item, `${field}[${i}]`, 0, pools.length - 1)) as [number, number];
  if (pools[a]!.rollup === pools[b]!.rollup) {
    throw new ScenarioError({ field, reason: `pools ${a} and ${b} are both on rollup ${pools[a]!.rollup}; arbitrage needs them on different rollups` });
  }
  return [a, b];
}

function searcher(value: unknown, path: string, pools: readonly ScenarioPool[]): ScenarioSearcher {
  const kind = (value as JsonObject | null)?.strategy;
  const extra = typeof kind === "string" && kind in STRATEGY_FIELDS ? STRATEGY_FIELDS[kind as SearcherStrategy] : [];
  const record = object(value, path, ["strategy", "as", "headStartMs", "gasPriceGwei", "bidShareBps", ...extra]);
  const strategy = oneOf(required(record, "strategy", path, `one of ${SEARCHER_STRATEGIES.join(", ")}`), join(path, "strategy"), SEARCHER_STRATEGIES);
  if (record.atomic !== undefined && typeof record.atomic !== "boolean") fail(join(path, "atomic"), "true or false", record.atomic);
  return {
    strategy,
    atomic: record.atomic === undefined ? true : (record.atomic as boolean),
    legFailureProbability:
      record.legFailureProbability === undefined
        ? SCENARIO_DEFAULTS.legFailureProbability
        : finiteNumber(record.legFailureProbability, join(path, "legFailureProbability"), 0, 1),
    pools: strategy === "sandwich" ? undefined : arbitragePools(record.pools, join(path, "pools"), pools),
    bidShareBps: record.bidShareBps === undefined ? SCENARIO_DEFAULTS.bidShareBps : bps(record.bidShareBps, join(path, "bidShareBps")),
    as: record.as === undefined ? SCENARIO_DEFAULTS.searcherAs : oneOf(record.as, join(path, "as"), ["searcher", "sequencer"] as const),
    headStartMs: record.headStartMs === undefined ? SCENARIO_DEFAULTS.headStartMs : integer(record.headStartMs, join(path, "headStartMs"), 0, 3_600_000),
    gasPriceWei: record.gasPriceGwei === undefined ? undefined : gwei(record.gasPriceGwei, join(path, "gasPriceGwei")),
  };
}

function policy(value: unknown, field: string): ScenarioPolicy {
  const known = Object.keys(ORDERING_POLICIES);
  const expected = `one of ${known.map((name) => `"${name}"`).join(", ")}, a module path like "./my-policy.ts", or { "name": …, options }`;
  const record: JsonObject = typeof value === "string" ? { name: value } : typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : fail(field, expected, value);
  const { name, ...options } = record;
  if (typeof name !== "string" || name === "") fail(typeof value === "string" ? field : join(field, "name"), expected, name);
  if (isPolicyModulePath(name)) return { name, options };
  if (!known.includes(name)) fail(typeof value === "string" ? field : join(field, "name"), expected, name);
  try {
    // Built-in options are checked now, so that a typo fails before any run starts.
    resolvePolicy({ name, ...options });
  } catch (error) {
    if (!(error instanceof XrollupError)) throw error;
    const option = (error.data as { option?: string } | undefined)?.option;
    throw new ScenarioError({ field: option === undefined ? field : join(field, option), reason: error.shortMessage, cause: error });
  }
  return { name, options };
}

function policies(value: unknown): ScenarioPolicy[] {
  const list = array(value, "policies");
  if (list.length === 0) fail("policies", "at least one policy", value);
  const result: ScenarioPolicy[] = [];
  list.forEach((item, i) => {
    const entry = policy(item, `policies[${i}]`);
    const key = JSON.stringify(entry);
    if (result.some((other) => JSON.stringify(other) === key)) throw new ScenarioError({ field: `policies[${i}]`, reason: `"${entry.name}" is listed twice with the same options` });
    result.push(entry);
  });
  return result;
}

function committee(value: unknown): ScenarioCommittee {
  const record = object(value, "committee", ["threshold", "size"]);
  const size = integer(required(record, "size", "committee", "an integer from 1 to 64"), "committee.size", 1, 64);
  const threshold = integer(required(record, "threshold", "committee", `an integer from 1 to ${size}`), "committee.threshold", 1, size);
  return { threshold, size };
}

// The fields of each kind of fault (see `Fault` in sequencer/faults.ts). The
// devnet ignores fields it does not know; a scenario file must not, or a
// misspelt "chainId" would censor every rollup instead of one.
const FAULT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  crash: ["node", "forSlots"],
  "fail-l1-post": ["count"],
  "delay-batches": ["ms"],
  censor: ["address", "chainId", "nodes"],
  equivocate: ["node"],
  "withhold-relay": ["chainId"],
  "engine-error": ["chainId", "step"],
};

/** The chain ids the devnet gives a scenario's rollups (L1's id plus one, two, …), which faults name. */
export function rollupChainIds(rollups: number): number[] {
  return Array.from({ length: rollups }, (_, index) => DEVNET_DEFAULTS.l1ChainId + 1 + index);
}

/** What a fault is checked against: the run's slots and victims, the rollups' chain ids and the committee's size. */
interface FaultContext {
  slots: number;
  victims: number;
  chainIds: readonly number[];
  sequencers: number;
}

const VICTIM_ROLE = /^victim:(\d+)$/;

/** The victim index of an `"address": "victim:N"` role; `undefined` for anything else (a real address, checked by `parseFault`). */
function victimRole(value: unknown, field: string, victims: number): number | undefined {
  if (typeof value !== "string" || !value.startsWith("victim:")) return undefined;
  const index = Number(VICTIM_ROLE.exec(value)?.[1]);
  if (Number.isSafeInteger(index) && index < victims) return index;
  const expected = victims === 0 ? "a 0x address (there are no victims to name)" : `a 0x address or "victim:N" with N from 0 to ${victims - 1}`;
  return fail(field, expected, value);
}

function fault(value: unknown, path: string, context: FaultContext): ScenarioFault {
  const { slots } = context;
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, "an object", value);
  const kind = (value as JsonObject).kind;
  const fields = typeof kind === "string" ? FAULT_FIELDS[kind] : undefined;
  // An unknown kind is left to parseFault, whose message lists the kinds.
  const record = fields === undefined ? (value as JsonObject) : object(value, path, ["kind", ...fields, "atSlot", "untilSlot"]);
  const atSlot = integer(required(record, "atSlot", path, `an integer from 0 to ${slots - 1}`), join(path, "atSlot"), 0, slots - 1);
  const until = record.untilSlot;
  if (until !== undefined && (typeof until !== "number" || !Number.isInteger(until) || until <= atSlot || until > slots)) {
    fail(join(path, "untilSlot"), `a slot after atSlot (${atSlot}), at most ${slots} (the end of the run)`, until);
  }
  const { atSlot: _atSlot, untilSlot: _untilSlot, ...injected } = record;
  const addressOfVictim = victimRole(injected.address, join(path, "address"), context.victims);
  const censorLeader = injected.kind === "censor" && injected.nodes === "leader";
  // Roles become placeholders the devnet accepts; the run puts the real address and member in.
  const checked = { ...injected, ...(addressOfVictim === undefined ? {} : { address: zeroAddress }), ...(censorLeader ? { nodes: [0] } : {}) };
  try {
    return { atSlot, untilSlot: until, fault: parseFault(checked, context.chainIds, context.sequencers), addressOfVictim, censorLeader };
  } catch (error) {
    if (!(error instanceof InvalidFaultError)) throw error;
    const field = (error.data as { field?: string } | undefined)?.field;
    throw new ScenarioError({ field: field === undefined ? path : join(path, field), reason: error.shortMessage, cause: error });
  }
}

function faults(value: unknown, path: string, context: FaultContext): ScenarioFault[] {
  return array(value, path).map((item, i) => fault(item, `${path}[${i}]`, context));
}

/** What a configuration takes from the top level when it does not say. */
interface ConfigurationDefaults {
  sequencers: number;
  /** The top-level `faults` as written: checked again against each configuration's committee. */
  faults: unknown;
  viewTimeoutMs: number;
}

function sequencers(value: unknown, field: string): number {
  return integer(value, field, 1, MAX_SEQUENCERS);
}

function viewTimeoutMs(value: unknown, field: string): number {
  return integer(value, field, 1, 3_600_000);
}

/** Top-level faults for one configuration; an error names the top-level field and the configuration it failed for. */
function inheritedFaults(defaults: ConfigurationDefaults, context: FaultContext, configuration: string | undefined): ScenarioFault[] {
  if (defaults.faults === undefined) return [];
  try {
    return faults(defaults.faults, "faults", context);
  } catch (error) {
    if (!(error instanceof ScenarioError) || configuration === undefined) throw error;
    const members = context.sequencers === 1 ? "1 sequencer" : `${context.sequencers} sequencers`;
    const reason = `${error.reason} (in configuration "${configuration}", with ${members})`;
    throw new ScenarioError({ field: error.field, reason, cause: error });
  }
}

function configurations(value: unknown, defaults: ConfigurationDefaults, context: Omit<FaultContext, "sequencers">): ScenarioConfiguration[] {
  const list = array(value, "configurations");
  if (list.length === 0) fail("configurations", "at least one configuration", value);
  const names: string[] = [];
  return list.map((item, i) => {
    const path = `configurations[${i}]`;
    const record = object(item, path, ["name", "sequencers", "faults", "viewTimeoutMs"]);
    const name = required(record, "name", path, "a non-empty string");
    if (typeof name !== "string" || name.trim() === "") fail(join(path, "name"), "a non-empty string", name);
    if (names.includes(name)) throw new ScenarioError({ field: join(path, "name"), reason: `"${name}" is listed twice` });
    names.push(name);
    const members = record.sequencers === undefined ? defaults.sequencers : sequencers(record.sequencers, join(path, "sequencers"));
    const faultContext = { ...context, sequencers: members };
    return {
      name,
      sequencers: members,
      faults: record.faults === undefined ? inheritedFaults(defaults, faultContext, name) : faults(record.faults, join(path, "faults"), faultContext),
      viewTimeoutMs: record.viewTimeoutMs === undefined ? defaults.viewTimeoutMs : viewTimeoutMs(record.viewTimeoutMs, join(path, "viewTimeoutMs")),
    };
  });
}

const TOP_LEVEL = [
  "name",
  "seed",
  "rollups",
  "slots",
  "slotMs",
  "pool",
  "pools",
  "victims",
  "users",
  "searchers",
  "policies",
  "committee",
  "sequencers",
  "faults",
  "viewTimeoutMs",
  "configurations",
] as const;

/**
 * Validates a parsed scenario file and resolves it: defaults filled in
 * (see {@link SCENARIO_DEFAULTS}), token amounts in wei, gwei in wei, a single
 * `pool` turned into `pools`. Fields are checked in file order, so the error
 * is about the first bad one.
 *
 * @throws {ScenarioError} naming the first invalid field, e.g.
 * `Invalid scenario: victims[0].slippageBps: expected an integer from 0 to 10000, got 20000`.
 * @example
 * ```ts
 * const scenario = parseScenario(JSON.parse(text));
 * scenario.pools[0].reserveIn; // 1000000000000000000000000n for "1000000"
 * ```
 */
export function parseScenario(json: unknown): Scenario {
  const record = object(json, "", TOP_LEVEL);
  const name = required(record, "name", "", "a non-empty string");
  if (typeof name !== "string" || name.trim() === "") fail("name", "a non-empty string", name);
  const resolvedSeed = seed(required(record, "seed", "", "a non-negative integer or a hex string"));
  const rollups = integer(required(record, "rollups", "", `an integer from 1 to ${MAX_ROLLUPS}`), "rollups", 1, MAX_ROLLUPS);
  const slots = record.slots === undefined ? SCENARIO_DEFAULTS.slots : integer(record.slots, "slots", 1, 1_000_000);
  const slotMs = record.slotMs === undefined ? SCENARIO_DEFAULTS.slotMs : integer(record.slotMs, "slotMs", 1, 3_600_000);

  if (record.pool !== undefined && record.pools !== undefined) {
    throw new ScenarioError({ field: "pools", reason: 'give either "pool" or "pools", not both' });
  }
  let pools: ScenarioPool[];
  if (record.pools !== undefined) {
    const list = array(record.pools, "pools");
    if (list.length === 0) fail("pools", "at least one pool", record.pools);
    pools = list.map((item, i) => pool(item, `pools[${i}]`, rollups));
  } else {
    pools = [pool(required(record, "pool", "", 'a pool (or a "pools" list)'), "pool", rollups)];
  }

  const victims = record.victims === undefined ? [] : array(record.victims, "victims").map((item, i) => victim(item, `victims[${i}]`, rollups, slots, pools));
  const resolvedUsers = record.users === undefined ? undefined : users(record.users, rollups, pools);
  const searchers = record.searchers === undefined ? [] : array(record.searchers, "searchers").map((item, i) => searcher(item, `searchers[${i}]`, pools));
  if (searchers.length > MAX_SEARCHERS) fail("searchers", `at most ${MAX_SEARCHERS} searchers`, record.searchers);
  if (victims.length === 0 && resolvedUsers === undefined && !searchers.some((entry) => entry.strategy === "arbitrage")) {
    throw new ScenarioError({ field: "victims", reason: 'a scenario needs at least one victim, "users" or an arbitrage searcher to trade' });
  }
  const resolvedPolicies = policies(required(record, "policies", "", "a list of policies"));
  const resolvedCommittee = record.committee === undefined ? { ...SCENARIO_DEFAULTS.committee } : committee(record.committee);

  const defaults: ConfigurationDefaults = {
    sequencers: record.sequencers === undefined ? SCENARIO_DEFAULTS.sequencers : sequencers(record.sequencers, "sequencers"),
    faults: record.faults,
    viewTimeoutMs: record.viewTimeoutMs === undefined ? SCENARIO_DEFAULTS.viewTimeoutSlots * slotMs : viewTimeoutMs(record.viewTimeoutMs, "viewTimeoutMs"),
  };
  const faultContext = { slots, victims: victims.length, chainIds: rollupChainIds(rollups) };
  const resolvedConfigurations =
    record.configurations === undefined
      ? [
          {
            name: SCENARIO_DEFAULTS.configurationName,
            sequencers: defaults.sequencers,
            faults: inheritedFaults(defaults, { ...faultContext, sequencers: defaults.sequencers }, undefined),
            viewTimeoutMs: defaults.viewTimeoutMs,
          },
        ]
      : configurations(record.configurations, defaults, faultContext);

  return {
    source: json,
    name,
    seed: resolvedSeed,
    rollups,
    slots,
    slotMs,
    pools,
    victims,
    users: resolvedUsers,
    searchers,
    policies: resolvedPolicies,
    committee: resolvedCommittee,
    configurations: resolvedConfigurations,
  };
}

/**
 * Reads a scenario file, parses it as JSON and validates it with
 * {@link parseScenario}.
 *
 * @throws {ScenarioError} if the file cannot be read, is not valid JSON (the
 * error names the file, line and column), or is not a valid scenario (the
 * error names the field and lists the file in its details).
 * @example
 * ```ts
 * const scenario = await loadScenario("sim/scenarios/one-sandwich.json");
 * ```
 */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
    text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
  } catch (error) {
    throw new ScenarioError({ field: "", reason: `cannot read ${file}: ${(error as Error).message}`, file, cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const offset = jsonSyntaxErrorOffset(text) ?? 0;
    const { line, column } = positionAt(text, offset);
    // V8's message may carry its own position (not always); ours replaces it so the message says it once.
    const detail = (error as Error).message.replace(/\s*in JSON at position \d+.*$/s, "");
    throw new ScenarioError({ field: "", reason: `${file} is not valid JSON at line ${line}, column ${column}: ${detail}`, file, cause: error });
  }
  try {
    return parseScenario(json);
  } catch (error) {
    if (error instanceof ScenarioError) throw new ScenarioError({ field: error.field, reason: error.reason, file, cause: error });
    throw error;
  }
}
