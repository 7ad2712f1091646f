import { expect } from "chai";
import { type Hex, keccak256, toHex } from "viem";
import { applyBatch, type Batch, buildBatch, type InboxState } from "../../sequencer/batch/builder.ts";
import { encodeBatchPayload } from "../../sequencer/batch/codec.ts";
import {
  type BatchProblem,
  type BatchReplay,
  checkEncryptedOrder,
  InconsistentBatchError,
  type L1BatchData,
  MAX_BLOCK_TIMESTAMP,
  planBatch,
  planReplay,
  type PostedBatchData,
  timestampProblem,
} from "../../sequencer/derivation/plan.ts";
import { createCommittee, encryptTransaction, orderCommitment, thresholdDecrypt } from "../../sequencer/encryption/threshold.ts";
import type { SequencedTransaction, SlotResult } from "../../sequencer/types.ts";

const hash = (n: number): Hex => toHex(n, { size: 32 });
const genesis: InboxState = {
  batchNumber: 0,
  batchHash: hash(0),
  nextGlobalSeq: 0,
  heads: [
    { chainId: 901, head: { blockNumber: 0, blockHash: hash(901), stateRoot: hash(9010) } },
    { chainId: 902, head: { blockNumber: 0, blockHash: hash(902), stateRoot: hash(9020) } },
  ],
};

function slot(number: number, transactions: { chainId: number; raw: Hex }[], firstSeq: number): SlotResult {
  const chainIds = [...new Set(transactions.map((t) => t.chainId))];
  const blocks = chainIds.map((chainId) => ({
    chainId,
    number,
    hash: hash(chainId * 100 + number),
    stateRoot: hash(chainId * 1000 + number),
    timestamp: 1_000 + number,
    transactions: transactions.filter((t) => t.chainId === chainId).map((t) => t.raw),
  }));
  const included = transactions.map(({ chainId, raw }, index) => {
    const block = blocks.find((b) => b.chainId === chainId)!;
    const transaction = { hash: hash(Number(BigInt(raw))), chainId, from: "0x0000000000000000000000000000000000000001", to: undefined, nonce: 0, raw, gas: 1n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, arrival: index, receivedAt: index } as SequencedTransaction;
    return { transaction, inclusion: { globalSeq: firstSeq + index, blockNumber: block.number, blockHash: block.hash, slot: number } };
  });
  const none = [hash(0), hash(0)];
  return { slot: number, timestamp: 1_000 + number, included, dropped: [], blocks, messageHashes: [{ sent: none, relayed: none }, { sent: none, relayed: none }], randomness: { commitment: hash(0), seed: hash(0) } };
}

const posted = (batch: Batch): PostedBatchData => ({ header: batch.header, commitments: batch.commitments, data: batch.data, l1TxHash: hash(1) });

