/**
 * Cross-rollup arbitrage between two Uniswap v2 pools of one pair on
 * different rollups: the exact integer trade a searcher holding inventory on
 * both rollups makes ({@link optimalArbitrage}), which pool to buy on
 * ({@link arbitrageDirection}), and what it can expect to earn when its legs
 * may fail, atomically or not ({@link expectedArbitrageProfit}, the closed
 * form of Silva & Livshits, arXiv:2410.11552).
 *
 * Tokens are named as the lab names them: the searcher pays *in-tokens* on
 * the cheap pool for *out-tokens*, sells as many out-tokens on the dear pool
 * for in-tokens, and counts its profit in in-tokens.
 */
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import { AmmInputError, BPS, getAmountOut, UNISWAP_V2_FEE_BPS } from "./amm.ts";

/**
 * The largest candidate interval {@link optimalArbitrage} scans exhaustively.
 * Past it the trade is still the best of a window this wide around the
 * real-valued optimum, but is no longer proven optimal.
 */
export const ARBITRAGE_SCAN_LIMIT = 1n << 14n;

// Integer profit saw-tooths at the unit scale around the real-valued optimum,
// so the search always plays a small window around it first.
const NEIGHBOURHOOD = 16n;

/** One pool of the pair, seen from the searcher's side. */
export interface ArbitragePool {
  /** Reserve of the in-token: what the searcher pays on the cheap pool, gets on the dear one and profits in. */
  reserveIn: bigint;
  /** Reserve of the out-token: what it buys on the cheap pool and sells on the dear one. */
  reserveOut: bigint;
}

/** Which of two pools to buy the out-token on, as indices into the pair of pools given. */
export interface ArbitrageDirection {
  cheap: 0 | 1;
  dear: 0 | 1;
}

/** The two legs of an arbitrage: what the searcher sends and gets on each pool. */
export interface ArbitrageTrade {
  /** In-tokens paid on the cheap pool (the paper's Δy_B). */
  amountIn: bigint;
  /** Out-tokens bought on the cheap pool, and sold on the dear one (Δx_B = Δx_A). */
  amountMid: bigint;
  /** In-tokens received on the dear pool (Δy_A). */
  amountOut: bigint;
}

/** Parameters of {@link optimalArbitrage}. */
export interface OptimalArbitrageParameters {
  /** The pool where the out-token is cheap: the searcher buys it there. */
  cheap: ArbitragePool;
  /** The pool where the out-token is dear: the searcher sells it there. */
  dear: ArbitragePool;
  /** Swap fee of both pools in basis points; defaults to Uniswap v2's 30. */
  feeBps?: bigint;
}

/** The best arbitrage found by {@link optimalArbitrage}. */
export interface OptimalArbitrage extends ArbitrageTrade {
  /** `amountOut - amountIn`, in in-tokens: always positive. */
  profit: bigint;
  /**
   * True when `profit` is proven to be the maximum over every input and
   * `amountIn` the smallest input that earns it.
   */
  exact: boolean;
  /**
   * A proven upper bound on the profit of any input; equals `profit`
   * whenever the profit is proven maximal (even if `exact` is false because
   * a smaller tying input could not be ruled out).
   */
  profitUpperBound: bigint;
}

/** Thrown for a failure probability, external price or trade the expected-profit model cannot use. */
export class ArbitrageParameterError extends XrollupError {
  override name = "ArbitrageParameterError";
  /** The offending parameter, e.g. `"failureProbability.cheap"`. */
  readonly parameter: string;
  /** What the parameter must be. */
  readonly reason: string;
  constructor({ parameter, reason, value }: { parameter: string; reason: string; value: number | bigint }) {
    super(`Invalid arbitrage parameter: ${parameter} ${reason}, got ${value}.`, {
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { parameter, value: value.toString() },
    });
    this.parameter = parameter;
    this.reason = reason;
  }
}

function requirePools(cheap: ArbitragePool, dear: ArbitragePool, cheapName: string, dearName: string, feeBps: bigint): void {
  const reserves: [string, bigint][] = [
    [`${cheapName}.reserveIn`, cheap.reserveIn],
    [`${cheapName}.reserveOut`, cheap.reserveOut],
    [`${dearName}.reserveIn`, dear.reserveIn],
    [`${dearName}.reserveOut`, dear.reserveOut],
  ];
  for (const [parameter, value] of reserves) if (value <= 0n) throw new AmmInputError({ parameter, reason: "must be positive", value });
  if (feeBps < 0n || feeBps >= BPS) throw new AmmInputError({ parameter: "feeBps", reason: "must be from 0 to 9999", value: feeBps });
}

