import { deflateRawSync } from "node:zlib";
import { expect } from "chai";
import { type Hex, toHex } from "viem";
import { BatchDecodeError, type BatchPayload, decodeBatchPayload, encodeBatchPayload } from "../../sequencer/batch/codec.ts";

const tx = (byte: number, length: number): Hex => toHex(new Uint8Array(length).fill(byte));

const cases: { name: string; payload: BatchPayload }[] = [
  { name: "one rollup without blocks", payload: { rollups: [{ chainId: 901, fromBlock: 1, blocks: [] }], globalOrder: [], encrypted: [] } },
  {
    name: "an empty block",
    payload: { rollups: [{ chainId: 901, fromBlock: 7, blocks: [{ slot: 3, timestamp: 1_700_000_000, transactions: [] }] }], globalOrder: [], encrypted: [] },
  },
  {
    name: "two rollups interleaved in the global order",
    payload: {
      rollups: [
        { chainId: 901, fromBlock: 1, blocks: [{ slot: 1, timestamp: 10, transactions: [tx(1, 110), tx(2, 111)] }] },
        {
          chainId: 902,
          fromBlock: 4,
          blocks: [
            { slot: 1, timestamp: 10, transactions: [tx(3, 120)] },
            { slot: 2, timestamp: 11, transactions: [tx(4, 5000)] },
          ],
        },
      ],
      globalOrder: [1, 0, 0, 1],
      encrypted: [],
    },
  },
  {
    name: "an encrypted slot's committed order and secrets",
    payload: {
      rollups: [{ chainId: 901, fromBlock: 1, blocks: [{ slot: 1, timestamp: 1, transactions: [tx(1, 110)] }] }],
      globalOrder: [0],
      encrypted: [
        { slot: 1, commitment: tx(5, 32), entries: [{ ciphertext: tx(6, 170), sharedSecret: tx(7, 33) }, { ciphertext: tx(8, 62), sharedSecret: tx(9, 33) }] },
      ],
    },
  },
  {
    name: "large chain ids and block numbers",
    payload: { rollups: [{ chainId: 2 ** 40, fromBlock: 2 ** 33, blocks: [{ slot: 2 ** 35, timestamp: 2 ** 34, transactions: [tx(9, 1)] }] }], globalOrder: [0], encrypted: [] },
  },
];

describe("batch payload codec", () => {
  for (const { name, payload } of cases) {
    it(`round-trips ${name}`, () => {
      expect(decodeBatchPayload(encodeBatchPayload(payload))).to.deep.equal(payload);
    });
  }

  it("is deterministic: equal payloads give equal bytes", () => {
    const payload = cases[2]!.payload;
    expect(encodeBatchPayload(payload)).to.equal(encodeBatchPayload(structuredClone(payload)));
  });

  it("compresses repetitive transactions", () => {
    const transactions = Array.from({ length: 100 }, () => tx(7, 110));
    const encoded = encodeBatchPayload({
      rollups: [{ chainId: 901, fromBlock: 1, blocks: [{ slot: 1, timestamp: 1, transactions }] }],
      globalOrder: transactions.map(() => 0),
      encrypted: [],
    });
    expect((encoded.length - 2) / 2).to.be.lessThan(100 * 110 / 10);
  });

  const corrupt: { name: string; data: Hex }[] = [
    { name: "bytes that are not DEFLATE data", data: "0xffffffff" },
    { name: "an unknown version", data: encodeRaw([9]) },
    { name: "a truncated payload", data: encodeRaw([1, 0, 1, 0, 0]) },
    { name: "trailing bytes", data: encodeRaw([1, 0, 0, 0, 0, 0, 0, 42]) },
  ];
  for (const { name, data } of corrupt) {
    it(`rejects ${name} with BatchDecodeError`, () => {
      expect(() => decodeBatchPayload(data)).to.throw(BatchDecodeError);
    });
  }
});

function encodeRaw(bytes: number[]): Hex {
  // Compress hand-made bytes the way the encoder does, to reach the decoder's checks.
  return toHex(deflateRawSync(Uint8Array.from(bytes)));
}
