import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  formatTable,
  formatTokens,
  type PolicyResult,
  renderHtml,
  ReportDataError,
  type ScenarioResult,
  shortTokens,
  writeHtmlReport,
} from "../../sim/report/index.ts";
import { niceScale } from "../../sim/report/svg.ts";

const TOKEN = 10n ** 18n;
const CHROMIUM = "/usr/bin/chromium";

const policy = (name: string, values: Partial<PolicyResult>): PolicyResult => ({
  configuration: "default",
  policy: name,
  searcherProfit: "0.000000000000000000",
  searcherInventory: { amount: "0.000000000000000000", valueAtFinalPrice: "0.000000000000000000" },
  searcherGasCost: "0.000000000000000000",
  searcherAuctionPayments: "0.000000000000000000",
  searchers: [],
  victimLoss: "0.000000000000000000",
  victimsDropped: { count: 0, wouldHaveReceived: "0.000000000000000000" },
  sequencerRevenue: { fees: "0.000000000000000000", tips: "0.000000000000000000", auctions: "0.000000000000000000", total: "0.000000000000000000" },
  userRefunds: "0.000000000000000000",
  lpFees: { inToken: "0.000000000000000000", outToken: "0.000000000000000000" },
  sandwichesAttempted: 0,
  sandwichesSucceeded: 0,
  arbitrages: { attempted: 0, completed: 0, partial: 0 },
  dropped: 0,
  droppedByReason: {},
  latencyMs: { p50: 0, p99: 0 },
  transactions: 0,
  censored: { transactions: 0, notIncluded: 0, timeToInclusionMs: { p50: null, p99: null, max: null } },
  forcedInclusions: 0,
  slotsWithoutBatch: 0,
  failovers: 0,
  equivocationsProved: 0,
  ledger: [],
  trace: { slots: [], transactions: [], arbitrages: [], auctions: [] },
  timing: { wallMs: 0, slotProcessingMs: { p50: 0, p99: 0 } },
  ...values,
});

// A run where sandwiches pay under fcfs and priority-fee, lose money under
// encrypted, and half work under fair-random.
const result: ScenarioResult = {
  name: "one-sandwich",
  seed: 7,
  rollups: 2,
  slots: 1,
  configurations: [{ name: "default", sequencers: 1, faults: 0, viewTimeoutMs: 2000 }],
  scenario: {},
  generatedAt: "2025-01-01T00:00:00.000Z",
  policies: [
    policy("fcfs", {
      searcherProfit: "12.510300000000000000",
      searcherGasCost: "0.000420000000000000",
      victimLoss: "24.998000000000000000",
      sandwichesAttempted: 1,
      sandwichesSucceeded: 1,
      latencyMs: { p50: 512, p99: 990 },
      transactions: 5,
    }),
    policy("priority-fee", {
      searcherProfit: "11.900000000000000000",
      searcherGasCost: "0.001300000000000000",
      victimLoss: "24.998000000000000000",
      sandwichesAttempted: 1,
      sandwichesSucceeded: 1,
      latencyMs: { p50: 505, p99: 987.5 },
      transactions: 5,
    }),
    policy("encrypted", {
      searcherProfit: "-0.060000000000000000",
      searcherGasCost: "0.000420000000000000",
      sandwichesAttempted: 1,
      latencyMs: { p50: 1480, p99: 1990 },
      transactions: 5,
    }),
    policy("fair-random", {
      searcherProfit: "3.120000000000000000",
      searcherGasCost: "0.000420000000000000",
      victimLoss: "6.250000000000000000",
      sandwichesAttempted: 2,
      sandwichesSucceeded: 1,
      dropped: 1,
      latencyMs: { p50: 530, p99: 1010 },
      transactions: 4,
    }),
  ],
};

const allZero: ScenarioResult = { ...result, name: "baseline", policies: result.policies.map((p) => policy(p.policy, {})) };

