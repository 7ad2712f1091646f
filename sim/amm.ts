/**
 * Constant-product AMM math, exactly as Uniswap v2 computes it (integer
 * arithmetic, rounding down on every swap), and the sandwich attack on it.
 *
 * The lab's pools are Uniswap v2 pairs, so a simulated swap must give the
 * same wei as the chain would; that is why everything here is bigint and
 * every division is the same floor division the pair contract does.
 */
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";

/** Basis points in one whole (100%). */
export const BPS = 10_000n;

/** Uniswap v2's swap fee, 0.3%, in basis points. */
export const UNISWAP_V2_FEE_BPS = 30n;

/**
 * The largest candidate interval {@link optimalSandwich} scans exhaustively.
 * Past it the result is still the best of a large neighbourhood, but is no
 * longer proven optimal (`exact: false`).
 */
export const SANDWICH_SCAN_LIMIT = 1n << 14n;

// Integer profit is not unimodal at the unit scale (it saws up and down as
// the front-run's output crosses whole units), so the search always looks at
// a small window around the real-valued optimum before narrowing.
const NEIGHBOURHOOD = 16n;

/** Thrown when AMM math is given an amount or reserve the pair contract would reject. */
export class AmmInputError extends XrollupError {
  override name = "AmmInputError";
  /** The offending parameter, e.g. `"reserveIn"`. */
  readonly parameter: string;
  /** What the parameter must be. */
  readonly reason: string;
  constructor({ parameter, reason, value }: { parameter: string; reason: string; value: bigint }) {
    super(`Invalid AMM input: ${parameter} ${reason}, got ${value}.`, {
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { parameter, value: value.toString() },
    });
    this.parameter = parameter;
    this.reason = reason;
  }
}

function requirePositive(parameter: string, value: bigint): void {
  if (value <= 0n) throw new AmmInputError({ parameter, reason: "must be positive", value });
}

function requireNonNegative(parameter: string, value: bigint): void {
  if (value < 0n) throw new AmmInputError({ parameter, reason: "must not be negative", value });
}

function requireFee(feeBps: bigint): void {
  // A fee of 100% or more would make every swap return nothing (or divide by zero in getAmountIn).
  if (feeBps < 0n || feeBps >= BPS) throw new AmmInputError({ parameter: "feeBps", reason: "must be from 0 to 9999", value: feeBps });
}

// The unchecked formula, shared by the public functions once their inputs are validated.
function amountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: bigint): bigint {
  const amountInWithFee = amountIn * (BPS - feeBps);
  return (amountInWithFee * reserveOut) / (reserveIn * BPS + amountInWithFee);
}

/**
 * The output of swapping `amountIn` into a pair holding `reserveIn`/`reserveOut`,
 * as Uniswap v2's `getAmountOut` computes it, with the fee in basis points
 * (30 = 0.3%, for which this equals Uniswap's 997/1000 formula exactly).
 *
 * @throws {AmmInputError} if an amount or reserve is not positive or the fee is not below 100%.
 * @example
 * ```ts
 * getAmountOut(100n, 10_000n, 10_000n); // 98n
 * ```
 */
export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: bigint = UNISWAP_V2_FEE_BPS): bigint {
  requirePositive("amountIn", amountIn);
  requirePositive("reserveIn", reserveIn);
  requirePositive("reserveOut", reserveOut);
  requireFee(feeBps);
  return amountOut(amountIn, reserveIn, reserveOut, feeBps);
}

/**
 * The input Uniswap v2's `getAmountIn` asks for to receive `amountOut`: the
 * exact quotient rounded down, plus one (so it may be one more than the least
 * input that suffices when the quotient is whole, just like the router).
 *
 * @throws {AmmInputError} if an amount or reserve is not positive, the fee is not below 100%,
 * or `amountOut` is not below `reserveOut`.
 * @example
 * ```ts
 * getAmountIn(98n, 10_000n, 10_000n); // 100n
 * ```
 */
