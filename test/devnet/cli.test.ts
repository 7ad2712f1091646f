import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { getAddress, type Hex, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Manifest } from "../../devnet/manifest.ts";
import { sequencerAccounts } from "../../rollups/accounts.ts";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import { type CliRun, collect, labelAddress, rpcResult, runCli, signTransaction, startCliDevnet, XROLLUP_BIN } from "../support/fixtures.ts";

const RECIPIENT = labelAddress("cli recipient");

/** Stderr of a refused start: the error on one line (plus commander's usage hint), never a stack trace. */
function expectOneLineError(run: CliRun): string {
  expect(run.code).to.not.equal(0);
  expect(run.code).to.not.equal(null);
  expect(run.stderr).to.not.match(/^\s+at /m);
  const lines = run.stderr.trim().split("\n");
  expect(lines.slice(1)).to.satisfy((rest: string[]) => rest.every((line) => line === "(run with --help for usage)"));
  return lines[0]!;
}

/** The system's Node when it is older than xrollup needs (this machine's is 20), else undefined. */
function olderSystemNode(): string | undefined {
  const candidate = "/usr/bin/node";
  if (!existsSync(candidate)) return undefined;
  const [major = 0, minor = 0] = execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim().slice(1).split(".").map(Number);
  return major < 22 || (major === 22 && minor < 13) ? candidate : undefined;
}

