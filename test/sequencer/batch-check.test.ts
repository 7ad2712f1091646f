import { expect } from "chai";
import { network } from "hardhat";
import { type Hex, keccak256, toHex, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { applyBatch, type Batch, batchHash, type InboxState, type RollupCommitment } from "../../sequencer/batch/builder.ts";
import {
  type BatchViolationCode,
  checkBatch,
  INBOX_ERROR_OF_CODE,
  MAX_BLOCKS_PER_BATCH,
} from "../../sequencer/batch/check.ts";
import { batchDigest, signDigest } from "../../sequencer/committee/certificate.ts";
import { impersonate, revertedWith } from "../support/contracts.ts";

const CHAIN_IDS = [901, 902] as const;
const GENESIS: InboxState = {
  batchNumber: 0,
  batchHash: zeroHash,
  nextGlobalSeq: 0,
  heads: CHAIN_IDS.map((chainId) => ({
    chainId,
    head: {
      blockNumber: 0,
      blockHash: keccak256(toHex(`genesis block ${chainId}`)),
      stateRoot: keccak256(toHex(`genesis state ${chainId}`)),
    },
  })),
};
/** The inbox's committee of one: it submits and certifies every batch of the cases. */
const MEMBER_KEY = keccak256(toHex("xrollup batch-check member"));
const MEMBER = privateKeyToAccount(MEMBER_KEY).address;
const FORCE_INCLUSION_DELAY = 10n;
const forged = keccak256(toHex("forged"));
const fromA = keccak256(toHex("rolling hash of the messages 901 sent to 902"));
const fromB = keccak256(toHex("rolling hash of the messages 902 sent to 901"));

/** How many blocks, and transactions in them, a batch gives one rollup; 0 blocks is an empty range. */
interface RollupPart {
  blocks: number;
  txCount: number;
}

/** The valid batch after `previous`: one block per rollup (2 + 1 transactions) unless `parts` says otherwise. */
function nextBatch(previous: InboxState, parts: readonly RollupPart[] = [{ blocks: 1, txCount: 2 }, { blocks: 1, txCount: 1 }]): Batch {
  const number = BigInt(previous.batchNumber + 1);
  const commitments = previous.heads.map(({ chainId, head }, index): RollupCommitment => {
    const part = parts[index]!;
    const toBlock = head.blockNumber + part.blocks;
    const empty = part.blocks === 0;
    return {
      chainId: BigInt(chainId),
      fromBlock: BigInt(head.blockNumber + 1),
      toBlock: BigInt(toBlock),
      txCount: part.txCount,
      blockHash: empty ? head.blockHash : keccak256(toHex(`block ${chainId}/${toBlock}`)),
      stateRoot: empty ? head.stateRoot : keccak256(toHex(`state ${chainId}/${toBlock}`)),
      sentMessages: previous.heads.map(() => zeroHash),
      relayedMessages: previous.heads.map(() => zeroHash),
    };
  });
  const txCount = parts.reduce((sum, part) => sum + BigInt(part.txCount), 0n);
  const start = BigInt(previous.nextGlobalSeq);
  const header = { number, prevHash: previous.batchHash, globalSeqStart: start, globalSeqEnd: start + txCount, viewNumber: 0n, forcedEnd: 0n };
  const data = toHex(`compressed transactions of batch ${number}`);
  return {
    header,
    commitments,
    payload: { rollups: [], globalOrder: [], encrypted: [] },
    data,
    hash: batchHash(header, commitments, data),
    slots: { first: Number(number), last: Number(number) },
  };
}

/** The inbox after batch 1, which every case builds on. */
const FIRST = nextBatch(GENESIS);
const PREVIOUS = applyBatch(GENESIS, FIRST);
/** Valid batch 2: one block per rollup, 2 + 1 transactions, global sequence [3, 6). */
const VALID = nextBatch(PREVIOUS);

function withHeader(batch: Batch, change: Partial<Batch["header"]>): Batch {
  return { ...batch, header: { ...batch.header, ...change } };
}

function withRollup(batch: Batch, index: number, change: Partial<RollupCommitment>): Batch {
  return { ...batch, commitments: batch.commitments.map((c, i) => (i === index ? { ...c, ...change } : c)) };
}

/** Rollup 902 given no block (its head kept), then changed by `change`; the global range follows the counts. */
function emptyFor902(change: Partial<RollupCommitment>): Batch {
  const { head } = PREVIOUS.heads[1]!;
  const empty = { toBlock: BigInt(head.blockNumber), txCount: 0, blockHash: head.blockHash, stateRoot: head.stateRoot };
  const batch = withRollup(VALID, 1, { ...empty, ...change });
  const txCount = batch.commitments.reduce((sum, c) => sum + BigInt(c.txCount), 0n);
  return withHeader(batch, { globalSeqEnd: batch.header.globalSeqStart + txCount });
}

/** Each rollup relayed exactly what the other sent it. */
const WITH_MESSAGES = withRollup(
  withRollup(VALID, 0, { sentMessages: [zeroHash, fromA], relayedMessages: [zeroHash, fromB] }),
  1,
  { sentMessages: [fromB, zeroHash], relayedMessages: [fromA, zeroHash] },
);

const accepted: { name: string; batch: Batch }[] = [
  { name: "the next batch with a block per rollup", batch: VALID },
  { name: "a batch where each rollup relayed exactly what the other sent it", batch: WITH_MESSAGES },
  { name: "a batch with no block for a rollup, its head kept", batch: emptyFor902({}) },
  {
    name: "a batch with no transaction and no block at all",
    batch: nextBatch(PREVIOUS, [
      { blocks: 0, txCount: 0 },
      { blocks: 0, txCount: 0 },
    ]),
  },
  {
    name: "a batch of exactly MAX_BLOCKS_PER_BATCH blocks for a rollup",
    batch: nextBatch(PREVIOUS, [
      { blocks: Number(MAX_BLOCKS_PER_BATCH), txCount: 2 },
      { blocks: 1, txCount: 1 },
    ]),
  },
  { name: "a batch whose hashes differ from the inbox's only in case", batch: withHeader(VALID, { prevHash: PREVIOUS.batchHash.toUpperCase().replace("0X", "0x") as Hex }) },
];

const rejected: { name: string; batch: Batch; code: BatchViolationCode }[] = [
  { name: "skipping a batch number", batch: withHeader(VALID, { number: 3n }), code: "batch-out-of-order" },
  { name: "repeating the last batch number", batch: withHeader(VALID, { number: 1n }), code: "batch-out-of-order" },
  { name: "naming a wrong previous batch hash", batch: withHeader(VALID, { prevHash: forged }), code: "prev-hash-mismatch" },
  {
    name: "leaving a gap in global sequence numbers",
    batch: withHeader(VALID, { globalSeqStart: 4n, globalSeqEnd: 7n }),
    code: "global-seq-gap",
  },
  { name: "ending its global sequence range before it starts", batch: withHeader(VALID, { globalSeqEnd: 2n }), code: "invalid-global-seq-range" },
  {
    name: "omitting a rollup",
    batch: withHeader({ ...VALID, commitments: VALID.commitments.slice(0, 1) }, { globalSeqEnd: 5n }),
    code: "rollup-count-mismatch",
  },
  {
    name: "adding an unregistered rollup",
    batch: { ...VALID, commitments: [...VALID.commitments, { ...VALID.commitments[1]!, chainId: 903n }] },
    code: "rollup-count-mismatch",
  },
  {
    name: "listing the rollups out of registration order",
    batch: { ...VALID, commitments: [...VALID.commitments].reverse() },
    code: "rollup-order-mismatch",
  },
  {
    name: "starting a rollup's range past the block after its head",
    batch: withRollup(VALID, 0, { fromBlock: 3n, toBlock: 3n }),
    code: "block-range-gap",
  },
  { name: "re-committing a rollup's committed block", batch: withRollup(VALID, 1, { fromBlock: 1n, toBlock: 2n }), code: "block-range-gap" },
  { name: "ending a rollup's range two blocks before it starts", batch: withRollup(VALID, 0, { toBlock: 0n }), code: "invalid-block-range" },
  {
    name: "committing one block more than MAX_BLOCKS_PER_BATCH for a rollup",
    batch: withRollup(VALID, 0, { toBlock: 1n + MAX_BLOCKS_PER_BATCH + 1n }),
    code: "block-range-too-large",
  },
  {
    name: "moving a rollup's head to the last block number",
    batch: withRollup(VALID, 1, { toBlock: 2n ** 64n - 1n }),
    code: "block-range-too-large",
  },
  { name: "giving a rollup no block but a new block hash", batch: emptyFor902({ blockHash: forged }), code: "empty-range-changed-head" },
  { name: "giving a rollup no block but a new state root", batch: emptyFor902({ stateRoot: forged }), code: "empty-range-changed-head" },
  { name: "giving a rollup no block but transactions", batch: emptyFor902({ txCount: 1 }), code: "empty-range-changed-head" },
  {
    name: "claiming more global sequence numbers than transactions",
    batch: withHeader(VALID, { globalSeqEnd: 7n }),
    code: "tx-count-mismatch",
  },
  {
    name: "claiming fewer global sequence numbers than transactions",
    batch: withHeader(VALID, { globalSeqEnd: 5n }),
    code: "tx-count-mismatch",
  },
  {
    name: "with fewer sent-message hashes than rollups",
    batch: withRollup(VALID, 1, { sentMessages: [zeroHash] }),
    code: "message-hashes-length",
  },
  {
    name: "with more relayed-message hashes than rollups",
    batch: withRollup(VALID, 0, { relayedMessages: [zeroHash, zeroHash, zeroHash] }),
    code: "message-hashes-length",
  },
  {
    name: "whose messages sent from 901 to 902 differ from those 902 relayed from 901",
    batch: withRollup(VALID, 0, { sentMessages: [zeroHash, forged] }),
    code: "shared-validity",
  },
  {
    name: "relaying on 901 a message 902 never sent",
    batch: withRollup(VALID, 0, { relayedMessages: [zeroHash, forged] }),
    code: "shared-validity",
  },
  {
    name: "where 902 relayed 901's messages but 901 did not send them",
    batch: withRollup(WITH_MESSAGES, 0, { sentMessages: [zeroHash, zeroHash] }),
    code: "shared-validity",
  },
  // Several faults at once: the first the inbox checks is the one reported.
  {
    name: "with a wrong number and a message mismatch (the number is checked first)",
    batch: withRollup(withHeader(VALID, { number: 5n }), 0, { sentMessages: [zeroHash, forged] }),
    code: "batch-out-of-order",
  },
  {
    name: "with a bad range on 901 and 902 out of order (901's range is checked first)",
    batch: withRollup(withRollup(VALID, 0, { toBlock: 0n }), 1, { chainId: 903n }),
    code: "invalid-block-range",
  },
  {
    name: "with a wrong transaction count and a message mismatch (the count is checked first)",
    batch: withRollup(withHeader(VALID, { globalSeqEnd: 7n }), 1, { sentMessages: [forged, zeroHash] }),
    code: "tx-count-mismatch",
  },
];

describe("checkBatch", () => {
  for (const { name, batch } of accepted) {
    it(`accepts ${name}`, () => {
      expect(checkBatch(batch, PREVIOUS)).to.equal(undefined);
    });
  }

  for (const { name, batch, code } of rejected) {
    it(`rejects a batch ${name} with ${code}`, () => {
      const violation = checkBatch(batch, PREVIOUS);
      expect(violation?.code).to.equal(code);
      expect(violation?.message).to.be.a("string").and.not.equal("");
    });
  }

  it("accepts the first batch on the genesis state, and has a test case for every code", () => {
    expect(checkBatch(FIRST, GENESIS)).to.equal(undefined);
    const tested = new Set(rejected.map(({ code }) => code));
    expect([...tested].sort()).to.deep.equal(Object.keys(INBOX_ERROR_OF_CODE).sort());
  });

  describe("agrees with SharedInbox.submitBatch", () => {
    /** SharedInbox in the state PREVIOUS describes: a committee of one (MEMBER), registered with GENESIS, batch 1 submitted. */
    async function inboxAfterFirstBatch() {
      const connection = await network.create();
      await impersonate(connection, MEMBER);
      const inbox = await connection.viem.deployContract("SharedInbox", [
        [MEMBER],
        1_700_000_000n,
        FORCE_INCLUSION_DELAY,
        GENESIS.heads.map(({ chainId }) => BigInt(chainId)),
        GENESIS.heads.map(({ head }) => head.blockHash),
        GENESIS.heads.map(({ head }) => head.stateRoot),
      ]);
      const publicClient = await connection.viem.getPublicClient();
      const domain = { l1ChainId: await publicClient.getChainId(), inbox: inbox.address };
      /** submitBatch's arguments, with the member's signature over the hash the inbox computes for them. */
      const submitArgs = (batch: Batch) => {
        const certificate = [signDigest(batchDigest(domain, batchHash(batch.header, batch.commitments, batch.data)), MEMBER_KEY)];
        return [batch.header, batch.commitments, batch.data, certificate] as const;
      };
      await publicClient.waitForTransactionReceipt({ hash: await inbox.write.submitBatch(submitArgs(FIRST), { account: MEMBER }) });
      expect(await inbox.read.lastBatchHash()).to.equal(PREVIOUS.batchHash);
      /** submitBatch as an eth_call from the member, certified: the batch leaves nothing behind. */
      const simulate = (batch: Batch) => inbox.simulate.submitBatch(submitArgs(batch), { account: MEMBER });
      return { connection, inbox, simulate };
    }

    let fixture: Awaited<ReturnType<typeof inboxAfterFirstBatch>>;
    before(async () => {
      fixture = await inboxAfterFirstBatch();
    });
    after(async () => {
      await fixture.connection.close();
    });

    it("MAX_BLOCKS_PER_BATCH is the contract's", async () => {
      expect(await fixture.inbox.read.MAX_BLOCKS_PER_BATCH()).to.equal(MAX_BLOCKS_PER_BATCH);
    });

    for (const { name, batch } of accepted) {
      it(`the inbox accepts ${name}`, async () => {
        const { result } = await fixture.simulate(batch);
        expect(result).to.equal(batchHash(batch.header, batch.commitments, batch.data));
      });
    }

    for (const { name, batch, code } of rejected) {
      it(`the inbox reverts a batch ${name} with ${INBOX_ERROR_OF_CODE[code]}`, async () => {
        const revert = await revertedWith(fixture.simulate(batch), fixture.inbox.abi);
        expect(revert.errorName).to.equal(INBOX_ERROR_OF_CODE[code]);
      });
    }
  });
});
