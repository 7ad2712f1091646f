import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { ScenarioResult } from "../../sim/report/types.ts";
import { runCli } from "../support/fixtures.ts";

/** The researchers' section of the README runs these commands as written. */
describe("the lab's examples, as the README runs them", function () {
  this.timeout(300_000);

  it("arbitrage.json: the atomic searcher ends with no inventory, the non-atomic one with some", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "xrollup-example-"));
    const json = path.join(dir, "arbitrage.json");
    const run = await runCli(["scenario", "run", "sim/examples/arbitrage.json", "--json", json], { timeoutMs: 240_000 });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include("searcher 0 (arbitrage, atomic): profit").and.include("searcher 1 (arbitrage, not atomic): profit");
    const [policy] = (JSON.parse(await readFile(json, "utf8")) as ScenarioResult).policies;
    const [atomic, nonAtomic] = policy!.searchers;
    // All or nothing: every out-token the atomic searcher bought it sold again.
    expect(atomic!.inventory.amount).to.equal("0.000000000000000000");
    expect(nonAtomic!.inventory.amount).to.not.equal("0.000000000000000000");
  });

  it("timeboost.json: the express lane is sold above its reserve, and everyone else waits 200 ms", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "xrollup-example-"));
    const json = path.join(dir, "timeboost.json");
    const run = await runCli(["scenario", "run", "sim/examples/timeboost.json", "--json", json], { timeoutMs: 240_000 });
    expect(run.code, run.stderr).to.equal(0);
    const [fcfs, timeboost] = (JSON.parse(await readFile(json, "utf8")) as ScenarioResult).policies;
    expect(timeboost!.trace.auctions.length).to.be.greaterThan(0);
    for (const auction of timeboost!.trace.auctions) expect(Number(auction.pays)).to.be.at.least(10);
    expect(Number(timeboost!.sequencerRevenue.auctions)).to.be.greaterThan(0);
    expect(timeboost!.latencyMs.p50).to.be.greaterThan(fcfs!.latencyMs.p50);
  });

  it("sweeps/slippage.json: 20 runs of 4 policies, a chart per metric against the slippage", async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), "xrollup-example-")), "sweep-out");
    const run = await runCli(["sweep", "run", "sim/examples/sweeps/slippage.json", "--out", out], { timeoutMs: 240_000 });
    expect(run.code, run.stderr).to.equal(0);
    const lines = (await readFile(path.join(out, "results.jsonl"), "utf8")).trim().split("\n");
    expect(lines).to.have.length(20);
    const csv = (await readFile(path.join(out, "results.csv"), "utf8")).trim().split("\n");
    expect(csv).to.have.length(1 + 20 * 4);
    const report = await readFile(path.join(out, "report.html"), "utf8");
    expect(report).to.include('data-metric="searcherProfit" data-param="victims[0].slippageBps"');
  });
});
