import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { type Browser, chromium, type Page } from "playwright-core";
import type { Hex } from "viem";
import type { DevnetUserConfig } from "../../devnet/config.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import { rpcResult, startTestDevnet } from "../support/fixtures.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts", "ui");
/** The bound: a transaction shows on the page this soon after it is sent. */
const APPEARS_WITHIN_MS = 2_000;
/** A scene sends one transaction and waits for its outcome; deploying the demo app first takes longer. */
const CONTROL_TIMEOUT_MS = 60_000;

/** A page of the classroom view, with every console error and uncaught exception it had. */
interface Classroom {
  page: Page;
  errors: string[];
}

async function openClassroom(browser: Browser, devnet: Devnet): Promise<Classroom> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${devnet.l1.rpcUrl}/ui/`);
  await page.locator("#connection[data-state=live]").waitFor();
  return { page, errors };
}

async function screenshot(page: Page, state: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${state}.png`), fullPage: true });
}

function rpcUrlOf(chain: { rpcUrl: string | undefined; name: string }): string {
  if (chain.rpcUrl === undefined) throw new Error(`${chain.name} serves no RPC`);
  return chain.rpcUrl;
}

/** The chip of a transaction in one chain's lane. */
function chipOf(page: Page, hash: string, chainId: number) {
  return page.locator(`.chip[data-hash="${hash}"][data-chain="${chainId}"]`);
}

