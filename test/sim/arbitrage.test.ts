import { expect } from "chai";
import { AmmInputError } from "../../sim/amm.ts";
import {
  type ArbitragePool,
  type ArbitrageTrade,
  ArbitrageParameterError,
  arbitrageDirection,
  expectedArbitrageProfit,
  optimalArbitrage,
} from "../../sim/arbitrage.ts";
import { createRandom } from "../../sim/random.ts";

const TOKEN = 10n ** 18n;

// Uniswap v2's getAmountOut with a fee in basis points, transcribed literally (997/1000 is 30 bps), so these tests do not lean on the code they check.
const uniswapAmountOut = (amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: bigint): bigint =>
  (amountIn * (10_000n - feeBps) * reserveOut) / (reserveIn * 10_000n + amountIn * (10_000n - feeBps));

/** Both legs played on the pools: what the cheap pool gives for `amountIn`, and the dear one for that. */
function playLegs(cheap: ArbitragePool, dear: ArbitragePool, feeBps: bigint, amountIn: bigint): ArbitrageTrade {
  const amountMid = uniswapAmountOut(amountIn, cheap.reserveIn, cheap.reserveOut, feeBps);
  const amountOut = amountMid === 0n ? 0n : uniswapAmountOut(amountMid, dear.reserveOut, dear.reserveIn, feeBps);
  return { amountIn, amountMid, amountOut };
}

/** Every input from 1 up to the dear pool's in-reserve (past it the output cannot cover the input): the best profit and the smallest input earning it. */
function bruteForce(cheap: ArbitragePool, dear: ArbitragePool, feeBps: bigint) {
  let best: { amountIn: bigint; profit: bigint } | null = null;
  for (let amountIn = 1n; amountIn <= dear.reserveIn; amountIn++) {
    const { amountOut } = playLegs(cheap, dear, feeBps, amountIn);
    const profit = amountOut - amountIn;
    if (best === null || profit > best.profit) best = { amountIn, profit };
  }
  return best !== null && best.profit > 0n ? best : null;
}

/**
 * The paper's optimal size, transcribed in floating point: with pool A dear
 * and B cheap, x the out-token and y the in-token reserves and f the fee,
 * Δy_B = ((1 - f)·√(x_A·y_A·x_B·y_B) - x_A·y_B) / ((1 - f)·x_A + (1 - f)²·x_B).
 */
function paperOptimalInput(cheap: ArbitragePool, dear: ArbitragePool, feeBps: bigint): number {
  const g = 1 - Number(feeBps) / 10_000;
  const [xA, yA, xB, yB] = [dear.reserveOut, dear.reserveIn, cheap.reserveOut, cheap.reserveIn].map(Number) as [number, number, number, number];
  return (g * Math.sqrt(xA * yA * xB * yB) - xA * yB) / (g * xA + g * g * xB);
}

/**
 * One run of the lab's arbitrage, played on integer pools: each leg runs
 * unless it failed, and atomically neither runs unless both can. The dear
 * leg sells out-tokens the searcher already held on that rollup, so it can
 * run without the cheap one. Returns the change in the searcher's in-tokens
 * plus its out-tokens valued at `externalPrice`, over both rollups.
 */
function runOnce(
  pools: { cheap: ArbitragePool; dear: ArbitragePool; feeBps: bigint },
  trade: ArbitrageTrade,
  run: { atomic: boolean; cheapFails: boolean; dearFails: boolean; externalPrice: number },
): number {
  const bundleRuns = !run.cheapFails && !run.dearFails;
  let inTokens = 0n;
  let outTokens = 0n;
  if (run.atomic ? bundleRuns : !run.cheapFails) {
    inTokens -= trade.amountIn;
    outTokens += uniswapAmountOut(trade.amountIn, pools.cheap.reserveIn, pools.cheap.reserveOut, pools.feeBps);
  }
  if (run.atomic ? bundleRuns : !run.dearFails) {
    outTokens -= trade.amountMid;
    inTokens += uniswapAmountOut(trade.amountMid, pools.dear.reserveOut, pools.dear.reserveIn, pools.feeBps);
  }
  return Number(inTokens) + run.externalPrice * Number(outTokens);
}

