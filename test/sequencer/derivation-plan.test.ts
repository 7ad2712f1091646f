import { expect } from "chai";
import { type Hex, toHex } from "viem";
import { applyBatch, type Batch, buildBatch, type InboxState } from "../../sequencer/batch/builder.ts";
import { encodeBatchPayload } from "../../sequencer/batch/codec.ts";
import { InconsistentBatchError, planReplay, type PostedBatchData } from "../../sequencer/derivation/plan.ts";
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
});