/**
 * Both swaps composed without rounding: Δ in-tokens sold on the cheap pool
 * come back from the dear one as a·Δ / (b + c·Δ), with g = 1 - fee,
 * a = g²·X_c·Y_d, b = X_d·Y_c and c = g·X_d + g²·X_c (X, Y: out- and
 * in-reserves, c/d: cheap/dear), all scaled by BPS² to stay integers.
 * The real-valued profit R(Δ) = a·Δ/(b + c·Δ) - Δ is concave, starts with
 * slope a/b - 1 (so there is a profitable size iff a > b), peaks at
 * Δ* = (√(ab) - b)/c — the paper's optimal Δy_B — and never falls below the
 * integer profit: rounding the first swap down only lowers what the second
 * sells, and the second is itself rounded down.
 */
interface Curve {
  a: bigint;
  b: bigint;
  c: bigint;
}

function curve(cheap: ArbitragePool, dear: ArbitragePool, feeBps: bigint): Curve {
  const g = BPS - feeBps;
  return {
    a: g * g * cheap.reserveOut * dear.reserveIn,
    b: BPS * BPS * dear.reserveOut * cheap.reserveIn,
    c: g * BPS * dear.reserveOut + g * g * cheap.reserveOut,
  };
}

/**
 * Decides which of two pools of the same pair to buy the out-token on: the
 * one where it is cheaper, provided the price gap pays both fees (a
 * first unit traded would earn something before rounding). Returns `null`
 * when neither direction does; both cannot.
 *
 * @throws {AmmInputError} for a reserve that is not positive or a fee of 100% or more.
 * @example
 * ```ts
 * const pools = [{ reserveIn: 12_000n, reserveOut: 10_000n }, { reserveIn: 10_000n, reserveOut: 10_000n }] as const;
 * arbitrageDirection(pools); // { cheap: 1, dear: 0 }
 * ```
 */
export function arbitrageDirection(pools: readonly [ArbitragePool, ArbitragePool], feeBps: bigint = UNISWAP_V2_FEE_BPS): ArbitrageDirection | null {
  const [first, second] = pools;
  requirePools(first, second, "pools[0]", "pools[1]", feeBps);
  const firstCheap = curve(first, second, feeBps);
  if (firstCheap.a > firstCheap.b) return { cheap: 0, dear: 1 };
  const secondCheap = curve(second, first, feeBps);
  if (secondCheap.a > secondCheap.b) return { cheap: 1, dear: 0 };
  return null;
}

/**
 * Finds the input Δ that maximises the searcher's profit
 * `getAmountOut(getAmountOut(Δ, cheap), dear in reverse) - Δ` in exact
 * integer math, with the trade's amounts. Returns `null` when no size earns
 * anything (the gap does not pay two fees, or rounding eats what it would).
 *
 * How it is exact (the method of `optimalSandwich`, with closed forms where
 * that one bisects): the real-valued profit R (see {@link Curve}) is concave
 * and bounds the integer profit from above. The integer profit at and around
 * R's integer maximiser gives a best-so-far P; an input can only beat P where
 * R ≥ P + 1, an interval around the maximiser whose ends are the roots of a
 * quadratic (c·Δ² + (b + c·t - a)·Δ + b·t ≤ 0 for R ≥ t), found with an
 * integer square root, to within one input. That interval is scanned
 * exhaustively; then the same is done for R ≥ P, left of the best input, to
 * find the smallest one that ties. Those scans are the proof, so `exact` is
 * true whenever each interval holds at most {@link ARBITRAGE_SCAN_LIMIT}
 * inputs. That holds on small pools; on deep ones (18-decimal tokens) R is
 * flat over far more inputs than that, so the search scans a window of the
 * limit's width around the maximiser and reports `exact: false`. It then
 * usually still finds ⌊max R⌋ itself, which proves the profit maximal
 * (`profit === profitUpperBound`); otherwise `profitUpperBound` (⌊max R⌋)
 * bounds how much better any input could do: by less than one out-token
 * unit's worth of in-tokens, plus one (the most the two floors can lose).
 *
 * @throws {AmmInputError} for a reserve that is not positive or a fee of 100% or more.
 * @example
 * ```ts
 * optimalArbitrage({ cheap: { reserveIn: 100n, reserveOut: 100n }, dear: { reserveIn: 144n, reserveOut: 100n }, feeBps: 0n });
 * // { amountIn: 7n, amountMid: 6n, amountOut: 8n, profit: 1n, exact: true, profitUpperBound: 1n }
 * ```
 */