describe("arbitrageDirection", () => {
  const one: ArbitragePool = { reserveIn: 10_000n, reserveOut: 10_000n };
  const dearer: ArbitragePool = { reserveIn: 12_000n, reserveOut: 10_000n };

  it("buys where the out-token costs fewer in-tokens, whichever order the pools come in", () => {
    expect(arbitrageDirection([one, dearer])).to.deep.equal({ cheap: 0, dear: 1 });
    expect(arbitrageDirection([dearer, one])).to.deep.equal({ cheap: 1, dear: 0 });
  });

  it("finds nothing when the price gap does not pay both fees", () => {
    // 0.5% apart: less than two 0.3% fees, more than two 0.1% fees.
    const close: ArbitragePool = { reserveIn: 10_050n, reserveOut: 10_000n };
    expect(arbitrageDirection([one, close])).to.equal(null);
    expect(arbitrageDirection([one, close], 10n)).to.deep.equal({ cheap: 0, dear: 1 });
    expect(arbitrageDirection([one, one], 0n)).to.equal(null);
  });

  it("agrees with the exhaustive search on whether either direction pays, on 300 random small pairs", () => {
    const random = createRandom(11);
    let directions = 0;
    for (let i = 0; i < 300; i++) {
      const pools: [ArbitragePool, ArbitragePool] = [
        { reserveIn: BigInt(200 + random.int(3_000)), reserveOut: BigInt(200 + random.int(3_000)) },
        { reserveIn: BigInt(200 + random.int(3_000)), reserveOut: BigInt(200 + random.int(3_000)) },
      ];
      const direction = arbitrageDirection(pools, 30n);
      if (direction === null) {
        expect(bruteForce(pools[0], pools[1], 30n), `pair ${i}`).to.equal(null);
        expect(bruteForce(pools[1], pools[0], 30n), `pair ${i}`).to.equal(null);
        continue;
      }
      directions++;
      // The other direction never pays; this one pays unless rounding eats the gap.
      expect(bruteForce(pools[direction.dear], pools[direction.cheap], 30n), `pair ${i}`).to.equal(null);
    }
    expect(directions, "pairs with a direction").to.be.greaterThan(100);
  });
});