describe("xrollup CLI", function () {
  describe("entry point", function () {
    it("`xrollup --help` lists every command and exits 0", async function () {
      const run = await runCli(["--help"]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.equal("");
      expect(run.stdout).to.match(/^Usage: xrollup /);
      for (const command of ["devnet", "verify", "scenario", "demo"]) expect(run.stdout).to.match(new RegExp(`^  ${command} `, "m"));
    });

    it("`xrollup scenario run --help` shows the subcommand's own usage", async function () {
      const run = await runCli(["scenario", "run", "--help"]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^Usage: xrollup scenario run \[options\] <file>/);
    });

    it("`xrollup verify` against an L1 that does not answer says so on one line and exits 1", async function () {
      const run = await runCli(["verify", "--l1", "http://127.0.0.1:1"]);
      expect(expectOneLineError(run)).to.match(/^xrollup: Cannot read the inbox at 0x[0-9a-fA-F]{40}: L1 did not answer as a SharedInbox does \(HTTP request failed\)\.$/);
      expect(run.code).to.equal(1);
    });

    it("under a Node older than 22.13, says which Node it needs on one line and exits 1", async function () {
      const node = olderSystemNode();
      if (node === undefined) this.skip();
      const child = spawn(node, [XROLLUP_BIN, "--help"], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
      const run = await collect(child, 30_000);
      expect(run.code).to.equal(1);
      expect(run.stdout).to.equal("");
      expect(run.stderr).to.not.match(/^\s+at /m);
      const lines = run.stderr.trim().split("\n");
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^xrollup: Node >= 22\.13 is needed, this is Node \d+\.\d+\.\d+; /);
      expect(lines[0]).to.include("npx xrollup");
    });
  });

  describe("`xrollup devnet --sequencers 4 --batch-ms 100 --port 0 --manifest FILE`", function () {
    it("lists the committee in the manifest and names each batch's view, leader and signers in its batch log", async function () {
      const directory = await mkdtemp(path.join(tmpdir(), "xrollup-cli-committee-"));
      const manifestFile = path.join(directory, "devnet.json");
      const { child, exited, manifest } = await startCliDevnet(["--sequencers", "4", "--batch-ms", "100"], manifestFile);
      try {
        expect(manifest.sequencers).to.deep.equal(sequencerAccounts(4).map((key) => key.address));
        const rollup = manifest.rollups[0]!;
        const raw = await signTransaction(manifest.accounts[1]!.privateKey, { chainId: rollup.chainId, nonce: 0, to: RECIPIENT, value: 1n });
        await rpcResult<Hex>(rollup.rpcUrl!, "eth_sendRawTransaction", [raw]);
        const status = await rpcResult<{ leader: string; quorum: number; members: unknown[] }>(manifest.l1.rpcUrl!, "xr_getSequencerStatus");
        expect(status).to.deep.include({ quorum: 3 });
        expect(status.members).to.have.length(4);
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        child.kill("SIGINT");
        await rm(directory, { recursive: true, force: true });
      }
      const run = await exited;
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^batch 1: slots 1-1, 1 tx, \d+ bytes, view \d+, leader 0x[0-9a-fA-F]{40}, signed by [34] \(0x[0-9a-fA-F]{40}( 0x[0-9a-fA-F]{40}){2,3}\), L1 tx 0x[0-9a-f]{64}$/m);
    });
  });

  describe("`xrollup devnet --rollups 2 --port 0 --manifest FILE`", function () {
    let directory: string;
    let manifestFile: string;
    let child: ChildProcess;
    let exited: Promise<CliRun>;
    let manifest: Manifest;

    before(async function () {
      directory = await mkdtemp(path.join(tmpdir(), "xrollup-cli-"));
      manifestFile = path.join(directory, "devnet.json");
      ({ child, exited, manifest } = await startCliDevnet(["--rollups", "2"], manifestFile));
    });

    after(async function () {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await rm(directory, { recursive: true, force: true });
    });

    it("writes a manifest of L1, its inbox, both rollups and the 20 development accounts", function () {
      expect(manifest.l1.chainId).to.equal(900);
      expect(manifest.l1.rpcUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(isAddress(manifest.l1.contracts.SharedInbox!, { strict: false })).to.equal(true);
      expect(manifest.rollups.map((rollup) => rollup.chainId)).to.deep.equal([901, 902]);
      const urls = [manifest.l1.rpcUrl, ...manifest.rollups.map((rollup) => rollup.rpcUrl)];
      for (const url of urls) expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(new Set(urls).size).to.equal(3);
      expect(manifest.accounts).to.have.length(20);
      for (const { address, privateKey } of manifest.accounts) {
        expect(privateKeyToAccount(privateKey).address).to.equal(getAddress(address));
      }
    });

    it("serves every chain it lists: a transfer sent to a rollup URL is included", async function () {
      const rollup = manifest.rollups[0]!;
      const { privateKey, address } = manifest.accounts[1]!;
      expect(await rpcResult(rollup.rpcUrl!, "eth_chainId")).to.equal(`0x${rollup.chainId.toString(16)}`);
      const raw = await signTransaction(privateKey, { chainId: rollup.chainId, nonce: 0, to: RECIPIENT, value: 1_000n });
      const hash = await rpcResult<Hex>(rollup.rpcUrl!, "eth_sendRawTransaction", [raw]);
      expect(await rpcResult(rollup.rpcUrl!, "xr_getTransactionStatus", [hash])).to.deep.include({ status: "included", globalSeq: 0 });
      expect(await rpcResult(rollup.rpcUrl!, "eth_getTransactionCount", [address, "latest"])).to.equal("0x1");
      expect(await rpcResult(rollup.rpcUrl!, "eth_getBalance", [RECIPIENT, "latest"])).to.equal("0x3e8");
      expect(await rpcResult(manifest.l1.rpcUrl!, "eth_chainId")).to.equal("0x384");
    });

    it("stops cleanly on SIGINT: exit code 0 within seconds, and its ports are closed", async function () {
      const started = Date.now();
      child.kill("SIGINT");
      const run = await exited;
      expect(run.code, run.stderr).to.equal(0);
      expect(Date.now() - started).to.be.below(10_000);
      expect(run.stderr).to.equal("");
      for (const url of [manifest.l1.rpcUrl!, ...manifest.rollups.map((rollup) => rollup.rpcUrl!)]) {
        const refused = await fetch(url).then(() => false, () => true);
        expect(refused, `${url} still answers`).to.equal(true);
      }
    });
  });

  describe("refusing to start", function () {
    const badFlags: { story: string; args: string[]; names: string }[] = [
      { story: "--rollups x", args: ["--rollups", "x"], names: "--rollups" },
      { story: "an unknown flag", args: ["--no-such-flag"], names: "--no-such-flag" },
      { story: "--rollups 0", args: ["--rollups", "0"], names: "rollups" },
    ];
    for (const { story, args, names } of badFlags) {
      it(`exits non-zero on ${story} with a one-line error naming it`, async function () {
        const run = await runCli(["devnet", "--port", "0", ...args]);
        expect(expectOneLineError(run)).to.include(names);
        expect(run.stdout).to.equal("");
      });
    }

    describe("on a port in use", function () {
      let server: Server;
      let port: number;

      before(async function () {
        server = createServer();
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as { port: number }).port;
      });

      after(async function () {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });

      it("exits non-zero with a one-line message naming the port", async function () {
        const run = await runCli(["devnet", "--rollups", "1", "--port", String(port)]);
        expect(expectOneLineError(run)).to.include(String(port));
        expect(run.stdout).to.equal("");
      });
    });
  });
});
