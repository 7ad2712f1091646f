import { expect } from "chai";
import { artifacts, network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import type { ArtifactMap } from "hardhat/types/artifacts";
import {
  type Address,
  type ContractFunctionArgs,
  type Hex,
  encodeAbiParameters,
  getAddress,
  keccak256,
  parseAbiParameters,
  parseEventLogs,
  toHex,
  zeroAddress,
  zeroHash,
} from "viem";
import { expectRevert } from "../support/contracts.ts";

type InboxAbi = ArtifactMap["SharedInbox"]["abi"];
type SubmitBatchArgs = ContractFunctionArgs<InboxAbi, "nonpayable", "submitBatch">;
type BatchHeader = SubmitBatchArgs[0];
type RollupCommitment = SubmitBatchArgs[1][number];

/** A batch as the sequencer posts it: `submitBatch(header, rollups, transactions)`. */
interface Batch {
  header: BatchHeader;
  rollups: RollupCommitment[];
  transactions: Hex;
}

/** How many blocks, and transactions in them, a batch gives one rollup; 0 blocks means an empty range. */
interface RollupPart {
  blocks: number;
  txCount: number;
}

interface RollupHead {
  blockNumber: bigint;
  blockHash: Hex;
  stateRoot: Hex;
}

/** Everything a rejected batch must leave as it was. */
interface InboxState {
  batchCount: bigint;
  lastBatchHash: Hex;
  nextGlobalSeq: bigint;
  heads: RollupHead[];
}

const CHAIN_IDS = [901n, 902n] as const;
const MAX_BLOCKS_PER_BATCH = 65_536n;
const MAX_UINT64 = 2n ** 64n - 1n;
const GENESIS_TIMESTAMP = 1_700_000_000n;
const GENESIS_BLOCK_HASHES = CHAIN_IDS.map((id) => keccak256(toHex(`genesis block ${id}`)));
const GENESIS_STATE_ROOTS = CHAIN_IDS.map((id) => keccak256(toHex(`genesis state ${id}`)));
/** One block of two transactions on 901 and one block of one transaction on 902. */
const DEFAULT_PARTS: readonly RollupPart[] = [
  { blocks: 1, txCount: 2 },
  { blocks: 1, txCount: 1 },
];
/** Message hashes of rollups that never sent or relayed a message: one zero hash per registered rollup. */
const NO_MESSAGES: readonly Hex[] = CHAIN_IDS.map(() => zeroHash);
/**
 * An explicit gas limit skips gas estimation, so a forged batch is mined and reverts on chain
 * instead of being refused by the node before it is sent.
 */
const FORCE_GAS = 1_000_000n;

/** The batch hash as the contract defines it, written out independently of the contract. */
const BATCH_HASH_PARAMETERS = parseAbiParameters([
  "BatchHeader header, RollupCommitment[] rollups, bytes32 transactionsHash",
  "struct BatchHeader { uint64 number; bytes32 prevHash; uint64 globalSeqStart; uint64 globalSeqEnd; }",
  "struct RollupCommitment { uint64 chainId; uint64 fromBlock; uint64 toBlock; uint32 txCount; bytes32 blockHash; bytes32 stateRoot; bytes32[] sentMessages; bytes32[] relayedMessages; }",
]);

function batchHash(batch: Batch): Hex {
  return keccak256(
    encodeAbiParameters(BATCH_HASH_PARAMETERS, [batch.header, batch.rollups, keccak256(batch.transactions)]),
  );
}

function blockHashOf(chainId: bigint, blockNumber: bigint): Hex {
  return keccak256(toHex(`block ${chainId}/${blockNumber}`));
}

function stateRootOf(chainId: bigint, blockNumber: bigint): Hex {
  return keccak256(toHex(`state ${chainId}/${blockNumber}`));
}

/** Sets globalSeqEnd so that the global sequence range matches the commitments' transaction counts. */
function withMatchingSeqEnd(batch: Batch): Batch {
  const txSum = batch.rollups.reduce((sum, rollup) => sum + BigInt(rollup.txCount), 0n);
  return { ...batch, header: { ...batch.header, globalSeqEnd: batch.header.globalSeqStart + txSum } };
}

/** Replaces the commitment of the rollup at `index`. */
function withRollup(batch: Batch, index: number, change: Partial<RollupCommitment>): Batch {
  const rollups = batch.rollups.map((rollup, i) => (i === index ? { ...rollup, ...change } : rollup));
  return { ...batch, rollups };
}

const connections: NetworkConnection[] = [];

afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
});

