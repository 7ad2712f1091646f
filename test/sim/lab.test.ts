import path from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import { expectedArbitrageProfit } from "../../sim/arbitrage.ts";
import { clearBatch } from "../../sim/batch-auction.ts";
import type { PolicyResult, ScenarioResult, TraceTransaction } from "../../sim/report/types.ts";
import { runScenario } from "../../sim/scenario/run.ts";
import { parseScenario } from "../../sim/scenario/schema.ts";

const TOKEN = 10n ** 18n;

/** A decimal string of the result (18 decimals) back in wei, written out again so the test does not trust the lab's parser. */
function wei(text: string | undefined): bigint {
  if (text === undefined) return 0n;
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = (negative ? text.slice(1) : text).split(".");
  const value = BigInt(whole!) * TOKEN + BigInt(fraction.padEnd(18, "0"));
  return negative ? -value : value;
}

/** The result as JSON without its wall-clock fields, the only ones allowed to differ between runs. */
function reproducible(result: ScenarioResult): string {
  return JSON.stringify({ ...result, generatedAt: undefined, policies: result.policies.map((policy) => ({ ...policy, timing: undefined })) });
}

function run(json: Record<string, unknown>): Promise<ScenarioResult> {
  return runScenario(parseScenario(json));
}

const pools = [
  { rollup: 0, reserveIn: "1000000", reserveOut: "1000000" },
  { rollup: 1, reserveIn: "1000000", reserveOut: "1000000" },
];

/** A small busy market: deposits across rollups, random users, two sandwichers, three policies. */
const BUSY = {
  name: "lab-busy",
  seed: 3,
  rollups: 3,
  slots: 3,
  pools,
  victims: [{ amountIn: "20000", slippageBps: 200, depositOn: 2, slot: 1 }],
  users: { count: 6, arrivalPerSlot: 3, tradeSize: { distribution: "lognormal", median: "2000", sigma: 0.8 }, slippageBps: 100 },
  searchers: [{ strategy: "sandwich" }, { strategy: "sandwich", as: "sequencer" }],
  policies: ["fcfs", "encrypted", "fair-random"],
};

/** Every ledger entry balances: per token, the changes across all holders sum to minted less burnt. */
function expectBooksBalance(policy: PolicyResult): void {
  expect(policy.ledger.length).to.be.greaterThan(0);
  for (const entry of policy.ledger) {
    const sum = Object.values(entry.changes).reduce((total, change) => total + wei(change), 0n);
    expect(sum, `${policy.policy}: ${entry.token}`).to.equal(wei(entry.minted) - wei(entry.burnt));
  }
}

const searcherChange = (policy: PolicyResult, token: string) =>
  policy.ledger.filter((entry) => entry.token.startsWith(token)).reduce((sum, entry) => sum + Object.entries(entry.changes).filter(([holder]) => holder.startsWith("searcher")).reduce((total, [, change]) => total + wei(change), 0n), 0n);

