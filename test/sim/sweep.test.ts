import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../contracts/artifacts.ts";
import type { PolicyResult, ScenarioResult } from "../../sim/report/types.ts";
import { parseScenario } from "../../sim/scenario/schema.ts";
import {
  expandRuns,
  FieldPathError,
  formatRunList,
  inShard,
  loadSweep,
  meanInterval,
  mergeSweepOutputs,
  parseFieldPath,
  parseShard,
  parseSweep,
  policyMetrics,
  renderCsv,
  renderSweepReport,
  runCount,
  setField,
  type Sweep,
  SweepFileError,
  SweepMergeError,
  SweepOptionError,
  type SweepRecord,
  SweepRunInvalidError,
  tQuantile95,
  writeSweepOutput,
} from "../../sim/sweep/index.ts";

type Json = { [key: string]: unknown };

// The lab's one-sandwich example under two of its policies.
const base = { ...(JSON.parse(readFileSync(join(PROJECT_ROOT, "sim", "examples", "one-sandwich.json"), "utf8")) as Json), policies: ["fcfs", "priority-fee"] };

const sweepFile = (changes: Json = {}): Json => ({
  base,
  grid: { "victims[0].slippageBps": [50, 100], "pool.reserveIn": ["1000000", "2000000", "4000000"] },
  seeds: [1, 2],
  ...changes,
});

