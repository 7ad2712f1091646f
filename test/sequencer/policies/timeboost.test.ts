import { expect } from "chai";
import type { Address } from "viem";
import { createTimeboostPolicy, TIMEBOOST_DEFAULTS, timeboostRound } from "../../../sequencer/policies/timeboost.ts";
import type { AuctionOutcome, Bid } from "../../../sequencer/policies/types.ts";
import { ALICE, auctionContext, BOB, bid, CAROL, context, label, summary, transaction } from "./builders.ts";

/** The express-lane outcome of round [1, 5) won by `winner`, as the policy's order sees it. */
function expressLane(winner: Address): AuctionOutcome {
  return { kind: "express-lane", bidId: "0x01", winner, paysWei: 0n, refundWei: 0n, fromSlot: 1, untilSlot: 5, transactions: [], bidders: 1 };
}

describe("the timeboost policy", () => {
  describe("its express-lane auction (second price, with a reserve)", () => {
    const cases: { name: string; reserve: bigint; bids: Bid[]; expected: { winner: Address; paysWei: bigint } | undefined }[] = [
      { name: "the highest bid wins and pays the second-highest", reserve: 0n, bids: [bid(1, ALICE, 5n), bid(2, BOB, 9n), bid(3, CAROL, 7n)], expected: { winner: BOB, paysWei: 7n } },
      { name: "a lone bid pays the reserve", reserve: 3n, bids: [bid(1, ALICE, 5n)], expected: { winner: ALICE, paysWei: 3n } },
      { name: "a lone bid without a reserve pays nothing", reserve: 0n, bids: [bid(1, ALICE, 5n)], expected: { winner: ALICE, paysWei: 0n } },
      { name: "the winner pays the reserve when the second bid is below it", reserve: 6n, bids: [bid(1, ALICE, 9n), bid(2, BOB, 2n)], expected: { winner: ALICE, paysWei: 6n } },
      { name: "a bid equal to the reserve is enough", reserve: 5n, bids: [bid(1, ALICE, 5n)], expected: { winner: ALICE, paysWei: 5n } },
      { name: "nobody wins below the reserve", reserve: 10n, bids: [bid(1, ALICE, 9n), bid(2, BOB, 3n)], expected: undefined },
      { name: "a tie goes to the earliest bid and pays the tied amount", reserve: 0n, bids: [bid(1, ALICE, 8n, { receivedAt: 20 }), bid(2, BOB, 8n, { receivedAt: 10 })], expected: { winner: BOB, paysWei: 8n } },
      { name: "a tie at the same time goes to the lowest id", reserve: 0n, bids: [bid(7, ALICE, 8n), bid(3, BOB, 8n)], expected: { winner: BOB, paysWei: 8n } },
    ];
    for (const { name, reserve, bids, expected } of cases) {
      it(name, () => {
        const outcomes = createTimeboostPolicy({ reservePriceWei: reserve }).auction!(bids, auctionContext(1));
        expect(summary(outcomes)).to.deep.equal(
          expected === undefined
            ? []
            : [{ kind: "express-lane", ...expected, refundWei: 0n, fromSlot: 1, untilSlot: 1 + TIMEBOOST_DEFAULTS.roundSlots, bidders: bids.length }],
        );
      });
    }

    it("governs the whole round, and sells nothing at a slot that does not start one", () => {
      const policy = createTimeboostPolicy({ roundSlots: 3 });
      expect(summary(policy.auction!([bid(1, ALICE, 1n, { slot: 4 })], auctionContext(4)))[0]).to.include({ fromSlot: 4, untilSlot: 7 });
      expect(policy.auction!([bid(1, ALICE, 1n, { slot: 5 })], auctionContext(5))).to.deep.equal([]);
    });

    it("numbers rounds from slot 1", () => {
      expect([1, 2, 4, 5, 8, 9].map((slot) => timeboostRound(slot, 4).fromSlot)).to.deep.equal([1, 1, 1, 5, 5, 9]);
      expect(timeboostRound(6, 4)).to.deep.equal({ fromSlot: 5, untilSlot: 9 });
    });
  });

  describe("its order (the controller's transactions count as arriving delayMs earlier)", () => {
    // Alice controls the express lane; Bob and Carol wait 200 ms.
    const pending = [
      transaction(BOB, 0, 0, { receivedAt: 1000 }),
      transaction(CAROL, 0, 1, { receivedAt: 1100 }),
      transaction(ALICE, 0, 2, { receivedAt: 1150 }),
      transaction(ALICE, 1, 3, { receivedAt: 1400 }),
    ];
    const cases: { name: string; controller: Address | undefined; endMs: number; expected: string[] }[] = [
      { name: "the controller's transaction overtakes earlier ones within the delay", controller: ALICE, endMs: 2000, expected: ["A:0", "B:0", "C:0", "A:1"] },
      { name: "what has not effectively arrived by the slot's end waits", controller: ALICE, endMs: 1250, expected: ["A:0", "B:0"] },
      { name: "arrival exactly at the slot's end is in time", controller: ALICE, endMs: 1200, expected: ["A:0", "B:0"] },
      { name: "only the controller is in time for an early end", controller: ALICE, endMs: 1150, expected: ["A:0"] },
      { name: "without a controller, everyone waits the delay", controller: undefined, endMs: 1300, expected: ["B:0", "C:0"] },
      { name: "another controller changes who overtakes", controller: CAROL, endMs: 2000, expected: ["C:0", "B:0", "A:0", "A:1"] },
    ];
    for (const { name, controller, endMs, expected } of cases) {
      it(name, () => {
        const auctions = controller === undefined ? [] : [expressLane(controller)];
        expect(label(createTimeboostPolicy().order(pending, context({ endMs, auctions })))).to.deep.equal(expected);
      });
    }

    it("breaks ties in effective arrival by arrival order", () => {
      const tied = [transaction(BOB, 0, 1, { receivedAt: 1000 }), transaction(ALICE, 0, 0, { receivedAt: 1200 })];
      expect(label(createTimeboostPolicy().order(tied, context({ auctions: [expressLane(ALICE)] })))).to.deep.equal(["A:0", "B:0"]);
    });

    it("takes its delay from its options", () => {
      const late = [transaction(BOB, 0, 0, { receivedAt: 1000 })];
      expect(label(createTimeboostPolicy({ delayMs: 50 }).order(late, context({ endMs: 1050 })))).to.deep.equal(["B:0"]);
      expect(label(createTimeboostPolicy({ delayMs: 51 }).order(late, context({ endMs: 1050 })))).to.deep.equal([]);
    });
  });
});