// A censored transaction: never included by a lone censoring sequencer, included after one failover by a committee.
const censorship: ScenarioResult = {
  ...result,
  name: "censorship",
  slots: 3,
  configurations: [
    { name: "lone-censor", sequencers: 1, faults: 1, viewTimeoutMs: 500 },
    { name: "committee", sequencers: 4, faults: 1, viewTimeoutMs: 500 },
  ],
  policies: [
    policy("fcfs", {
      configuration: "lone-censor",
      transactions: 2,
      censored: { transactions: 1, notIncluded: 1, timeToInclusionMs: { p50: null, p99: null, max: null } },
      slotsWithoutBatch: 2,
    }),
    policy("fcfs", {
      configuration: "committee",
      transactions: 3,
      censored: { transactions: 1, notIncluded: 0, timeToInclusionMs: { p50: 1500, p99: 1500, max: 1500 } },
      slotsWithoutBatch: 2,
      failovers: 1,
    }),
  ],
};

const METRIC_LABELS = [
  "Searcher profit, realised (tokens)",
  "Searcher inventory at final price (tokens)",
  "Searcher gas cost (ETH)",
  "Victim loss (tokens)",
  "Victims dropped by an attack",
  "Sequencer revenue (ETH)",
  "LP fees, in-token (tokens)",
  "Arbitrages completed",
  "Sandwiches attempted",
  "Sandwiches succeeded",
  "Dropped transactions",
  "Latency p50 (ms)",
  "Latency p99 (ms)",
  "Transactions",
];

const CHARTS: { id: string; metrics: string[] }[] = [
  { id: "chart-profit", metrics: ["searcherProfit", "victimLoss"] },
  { id: "chart-sandwiches", metrics: ["sandwichesAttempted", "sandwichesSucceeded"] },
  { id: "chart-latency", metrics: ["latencyP50", "latencyP99"] },
];