export function optimalArbitrage(parameters: OptimalArbitrageParameters): OptimalArbitrage | null {
  const { cheap, dear, feeBps = UNISWAP_V2_FEE_BPS } = parameters;
  requirePools(cheap, dear, "cheap", "dear", feeBps);
  const { a, b, c } = curve(cheap, dear, feeBps);
  if (a <= b) return null;

  const play = (amountIn: bigint): ArbitrageTrade & { profit: bigint } => {
    const amountMid = getAmountOut(amountIn, cheap.reserveIn, cheap.reserveOut, feeBps);
    // A zero output is no second swap (the pair would reject it).
    const amountOut = amountMid === 0n ? 0n : getAmountOut(amountMid, dear.reserveOut, dear.reserveIn, feeBps);
    return { amountIn, amountMid, amountOut, profit: amountOut - amountIn };
  };
  // R(Δ) = Δ·(a - b - c·Δ) / (b + c·Δ), compared as fractions over a positive denominator.
  const realNumerator = (d: bigint) => d * (a - b - c * d);
  const realDenominator = (d: bigint) => b + c * d;
  const realAbove = (x: bigint, y: bigint) => realNumerator(x) * realDenominator(y) > realNumerator(y) * realDenominator(x);
  // An interval holding every input where R ≥ threshold (threshold ≥ 1), and at most one more at each end; null if there is none.
  const realAtLeast = (threshold: bigint): { from: bigint; to: bigint } | null => {
    const linear = a - b - c * threshold;
    const discriminant = linear * linear - 4n * c * b * threshold;
    if (linear <= 0n || discriminant < 0n) return null;
    // R ≥ t where c·Δ² - linear·Δ + b·t ≤ 0, between the roots (linear ∓ √discriminant) / 2c.
    // As root ≤ √discriminant < root + 1 and 2c ≥ 2, `from` is ⌊r⌋ or ⌈r⌉ of the smaller root and `to` is ⌊r⌋ or ⌊r⌋ + 1 of the larger.
    const root = isqrt(discriminant);
    return { from: max(1n, (linear - root) / (2n * c)), to: (linear + root) / (2n * c) + 1n };
  };

  // The integer maximiser of R: ⌊Δ*⌋ or the next integer, Δ* estimated from below.
  let peak = max(1n, (isqrt(a * b) - b) / c);
  for (const next of [peak + 1n, peak + 2n]) if (realAbove(next, peak)) peak = next;

  let best = play(peak);
  let scannedFrom = peak;
  let scannedTo = peak;
  // Plays every input of [from, to] not played yet; every interval scanned contains the peak, so the scanned inputs stay one interval.
  const scan = (from: bigint, to: bigint) => {
    const consider = (amountIn: bigint) => {
      const outcome = play(amountIn);
      if (outcome.profit > best.profit || (outcome.profit === best.profit && amountIn < best.amountIn)) best = outcome;
    };
    for (let d = from; d < scannedFrom; d++) consider(d);
    for (let d = scannedTo + 1n; d <= to; d++) consider(d);
    scannedFrom = min(scannedFrom, from);
    scannedTo = max(scannedTo, to);
  };
  const scannedAll = (interval: { from: bigint; to: bigint } | null) => interval === null || (interval.from >= scannedFrom && interval.to <= scannedTo);
  scan(max(1n, peak - NEIGHBOURHOOD), peak + NEIGHBOURHOOD);

  // Only an input where R reaches best + 1 can do better (and only a profit of at least 1 counts).
  const better = () => realAtLeast(max(best.profit + 1n, 1n));
  const candidates = better();
  let profitProven = scannedAll(candidates);
  if (!profitProven && candidates !== null) {
    const wide = candidates.to - candidates.from + 1n > ARBITRAGE_SCAN_LIMIT;
    // Too wide to scan: take the best of a window around the peak, and see whether it reached ⌊max R⌋.
    if (wide) scan(max(candidates.from, peak - ARBITRAGE_SCAN_LIMIT / 2n), min(candidates.to, peak + ARBITRAGE_SCAN_LIMIT / 2n));
    else scan(candidates.from, candidates.to);
    profitProven = !wide || scannedAll(better());
  }
  if (best.profit <= 0n) return null;

  // The smallest input that ties with the best lies where R ≥ best.
  let smallestProven = false;
  if (profitProven) {
    // Never null: the best input itself has R ≥ best.
    const tie = realAtLeast(best.profit)?.from ?? best.amountIn;
    if (tie >= scannedFrom || best.amountIn - tie <= ARBITRAGE_SCAN_LIMIT) {
      scan(tie, scannedTo);
      smallestProven = true;
    }
  }
  const profitUpperBound = profitProven ? best.profit : floorDiv(realNumerator(peak), realDenominator(peak));
  return { ...best, exact: smallestProven, profitUpperBound };
}

