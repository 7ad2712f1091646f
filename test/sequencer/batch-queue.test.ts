import { randomBytes as nodeRandomBytes } from "node:crypto";
import { expect } from "chai";
import { type Address, type Hex, keccak256, toHex, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { applyBatch, type Batch, buildBatch, type InboxState } from "../../sequencer/batch/builder.ts";
import { BatchQueue, InboxConflictError, MAX_BATCH_DATA_BYTES } from "../../sequencer/batch/queue.ts";
import { ManualClock } from "../../sequencer/clock.ts";
import type { ForcedEntry } from "../../sequencer/forced.ts";
import { batchDigest, signDigest, signerOf, type SigningDomain } from "../../sequencer/committee/certificate.ts";
import type { CertifiedBatch } from "../../sequencer/committee/committee.ts";
import type { InboxHead, L1Port, PostedOnL1 } from "../../sequencer/ports.ts";
import type { SlotResult } from "../../sequencer/types.ts";

const CHAIN_ID = 901;

const randomBytes = (length: number): Hex => toHex(nodeRandomBytes(length));

/** The fake inbox's committee of one, and what its signatures are valid for. */
const MEMBER_KEY = keccak256(toHex("batch queue member"));
const MEMBER = privateKeyToAccount(MEMBER_KEY).address;
const DOMAIN: SigningDomain = { l1ChainId: 31_337, inbox: "0x1000000000000000000000000000000000000001" };
/** The view every batch is certified in: not 0, so that a batch rebuilt in another view would not match L1's. */
const VIEW = 3;

/** The committee's part, as the queue takes it: the member signs the batch built for {@link VIEW} and posts it. */
async function certify(build: (viewNumber: number) => Batch): Promise<CertifiedBatch> {
  const batch = build(VIEW);
  return { ...batch, certificate: [signDigest(batchDigest(DOMAIN, batch.hash), MEMBER_KEY)], signers: [MEMBER], poster: MEMBER };
}

const GENESIS: InboxState = {
  batchNumber: 0,
  batchHash: zeroHash,
  nextGlobalSeq: 0,
  heads: [{ chainId: CHAIN_ID, head: { blockNumber: 0, blockHash: keccak256(toHex("genesis")), stateRoot: keccak256(toHex("root 0")) } }],
};

/** Slot `n` with one empty block (block `n`) on the one rollup. */
function slot(n: number): SlotResult {
  return {
    slot: n,
    timestamp: 1_000 + n,
    included: [],
    dropped: [],
    blocks: [{ chainId: CHAIN_ID, number: n, hash: keccak256(toHex(`block ${n}`)), stateRoot: keccak256(toHex(`root ${n}`)), timestamp: 1_000 + n, transactions: [] }],
    messageHashes: [{ sent: [zeroHash], relayed: [zeroHash] }],
    randomness: { commitment: zeroHash, seed: zeroHash },
  };
}

/** Slot `n` whose one block carries `raw` as its one transaction. */
function slotCarrying(n: number, raw: Hex): SlotResult {
  const empty = slot(n);
  return { ...empty, blocks: empty.blocks.map((block) => ({ ...block, transactions: [raw] })) };
}

/**
 * An L1 that accepts the certified batches that chain onto its inbox, fails
 * the next `failures` posts, and lets a test post as another account would.
 */
class FakeL1 implements L1Port {
  inbox: InboxState = GENESIS;
  failures = 0;
  /** The batches the inbox accepted: batch `n` at index `n - 1`. */
  readonly posted: Batch[] = [];

  async postBatch(batch: CertifiedBatch): Promise<Hex> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error("L1 is down");
    }
    if (batch.header.prevHash !== this.inbox.batchHash) throw new Error("BatchOutOfOrder");
    const [signature] = batch.certificate;
    if (signature === undefined || signerOf(batchDigest(DOMAIN, batch.hash), signature) !== MEMBER) throw new Error("LeaderSignatureMissing");
    this.accept(batch);
    return keccak256(toHex(`l1 tx ${batch.header.number}`));
  }

  accept(batch: Batch): void {
    this.posted.push(batch);
    this.inbox = applyBatch(this.inbox, batch);
  }

  async inboxHead(): Promise<InboxHead> {
    return { batchCount: this.inbox.batchNumber, lastBatchHash: this.inbox.batchHash, nextGlobalSeq: this.inbox.nextGlobalSeq };
  }

  async batchTransaction(number: number): Promise<PostedOnL1 | undefined> {
    const batch = this.posted[number - 1];
    if (batch === undefined) return undefined;
    return { l1TxHash: keccak256(toHex(`l1 tx ${number}`)), viewNumber: Number(batch.header.viewNumber) };
  }

  async committeeMembers(): Promise<Address[]> {
    return [MEMBER];
  }

  /** Nobody forces a transaction through this L1. */
  async forcedQueue(): Promise<ForcedEntry[]> {
    return [];
  }
}

function queueOn(l1: FakeL1, clock: ManualClock, { maxBlocksPerBatch = 100 } = {}) {
  const errors: unknown[] = [];
  const queue = new BatchQueue({
    l1,
    inbox: GENESIS,
    clock,
    maxBlocksPerBatch,
    check: () => undefined,
    certify,
    onError: (error) => errors.push(error),
  });
  return { queue, errors };
}