export function getAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: bigint = UNISWAP_V2_FEE_BPS): bigint {
  requirePositive("amountOut", amountOut);
  requirePositive("reserveIn", reserveIn);
  requirePositive("reserveOut", reserveOut);
  requireFee(feeBps);
  if (amountOut >= reserveOut) throw new AmmInputError({ parameter: "amountOut", reason: `must be below reserveOut (${reserveOut})`, value: amountOut });
  return (reserveIn * amountOut * BPS) / ((reserveOut - amountOut) * (BPS - feeBps)) + 1n;
}

/**
 * The least output a trader accepts for a `quote` with `slippageBps` of
 * tolerance, rounded down as routers do: `quote * (10000 - slippageBps) / 10000`.
 *
 * @throws {AmmInputError} if `quote` is negative or `slippageBps` is not from 0 to 10000.
 * @example
 * ```ts
 * minOutFor(98n, 100n); // 97n
 * ```
 */
export function minOutFor(quote: bigint, slippageBps: bigint): bigint {
  requireNonNegative("quote", quote);
  if (slippageBps < 0n || slippageBps > BPS) throw new AmmInputError({ parameter: "slippageBps", reason: "must be from 0 to 10000", value: slippageBps });
  return (quote * (BPS - slippageBps)) / BPS;
}

/** Parameters of {@link simulateSandwich}. */
export interface SimulateSandwichParameters {
  /** Pool reserve of the token the victim sells (and the searcher profits in). */
  reserveIn: bigint;
  /** Pool reserve of the token the victim buys. */
  reserveOut: bigint;
  /** Swap fee in basis points; defaults to Uniswap v2's 30. */
  feeBps?: bigint;
  /** What the victim sells. */
  victimAmountIn: bigint;
  /** The least the victim accepts; its swap reverts below it. */
  victimMinOut: bigint;
  /** What the searcher sells before the victim (0 = no front-run). */
  frontRunIn: bigint;
}

/** Outcome of {@link simulateSandwich}. */
export interface SimulateSandwichReturnType {
  /** Out-tokens the searcher's front-run bought. */
  frontRunOut: bigint;
  /** Out-tokens the victim received (0 if its swap reverted). */
  victimOut: bigint;
  /** Whether the victim's swap went through (its output reached its minimum and was not zero). */
  victimSucceeds: boolean;
  /** In-tokens the searcher's back-run got for all of `frontRunOut`. */
  backRunOut: bigint;
  /** `backRunOut - frontRunIn`, in in-tokens; negative when the sandwich loses. */
  profit: bigint;
  /** Pool reserve of the in-token after the three swaps. */
  reserveIn: bigint;
  /** Pool reserve of the out-token after the three swaps. */
  reserveOut: bigint;
}

/**
 * Plays a sandwich on one pool: the searcher swaps `frontRunIn` in→out, the
 * victim swaps `victimAmountIn` in→out (reverting, and leaving the pool as it
 * was, if its output is below `victimMinOut` or zero — the pair rejects a
 * zero output), then the searcher swaps all the out-tokens it bought back
 * out→in. A swap of zero tokens is no swap.
 *
 * @throws {AmmInputError} for non-positive reserves or victim amount, negative amounts, or a fee of 100% or more.
 * @example
 * ```ts
 * simulateSandwich({ reserveIn: 10_000n, reserveOut: 10_000n, victimAmountIn: 100n, victimMinOut: 0n, frontRunIn: 1_000n });
 * // { frontRunOut: 906n, victimOut: 81n, victimSucceeds: true, backRunOut: 1011n, profit: 11n, … }
 * ```
 */
