import { deflateRawSync } from "node:zlib";
import { expect } from "chai";
import { type Hex, toHex } from "viem";
import {
  BatchDecodeError,
  type BatchPayload,
  decodeBatchPayload,
  encodeBatchPayload,
  MAX_PAYLOAD_BYTES,
  serializeBatchPayload,
} from "../../sequencer/batch/codec.ts";

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
  {
    // Exact as a number, so it reaches derivation's timestamp check, which refuses it.
    name: "a timestamp of 2^63",
    payload: { rollups: [{ chainId: 901, fromBlock: 1, blocks: [{ slot: 1, timestamp: 2 ** 63, transactions: [] }] }], globalOrder: [], encrypted: [] },
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
    { name: "no data at all", data: "0x" },
    // version 1 · 1 rollup · chain id 2^64 - 1, which no number holds exactly (it would read as 2^64).
    { name: "a chain id no number holds exactly", data: encodeRaw([1, 0, 1, ...Array<number>(8).fill(0xff), ...Array<number>(8).fill(0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) },
    // A count of 2^32 - 1 blocks with none there: decoding stops at the first missing byte.
    { name: "a block count far beyond the bytes", data: encodeRaw([1, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x85, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]) },
  ];
  for (const { name, data } of corrupt) {
    it(`rejects ${name} with BatchDecodeError`, () => {
      expect(() => decodeBatchPayload(data)).to.throw(BatchDecodeError);
    });
  }
});

describe("batch payload codec, on data crafted to exhaust memory", () => {
  it(`stops inflating past ${MAX_PAYLOAD_BYTES} bytes, with BatchDecodeError`, () => {
    const bomb = toHex(deflateRawSync(new Uint8Array(MAX_PAYLOAD_BYTES + 1)));
    // About a thousandfold: what a single L1 transaction can carry inflates far past the bound.
    expect((bomb.length - 2) / 2).to.be.lessThan(MAX_PAYLOAD_BYTES / 500);
    expect(() => decodeBatchPayload(bomb)).to.throw(BatchDecodeError);
  });

  it("decodes a payload just under the bound", () => {
    const payload: BatchPayload = { rollups: [{ chainId: 901, fromBlock: 1, blocks: [{ slot: 1, timestamp: 1, transactions: [tx(0, 1_000_000)] }] }], globalOrder: [0], encrypted: [] };
    expect(serializeBatchPayload(payload).length).to.be.lessThan(MAX_PAYLOAD_BYTES);
    expect(decodeBatchPayload(encodeBatchPayload(payload))).to.deep.equal(payload);
  });
});

function encodeRaw(bytes: number[]): Hex {
  // Compress hand-made bytes the way the encoder does, to reach the decoder's checks.
  return toHex(deflateRawSync(Uint8Array.from(bytes)));
}
