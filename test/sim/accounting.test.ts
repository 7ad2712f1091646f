import { expect } from "chai";
import type { LedgerEntry, TraceTransaction } from "../../sim/report/types.ts";
import { COINBASE_LABEL, holdings, sequencerRevenue } from "../../sim/scenario/accounting.ts";
import { arbitrageOutcomes, succeededSandwiches } from "../../sim/scenario/outcomes.ts";

const entry = (token: string, changes: Record<string, string>, burnt = "0.000000000000000000"): LedgerEntry => ({ token, changes, minted: "0.000000000000000000", burnt });

const tx = (hash: string, fields: Partial<TraceTransaction>): TraceTransaction => ({
  hash,
  role: "searcher",
  action: "front-run",
  rollup: 0,
  sentSlot: 0,
  arrivalMs: 0,
  outcome: "included",
  globalSeq: null,
  includedSlot: 0,
  inclusionMs: 1000,
  ...fields,
});

describe("the lab's accounting, from its books and traces", () => {
  describe("holdings", () => {
    const ledger = [
      entry("IN (pool 0)", { "searcher 0": "10.000000000000000000", "pool 0": "-10.000000000000000000" }),
      entry("OUT (pool 0)", { "searcher 0": "-4.000000000000000000" }),
      entry("IN (pool 1)", { "searcher 0": "-3.000000000000000000" }),
      entry("OUT (pool 1)", { "searcher 0": "6.000000000000000000" }),
    ];

    it("adds up the in-token over every pool as realised, and the out-token as inventory", () => {
      const reserves = [
        { reserveIn: 100n, reserveOut: 100n },
        { reserveIn: 100n, reserveOut: 100n },
      ];
      const { realised, inventory, inventoryValue } = holdings(ledger, "searcher 0", reserves);
      expect(realised).to.equal(7n * 10n ** 18n);
      expect(inventory).to.equal(2n * 10n ** 18n);
      expect(inventoryValue).to.equal(2n * 10n ** 18n);
    });

    it("values the inventory at the pools' liquidity-weighted mid price", () => {
      // 300 in-tokens against 100 out-tokens over both pools: an out-token is worth 3.
      const reserves = [
        { reserveIn: 200n, reserveOut: 50n },
        { reserveIn: 100n, reserveOut: 50n },
      ];
      expect(holdings(ledger, "searcher 0", reserves).inventoryValue).to.equal(6n * 10n ** 18n);
    });

    it("is zero for a holder the books never saw", () => {
      expect(holdings(ledger, "searcher 9", [{ reserveIn: 1n, reserveOut: 1n }])).to.deep.equal({ realised: 0n, inventory: 0n, inventoryValue: 0n });
    });
  });

  it("credits the sequencer with base fees, tips (the producer's gain less auctions) and auctions", () => {
    const ledger = [
      entry("ETH (rollup 0)", { [COINBASE_LABEL]: "5.000000000000000000" }, "0.500000000000000000"),
      entry("ETH (rollup 1)", { [COINBASE_LABEL]: "0.250000000000000000" }, "0.250000000000000000"),
      entry("IN (pool 0)", { [COINBASE_LABEL]: "99.000000000000000000" }),
    ];
    const revenue = sequencerRevenue(ledger, 4n * 10n ** 18n);
    expect(revenue).to.deep.equal({ fees: 75n * 10n ** 16n, tips: 125n * 10n ** 16n, auctions: 4n * 10n ** 18n, total: 6n * 10n ** 18n });
  });

  describe("sandwiches", () => {
    const victim = tx("0xv", { role: "victim", action: "swap", globalSeq: 5 });
    const cases: [string, TraceTransaction[], number][] = [
      ["front, victim, back in order", [victim, tx("0xf", { globalSeq: 4, target: "0xv", searcher: 0 }), tx("0xb", { action: "back-run", globalSeq: 6, target: "0xv", searcher: 0 })], 1],
      ["a back-run before the victim", [victim, tx("0xf", { globalSeq: 3, target: "0xv", searcher: 0 }), tx("0xb", { action: "back-run", globalSeq: 4, target: "0xv", searcher: 0 })], 0],
      ["a dropped back-run", [victim, tx("0xf", { globalSeq: 4, target: "0xv", searcher: 0 }), tx("0xb", { action: "back-run", outcome: "dropped", target: "0xv", searcher: 0 })], 0],
      ["a dropped victim", [{ ...victim, outcome: "dropped", globalSeq: null }, tx("0xf", { globalSeq: 4, target: "0xv", searcher: 0 }), tx("0xb", { action: "back-run", globalSeq: 6, target: "0xv", searcher: 0 })], 0],
      ["two searchers' halves do not make one sandwich", [victim, tx("0xf", { globalSeq: 4, target: "0xv", searcher: 0 }), tx("0xb", { action: "back-run", globalSeq: 6, target: "0xv", searcher: 1 })], 0],
    ];
    for (const [story, transactions, succeeded] of cases) {
      it(`counts ${succeeded} for ${story}`, () => expect(succeededSandwiches(transactions)).to.equal(succeeded));
    }
  });

  it("tells arbitrages whose legs all ran from those where some did", () => {
    const legs = [
      tx("0x1", { action: "arbitrage-leg", arbitrage: 0 }),
      tx("0x2", { action: "arbitrage-leg", arbitrage: 0 }),
      tx("0x3", { action: "arbitrage-leg", arbitrage: 1 }),
      tx("0x4", { action: "arbitrage-leg", arbitrage: 1, outcome: "dropped" }),
      tx("0x5", { action: "arbitrage-leg", arbitrage: 2, outcome: "dropped" }),
      tx("0x6", { action: "arbitrage-leg", arbitrage: 2, outcome: "dropped" }),
    ];
    expect(arbitrageOutcomes(legs)).to.deep.equal({ attempted: 3, completed: 1, partial: 1 });
  });
});
