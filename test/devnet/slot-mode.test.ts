import { expect } from "chai";
import { type Hex, keccak256 } from "viem";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { JSON_RPC_ERROR_CODES } from "../../errors/base.ts";
import { SequencerStoppedError } from "../../sequencer/errors.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import { accountAddress, labelAddress, readInboxState, rpcBatch, signTransfer, startTestDevnet, waitUntil } from "../support/fixtures.ts";

const SLOT_MS = 200;
const RECIPIENT = labelAddress("slot-mode recipient");

async function blockNumber(chain: DevnetChain): Promise<number> {
  // Straight from the provider: viem's public client caches the block number.
  return Number(await chain.provider.request({ method: "eth_blockNumber" }));
}

/**
 * Resolves just after a slot has produced its blocks, so that what a test
 * sends next lands well inside the following slot.
 */
async function slotBoundary(devnet: Devnet): Promise<void> {
  const start = await Promise.all(devnet.rollups.map(blockNumber));
  await waitUntil(
    async () => (await Promise.all(devnet.rollups.map(blockNumber))).every((number, index) => number > start[index]!),
    { intervalMs: 5, what: "the next slot" },
  );
}

/** Waits `slots` whole slots. */
async function waitSlots(devnet: Devnet, slots: number): Promise<void> {
  for (let i = 0; i < slots; i++) await slotBoundary(devnet);
}

async function sendRaw(chain: DevnetChain, raw: Hex): Promise<Hex> {
  return (await chain.provider.request({ method: "eth_sendRawTransaction", params: [raw] })) as Hex;
}