export function simulateSandwich(parameters: SimulateSandwichParameters): SimulateSandwichReturnType {
  const { reserveIn, reserveOut, feeBps = UNISWAP_V2_FEE_BPS, victimAmountIn, victimMinOut, frontRunIn } = parameters;
  requirePositive("reserveIn", reserveIn);
  requirePositive("reserveOut", reserveOut);
  requirePositive("victimAmountIn", victimAmountIn);
  requireNonNegative("victimMinOut", victimMinOut);
  requireNonNegative("frontRunIn", frontRunIn);
  requireFee(feeBps);
  return sandwich(reserveIn, reserveOut, feeBps, victimAmountIn, victimMinOut, frontRunIn);
}

// simulateSandwich without validation, for the search loops.
function sandwich(x: bigint, y: bigint, feeBps: bigint, victimIn: bigint, victimMinOut: bigint, frontRunIn: bigint): SimulateSandwichReturnType {
  const frontRunOut = frontRunIn === 0n ? 0n : amountOut(frontRunIn, x, y, feeBps);
  let reserveIn = x + frontRunIn;
  let reserveOut = y - frontRunOut;
  const quoted = amountOut(victimIn, reserveIn, reserveOut, feeBps);
  const victimSucceeds = quoted >= victimMinOut && quoted > 0n;
  if (victimSucceeds) {
    reserveIn += victimIn;
    reserveOut -= quoted;
  }
  const backRunOut = frontRunOut === 0n ? 0n : amountOut(frontRunOut, reserveOut, reserveIn, feeBps);
  return {
    frontRunOut,
    victimOut: victimSucceeds ? quoted : 0n,
    victimSucceeds,
    backRunOut,
    profit: backRunOut - frontRunIn,
    reserveIn: reserveIn - backRunOut,
    reserveOut: reserveOut + frontRunOut,
  };
}

/** Parameters of {@link optimalSandwich}. */
export interface OptimalSandwichParameters {
  /** Pool reserve of the token the victim sells. */
  reserveIn: bigint;
  /** Pool reserve of the token the victim buys. */
  reserveOut: bigint;
  /** Swap fee in basis points; defaults to Uniswap v2's 30. */
  feeBps?: bigint;
  /** What the victim sells. */
  victimAmountIn: bigint;
  /** The least the victim accepts. */
  victimMinOut: bigint;
  /**
   * The searcher's gas cost for the two swaps, in in-tokens. Only decides
   * whether the sandwich is worth it; `profit` does not include it.
   */
  gasCostIn?: bigint;
}

/** The best sandwich found by {@link optimalSandwich}. */
export interface OptimalSandwich extends SimulateSandwichReturnType {
  /** The front-run size that maximises `profit` (the smallest one, if several tie). */
  frontRunIn: bigint;
  /** What the victim gets less than without the sandwich, in out-tokens. */
  victimLoss: bigint;
  /**
   * True when `profit` is proven to be the maximum over every front-run the
   * victim tolerates and `frontRunIn` the smallest front-run that earns it.
   */
  exact: boolean;
  /**
   * A proven upper bound on the profit of any front-run the victim tolerates;
   * equals `profit` whenever the profit is proven maximal (even if `exact` is
   * false because a smaller tying front-run could not be ruled out).
   */
  profitUpperBound: bigint;
}

// A non-negative-denominator fraction, for exact comparisons of the real-valued profit.
interface Fraction {
  num: bigint;
  den: bigint;
}

const floorDiv = (num: bigint, den: bigint): bigint => (num >= 0n ? num / den : -((-num + den - 1n) / den));