/** How likely each leg is to fail: one probability for both, or one per pool. */
export type LegFailureProbability = number | { cheap: number; dear: number };

/** Parameters of {@link expectedArbitrageProfit}. */
export type ExpectedArbitrageProfitParameters = {
  /** The trade, e.g. an {@link OptimalArbitrage}. */
  trade: ArbitrageTrade;
  /** Probability that each leg fails (the paper's P(F_SB = 1) for the cheap leg, P(F_SA = 1) for the dear one), drawn independently. */
  failureProbability: LegFailureProbability;
} & (
  | {
      /** Both legs in one bundle: they run together or not at all. */
      atomic: true;
      /** Unused: an atomic trade leaves the out-token inventory unchanged. */
      externalPrice?: number;
    }
  | {
      /** Each leg its own transaction: one may run without the other. */
      atomic: false;
      /**
       * P_ext: what the searcher values one out-token unit at, in in-token
       * units (wei per wei). A constant: it must not depend on which legs ran.
       */
      externalPrice: number;
    }
);

/** The distribution of the profit {@link expectedArbitrageProfit} computes, in in-token units (wei). */
export interface ExpectedArbitrageProfit {
  /** E[Profit]. */
  mean: number;
  /**
   * Its standard deviation over the legs' failures: the mean profit of n
   * independent runs lies within z·standardDeviation/√n of `mean` with the
   * normal approximation's probability (z = 4: all but 6 in 100,000).
   */
  standardDeviation: number;
}

/**
 * The expected profit of a cross-rollup arbitrage whose legs may fail, in the
 * closed form of Silva & Livshits, "Short Paper: Atomic Execution is Not
 * Enough for Arbitrage Profit Extraction in Shared Sequencers",
 * arXiv:2410.11552 (v3): the model, its optimal trade sizes and its expected
 * profit under atomic and non-atomic execution, whose difference is the
 * paper's E[Profit_diff]. (Checked against the authors' code,
 * github.com/misilva73/shared-sequencer-arb, `src/liquidity.py` and
 * `src/extraction.py`; the paper's section and equation numbers are not
 * cited here because they could not be checked.)
 *
 * The model: one pair X-Y, a constant-product pool with fee f on each of
 * rollups A and B, X dearer on A (P_A = y_A/x_A > P_B = y_B/x_B). The
 * arbitrageur holds both tokens on both rollups, so the legs need no
 * bridge: on B it sells Δy_B of Y for Δx_B of X, on A it sells Δx_A = Δx_B
 * of X (from its inventory there) for Δy_A of Y. Leg B fails when F_SB = 1,
 * leg A when F_SA = 1, independently, with probabilities p_B and p_A. Profit
 * is the change in its holdings of Y plus those of X valued at an external
 * price P_ext. With P*_A = Δy_A/Δx_A and P*_B = Δy_B/Δx_B (the prices the
 * trade gets), and Δx = Δx_A = Δx_B:
 * - atomic: Profit = (1 - F_SA)(1 - F_SB)·(Δy_A - Δy_B), so
 *   E = (1 - p_A)(1 - p_B)·Δx·(P*_A - P*_B);
 * - non-atomic: Profit = (1 - F_SA)·Δx·(P*_A - P_ext) + (1 - F_SB)·Δx·(P_ext - P*_B), so
 *   E = (1 - p_A)·Δx·(P*_A - P_ext) + (1 - p_B)·Δx·(P_ext - P*_B);
 * - E[atomic] - E[non-atomic] = Δx·(p_A·(P*_B - P_ext) + p_B·(P_ext - P*_A) + p_A·p_B·(P*_A - P*_B)).
 *
 * In the lab: Y is the in-token, X the out-token; B is the `cheap` pool and A
 * the `dear` one; Δy_B = `amountIn`, Δx = `amountMid`, Δy_A = `amountOut`;
 * f is `feeBps`/10,000. A failed leg is a leg that does not execute (its
 * transaction reverts or is dropped) and so moves no tokens; atomically, a
 * failed leg makes the whole bundle revert. The lab has no external market,
 * so P_ext is the price at which the searcher's out-token inventory is
 * valued: it must be one constant for the run (e.g. set by the scenario),
 * not a pool's price after the run, which depends on which legs ran. Gas is
 * not in the model (the paper leaves transaction costs out), so the profit
 * it predicts is before gas.
 *
 * Rounding: the formulas are linear in the trade's amounts, so applied to
 * the integer amounts the chain produces (an {@link optimalArbitrage}) they
 * are exact, up to float rounding of the result. The paper's own optimum is
 * real-valued: Δy_B = ((1 - f)√(x_A·y_A·x_B·y_B) - x_A·y_B) / ((1 - f)·x_A + (1 - f)²·x_B)
 * with swaps that do not round. The best integer trade is the same size to
 * float precision on 18-decimal pools and earns less than the paper's
 * optimum by under P_A + 1 units (the out-token unit the first swap may
 * round away, worth at most P_A, plus the second swap's floor): about one
 * wei when the two tokens are of similar value.
 *
 * @throws {ArbitrageParameterError} for a probability outside [0, 1], an
 * external price that is negative or not finite, or a trade with an amount
 * that is not positive.
 * @example
 * ```ts
 * const trade = { amountIn: 100n, amountMid: 90n, amountOut: 120n };
 * expectedArbitrageProfit({ trade, atomic: true, failureProbability: { cheap: 0.5, dear: 0.2 } }).mean; // 8
 * expectedArbitrageProfit({ trade, atomic: false, failureProbability: { cheap: 0.5, dear: 0.2 }, externalPrice: 1.25 }).mean; // 12.25
 * ```
 */