describe("report formatting", () => {
  const tokenCases: [wei: bigint, text: string][] = [
    [0n, "0.000000000000000000"],
    [1n, "0.000000000000000001"],
    [TOKEN, "1.000000000000000000"],
    [12n * TOKEN + TOKEN / 2n, "12.500000000000000000"],
    [-1n, "-0.000000000000000001"],
    [-(12n * TOKEN + TOKEN / 2n), "-12.500000000000000000"],
    [123_456_789n * TOKEN + 987_654_321n, "123456789.000000000987654321"],
    [(1n << 112n) - 1n, "5192296858534827.628530496329220095"],
  ];
  for (const [wei, text] of tokenCases) {
    it(`formatTokens(${wei}n) is "${text}"`, () => {
      expect(formatTokens(wei)).to.equal(text);
    });
  }

  const shortCases: [wei: bigint, text: string][] = [
    [0n, "0"],
    [12n * TOKEN + TOKEN / 2n, "12.5"],
    [12_345_678_900_000_000_000n, "12.3457"],
    [1_234_567_891_000_000_000_000_000n, "1234568"],
    [(2n * TOKEN) / 3n, "0.666667"],
    [420_000_000_000_000n, "0.00042"],
    [-60_000_000_000_000_000n, "-0.06"],
    [999_999_500_000_000_000n, "1"],
    [314_159_265_359n, "3.142e-7"],
    [1n, "1e-18"],
  ];
  for (const [wei, text] of shortCases) {
    it(`shortTokens(${wei}n) is "${text}"`, () => {
      expect(shortTokens(wei)).to.equal(text);
    });
  }

  it("scales axes to round ticks that include zero, negatives and all-zero data", () => {
    expect(niceScale([-3, 12])).to.deep.equal({ min: -5, max: 15, step: 5, ticks: [-5, 0, 5, 10, 15] });
    expect(niceScale([0, 0])).to.include({ min: 0, step: 0.2 });
    expect(niceScale([1], { integer: true }).ticks).to.deep.equal([0, 1]);
    const smallLoss = niceScale([24.998, -0.06]);
    expect(smallLoss.min).to.be.below(-0.06).and.above(-5);
  });

  it("lays the table out with every policy and metric, within 100 columns", () => {
    const table = formatTable(result);
    for (const name of ["fcfs", "priority-fee", "encrypted", "fair-random"]) expect(table).to.include(name);
    const lines = table.split("\n");
    for (const label of METRIC_LABELS) expect(lines.some((line) => line.startsWith(label)), label).to.equal(true);
    for (const line of lines) expect(line.length, line).to.be.at.most(100);
    expect(lines.find((line) => line.startsWith("Searcher profit"))?.split(/\s{2,}/).slice(1)).to.deep.equal(["12.5103", "11.9", "-0.06", "3.12"]);
    expect(lines.find((line) => line.startsWith("Latency p99"))?.split(/\s{2,}/).slice(1)).to.deep.equal(["990", "987.5", "1990", "1010"]);
  });

  it("right-aligns each policy's column under its name", () => {
    const lines = formatTable(result).split("\n");
    const header = lines.find((line) => line.includes("fair-random")) ?? "";
    const row = lines.find((line) => line.startsWith("Transactions")) ?? "";
    expect(row.length).to.equal(header.length);
    expect(header.indexOf("priority-fee") + "priority-fee".length).to.equal(row.indexOf("5", header.indexOf("fcfs") + 5) + 1);
  });

  it("leaves the censorship table out of a run without a committee or faults", () => {
    expect(formatTable(result)).to.not.include("Censorship");
    expect(renderHtml(result)).to.not.include('id="censorship"');
  });

  it("heads each column with its configuration and policy when a run compares configurations", () => {
    const lines = formatTable(censorship).split("\n");
    expect(lines[0]).to.equal("censorship — seed 7 · 2 rollups · 3 slots · 2 configurations · 1 policy");
    const configurations = lines.findIndex((line) => line.trim().startsWith("lone-censor"));
    expect(lines[configurations]?.trim().split(/\s{2,}/)).to.deep.equal(["lone-censor", "committee"]);
    expect(lines[configurations + 1]?.trim().split(/\s{2,}/)).to.deep.equal(["fcfs", "fcfs"]);
    expect(lines.find((line) => line.startsWith("Transactions"))?.split(/\s{2,}/).slice(1)).to.deep.equal(["2", "3"]);
  });

  it("adds one censorship row per configuration and policy, a transaction never included shown as never", () => {
    const lines = formatTable(censorship).split("\n");
    const row = (configuration: string) => lines.find((line) => line.startsWith(`${configuration}  `))?.split(/\s{2,}/);
    expect(row("lone-censor")).to.deep.equal(["lone-censor", "fcfs", "1", "1", "0", "never", "never", "never", "2", "0", "0"]);
    expect(row("committee")).to.deep.equal(["committee", "fcfs", "1", "0", "0", "1500", "1500", "1500", "2", "1", "0"]);
    const header = lines.find((line) => line.startsWith("Configuration")) ?? "";
    expect(header.split(/\s{2,}/)).to.deep.equal(["Configuration", "Policy", "txs", "included", "on L1", "p50 (ms)", "p99 (ms)", "max (ms)", "w/o batch", "Failovers", "proved"]);
    expect(lines.find((line) => line.startsWith("committee  "))?.length).to.equal(header.length);
  });

  it("shows - for times when no transaction was censored", () => {
    const quiet = { ...censorship, policies: [policy("fcfs", { configuration: "lone-censor" }), policy("fcfs", { configuration: "committee" })] };
    const lines = formatTable(quiet).split("\n");
    expect(lines.find((line) => line.startsWith("committee  "))?.split(/\s{2,}/).slice(5, 8)).to.deep.equal(["-", "-", "-"]);
  });

  it("puts the censorship table on the page, one row per configuration and policy", () => {
    const html = renderHtml(censorship);
    const table = /<table id="censorship">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
    expect(table).to.include('<th scope="col">Inclusion max (ms)</th>').and.include('<th scope="col">Failovers</th>');
    expect(table.match(/<tr>/g)).to.have.length(3);
    expect(table).to.include('<th scope="row">lone-censor</th><th scope="row">fcfs</th><td title="1">1</td><td title="1">1</td>');
    expect(table).to.include('<td title="null">never</td>');
    expect(html).to.include('data-policy="committee · fcfs" data-metric="latencyP50"');
    expect(html).to.include("<th scope=\"col\">lone-censor<br>fcfs</th>");
  });

  it("rejects a result whose amounts are not decimals", () => {
    const broken = { ...result, policies: [policy("fcfs", { searcherProfit: "12,5" })] };
    expect(() => formatTable(broken)).to.throw(ReportDataError);
    expect(() => renderHtml(broken)).to.throw(ReportDataError);
  });

  it("renders a self-contained page: no network references, no external scripts", () => {
    for (const run of [result, allZero]) {
      const html = renderHtml(run);
      expect(html).to.not.match(/https?:\/\//);
      expect(html).to.not.match(/<script/i);
      expect(html).to.not.match(/<link/i);
      expect(html).to.not.match(/@import|url\(/);
    }
  });

  it("gives every chart an id and every bar its policy, metric and exact value", () => {
    const html = renderHtml(result);
    for (const { id, metrics } of CHARTS) {
      expect(html).to.include(`<svg id="${id}"`);
      for (const p of result.policies) {
        for (const metric of metrics) expect(html).to.match(new RegExp(`<rect class="bar" data-policy="${p.policy}" data-metric="${metric}" data-value="[^"]+"`));
      }
    }
    expect(html).to.include('data-policy="encrypted" data-metric="searcherProfit" data-value="-0.060000000000000000"');
    expect(html).to.include('data-policy="priority-fee" data-metric="latencyP99" data-value="987.5"');
  });

  it("escapes names from the scenario", () => {
    const html = renderHtml({ ...result, name: "<script>alert(1)</script> & co" });
    expect(html).to.include("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co");
    expect(html).to.not.include("<script>");
  });

  it("writes the page to a file, creating its directory", async () => {
    const directory = await mkdtemp(join(tmpdir(), "xrollup-report-"));
    try {
      const file = join(directory, "nested", "report.html");
      await writeHtmlReport(file, result);
      expect(await readFile(file, "utf8")).to.equal(renderHtml(result));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe("report in a browser", () => {
  let browser: Browser;
  let page: Page;

  before(async () => {
    // Never skip: a report nobody has seen render is not tested.
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: the report's browser test needs Debian's chromium (sudo apt-get install chromium); CI installs it.`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  });

  after(async () => {
    await browser?.close();
  });

  for (const [name, run] of [
    ["a run with gains, a loss and zeros", result],
    ["an all-zero run", allZero],
    ["a run comparing configurations", censorship],
  ] as const) {
    it(`draws every chart with one bar per policy per metric for ${name}`, async () => {
      // Any request at all would mean the page is not self-contained.
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      await page.setContent(renderHtml(run));
      page.removeAllListeners("request");
      expect(requests).to.deep.equal([]);

      for (const { id, metrics } of CHARTS) {
        const box = await page.locator(`#${id}`).boundingBox();
        expect(box, id).to.not.equal(null);
        expect(box?.width, `${id} width`).to.be.greaterThan(300);
        expect(box?.height, `${id} height`).to.be.greaterThan(100);

        const bars = await page.locator(`#${id} rect[data-metric]`).evaluateAll((rects) =>
          rects.map((rect) => {
            const { width, height } = rect.getBoundingClientRect();
            return { policy: rect.getAttribute("data-policy"), metric: rect.getAttribute("data-metric"), value: rect.getAttribute("data-value"), width, height };
          }),
        );
        expect(bars.length, `${id} bars`).to.equal(run.policies.length * metrics.length);
        for (const p of run.policies) {
          const category = run.configurations.length > 1 ? `${p.configuration} · ${p.policy}` : p.policy;
          for (const metric of metrics) {
            const bar = bars.filter((b) => b.policy === category && b.metric === metric);
            expect(bar, `${id} ${p.policy} ${metric}`).to.have.length(1);
            const { value, width, height } = bar[0] as (typeof bars)[number];
            expect(width, `${id} ${p.policy} ${metric} width`).to.be.greaterThan(0);
            if (Number(value) !== 0) expect(height, `${id} ${p.policy} ${metric} height`).to.be.greaterThan(0);
            else expect(height, `${id} ${p.policy} ${metric} height`).to.equal(0);
          }
        }
      }
    });
  }

  it("draws a loss below the zero line and gains above it", async () => {
    await page.setContent(renderHtml(result));
    const zeroY = await page.locator("#chart-profit line.zero").evaluate((line) => line.getBoundingClientRect().y);
    const box = (selector: string) => page.locator(`#chart-profit rect[data-metric="searcherProfit"][data-policy="${selector}"]`).boundingBox();
    const loss = await box("encrypted");
    const gain = await box("fcfs");
    expect(loss?.y).to.be.closeTo(zeroY, 1);
    expect(gain === null ? NaN : gain.y + gain.height).to.be.closeTo(zeroY, 1);
    // The bigger gain gets the taller bar.
    const smaller = await box("fair-random");
    expect(gain?.height).to.be.greaterThan(smaller?.height ?? Infinity);
  });
});