/**
 * The sandwich's profit at front-run `f` if no swap rounded: with g = 1 - fee,
 * x1 = x + f and x2 = x1 + V, the back-run returns
 * b = g²·f·(x1 + g·V)·x2 / (x·x1 + g²·f·(x1 + g·V)), so the profit is b - f.
 *
 * Two facts make it the search's guide (see optimalSandwich):
 * 1. It bounds the integer profit from above whenever the victim goes through:
 *    rounding only lowers the front-run's output and raises the out-reserve
 *    the back-run sells into, and the back-run's output grows with the first
 *    and falls with the second, then is itself rounded down.
 * 2. It is unimodal in f ≥ 0: the numerator of its derivative is the
 *    quadratic A·f² + B·f + C (in units of x) with A = (1 - g)(V·g² - g - 1),
 *    B = 2(V·g² + g² - 1), C = V²g³ + V·g³ + V·g² + g² - 1, over a positive
 *    square. If A < 0 and C ≥ 0 it changes sign once, + to −; if C < 0 then
 *    V·g²(1 + g) < 1 - g², so B < 0 too and it is negative throughout; if
 *    A ≥ 0 then g = 1 or V·g² ≥ 1 + g, and either way B, C > 0 and it is
 *    positive throughout. (Derived with sympy; checked against exhaustive
 *    search in test/sim/amm.test.ts.)
 */
function realProfit(x: bigint, feeBps: bigint, victimIn: bigint, f: bigint): Fraction {
  const g = BPS - feeBps;
  const x1 = x + f;
  const x2 = x1 + victimIn;
  // Everything is scaled by BPS³ so that g = (BPS - fee)/BPS stays an integer.
  const gained = g * g * f * (BPS * x1 + g * victimIn);
  const den = BPS * BPS * BPS * x * x1 + gained;
  return { num: gained * x2 - f * den, den };
}

const atLeast = (a: Fraction, t: bigint): boolean => a.num >= t * a.den;
const notAbove = (a: Fraction, b: Fraction): boolean => a.num * b.den <= b.num * a.den;

/**
 * Finds the front-run that maximises a searcher's profit from sandwiching one
 * victim, subject to the victim's swap still going through (otherwise the
 * searcher just pays two fees). Returns `null` when no front-run makes a
 * profit above `gasCostIn`, or the victim's swap fails even unattacked.
 *
 * How it is exact: the victim's output never increases with the front-run, so
 * a binary search finds the largest front-run B the victim tolerates. The
 * integer profit saw-tooths at the unit scale, so rather than searching it
 * directly the search is guided by the real-valued profit R (see realProfit),
 * which is unimodal and never below the integer profit. R's maximiser on
 * [1, B] comes from a binary search on the sign of R(f + 1) - R(f); the
 * integer profit there, around it and at B gives a best-so-far P. A front-run
 * can only beat P where R ≥ P + 1, an interval around the maximiser by
 * unimodality, found by two binary searches and scanned exhaustively; then
 * the same is done for R ≥ P, left of the best front-run, to find the
 * smallest one that ties. Those scans are the proof, so `exact` is true
 * whenever each interval holds at most {@link SANDWICH_SCAN_LIMIT} front-runs.
 * That is the usual case: where the victim's slippage limit is what stops the
 * searcher, R is steep at B and the intervals are a few front-runs wide. It
 * can fail when the optimum lies inside [1, B] with R flat around it over
 * more than the limit (very loose slippage, deep pools): then `profit` is the
 * best of a {@link SANDWICH_SCAN_LIMIT}-wide window around R's maximiser,
 * `exact` is false, and `profitUpperBound` (⌊max R⌋ when the profit itself
 * is unproven) bounds how much better any front-run could do.
 *
 * @throws {AmmInputError} for non-positive reserves or victim amount, negative amounts, or a fee of 100% or more.
 * @example
 * ```ts
 * optimalSandwich({ reserveIn: 10_000n, reserveOut: 10_000n, victimAmountIn: 100n, victimMinOut: 97n });
 * // { frontRunIn: 81n, profit: 1n, victimOut: 97n, victimLoss: 1n, exact: true, … }
 * ```
 */