describe("optimalArbitrage", () => {
  // Worked by hand, without a fee, on 100/100 (cheap) and 144/100 (dear):
  // Δ = 7 buys ⌊700/107⌋ = 6, which sells for ⌊864/106⌋ = 8: profit 1.
  // Δ = 4, 5, 6 buy 3, 4, 5, which sell for 4, 5, 6: profit 0; below 4 it is negative.
  // The real-valued optimum is Δ = 10 (√(100·144·100·100) - 100·100) / 200),
  // worth 2 before rounding, but there ⌊1000/110⌋ = 9 sells for ⌊1296/109⌋ = 11: profit 1.
  it("finds the hand-worked optimum, and the smallest input that earns it", () => {
    expect(optimalArbitrage({ cheap: { reserveIn: 100n, reserveOut: 100n }, dear: { reserveIn: 144n, reserveOut: 100n }, feeBps: 0n })).to.deep.equal({
      amountIn: 7n,
      amountMid: 6n,
      amountOut: 8n,
      profit: 1n,
      exact: true,
      profitUpperBound: 1n,
    });
  });

  // Where the out-token is worth many in-tokens, a unit of rounding costs many in-tokens, so the best input
  // is often not next to the real-valued optimum and the search must scan the wider interval where R ≥ best + 1.
  const shapes: { name: string; pairs: number; reserveIn: [from: number, span: number]; reserveOut: [from: number, span: number] }[] = [
    { name: "tokens of similar value", pairs: 150, reserveIn: [100, 2_000], reserveOut: [100, 2_000] },
    { name: "an out-token worth about 100 in-tokens", pairs: 100, reserveIn: [2_000, 2_000], reserveOut: [20, 20] },
    { name: "an out-token worth about 200 in-tokens", pairs: 25, reserveIn: [20_000, 20_000], reserveOut: [100, 100] },
  ];
  for (const feeBps of [0n, 30n, 100n]) {
    for (const shape of shapes) {
      it(`equals an exhaustive search over every input on ${shape.pairs} random pairs with ${shape.name}, fee ${feeBps} bps`, () => {
        const random = createRandom(20 + Number(feeBps) + shape.pairs);
        const reserve = ([from, span]: [number, number]) => BigInt(from + random.int(span));
        let profitable = 0;
        for (let i = 0; i < shape.pairs; i++) {
          const cheap: ArbitragePool = { reserveIn: reserve(shape.reserveIn), reserveOut: reserve(shape.reserveOut) };
          // The dear pool prices the out-token up to 60% higher.
          const dearOut = reserve(shape.reserveOut);
          const dear: ArbitragePool = { reserveIn: (dearOut * cheap.reserveIn * BigInt(1_000 + random.int(600))) / (1_000n * cheap.reserveOut) + 1n, reserveOut: dearOut };
          const label = `cheap ${cheap.reserveIn}/${cheap.reserveOut}, dear ${dear.reserveIn}/${dear.reserveOut}`;
          const best = bruteForce(cheap, dear, feeBps);
          const found = optimalArbitrage({ cheap, dear, feeBps });
          if (best === null) {
            expect(found, label).to.equal(null);
            continue;
          }
          profitable++;
          expect({ amountIn: found?.amountIn, profit: found?.profit }, label).to.deep.equal(best);
          expect(found?.exact, label).to.equal(true);
          expect(found?.profitUpperBound, label).to.equal(best.profit);
          expect(found === null ? null : { amountIn: found.amountIn, amountMid: found.amountMid, amountOut: found.amountOut }, label).to.deep.equal(playLegs(cheap, dear, feeBps, best.amountIn));
        }
        expect(profitable, "pairs with a profitable arbitrage").to.be.greaterThan(shape.pairs / 3);
      });
    }
  }

  it("on deep 18-decimal pools proves the profit maximal and matches the paper's real-valued optimum", () => {
    const random = createRandom(31);
    for (let i = 0; i < 40; i++) {
      const depth = BigInt(1_000 + random.int(1_000_000)) * TOKEN;
      const cheap: ArbitragePool = { reserveIn: depth, reserveOut: (depth * BigInt(500 + random.int(1_500))) / 1_000n };
      const gapPerMille = BigInt(8 + random.int(100));
      const dear: ArbitragePool = { reserveIn: (cheap.reserveIn * (1_000n + gapPerMille)) / 1_000n, reserveOut: cheap.reserveOut };
      const label = `pair ${i}: ${depth / TOKEN} tokens deep, ${gapPerMille}‰ apart`;
      const found = optimalArbitrage({ cheap, dear });
      if (found === null) throw new Error(`${label}: expected a profitable arbitrage`);
      // R is flat over far more inputs than can be scanned, so the smallest tying input stays unproven, but the profit is ⌊max R⌋.
      expect(found.profit, label).to.equal(found.profitUpperBound);
      // The paper's size, played in integer math, earns no more; and it is the same size to float precision.
      const paperInput = paperOptimalInput(cheap, dear, 30n);
      const paperTrade = playLegs(cheap, dear, 30n, BigInt(Math.round(paperInput)));
      expect(paperTrade.amountOut - paperTrade.amountIn <= found.profit, label).to.equal(true);
      expect(Math.abs(Number(found.amountIn) - paperInput) / paperInput, label).to.be.below(1e-12);
    }
  });

  it("is null when the gap does not pay the fees, or runs the wrong way", () => {
    const one: ArbitragePool = { reserveIn: 10n ** 24n, reserveOut: 10n ** 24n };
    const close: ArbitragePool = { reserveIn: (10n ** 24n * 1_005n) / 1_000n, reserveOut: 10n ** 24n };
    expect(optimalArbitrage({ cheap: one, dear: close })).to.equal(null);
    expect(optimalArbitrage({ cheap: close, dear: one, feeBps: 0n })).to.equal(null);
    expect(optimalArbitrage({ cheap: one, dear: close, feeBps: 10n })).to.not.equal(null);
  });

});