/** Lets the queue's promise chain run after the clock fired a timer. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("batch queue (fake L1, manual clock)", function () {
  it("posts the slots produced so far as one batch, and the next ones as the next batch", async function () {
    const l1 = new FakeL1();
    const { queue } = queueOn(l1, new ManualClock(0));
    queue.add(slot(1));
    queue.add(slot(2));
    await queue.flush();
    queue.add(slot(3));
    await queue.flush();
    expect(l1.posted.map((batch) => [Number(batch.header.number), batch.slots])).to.deep.equal([
      [1, { first: 1, last: 2 }],
      [2, { first: 3, last: 3 }],
    ]);
    expect(queue.batchOf(2)?.number).to.equal(1);
    expect(queue.batchOf(3)?.number).to.equal(2);
    expect(queue.unbatched).to.have.length(0);
  });

  it("retries a failed post with backoff on the clock (50 ms, then 100 ms), in order, and keeps the slots meanwhile", async function () {
    const l1 = new FakeL1();
    const clock = new ManualClock(0);
    const { queue, errors } = queueOn(l1, clock);
    l1.failures = 2;
    queue.add(slot(1));
    await queue.flush();
    expect([l1.posted.length, queue.failures, queue.batchOf(1)]).to.deep.equal([0, 1, null]);
    clock.advance(49);
    await settle();
    expect(queue.failures).to.equal(1);
    clock.advance(1);
    await settle();
    expect([l1.posted.length, queue.failures]).to.deep.equal([0, 2]);
    queue.add(slot(2));
    clock.advance(100);
    await settle();
    expect(l1.posted.map((batch) => batch.slots)).to.deep.equal([{ first: 1, last: 2 }]);
    expect([queue.failures, errors.length]).to.deep.equal([0, 2]);
  });

  it("splits slots into batches that keep every rollup within the inbox's block limit", async function () {
    const l1 = new FakeL1();
    const { queue } = queueOn(l1, new ManualClock(0), { maxBlocksPerBatch: 2 });
    for (let n = 1; n <= 5; n++) queue.add(slot(n));
    await queue.flush();
    expect(l1.posted.map((batch) => batch.slots)).to.deep.equal([
      { first: 1, last: 2 },
      { first: 3, last: 4 },
      { first: 5, last: 5 },
    ]);
  });

  it("splits a backlog that does not compress into batches one L1 transaction can carry, in order", async function () {
    const l1 = new FakeL1();
    const { queue, errors } = queueOn(l1, new ManualClock(0));
    // 40 slots of 20 KB of random bytes each (as ciphertexts are): about 800 KB, three times what one batch may hold.
    for (let n = 1; n <= 40; n++) queue.add(slotCarrying(n, randomBytes(20_000)));
    await queue.flush();
    expect(errors).to.deep.equal([]);
    expect(l1.posted.length).to.be.greaterThan(3);
    for (const batch of l1.posted) expect((batch.data.length - 2) / 2).to.be.at.most(MAX_BATCH_DATA_BYTES);
    const slots = l1.posted.map((batch) => batch.slots);
    expect(slots[0]!.first).to.equal(1);
    expect(slots.at(-1)!.last).to.equal(40);
    for (const [index, range] of slots.entries()) if (index > 0) expect(range.first).to.equal(slots[index - 1]!.last + 1);
  });

  it("notices another account posted to the inbox, says so, and stops retrying a doomed batch", async function () {
    const l1 = new FakeL1();
    const clock = new ManualClock(0);
    const { queue, errors } = queueOn(l1, clock);
    // Someone else's batch 1, with another block 1, lands first.
    const theirs = slot(1);
    theirs.blocks[0]!.hash = keccak256(toHex("their block 1"));
    l1.accept(buildBatch([theirs], GENESIS));
    queue.add(slot(1));
    await queue.flush();
    expect(errors.at(-1)).to.be.instanceOf(InboxConflictError);
    expect(queue.conflict?.expected.batchCount).to.equal(0);
    expect(queue.conflict?.actual.batchCount).to.equal(1);
    const attempts = errors.length;
    clock.advance(60_000);
    await settle();
    await queue.flush();
    expect(errors).to.have.length(attempts);
    expect(l1.posted).to.have.length(1);
  });

  it("on restart, recognises a batch L1 accepted before the crash recorded it", async function () {
    const l1 = new FakeL1();
    const before = queueOn(l1, new ManualClock(0)).queue;
    before.add(slot(1));
    before.add(slot(2));
    await before.flush();
    // The crash came before the journal recorded batch 1: the restarted queue has its slots as unbatched.
    const { queue } = queueOn(l1, new ManualClock(0));
    queue.add(slot(1));
    queue.add(slot(2));
    queue.add(slot(3));
    await queue.reconcile();
    expect(queue.posted.map(({ number, slots }) => [number, slots])).to.deep.equal([[1, { first: 1, last: 2 }]]);
    expect(queue.unbatched.map(({ slot: n }) => n)).to.deep.equal([3]);
    await queue.flush();
    expect(l1.posted.map((batch) => Number(batch.header.number))).to.deep.equal([1, 2]);
  });
});