export function optimalSandwich(parameters: OptimalSandwichParameters): OptimalSandwich | null {
  const { reserveIn: x, reserveOut: y, feeBps = UNISWAP_V2_FEE_BPS, victimAmountIn: victimIn, victimMinOut, gasCostIn = 0n } = parameters;
  requirePositive("reserveIn", x);
  requirePositive("reserveOut", y);
  requirePositive("victimAmountIn", victimIn);
  requireNonNegative("victimMinOut", victimMinOut);
  requireNonNegative("gasCostIn", gasCostIn);
  requireFee(feeBps);

  const play = (f: bigint) => sandwich(x, y, feeBps, victimIn, victimMinOut, f);
  const unattacked = play(0n);
  if (!unattacked.victimSucceeds) return null;

  // Largest front-run the victim tolerates: double until it fails (it must,
  // as the front-run drains the out-reserve), then bisect.
  let feasible = 0n;
  let infeasible = 1n;
  while (play(infeasible).victimSucceeds) {
    feasible = infeasible;
    infeasible *= 2n;
  }
  while (infeasible - feasible > 1n) {
    const mid = (feasible + infeasible) / 2n;
    if (play(mid).victimSucceeds) feasible = mid;
    else infeasible = mid;
  }
  const bound = feasible;
  if (bound === 0n) return null;

  const real = (f: bigint) => realProfit(x, feeBps, victimIn, f);
  // Maximiser of R on [1, bound]: the first f where R stops increasing.
  let lo = 1n;
  let hi = bound;
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    if (notAbove(real(mid + 1n), real(mid))) hi = mid;
    else lo = mid + 1n;
  }
  const peak = lo;

  let best = play(peak);
  let bestFrontRun = peak;
  const consider = (f: bigint) => {
    const outcome = play(f);
    if (outcome.profit > best.profit || (outcome.profit === best.profit && f < bestFrontRun)) {
      best = outcome;
      bestFrontRun = f;
    }
  };
  for (let f = max(1n, peak - NEIGHBOURHOOD); f <= min(bound, peak + NEIGHBOURHOOD); f++) consider(f);
  consider(bound);

  // Only a front-run whose real-valued profit reaches best + 1 can do
  // better (the integer profit is at most ⌊R⌋), and, R being unimodal, those
  // form an interval around the peak: find its ends, scan it if it is small.
  let profitProven = true;
  if (atLeast(real(peak), best.profit + 1n)) {
    const from = leftmostAtLeast(real, best.profit + 1n, 1n, peak);
    const to = rightmostAtLeast(real, best.profit + 1n, peak, bound);
    const wide = to - from + 1n > SANDWICH_SCAN_LIMIT;
    // Too wide to scan: take the best of a window around the peak, unproven.
    for (let f = wide ? max(from, peak - SANDWICH_SCAN_LIMIT / 2n) : from; f <= (wide ? min(to, peak + SANDWICH_SCAN_LIMIT / 2n) : to); f++) consider(f);
    profitProven = !wide;
  }
  // The smallest front-run that ties with the best lies where R ≥ best.
  let smallestProven = false;
  if (profitProven) {
    const tie = leftmostAtLeast(real, best.profit, 1n, min(peak, bestFrontRun));
    if (bestFrontRun - tie <= SANDWICH_SCAN_LIMIT) {
      for (let f = tie; f < bestFrontRun; f++) consider(f);
      smallestProven = true;
    }
  }

  const peakValue = real(peak);
  const profitUpperBound = profitProven ? best.profit : floorDiv(peakValue.num, peakValue.den);
  if (best.profit - gasCostIn <= 0n) return null;
  return { ...best, frontRunIn: bestFrontRun, victimLoss: unattacked.victimOut - best.victimOut, exact: smallestProven, profitUpperBound };
}

// Smallest f in [from, to] with R(f) ≥ threshold, for R increasing on [from, to] and R(to) ≥ threshold.
function leftmostAtLeast(real: (f: bigint) => Fraction, threshold: bigint, from: bigint, to: bigint): bigint {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    if (atLeast(real(mid), threshold)) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

// Largest f in [from, to] with R(f) ≥ threshold, for R decreasing on [from, to] and R(from) ≥ threshold.
function rightmostAtLeast(real: (f: bigint) => Fraction, threshold: bigint, from: bigint, to: bigint): bigint {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    if (atLeast(real(mid), threshold)) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
