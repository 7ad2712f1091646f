import { expect } from "chai";
import {
  AmmInputError,
  getAmountIn,
  getAmountOut,
  minOutFor,
  optimalSandwich,
  simulateSandwich,
} from "../../sim/amm.ts";
import { createRandom } from "../../sim/random.ts";

const TOKEN = 10n ** 18n;

// Uniswap v2's UniswapV2Library, transcribed literally, so these tests do not lean on the code they check.
const uniswapAmountOut = (amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint =>
  (amountIn * 997n * reserveOut) / (reserveIn * 1000n + amountIn * 997n);
const uniswapAmountIn = (amountOut: bigint, reserveIn: bigint, reserveOut: bigint): bigint =>
  (reserveIn * amountOut * 1000n) / ((reserveOut - amountOut) * 997n) + 1n;

/** A random bigint of up to `bits` bits, at least 1. */
function randomAmount(random: ReturnType<typeof createRandom>, bits: number): bigint {
  const length = 1 + random.int(bits);
  let value = 0n;
  for (let i = 0; i < length; i += 16) value = (value << 16n) | BigInt(random.int(1 << 16));
  value &= (1n << BigInt(length)) - 1n;
  return value === 0n ? 1n : value;
}

/**
 * Every front-run from 1 to `limit`, played with the transcribed Uniswap
 * formulas: the best profit the victim lets through, and the smallest
 * front-run earning it.
 */
function bruteForce(x: bigint, y: bigint, victimIn: bigint, minOut: bigint, limit: bigint) {
  let best: { frontRunIn: bigint; profit: bigint } | null = null;
  let lastFeasible = 0n;
  for (let f = 1n; f <= limit; f++) {
    const bought = uniswapAmountOut(f, x, y);
    const victimOut = uniswapAmountOut(victimIn, x + f, y - bought);
    if (victimOut < minOut || victimOut === 0n) continue;
    lastFeasible = f;
    const sold = bought === 0n ? 0n : uniswapAmountOut(bought, y - bought - victimOut, x + f + victimIn);
    const profit = sold - f;
    if (best === null || profit > best.profit) best = { frontRunIn: f, profit };
  }
  return { best: best !== null && best.profit > 0n ? best : null, lastFeasible };
}

describe("constant-product AMM math", () => {
  it("getAmountOut with a 30 bps fee equals Uniswap's 997/1000 formula on 20,000 random swaps", () => {
    const random = createRandom(1);
    for (let i = 0; i < 20_000; i++) {
      const reserveIn = randomAmount(random, 112);
      const reserveOut = randomAmount(random, 112);
      const amountIn = randomAmount(random, 120);
      expect(getAmountOut(amountIn, reserveIn, reserveOut)).to.equal(uniswapAmountOut(amountIn, reserveIn, reserveOut));
      expect(getAmountOut(amountIn, reserveIn, reserveOut, 30n)).to.equal(uniswapAmountOut(amountIn, reserveIn, reserveOut));
    }
  });

  it("getAmountOut equals Uniswap's formula on small and boundary values", () => {
    for (const reserveIn of [1n, 2n, 3n, 999n, 1000n, 1001n, 10n ** 6n, (1n << 112n) - 1n]) {
      for (const reserveOut of [1n, 2n, 997n, 1000n, 10n ** 6n, (1n << 112n) - 1n]) {
        for (const amountIn of [1n, 2n, 3n, 4n, 333n, 1000n, 1003n, 10n ** 9n, (1n << 112n) - 1n]) {
          expect(getAmountOut(amountIn, reserveIn, reserveOut)).to.equal(uniswapAmountOut(amountIn, reserveIn, reserveOut));
        }
      }
    }
  });

  it("getAmountIn equals Uniswap's and always buys at least the amount asked", () => {
    const random = createRandom(2);
    for (let i = 0; i < 5_000; i++) {
      const reserveIn = randomAmount(random, 100);
      const reserveOut = randomAmount(random, 100) + 1n;
      const amountOut = 1n + (randomAmount(random, 100) % (reserveOut - 1n));
      const amountIn = getAmountIn(amountOut, reserveIn, reserveOut);
      expect(amountIn).to.equal(uniswapAmountIn(amountOut, reserveIn, reserveOut));
      expect(getAmountOut(amountIn, reserveIn, reserveOut) >= amountOut, "buys at least amountOut").to.equal(true);
    }
  });

  it("a higher fee gives less output, and no fee gives the fee-less curve", () => {
    expect(getAmountOut(1000n, 10_000n, 10_000n, 0n)).to.equal((1000n * 10_000n) / 11_000n);
    expect(getAmountOut(1000n, 10_000n, 10_000n, 100n) < getAmountOut(1000n, 10_000n, 10_000n, 30n), "1% fee gives less than 0.3%").to.equal(true);
  });

  const minOutCases: [quote: bigint, slippageBps: bigint, expected: bigint][] = [
    [98n, 100n, 97n],
    [98n, 0n, 98n],
    [98n, 10_000n, 0n],
    [10_000n, 50n, 9_950n],
    [199n, 50n, 198n], // 198.005 rounds down
    [0n, 100n, 0n],
  ];
  for (const [quote, slippageBps, expected] of minOutCases) {
    it(`minOutFor(${quote}, ${slippageBps} bps) = ${expected}`, () => {
      expect(minOutFor(quote, slippageBps)).to.equal(expected);
    });
  }

  const invalid: [name: string, call: () => unknown, parameter: string][] = [
    ["a zero input", () => getAmountOut(0n, 1n, 1n), "amountIn"],
    ["an empty in-reserve", () => getAmountOut(1n, 0n, 1n), "reserveIn"],
    ["a negative out-reserve", () => getAmountOut(1n, 1n, -1n), "reserveOut"],
    ["a 100% fee", () => getAmountOut(1n, 1n, 1n, 10_000n), "feeBps"],
    ["an output of the whole reserve", () => getAmountIn(5n, 10n, 5n), "amountOut"],
    ["a slippage above 100%", () => minOutFor(1n, 10_001n), "slippageBps"],
    ["a negative front-run", () => simulateSandwich({ reserveIn: 1n, reserveOut: 1n, victimAmountIn: 1n, victimMinOut: 0n, frontRunIn: -1n }), "frontRunIn"],
    ["a zero victim", () => optimalSandwich({ reserveIn: 1n, reserveOut: 1n, victimAmountIn: 0n, victimMinOut: 0n }), "victimAmountIn"],
  ];
  for (const [name, call, parameter] of invalid) {
    it(`rejects ${name} with an AmmInputError naming ${parameter}`, () => {
      expect(call).to.throw(AmmInputError).with.property("parameter", parameter);
    });
  }
});

describe("simulateSandwich", () => {
  // Worked by hand on a 10,000/10,000 pool with the 0.3% fee:
  // front-run 1000 → 1000·9970·10000 / (10000·10000 + 1000·9970) = 906.6… → 906, pool 11000/9094;
  // victim 100 → 100·9970·9094 / (11000·10000 + 997000) = 81.68… → 81, pool 11100/9013;
  // back-run 906 → 906·9970·11100 / (9013·10000 + 9032820) = 1011.1… → 1011, pool 10089/9919.
  it("plays front-run, victim and back-run as hand-worked", () => {
    expect(simulateSandwich({ reserveIn: 10_000n, reserveOut: 10_000n, feeBps: 30n, victimAmountIn: 100n, victimMinOut: 0n, frontRunIn: 1_000n })).to.deep.equal({
      frontRunOut: 906n,
      victimOut: 81n,
      victimSucceeds: true,
      backRunOut: 1_011n,
      profit: 11n,
      reserveIn: 10_089n,
      reserveOut: 9_919n,
    });
  });

  // The victim wanted 90 but would get 81, so its swap reverts; the back-run
  // sells 906 into 11000/9094: 906·9970·11000 / (9094·10000 + 9032820) = 993.8… → 993.
  it("lets the victim revert below its minimum, and the searcher then pays two fees", () => {
    expect(simulateSandwich({ reserveIn: 10_000n, reserveOut: 10_000n, victimAmountIn: 100n, victimMinOut: 90n, frontRunIn: 1_000n })).to.deep.equal({
      frontRunOut: 906n,
      victimOut: 0n,
      victimSucceeds: false,
      backRunOut: 993n,
      profit: -7n,
      reserveIn: 10_007n,
      reserveOut: 10_000n,
    });
  });

  it("without a front-run is just the victim's swap", () => {
    const outcome = simulateSandwich({ reserveIn: 10_000n, reserveOut: 10_000n, victimAmountIn: 100n, victimMinOut: 98n, frontRunIn: 0n });
    expect(outcome).to.deep.include({ frontRunOut: 0n, victimOut: 98n, victimSucceeds: true, backRunOut: 0n, profit: 0n, reserveIn: 10_100n, reserveOut: 9_902n });
  });

  it("counts a zero output as a failed victim swap, as the pair rejects it", () => {
    const outcome = simulateSandwich({ reserveIn: 10_000n, reserveOut: 10_000n, victimAmountIn: 1n, victimMinOut: 0n, frontRunIn: 0n });
    expect(outcome.victimSucceeds).to.equal(false);
  });
});

describe("optimalSandwich", () => {
  const pools: [reserveIn: bigint, reserveOut: bigint][] = [
    [10_000n, 10_000n],
    [10_000n, 20_000n],
    [7_000n, 3_000n],
  ];
  const victims = [50n, 100n, 300n, 1_000n];
  const slippages = [50n, 100n, 200n, 500n, 1_000n, 3_000n];
  for (const [reserveIn, reserveOut] of pools) {
    it(`equals an exhaustive search over every front-run on a ${reserveIn}/${reserveOut} pool`, () => {
      let profitable = 0;
      for (const victimAmountIn of victims) {
        for (const slippageBps of slippages) {
          const victimMinOut = minOutFor(uniswapAmountOut(victimAmountIn, reserveIn, reserveOut), slippageBps);
          const limit = 3n * reserveIn;
          const { best, lastFeasible } = bruteForce(reserveIn, reserveOut, victimAmountIn, victimMinOut, limit);
          // The scan went past every front-run the victim tolerates.
          expect(lastFeasible < limit, "the scan passed the last front-run the victim tolerates").to.equal(true);
          const found = optimalSandwich({ reserveIn, reserveOut, victimAmountIn, victimMinOut });
          const label = `victim ${victimAmountIn}, slippage ${slippageBps} bps`;
          if (best === null) {
            expect(found, label).to.equal(null);
            continue;
          }
          profitable++;
          expect(found, label).to.not.equal(null);
          expect({ frontRunIn: found?.frontRunIn, profit: found?.profit }, label).to.deep.equal(best);
          expect(found?.exact, label).to.equal(true);
          expect(found?.profitUpperBound, label).to.equal(best.profit);
        }
      }
      expect(profitable, "cases with a profitable sandwich").to.be.greaterThan(5);
    });
  }

  it("reports an outcome simulateSandwich reproduces, with the victim's loss", () => {
    const parameters = { reserveIn: 10_000n, reserveOut: 10_000n, victimAmountIn: 300n, victimMinOut: 280n };
    const found = optimalSandwich(parameters);
    if (found === null) throw new Error("expected a profitable sandwich");
    const { frontRunIn, victimLoss, exact, profitUpperBound, ...outcome } = found;
    expect(simulateSandwich({ ...parameters, frontRunIn })).to.deep.equal(outcome);
    expect(victimLoss).to.equal(uniswapAmountOut(300n, 10_000n, 10_000n) - outcome.victimOut);
    expect(outcome.victimOut >= 280n, "victim gets its minimum").to.equal(true);
    expect([exact, profitUpperBound]).to.deep.equal([true, outcome.profit]);
  });

  it("finds nothing when the victim allows no slippage", () => {
    const equalValue: [bigint, bigint][] = [[10_000n, 10_000n], [10_000n, 20_000n], [10n ** 24n, 10n ** 24n], [3n * 10n ** 21n, 10n ** 24n]];
    for (const [reserveIn, reserveOut] of equalValue) {
      for (const victimAmountIn of [...victims, reserveIn / 10n]) {
        const victimMinOut = uniswapAmountOut(victimAmountIn, reserveIn, reserveOut);
        expect(optimalSandwich({ reserveIn, reserveOut, victimAmountIn, victimMinOut }), `${reserveIn}/${reserveOut}, victim ${victimAmountIn}`).to.equal(null);
      }
    }
  });

  it("still finds a unit of rounding slack at zero slippage when one out-unit is worth several in-units", () => {
    // The victim's output is rounded down, so a tiny front-run can leave it
    // unchanged; on a 7000/3000 pool one out-unit is worth 2.3 in-units and
    // that slack pays for the fees. It is worth a few wei at most: this is
    // rounding, not slippage.
    const [reserveIn, reserveOut, victimAmountIn] = [7_000n, 3_000n, 300n];
    const victimMinOut = uniswapAmountOut(victimAmountIn, reserveIn, reserveOut);
    const { best } = bruteForce(reserveIn, reserveOut, victimAmountIn, victimMinOut, 3n * reserveIn);
    const found = optimalSandwich({ reserveIn, reserveOut, victimAmountIn, victimMinOut });
    expect({ frontRunIn: found?.frontRunIn, profit: found?.profit }).to.deep.equal(best);
    expect(found?.victimLoss).to.equal(0n);
  });

  it("finds nothing when the victim's swap fails even unattacked", () => {
    expect(optimalSandwich({ reserveIn: 10_000n, reserveOut: 10_000n, victimAmountIn: 100n, victimMinOut: 99n })).to.equal(null);
  });

  it("earns more the more slippage the victim allows", () => {
    const reserve = 1_000_000n * TOKEN;
    const victimAmountIn = 10_000n * TOKEN;
    const quote = getAmountOut(victimAmountIn, reserve, reserve);
    const profits = [100n, 200n, 500n, 1_000n, 3_000n].map((slippageBps) => {
      const found = optimalSandwich({ reserveIn: reserve, reserveOut: reserve, victimAmountIn, victimMinOut: minOutFor(quote, slippageBps) });
      expect(found?.exact).to.equal(true);
      return found?.profit ?? 0n;
    });
    for (let i = 1; i < profits.length; i++) expect((profits[i] as bigint) > (profits[i - 1] as bigint), `profits ${profits.join(", ")} increase`).to.equal(true);
  });

  it("subtracts gas only to decide whether the sandwich is worth it", () => {
    const parameters = { reserveIn: 10_000n, reserveOut: 10_000n, victimAmountIn: 1_000n, victimMinOut: 850n };
    const free = optimalSandwich(parameters);
    if (free === null) throw new Error("expected a profitable sandwich");
    expect(optimalSandwich({ ...parameters, gasCostIn: free.profit - 1n })).to.deep.equal(free);
    expect(optimalSandwich({ ...parameters, gasCostIn: free.profit })).to.equal(null);
  });

  it("is exact in a deep pool with 18-decimal amounts, at the victim's slippage limit", () => {
    const reserve = 1_000_000n * TOKEN;
    const victimAmountIn = 10_000n * TOKEN;
    const victimMinOut = minOutFor(getAmountOut(victimAmountIn, reserve, reserve), 100n);
    const found = optimalSandwich({ reserveIn: reserve, reserveOut: reserve, victimAmountIn, victimMinOut });
    if (found === null) throw new Error("expected a profitable sandwich");
    expect(found.exact).to.equal(true);
    expect(found.victimOut >= victimMinOut, "victim gets its minimum").to.equal(true);
    // The slippage limit is what binds: the best front-run is within a few
    // hundred wei (a tie in the rounding) of the largest the victim tolerates.
    const play = (frontRunIn: bigint) => simulateSandwich({ reserveIn: reserve, reserveOut: reserve, victimAmountIn, victimMinOut, frontRunIn });
    let bound = found.frontRunIn;
    while (bound - found.frontRunIn < 1_000n && play(bound + 1n).victimSucceeds) bound++;
    expect(play(bound + 1n).victimSucceeds).to.equal(false);
    expect(play(bound).profit <= found.profit, "the bound earns no more").to.equal(true);
  });

  it("with unlimited slippage still finds the maximum profit, proving it by the upper bound", () => {
    // The optimum is inside [1, B] and R is flat around it: the smallest tying
    // front-run may not be proven, but no front-run earns more than profitUpperBound.
    const [reserveIn, reserveOut, victimAmountIn] = [2_000n, 2_000n, 100n];
    const found = optimalSandwich({ reserveIn, reserveOut, victimAmountIn, victimMinOut: 0n });
    const { best, lastFeasible } = bruteForce(reserveIn, reserveOut, victimAmountIn, 0n, 250_000n);
    expect(lastFeasible < 250_000n, "the scan passed the last front-run the victim tolerates").to.equal(true);
    expect(found?.profit).to.equal(best?.profit);
    expect(found?.profitUpperBound).to.equal(best?.profit);
  });
});
