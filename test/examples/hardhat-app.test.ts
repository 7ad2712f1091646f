import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import { type CliRun, collect } from "../support/fixtures.ts";

/** The example project: a Hardhat 3 project of its own that installs xrollup from this repository. */
const APP = path.join(PROJECT_ROOT, "examples", "hardhat-app");

/**
 * The environment of a command run in the example, as a user's shell would
 * have it: this process's Node (22) first on PATH, and none of the `npm_*`
 * variables of the `npm test` this may run under, which would make npm treat
 * the repository as the project.
 */
function exampleEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_")));
  return { ...env, PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter) };
}

/** Runs a command in the example and says how it ended, with its output. */
async function inApp(command: string, args: readonly string[], timeoutMs: number): Promise<CliRun> {
  const child = spawn(command, args, { cwd: APP, env: exampleEnv(), stdio: ["ignore", "pipe", "pipe"] });
  return collect(child, timeoutMs);
}

/** Fails with the command's output when it did not exit 0. */
function expectSuccess(run: CliRun, what: string): void {
  expect(run.code, `${what} failed:\n${run.stdout}\n${run.stderr}`).to.equal(0);
}

/**
 * Installs the example as its lockfile says, with this repository's current
 * code as its xrollup. npm installs `file:../..` as a packed copy (the
 * example's .npmrc sets install-links), built by xrollup's `prepare`; it
 * never refreshes that copy by itself, so it is removed and installed again.
 * A full `npm ci` runs only when the lockfile changed since the last install.
 */
async function installExample(): Promise<void> {
  const installed = path.join(APP, "node_modules", ".package-lock.json");
  const upToDate = existsSync(installed) && statSync(installed).mtimeMs >= statSync(path.join(APP, "package-lock.json")).mtimeMs;
  const npmFlags = ["--no-audit", "--no-fund", "--prefer-offline"];
  if (upToDate) {
    await rm(path.join(APP, "node_modules", "xrollup"), { recursive: true, force: true });
    expectSuccess(await inApp("npm", ["install", "--no-save", ...npmFlags], 300_000), "npm install (xrollup) in examples/hardhat-app");
  } else {
    expectSuccess(await inApp("npm", ["ci", ...npmFlags], 300_000), "npm ci in examples/hardhat-app");
  }
}

describe("examples/hardhat-app: a Hardhat 3 project that uses xrollup as a dependency", function () {
  // Installing (xrollup's build included) and the Hardhat run: about a minute
  // warm on this machine's two cores, several cold.
  this.timeout(900_000);

  before(async function () {
    await installExample();
  });

  it("gets xrollup as an installed package sharing the project's Hardhat, not a link to this repository", function () {
    const installed = path.join(APP, "node_modules", "xrollup");
    expect(statSync(installed).isSymbolicLink()).to.equal(false);
    expect(existsSync(path.join(installed, "dist", "index.js"))).to.equal(true);
    expect(existsSync(path.join(installed, "dist", "index.d.ts"))).to.equal(true);
    // Only the build ships, never the TypeScript sources.
    expect(existsSync(path.join(installed, "devnet", "devnet.ts"))).to.equal(false);
    // hardhat is a peer dependency: xrollup resolves the project's one.
    expect(existsSync(path.join(installed, "node_modules", "hardhat"))).to.equal(false);
  });

  it("type-checks against the package's declarations (tsc --noEmit)", async function () {
    expectSuccess(await inApp("npx", ["tsc", "--noEmit"], 300_000), "tsc --noEmit in examples/hardhat-app");
  });

  it("passes its mocha tests through the plugin: `npx hardhat test` deploys on two rollups, pings, fails a pong, and resets between tests", async function () {
    const run = await inApp("npx", ["hardhat", "test"], 600_000);
    expectSuccess(run, "npx hardhat test in examples/hardhat-app");
    expect(run.stdout).to.match(/^\s*4 passing/m);
    expect(run.stdout).to.not.match(/failing|pending/);
  });

  it("`npx hardhat xrollup` runs the devnet in the foreground at the config's ports, and stops on SIGINT", async function () {
    // Hardhat's own bin, not npx, so that the signal reaches the process that runs the devnet.
    const child = spawn(process.execPath, [path.join("node_modules", ".bin", "hardhat"), "xrollup"], { cwd: APP, env: exampleEnv(), stdio: ["ignore", "pipe", "pipe"] });
    const ended = collect(child, 120_000);
    await new Promise<void>((resolve, reject) => {
      let banner = "";
      child.stdout.on("data", (chunk: Buffer) => {
        banner += chunk.toString("utf8");
        if (banner.includes("Account #0")) resolve();
      });
      child.once("close", () => reject(new Error(`hardhat xrollup ended before it was ready:\n${banner}`)));
    });
    const response = await fetch("http://127.0.0.1:19545", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    expect(await response.json()).to.deep.include({ result: "0x385" });
    child.kill("SIGINT");
    const run = await ended;
    expect(run.stdout).to.match(/rollup-902 +902 +http:\/\/127\.0\.0\.1:19546/);
    expect(run.code, run.stderr).to.equal(0);
  });

  it("runs the `xrollup` command from the build, and without its artifacts says to reinstall instead of compiling", async function () {
    const help = await inApp("npx", ["xrollup", "--help"], 60_000);
    expectSuccess(help, "npx xrollup --help");
    expect(help.stdout).to.match(/^Usage: xrollup /);

    const artifacts = path.join(APP, "node_modules", "xrollup", "artifacts");
    await rename(artifacts, `${artifacts}.moved`);
    try {
      const run = await inApp("npx", ["xrollup", "devnet", "--port", "0"], 60_000);
      expect(run.code).to.equal(1);
      expect(run.stderr.trim()).to.match(/^xrollup: The xrollup package in .* lacks the compiled artifact of \w+ \(it ships prebuilt\); reinstall xrollup\.$/);
    } finally {
      await rename(`${artifacts}.moved`, artifacts);
    }
  });
});
