import { expect } from "chai";
import type { Address } from "viem";
import { createSealedBidPolicy } from "../../../sequencer/policies/sealed-bid.ts";
import type { Bid } from "../../../sequencer/policies/types.ts";
import { ALICE, auctionContext, BOB, bid, CAROL, context, label, summary, transaction } from "./builders.ts";

describe("the sealed-bid policy", () => {
  describe("its top-of-slot auction (first price, with a reserve)", () => {
    const cases: { name: string; reserve: bigint; bids: Bid[]; expected: { winner: Address; paysWei: bigint } | undefined }[] = [
      { name: "the highest bid wins and pays its bid", reserve: 0n, bids: [bid(1, ALICE, 5n), bid(2, BOB, 9n), bid(3, CAROL, 7n)], expected: { winner: BOB, paysWei: 9n } },
      { name: "a lone bid pays its bid, not the reserve", reserve: 3n, bids: [bid(1, ALICE, 5n)], expected: { winner: ALICE, paysWei: 5n } },
      { name: "nobody wins below the reserve", reserve: 10n, bids: [bid(1, ALICE, 9n)], expected: undefined },
      { name: "the best bid at or above the reserve wins", reserve: 6n, bids: [bid(1, ALICE, 5n), bid(2, BOB, 6n)], expected: { winner: BOB, paysWei: 6n } },
      { name: "a tie goes to the earliest bid", reserve: 0n, bids: [bid(1, ALICE, 8n, { receivedAt: 5 }), bid(2, BOB, 8n, { receivedAt: 4 })], expected: { winner: BOB, paysWei: 8n } },
      { name: "a tie at the same time goes to the lowest id", reserve: 0n, bids: [bid(9, ALICE, 8n), bid(2, BOB, 8n)], expected: { winner: BOB, paysWei: 8n } },
    ];
    for (const { name, reserve, bids, expected } of cases) {
      it(name, () => {
        const outcomes = createSealedBidPolicy({ reservePriceWei: reserve }).auction!(bids, auctionContext(3));
        expect(summary(outcomes)).to.deep.equal(
          expected === undefined ? [] : [{ kind: "top-of-slot", ...expected, refundWei: 0n, fromSlot: 3, untilSlot: 4, bidders: bids.length }],
        );
      });
    }

    it("sells the winner's bundle", () => {
      const bundle = [transaction(CAROL, 0, -1)];
      const [outcome] = createSealedBidPolicy().auction!([bid(1, CAROL, 1n, { transactions: bundle })], auctionContext(1));
      expect(outcome!.transactions).to.deep.equal(bundle);
    });
  });

  it("puts the winning bundle first, then everything else in arrival order", () => {
    const bundle = "0xb0" as const;
    const pending = [
      transaction(ALICE, 0, 0, { receivedAt: 10 }),
      transaction(BOB, 0, 1, { receivedAt: 20 }),
      transaction(CAROL, 0, 2, { receivedAt: 30, bundleId: bundle }),
      transaction(CAROL, 1, 3, { receivedAt: 30, bundleId: bundle }),
    ];
    const [outcome] = createSealedBidPolicy().auction!([bid(1, CAROL, 1n, { transactions: pending.slice(2) })], auctionContext(1));
    expect(label(createSealedBidPolicy().order(pending, context({ auctions: [outcome!] })))).to.deep.equal(["C:0", "C:1", "A:0", "B:0"]);
    expect(label(createSealedBidPolicy().order(pending, context()))).to.deep.equal(["A:0", "B:0", "C:0", "C:1"]);
  });
});
