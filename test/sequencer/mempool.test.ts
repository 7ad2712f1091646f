import { expect } from "chai";
import type { Address, Hex } from "viem";
import { Mempool } from "../../sequencer/mempool.ts";
import { fcfsPolicy } from "../../sequencer/policies/fcfs.ts";
import type { SequencedTransaction } from "../../sequencer/types.ts";

const ALICE = "0x00000000000000000000000000000000000a11ce" as Address;
const BOB = "0x0000000000000000000000000000000000000b0b" as Address;
let arrivals = 0;

function transaction(from: Address, nonce: number, { chainId = 901, gas = 21_000n } = {}): SequencedTransaction {
  const arrival = arrivals++;
  const hash = `0x${arrival.toString(16).padStart(64, "0")}` as Hex;
  return { hash, chainId, from, to: undefined, nonce, raw: "0x00", gas, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, arrival, receivedAt: arrival };
}

const take = (mempool: Mempool, gasLimit = 30_000_000n) =>
  mempool.take(fcfsPolicy, { slot: 1, timestamp: 0, seed: "0x00", endMs: 0, auctions: [] }, gasLimit).map((t) => `${t.from === ALICE ? "A" : "B"}:${t.nonce}`);

describe("mempool", () => {
  it("counts a sender's pending transactions in its next nonce", () => {
    const mempool = new Mempool();
    expect(mempool.nextNonce(901, ALICE)).to.equal(undefined);
    mempool.add(transaction(ALICE, 3), 3);
    mempool.add(transaction(ALICE, 4), 3);
    expect(mempool.nextNonce(901, ALICE)).to.equal(5);
    expect(mempool.nextNonce(902, ALICE)).to.equal(undefined);
  });

  it("queues a nonce gap and releases both once the gap fills", () => {
    const mempool = new Mempool();
    mempool.add(transaction(ALICE, 1), 0);
    expect(mempool.hasReady).to.equal(false);
    expect(mempool.size).to.equal(1);
    expect(mempool.nextNonce(901, ALICE)).to.equal(0);
    mempool.add(transaction(ALICE, 0), 0);
    expect(mempool.nextNonce(901, ALICE)).to.equal(2);
    expect(take(mempool)).to.deep.equal(["A:0", "A:1"]);
    expect(mempool.size).to.equal(0);
  });

  it("fills a rollup's block up to its gas limit and keeps the rest, in order, for the next slot", () => {
    const mempool = new Mempool();
    mempool.add(transaction(ALICE, 0, { gas: 60_000n }), 0);
    mempool.add(transaction(BOB, 0, { gas: 50_000n }), 0);
    mempool.add(transaction(ALICE, 1, { gas: 10_000n }), 0);
    expect(take(mempool, 100_000n)).to.deep.equal(["A:0"]);
    expect(take(mempool, 100_000n)).to.deep.equal(["B:0", "A:1"]);
  });

  it("fills each rollup's block separately", () => {
    const mempool = new Mempool();
    mempool.add(transaction(ALICE, 0, { gas: 90_000n }), 0);
    mempool.add(transaction(BOB, 0, { gas: 90_000n, chainId: 902 }), 0);
    expect(take(mempool, 100_000n)).to.deep.equal(["A:0", "B:0"]);
  });

  it("removes a dropped nonce's successors, ready and queued, and rewinds the next nonce", () => {
    const mempool = new Mempool();
    mempool.add(transaction(ALICE, 0), 0);
    mempool.add(transaction(ALICE, 1), 0);
    mempool.add(transaction(ALICE, 3), 0);
    mempool.add(transaction(BOB, 0), 0);
    const removed = mempool.removeFrom(901, ALICE, 1);
    expect(removed.map((t) => t.nonce).sort()).to.deep.equal([1, 3]);
    expect(mempool.nextNonce(901, ALICE)).to.equal(1);
    expect(take(mempool)).to.deep.equal(["A:0", "B:0"]);
  });

  it("drains everything, ready and queued", () => {
    const mempool = new Mempool();
    mempool.add(transaction(ALICE, 0), 0);
    mempool.add(transaction(BOB, 5), 0);
    expect(mempool.drain()).to.have.length(2);
    expect(mempool.size).to.equal(0);
  });
});