describe("the research lab", function () {
  let busy: ScenarioResult;

  before(async () => {
    busy = await run(BUSY);
  });

  describe("traces and determinism", () => {
    it("gives byte-identical JSON for the same scenario and seed, apart from timing and generatedAt", async () => {
      const again = await run(BUSY);
      expect(reproducible(again)).to.equal(reproducible(busy));
    });

    it("embeds the scenario as it ran, in the JSON it writes", () => {
      expect((JSON.parse(JSON.stringify(busy)) as ScenarioResult).scenario).to.deep.equal(BUSY);
    });

    it("traces every transaction it sent; each dropped one says why, with a stable code", () => {
      for (const policy of busy.policies) {
        expect(policy.trace.transactions.length).to.be.greaterThan(0);
        for (const item of policy.trace.transactions) {
          expect(["victim", "user", "searcher", "sequencer"]).to.include(item.role);
          expect(item.outcome).to.not.equal("pending");
          if (item.outcome === "dropped") {
            expect(item.reasonCode, item.hash).to.be.a("string").and.not.equal("unknown");
            expect(item.reason, item.hash).to.be.a("string").and.not.equal("");
          }
        }
        const counted = Object.values(policy.droppedByReason).reduce((sum, count) => sum + count, 0);
        expect(counted).to.equal(policy.dropped);
      }
    });

    it("lists each slot's final order, in global sequence order", () => {
      for (const policy of busy.policies) {
        const seq = new Map(policy.trace.transactions.map((item) => [item.hash, item]));
        for (const slot of policy.trace.slots) {
          const ours = slot.order.map((hash) => seq.get(hash)).filter((item): item is TraceTransaction => item !== undefined);
          expect(ours.every((item) => item.includedSlot === slot.slot)).to.equal(true);
          const numbers = ours.map((item) => item.globalSeq!);
          expect(numbers).to.deep.equal([...numbers].sort((a, b) => a - b));
        }
      }
    });

    it("measures latency on the scenario clock: from arrival to the end of the including slot", () => {
      const fcfs = busy.policies.find((policy) => policy.policy === "fcfs")!;
      const latencies: number[] = [];
      for (const item of fcfs.trace.transactions) {
        if (item.outcome !== "included") continue;
        expect(item.inclusionMs).to.equal((item.includedSlot! + 1) * 1000);
        if (item.role === "victim" || item.role === "user") latencies.push(item.inclusionMs! - item.arrivalMs);
      }
      latencies.sort((a, b) => a - b);
      expect(fcfs.latencyMs.p50).to.equal(latencies[Math.floor(latencies.length / 2)]);
    });
  });

  describe("accounting", () => {
    it("balances every token across victims, users, searchers, pools, vaults and the sequencer", () => {
      for (const policy of busy.policies) expectBooksBalance(policy);
    });

    it("counts as searcher profit only in-tokens that came back; out-tokens held are inventory", () => {
      for (const policy of busy.policies) {
        expect(wei(policy.searcherProfit)).to.equal(searcherChange(policy, "IN"));
        expect(wei(policy.searcherInventory.amount)).to.equal(searcherChange(policy, "OUT"));
      }
    });

    it("credits the sequencer with the base fees burnt and the tips its block producer received", () => {
      for (const policy of busy.policies) {
        const eth = policy.ledger.filter((entry) => entry.token.startsWith("ETH"));
        const burnt = eth.reduce((sum, entry) => sum + wei(entry.burnt), 0n);
        const producer = eth.reduce((sum, entry) => sum + wei(entry.changes["block producer (coinbase)"]), 0n);
        expect(wei(policy.sequencerRevenue.fees)).to.equal(burnt);
        expect(wei(policy.sequencerRevenue.tips)).to.equal(producer);
        expect(wei(policy.sequencerRevenue.total)).to.equal(burnt + producer);
      }
    });

    it("charges the pools' liquidity providers 0.3% of every swap's input", () => {
      const fcfs = busy.policies.find((policy) => policy.policy === "fcfs")!;
      const swapped = fcfs.trace.transactions.filter((item) => item.outcome === "included" && item.tokenIn === "IN").reduce((sum, item) => sum + wei(item.amountIn), 0n);
      // Per swap the fee rounds down, so the total is at most one wei per swap below 0.3% of the total.
      const fee = (swapped * 30n) / 10_000n;
      expect(fee - wei(fcfs.lpFees.inToken) >= 0n && fee - wei(fcfs.lpFees.inToken) < 100n).to.equal(true);
    });
  });

  describe("auction policies, on hand-checked scenarios", () => {
    it("timeboost: the express lane's back-run follows the delayed victim; late arrivals wait for the next slot", async () => {
      const result = await run({
        name: "timeboost",
        seed: 1,
        rollups: 2,
        slots: 4,
        pools,
        users: { count: 4, arrivalPerSlot: 2, tradeSize: { distribution: "fixed", amount: "10000" }, slippageBps: 300, depositOn: "none" },
        searchers: [{ strategy: "backrun", pools: [0, 1] }],
        policies: [{ name: "timeboost", roundSlots: 1, delayMs: 200 }],
      });
      const [policy] = result.policies;
      expectBooksBalance(policy!);
      // The only bidder wins every round and pays the reserve (0): second price.
      expect(policy!.trace.auctions.length).to.be.greaterThan(0);
      for (const auction of policy!.trace.auctions) expect(auction.pays).to.equal("0.000000000000000000");
      for (const item of policy!.trace.transactions) {
        if (item.role !== "user" || item.outcome !== "included") continue;
        // Users are not express: they count as arriving 200 ms late, and a slot takes what arrived by its end.
        const slotEnd = (item.sentSlot + 1) * 1000;
        expect(item.includedSlot, item.hash).to.equal(item.arrivalMs + 200 <= slotEnd ? item.sentSlot : item.sentSlot + 1);
      }
      // Each back-run's legs come right after the user swap they follow.
      const users = new Set(policy!.trace.transactions.filter((item) => item.role === "user" && item.outcome === "included").map((item) => item.globalSeq));
      expect(policy!.trace.arbitrages.length).to.be.greaterThan(0);
      for (const plan of policy!.trace.arbitrages) {
        const legs = policy!.trace.transactions.filter((item) => item.arbitrage === plan.id && item.outcome === "included");
        if (legs.length === 0) continue;
        expect(users.has(Math.min(...legs.map((leg) => leg.globalSeq!)) - 1), `back-run ${plan.id}`).to.equal(true);
      }
    });

    it("sealed-bid: the arbitrage buys the top of the slot and pays its bid, first price", async () => {
      const result = await run({
        name: "sealed-bid",
        seed: 2,
        rollups: 2,
        slots: 2,
        pools: [pools[0], { rollup: 1, reserveIn: "1000000", reserveOut: "900000" }],
        victims: [{ amountIn: "1000", slippageBps: 500, pool: 0, slot: 0 }],
        searchers: [{ strategy: "arbitrage", atomic: true, pools: [0, 1], bidShareBps: 5000 }],
        policies: ["sealed-bid"],
      });
      const [policy] = result.policies;
      expectBooksBalance(policy!);
      const [plan] = policy!.trace.arbitrages;
      const profit = wei(plan!.amountOut) - wei(plan!.amountIn);
      const [auction] = policy!.trace.auctions;
      expect(auction!.kind).to.equal("top-of-slot");
      expect(wei(auction!.pays)).to.equal(profit / 2n);
      // Its two legs are the slot's first transactions.
      const slot0 = policy!.trace.slots[0]!.order;
      const legs = policy!.trace.transactions.filter((item) => item.arbitrage === plan!.id).map((item) => item.hash);
      expect(slot0.slice(0, 2)).to.have.members(legs);
      // Paid to the sequencer's block producer the next slot.
      expect(wei(policy!.sequencerRevenue.auctions)).to.equal(profit / 2n);
      expect(wei(policy!.searcherAuctionPayments)).to.equal(profit / 2n);
    });

    it("order-flow auction: back-run rights are sold and 90% of the price goes back to the user", async () => {
      const result = await run({
        name: "ofa",
        seed: 4,
        rollups: 2,
        slots: 2,
        pools,
        victims: [{ amountIn: "30000", slippageBps: 500, pool: 0, slot: 0 }],
        searchers: [{ strategy: "backrun", pools: [0, 1], bidShareBps: 8000 }],
        policies: [{ name: "order-flow-auction", refundBps: 9000 }],
      });
      const [policy] = result.policies;
      expectBooksBalance(policy!);
      const [auction] = policy!.trace.auctions;
      expect(auction!.kind).to.equal("backrun");
      const pays = wei(auction!.pays);
      expect(wei(auction!.refund)).to.equal((pays * 9000n) / 10_000n);
      expect(wei(policy!.userRefunds)).to.equal(wei(auction!.refund));
      expect(wei(policy!.sequencerRevenue.auctions)).to.equal(pays - wei(auction!.refund));
      // The back-run runs right after its target.
      const victim = policy!.trace.transactions.find((item) => item.role === "victim")!;
      const legs = policy!.trace.transactions.filter((item) => item.action === "backrun-leg");
      expect(legs.map((leg) => leg.globalSeq).sort()).to.deep.equal([victim.globalSeq! + 1, victim.globalSeq! + 2]);
    });

    it("batch-auction: a slot's orders on a pool clear at one price, exactly as the clearing rule computes it", async () => {
      const result = await run({
        name: "batch",
        seed: 5,
        rollups: 2,
        slots: 1,
        pool: pools[0],
        victims: [
          { amountIn: "10000", slippageBps: 100 },
          { amountIn: "3000", slippageBps: 100 },
          { amountIn: "500", slippageBps: 2 },
        ],
        searchers: [{ strategy: "sandwich" }],
        policies: ["batch-auction"],
      });
      const [policy] = result.policies;
      expectBooksBalance(policy!);
      expect(policy!.sandwichesAttempted).to.equal(0);
      const orders = policy!.trace.transactions.filter((item) => item.action === "order").sort((a, b) => a.globalSeq! - b.globalSeq!);
      expect(orders).to.have.length(3);
      // Each victim's minimum is its quote alone at the slot's start, less its slippage (Uniswap v2's formula, written out).
      const reserve = 1_000_000n * TOKEN;
      const minOut = (amountIn: bigint, slippageBps: bigint) => (((amountIn * 997n * reserve) / (reserve * 1000n + amountIn * 997n)) * (10_000n - slippageBps)) / 10_000n;
      const slippage = new Map([[10_000n * TOKEN, 100n], [3_000n * TOKEN, 100n], [500n * TOKEN, 2n]]);
      const clearing = clearBatch(
        orders.map((order) => ({ sellsToken0: true, amountIn: wei(order.amountIn), minOut: minOut(wei(order.amountIn), slippage.get(wei(order.amountIn))!) })),
        { reserve0: reserve, reserve1: reserve },
      );
      expect(orders.map((order) => wei(order.amountOut))).to.deep.equal(clearing.outcomes.map((outcome) => (outcome.status === "filled" ? outcome.amountOut : 0n)));
      // The small order with a 2 bps tolerance cannot have the batch's price: it is refunded, and the two others share one price.
      expect(orders.find((order) => wei(order.amountIn) === 500n * TOKEN)!.refunded).to.equal("below-min-out");
      expect(policy!.trace.transactions.find((item) => item.action === "clear")!.globalSeq).to.equal(orders.at(-1)!.globalSeq! + 1);
    });

    it("runs a policy from a TypeScript module the researcher wrote", async () => {
      const module = path.join(PROJECT_ROOT, "test", "fixtures", "policies", "newest-first.ts");
      const result = await run({
        name: "module",
        seed: 6,
        rollups: 2,
        slots: 1,
        pool: pools[0],
        victims: [
          { amountIn: "100", slippageBps: 500 },
          { amountIn: "200", slippageBps: 500 },
          { amountIn: "300", slippageBps: 500 },
        ],
        policies: [module],
      });
      const [policy] = result.policies;
      expect(policy!.policy).to.equal("newest-first");
      const included = policy!.trace.transactions.filter((item) => item.outcome === "included").sort((a, b) => a.globalSeq! - b.globalSeq!);
      expect(included.map((item) => item.arrivalMs)).to.deep.equal(included.map((item) => item.arrivalMs).sort((a, b) => b - a));
    });
  });

  describe("cross-rollup arbitrage", () => {
    it("earns, atomic and not, what Silva & Livshits' closed form expects, over many seeds", async function () {
      this.timeout(600_000);
      const slots = 30;
      const failure = 0.3;
      const externalPrice = 1;
      const victims = Array.from({ length: slots }, (_, slot) => [
        { amountIn: "20000", slippageBps: 500, pool: 0, slot },
        { amountIn: "20000", slippageBps: 500, pool: 2, slot },
      ]).flat();
      const sums = { atomic: { realised: 0, mean: 0, variance: 0 }, nonAtomic: { realised: 0, mean: 0, variance: 0 } };
      // Legs that ran, out of legs sent: each fails alone with the scenario's probability (a bundle's failure takes both).
      const legs = { atomic: { ran: 0, sent: 0 }, nonAtomic: { ran: 0, sent: 0 } };
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        const result = await run({
          name: "arbitrage",
          seed,
          rollups: 2,
          slots,
          pools: [...pools, ...pools],
          victims,
          searchers: [
            { strategy: "arbitrage", atomic: true, legFailureProbability: failure, pools: [0, 1] },
            { strategy: "arbitrage", atomic: false, legFailureProbability: failure, pools: [2, 3] },
          ],
          policies: ["fcfs"],
        });
        const [policy] = result.policies;
        expectBooksBalance(policy!);
        for (const plan of policy!.trace.arbitrages) {
          const sent = policy!.trace.transactions.filter((item) => item.arbitrage === plan.id);
          const ran = (pool: number) => sent.some((leg) => leg.pool === pool && leg.outcome === "included");
          const [cheap, dear] = [ran(plan.cheapPool), ran(plan.dearPool)];
          const trade = { amountIn: wei(plan.amountIn), amountMid: wei(plan.amountMid), amountOut: wei(plan.amountOut) };
          // The paper's four outcomes, written out: what each leg that ran moved, the out-token valued at P_ext.
          const inTokens = (dear ? trade.amountOut : 0n) - (cheap ? trade.amountIn : 0n);
          const outTokens = (cheap ? trade.amountMid : 0n) - (dear ? trade.amountMid : 0n);
          // A leg that ran moved exactly the planned amounts: the arbitrage is first in its slot.
          for (const leg of sent.filter((item) => item.outcome === "included")) {
            expect(wei(leg.amountOut), `leg of arbitrage ${plan.id}`).to.equal(leg.pool === plan.cheapPool ? trade.amountMid : trade.amountOut);
          }
          if (plan.atomic) expect(cheap, `bundle ${plan.id} runs whole or not at all`).to.equal(dear);
          const expected = plan.atomic
            ? expectedArbitrageProfit({ trade, failureProbability: failure, atomic: true })
            : expectedArbitrageProfit({ trade, failureProbability: failure, atomic: false, externalPrice });
          const sum = plan.atomic ? sums.atomic : sums.nonAtomic;
          sum.realised += Number(inTokens) + externalPrice * Number(outTokens);
          sum.mean += expected.mean;
          sum.variance += expected.standardDeviation ** 2;
          const count = plan.atomic ? legs.atomic : legs.nonAtomic;
          count.sent += 2;
          count.ran += Number(cheap) + Number(dear);
        }
      }
      for (const sum of [sums.atomic, sums.nonAtomic]) {
        expect(sum.mean).to.be.greaterThan(0);
        // Four standard deviations: a correct lab fails this about 6 times in 100,000.
        expect(Math.abs(sum.realised - sum.mean)).to.be.at.most(4 * Math.sqrt(sum.variance));
      }
      // The failure model itself: a bundle runs with probability (1-p)², a lone leg with 1-p (binomial, within four standard deviations).
      const within = ({ ran, sent }: { ran: number; sent: number }, p: number) => Math.abs(ran - sent * p) <= 4 * Math.sqrt(sent * p * (1 - p));
      expect(within({ ran: legs.atomic.ran / 2, sent: legs.atomic.sent / 2 }, (1 - failure) ** 2), JSON.stringify(legs.atomic)).to.equal(true);
      expect(within(legs.nonAtomic, 1 - failure), JSON.stringify(legs.nonAtomic)).to.equal(true);
    });
  });
});