/** A fresh chain with the sequencer, an outsider and nothing deployed. */
async function chainFixture() {
  const connection = await network.create();
  connections.push(connection);
  const { viem } = connection;
  const [sequencer, outsider] = await viem.getWalletClients();
  if (sequencer === undefined || outsider === undefined) throw new Error("expected at least two accounts");
  const publicClient = await viem.getPublicClient();
  return { viem, publicClient, sequencer, outsider };
}

/** A SharedInbox for rollups 901 and 902 at genesis, and helpers to build and submit batches. */
async function inboxFixture() {
  const chain = await chainFixture();
  const inbox = await chain.viem.deployContract("SharedInbox", [
    chain.sequencer.account.address,
    GENESIS_TIMESTAMP,
    [...CHAIN_IDS],
    GENESIS_BLOCK_HASHES,
    GENESIS_STATE_ROOTS,
  ]);

  async function readState(): Promise<InboxState> {
    const [batchCount, lastBatchHash, nextGlobalSeq, heads] = await Promise.all([
      inbox.read.batchCount(),
      inbox.read.lastBatchHash(),
      inbox.read.nextGlobalSeq(),
      Promise.all(CHAIN_IDS.map((chainId) => inbox.read.head([chainId]))),
    ]);
    return { batchCount, lastBatchHash, nextGlobalSeq, heads: [...heads] };
  }

  /** The valid batch that follows the inbox's current state, with `parts[i]` for rollup i. */
  async function nextBatch(parts: readonly RollupPart[] = DEFAULT_PARTS): Promise<Batch> {
    const state = await readState();
    const number = state.batchCount + 1n;
    const rollups = CHAIN_IDS.map((chainId, i): RollupCommitment => {
      const head = state.heads[i];
      const part = parts[i];
      if (head === undefined || part === undefined) throw new Error(`no head or part for rollup ${i}`);
      const toBlock = head.blockNumber + BigInt(part.blocks);
      const empty = part.blocks === 0;
      return {
        chainId,
        fromBlock: head.blockNumber + 1n,
        toBlock,
        txCount: part.txCount,
        blockHash: empty ? head.blockHash : blockHashOf(chainId, toBlock),
        stateRoot: empty ? head.stateRoot : stateRootOf(chainId, toBlock),
        sentMessages: NO_MESSAGES,
        relayedMessages: NO_MESSAGES,
      };
    });
    const header = { number, prevHash: state.lastBatchHash, globalSeqStart: state.nextGlobalSeq, globalSeqEnd: 0n };
    return withMatchingSeqEnd({ header, rollups, transactions: toHex(`compressed transactions of batch ${number}`) });
  }

  async function submit(batch: Batch, account = chain.sequencer.account) {
    const hash = await inbox.write.submitBatch([batch.header, batch.rollups, batch.transactions], {
      account,
      gas: FORCE_GAS,
    });
    return chain.publicClient.waitForTransactionReceipt({ hash });
  }

  return { ...chain, inbox, readState, nextBatch, submit };
}

