import { expect } from "chai";
import { type Address, type Hex, keccak256 } from "viem";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import type { BatchView, DevnetEvent, DevnetView, SlotView, StatusView, TxChip } from "../../devnet/view/types.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import { labelAddress, rpc, rpcResult, signTransfer, startTestDevnet, waitUntil } from "../support/fixtures.ts";
import { deploySeatBooking, signBooking } from "../support/seat-booking.ts";
import { SocketClient } from "../support/websocket.ts";

const SLOT_MS = 250;
/** Accounts of this file: one per story, so that their nonces start at 0. */
const SENDER = { transfer: 3, booking: 4, overbooking: 5, reverted: 6 } as const;

/** The classroom view's feed on the L1 endpoint, as the page hears it. */
class Feed {
  readonly client: SocketClient;
  readonly id: string;

  private constructor(client: SocketClient, id: string) {
    this.client = client;
    this.id = id;
  }

  static async open(devnet: Devnet): Promise<Feed> {
    const client = await SocketClient.connect(devnet.l1.wsUrl!);
    return new Feed(client, await client.call<string>("eth_subscribe", ["xr_devnet"]));
  }

  events(): DevnetEvent[] {
    return this.client.notifications(this.id).map(({ result }) => result as DevnetEvent);
  }

  /** The first event (from `from` on) that `test` picks, waiting for it. */
  async next<T>(pick: (event: DevnetEvent) => T | undefined, from = 0): Promise<T> {
    let found: T | undefined;
    await waitUntil(
      () => {
        found = this.events().slice(from).map(pick).find((value) => value !== undefined);
        return found !== undefined;
      },
      { what: "a feed event" },
    );
    return found!;
  }

  slotWith(hash: Hex, from = 0): Promise<SlotView> {
    return this.next((event) => (event.kind === "slot" && [...event.slot.chips, ...event.slot.dropped].some((chip) => chip.hash === hash) ? event.slot : undefined), from);
  }

  close(): void {
    this.client.socket.close();
  }
}

