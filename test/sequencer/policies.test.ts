import { expect } from "chai";
import type { Address, Hex } from "viem";
import { fairRandomPolicy } from "../../sequencer/policies/fair-random.ts";
import { fcfsPolicy } from "../../sequencer/policies/fcfs.ts";
import { priorityFeePolicy } from "../../sequencer/policies/priority-fee.ts";
import { slotSeed } from "../../sequencer/sequencer.ts";
import { keepNonceOrder, resolvePolicy, UnknownPolicyError } from "../../sequencer/policies/index.ts";
import type { SequencedTransaction } from "../../sequencer/types.ts";

const ALICE = "0x00000000000000000000000000000000000a11ce" as Address;
const BOB = "0x0000000000000000000000000000000000000b0b" as Address;

function transaction(from: Address, nonce: number, arrival: number, chainId = 901): SequencedTransaction {
  const hash = `0x${arrival.toString(16).padStart(64, "0")}` as Hex;
  return { hash, chainId, from, to: undefined, nonce, raw: "0x00", gas: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, arrival, receivedAt: arrival };
}

const label = (list: readonly SequencedTransaction[]) =>
  list.map((t) => `${t.from === ALICE ? "A" : "B"}${t.chainId === 901 ? "" : `@${t.chainId}`}:${t.nonce}`);

describe("ordering policies", () => {
  it("fcfs orders by arrival across rollups", () => {
    const pending = [transaction(BOB, 0, 2, 902), transaction(ALICE, 0, 0), transaction(ALICE, 1, 1)];
    expect(label(fcfsPolicy.order(pending, { slot: 1, timestamp: 0, seed: "0x00", endMs: 0, auctions: [] }))).to.deep.equal(["A:0", "A:1", "B@902:0"]);
  });

  it("fcfs does not change its input", () => {
    const pending = [transaction(BOB, 0, 1), transaction(ALICE, 0, 0)];
    fcfsPolicy.order(pending, { slot: 1, timestamp: 0, seed: "0x00", endMs: 0, auctions: [] });
    expect(label(pending)).to.deep.equal(["B:0", "A:0"]);
  });

  const nonceCases: { name: string; order: SequencedTransaction[]; expected: string[] }[] = [
    { name: "keeps an order that is already in nonce order", order: [transaction(ALICE, 0, 0), transaction(BOB, 0, 1), transaction(ALICE, 1, 2)], expected: ["A:0", "B:0", "A:1"] },
    { name: "swaps a sender's nonces into its own places", order: [transaction(ALICE, 2, 0), transaction(BOB, 0, 1), transaction(ALICE, 0, 2), transaction(ALICE, 1, 3)], expected: ["A:0", "B:0", "A:1", "A:2"] },
    { name: "treats one address on two rollups as two senders", order: [transaction(ALICE, 1, 0, 902), transaction(ALICE, 5, 1), transaction(ALICE, 0, 2, 902)], expected: ["A@902:0", "A:5", "A@902:1"] },
  ];
  for (const { name, order, expected } of nonceCases) {
    it(`keepNonceOrder ${name}`, () => {
      expect(label(keepNonceOrder(order))).to.deep.equal(expected);
    });
  }

  it("resolves policies by name and rejects unknown ones with UnknownPolicyError", () => {
    expect(resolvePolicy("fcfs")).to.equal(fcfsPolicy);
    expect(() => resolvePolicy("latest-first")).to.throw(UnknownPolicyError);
  });

  it("priority-fee orders by tip, highest first, ties in arrival order", () => {
    const tipped = (from: Address, arrival: number, tip: bigint) => ({ ...transaction(from, arrival, arrival), maxPriorityFeePerGas: tip });
    const pending = [tipped(ALICE, 0, 1n), tipped(BOB, 1, 3n), tipped(ALICE, 2, 3n), tipped(BOB, 3, 2n)];
    const order = priorityFeePolicy.order(pending, { slot: 1, timestamp: 0, seed: "0x00", endMs: 0, auctions: [] });
    expect(order.map((t) => t.arrival)).to.deep.equal([1, 2, 3, 0]);
  });

  describe("fair-random", () => {
    const pending = Array.from({ length: 12 }, (_, index) => transaction(index % 2 === 0 ? ALICE : BOB, index, index));
    const orderWith = (seed: `0x${string}`) => fairRandomPolicy.order(pending, { slot: 1, timestamp: 0, seed, endMs: 0, auctions: [] }).map((t) => t.arrival);

    it("is reproducible from the slot's seed", () => {
      expect(orderWith(slotSeed("0x07", 3))).to.deep.equal(orderWith(slotSeed("0x07", 3)));
    });

    it("draws a permutation, a different one for another seed or slot", () => {
      const order = orderWith(slotSeed("0x07", 3));
      expect([...order].sort((a, b) => a - b)).to.deep.equal(pending.map((t) => t.arrival));
      expect(order).to.not.deep.equal(pending.map((t) => t.arrival));
      expect(orderWith(slotSeed("0x07", 4))).to.not.deep.equal(order);
      expect(orderWith(slotSeed("0x08", 3))).to.not.deep.equal(order);
    });

    it("puts each transaction first about equally often", () => {
      const firsts = new Map<number, number>();
      for (let slot = 0; slot < 1200; slot++) {
        const first = fairRandomPolicy.order(pending.slice(0, 3), { slot, timestamp: 0, seed: slotSeed("0x01", slot), endMs: 0, auctions: [] })[0]!.arrival;
        firsts.set(first, (firsts.get(first) ?? 0) + 1);
      }
      for (const count of firsts.values()) expect(count).to.be.within(320, 480);
    });
  });
});
