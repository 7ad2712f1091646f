import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import { type CliRun, collect, runCli, XROLLUP_BIN } from "../support/fixtures.ts";

// The lab's one-sandwich example (one slot, one victim) under two of its policies: the smallest run on real devnets.
const base = { ...(JSON.parse(readFileSync(join(PROJECT_ROOT, "sim", "examples", "one-sandwich.json"), "utf8")) as object), policies: ["fcfs", "priority-fee"] };

const TIMEOUT_MS = 240_000;

/** A JSON value without its wall-clock fields (`timing`, `generatedAt`), at any depth: the rest of a run is deterministic. */
function withoutWallClock(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutWallClock);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "timing" && key !== "generatedAt")
      .map(([key, child]) => [key, withoutWallClock(child)]),
  );
}

const lines = (text: string) => text.split("\n").filter((line) => line !== "");

function expectSuccess(run: CliRun): void {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).to.equal(0);
}

describe("xrollup sweep (CLI, real devnets)", function () {
  this.timeout(TIMEOUT_MS * 2);
  let dir: string;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "xrollup-sweep-cli-"));
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs 4 runs on 2 workers; shards 0/2 and 1/2 merged give the same files", async function () {
    // The base as a file beside the sweep, as a researcher keeps them.
    await writeFile(join(dir, "one-sandwich.json"), JSON.stringify(base));
    const sweepFile = join(dir, "sweep.json");
    await writeFile(sweepFile, JSON.stringify({ base: "one-sandwich.json", grid: { "victims[0].slippageBps": [50, 200] }, seeds: [1, 2] }));
    const out = (name: string) => join(dir, name);

    const whole = await runCli(["sweep", "run", sweepFile, "--out", out("whole"), "--jobs", "2"], { timeoutMs: TIMEOUT_MS });
    expectSuccess(whole);
    expect(whole.stdout).to.match(/^4 of 4 runs done; wrote:$/m);
    // Each shard on one worker, both at once: the machine's two cores.
    const shards = await Promise.all(
      ["0/2", "1/2"].map((shard, i) => runCli(["sweep", "run", sweepFile, "--out", out(`shard-${i}`), "--shard", shard, "--jobs", "1"], { timeoutMs: TIMEOUT_MS })),
    );
    shards.forEach(expectSuccess);
    expect(shards[0]!.stdout).to.match(/^2 of 2 runs done \(shard 0\/2\); wrote:$/m);
    const merge = await runCli(["sweep", "merge", out("shard-1"), out("shard-0"), "--out", out("merged")]);
    expectSuccess(merge);
    expect(merge.stdout).to.match(/^Merged 2 directories: 4 runs; wrote:$/m);

    const read = (name: string, file: string) => readFile(join(out(name), file), "utf8");
    for (const file of ["sweep.json", "results.csv", "report.html"]) expect(await read("merged", file), file).to.equal(await read("whole", file));
    const records = lines(await read("whole", "results.jsonl")).map((line) => JSON.parse(line) as { run: number; params: unknown; seed: number });
    const merged = lines(await read("merged", "results.jsonl")).map((line) => JSON.parse(line) as unknown);
    expect(merged.map(withoutWallClock)).to.deep.equal(records.map(withoutWallClock));
    expect(records.map(({ run, params, seed }) => [run, params, seed])).to.deep.equal([
      [0, { "victims[0].slippageBps": 50 }, 1],
      [1, { "victims[0].slippageBps": 50 }, 2],
      [2, { "victims[0].slippageBps": 200 }, 1],
      [3, { "victims[0].slippageBps": 200 }, 2],
    ]);

    // One CSV row per run and policy; one chart per metric (every CSV column after the policy) and parameter.
    const csv = (await read("whole", "results.csv")).split("\r\n").filter((line) => line !== "");
    const header = csv[0]!.split(",");
    expect(header.slice(0, 5)).to.deep.equal(["run", "seed", "victims[0].slippageBps", "configuration", "policy"]);
    expect(csv).to.have.length(1 + 4 * 2);
    expect(csv.slice(1).map((row) => row.split(",").slice(0, 5).join(","))).to.deep.equal([
      "0,1,50,default,fcfs",
      "0,1,50,default,priority-fee",
      "1,2,50,default,fcfs",
      "1,2,50,default,priority-fee",
      "2,1,200,default,fcfs",
      "2,1,200,default,priority-fee",
      "3,2,200,default,fcfs",
      "3,2,200,default,priority-fee",
    ]);
    const metrics = header.slice(5);
    expect(metrics).to.include.members(["searcherProfit", "victimLoss", "latencyMs.p50"]);
    const html = await read("whole", "report.html");
    const charts = [...html.matchAll(/<svg [^>]*data-metric="([^"]+)" data-param="([^"]+)"/g)].map(([, metric, param]) => `${metric} × ${param}`);
    expect(charts.sort()).to.deep.equal(metrics.map((metric) => `${metric} × victims[0].slippageBps`).sort());
  });

  it("writes a failed run with its error, runs the others, and exits 1 naming it", async function () {
    const sweepFile = join(dir, "unsupported.json");
    // A fee the on-chain pool does not charge: valid as a scenario, refused by the runner at once.
    await writeFile(sweepFile, JSON.stringify({ base: { ...base, policies: ["fcfs"] }, grid: { "pool.feeBps": [5, 30] }, seeds: [1] }));
    const run = await runCli(["sweep", "run", sweepFile, "--out", join(dir, "failed")], { timeoutMs: TIMEOUT_MS });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^xrollup: 1 of 2 runs failed; run 0 \(pool\.feeBps = 5, seed 1\): Cannot run this scenario: pools\[0\]\.feeBps/m);
    const records = lines(await readFile(join(dir, "failed", "results.jsonl"), "utf8")).map((line) => JSON.parse(line) as { run: number; error?: string; result?: unknown });
    expect(records.map(({ run, error, result }) => [run, error?.split(":")[0], result === undefined])).to.deep.equal([
      [0, "Cannot run this scenario", true],
      [1, undefined, false],
    ]);
    const csv = (await readFile(join(dir, "failed", "results.csv"), "utf8")).split("\r\n").filter((line) => line !== "");
    expect(csv.slice(1).map((row) => row.split(",").slice(0, 3).join(","))).to.deep.equal(["1,1,30"]);
  });

  it("a worker killed mid-run (as by the out-of-memory killer) fails that run only: a new worker runs the rest", async function () {
    // A policy module that kills its own process when asked for an order.
    const killer = join(dir, "kill-worker.mjs");
    await writeFile(killer, 'export default { name: "kill-worker", order() { process.kill(process.pid, "SIGKILL"); } };\n');
    const sweepFile = join(dir, "killed.json");
    await writeFile(sweepFile, JSON.stringify({ base, grid: { policies: [[killer], ["fcfs"]] }, seeds: [1] }));
    const run = await runCli(["sweep", "run", sweepFile, "--out", join(dir, "killed"), "--jobs", "1"], { timeoutMs: TIMEOUT_MS });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^xrollup: 1 of 2 runs failed; run 0 \(policies = \[".*kill-worker\.mjs"\], seed 1\): the worker process exited \(signal SIGKILL\) while running it$/m);
    const records = lines(await readFile(join(dir, "killed", "results.jsonl"), "utf8")).map((line) => JSON.parse(line) as { run: number; result?: unknown });
    expect(records.map(({ run, result }) => [run, result !== undefined])).to.deep.equal([
      [0, false],
      [1, true],
    ]);
  });

  it("refuses a bad shard, and a grid path the base does not have, before running anything", async function () {
    const sweepFile = join(dir, "bad.json");
    await writeFile(sweepFile, JSON.stringify({ base, grid: { "users.arrivalPerSlot": [1, 2] }, seeds: [1] }));
    const shard = await runCli(["sweep", "run", sweepFile, "--out", join(dir, "bad"), "--shard", "3/2"]);
    expect(shard.code).to.equal(1);
    expect(shard.stderr.split("\n")[0]).to.match(/^error: option '--shard <i\/n>' argument '3\/2' is invalid\. --shard expects i\/n, .*shard 3 does not exist/);
    const path = await runCli(["sweep", "run", sweepFile, "--out", join(dir, "bad")]);
    expect(path.code).to.equal(1);
    expect(path.stderr.trim()).to.equal('xrollup: Invalid sweep: grid["users.arrivalPerSlot"]: the base scenario has no users');
  });

  // Ctrl-C in a terminal signals the whole process group, workers included; `kill -INT` signals the CLI alone, which must stop its workers itself.
  for (const [target, group] of [
    ["Ctrl-C (the process group)", true],
    ["SIGINT to the CLI alone", false],
  ] as const) {
    it(`on ${target}, stops its workers mid-run, writes nothing and exits 1`, async function () {
      const sweepFile = join(dir, "long.json");
      // 100 runs: far more than run in the few seconds before the signal.
      await writeFile(sweepFile, JSON.stringify({ base, grid: { "victims[0].slippageBps": [50, 100, 200, 400] }, seeds: Array.from({ length: 25 }, (_, i) => i + 1) }));
      // Its own process group, as a terminal runs a command.
      const child = spawn(process.execPath, [XROLLUP_BIN, "sweep", "run", sweepFile, "--out", join(dir, "long"), "--jobs", "2"], {
        cwd: PROJECT_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      const exited = collect(child, 60_000);
      const workers = () =>
        execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
          .split("\n")
          .map((line) => line.trim().split(/\s+/).map(Number))
          .filter(([, parent]) => parent === child.pid)
          .map(([pid]) => pid!);
      const started = Date.now();
      while (workers().length < 2 && Date.now() - started < 30_000) await new Promise((resolve) => setTimeout(resolve, 200));
      const pids = workers();
      expect(pids).to.have.length(2);
      // Long enough for the workers to load and start running scenarios.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      process.kill(group ? -child.pid! : child.pid!, "SIGINT");
      const run = await exited;
      expect(run.code).to.equal(1);
      expect(run.stderr).to.match(/^xrollup: The sweep was interrupted after \d+ of 100 runs; nothing was written/m);
      for (const pid of pids) expect(() => process.kill(pid, 0), `worker ${pid} is still running`).to.throw(/ESRCH/);
      expect(existsSync(join(dir, "long", "results.jsonl"))).to.equal(false);
    });
  }
});
