import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "chai";
import { parseUnits } from "viem";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import type { ScenarioResult } from "../../sim/report/types.ts";
import { runScenario } from "../../sim/scenario/run.ts";
import { loadScenario, parseScenario } from "../../sim/scenario/schema.ts";
import { runCli } from "../support/fixtures.ts";

const EXAMPLE = path.join(PROJECT_ROOT, "sim", "examples", "one-sandwich.json");

/** Uniswap v2's output with a 0.3% fee, written out again here so the test does not trust sim/amm.ts. */
function out(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  return (amountIn * 997n * reserveOut) / (reserveIn * 1000n + amountIn * 997n);
}

/**
 * The sandwich's optimum, computed independently: the searcher's gross profit
 * grows with its front-run as long as the victim still gets its minimum, so
 * the optimum is the largest front-run the victim tolerates (found by
 * bisection), and the profit is what the three swaps yield there.
 */
function closedFormOptimum(reserve: bigint, victimIn: bigint, slippageBps: bigint) {
  const minOut = (out(victimIn, reserve, reserve) * (10_000n - slippageBps)) / 10_000n;
  const victimOutAfter = (front: bigint) => {
    const frontOut = out(front, reserve, reserve);
    return out(victimIn, reserve + front, reserve - frontOut);
  };
  let low = 0n;
  let high = reserve;
  while (low < high) {
    const middle = (low + high + 1n) / 2n;
    if (victimOutAfter(middle) >= minOut) low = middle;
    else high = middle - 1n;
  }
  const profitAt = (front: bigint) => {
    const frontOut = out(front, reserve, reserve);
    const victimOut = out(victimIn, reserve + front, reserve - frontOut);
    const inAfter = reserve + front + victimIn;
    const outAfter = reserve - frontOut - victimOut;
    return out(frontOut, outAfter, inAfter) - front;
  };
  return { frontRunIn: low, profit: profitAt(low), profitAt };
}

describe("scenario runs", () => {
  let result: ScenarioResult;
  const policy = (name: string) => result.policies.find((entry) => entry.policy === name)!;

  before(async () => {
    result = await runScenario(await loadScenario(EXAMPLE));
  });

  it("measures one sandwich's profit equal to the closed-form optimum, to the wei", () => {
    const optimum = closedFormOptimum(parseUnits("1000000", 18), parseUnits("10000", 18), 100n);
    // Nothing near the optimum does better: the bisection's answer really is the maximum.
    for (const delta of [1n, 10n ** 6n, 10n ** 15n]) expect(optimum.profitAt(optimum.frontRunIn - delta) <= optimum.profit).to.equal(true);
    for (const name of ["fcfs", "priority-fee"]) {
      expect(parseUnits(policy(name).searcherProfit, 18), name).to.equal(optimum.profit);
      expect(policy(name)).to.include({ sandwichesAttempted: 1, sandwichesSucceeded: 1 });
    }
  });

  it("gives the searcher nothing under the encrypted policy: it never sees the victim", () => {
    expect(policy("encrypted")).to.include({
      searcherProfit: "0.000000000000000000",
      victimLoss: "0.000000000000000000",
      sandwichesAttempted: 0,
      sandwichesSucceeded: 0,
      dropped: 0,
    });
  });

  it("keeps all 18 decimals of every amount", () => {
    for (const entry of result.policies) {
      for (const amount of [entry.searcherProfit, entry.searcherGasCost, entry.victimLoss]) expect(amount).to.match(/^-?\d+\.\d{18}$/);
    }
  });

  it("is reproducible: the same seed gives the same outcome, fair-random's permutation included", async () => {
    const again = await runScenario(parseScenario({ ...JSON.parse(await readFile(EXAMPLE, "utf8")), policies: ["fair-random"] }));
    const { latencyMs: _first, ...first } = policy("fair-random");
    const { latencyMs: _second, ...second } = again.policies[0]!;
    expect(second).to.deep.equal(first);
  });

  it("runs as written from the command line, with JSON and HTML reports", async function () {
    const dir = await import("node:fs/promises").then((fs) => fs.mkdtemp("/tmp/xrollup-scenario-"));
    const json = path.join(dir, "result.json");
    const html = path.join(dir, "report.html");
    const run = await runCli(["scenario", "run", EXAMPLE, "--json", json, "--html", html], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).to.equal(0);
    for (const name of ["fcfs", "priority-fee", "encrypted", "fair-random"]) expect(run.stdout).to.contain(name);
    const written = JSON.parse(await readFile(json, "utf8")) as ScenarioResult;
    expect(written.policies.map((entry) => entry.policy)).to.deep.equal(["fcfs", "priority-fee", "encrypted", "fair-random"]);
    expect(await readFile(html, "utf8")).to.contain('id="chart-profit"');
  });

  it("refuses a scenario with a bad field, naming it, on the command line", async () => {
    const dir = await import("node:fs/promises").then((fs) => fs.mkdtemp("/tmp/xrollup-scenario-"));
    const file = path.join(dir, "bad.json");
    const example = JSON.parse(await readFile(EXAMPLE, "utf8")) as { victims: { slippageBps: number }[] };
    example.victims[0]!.slippageBps = 20_000;
    await import("node:fs/promises").then((fs) => fs.writeFile(file, JSON.stringify(example)));
    const run = await runCli(["scenario", "run", file]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain("victims[0].slippageBps");
  });
});