/** A fresh temporary directory for each test of the suite this is called in, removed after it. */
function temporaryDirectory(prefix: string): () => string {
  let dir = "";
  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** The error `action` throws, asserted to be an instance of `type`. */
function thrown<T extends Error>(action: () => unknown, type: new (...args: never[]) => T): T {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(type);
    return error as T;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

async function rejected<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(type);
    return error as T;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

describe("sweeps", function () {
  describe("runs", function () {
    it("are every combination of the grid's values, the last key fastest, each with every seed, numbered in that order", function () {
      const runs = expandRuns(parseSweep(sweepFile()));
      expect(runs.map(({ run, params, seed }) => [run, params["victims[0].slippageBps"], params["pool.reserveIn"], seed])).to.deep.equal([
        [0, 50, "1000000", 1],
        [1, 50, "1000000", 2],
        [2, 50, "2000000", 1],
        [3, 50, "2000000", 2],
        [4, 50, "4000000", 1],
        [5, 50, "4000000", 2],
        [6, 100, "1000000", 1],
        [7, 100, "1000000", 2],
        [8, 100, "2000000", 1],
        [9, 100, "2000000", 2],
        [10, 100, "4000000", 1],
        [11, 100, "4000000", 2],
      ]);
      expect(runCount(parseSweep(sweepFile()))).to.equal(12);
    });

    it("set each value and the seed in a copy of the base, which the scenario parser reads", function () {
      const sweep = parseSweep(sweepFile());
      const run = expandRuns(sweep)[9]!;
      const scenario = parseScenario(run.scenario);
      expect(scenario.victims[0]?.slippageBps).to.equal(100);
      expect(scenario.pools[0]?.reserveIn).to.equal(2_000_000n * 10n ** 18n);
      expect(scenario.seed).to.equal(2);
      expect(Object.keys(run.params)).to.deep.equal(["victims[0].slippageBps", "pool.reserveIn"]);
      // The base is left as it was.
      expect(sweep.base).to.deep.equal(base);
    });

    it("with an empty grid are one per seed", function () {
      const runs = expandRuns(parseSweep(sweepFile({ grid: {}, seeds: [3, 1] })));
      expect(runs.map(({ run, params, seed }) => [run, params, seed])).to.deep.equal([
        [0, {}, 3],
        [1, {}, 1],
      ]);
    });

    it("are all validated before any runs: the first invalid one names its values and the scenario's field", function () {
      const error = thrown(() => parseSweep(sweepFile({ grid: { "victims[0].slippageBps": [50, 20_000] } })), SweepRunInvalidError);
      expect(error.run).to.equal(2);
      expect(error.field).to.equal("victims[0].slippageBps");
      expect(error.shortMessage).to.equal(
        'Run 2 (victims[0].slippageBps = 20000, seed 1) is not a valid scenario: victims[0].slippageBps: expected an integer from 0 to 10000, got 20000',
      );
    });
  });

  describe("field paths", function () {
    it("read keys and indexes in the scenario's syntax", function () {
      expect(parseFieldPath("victims[0].slippageBps")).to.deep.equal(["victims", 0, "slippageBps"]);
      expect(parseFieldPath("configurations[1].faults[0].atSlot")).to.deep.equal(["configurations", 1, "faults", 0, "atSlot"]);
      for (const bad of ["victims[0.slippageBps", "victims..x", ".slots", "victims[-1]", "victims[a]", ""]) {
        expect(thrown(() => parseFieldPath(bad), FieldPathError).path).to.equal(bad);
      }
    });

    it("set a field the base leaves out, but never through a parent that does not exist", function () {
      const scenario = structuredClone(base) as Parameters<typeof setField>[0];
      setField(scenario, "victims[0].tipGwei", "2");
      expect((scenario.victims as Json[])[0]!.tipGwei).to.equal("2");
      expect(thrown(() => setField(scenario, "users.arrivalPerSlot", 3), FieldPathError).reason).to.equal("the base scenario has no users");
      expect(thrown(() => setField(scenario, "victims[1].slippageBps", 3), FieldPathError).reason).to.equal("victims has 1 element, so there is no victims[1]");
      expect(thrown(() => setField(scenario, "name.first", 3), FieldPathError).reason).to.equal("name is a string, not an object");
      expect(thrown(() => setField(scenario, "pool[0]", 3), FieldPathError).reason).to.equal("pool is an object, not an array");
    });

    it("that do not exist in the base are sweep errors naming the grid key", function () {
      const error = thrown(() => parseSweep(sweepFile({ grid: { "pools[0].reserveIn": ["1"] } })), SweepFileError);
      expect(error.field).to.equal('grid["pools[0].reserveIn"]');
      expect(error.reason).to.equal("the base scenario has no pools");
    });
  });

  describe("sweep files", function () {
    const cases: [string, Json, string, RegExp][] = [
      ["an unknown key, with a suggestion", { ...sweepFile(), seed: 1 }, "seed", /^unknown field; did you mean "seeds"\?/],
      ["a misspelt grid", { base, grids: {}, seeds: [1] }, "grids", /^unknown field; did you mean "grid"\?/],
      ["a malformed path", sweepFile({ grid: { "victims[0.slippageBps": [1] } }), 'grid["victims[0.slippageBps"]', /^expected keys joined by dots/],
      ["the seed in the grid", sweepFile({ grid: { seed: [1, 2] } }), 'grid["seed"]', /^the seed is swept by "seeds"/],
      ["an empty list of values", sweepFile({ grid: { slots: [] } }), 'grid["slots"]', /^expected a non-empty list of values/],
      ["a value listed twice", sweepFile({ grid: { slots: [1, 2, 1] } }), 'grid["slots"][2]', /^1 is listed twice/],
      ["no seeds", sweepFile({ seeds: [] }), "seeds", /^expected a non-empty list of seeds/],
      ["a seed that is not an integer", sweepFile({ seeds: [1, 2.5] }), "seeds[1]", /^expected a non-negative integer, got 2.5/],
      ["a seed listed twice", sweepFile({ seeds: [4, 4] }), "seeds[1]", /^4 is listed twice/],
      ["no base", { grid: {}, seeds: [1] }, "base", /^expected a scenario object or the path/],
    ];
    for (const [what, json, field, reason] of cases) {
      it(`refuse ${what}`, function () {
        const error = thrown(() => parseSweep(json), SweepFileError);
        expect(error.field).to.equal(field);
        expect(error.reason).to.match(reason);
      });
    }

    describe("on disk", function () {
      const dir = temporaryDirectory("xrollup-sweep-file-");

      it("read a base given as a path relative to the sweep file", async function () {
        await mkdir(join(dir(), "sweeps"));
        await writeFile(join(dir(), "scenario.json"), JSON.stringify(base));
        await writeFile(join(dir(), "sweeps", "sweep.json"), JSON.stringify({ ...sweepFile(), base: "../scenario.json" }));
        const sweep = await loadSweep(join(dir(), "sweeps", "sweep.json"));
        expect(sweep.base).to.deep.equal(base);
      });

      it("say where a file is not valid JSON, and name the sweep file", async function () {
        await writeFile(join(dir(), "sweep.json"), '{\n  "base": {},\n  "seeds": [1,],\n}');
        const error = await rejected(loadSweep(join(dir(), "sweep.json")), SweepFileError);
        expect(error.reason).to.match(/is not valid JSON at line 3, column 15$/);
        expect(error.details).to.deep.equal([`Sweep file: ${join(dir(), "sweep.json")}`]);
      });

      it("name a base file that cannot be read", async function () {
        await writeFile(join(dir(), "sweep.json"), JSON.stringify({ ...sweepFile(), base: "missing.json" }));
        const error = await rejected(loadSweep(join(dir(), "sweep.json")), SweepFileError);
        expect(error.field).to.equal("base");
        expect(error.reason).to.match(/^cannot read .*missing\.json/);
      });
    });
  });

  describe("shards", function () {
    it("read i/n, counted from 0", function () {
      expect(parseShard("0/1")).to.deep.equal({ index: 0, count: 1 });
      expect(parseShard("3/4")).to.deep.equal({ index: 3, count: 4 });
      for (const bad of ["3/2", "2/2", "a/b", "1/0", "-1/2", "1", "1/2/3", ""]) expect(thrown(() => parseShard(bad), SweepOptionError).option).to.equal("--shard");
      expect(thrown(() => parseShard("3/2"), SweepOptionError).shortMessage).to.match(/shard 3 does not exist: with 2 shards they are 0 to 1/);
    });

    it("of any count split the runs into disjoint shares that cover every run", function () {
      const runs = Array.from({ length: 23 }, (_, run) => run);
      for (let count = 1; count <= 6; count++) {
        const shares = Array.from({ length: count }, (_, index) => runs.filter((run) => inShard(run, { index, count })));
        expect(shares.flat().sort((a, b) => a - b)).to.deep.equal(runs);
        expect(new Set(shares.flat()).size).to.equal(runs.length);
      }
    });
  });

  describe("statistics", function () {
    it("t quantiles follow the table, erring wide between its rows", function () {
      expect([1, 2, 4, 9, 30].map(tQuantile95)).to.deep.equal([12.706, 4.303, 2.776, 2.262, 2.042]);
      expect([35, 40, 59, 60, 119, 120, 10_000].map(tQuantile95)).to.deep.equal([2.042, 2.021, 2.021, 2.0, 2.0, 1.98, 1.98]);
      expect(tQuantile95(Number.POSITIVE_INFINITY)).to.equal(1.96);
    });

    it("the mean and 95% interval match a hand computation", function () {
      // 1, 2, 3, 4: mean 2.5, s² = (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3, half-width 3.182 · √(5/3) / 2.
      const four = meanInterval([1, 2, 3, 4])!;
      expect(four.n).to.equal(4);
      expect(four.mean).to.equal(2.5);
      expect(four.halfWidth).to.be.closeTo((3.182 * Math.sqrt(5 / 3)) / 2, 1e-12);
      expect(four.halfWidth).to.be.closeTo(2.05397, 1e-5);
      // 2, 4: s = √2, half-width 12.706 · √2 / √2 = 12.706.
      expect(meanInterval([2, 4])!.halfWidth).to.be.closeTo(12.706, 1e-12);
      // Equal values: no spread.
      expect(meanInterval([5, 5, 5])).to.deep.equal({ n: 3, mean: 5, halfWidth: 0 });
      expect(meanInterval([7])).to.deep.equal({ n: 1, mean: 7, halfWidth: undefined });
      expect(meanInterval([])).to.equal(undefined);
    });
  });

  describe("outputs", function () {
    const policy = (name: string, profit: string, latency: number): PolicyResult =>
      ({
        configuration: "default",
        policy: name,
        searcherProfit: profit,
        victimLoss: "1.000000000000000000",
        latencyMs: { p50: latency, p99: latency },
        censored: { transactions: 0, timeToInclusionMs: { p50: null } },
        droppedByReason: { "nonce-too-low": 1 },
        ledger: [{ ignored: 1 }],
        note: "not a number",
        trace: { slots: [], transactions: [], auctions: [] },
        timing: { wallMs: 12.5, slotProcessingMs: { p50: 1, p99: 2 } },
      }) as unknown as PolicyResult;
    const result = (seed: number, profits: [string, string], latency: number): ScenarioResult =>
      ({
        name: "one-sandwich",
        seed,
        policies: [policy("fcfs", profits[0], latency), policy("encrypted", profits[1], latency * 2)],
        generatedAt: "2024-01-01T00:00:00.000Z",
      }) as unknown as ScenarioResult;

    // Two parameters × two seeds: profits chosen so each mean is easy to compute by hand.
    const sweep: Sweep = parseSweep({
      base,
      grid: { "victims[0].slippageBps": [50, 100], name: ["a,b", 'say "hi"'] },
      seeds: [1, 2],
    });
    const records: SweepRecord[] = expandRuns(sweep).map(({ run, params, seed }) => {
      const slippage = params["victims[0].slippageBps"] as number;
      return run === 5
        ? { run, params, seed, error: "the worker process exited (signal SIGKILL) while running it" }
        : { run, params, seed, result: result(seed, [`${slippage + seed}.500000000000000000`, "-0.000000000000000001"], 10 * seed) };
    });

    it("metrics are the numeric and decimal leaves of a policy's result, without trace, timing, arrays or words", function () {
      const metrics = policyMetrics(policy("fcfs", "12.000000000000000001", 3));
      expect([...metrics]).to.deep.equal([
        ["searcherProfit", "12.000000000000000001"],
        ["victimLoss", "1.000000000000000000"],
        ["latencyMs.p50", 3],
        ["latencyMs.p99", 3],
        ["censored.transactions", 0],
        ["censored.timeToInclusionMs.p50", null],
        ["droppedByReason.nonce-too-low", 1],
      ]);
    });

    it("a key a count object lacks is 0, a field the result lacks stays absent", function () {
      const quiet = { ...policy("fcfs", "1", 3), droppedByReason: {} } as PolicyResult;
      const metrics = policyMetrics(quiet, ["droppedByReason.nonce-too-low", "searcherInventory.amount"]);
      expect(metrics.get("droppedByReason.nonce-too-low")).to.equal(0);
      expect(metrics.has("searcherInventory.amount")).to.equal(false);
    });

    it("the CSV has one row per run and policy, exact amounts, RFC 4180 quoting, and no rows for a failed run", function () {
      const csv = renderCsv(
        sweep.grid.map(({ path }) => path),
        records,
      );
      const lines = csv.split("\r\n");
      expect(lines.pop()).to.equal("");
      expect(lines[0]).to.equal(
        "run,seed,victims[0].slippageBps,name,configuration,policy,searcherProfit,victimLoss,latencyMs.p50,latencyMs.p99,censored.transactions,censored.timeToInclusionMs.p50,droppedByReason.nonce-too-low",
      );
      expect(lines).to.have.length(1 + 7 * 2);
      expect(lines[1]).to.equal('0,1,50,"a,b",default,fcfs,51.500000000000000000,1.000000000000000000,10,10,0,,1');
      expect(lines[4]).to.equal('1,2,50,"a,b",default,encrypted,-0.000000000000000001,1.000000000000000000,40,40,0,,1');
      expect(lines[5]).to.equal('2,1,50,"say ""hi""",default,fcfs,51.500000000000000000,1.000000000000000000,10,10,0,,1');
      expect(lines.some((line) => line.startsWith("5,"))).to.equal(false);
    });

    it("the report has one chart per metric and parameter, with means over seeds and the other parameter", function () {
      const html = renderSweepReport(sweep, records);
      const charts = [...html.matchAll(/<svg [^>]*class="chart sweep-chart" data-metric="([^"]+)" data-param="([^"]+)"/g)].map(([, metric, param]) => `${metric} × ${param}`);
      expect(charts).to.have.length(7 * 2);
      expect(new Set(charts).size).to.equal(14);
      expect(html).to.not.match(/<script|<link|https?:\/\//);
      // searcherProfit under fcfs at slippage 50: runs 0–3 give 51.5, 52.5, 51.5, 52.5 → mean 52.
      const point = (metric: string, param: string, series: string, x: string) => {
        const chart = html.split("<svg ").find((part) => part.includes(`data-metric="${metric}" data-param="${param.replace(/"/g, "&quot;")}"`))!;
        const match = new RegExp(`data-series="${series}" data-x="${x}" data-mean="([^"]*)" data-half-width="([^"]*)" data-n="(\\d+)"`).exec(chart);
        return { mean: Number(match?.[1]), halfWidth: match?.[2], n: Number(match?.[3]) };
      };
      const atFifty = point("searcherProfit", "victims[0].slippageBps", "fcfs", "50");
      expect(atFifty.mean).to.equal(52);
      expect(atFifty.n).to.equal(4);
      expect(Number(atFifty.halfWidth)).to.be.closeTo((3.182 * Math.sqrt(1 / 3)) / 2, 1e-12);
      // Run 5 failed: slippage 100 has three samples (runs 4, 6 and 7).
      expect(point("searcherProfit", "victims[0].slippageBps", "fcfs", "100").n).to.equal(3);
      expect(html).to.include("Mean over 2 seeds and over the other parameters&#39; values: name (2 values)");
      expect(html).to.include("Run 5 (victims[0].slippageBps = 100, name = &quot;a,b&quot;, seed 2): the worker process exited");
    });

    it("a single sample has no interval, and the report says so", function () {
      const one = parseSweep({ base, grid: { "victims[0].slippageBps": [50] }, seeds: [1] });
      const html = renderSweepReport(one, [{ run: 0, params: { "victims[0].slippageBps": 50 }, seed: 1, result: result(1, ["1", "2"], 5) }]);
      expect(html).to.match(/data-series="fcfs" data-x="50" data-mean="1" data-half-width="" data-n="1"/);
      expect(html).to.include("1 (n = 1, no interval)");
    });

    describe("merging", function () {
      const dir = temporaryDirectory("xrollup-sweep-merge-");

      const shardOf = (index: number, count: number) => ({
        sweep,
        shard: { index, count },
        records: records.filter(({ run }) => inShard(run, { index, count })),
      });
      const files = ["sweep.json", "results.jsonl", "results.csv", "report.html"];
      const read = (at: string) => Promise.all(files.map((file) => readFile(join(at, file), "utf8")));

      it("gives byte for byte what an unsharded run writes, whatever the shards", async function () {
        await writeSweepOutput(join(dir(), "whole"), { sweep, shard: undefined, records });
        for (const [i, shard] of [shardOf(0, 3), shardOf(1, 3), shardOf(2, 3)].entries()) await writeSweepOutput(join(dir(), `shard-${i}`), shard);
        // Listed out of order: the merge restores run order.
        const merged = await mergeSweepOutputs({ dirs: [join(dir(), "shard-2"), join(dir(), "shard-0"), join(dir(), "shard-1")], out: join(dir(), "merged") });
        expect(merged.records.map(({ run }) => run)).to.deep.equal(records.map(({ run }) => run));
        expect(merged.failed.map(({ run }) => run)).to.deep.equal([5]);
        expect(await read(join(dir(), "merged"))).to.deep.equal(await read(join(dir(), "whole")));
      });

      it("names the missing runs", async function () {
        await writeSweepOutput(join(dir(), "shard-0"), shardOf(0, 3));
        const error = await rejected(mergeSweepOutputs({ dirs: [join(dir(), "shard-0")], out: join(dir(), "merged") }), SweepMergeError);
        expect(error.shortMessage).to.equal("Cannot merge the sweep outputs: runs 1–2, 4–5, 7 are missing (5 of 8); merge every shard of the sweep.");
        expect(error.details).to.deep.equal([`${join(dir(), "shard-0")}: shard 0/3, 3 runs`]);
      });

      it("names runs held twice", async function () {
        await writeSweepOutput(join(dir(), "a"), shardOf(0, 2));
        await writeSweepOutput(join(dir(), "b"), shardOf(1, 2));
        await writeSweepOutput(join(dir(), "c"), shardOf(0, 4));
        const error = await rejected(mergeSweepOutputs({ dirs: [join(dir(), "a"), join(dir(), "b"), join(dir(), "c")], out: join(dir(), "merged") }), SweepMergeError);
        expect(error.shortMessage).to.equal("Cannot merge the sweep outputs: runs 0, 4 are held more than once.");
        expect(error.details[0]).to.equal(`Run 0 is in ${join(dir(), "a")} and ${join(dir(), "c")}.`);
      });

      it("refuses shards of different sweeps, and a directory that is not a sweep's", async function () {
        await writeSweepOutput(join(dir(), "a"), shardOf(0, 2));
        const other = parseSweep({ ...sweepFile(), grid: { "victims[0].slippageBps": [50, 100], name: ["a,b", 'say "hi"'] }, seeds: [1, 3] });
        await writeSweepOutput(join(dir(), "b"), { sweep: other, shard: { index: 1, count: 2 }, records: [] });
        const error = await rejected(mergeSweepOutputs({ dirs: [join(dir(), "a"), join(dir(), "b")], out: join(dir(), "merged") }), SweepMergeError);
        expect(error.shortMessage).to.match(/b is from another sweep than .*a \(their seeds differ\)\.$/);
        const notSweep = await rejected(mergeSweepOutputs({ dirs: [dir()], out: join(dir(), "merged") }), SweepMergeError);
        expect(notSweep.shortMessage).to.match(/is not the output of `xrollup sweep run`: cannot read .*sweep\.json/);
      });
    });

    it("run lists read as ranges", function () {
      expect(formatRunList([7, 0, 1, 2, 3, 9, 10, 11])).to.equal("0–3, 7, 9–11");
      expect(formatRunList(Array.from({ length: 30 }, (_, i) => i * 2))).to.match(/^0, 2, 4, .*, 22, … \(30 runs in all\)$/);
    });
  });
});
