import { expect } from "chai";
import { type Hex, keccak256, parseGwei } from "viem";
import type { Devnet } from "../../devnet/devnet.ts";
import { type BidRefusal, BidRefusedError, type BidRequest } from "../../sequencer/auction.ts";
import { createTimeboostPolicy, timeboostRound } from "../../sequencer/policies/timeboost.ts";
import type { SharedSequencer } from "../../sequencer/sequencer.ts";
import type { SlotResult } from "../../sequencer/types.ts";
import { accountAddress, labelAddress, rpc, signTransfer, startTestDevnet } from "../support/fixtures.ts";

/** The hashes a slot included, in global order. */
const includedHashes = (slot: SlotResult | undefined) => slot?.included.map(({ transaction }) => transaction.hash) ?? [];

/** The slot the sequencer produces next. */
const nextSlot = (sequencer: SharedSequencer) => sequencer.status().slot + 1;

async function refusal(submitted: Promise<unknown>): Promise<BidRefusal | undefined> {
  const error = await submitted.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).to.be.instanceOf(BidRefusedError);
  return (error as BidRefusedError).reasonCode;
}

describe("auctions in the shared sequencer", () => {
  describe("a sealed-bid devnet", () => {
    let devnet: Devnet;
    before(async () => {
      devnet = await startTestDevnet({ rollups: 2, manual: true, policy: "sealed-bid" });
    });
    after(() => devnet.stop());

    it("runs the winning bid's bundle at the top of the slot and never admits the losing bid's transaction", async () => {
      const { sequencer } = devnet;
      const [a, b] = devnet.rollups as [Devnet["rollups"][0], Devnet["rollups"][0]];
      const slot = nextSlot(sequencer);
      const user = await sequencer.submitRawTransaction(a.chainId, await signTransfer(devnet, a.chainId, 1, 0, labelAddress("sealed user"), 1n));
      const winnerRaw = await signTransfer(devnet, b.chainId, 2, 0, labelAddress("sealed winner"), 2n);
      const loserRaw = await signTransfer(devnet, a.chainId, 3, 0, labelAddress("sealed loser"), 3n);
      const winning = await sequencer.submitBid({ bidder: accountAddress(devnet, 2), amountWei: parseGwei("2"), slot, transactions: [winnerRaw] });
      const losing = await sequencer.submitBid({ bidder: accountAddress(devnet, 3), amountWei: parseGwei("1"), slot, transactions: [loserRaw] });
      expect(sequencer.bidStatus(winning)).to.include({ status: "pending", slot });

      const result = await sequencer.produceSlot();
      expect(includedHashes(result)).to.deep.equal([keccak256(winnerRaw), user]);
      expect(result?.auctions?.map(({ kind, winner, paysWei, bidders }) => ({ kind, winner, paysWei, bidders }))).to.deep.equal([
        { kind: "top-of-slot", winner: accountAddress(devnet, 2), paysWei: parseGwei("2"), bidders: 2 },
      ]);
      expect(sequencer.bidStatus(winning)).to.deep.include({ status: "won", outcome: result!.auctions![0] });
      expect(sequencer.bidStatus(losing)).to.include({ status: "lost" });

      await sequencer.step();
      expect(sequencer.transactionStatus(keccak256(loserRaw))).to.equal(null);
      expect(await b.publicClient.getBalance({ address: labelAddress("sealed winner") })).to.equal(2n);
      expect(await a.publicClient.getBalance({ address: labelAddress("sealed loser") })).to.equal(0n);
      expect(await a.publicClient.getTransactionCount({ address: accountAddress(devnet, 3) })).to.equal(0);
    });

    it("sets aside a winning bid whose transactions no longer pass intake at the auction: the next best wins", async () => {
      const { sequencer } = devnet;
      const [a] = devnet.rollups;
      const slot = nextSlot(sequencer) + 1;
      const stale = await sequencer.submitBid({
        bidder: accountAddress(devnet, 4),
        amountWei: 900n,
        slot,
        transactions: [await signTransfer(devnet, a!.chainId, 4, 0, labelAddress("stale bid"), 1n)],
      });
      const fallback = await sequencer.submitBid({
        bidder: accountAddress(devnet, 5),
        amountWei: 100n,
        slot,
        transactions: [await signTransfer(devnet, a!.chainId, 5, 0, labelAddress("fallback bid"), 1n)],
      });
      // The stale bid's sender uses its nonce 0 in the slot before.
      await sequencer.submitRawTransaction(a!.chainId, await signTransfer(devnet, a!.chainId, 4, 0, labelAddress("used the nonce"), 1n));
      await sequencer.produceSlot();
      const result = await sequencer.produceSlot();
      expect(result?.slot).to.equal(slot);
      expect(result?.auctions?.map(({ winner, paysWei }) => ({ winner, paysWei }))).to.deep.equal([{ winner: accountAddress(devnet, 5), paysWei: 100n }]);
      expect(sequencer.bidStatus(stale)).to.include({ status: "lost" });
      expect(sequencer.bidStatus(stale)?.reason).to.match(/no longer pass intake/);
      expect(sequencer.bidStatus(fallback)).to.include({ status: "won" });
    });

    it("refuses bids it cannot take, each with its reason code", async () => {
      const { sequencer } = devnet;
      const [a] = devnet.rollups;
      const open = nextSlot(sequencer);
      const bidder = accountAddress(devnet, 6);
      const cases: { name: string; request: BidRequest; code: BidRefusal }[] = [
        { name: "a slot already produced", request: { bidder, amountWei: 1n, slot: open - 1 }, code: "slot-closed" },
        { name: "a negative amount", request: { bidder, amountWei: -1n, slot: open }, code: "invalid-bid" },
        { name: "a bidder that is no address", request: { bidder: "0x1234", amountWei: 1n, slot: open }, code: "invalid-bid" },
        {
          name: "a transaction intake refuses (nonce already used)",
          request: { bidder, amountWei: 1n, slot: open, transactions: [await signTransfer(devnet, a!.chainId, 1, 0, labelAddress("reused"), 1n)] },
          code: "transaction-refused",
        },
        { name: "a target that is not pending", request: { bidder, amountWei: 1n, slot: open, target: keccak256("0x01") }, code: "unknown-target" },
      ];
      const codes = [];
      for (const { request } of cases) codes.push(await refusal(sequencer.submitBid(request)));
      expect(codes, cases.map(({ name }) => name).join("; ")).to.deep.equal(cases.map(({ code }) => code));
    });

    it("serves xr_submitBid and xr_getBid on a rollup's endpoint, amounts as hex quantities", async () => {
      const { sequencer } = devnet;
      const [a] = devnet.rollups;
      const url = a!.rpcUrl!;
      const slot = nextSlot(sequencer);
      const bidder = accountAddress(devnet, 7);
      const { result: id } = await rpc<Hex>(url, "xr_submitBid", [{ bidder, amountWei: "0x2a", slot: `0x${slot.toString(16)}` }]);
      expect((await rpc<{ status: string; amountWei: string }>(url, "xr_getBid", [id])).result).to.include({ status: "pending", amountWei: "0x2a" });
      await sequencer.submitRawTransaction(a!.chainId, await signTransfer(devnet, a!.chainId, 7, 0, labelAddress("rpc bid"), 1n));
      await sequencer.produceSlot();
      const won = (await rpc<{ status: string; outcome: { paysWei: string; kind: string } }>(url, "xr_getBid", [id])).result!;
      expect(won.status).to.equal("won");
      expect(won.outcome).to.include({ kind: "top-of-slot", paysWei: "0x2a" });
      const refused = await rpc(url, "xr_submitBid", [{ bidder, amountWei: 42, slot }]);
      expect(refused.error).to.deep.include({ code: -32602, data: { reasonCode: "invalid-bid" } });
      expect((await rpc(url, "xr_getBid", [keccak256("0x02")])).result).to.equal(null);
    });

    it("takes a bundle's arrival time from the caller", async () => {
      const { sequencer } = devnet;
      const [a] = devnet.rollups;
      const raw = await signTransfer(devnet, a!.chainId, 8, 0, labelAddress("timed bundle"), 1n);
      await sequencer.submitBundle([raw], { receivedAt: 1234 });
      const result = await sequencer.produceSlot();
      expect(result?.included.map(({ transaction }) => transaction.receivedAt)).to.deep.equal([1234]);
    });

    it("journals each slot's outcomes, wei amounts exact: a devnet loaded from its dump has them", async () => {
      const { sequencer } = devnet;
      const [a] = devnet.rollups;
      const slot = nextSlot(sequencer);
      const amountWei = 2n ** 70n + 1n;
      await sequencer.submitBid({ bidder: accountAddress(devnet, 9), amountWei, slot });
      await sequencer.submitRawTransaction(a!.chainId, await signTransfer(devnet, a!.chainId, 9, 0, labelAddress("journaled"), 1n));
      const produced = await sequencer.produceSlot();
      const loaded = await startTestDevnet({ rollups: 2, manual: true, policy: "sealed-bid", loadState: await devnet.dumpState(), rpc: false });
      try {
        expect(loaded.sequencer.auctionOutcomes(slot)).to.deep.equal(produced!.auctions);
        expect(loaded.sequencer.auctionOutcomes(slot)[0]?.paysWei).to.equal(amountWei);
      } finally {
        await loaded.stop();
      }
    });
  });

  describe("a timeboost devnet, rounds of 2 slots", () => {
    let devnet: Devnet;
    before(async () => {
      devnet = await startTestDevnet({ rollups: 2, manual: true, rpc: false }, { policy: createTimeboostPolicy({ roundSlots: 2 }) });
    });
    after(() => devnet.stop());

    it("sells each round's express lane: the controller's transactions go first, everyone else's wait 200 ms", async () => {
      const { sequencer } = devnet;
      const [a] = devnet.rollups;
      const chainId = a!.chainId;
      if (timeboostRound(nextSlot(sequencer), 2).fromSlot !== nextSlot(sequencer)) await sequencer.step();
      const round = nextSlot(sequencer);
      const [alice, bob] = [accountAddress(devnet, 1), accountAddress(devnet, 2)];
      // Simulated arrival times: the slots' windows end where the test says.
      const t = 1_000_000;
      const send = async (from: number, nonce: number, receivedAt: number) =>
        sequencer.submitRawTransaction(chainId, await signTransfer(devnet, chainId, from, nonce, labelAddress(`timeboost ${from}`), 1n), { receivedAt });

      const aliceBid = await sequencer.submitBid({ bidder: alice, amountWei: parseGwei("10"), slot: round });
      const bobBid = await sequencer.submitBid({ bidder: bob, amountWei: parseGwei("5"), slot: round });
      const bobFirst = await send(2, 0, t);
      const aliceFirst = await send(1, 0, t + 50);
      const first = await sequencer.produceSlot({ endMs: t + 100 });
      expect(includedHashes(first)).to.deep.equal([aliceFirst]);
      expect(first?.auctions?.map(({ kind, winner, paysWei, fromSlot, untilSlot }) => ({ kind, winner, paysWei, fromSlot, untilSlot }))).to.deep.equal([
        { kind: "express-lane", winner: alice, paysWei: parseGwei("5"), fromSlot: round, untilSlot: round + 2 },
      ]);
      const second = await sequencer.produceSlot({ endMs: t + 300 });
      expect(includedHashes(second)).to.deep.equal([bobFirst]);
      expect(second?.auctions).to.equal(undefined);
      expect(sequencer.auctionOutcomes(round + 1).map(({ winner }) => winner)).to.deep.equal([alice]);

      const bobNext = await sequencer.submitBid({ bidder: bob, amountWei: parseGwei("7"), slot: round + 2 });
      const aliceLate = await send(1, 1, t + 400);
      const bobLate = await send(2, 1, t + 450);
      const third = await sequencer.produceSlot({ endMs: t + 500 });
      expect(includedHashes(third)).to.deep.equal([bobLate]);
      expect(third?.auctions?.map(({ winner, paysWei }) => ({ winner, paysWei }))).to.deep.equal([{ winner: bob, paysWei: 0n }]);
      const fourth = await sequencer.produceSlot({ endMs: t + 700 });
      expect(includedHashes(fourth)).to.deep.equal([aliceLate]);
      expect([aliceBid, bobBid, bobNext].map((id) => sequencer.bidStatus(id)?.status)).to.deep.equal(["won", "lost", "won"]);
    });
  });

  describe("an order-flow-auction devnet", () => {
    let devnet: Devnet;
    before(async () => {
      devnet = await startTestDevnet({ rollups: 2, manual: true, rpc: false, policy: "order-flow-auction" });
    });
    after(() => devnet.stop());

    it("runs the winning back-run right after its target and owes 90 % of the bid back to the target's sender", async () => {
      const { sequencer } = devnet;
      const [a] = devnet.rollups;
      const chainId = a!.chainId;
      const slot = nextSlot(sequencer);
      const target = await sequencer.submitRawTransaction(chainId, await signTransfer(devnet, chainId, 1, 0, labelAddress("order flow"), 1n));
      const later = await sequencer.submitRawTransaction(chainId, await signTransfer(devnet, chainId, 4, 0, labelAddress("later user"), 1n));
      const backrun = await signTransfer(devnet, chainId, 2, 0, labelAddress("backrun"), 1n);
      const outbid = await signTransfer(devnet, chainId, 3, 0, labelAddress("outbid"), 1n);
      const winning = await sequencer.submitBid({ bidder: accountAddress(devnet, 2), amountWei: 1000n, slot, target, transactions: [backrun] });
      await sequencer.submitBid({ bidder: accountAddress(devnet, 3), amountWei: 999n, slot, target, transactions: [outbid] });
      const result = await sequencer.produceSlot();
      expect(includedHashes(result)).to.deep.equal([target, keccak256(backrun), later]);
      expect(sequencer.bidStatus(winning)?.outcome).to.include({ kind: "backrun", target, paysWei: 1000n, refundWei: 900n, bidders: 2 });
      expect(sequencer.transactionStatus(keccak256(outbid))).to.equal(null);
    });
  });

  it("refuses bids when the policy runs no auction", async () => {
    const devnet = await startTestDevnet({ rollups: 1, manual: true, rpc: false });
    try {
      expect(await refusal(devnet.sequencer.submitBid({ bidder: accountAddress(devnet, 1), amountWei: 1n, slot: 1 }))).to.equal("no-auction");
    } finally {
      await devnet.stop();
    }
  });
});