describe("the classroom view in a browser (/ui/)", function () {
  let browser: Browser;

  before(async function () {
    // Never skip: a page nobody has seen render is not tested.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the classroom view's browser test needs Debian's chromium (sudo apt-get install chromium); CI installs it.`);
    // Build the page from the sources under test (npm test does too; a single-file run may not have).
    await promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, "ui", "build.mjs")]);
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  });

  after(async () => {
    await browser?.close();
  });

  /** A devnet and an open page for the enclosing describe(): started before it, stopped after it; no test may leave a console error. */
  function classroomSuite(config: DevnetUserConfig): () => { devnet: Devnet; classroom: Classroom } {
    let devnet: Devnet;
    let classroom: Classroom;
    before(async () => {
      devnet = await startTestDevnet(config);
      classroom = await openClassroom(browser, devnet);
    });
    after(async () => {
      await classroom?.page.close();
      await devnet?.stop();
    });
    afterEach(() => {
      expect(classroom.errors, "console errors on the page").to.deep.equal([]);
    });
    return () => ({ devnet, classroom });
  }

  describe("in instant mode", () => {
    const suite = classroomSuite({ rollups: 2 });
    let devnet: Devnet;
    let classroom: Classroom;
    beforeEach(() => ({ devnet, classroom } = suite()));

    it("loads with a lane per chain, the sequencer panel, and pause and step off with the reason", async () => {
      const { page } = classroom;
      const lanes = await page.locator(".lane-label strong").allTextContents();
      expect(lanes).to.deep.equal([devnet.l1.name, ...devnet.rollups.map((rollup) => rollup.name)]);
      expect(await page.locator("#sequencer").textContent()).to.match(/instant mode/);
      expect(await page.locator("#step").isDisabled()).to.equal(true);
      expect(await page.locator("#slot-hint").textContent()).to.match(/need slot mode/);
      await screenshot(page, "loaded");
    });

    it("shows a transfer sent over JSON-RPC within 2 s, with its global sequence number and sender", async () => {
      const { page } = classroom;
      const [rollup] = devnet.rollups;
      if (rollup === undefined) throw new Error("no rollup");
      const url = rpcUrlOf(rollup);
      const from = devnet.accounts[1]?.address;
      const sent = rpcResult<Hex>(url, "eth_sendTransaction", [{ from, to: devnet.accounts[2]?.address, value: "0x1" }]);
      const appeared = sent.then((hash) => chipOf(page, hash, rollup.chainId).waitFor({ timeout: APPEARS_WITHIN_MS }));
      const hash = await sent;
      await appeared;
      const status = await rpcResult<{ globalSeq: number; status: string }>(url, "xr_getTransactionStatus", [hash]);
      const chip = chipOf(page, hash, rollup.chainId);
      await chip.locator(".seq", { hasText: `#${status.globalSeq}` }).waitFor({ timeout: APPEARS_WITHIN_MS });
      expect(await chip.getAttribute("data-status")).to.equal("included");
      expect(await chip.textContent()).to.include("acct 1").and.include("included");
      await screenshot(page, "transaction");
    });

    it("loads the demo app, and each scene button shows what it expects, then what happened", async () => {
      const { page } = classroom;
      await page.locator("#load-demo").click();
      await page.locator("#demo-answer", { hasText: "Demo app loaded" }).waitFor({ timeout: CONTROL_TIMEOUT_MS });
      const scenes = await page.locator("button[data-scene]").evaluateAll((buttons) => buttons.map((button) => button.getAttribute("data-scene") ?? ""));
      expect(scenes).to.deep.equal(["success", "vault-cap-exceeded", "slippage", "action-out-of-gas"]);
      for (const scene of scenes) {
        const item = page.locator(".scene", { has: page.locator(`button[data-scene="${scene}"]`) });
        expect(await item.locator(".expected").textContent()).to.match(/^Expected: \S/);
        await item.locator("button").click();
        const outcome = item.locator("[data-outcome]");
        await outcome.waitFor({ timeout: CONTROL_TIMEOUT_MS });
        const expected = scene === "success" ? "included" : "dropped";
        expect(await outcome.getAttribute("data-outcome"), scene).to.equal(expected);
        expect(await outcome.textContent(), scene).to.match(scene === "success" ? /^Included as #\d+ on chains/ : /^Dropped on chains \d+( and \d+)?: \S/);
        await screenshot(page, `scene-${scene}`);
      }
    });

    it("shows a failing trigger in red on both rollups, with its reason in token units", async () => {
      const { page } = classroom;
      const [a, b] = devnet.rollups;
      if (a === undefined || b === undefined) throw new Error("two rollups needed");
      const item = page.locator(".scene", { has: page.locator('button[data-scene="vault-cap-exceeded"]') });
      await item.locator("button").click();
      // The outcome line is replaced while the scene runs: wait for this run's answer.
      await item.locator("[data-outcome]", { hasText: "Dropped" }).waitFor({ timeout: CONTROL_TIMEOUT_MS });
      const hash = await item.locator("[data-outcome]").getAttribute("data-transaction");
      if (hash === null) throw new Error("the scene's outcome names no transaction");
      const reasons: string[] = [];
      for (const rollup of [a, b]) {
        // A dropped transaction never ran, so the scene's next run sends it again byte for byte: the newest chip is this run's.
        const chip = page.locator(`.chip.dropped[data-hash="${hash}"][data-chain="${rollup.chainId}"]`).last();
        await chip.waitFor({ timeout: APPEARS_WITHIN_MS });
        expect(await chip.locator(".status").textContent()).to.equal("dropped");
        reasons.push((await chip.locator(".reason").textContent()) ?? "");
      }
      expect(reasons[0]).to.match(/xUSD/);
      expect(reasons[1]).to.equal(reasons[0]);
      await chipOf(page, hash, b.chainId).last().press("Enter");
      expect(await page.locator("#details-reason").textContent()).to.equal(reasons[0]);
      await screenshot(page, "failing-trigger");
    });
  });

  describe("in slot mode", () => {
    const suite = classroomSuite({ rollups: 2, slotMs: 500 });
    let devnet: Devnet;
    let classroom: Classroom;
    beforeEach(() => ({ devnet, classroom } = suite()));

    it("pauses, then steps exactly one slot at a time", async () => {
      const { page } = classroom;
      const newestSlot = async () => Math.max(0, ...(await page.locator(".slot-header[data-slot]").evaluateAll((headers) => headers.map((header) => Number(header.getAttribute("data-slot"))))));
      await page.locator("#pause").click();
      await page.locator("#slot-answer", { hasText: "Paused" }).waitFor();
      await page.locator("#status-state", { hasText: "paused" }).waitFor();
      const paused = await rpcResult<{ slot: number }>(rpcUrlOf(devnet.l1), "xr_getSequencerStatus");
      if (paused.slot > 0) await page.locator(`.slot-header[data-slot="${paused.slot}"]`).waitFor({ timeout: APPEARS_WITHIN_MS });
      expect(await newestSlot()).to.equal(paused.slot);
      await screenshot(page, "paused");

      await page.locator("#step").click();
      await page.locator("#slot-answer", { hasText: `Produced slot ${paused.slot + 1}.` }).waitFor({ timeout: CONTROL_TIMEOUT_MS });
      await page.locator(`.slot-header[data-slot="${paused.slot + 1}"]`).waitFor({ timeout: APPEARS_WITHIN_MS });
      // Four slot lengths later, still exactly one more slot: the timer stays paused.
      await page.waitForTimeout(4 * 500);
      expect(await newestSlot()).to.equal(paused.slot + 1);
      await screenshot(page, "stepped");

      await page.locator("#resume").click();
      await page.locator(`.slot-header[data-slot="${paused.slot + 2}"]`).waitFor({ timeout: CONTROL_TIMEOUT_MS });
    });
  });
});
