import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "chai";
import { parseUnits, zeroAddress } from "viem";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import { formatTable } from "../../sim/report/table.ts";
import type { ScenarioResult } from "../../sim/report/types.ts";
import { censoredBy, censorship, runScenario } from "../../sim/scenario/run.ts";
import { loadScenario, parseScenario } from "../../sim/scenario/schema.ts";
import { runCli } from "../support/fixtures.ts";

const EXAMPLE = path.join(PROJECT_ROOT, "sim", "examples", "one-sandwich.json");
const CENSORSHIP_EXAMPLE = path.join(PROJECT_ROOT, "sim", "examples", "censorship.json");

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
    const { timing: _first, ...first } = policy("fair-random");
    const { timing: _second, ...second } = again.policies[0]!;
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

describe("censorship metrics", () => {
  const clock = { slotMs: 1000, viewTimeoutMs: 400 };

  it("counts the slot a transaction was sent in, and a view timeout per failover in the slot that included it", () => {
    const result = censorship(
      [
        { sentSlot: 2, included: { slot: 2, failovers: 0 } },
        { sentSlot: 0, included: { slot: 2, failovers: 1 } },
        { sentSlot: 1, included: { slot: 2, failovers: 2 } },
      ],
      clock,
    );
    expect(result).to.deep.equal({ transactions: 3, notIncluded: 0, timeToInclusionMs: { p50: 2800, p99: 3400, max: 3400 } });
  });

  it("never counts a transaction that was not included as 0: its percentiles and the maximum are null", () => {
    const result = censorship(
      [
        { sentSlot: 0, included: undefined },
        { sentSlot: 0, included: { slot: 0, failovers: 0 } },
      ],
      clock,
    );
    expect(result).to.deep.equal({ transactions: 2, notIncluded: 1, timeToInclusionMs: { p50: null, p99: null, max: null } });
    expect(censorship([], clock).timeToInclusionMs).to.deep.equal({ p50: null, p99: null, max: null });
  });

  const victim = "0x00000000000000000000000000000000000000aA" as const;
  const pool = "0x00000000000000000000000000000000000000bB" as const;
  const cases: [name: string, window: Parameters<typeof censoredBy>[0][number], covered: boolean][] = [
    ["its sender, on every rollup", { address: victim, chainId: undefined, from: 0, until: 3 }, true],
    ["its recipient, whatever the address's case", { address: "0x00000000000000000000000000000000000000BB", chainId: 901, from: 0, until: 3 }, true],
    ["someone else", { address: zeroAddress, chainId: undefined, from: 0, until: 3 }, false],
    ["another rollup", { address: victim, chainId: 902, from: 0, until: 3 }, false],
    ["slots after it was included", { address: victim, chainId: undefined, from: 3, until: 5 }, false],
    ["slots before it was sent", { address: victim, chainId: undefined, from: 0, until: 1 }, false],
    ["the slot that included it", { address: victim, chainId: undefined, from: 2, until: 3 }, true],
  ];
  for (const [name, window, covered] of cases) {
    it(`${covered ? "counts" : "does not count"} a transaction as censored by a fault naming ${name}`, () => {
      expect(censoredBy([window], { from: victim, to: pool, chainId: 901, slot: 1, lastPending: 2 })).to.equal(covered);
    });
  }
});

describe("censorship scenario runs", () => {
  const base = {
    name: "censored",
    seed: 3,
    rollups: 2,
    slotMs: 1000,
    viewTimeoutMs: 500,
    pool: { rollup: 0, reserveIn: "1000000", reserveOut: "1000000" },
    policies: ["fcfs"],
  };
  const censor = (nodes: "leader" | "all") => [{ kind: "censor", address: "victim:0", nodes, atSlot: 0 }];

  it("gets a transaction one member censors in at once after a failover, and one every member censors never", async () => {
    const result = await runScenario(
      parseScenario({
        ...base,
        slots: 2,
        victims: [{ amountIn: "100", slippageBps: 100 }],
        configurations: [
          { name: "one-censor", sequencers: 4, faults: censor("leader") },
          { name: "all-censor", sequencers: 4, faults: censor("all") },
        ],
      }),
    );
    const [one, all] = result.policies;
    expect(one).to.include({ configuration: "one-censor", forcedInclusions: 0, equivocationsProved: 0 });
    expect(one!.failovers).to.be.at.least(1);
    // Included in the slot it was sent in: one slot, and a view timeout for each failover of that slot.
    expect(one!.censored).to.deep.equal({ transactions: 1, notIncluded: 0, timeToInclusionMs: { p50: 1500, p99: 1500, max: 1500 } });
    expect(all).to.include({ configuration: "all-censor", forcedInclusions: 0, failovers: 0, slotsWithoutBatch: 2, transactions: 0 });
    expect(all!.censored).to.deep.equal({ transactions: 1, notIncluded: 1, timeToInclusionMs: { p50: null, p99: null, max: null } });
  });

  it("gets a transaction every member censors in through L1's forced inclusion", async () => {
    const result = await runScenario(
      parseScenario({
        ...base,
        slots: 2,
        victims: [{ amountIn: "100", slippageBps: 100, forceAfterSlots: 1 }],
        sequencers: 4,
        faults: censor("all"),
      }),
    );
    const [entry] = result.policies;
    // Sent in slot 0, left out of it, forced through L1 and included in slot 1: two slots.
    expect(entry).to.include({ configuration: "default", forcedInclusions: 1, failovers: 0, slotsWithoutBatch: 1, transactions: 1 });
    expect(entry!.censored).to.deep.equal({ transactions: 1, notIncluded: 0, timeToInclusionMs: { p50: 2000, p99: 2000, max: 2000 } });
  });

  it("runs the censorship example as written, with a censorship table", async () => {
    const result = await runScenario(await loadScenario(CENSORSHIP_EXAMPLE));
    expect(result.policies.map((entry) => [entry.configuration, entry.policy])).to.deep.equal([
      ["single-censoring", "fcfs"],
      ["committee-one-censor", "fcfs"],
      ["committee-all-censor", "fcfs"],
    ]);
    for (const entry of result.policies) expect(entry.censored.notIncluded, entry.configuration).to.equal(0);
    expect(result.policies.map((entry) => entry.forcedInclusions)).to.deep.equal([1, 0, 1]);
    expect(formatTable(result)).to.include("Censorship and liveness");
  });
});