describe("expectedArbitrageProfit (Silva & Livshits' closed form)", () => {
  // Worked by hand: buy 90 out-tokens for 100, sell them for 120; the cheap
  // leg fails half the time, the dear one a fifth; out-tokens are worth 1.25.
  // Atomic: the bundle runs with probability 0.5·0.8 = 0.4 and earns 20, so
  // E = 8 and σ = 20·√(0.4·0.6) = 9.798.
  // Non-atomic: the cheap leg turns 100 into 90·1.25 = 112.5 (+12.5) half the
  // time, the dear leg 112.5 into 120 (+7.5) 80% of the time, so
  // E = 0.5·12.5 + 0.8·7.5 = 12.25 and σ² = 12.5²·0.25 + 7.5²·0.16 = 48.0625.
  // The paper's E[Profit_diff] with Δx = 90, P*_A = 120/90, P*_B = 100/90,
  // p_A = 0.2, p_B = 0.5, P_ext = 1.25: 90·(0.2·(-0.1389) + 0.5·(-0.0833) + 0.1·0.2222) = -4.25 = 8 - 12.25.
  const trade: ArbitrageTrade = { amountIn: 100n, amountMid: 90n, amountOut: 120n };
  const failureProbability = { cheap: 0.5, dear: 0.2 };

  it("gives the hand-worked expectations and spreads", () => {
    const atomic = expectedArbitrageProfit({ trade, atomic: true, failureProbability });
    const nonAtomic = expectedArbitrageProfit({ trade, atomic: false, failureProbability, externalPrice: 1.25 });
    expect(atomic.mean).to.be.closeTo(8, 1e-12);
    expect(atomic.standardDeviation).to.be.closeTo(20 * Math.sqrt(0.24), 1e-12);
    expect(nonAtomic.mean).to.be.closeTo(12.25, 1e-12);
    expect(nonAtomic.standardDeviation).to.be.closeTo(Math.sqrt(48.0625), 1e-12);
  });

  it("takes one probability for both legs", () => {
    expect(expectedArbitrageProfit({ trade, atomic: false, failureProbability: 0.3, externalPrice: 1.1 })).to.deep.equal(
      expectedArbitrageProfit({ trade, atomic: false, failureProbability: { cheap: 0.3, dear: 0.3 }, externalPrice: 1.1 }),
    );
  });

  // A lab-sized trade: 1,000,000-token pools 2% apart, sized exactly.
  const pools = {
    cheap: { reserveIn: 1_000_000n * TOKEN, reserveOut: 1_000_000n * TOKEN },
    dear: { reserveIn: 1_020_000n * TOKEN, reserveOut: 1_000_000n * TOKEN },
    feeBps: 30n,
  };
  const optimal = optimalArbitrage(pools);
  if (optimal === null) throw new Error("expected a profitable arbitrage");
  const prices = {
    // Where the paper's analyses put P_ext: between the two pools, below both, above both.
    between: 1.01,
    below: 0.99,
    above: 1.03,
  };
  const probabilities: [cheap: number, dear: number][] = [
    [0, 0],
    [0.1, 0.1],
    [0.5, 0.2],
    [0.2, 0.5],
    [0.9, 0.9],
    [0, 1],
    [1, 0],
    [1, 1],
  ];

  it("equals the exact distribution over the four outcomes of the legs, played on the pools", () => {
    for (const [cheap, dear] of probabilities) {
      for (const [where, externalPrice] of Object.entries(prices)) {
        for (const atomic of [true, false]) {
          const outcomes = [
            { cheapFails: false, dearFails: false, probability: (1 - cheap) * (1 - dear) },
            { cheapFails: true, dearFails: false, probability: cheap * (1 - dear) },
            { cheapFails: false, dearFails: true, probability: (1 - cheap) * dear },
            { cheapFails: true, dearFails: true, probability: cheap * dear },
          ].map((outcome) => ({ ...outcome, profit: runOnce(pools, optimal, { atomic, externalPrice, ...outcome }) }));
          const mean = outcomes.reduce((sum, { probability, profit }) => sum + probability * profit, 0);
          const variance = outcomes.reduce((sum, { probability, profit }) => sum + probability * (profit - mean) ** 2, 0);
          const closedForm = atomic
            ? expectedArbitrageProfit({ trade: optimal, atomic, failureProbability: { cheap, dear } })
            : expectedArbitrageProfit({ trade: optimal, atomic, failureProbability: { cheap, dear }, externalPrice });
          const label = `${atomic ? "atomic" : "non-atomic"}, failures ${cheap}/${dear}, P_ext ${where}`;
          const scale = Number(optimal.amountIn);
          expect(closedForm.mean, label).to.be.closeTo(mean, scale * 1e-12);
          expect(closedForm.standardDeviation, label).to.be.closeTo(Math.sqrt(variance), scale * 1e-6);
        }
      }
    }
  });

  it("matches a Monte Carlo over 5,000 seeds per case, atomic and not, within four standard errors", () => {
    const seeds = 5_000;
    for (const [cheap, dear] of probabilities) {
      for (const atomic of [true, false]) {
        const externalPrice = prices.between;
        let sum = 0;
        let sumOfSquares = 0;
        for (let seed = 0; seed < seeds; seed++) {
          const random = createRandom(seed);
          const profit = runOnce(pools, optimal, { atomic, externalPrice, cheapFails: random.next() < cheap, dearFails: random.next() < dear });
          sum += profit;
          sumOfSquares += profit * profit;
        }
        const mean = sum / seeds;
        const sampleDeviation = Math.sqrt(Math.max(0, sumOfSquares / seeds - mean * mean) * (seeds / (seeds - 1)));
        const closedForm = atomic
          ? expectedArbitrageProfit({ trade: optimal, atomic, failureProbability: { cheap, dear } })
          : expectedArbitrageProfit({ trade: optimal, atomic, failureProbability: { cheap, dear }, externalPrice });
        const label = `${atomic ? "atomic" : "non-atomic"}, failures ${cheap}/${dear}`;
        // Four standard errors of the sample mean: a correct closed form fails this for about 6 seed sets in 100,000.
        // Where no outcome is random (probabilities 0 or 1) the sample is constant and only float rounding is left.
        const tolerance = 4 * (sampleDeviation / Math.sqrt(seeds)) + Number(optimal.amountIn) * 1e-12;
        expect(closedForm.mean, label).to.be.closeTo(mean, tolerance);
      }
    }
  });

  it("differs between atomic and non-atomic by the paper's E[Profit_diff]", () => {
    // Transcribed from the paper, A dear and B cheap: Δx·(p_A·(P*_B - P_ext) + p_B·(P_ext - P*_A) + p_A·p_B·(P*_A - P*_B)).
    const deltaX = Number(optimal.amountMid);
    const priceA = Number(optimal.amountOut) / deltaX;
    const priceB = Number(optimal.amountIn) / deltaX;
    for (const [cheap, dear] of probabilities) {
      for (const externalPrice of Object.values(prices)) {
        const paperDifference = deltaX * (dear * (priceB - externalPrice) + cheap * (externalPrice - priceA) + dear * cheap * (priceA - priceB));
        const atomic = expectedArbitrageProfit({ trade: optimal, atomic: true, failureProbability: { cheap, dear } });
        const nonAtomic = expectedArbitrageProfit({ trade: optimal, atomic: false, failureProbability: { cheap, dear }, externalPrice });
        expect(atomic.mean - nonAtomic.mean, `failures ${cheap}/${dear}, P_ext ${externalPrice}`).to.be.closeTo(paperDifference, deltaX * 1e-12);
      }
    }
  });

  it("reproduces the authors' published E[Profit_diff] figures", () => {
    // From notebooks/2.1-profit-diff-param-sweep.ipynb of github.com/misilva73/shared-sequencer-arb
    // (as rerun on 2025-01-09): fee 0.05%, 100,000 in-tokens in each pool, P_B = 1, P_A = 1.01,
    // the dear leg never fails and the cheap one fails 10% or 20% of the time; differences in tokens.
    const cheap: ArbitragePool = { reserveIn: 100_000n * TOKEN, reserveOut: 100_000n * TOKEN };
    const dear: ArbitragePool = { reserveIn: 100_000n * TOKEN, reserveOut: (100_000n * TOKEN * 100n) / 101n };
    const sized = optimalArbitrage({ cheap, dear, feeBps: 5n });
    if (sized === null) throw new Error("expected a profitable arbitrage");
    const published: [externalPrice: number, cheapFails: number, difference: number][] = [
      [1.005, 0.1, -0.049675],
      [1.005, 0.2, -0.099351],
      [1 / 1.01, 0.1, -0.381516],
      [1.01 * 1.01, 0.1, 0.286597],
    ];
    for (const [externalPrice, cheapFails, difference] of published) {
      const failureProbability = { cheap: cheapFails, dear: 0 };
      const atomic = expectedArbitrageProfit({ trade: sized, atomic: true, failureProbability });
      const nonAtomic = expectedArbitrageProfit({ trade: sized, atomic: false, failureProbability, externalPrice });
      // The notebook prints six decimals.
      expect((atomic.mean - nonAtomic.mean) / Number(TOKEN), `P_ext ${externalPrice}, cheap leg fails ${cheapFails}`).to.be.closeTo(difference, 1e-6);
    }
  });

  it("shows the paper's point: atomicity loses when P_ext lies between the pools, and can win when it lies above both", () => {
    const failureProbability = { cheap: 0.3, dear: 0.1 };
    const gain = (externalPrice: number) =>
      expectedArbitrageProfit({ trade: optimal, atomic: true, failureProbability }).mean -
      expectedArbitrageProfit({ trade: optimal, atomic: false, failureProbability, externalPrice }).mean;
    expect(gain(prices.between)).to.be.below(0);
    expect(gain(prices.above)).to.be.above(0);
  });

});