describe("derivation plan", () => {
  const first = buildBatch(
    [slot(1, [{ chainId: 902, raw: "0x0a" }, { chainId: 901, raw: "0x0b" }, { chainId: 902, raw: "0x0c" }], 0)],
    genesis,
  );
  const second = buildBatch([slot(2, [{ chainId: 901, raw: "0x0d" }], 3)], applyBatch(genesis, first));

  it("gives every transaction the global sequence number the sequencer gave it", () => {
    const [one, two] = planReplay([posted(first), posted(second)]);
    expect(one!.rollups.map((r) => r.blocks.map((b) => b.globalSeqs))).to.deep.equal([[[1]], [[0, 2]]]);
    expect(two!.rollups.map((r) => r.blocks.map((b) => b.globalSeqs))).to.deep.equal([[[3]], []]);
  });

  it("chains batches: numbers, previous hashes, global ranges and block ranges follow on", () => {
    expect(second.header.number).to.equal(2n);
    expect(second.header.prevHash).to.equal(first.hash);
    expect([second.header.globalSeqStart, second.header.globalSeqEnd]).to.deep.equal([3n, 4n]);
    const [rollup901, rollup902] = second.commitments;
    expect([rollup901!.fromBlock, rollup901!.toBlock, rollup901!.txCount]).to.deep.equal([2n, 2n, 1]);
    // No block for 902 in this batch: an empty range that keeps its head.
    expect([rollup902!.fromBlock, rollup902!.toBlock, rollup902!.txCount]).to.deep.equal([2n, 1n, 0]);
    expect(rollup902!.stateRoot).to.equal(first.commitments[1]!.stateRoot);
  });

  const forgeries: { name: string; forge: (batch: PostedBatchData) => PostedBatchData }[] = [
    { name: "a payload with a transaction the commitments do not count", forge: (b) => ({ ...b, commitments: b.commitments.map((c) => ({ ...c, txCount: c.txCount + 1 })) }) },
    { name: "a global range longer than the global order", forge: (b) => ({ ...b, header: { ...b.header, globalSeqEnd: b.header.globalSeqEnd + 1n } }) },
    { name: "a block range the payload does not carry", forge: (b) => ({ ...b, commitments: b.commitments.map((c) => ({ ...c, toBlock: c.toBlock + 1n })) }) },
    { name: "rollups in another order", forge: (b) => ({ ...b, commitments: [...b.commitments].reverse() }) },
    {
      name: "a global order naming a rollup that is not there",
      forge: (b) => ({ ...b, data: encodeBatchPayload({ rollups: [{ chainId: 901, fromBlock: 1, blocks: [] }, { chainId: 902, fromBlock: 1, blocks: [] }], globalOrder: [5, 0, 0], encrypted: [] }) }),
    },
  ];
  for (const { name, forge } of forgeries) {
    it(`rejects ${name} with InconsistentBatchError`, () => {
      expect(() => planReplay([forge(posted(first))])).to.throw(InconsistentBatchError);
    });
  }

  describe("a hostile batch comes back as a problem, never thrown", () => {
    const U64_MAX = 2n ** 64n - 1n;
    const hostile: { name: string; batch: () => L1BatchData; problem: Pick<BatchProblem, "field" | "chainId" | "blockNumber"> }[] = [
      {
        name: "a batch posted through a contract",
        batch: () => ({ number: 1n, l1TxHash: hash(1), unreadable: "L1 transaction 0x01 is not a submitBatch call" }),
        problem: { field: "payload", chainId: 0, blockNumber: 0 },
      },
      { name: "data that is not DEFLATE", batch: () => ({ ...posted(first), data: "0xffffffff" }), problem: { field: "payload", chainId: 0, blockNumber: 0 } },
      { name: "no data at all", batch: () => ({ ...posted(first), data: "0x" }), problem: { field: "payload", chainId: 0, blockNumber: 0 } },
      {
        name: "a commitment to blocks up to 2^64 - 1",
        batch: () => ({ ...posted(first), commitments: first.commitments.map((c) => ({ ...c, toBlock: U64_MAX })) }),
        problem: { field: "blockRange", chainId: 901, blockNumber: 1 },
      },
      {
        name: "a global range of 2^64 - 1 transactions",
        batch: () => ({ ...posted(first), header: { ...first.header, globalSeqEnd: U64_MAX } }),
        problem: { field: "payload", chainId: 0, blockNumber: 0 },
      },
      {
        name: "a transaction count the payload does not carry",
        batch: () => ({ ...posted(first), commitments: first.commitments.map((c) => ({ ...c, txCount: c.txCount + 1 })) }),
        problem: { field: "payload", chainId: 901, blockNumber: 0 },
      },
    ];
    for (const { name, batch, problem } of hostile) {
      it(`${name}: ${problem.field}`, () => {
        const plan = planBatch(batch());
        expect(plan.ok).to.equal(false);
        if (!plan.ok) expect(plan.problem).to.include(problem);
      });
    }

    it("names the block range both ways", () => {
      const plan = planBatch({ ...posted(first), commitments: first.commitments.map((c) => ({ ...c, toBlock: U64_MAX })) });
      expect(plan).to.deep.equal({
        ok: false,
        problem: { field: "blockRange", chainId: 901, blockNumber: 1, expected: `blocks 1-${U64_MAX}`, actual: "blocks 1-1" },
      });
    });

    it("planReplay still throws them, as InconsistentBatchError", () => {
      expect(() => planReplay([{ ...posted(first), data: "0xffffffff" }])).to.throw(InconsistentBatchError);
    });
  });

  describe("block timestamps", () => {
    const cases: { name: string; previous: number; timestamp: number; ok: boolean }[] = [
      { name: "the previous block's second", previous: 1_000, timestamp: 1_000, ok: true },
      { name: "a later second", previous: 1_000, timestamp: 1_001, ok: true },
      { name: "the latest timestamp allowed", previous: 1_000, timestamp: MAX_BLOCK_TIMESTAMP, ok: true },
      { name: "a second before the previous block", previous: 1_000, timestamp: 999, ok: false },
      { name: "one second past the latest allowed", previous: 1_000, timestamp: MAX_BLOCK_TIMESTAMP + 1, ok: false },
      { name: "2^63, which aborts EDR", previous: 1_000, timestamp: 2 ** 63, ok: false },
    ];
    for (const { name, previous, timestamp, ok } of cases) {
      it(`${ok ? "allows" : "refuses"} ${name}`, () => {
        expect(timestampProblem(previous, timestamp) === undefined).to.equal(ok);
      });
    }
  });

  it("checks an encrypted order whose ciphertext decrypts to bytes that are no transaction, without throwing", () => {
    const committee = createCommittee({ threshold: 2, size: 3, seed: keccak256(toHex("hostile committee")) });
    const garbage: Hex = "0xdeadbeef";
    const ciphertext = encryptTransaction(committee.publicKey, garbage, keccak256(toHex("randomness")));
    const { sharedSecret } = thresholdDecrypt(committee, ciphertext);
    const batch: BatchReplay = {
      number: 1,
      l1TxHash: hash(1),
      rollups: [{ commitment: first.commitments[0]!, blocks: [{ slot: 1, timestamp: 1_001, transactions: [garbage], number: 1, globalSeqs: [0] }] }],
      encrypted: [{ slot: 1, commitment: orderCommitment([ciphertext]), entries: [{ ciphertext, sharedSecret }] }],
    };
    // It ran where it was committed; replaying it is what fails, with the engine's reason.
    expect(checkEncryptedOrder(batch)).to.equal(undefined);
  });
});
