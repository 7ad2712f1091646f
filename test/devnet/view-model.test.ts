import { expect } from "chai";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { DevnetViewModel, type DevnetViewSource } from "../../devnet/view/model.ts";
import { droppedChip, slotView } from "../../devnet/view/slot-view.ts";
import type { DevnetEvent, StatusView } from "../../devnet/view/types.ts";
import type { JournalEntry } from "../../sequencer/ports.ts";
import type { DropReason } from "../../sequencer/reasons.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import type { SequencedTransaction, SlotResult } from "../../sequencer/types.ts";

const A = 901;
const B = 902;
const ALICE: Address = "0x00000000000000000000000000000000000a11ce";
const RELAYER: Address = "0x0000000000000000000000000000000000000bee";
const LEADER: Address = "0x00000000000000000000000000000000000001ea";

function transaction(label: string, fields: Partial<SequencedTransaction> = {}): SequencedTransaction {
  return {
    hash: keccak256(toHex(label)),
    chainId: A,
    from: ALICE,
    to: RELAYER,
    nonce: 0,
    raw: "0x",
    gas: 21_000n,
    maxFeePerGas: 1n,
    maxPriorityFeePerGas: 1n,
    arrival: 0,
    receivedAt: 0,
    ...fields,
  };
}

function slot(number: number, parts: Partial<Pick<SlotResult, "included" | "dropped">> & { seq?: number } = {}): SlotResult {
  const zero: Hex = `0x${"00".repeat(32)}`;
  return {
    slot: number,
    timestamp: 1_700_000_000 + number,
    included: parts.included ?? [],
    dropped: parts.dropped ?? [],
    blocks: [],
    messageHashes: [],
    randomness: { commitment: zero, seed: zero },
    certificate: { view: number, leader: LEADER, signers: [LEADER] },
  };
}

function included(transaction: SequencedTransaction, globalSeq: number, slotNumber = 1) {
  return { transaction, inclusion: { globalSeq, blockNumber: 10 + globalSeq, blockHash: keccak256(toHex(globalSeq)), slot: slotNumber } };
}

const actionReverted: DropReason = {
  code: "action-reverted",
  message: "the action on rollup 902 failed: SoldOut(…)",
  failedLeg: { role: "action", chainId: B, target: RELAYER, data: "0x12345678", depth: 1 },
};

describe("the classroom view's mapping of a slot (pure)", () => {
  const trigger = transaction("trigger");
  const action = transaction("action", { chainId: B, from: RELAYER, relayOf: trigger.hash, arrival: -1 });
  const failing = transaction("failing", { nonce: 1 });

  it("gives each included transaction and action a chip with its global sequence number, and an arrow per message", () => {
    const view = slotView(slot(3, { included: [included(trigger, 7, 3), included(action, 8, 3)] }), { chainOrder: [A, B] });

    expect(view).to.deep.include({ slot: 3, leader: LEADER, dropped: [] });
    expect(view.chips).to.deep.equal([
      { hash: trigger.hash, chainId: A, from: ALICE, to: RELAYER, role: "transaction", globalSeq: 7, status: "included", slot: 3, blockNumber: 17 },
      { hash: action.hash, chainId: B, from: RELAYER, to: RELAYER, role: "action", messageOf: trigger.hash, globalSeq: 8, status: "included", slot: 3, blockNumber: 18 },
    ]);
    expect(view.messages).to.deep.equal([{ trigger: trigger.hash, action: action.hash, from: A, to: B }]);
  });

  it("shows a unit whose action reverted as dropped on both rollups, with the explained reason and the raw one", () => {
    const explain = (reason: DropReason) => `plain: ${reason.code}`;
    const [chip] = slotView(slot(4, { dropped: [{ transaction: failing, reason: actionReverted }] }), { chainOrder: [A, B], explain }).dropped;

    expect(chip).to.deep.equal({
      hash: failing.hash,
      chainId: A,
      from: ALICE,
      to: RELAYER,
      role: "transaction",
      status: "dropped",
      slot: 4,
      reason: "plain: action-reverted",
      reasonCode: "action-reverted",
      chains: [A, B],
      rawReason: actionReverted.message,
    });
  });

  it("lists a dropped unit's chains in registration order, once each, and leaves rawReason out when the words are the sequencer's", () => {
    const onB = transaction("on B", { chainId: B });
    const reverted: DropReason = { ...actionReverted, code: "reverted", failedLeg: { ...actionReverted.failedLeg!, chainId: A } };
    expect(droppedChip(onB, reverted, { chainOrder: [A, B] }).chains).to.deep.equal([A, B]);
    const own = droppedChip(failing, { code: "reverted", message: "reverted" }, { chainOrder: [A, B] });
    expect(own.chains).to.deep.equal([A]);
    expect(own).to.not.have.property("rawReason");
  });
});

/** A source with fixed chains and status, and the outcomes a test sets. */
function fakeSource(statuses: Map<Hex, TransactionStatus> = new Map()): DevnetViewSource {
  return {
    chains: () => ({ l1: { chainId: 900, name: "L1", rpcUrl: null }, rollups: [A, B].map((chainId) => ({ chainId, name: `rollup-${chainId}`, rpcUrl: null })) }),
    status: () => ({ slot: 0, paused: false }) as StatusView,
    transactionStatus: (hash) => statuses.get(hash) ?? null,
  };
}

