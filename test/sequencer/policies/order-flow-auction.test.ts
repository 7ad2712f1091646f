import { expect } from "chai";
import { backrunRefund, createOrderFlowAuctionPolicy } from "../../../sequencer/policies/order-flow-auction.ts";
import { ALICE, auctionContext, BOB, bid, CAROL, context, label, summary, transaction } from "./builders.ts";

describe("the order-flow-auction policy", () => {
  // Alice's two trades are the order flow; Bob and Carol back-run them.
  const first = transaction(ALICE, 0, 0);
  const second = transaction(ALICE, 1, 1);
  const other = transaction(CAROL, 5, 2);
  const bobBackrun = transaction(BOB, 0, -1, { bundleId: "0xb1" });
  const carolBackrun = transaction(CAROL, 6, -1, { bundleId: "0xc1" });

  const refunds: { paysWei: bigint; refundBps: number; refundWei: bigint }[] = [
    { paysWei: 1_000n, refundBps: 9000, refundWei: 900n },
    { paysWei: 999n, refundBps: 9000, refundWei: 899n },
    { paysWei: 1n, refundBps: 9000, refundWei: 0n },
    { paysWei: 12_345n, refundBps: 0, refundWei: 0n },
    { paysWei: 12_345n, refundBps: 10_000, refundWei: 12_345n },
    { paysWei: 10n ** 18n, refundBps: 2_500, refundWei: 25n * 10n ** 16n },
  ];
  for (const { paysWei, refundBps, refundWei } of refunds) {
    it(`refunds ${refundWei} of ${paysWei} wei at ${refundBps} bps (rounded down)`, () => {
      expect(backrunRefund(paysWei, refundBps)).to.equal(refundWei);
      const [outcome] = createOrderFlowAuctionPolicy({ refundBps }).auction!([bid(1, BOB, paysWei, { target: first.hash, transactions: [bobBackrun] })], auctionContext(2, [first]));
      expect(outcome).to.include({ paysWei, refundWei });
    });
  }

  it("sells each target to its highest bid, first price, 90 % refunded by default", () => {
    const bids = [
      bid(1, BOB, 300n, { target: first.hash, transactions: [bobBackrun] }),
      bid(2, CAROL, 500n, { target: first.hash, transactions: [carolBackrun] }),
      bid(3, BOB, 100n, { target: second.hash, transactions: [bobBackrun] }),
    ];
    const outcomes = createOrderFlowAuctionPolicy().auction!(bids, auctionContext(2, [first, second]));
    expect(summary(outcomes)).to.deep.equal([
      { kind: "backrun", winner: CAROL, paysWei: 500n, refundWei: 450n, fromSlot: 2, untilSlot: 3, bidders: 2 },
      { kind: "backrun", winner: BOB, paysWei: 100n, refundWei: 90n, fromSlot: 2, untilSlot: 3, bidders: 1 },
    ]);
    expect(outcomes.map((outcome) => outcome.target)).to.deep.equal([first.hash, second.hash]);
  });

  it("lets a bid lose whose target is not pending, names no target or carries no back-run", () => {
    const bids = [
      bid(1, BOB, 300n, { target: second.hash, transactions: [bobBackrun] }),
      bid(2, BOB, 300n, { transactions: [bobBackrun] }),
      bid(3, CAROL, 300n, { target: first.hash }),
    ];
    expect(createOrderFlowAuctionPolicy().auction!(bids, auctionContext(2, [first]))).to.deep.equal([]);
  });

  it("orders by arrival with each winning back-run right after its target", () => {
    const bids = [bid(1, BOB, 300n, { target: first.hash, transactions: [bobBackrun] }), bid(2, CAROL, 100n, { target: second.hash, transactions: [carolBackrun] })];
    const auctions = createOrderFlowAuctionPolicy().auction!(bids, auctionContext(2, [first, second]));
    const pending = [carolBackrun, other, second, bobBackrun, first];
    expect(label(createOrderFlowAuctionPolicy().order(pending, context({ auctions })))).to.deep.equal(["A:0", "B:0", "A:1", "C:6", "C:5"]);
  });

  it("keeps a back-run out of the slot when its target is not in it", () => {
    const auctions = createOrderFlowAuctionPolicy().auction!([bid(1, BOB, 300n, { target: second.hash, transactions: [bobBackrun] })], auctionContext(2, [second]));
    expect(label(createOrderFlowAuctionPolicy().order([other, bobBackrun], context({ auctions })))).to.deep.equal(["C:5"]);
    expect(label(createOrderFlowAuctionPolicy().order([other, bobBackrun], context()))).to.deep.equal(["B:0", "C:5"]);
  });
});
