import { spawn } from "node:child_process";
import { expect } from "chai";
import { DEMO_SCENE_NAMES } from "../../demo/scenes.ts";
import type { DemoReport } from "../../demo/story.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import { type CliRun, collect, runCli, startTestDevnet, waitUntil, XROLLUP_BIN } from "../support/fixtures.ts";

/** Words of the trade that `--plain` replaces with "order number", "round" and "all-or-nothing". */
const JARGON = /globalSeq|slot|revert protection/i;

describe("xrollup demo, for a room", () => {
  describe("--step", () => {
    it("waits for Enter before each scene, and runs the rest when the input ends", async () => {
      const child = spawn(process.execPath, [XROLLUP_BIN, "demo", "--step"], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
      const exited = collect(child, 120_000);
      const prompted = (scene: number) =>
        waitUntil(() => stdout.includes(`Press Enter for scene ${scene} of 4:`), { timeoutMs: 60_000, intervalMs: 20, what: `prompt ${scene}` });

      await prompted(1);
      expect(stdout).to.contain("xrollup demo: an atomic swap-and-deposit across two rollups");
      // Nothing runs while nobody presses Enter.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(stdout).not.to.contain("== Scene 1/4");

      child.stdin.write("\n");
      await prompted(2);
      expect(stdout).to.contain("== Scene 1/4: success");
      expect(stdout).not.to.contain("== Scene 2/4");
      expect(stdout).to.match(/Press Enter for scene 2 of 4: The vault on B is full/);

      child.stdin.end();
      const run = await exited;
      expect(run.code, run.stderr).to.equal(0);
      const scenes = stdout.split(/^== Scene /m).slice(1).map((section) => section.split(" ")[1]);
      expect(scenes).to.deep.equal([...DEMO_SCENE_NAMES]);
      expect(stdout).to.contain("== Gas ");
    });
  });

  describe("--plain", () => {
    let run: CliRun;
    before(async () => {
      run = await runCli(["demo", "--plain"]);
    });

    it("narrates every scene as staged", () => {
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout.match(/^As expected/gm)).to.have.length(4);
    });

    it("uses none of the jargon", () => {
      expect(run.stdout.split("\n").filter((line) => JARGON.test(line))).to.deep.equal([]);
      expect(run.stdout).to.contain("order number");
      expect(run.stdout).to.contain("All-or-nothing");
    });

    it("gives amounts in token units, never in wei", () => {
      // Lines wrap at 100 columns.
      expect(run.stdout.replace(/\s+/g, " ")).to.contain("The vault on chain B is full: this deposit would bring it to 5,946.41 xUSD, but it only takes 5,000 xUSD.");
      expect(run.stdout).not.to.match(/\d{10,}/);
    });
  });

  describe("--scene and --rpc, against a devnet that is already running", () => {
    let devnet: Devnet;
    before(async () => {
      devnet = await startTestDevnet({ rollups: 2 });
    });
    after(() => devnet?.stop());

    it("loads the demo app and runs the one scene, and a second run works the same", async () => {
      for (const attempt of [1, 2]) {
        const run = await runCli(["demo", "--scene", "vault-cap-exceeded", "--rpc", devnet.l1.rpcUrl!]);
        expect(run.code, `run ${attempt}: ${run.stderr}`).to.equal(0);
        expect(run.stdout.split(/^== Scene /m).length, run.stdout).to.equal(2);
        expect(run.stdout).to.contain("== Scene 1/1: vault-cap-exceeded");
        // Lines wrap at 100 columns.
        expect(run.stdout.replace(/\s+/g, " ")).to.match(/DepositCapExceeded — the deposit would bring the vault to [\d,.]+ xUSD, over its cap of [\d,]+ xUSD/);
        expect(run.stdout).to.contain("As expected: dropped");
      }
    });

    it("--json gives the one scene's report", async () => {
      const run = await runCli(["demo", "--scene", "success", "--rpc", devnet.l1.rpcUrl!, "--json"]);
      expect(run.code, run.stderr).to.equal(0);
      const report = JSON.parse(run.stdout) as DemoReport;
      expect(report.scenes.map((scene) => [scene.name, scene.outcome.status])).to.deep.equal([["success", "included"]]);
      expect(report.rollups.a.chainId).to.equal(devnet.rollups[0]!.chainId);
    });

    it("refuses an unknown scene, listing the scenes", async () => {
      const run = await runCli(["demo", "--scene", "no-such-scene", "--rpc", devnet.l1.rpcUrl!]);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain(DEMO_SCENE_NAMES.join(", "));
    });

    it("says what to give --rpc when nothing answers there", async () => {
      const run = await runCli(["demo", "--rpc", "http://127.0.0.1:9"]);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain("Cannot run the demo against http://127.0.0.1:9");
    });
  });
});
