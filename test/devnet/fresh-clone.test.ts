import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { demoWentAsExpected } from "../../demo/narrate.ts";
import type { DemoReport } from "../../demo/story.ts";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import { type CliRun, collect } from "../support/fixtures.ts";

const COMPILING = "xrollup: compiling the contracts (first run only)…";
/** An artifact the build writes, relative to the project root. */
const SHARED_INBOX_ARTIFACT = path.join("artifacts", "contracts", "l1", "SharedInbox.sol", "SharedInbox.json");

/**
 * A fresh clone of this working tree in a temporary folder: every file git
 * tracks or would track (so uncommitted work is tested too), without the
 * ignored build outputs (artifacts/, cache/) and without node_modules/.
 * node_modules/ is a symlink to this checkout's: an `npm ci` per run would
 * take minutes and needs the registry. The sources are copies, so each
 * module's `import.meta.url`, and the project root derived from it, is the
 * clone's: what Hardhat compiles lands in the clone.
 */
async function cloneProject({ linkNodeModules = true }: { linkNodeModules?: boolean } = {}): Promise<string> {
  const clone = await mkdtemp(path.join(tmpdir(), "xrollup-fresh-clone-"));
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: PROJECT_ROOT, encoding: "utf8" });
  for (const file of listed.split("\0")) {
    // A tracked file deleted in the working tree is still listed; a symlinked
    // node_modules/ is listed too (its ignore pattern matches only folders).
    if (file === "" || !(await lstat(path.join(PROJECT_ROOT, file)).then((stat) => stat.isFile(), () => false))) continue;
    await mkdir(path.join(clone, path.dirname(file)), { recursive: true });
    await copyFile(path.join(PROJECT_ROOT, file), path.join(clone, file));
  }
  if (linkNodeModules) await symlink(path.join(PROJECT_ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");
  return clone;
}

/**
 * Runs `node bin/xrollup.mjs <args>` in `cwd` as a user would: by name, with
 * the Node running this test (22) first on PATH, since the system's may be older.
 */
function xrollupIn(cwd: string, args: readonly string[], timeoutMs = 120_000): Promise<CliRun> {
  const PATH = [path.dirname(process.execPath), process.env.PATH].join(path.delimiter);
  const child = spawn("node", [path.join("bin", "xrollup.mjs"), ...args], { cwd, env: { ...process.env, PATH }, stdio: ["ignore", "pipe", "pipe"] });
  return collect(child, timeoutMs);
}

/** Stderr's lines, and that none of them is a stack frame. */
function stderrLines(run: CliRun): string[] {
  expect(run.stderr).to.not.match(/^\s+at /m);
  return run.stderr.trim() === "" ? [] : run.stderr.trim().split("\n");
}

describe("xrollup on a fresh clone (dependencies installed, contracts not compiled)", function () {
  // Compiling the contracts takes 5-30 s on this machine's two cores.
  this.timeout(240_000);

  describe("the commands, in the order a newcomer runs them", function () {
    let clone: string;

    before(async function () {
      clone = await cloneProject();
    });

    after(async function () {
      await rm(clone, { recursive: true, force: true });
    });

    it("`xrollup --help` prints the usage, and compiles nothing", async function () {
      expect(existsSync(path.join(clone, "artifacts"))).to.equal(false);
      const run = await xrollupIn(clone, ["--help"]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^Usage: xrollup /);
      for (const command of ["devnet", "verify", "scenario", "demo"]) expect(run.stdout).to.match(new RegExp(`^  ${command} `, "m"));
      expect(stderrLines(run)).to.deep.equal([]);
      expect(existsSync(path.join(clone, "artifacts"))).to.equal(false);
    });

    it("`xrollup demo` compiles the contracts into the clone, saying so once, then runs every scene as staged", async function () {
      const run = await xrollupIn(clone, ["demo", "--json"]);
      expect(run.code, run.stderr).to.equal(0);
      expect(stderrLines(run)).to.deep.equal([COMPILING]);
      const report = JSON.parse(run.stdout) as DemoReport;
      expect(report.scenes).to.have.length(4);
      expect(demoWentAsExpected(report)).to.equal(true);
      // Hardhat's project root is the clone, not the checkout node_modules links to.
      expect(existsSync(path.join(clone, SHARED_INBOX_ARTIFACT))).to.equal(true);
      expect(existsSync(path.join(clone, "cache"))).to.equal(true);
    });

    it("a known error (`xrollup devnet --rollups 0`) is one line, exit 1, without compiling again", async function () {
      const run = await xrollupIn(clone, ["devnet", "--port", "0", "--rollups", "0"]);
      expect(run.code).to.equal(1);
      expect(run.stdout).to.equal("");
      const lines = stderrLines(run);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^xrollup: Invalid rollups: /);
    });
  });

  describe("before `npm ci`", function () {
    let clone: string;

    before(async function () {
      clone = await cloneProject({ linkNodeModules: false });
    });

    after(async function () {
      await rm(clone, { recursive: true, force: true });
    });

    it("`xrollup --help` says on one line to install the dependencies, exit 1", async function () {
      const run = await xrollupIn(clone, ["--help"]);
      expect(run.code).to.equal(1);
      expect(run.stdout).to.equal("");
      expect(stderrLines(run)).to.deep.equal(["xrollup: the dependencies are not installed; run `npm ci` in the project first."]);
    });
  });

  describe("a contract that does not compile", function () {
    let clone: string;

    before(async function () {
      clone = await cloneProject();
      await writeFile(path.join(clone, "contracts", "Broken.sol"), "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\ncontract Broken {\n");
    });

    after(async function () {
      await rm(clone, { recursive: true, force: true });
    });

    it("stops the command with one line naming `npm run build:contracts`, exit 1", async function () {
      const run = await xrollupIn(clone, ["demo"]);
      expect(run.code).to.equal(1);
      expect(run.stdout).to.equal("");
      const lines = stderrLines(run);
      expect(lines).to.have.length(2);
      expect(lines[0]).to.equal(COMPILING);
      expect(lines[1]).to.match(/^xrollup: Compiling the contracts failed \(hardhat build exited with \d+\); run `npm run build:contracts` to see why\.$/);
      expect(existsSync(path.join(clone, SHARED_INBOX_ARTIFACT))).to.equal(false);
    });
  });
});