describe("SharedInbox", () => {
  describe("deployment", () => {
    it("registers every rollup at its genesis block, with no batch yet", async () => {
      const { inbox, sequencer, readState } = await inboxFixture();

      expect(await inbox.read.sequencer()).to.equal(getAddress(sequencer.account.address));
      expect(await inbox.read.genesisTimestamp()).to.equal(GENESIS_TIMESTAMP);
      expect(await inbox.read.rollupChainIds()).to.deep.equal([...CHAIN_IDS]);
      expect(await readState()).to.deep.equal({
        batchCount: 0n,
        lastBatchHash: zeroHash,
        nextGlobalSeq: 0n,
        heads: CHAIN_IDS.map((_, i) => ({
          blockNumber: 0n,
          blockHash: GENESIS_BLOCK_HASHES[i],
          stateRoot: GENESIS_STATE_ROOTS[i],
        })),
      });
      const registered = await inbox.getEvents.RollupRegistered({}, { fromBlock: 0n });
      expect(registered.map((log) => log.args)).to.deep.equal(
        CHAIN_IDS.map((chainId, i) => ({
          chainId,
          genesisBlockHash: GENESIS_BLOCK_HASHES[i],
          genesisStateRoot: GENESIS_STATE_ROOTS[i],
        })),
      );
    });

    const constructorCases: {
      name: string;
      error: string;
      args: readonly unknown[];
      sequencer?: Address;
      chainIds?: bigint[];
      blockHashes?: Hex[];
      stateRoots?: Hex[];
    }[] = [
      { name: "a zero sequencer", error: "ZeroSequencer", args: [], sequencer: zeroAddress },
      { name: "fewer block hashes than chain ids", error: "LengthMismatch", args: [], blockHashes: [zeroHash] },
      {
        name: "more state roots than chain ids",
        error: "LengthMismatch",
        args: [],
        stateRoots: [zeroHash, zeroHash, zeroHash],
      },
      { name: "no rollup", error: "NoRollups", args: [], chainIds: [], blockHashes: [], stateRoots: [] },
      { name: "the same chain id twice", error: "DuplicateRollup", args: [901n], chainIds: [901n, 901n] },
    ];
    for (const testCase of constructorCases) {
      it(`refuses ${testCase.name} with ${testCase.error}`, async () => {
        const { viem, sequencer } = await chainFixture();
        const { abi } = await artifacts.readArtifact("SharedInbox");
        const deployment = viem.deployContract(
          "SharedInbox",
          [
            testCase.sequencer ?? sequencer.account.address,
            GENESIS_TIMESTAMP,
            testCase.chainIds ?? [...CHAIN_IDS],
            testCase.blockHashes ?? GENESIS_BLOCK_HASHES,
            testCase.stateRoots ?? GENESIS_STATE_ROOTS,
          ],
          { gas: 5_000_000n },
        );
        await expectRevert(deployment, abi, testCase.error, testCase.args);
      });
    }

    it("head() of an unregistered chain reverts with UnknownRollup", async () => {
      const { inbox } = await inboxFixture();
      await expectRevert(inbox.read.head([903n]), inbox.abi, "UnknownRollup", [903n]);
    });
  });

  describe("valid batches", () => {
    it("the first batch moves every head and starts the batch hash chain", async () => {
      const { inbox, nextBatch, submit, readState } = await inboxFixture();
      const batch = await nextBatch();
      expect(batch.header).to.deep.equal({ number: 1n, prevHash: zeroHash, globalSeqStart: 0n, globalSeqEnd: 3n });

      const receipt = await submit(batch);

      const expectedHash = batchHash(batch);
      expect(await readState()).to.deep.equal({
        batchCount: 1n,
        lastBatchHash: expectedHash,
        nextGlobalSeq: 3n,
        heads: CHAIN_IDS.map((chainId) => ({
          blockNumber: 1n,
          blockHash: blockHashOf(chainId, 1n),
          stateRoot: stateRootOf(chainId, 1n),
        })),
      });
      expect(await inbox.read.batchHashes([1n])).to.equal(expectedHash);
      const submitted = parseEventLogs({ abi: inbox.abi, logs: receipt.logs, eventName: "BatchSubmitted" });
      expect(submitted.map((log) => log.args)).to.deep.equal([
        {
          number: 1n,
          batchHash: expectedHash,
          globalSeqStart: 0n,
          globalSeqEnd: 3n,
          transactionsHash: keccak256(batch.transactions),
        },
      ]);
      const updated = parseEventLogs({ abi: inbox.abi, logs: receipt.logs, eventName: "RollupHeadUpdated" });
      expect(updated.map((log) => log.args)).to.deep.equal(
        CHAIN_IDS.map((chainId) => ({
          chainId,
          batchNumber: 1n,
          blockNumber: 1n,
          blockHash: blockHashOf(chainId, 1n),
          stateRoot: stateRootOf(chainId, 1n),
        })),
      );
    });

    it("the second batch chains on the first's hash and global sequence; an empty rollup keeps its head", async () => {
      const { inbox, nextBatch, submit, readState } = await inboxFixture();
      const first = await nextBatch();
      await submit(first);
      const second = await nextBatch([
        { blocks: 2, txCount: 4 },
        { blocks: 0, txCount: 0 },
      ]);
      expect(second.header).to.deep.equal({
        number: 2n,
        prevHash: batchHash(first),
        globalSeqStart: 3n,
        globalSeqEnd: 7n,
      });

      const receipt = await submit(second);

      const expectedHash = batchHash(second);
      expect(await readState()).to.deep.equal({
        batchCount: 2n,
        lastBatchHash: expectedHash,
        nextGlobalSeq: 7n,
        heads: [
          { blockNumber: 3n, blockHash: blockHashOf(901n, 3n), stateRoot: stateRootOf(901n, 3n) },
          { blockNumber: 1n, blockHash: blockHashOf(902n, 1n), stateRoot: stateRootOf(902n, 1n) },
        ],
      });
      expect(await inbox.read.batchHashes([1n])).to.equal(batchHash(first));
      expect(await inbox.read.batchHashes([2n])).to.equal(expectedHash);
      const submitted = parseEventLogs({ abi: inbox.abi, logs: receipt.logs, eventName: "BatchSubmitted" });
      expect(submitted.map((log) => log.args)).to.deep.equal([
        {
          number: 2n,
          batchHash: expectedHash,
          globalSeqStart: 3n,
          globalSeqEnd: 7n,
          transactionsHash: keccak256(second.transactions),
        },
      ]);
      const updated = parseEventLogs({ abi: inbox.abi, logs: receipt.logs, eventName: "RollupHeadUpdated" });
      expect(updated.map((log) => log.args.chainId)).to.deep.equal([901n]);
    });

    it("a batch where each rollup relayed exactly what the other sent it is accepted", async () => {
      const { nextBatch, submit, readState } = await inboxFixture();
      const fromA = keccak256(toHex("rolling hash of the messages 901 sent to 902"));
      const fromB = keccak256(toHex("rolling hash of the messages 902 sent to 901"));
      const valid = await nextBatch();
      // Entry j is about rollup j: 901 sent fromA to 902, which relayed it; 902 sent fromB to 901, which relayed it.
      const with901 = withRollup(valid, 0, { sentMessages: [zeroHash, fromA], relayedMessages: [zeroHash, fromB] });
      const batch = withRollup(with901, 1, { sentMessages: [fromB, zeroHash], relayedMessages: [fromA, zeroHash] });

      await submit(batch);

      const state = await readState();
      expect(state.batchCount).to.equal(1n);
      expect(state.lastBatchHash).to.equal(batchHash(batch));
      expect(state.lastBatchHash).to.not.equal(batchHash(valid));
    });

    it("a batch of exactly MAX_BLOCKS_PER_BATCH blocks for a rollup is accepted", async () => {
      const { inbox, nextBatch, submit, readState } = await inboxFixture();
      expect(await inbox.read.MAX_BLOCKS_PER_BATCH()).to.equal(MAX_BLOCKS_PER_BATCH);
      const batch = await nextBatch([
        { blocks: Number(MAX_BLOCKS_PER_BATCH), txCount: 1 },
        { blocks: 0, txCount: 0 },
      ]);

      await submit(batch);

      expect((await readState()).heads[0]?.blockNumber).to.equal(MAX_BLOCKS_PER_BATCH);
    });

    it("a batch with no transaction and no block for any rollup still extends the chain", async () => {
      const { nextBatch, submit, readState } = await inboxFixture();
      await submit(await nextBatch());
      const before = await readState();
      const idle = await nextBatch([
        { blocks: 0, txCount: 0 },
        { blocks: 0, txCount: 0 },
      ]);
      expect(idle.header.globalSeqEnd).to.equal(idle.header.globalSeqStart);

      await submit(idle);

      expect(await readState()).to.deep.equal({ ...before, batchCount: 2n, lastBatchHash: batchHash(idle) });
    });
  });

  describe("forged batches", () => {
    interface Forgery {
      batch: Batch;
      args: readonly unknown[];
      fromOutsider?: boolean;
    }
    interface ForgedCase {
      name: string;
      error: string;
      /** Forges the valid batch 2 (one block per rollup: 2 + 1 transactions, global sequence [3, 6)). */
      forge: (valid: Batch, context: { before: InboxState; outsider: Address }) => Forgery;
    }
    const forgedHash = keccak256(toHex("forged"));
    /** The valid batch with no block for rollup 902 (its head kept), then changed by `change`. */
    function emptyFor902(valid: Batch, before: InboxState, change: Partial<RollupCommitment>): Batch {
      const head = before.heads[1];
      if (head === undefined) throw new Error("no head for rollup 902");
      const empty = { toBlock: head.blockNumber, txCount: 0, blockHash: head.blockHash, stateRoot: head.stateRoot };
      return withMatchingSeqEnd(withRollup(valid, 1, { ...empty, ...change }));
    }
    const cases: ForgedCase[] = [
      {
        name: "sent by an account other than the sequencer",
        error: "NotSequencer",
        forge: (valid, { outsider }) => ({ batch: valid, args: [outsider], fromOutsider: true }),
      },
      {
        name: "skipping a batch number",
        error: "BatchOutOfOrder",
        forge: (valid) => ({ batch: { ...valid, header: { ...valid.header, number: 3n } }, args: [2n, 3n] }),
      },
      {
        name: "repeating the last batch number",
        error: "BatchOutOfOrder",
        forge: (valid) => ({ batch: { ...valid, header: { ...valid.header, number: 1n } }, args: [2n, 1n] }),
      },
      {
        name: "naming a wrong previous batch hash",
        error: "PrevHashMismatch",
        forge: (valid) => ({
          batch: { ...valid, header: { ...valid.header, prevHash: forgedHash } },
          args: [valid.header.prevHash, forgedHash],
        }),
      },
      {
        name: "leaving a gap in global sequence numbers",
        error: "GlobalSeqGap",
        forge: (valid) => ({
          batch: { ...valid, header: { ...valid.header, globalSeqStart: 4n, globalSeqEnd: 7n } },
          args: [3n, 4n],
        }),
      },
      {
        name: "ending its global sequence range before it starts",
        error: "InvalidGlobalSeqRange",
        forge: (valid) => ({ batch: { ...valid, header: { ...valid.header, globalSeqEnd: 2n } }, args: [3n, 2n] }),
      },
      {
        name: "omitting a rollup",
        error: "RollupCountMismatch",
        forge: (valid) => ({
          batch: withMatchingSeqEnd({ ...valid, rollups: valid.rollups.slice(0, 1) }),
          args: [2n, 1n],
        }),
      },
      {
        name: "adding an unregistered rollup",
        error: "RollupCountMismatch",
        forge: (valid) => {
          const extra: RollupCommitment = {
            chainId: 903n,
            fromBlock: 1n,
            toBlock: 1n,
            txCount: 0,
            blockHash: zeroHash,
            stateRoot: zeroHash,
            sentMessages: NO_MESSAGES,
            relayedMessages: NO_MESSAGES,
          };
          return { batch: { ...valid, rollups: [...valid.rollups, extra] }, args: [2n, 3n] };
        },
      },
      {
        name: "listing the rollups out of registration order",
        error: "RollupOrderMismatch",
        forge: (valid) => ({ batch: { ...valid, rollups: [...valid.rollups].reverse() }, args: [0n, 901n, 902n] }),
      },
      {
        name: "starting a rollup's range past the block after its head",
        error: "BlockRangeGap",
        forge: (valid) => ({ batch: withRollup(valid, 0, { fromBlock: 3n, toBlock: 3n }), args: [901n, 2n, 3n] }),
      },
      {
        name: "re-committing a rollup's committed block",
        error: "BlockRangeGap",
        forge: (valid) => ({ batch: withRollup(valid, 1, { fromBlock: 1n, toBlock: 2n }), args: [902n, 2n, 1n] }),
      },
      {
        name: "ending a rollup's range two blocks before it starts",
        error: "InvalidBlockRange",
        forge: (valid) => ({ batch: withRollup(valid, 0, { toBlock: 0n }), args: [901n, 2n, 0n] }),
      },
      {
        name: "committing one block more than MAX_BLOCKS_PER_BATCH for a rollup",
        error: "BlockRangeTooLarge",
        forge: (valid) => ({
          batch: withRollup(valid, 0, { toBlock: 1n + MAX_BLOCKS_PER_BATCH + 1n }),
          args: [901n, MAX_BLOCKS_PER_BATCH, MAX_BLOCKS_PER_BATCH + 1n],
        }),
      },
      {
        name: "moving a rollup's head to the last block number, where it could never advance",
        error: "BlockRangeTooLarge",
        forge: (valid) => ({
          batch: withRollup(valid, 1, { toBlock: MAX_UINT64 }),
          args: [902n, MAX_BLOCKS_PER_BATCH, MAX_UINT64 - 1n],
        }),
      },
      {
        name: "giving a rollup no block but a new block hash",
        error: "EmptyRangeChangedHead",
        forge: (valid, { before }) => ({ batch: emptyFor902(valid, before, { blockHash: forgedHash }), args: [902n] }),
      },
      {
        name: "giving a rollup no block but a new state root",
        error: "EmptyRangeChangedHead",
        forge: (valid, { before }) => ({ batch: emptyFor902(valid, before, { stateRoot: forgedHash }), args: [902n] }),
      },
      {
        name: "giving a rollup no block but transactions",
        error: "EmptyRangeChangedHead",
        forge: (valid, { before }) => ({ batch: emptyFor902(valid, before, { txCount: 1 }), args: [902n] }),
      },
      {
        name: "whose messages sent from 901 to 902 differ from those 902 relayed from 901",
        error: "MessagesMismatch",
        forge: (valid) => ({
          batch: withRollup(valid, 0, { sentMessages: [zeroHash, forgedHash] }),
          args: [901n, 902n],
        }),
      },
      {
        name: "relaying on 901 a message 902 never sent",
        error: "MessagesMismatch",
        forge: (valid) => ({
          batch: withRollup(valid, 0, { relayedMessages: [zeroHash, forgedHash] }),
          args: [902n, 901n],
        }),
      },
      {
        name: "with fewer sent-message hashes than rollups",
        error: "MessageHashesLength",
        forge: (valid) => ({ batch: withRollup(valid, 1, { sentMessages: [zeroHash] }), args: [902n] }),
      },
      {
        name: "with more relayed-message hashes than rollups",
        error: "MessageHashesLength",
        forge: (valid) => ({
          batch: withRollup(valid, 0, { relayedMessages: [zeroHash, zeroHash, zeroHash] }),
          args: [901n],
        }),
      },
      {
        name: "claiming more global sequence numbers than transactions",
        error: "TxCountMismatch",
        forge: (valid) => ({ batch: { ...valid, header: { ...valid.header, globalSeqEnd: 7n } }, args: [4n, 3n] }),
      },
      {
        name: "claiming fewer global sequence numbers than transactions",
        error: "TxCountMismatch",
        forge: (valid) => ({ batch: { ...valid, header: { ...valid.header, globalSeqEnd: 5n } }, args: [2n, 3n] }),
      },
    ];

    for (const testCase of cases) {
      it(`a batch ${testCase.name} reverts with ${testCase.error} and changes nothing`, async () => {
        const { inbox, publicClient, sequencer, outsider, nextBatch, submit, readState } = await inboxFixture();
        await submit(await nextBatch());
        const before = await readState();
        const valid = await nextBatch();
        const outsiderAddress = getAddress(outsider.account.address);
        const forgery = testCase.forge(valid, { before, outsider: outsiderAddress });
        const blockBefore = await publicClient.getBlockNumber();

        const account = forgery.fromOutsider === true ? outsider.account : sequencer.account;
        await expectRevert(submit(forgery.batch, account), inbox.abi, testCase.error, forgery.args);

        // The forged batch was mined and reverted on chain, not refused before sending.
        expect(await publicClient.getBlockNumber()).to.equal(blockBefore + 1n);
        expect(await readState()).to.deep.equal(before);
        // Only the forgery was wrong: the batch it was made from is still accepted.
        await submit(valid);
        expect((await readState()).batchCount).to.equal(2n);
      });
    }
  });
});
