import { expect } from "chai";
import { Mempool } from "../../../sequencer/mempool.ts";
import { keepBundlesWhole, keepNonceOrder } from "../../../sequencer/policies/constraints.ts";
import { fcfsPolicy } from "../../../sequencer/policies/fcfs.ts";
import type { OrderingPolicy } from "../../../sequencer/policies/types.ts";
import type { SequencedTransaction } from "../../../sequencer/types.ts";
import { ALICE, BOB, CAROL, context, label, transaction } from "./builders.ts";

/** A policy that returns only what `keep` keeps, in arrival order. */
const only = (keep: (transaction: SequencedTransaction) => boolean): OrderingPolicy => ({
  name: "only",
  order: (pending) => fcfsPolicy.order(pending, context()).filter(keep),
});

function mempoolOf(transactions: readonly SequencedTransaction[]): Mempool {
  const mempool = new Mempool();
  for (const pending of transactions) mempool.add(pending, 0);
  return mempool;
}

const take = (mempool: Mempool, policy: OrderingPolicy) => label(mempool.take(policy, context(), 30_000_000n));

describe("a policy that orders only some of the pending transactions", () => {
  it("leaves the rest pending for a later slot", () => {
    const mempool = mempoolOf([transaction(ALICE, 0, 0), transaction(BOB, 0, 1), transaction(CAROL, 0, 2)]);
    expect(take(mempool, only((t) => t.from === BOB))).to.deep.equal(["B:0"]);
    expect(mempool.size).to.equal(2);
    expect(take(mempool, fcfsPolicy)).to.deep.equal(["A:0", "C:0"]);
    expect(mempool.size).to.equal(0);
  });

  it("gets a sender's lowest nonces in the places it chose: the highest wait", () => {
    const mempool = mempoolOf([transaction(ALICE, 0, 0), transaction(ALICE, 1, 1), transaction(ALICE, 2, 2), transaction(BOB, 0, 3)]);
    // It asks for Alice's nonce 2 and Bob's: Alice's first place is her nonce 0.
    expect(take(mempool, only((t) => t.nonce === 2 || t.from === BOB))).to.deep.equal(["A:0", "B:0"]);
    expect(take(mempool, fcfsPolicy)).to.deep.equal(["A:1", "A:2"]);
  });

  it("never splits a bundle: one it returns only part of waits whole, with its senders' later nonces", () => {
    const bundle = "0xb0" as const;
    const mempool = mempoolOf([
      transaction(ALICE, 0, 0, { bundleId: bundle }),
      transaction(BOB, 0, 1, { bundleId: bundle }),
      transaction(ALICE, 1, 2),
      transaction(CAROL, 0, 3),
    ]);
    expect(take(mempool, only((t) => t.from !== BOB))).to.deep.equal(["C:0"]);
    expect(take(mempool, fcfsPolicy)).to.deep.equal(["A:0", "B:0", "A:1"]);
  });

  it("takes the mempool's own transactions for copies, and nothing that was not pending", () => {
    const pending = transaction(ALICE, 0, 0);
    const mempool = mempoolOf([pending]);
    const copies: OrderingPolicy = { name: "copies", order: () => [{ ...pending }, { ...pending }, transaction(CAROL, 9, 9)] };
    const taken = mempool.take(copies, context(), 30_000_000n);
    expect(taken).to.have.length(1);
    expect(taken[0]).to.equal(pending);
  });

  it("keepNonceOrder draws each sender's nonces from what is pending", () => {
    const pending = [transaction(ALICE, 0, 0), transaction(ALICE, 1, 1), transaction(BOB, 4, 2), transaction(BOB, 5, 3)];
    expect(label(keepNonceOrder([pending[3]!, pending[1]!], pending))).to.deep.equal(["B:4", "A:0"]);
  });

  it("keepBundlesWhole keeps whole bundles and everything unbundled", () => {
    const whole = [transaction(ALICE, 0, 0, { bundleId: "0x01" }), transaction(BOB, 0, 1, { bundleId: "0x01" })];
    const pending = [...whole, transaction(CAROL, 0, 2)];
    expect(label(keepBundlesWhole(pending, pending))).to.deep.equal(["A:0", "B:0", "C:0"]);
    expect(label(keepBundlesWhole([whole[0]!, pending[2]!], pending))).to.deep.equal(["C:0"]);
  });
});