export function expectedArbitrageProfit(parameters: ExpectedArbitrageProfitParameters): ExpectedArbitrageProfit {
  const { trade, failureProbability } = parameters;
  const [cheap, dear] = typeof failureProbability === "number" ? [failureProbability, failureProbability] : [failureProbability.cheap, failureProbability.dear];
  requireProbability("failureProbability.cheap", cheap);
  requireProbability("failureProbability.dear", dear);
  const amounts: [string, bigint][] = [
    ["trade.amountIn", trade.amountIn],
    ["trade.amountMid", trade.amountMid],
    ["trade.amountOut", trade.amountOut],
  ];
  for (const [parameter, value] of amounts) if (value <= 0n) throw new ArbitrageParameterError({ parameter, reason: "must be positive", value });
  const amountIn = Number(trade.amountIn);
  const amountMid = Number(trade.amountMid);
  const amountOut = Number(trade.amountOut);

  if (parameters.atomic) {
    // One Bernoulli outcome: the bundle runs when neither leg fails.
    const runs = (1 - cheap) * (1 - dear);
    const profit = amountOut - amountIn;
    return { mean: runs * profit, standardDeviation: Math.abs(profit) * Math.sqrt(runs * (1 - runs)) };
  }
  const { externalPrice } = parameters;
  if (!Number.isFinite(externalPrice) || externalPrice < 0) {
    throw new ArbitrageParameterError({ parameter: "externalPrice", reason: "must be a finite non-negative number", value: externalPrice });
  }
  // Each leg on its own: the cheap one turns Δy_B into Δx worth P_ext·Δx, the dear one Δx worth P_ext·Δx into Δy_A.
  const cheapLeg = externalPrice * amountMid - amountIn;
  const dearLeg = amountOut - externalPrice * amountMid;
  return {
    mean: (1 - cheap) * cheapLeg + (1 - dear) * dearLeg,
    standardDeviation: Math.sqrt(cheapLeg * cheapLeg * cheap * (1 - cheap) + dearLeg * dearLeg * dear * (1 - dear)),
  };
}

function requireProbability(parameter: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new ArbitrageParameterError({ parameter, reason: "must be a probability from 0 to 1", value });
}

// ⌊√n⌋ for n ≥ 0, by Newton's method from a power of two above the root (it then decreases monotonically to the floor).
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

const floorDiv = (num: bigint, den: bigint): bigint => (num >= 0n ? num / den : -((-num + den - 1n) / den));
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