describe("slot mode", function () {
  let devnet: Devnet;
  let a: DevnetChain;
  let b: DevnetChain;
  const status = (hash: Hex): TransactionStatus => {
    const found = devnet.sequencer.transactionStatus(hash);
    expect(found, `status of ${hash}`).to.not.equal(null);
    return found!;
  };

  before(async function () {
    devnet = await startTestDevnet({ rollups: 2, slotMs: SLOT_MS });
    [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
  });

  after(async function () {
    await devnet?.stop();
  });

  it("answers eth_sendRawTransaction with the hash at once, pending until its slot includes it", async function () {
    const sender = accountAddress(devnet, 1);
    const raw = await signTransfer(devnet, a.chainId, 1, 0, RECIPIENT, 1_000n);
    await slotBoundary(devnet);
    // One HTTP batch: its entries are served one after the other, before any slot can run.
    const [sent, pending, pendingNonce, latestNonce] = await rpcBatch(a.rpcUrl!, [
      ["eth_sendRawTransaction", [raw]],
      ["xr_getTransactionStatus", [keccak256(raw)]],
      ["eth_getTransactionCount", [sender, "pending"]],
      ["eth_getTransactionCount", [sender, "latest"]],
    ]);
    const hash = sent!.result as Hex;
    expect(hash).to.equal(keccak256(raw));
    expect(pending!.result).to.deep.equal({
      status: "pending",
      globalSeq: null,
      chainId: a.chainId,
      blockNumber: null,
      slot: null,
      batch: null,
    });
    expect(pendingNonce!.result).to.equal("0x1");
    expect(latestNonce!.result).to.equal("0x0");

    const outcome = await devnet.sequencer.waitForOutcome(hash);
    expect(outcome.kind).to.equal("included");
    const included = status(hash);
    expect(included.status).to.equal("included");
    expect(included.slot).to.be.a("number");
    // Every slot makes one block on every rollup, from block 1 on.
    expect(included.blockNumber).to.equal(included.slot);
    const receipt = await a.publicClient.getTransactionReceipt({ hash });
    expect(Number(receipt.blockNumber)).to.equal(included.blockNumber);
    expect(await a.publicClient.getTransactionCount({ address: sender })).to.equal(1);
    await waitUntil(() => status(hash).batch !== null, { what: "the slot's batch" });
  });

  it("puts the transactions of one slot into one block per rollup", async function () {
    const senders = [2, 3, 4];
    const raws = await Promise.all(
      [a, b].flatMap((rollup) => senders.map((sender) => signTransfer(devnet, rollup.chainId, sender, 0, RECIPIENT, 1n))),
    );
    await slotBoundary(devnet);
    const hashes = await Promise.all(raws.map((raw, index) => sendRaw(index < senders.length ? a : b, raw)));
    for (const hash of hashes) expect(status(hash).status).to.equal("pending");

    await Promise.all(hashes.map((hash) => devnet.sequencer.waitForOutcome(hash)));
    const statuses = hashes.map(status);
    expect(new Set(statuses.map((s) => s.status))).to.deep.equal(new Set(["included"]));
    expect(new Set(statuses.map((s) => s.slot)).size).to.equal(1);
    for (const rollup of [a, b]) {
      const ours = statuses.filter((s) => s.chainId === rollup.chainId);
      expect(new Set(ours.map((s) => s.blockNumber)).size).to.equal(1);
      const block = await rollup.publicClient.getBlock({ blockNumber: BigInt(ours[0]!.blockNumber!) });
      expect(block.transactions).to.have.length(senders.length);
      expect(Number(await rollup.publicClient.getBalance({ address: RECIPIENT }))).to.be.at.least(senders.length);
    }
  });

  it("gives every rollup a block in every slot, empty or not, and commits them all to L1", async function () {
    await slotBoundary(devnet);
    const from = await blockNumber(a);
    await waitSlots(devnet, 3);
    for (let number = from + 1; number <= from + 3; number++) {
      const [blockA, blockB] = await Promise.all(
        [a, b].map((rollup) => rollup.publicClient.getBlock({ blockNumber: BigInt(number) })),
      );
      expect(blockA!.transactions, `rollup ${a.chainId} block ${number}`).to.deep.equal([]);
      expect(blockB!.transactions, `rollup ${b.chainId} block ${number}`).to.deep.equal([]);
      // One slot, one timestamp on every rollup.
      expect(blockA!.timestamp).to.equal(blockB!.timestamp);
    }
    await devnet.sequencer.flush();
    const inbox = await readInboxState(devnet);
    const [headA, headB] = inbox.heads.map(({ head }) => head);
    // A batch covers whole slots, so every rollup's committed head is the same block number.
    expect(headA!.blockNumber).to.equal(headB!.blockNumber);
    expect(headA!.blockNumber).to.be.greaterThanOrEqual(from + 3);
  });

  it("holds a transaction behind a nonce gap until the gap fills, then includes both in nonce order", async function () {
    const senderIndex = 5;
    const sender = accountAddress(devnet, senderIndex);
    const [first, second] = await Promise.all(
      [0, 1].map((nonce) => signTransfer(devnet, a.chainId, senderIndex, nonce, RECIPIENT, 1n)),
    );
    const secondHash = await sendRaw(a, second!);
    const [pendingNonce] = await rpcBatch(a.rpcUrl!, [["eth_getTransactionCount", [sender, "pending"]]]);
    // The queued nonce 1 cannot run yet, so the next usable nonce is still 0.
    expect(pendingNonce!.result).to.equal("0x0");
    await waitSlots(devnet, 2);
    expect(status(secondHash).status).to.equal("pending");
    expect(await a.publicClient.getTransactionCount({ address: sender })).to.equal(0);

    await slotBoundary(devnet);
    const [sent, pendingAfter] = await rpcBatch(a.rpcUrl!, [
      ["eth_sendRawTransaction", [first]],
      ["eth_getTransactionCount", [sender, "pending"]],
    ]);
    const firstHash = sent!.result as Hex;
    expect(pendingAfter!.result).to.equal("0x2");

    await Promise.all([firstHash, secondHash].map((hash) => devnet.sequencer.waitForOutcome(hash)));
    expect(status(firstHash).status).to.equal("included");
    expect(status(secondHash).status).to.equal("included");
    expect(status(secondHash).globalSeq).to.be.greaterThan(status(firstHash).globalSeq!);
    const [receiptFirst, receiptSecond] = await Promise.all(
      [firstHash, secondHash].map((hash) => a.publicClient.getTransactionReceipt({ hash })),
    );
    expect(receiptSecond!.blockNumber).to.equal(receiptFirst!.blockNumber);
    expect(receiptSecond!.transactionIndex).to.be.greaterThan(receiptFirst!.transactionIndex);
    expect(await a.publicClient.getTransactionCount({ address: sender })).to.equal(2);
  });

  it("stop() includes what can run and drops what cannot, with a reason: nothing stays pending", async function () {
    const ready = await signTransfer(devnet, b.chainId, 6, 0, RECIPIENT, 1n);
    const gapped = await signTransfer(devnet, b.chainId, 7, 1, RECIPIENT, 1n);
    await slotBoundary(devnet);
    const readyHash = await sendRaw(b, ready);
    const gappedHash = await sendRaw(b, gapped);
    expect(status(readyHash).status).to.equal("pending");
    expect(devnet.sequencer.pendingCount).to.equal(2);

    await devnet.stop();

    expect(devnet.sequencer.pendingCount).to.equal(0);
    const included = status(readyHash);
    expect(included.status).to.equal("included");
    expect(included.batch, "the last batch, posted on stop").to.not.equal(null);
    const dropped = status(gappedHash);
    expect(dropped.status).to.equal("dropped");
    expect(dropped.reason).to.be.a("string").and.not.equal("");
    const late = await signTransfer(devnet, b.chainId, 8, 0, RECIPIENT, 1n);
    const error = await devnet.sequencer.submitRawTransaction(b.chainId, late).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).to.be.instanceOf(SequencerStoppedError);
    expect((error as SequencerStoppedError).code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
  });
});