describe("arbitrage inputs", () => {
  const pool: ArbitragePool = { reserveIn: 1n, reserveOut: 1n };
  const trade: ArbitrageTrade = { amountIn: 100n, amountMid: 90n, amountOut: 120n };
  const invalid: [name: string, call: () => unknown, error: typeof AmmInputError | typeof ArbitrageParameterError, parameter: string][] = [
    ["an empty cheap in-reserve", () => optimalArbitrage({ cheap: { reserveIn: 0n, reserveOut: 1n }, dear: pool }), AmmInputError, "cheap.reserveIn"],
    ["a negative dear out-reserve", () => optimalArbitrage({ cheap: pool, dear: { reserveIn: 1n, reserveOut: -1n } }), AmmInputError, "dear.reserveOut"],
    ["a 100% fee", () => optimalArbitrage({ cheap: pool, dear: pool, feeBps: 10_000n }), AmmInputError, "feeBps"],
    ["an empty second pool", () => arbitrageDirection([pool, { reserveIn: 1n, reserveOut: 0n }]), AmmInputError, "pools[1].reserveOut"],
    ["a probability above 1", () => expectedArbitrageProfit({ trade, atomic: true, failureProbability: { cheap: 1.5, dear: 0 } }), ArbitrageParameterError, "failureProbability.cheap"],
    ["a NaN probability", () => expectedArbitrageProfit({ trade, atomic: true, failureProbability: { cheap: 0, dear: Number.NaN } }), ArbitrageParameterError, "failureProbability.dear"],
    ["a negative external price", () => expectedArbitrageProfit({ trade, atomic: false, failureProbability: 0, externalPrice: -1 }), ArbitrageParameterError, "externalPrice"],
    ["an empty trade", () => expectedArbitrageProfit({ trade: { ...trade, amountMid: 0n }, atomic: true, failureProbability: 0 }), ArbitrageParameterError, "trade.amountMid"],
  ];
  for (const [name, call, error, parameter] of invalid) {
    it(`rejects ${name} with ${error.name} naming ${parameter}`, () => {
      expect(call).to.throw(error).with.property("parameter", parameter);
    });
  }
});
