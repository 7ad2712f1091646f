import { deflateRawSync } from "node:zlib";
import { expect } from "chai";
import { type Address, type Hex, hexToBytes, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { MESSENGER_ADDRESS } from "../../contracts/addresses.ts";
import { type Batch, buildBatch, type InboxState } from "../../sequencer/batch/builder.ts";
import { BatchDecodeError, type BatchPayload, decodeBatchPayload, encodeBatchPayload, serializeBatchPayload } from "../../sequencer/batch/codec.ts";
import {
  type CheatContext,
  cheatProblem,
  CheatRefusedError,
  CheatState,
  MAX_CHEAT_CODE_BYTES,
  type StateOperation,
  TimestampTooLowError,
} from "../../sequencer/cheats.ts";
import { batchMatchesSlots } from "../../sequencer/committee/check.ts";
import { MAX_BLOCK_TIMESTAMP, planBatch, type PostedBatchData } from "../../sequencer/derivation/plan.ts";
import { InvalidTransactionError } from "../../sequencer/errors.ts";
import {
  decodeBlockTransaction,
  decodeImpersonatedTransaction,
  decodeRawTransaction,
  impersonatedSender,
  impersonatedTransaction,
} from "../../sequencer/intake.ts";
import type { ProducedBlock, SlotResult } from "../../sequencer/types.ts";

/**
 * Cheats as the batch carries them, without a chain: state operations in
 * the payload (its version 2), impersonated transactions in EDR's form, and
 * the state the cheats leave (pending operations, rollup clocks). EDR's side
 * of both (the same hashes, the same state roots) is tested end to end in
 * `test/devnet/cheats.test.ts`.
 */

const ALICE: Address = "0x00000000000000000000000000000000000a11ce";
const BOB: Address = "0x0000000000000000000000000000000000000b0b";
const word = (n: number | bigint): Hex => toHex(n, { size: 32 });

const OPERATIONS: { name: string; operation: StateOperation }[] = [
  { name: "setBalance", operation: { kind: "setBalance", address: ALICE, value: 10n ** 18n } },
  { name: "setBalance to the largest uint256", operation: { kind: "setBalance", address: ALICE, value: 2n ** 256n - 1n } },
  { name: "setBalance to zero", operation: { kind: "setBalance", address: ALICE, value: 0n } },
  { name: "setCode", operation: { kind: "setCode", address: ALICE, code: "0x6001600055" } },
  { name: "setCode that removes the code", operation: { kind: "setCode", address: ALICE, code: "0x" } },
  { name: "setStorageAt", operation: { kind: "setStorageAt", address: ALICE, slot: word(7), value: word(2n ** 255n) } },
];

/** A payload with one block on rollup 901 that carries `operations` and a transaction. */
function payloadWith(operations: StateOperation[]): BatchPayload {
  return {
    rollups: [
      { chainId: 901, fromBlock: 3, blocks: [{ slot: 5, timestamp: 1_700_000_000, transactions: ["0x0102"], operations }] },
      { chainId: 902, fromBlock: 1, blocks: [{ slot: 5, timestamp: 1_700_000_000, transactions: [] }] },
    ],
    globalOrder: [0],
    encrypted: [],
  };
}

describe("state operations in the batch payload", () => {
  for (const { name, operation } of OPERATIONS) {
    it(`round-trips ${name}`, () => {
      const payload = payloadWith([operation]);
      expect(decodeBatchPayload(encodeBatchPayload(payload))).to.deep.equal(payload);
    });
  }

  it("round-trips every kind in one block, in order, and blocks without any beside it", () => {
    const payload = payloadWith(OPERATIONS.map(({ operation }) => operation));
    expect(decodeBatchPayload(encodeBatchPayload(payload))).to.deep.equal(payload);
  });

  it("writes version 1, byte for byte as before, while no block carries an operation, and version 2 once one does", () => {
    const without: BatchPayload = { rollups: [{ chainId: 901, fromBlock: 1, blocks: [{ slot: 1, timestamp: 1, transactions: ["0x01"] }] }], globalOrder: [0], encrypted: [] };
    expect(serializeBatchPayload(without)[0]).to.equal(1);
    expect(serializeBatchPayload({ ...without, rollups: [{ ...without.rollups[0]!, blocks: [{ ...without.rollups[0]!.blocks[0]!, operations: [] }] }] })).to.deep.equal(
      serializeBatchPayload(without),
    );
    expect(serializeBatchPayload(payloadWith([OPERATIONS[0]!.operation]))[0]).to.equal(2);
  });

  /** Version 2 · 1 rollup (901, from block 1) · 1 block (slot 1, timestamp 1) · then the operation bytes given. */
  const withOperationBytes = (operation: number[]): Hex =>
    toHex(deflateRawSync(Uint8Array.from([2, 0, 1, ...u64(901), ...u64(1), 0, 0, 0, 1, ...u64(1), ...u64(1), 0, 0, 0, 1, ...operation])));

  const malformed: { name: string; data: Hex }[] = [
    { name: "an unknown operation kind", data: withOperationBytes([9, ...Array<number>(20).fill(0xaa), ...Array<number>(32).fill(0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) },
    { name: "a balance cut short", data: withOperationBytes([1, ...Array<number>(20).fill(0xaa), 1, 2, 3]) },
    { name: "code longer than the bytes", data: withOperationBytes([2, ...Array<number>(20).fill(0xaa), 0xff, 0xff, 0xff, 0xff, 0x60]) },
  ];
  for (const { name, data } of malformed) {
    it(`refuses ${name} with BatchDecodeError, which derivation reports as a payload mismatch`, () => {
      expect(() => decodeBatchPayload(data)).to.throw(BatchDecodeError);
      const header = { number: 1n, prevHash: word(0), globalSeqStart: 0n, globalSeqEnd: 0n, viewNumber: 0n, forcedEnd: 0n };
      const plan = planBatch({ header, commitments: [], data, l1TxHash: word(1) });
      expect(plan.ok).to.equal(false);
      if (!plan.ok) expect(plan.problem.field).to.equal("payload");
    });
  }
});

function u64(value: number): number[] {
  return [...hexToBytes(toHex(value, { size: 8 }))];
}

describe("a batch of blocks that carry state operations", () => {
  const genesis: InboxState = {
    batchNumber: 0,
    batchHash: word(0),
    nextGlobalSeq: 0,
    heads: [{ chainId: 901, head: { blockNumber: 0, blockHash: word(901), stateRoot: word(9010) } }],
  };
  const block = (number: number, transactions: Hex[], operations?: StateOperation[]): ProducedBlock => ({
    chainId: 901,
    number,
    hash: word(number),
    stateRoot: word(100 + number),
    timestamp: 1_000,
    transactions,
    ...(operations === undefined ? {} : { operations }),
  });
  const none = [word(0)];
  const slot = (number: number, blocks: ProducedBlock[]): SlotResult => ({
    slot: number,
    timestamp: 1_000,
    // Only the count matters to the batch: its global order has one entry per transaction.
    included: blocks.flatMap((b) =>
      b.transactions.map((raw) => ({
        transaction: { hash: keccak256(raw), chainId: 901, from: ALICE, to: undefined, nonce: 0, raw, gas: 1n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, arrival: 0, receivedAt: 0 },
        inclusion: { globalSeq: 0, blockNumber: b.number, blockHash: b.hash, slot: number },
      })),
    ),
    dropped: [],
    blocks,
    messageHashes: [{ sent: none, relayed: none }],
    randomness: { commitment: word(0), seed: word(0) },
    certificate: { view: number, leader: ALICE, signers: [ALICE] },
  });
  // An evm_mine's empty block carrying two operations, then a block with one operation before its transaction.
  const slots = [slot(1, [block(1, [], OPERATIONS.slice(0, 2).map(({ operation }) => operation))]), slot(2, [block(2, ["0x0a"], [OPERATIONS[3]!.operation])])];
  const batch: Batch = buildBatch(slots, genesis);

  it("carries each block's operations to L1, and counts only transactions", () => {
    expect(decodeBatchPayload(batch.data).rollups[0]!.blocks.map((b) => b.operations?.length ?? 0)).to.deep.equal([2, 1]);
    expect(batch.commitments[0]!.txCount).to.equal(1);
  });

  it("is one a committee member signs: the commitments follow from the slots", () => {
    expect(batchMatchesSlots(batch, slots)).to.equal(true);
  });

  it("plans the same blocks for derivation, operations and all", () => {
    const posted: PostedBatchData = { header: batch.header, commitments: batch.commitments, data: batch.data, l1TxHash: word(1) };
    const plan = planBatch(posted);
    expect(plan.ok).to.equal(true);
    if (plan.ok) expect(plan.replay.rollups[0]!.blocks.map((b) => b.operations)).to.deep.equal(slots.map((s) => s.blocks[0]!.operations));
  });
});

describe("impersonated transactions", () => {
  const from: Address = "0x1234567890123456789012345678901234567890";
  const to: Address = "0x0000000000000000000000000000000000000001";
  const fees = { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1n };
  const forms: { name: string; raw: Hex }[] = [
    { name: "EIP-1559", raw: impersonatedTransaction({ chainId: 901, type: "eip1559", nonce: 0, gas: 21_000n, to, value: 1n, ...fees }, from) },
    { name: "EIP-2930", raw: impersonatedTransaction({ chainId: 901, type: "eip2930", nonce: 1, gas: 21_000n, to, gasPrice: 2_000_000_000n, accessList: [] }, from) },
    { name: "legacy (EIP-155)", raw: impersonatedTransaction({ chainId: 901, type: "legacy", nonce: 2, gas: 21_000n, to, gasPrice: 2_000_000_000n }, from) },
    { name: "a contract creation", raw: impersonatedTransaction({ chainId: 901, type: "eip1559", nonce: 3, gas: 100_000n, data: "0x600160005500", ...fees }, from) },
  ];

  for (const { name, raw } of forms) {
    it(`names its sender in its signature (${name}), which only the impersonated decoders accept`, () => {
      expect(impersonatedSender(raw)).to.equal(from);
      expect(decodeImpersonatedTransaction(raw)).to.include({ from, hash: keccak256(raw) });
      expect(decodeBlockTransaction(raw)).to.include({ from, hash: keccak256(raw) });
      // Sent as a signed transaction, it is refused: it would pass as whoever its signature happens to recover to.
      expect(() => decodeRawTransaction(raw)).to.throw(InvalidTransactionError);
    });
  }

  it("is not how a signed transaction reads", async () => {
    const account = privateKeyToAccount(`0x${"11".repeat(32)}`);
    const signed = await account.signTransaction({ chainId: 901, type: "eip1559", nonce: 0, gas: 21_000n, to, ...fees });
    expect(impersonatedSender(signed)).to.equal(undefined);
    expect(decodeBlockTransaction(signed).from).to.equal(account.address);
    expect(() => decodeImpersonatedTransaction(signed)).to.throw(InvalidTransactionError);
  });

  it("refuses an impersonation signature with another recovery bit than EDR's", () => {
    const raw = forms[0]!.raw;
    // The last bytes are yParity (0x01), r and s (0x94 + 20 bytes each): yParity 0 is not EDR's form.
    const yParityAt = raw.length - 2 * (2 * 21 + 1);
    const other = `${raw.slice(0, yParityAt)}80${raw.slice(yParityAt + 2)}` as Hex;
    expect(impersonatedSender(other)).to.equal(from);
    expect(() => decodeBlockTransaction(other)).to.throw(InvalidTransactionError);
  });
});

describe("the state cheats leave", () => {
  const context: CheatContext = { chainId: 901, latestTimestamp: 1_000, now: 1_000, offset: 0, sequencers: [ALICE] };
  const emptySlot = (number: number, timestamp: number, blocks: { chainId: number; number: number }[]): SlotResult => ({
    slot: number,
    timestamp,
    included: [],
    dropped: [],
    blocks: blocks.map(({ chainId, number: blockNumber }) => ({ chainId, number: blockNumber, hash: word(blockNumber), stateRoot: word(blockNumber), timestamp, transactions: [] })),
    messageHashes: [],
    randomness: { commitment: word(0), seed: word(0) },
  });

  it("puts a rollup's pending operations in its first block of the next slot that has one, and only there", () => {
    const state = new CheatState();
    const [first, second] = [OPERATIONS[0]!.operation, OPERATIONS[5]!.operation];
    state.record(901, first);
    state.record(901, second);
    state.record(902, OPERATIONS[3]!.operation);
    const slot = emptySlot(1, 1_000, [
      { chainId: 901, number: 4 },
      { chainId: 901, number: 5 },
    ]);
    state.claim(slot);
    expect(slot.blocks.map((block) => block.operations)).to.deep.equal([[first, second], undefined]);
    // Rollup 902 had no block: its operation waits for one.
    expect(state.pendingOperations()).to.deep.equal([[902, [OPERATIONS[3]!.operation]]]);
  });

  it("moves a rollup's blocks by evm_increaseTime, and on from evm_setNextBlockTimestamp's time", () => {
    const state = new CheatState();
    state.record(901, { kind: "increaseTime", seconds: 3_600 });
    expect(state.blockTimestamp(901, 1_000)).to.equal(4_600);
    expect(state.blockTimestamp(902, 1_000)).to.equal(1_000);
    state.record(901, { kind: "setNextBlockTimestamp", timestamp: 9_000 });
    expect(state.blockTimestamp(901, 1_010)).to.equal(9_000);
    state.claim(emptySlot(1, 1_010, [{ chainId: 901, number: 1 }]));
    // The next slot, 5 seconds later, is 5 seconds after 9,000 on this rollup.
    expect(state.blockTimestamp(901, 1_015)).to.equal(9_005);
    expect(state.timeOffset(901)).to.equal(7_990);
  });

  it("keeps impersonated accounts per rollup, whatever the address's case", () => {
    const state = new CheatState();
    state.record(901, { kind: "impersonate", address: ALICE });
    expect(state.isImpersonated(901, ALICE.toUpperCase().replace("0X", "0x") as Address)).to.equal(true);
    expect(state.isImpersonated(902, ALICE)).to.equal(false);
    state.record(901, { kind: "stopImpersonating", address: ALICE });
    expect(state.isImpersonated(901, ALICE)).to.equal(false);
  });

  const refused: { name: string; cheat: Parameters<typeof cheatProblem>[0]; error: typeof CheatRefusedError | typeof TimestampTooLowError }[] = [
    { name: "the messenger's code", cheat: { kind: "setCode", address: MESSENGER_ADDRESS, code: "0x" }, error: CheatRefusedError },
    { name: "the messenger's storage", cheat: { kind: "setStorageAt", address: MESSENGER_ADDRESS, slot: word(0), value: word(1) }, error: CheatRefusedError },
    { name: "code over the size a batch carries", cheat: { kind: "setCode", address: BOB, code: `0x${"00".repeat(MAX_CHEAT_CODE_BYTES + 1)}` }, error: CheatRefusedError },
    { name: "a sequencer's balance", cheat: { kind: "setBalance", address: ALICE, value: 0n }, error: CheatRefusedError },
    { name: "impersonating a sequencer", cheat: { kind: "impersonate", address: ALICE }, error: CheatRefusedError },
    { name: "a next timestamp before the latest block", cheat: { kind: "setNextBlockTimestamp", timestamp: 999 }, error: TimestampTooLowError },
    { name: "a next timestamp past what derivation replays", cheat: { kind: "setNextBlockTimestamp", timestamp: MAX_BLOCK_TIMESTAMP + 1 }, error: CheatRefusedError },
    { name: "time that would pass what derivation replays", cheat: { kind: "increaseTime", seconds: MAX_BLOCK_TIMESTAMP }, error: CheatRefusedError },
  ];
  for (const { name, cheat, error } of refused) {
    it(`refuses ${name}`, () => {
      expect(cheatProblem(cheat, context)).to.be.instanceOf(error);
    });
  }

  it("lets code up to the limit through, and a next timestamp equal to the latest block's (rollup blocks may share a second)", () => {
    expect(cheatProblem({ kind: "setCode", address: BOB, code: `0x${"00".repeat(MAX_CHEAT_CODE_BYTES)}` }, context)).to.equal(undefined);
    expect(cheatProblem({ kind: "setNextBlockTimestamp", timestamp: 1_000 }, context)).to.equal(undefined);
  });
});