describe("the classroom view's live feed on the L1 endpoint (xr_devnet)", function () {
  let devnet: Devnet;
  let a: DevnetChain;
  let b: DevnetChain;
  let booking: Address;
  let feed: Feed;

  before(async () => {
    devnet = await startTestDevnet({ rollups: 2, slotMs: SLOT_MS });
    [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
    booking = await deploySeatBooking(devnet, 3n);
    await waitUntil(async () => (await b.publicClient.getCode({ address: booking })) !== undefined, { what: "SeatBooking on every rollup" });
    feed = await Feed.open(devnet);
  });
  after(async () => {
    feed?.close();
    await devnet?.stop();
  });

  it("starts with the state: one lane per rollup and the sequencer panel", async () => {
    const first = feed.events()[0];
    expect(first?.kind).to.equal("state");
    const { state } = first as { kind: "state"; state: DevnetView };
    expect(state.l1.chainId).to.equal(devnet.l1.chainId);
    expect(state.rollups.map((rollup) => rollup.chainId)).to.deep.equal([a.chainId, b.chainId]);
    expect(state.status).to.include({ mode: "slots", policy: "fcfs", paused: false });
    // SeatBooking's deployments are there already, as included chips of the slots kept.
    expect(state.slots.flatMap((slot) => slot.chips).filter((chip) => chip.chainId === b.chainId)).to.not.be.empty;
  });

  it("shows a transfer sent over HTTP: pending, then included in a slot with its global sequence number and sender", async () => {
    const from = feed.events().length;
    const raw = await signTransfer(devnet, a.chainId, SENDER.transfer, 0, labelAddress("view transfer"), 1n);
    const hash = await rpcResult<Hex>(a.rpcUrl!, "eth_sendRawTransaction", [raw]);

    const pending = await feed.next((event) => (event.kind === "pending" && event.tx.hash === hash ? event.tx : undefined), from);
    expect(pending).to.include({ chainId: a.chainId, status: "pending", role: "transaction", from: devnet.accounts[SENDER.transfer]!.address });
    const slot = await feed.slotWith(hash, from);
    const chip = slot.chips.find((candidate) => candidate.hash === hash)!;
    const status = await rpcResult<TransactionStatus>(a.rpcUrl!, "xr_getTransactionStatus", [hash]);
    expect(chip).to.deep.include({ chainId: a.chainId, status: "included", role: "transaction", globalSeq: status.globalSeq, slot: status.slot, blockNumber: status.blockNumber });
    expect(chip.from.toLowerCase()).to.equal(devnet.accounts[SENDER.transfer]!.address.toLowerCase());
  });

  it("draws a cross-rollup message as an arrow from the trigger's chip to its action's", async () => {
    const from = feed.events().length;
    const raw = await signBooking(devnet, { from: SENDER.booking, nonce: 0, source: a.chainId, destination: b.chainId, seats: 1n, address: booking });
    const hash = keccak256(raw);
    await rpcResult(a.rpcUrl!, "eth_sendRawTransaction", [raw]);

    const slot = await feed.slotWith(hash, from);
    const action = slot.chips.find((chip) => chip.messageOf === hash);
    expect(action).to.include({ chainId: b.chainId, role: "action", status: "included" });
    expect(slot.messages).to.deep.include({ trigger: hash, action: action!.hash, from: a.chainId, to: b.chainId });
    const trigger = slot.chips.find((chip) => chip.hash === hash)!;
    expect(trigger.globalSeq).to.be.lessThan(action!.globalSeq!);
  });

  it("shows a trigger whose action reverts as dropped, red on both rollups, with its reason", async () => {
    const from = feed.events().length;
    const raw = await signBooking(devnet, { from: SENDER.overbooking, nonce: 0, source: a.chainId, destination: b.chainId, seats: 50n, address: booking });
    const hash = keccak256(raw);
    await rpcResult(a.rpcUrl!, "eth_sendRawTransaction", [raw]);

    const slot = await feed.slotWith(hash, from);
    const dropped = slot.dropped.find((chip) => chip.hash === hash)!;
    const status = await rpcResult<TransactionStatus>(a.rpcUrl!, "xr_getTransactionStatus", [hash]);
    expect(dropped).to.include({ status: "dropped", chainId: a.chainId, reasonCode: "action-reverted" });
    expect(dropped.chains).to.deep.equal([a.chainId, b.chainId]);
    // No demo error here: the words are the sequencer's own.
    expect(dropped.reason).to.equal(status.reason);
    expect(slot.chips.map((chip) => chip.hash)).to.not.include(hash);
  });

  it("tells each batch L1 accepts, with its global range and size", async () => {
    const raw = await signTransfer(devnet, a.chainId, SENDER.transfer, 1, labelAddress("view batch"), 1n);
    const hash = await rpcResult<Hex>(a.rpcUrl!, "eth_sendRawTransaction", [raw]);
    const from = feed.events().length;
    const { globalSeq } = await feed.next((event) => (event.kind === "slot" ? event.slot.chips.find((chip) => chip.hash === hash) : undefined), 0);
    const batch = await feed.next<BatchView>(
      (event) => (event.kind === "batch" && event.batch.globalSeqStart <= globalSeq! && globalSeq! < event.batch.globalSeqEnd ? event.batch : undefined),
      Math.max(0, from - 20),
    );
    const status = await rpcResult<TransactionStatus>(a.rpcUrl!, "xr_getTransactionStatus", [hash]);
    expect(batch).to.include({ number: status.batch!.number, l1TxHash: status.batch!.l1TxHash });
    expect(batch.bytes).to.be.greaterThan(0);
  });

  it("pauses the slot timer, steps exactly one slot at a time, and resumes", async () => {
    const from = feed.events().length;
    expect(await rpcResult(devnet.l1.rpcUrl!, "xr_pause")).to.equal(true);
    const paused = await feed.next((event) => (event.kind === "status" && event.status.paused ? event.status : undefined), from);
    // A slot already under way when the timer paused may still land: read the slot once nothing moves.
    const settled = await stillSlot(devnet);

    const stepped = await rpcResult<number>(devnet.l1.rpcUrl!, "xr_step");
    expect(stepped).to.equal(settled + 1);
    expect(await stillSlot(devnet)).to.equal(settled + 1);
    const status = await rpcResult<StatusView>(devnet.l1.rpcUrl!, "xr_getSequencerStatus");
    expect(status).to.include({ paused: true, slot: settled + 1 });
    expect(paused.paused).to.equal(true);
    await feed.next((event) => (event.kind === "slot" && event.slot.slot === stepped ? event.slot : undefined), from);

    expect(await rpcResult(devnet.l1.rpcUrl!, "xr_resume")).to.equal(true);
    await waitUntil(async () => (await rpcResult<StatusView>(devnet.l1.rpcUrl!, "xr_getSequencerStatus")).slot > settled + 2, { what: "slots after xr_resume" });
  });

  it("after xr_revert, says reset and ends; subscribing again gives the state of the snapshot", async () => {
    const snapshot = await rpcResult<Hex>(devnet.l1.rpcUrl!, "xr_snapshot");
    const raw = await signTransfer(devnet, a.chainId, SENDER.reverted, 0, labelAddress("view reverted"), 1n);
    const hash = await rpcResult<Hex>(a.rpcUrl!, "eth_sendRawTransaction", [raw]);
    await feed.slotWith(hash);

    expect(await rpcResult(devnet.l1.rpcUrl!, "xr_revert", [snapshot])).to.equal(true);
    await feed.next((event) => (event.kind === "reset" ? event : undefined));
    const heard = feed.events().length;
    await new Promise((resolve) => setTimeout(resolve, 2 * SLOT_MS));
    // The subscription ended with the reset: nothing more comes on it.
    expect(feed.events().length).to.equal(heard);

    feed.close();
    feed = await Feed.open(devnet);
    const [first] = feed.events();
    const { state } = first as { kind: "state"; state: DevnetView };
    const chips: TxChip[] = [...state.pending, ...state.slots.flatMap((slot) => slot.chips)];
    expect(chips.map((chip) => chip.hash)).to.not.include(hash);
  });

  it("answers a scene name that is not one with -32602 listing the scenes", async () => {
    const { error } = await rpc(devnet.l1.rpcUrl!, "xr_runScene", ["no-such-scene"]);
    expect(error?.code).to.equal(-32602);
    expect(JSON.stringify(error)).to.contain("vault-cap-exceeded");
  });

  it("runs a demo scene from the page's button: the dropped deposit is red on both rollups, its reason in token units", async () => {
    const from = feed.events().length;
    const result = await rpcResult<{ outcome: string; transactionHash: Hex; chains: number[] }>(devnet.l1.rpcUrl!, "xr_runScene", ["vault-cap-exceeded"]);
    expect(result.outcome).to.equal("dropped");

    const slot = await feed.slotWith(result.transactionHash, from);
    const dropped = slot.dropped.find((chip) => chip.hash === result.transactionHash)!;
    expect(dropped.chains).to.deep.equal([a.chainId, b.chainId]);
    expect(dropped.reason).to.match(/xUSD/);
    expect(dropped.rawReason).to.contain("DepositCapExceeded");
  });
});

/** The last slot, once two slot lengths went by without another: the sequencer holds still. */
async function stillSlot(devnet: Devnet): Promise<number> {
  const read = async () => (await rpcResult<StatusView>(devnet.l1.rpcUrl!, "xr_getSequencerStatus")).slot;
  for (;;) {
    const before = await read();
    await new Promise((resolve) => setTimeout(resolve, 2 * SLOT_MS));
    if ((await read()) === before) return before;
  }
}