describe("the classroom view's model (no chain)", () => {
  it("tells a listener pending transactions, then their slot and the status; forgets them from pending once included", () => {
    const model = new DevnetViewModel({ source: fakeSource() });
    const heard: DevnetEvent[] = [];
    model.listen((event) => heard.push(event));
    const sent = transaction("sent");

    model.events.onAccepted!(sent);
    expect(model.view().pending.map((chip) => chip.hash)).to.deep.equal([sent.hash]);
    model.events.onSlot!(slot(1, { included: [included(sent, 0)] }));

    expect(heard.map((event) => event.kind)).to.deep.equal(["pending", "slot", "status"]);
    expect(model.view().pending).to.deep.equal([]);
    expect(model.view().slots.map((view) => view.slot)).to.deep.equal([1]);
  });

  it("replaces a pending chip by the transaction that replaced it (same sender and nonce)", () => {
    const model = new DevnetViewModel({ source: fakeSource() });
    const first = transaction("first");
    const replacement = transaction("replacement", { maxFeePerGas: 2n });
    model.events.onAccepted!(first);
    model.events.onAccepted!(replacement);
    expect(model.view().pending.map((chip) => chip.hash)).to.deep.equal([replacement.hash]);
  });

  it("shows the later nonces a dropped transaction took with it in the same slot", () => {
    const failingFirst = transaction("nonce 0", { nonce: 0 });
    const later = transaction("nonce 1", { nonce: 1 });
    const statuses = new Map<Hex, TransactionStatus>([
      [later.hash, { status: "dropped", globalSeq: null, chainId: A, blockNumber: null, slot: null, batch: null, reason: "an earlier transaction of the sender (nonce 0) was dropped", reasonCode: "nonce-dropped" }],
    ]);
    const model = new DevnetViewModel({ source: fakeSource(statuses) });
    model.events.onAccepted!(failingFirst);
    model.events.onAccepted!(later);
    model.events.onSlot!(slot(1, { dropped: [{ transaction: failingFirst, reason: actionReverted }] }));

    const [view] = model.view().slots;
    expect(view!.dropped.map((chip) => [chip.hash, chip.reasonCode])).to.deep.equal([
      [failingFirst.hash, "action-reverted"],
      [later.hash, "nonce-dropped"],
    ]);
    expect(model.view().pending).to.deep.equal([]);
  });

  it("keeps the last slots only", () => {
    const model = new DevnetViewModel({ source: fakeSource(), slotLimit: 3 });
    for (let number = 1; number <= 5; number++) model.events.onSlot!(slot(number));
    expect(model.view().slots.map((view) => view.slot)).to.deep.equal([3, 4, 5]);
  });

  it("rebuilds from the journal after a revert: slots, pending, batches with their global ranges; listeners hear reset and are let go", () => {
    const model = new DevnetViewModel({ source: fakeSource() });
    const heard: DevnetEvent[] = [];
    model.listen((event) => heard.push(event));
    const first = transaction("first");
    const second = transaction("second", { nonce: 1 });
    const waiting = transaction("waiting", { nonce: 2 });
    const inbox = (nextGlobalSeq: number) => ({ batchNumber: 0, batchHash: keccak256(toHex(nextGlobalSeq)), nextGlobalSeq, heads: [] });
    const posted = (number: number, first: number, last: number) => ({ number, l1TxHash: keccak256(toHex(`l1 ${number}`)), hash: keccak256(toHex(`batch ${number}`)), slots: { first, last } });
    const journal: JournalEntry[] = [
      { kind: "accepted", transaction: first },
      { kind: "slot", slot: slot(1, { included: [included(first, 0)] }) },
      { kind: "settled", hash: first.hash, outcome: { kind: "included", inclusion: included(first, 0).inclusion } },
      { kind: "batch", posted: posted(1, 1, 1), inbox: inbox(1) },
      { kind: "accepted", transaction: second },
      { kind: "slot", slot: slot(2, { included: [included(second, 1, 2)] }) },
      { kind: "batch", posted: posted(2, 2, 2), inbox: inbox(2) },
      { kind: "slot", slot: slot(3) },
      { kind: "batch", posted: posted(3, 3, 3), inbox: inbox(2) },
      { kind: "accepted", transaction: waiting },
    ];

    model.rebuild(journal);

    expect(heard).to.deep.equal([{ kind: "reset" }]);
    const view = model.view();
    expect(view.slots.map((kept) => kept.slot)).to.deep.equal([1, 2, 3]);
    expect(view.pending.map((chip) => chip.hash)).to.deep.equal([waiting.hash]);
    expect(view.batches.map(({ number, globalSeqStart, globalSeqEnd }) => [number, globalSeqStart, globalSeqEnd])).to.deep.equal([
      [1, 0, 1],
      [2, 1, 2],
      [3, 2, 2],
    ]);
    // The reset let the listener go.
    model.events.onSlot!(slot(4));
    expect(heard).to.have.length(1);
  });
});
