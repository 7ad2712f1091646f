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
  hexToBigInt,
  keccak256,
  numberToHex,
  parseAbiParameters,
  parseEventLogs,
  toHex,
  zeroAddress,
  zeroHash,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { DEV_MNEMONIC, SEQUENCER_ACCOUNT_INDEX } from "../../rollups/accounts.ts";
import { CURVE_ORDER, recoverAddress, signHash } from "../../sequencer/secp256k1.ts";
import { expectRevert } from "../support/contracts.ts";

type InboxAbi = ArtifactMap["SharedInbox"]["abi"];
type SubmitBatchArgs = ContractFunctionArgs<InboxAbi, "nonpayable", "submitBatch">;
type BatchHeader = SubmitBatchArgs[0];
type RollupCommitment = SubmitBatchArgs[1][number];
type Signature = SubmitBatchArgs[3][number];
type SlotProposal = ContractFunctionArgs<InboxAbi, "nonpayable", "proveEquivocation">[0];

/** A batch as the committee posts it: `submitBatch(header, rollups, transactions, certificate)` without the certificate. */
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
  nextForced: bigint;
  heads: RollupHead[];
}

/** A committee member: HD index 20 + i of the devnet mnemonic, as the devnet's nodes. */
interface Member {
  address: Address;
  privateKey: Hex;
}

const CHAIN_IDS = [901n, 902n] as const;
const MAX_BLOCKS_PER_BATCH = 65_536n;
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_MEMBERS = 64;
const MAX_FORCED_TRANSACTION_SIZE = 16_384;
const GENESIS_TIMESTAMP = 1_700_000_000n;
const FORCE_INCLUSION_DELAY = 5n;
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
/** A key outside every committee of these tests. */
const OUTSIDER: Member = memberOf(keccak256(toHex("xrollup test: not a committee member")));

/** The batch hash as the contract defines it, written out independently of the contract. */
const BATCH_HASH_PARAMETERS = parseAbiParameters([
  "BatchHeader header, RollupCommitment[] rollups, bytes32 transactionsHash",
  "struct BatchHeader { uint64 number; bytes32 prevHash; uint64 globalSeqStart; uint64 globalSeqEnd; uint64 viewNumber; uint64 forcedEnd; }",
  "struct RollupCommitment { uint64 chainId; uint64 fromBlock; uint64 toBlock; uint32 txCount; bytes32 blockHash; bytes32 stateRoot; bytes32[] sentMessages; bytes32[] relayedMessages; }",
]);

function batchHash(batch: Batch): Hex {
  return keccak256(
    encodeAbiParameters(BATCH_HASH_PARAMETERS, [batch.header, batch.rollups, keccak256(batch.transactions)]),
  );
}

/** Where signatures count: L1's chain id and the inbox's address. */
interface SigningDomain {
  chainId: bigint;
  inbox: Address;
}

/** `batchDigest`, written out independently: keccak256(abi.encode(keccak256("xrollup.Batch"), chainid, inbox, hash)). */
function batchDigestOf(domain: SigningDomain, batch: Batch): Hex {
  return keccak256(
    encodeAbiParameters(parseAbiParameters("bytes32, uint256, address, bytes32"), [
      keccak256(toHex("xrollup.Batch")),
      domain.chainId,
      domain.inbox,
      batchHash(batch),
    ]),
  );
}

/** `proposalDigest`, written out independently. */
function proposalDigestOf(domain: SigningDomain, proposal: SlotProposal): Hex {
  return keccak256(
    encodeAbiParameters(parseAbiParameters("bytes32, uint256, address, uint64, uint64, bytes32"), [
      keccak256(toHex("xrollup.SlotProposal")),
      domain.chainId,
      domain.inbox,
      proposal.slot,
      proposal.viewNumber,
      proposal.orderHash,
    ]),
  );
}

/** A raw (no EIP-191 prefix) signature of `digest`, as the inbox checks it. */
function sign(digest: Hex, member: Member): Signature {
  const { r, s, yParity } = signHash(digest, member.privateKey);
  return { v: 27 + yParity, r, s };
}

/** The other signature of the same digest by the same key (s → n − s, v flipped): what EIP-2 forbids. */
function malleable(signature: Signature): Signature {
  const s = numberToHex(CURVE_ORDER - hexToBigInt(signature.s), { size: 32 });
  return { v: signature.v === 27 ? 28 : 27, r: signature.r, s };
}

function memberOf(privateKey: Hex): Member {
  return { address: privateKeyToAccount(privateKey).address, privateKey };
}

let committeeKeys: readonly Member[] | undefined;

/** The first `size` committee members, HD indices 20, 21, …; derived once (each derivation takes milliseconds). */
function committee(size: number): readonly Member[] {
  committeeKeys ??= Array.from({ length: 7 }, (_, i) => {
    const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: SEQUENCER_ACCOUNT_INDEX + i }).getHdKey().privateKey;
    if (key === null) throw new Error(`no private key at HD index ${SEQUENCER_ACCOUNT_INDEX + i}`);
    return memberOf(toHex(key));
  });
  if (size > committeeKeys.length) throw new Error(`only ${committeeKeys.length} committee keys`);
  return committeeKeys.slice(0, size);
}

/** The quorum the contract must compute, n − ⌊(n − 1) / 3⌋, written out independently. */
function quorumOf(size: number): number {
  return size - Math.floor((size - 1) / 3);
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

/** Changes the header. */
function withHeader(batch: Batch, change: Partial<BatchHeader>): Batch {
  return { ...batch, header: { ...batch.header, ...change } };
}

const connections: NetworkConnection[] = [];

afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
});

/** A fresh chain with an outsider account and nothing deployed. */
async function chainFixture() {
  const connection = await network.create();
  connections.push(connection);
  const { viem, provider } = connection;
  const [outsider] = await viem.getWalletClients();
  if (outsider === undefined) throw new Error("expected an account");
  const publicClient = await viem.getPublicClient();

  /** Mines `blocks` empty blocks. */
  async function mine(blocks: bigint): Promise<void> {
    await provider.request({ method: "hardhat_mine", params: [numberToHex(blocks)] });
  }

  return { viem, provider, publicClient, outsider: getAddress(outsider.account.address), mine };
}

/** The committee deployed with the inbox, and the delay of its forced queue. */
interface InboxOptions {
  committeeSize?: number;
  forceInclusionDelay?: bigint;
}

/**
 * A SharedInbox for rollups 901 and 902 at genesis with a committee of `committeeSize` (1 by default: a single
 * sequencer, as before the committee), and helpers to build, certify and submit batches.
 */
async function inboxFixture({ committeeSize = 1, forceInclusionDelay = FORCE_INCLUSION_DELAY }: InboxOptions = {}) {
  const chain = await chainFixture();
  const members = committee(committeeSize);
  // The members send L1 transactions without being the chain's accounts: impersonated and funded.
  await Promise.all(
    members.flatMap(({ address }) => [
      chain.provider.request({ method: "hardhat_impersonateAccount", params: [address] }),
      chain.provider.request({ method: "hardhat_setBalance", params: [address, numberToHex(10n ** 21n)] }),
    ]),
  );
  const inbox = await chain.viem.deployContract("SharedInbox", [
    members.map((member) => member.address),
    GENESIS_TIMESTAMP,
    forceInclusionDelay,
    [...CHAIN_IDS],
    GENESIS_BLOCK_HASHES,
    GENESIS_STATE_ROOTS,
  ]);
  const domain: SigningDomain = { chainId: BigInt(await chain.publicClient.getChainId()), inbox: getAddress(inbox.address) };

  async function readState(): Promise<InboxState> {
    const [batchCount, lastBatchHash, nextGlobalSeq, nextForced, heads] = await Promise.all([
      inbox.read.batchCount(),
      inbox.read.lastBatchHash(),
      inbox.read.nextGlobalSeq(),
      inbox.read.nextForced(),
      Promise.all(CHAIN_IDS.map((chainId) => inbox.read.head([chainId]))),
    ]);
    return { batchCount, lastBatchHash, nextGlobalSeq, nextForced, heads: [...heads] };
  }

  /** The valid batch that follows the inbox's current state, with `parts[i]` for rollup i, in view 0. */
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
    const header = {
      number,
      prevHash: state.lastBatchHash,
      globalSeqStart: state.nextGlobalSeq,
      globalSeqEnd: 0n,
      viewNumber: 0n,
      forcedEnd: state.nextForced,
    };
    return withMatchingSeqEnd({ header, rollups, transactions: toHex(`compressed transactions of batch ${number}`) });
  }

  /** `signers`' signatures of the batch, in that order. */
  function certify(batch: Batch, signers: readonly Member[]): Signature[] {
    const digest = batchDigestOf(domain, batch);
    return signers.map((signer) => sign(digest, signer));
  }

  /** A quorum of the deployed committee: the leader of the batch's view and the members after it in rotation order. */
  function quorumCertificate(batch: Batch): Signature[] {
    const leader = Number(batch.header.viewNumber % BigInt(members.length));
    const rotation = [...members.slice(leader), ...members.slice(0, leader)];
    return certify(batch, rotation.slice(0, quorumOf(members.length)));
  }

  /** Submits `batch` from `from` (the first member by default) with `certificate` (a quorum by default). */
  async function submit(
    batch: Batch,
    { from = members[0]?.address, certificate = quorumCertificate(batch) }: { from?: Address; certificate?: Signature[] } = {},
  ) {
    const hash = await inbox.write.submitBatch([batch.header, batch.rollups, batch.transactions, certificate], {
      account: from,
      gas: FORCE_GAS,
    });
    return chain.publicClient.waitForTransactionReceipt({ hash });
  }

  /** Queues `signedTx` for `chainId` from the outsider: anyone may. */
  async function forceInclude(chainId: bigint, signedTx: Hex) {
    const hash = await inbox.write.forceInclude([chainId, signedTx], { account: chain.outsider });
    return chain.publicClient.waitForTransactionReceipt({ hash });
  }

  return { ...chain, members, inbox, domain, readState, nextBatch, certify, submit, forceInclude };
}

describe("SharedInbox", () => {
  describe("deployment", () => {
    it("registers every rollup at its genesis block and the committee, with no batch yet", async () => {
      const { inbox, members, readState } = await inboxFixture();

      expect(await inbox.read.genesisTimestamp()).to.equal(GENESIS_TIMESTAMP);
      expect(await inbox.read.forceInclusionDelay()).to.equal(FORCE_INCLUSION_DELAY);
      expect(await inbox.read.forcedQueueLength()).to.equal(0n);
      expect(await inbox.read.rollupChainIds()).to.deep.equal([...CHAIN_IDS]);
      expect(await readState()).to.deep.equal({
        batchCount: 0n,
        lastBatchHash: zeroHash,
        nextGlobalSeq: 0n,
        nextForced: 0n,
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
      const committeeRegistered = await inbox.getEvents.CommitteeRegistered({ fromBlock: 0n });
      expect(committeeRegistered.map((log) => log.args)).to.deep.equal([{ members: members.map((m) => m.address) }]);
    });

    const someone = getAddress("0x00000000000000000000000000000000000000aa");
    /** 65 distinct non-zero addresses: one more than a committee may have. */
    const tooMany = Array.from({ length: MAX_MEMBERS + 1 }, (_, i) => getAddress(numberToHex(i + 1, { size: 20 })));
    const constructorCases: {
      name: string;
      error: string;
      args: readonly unknown[];
      members?: Address[];
      forceInclusionDelay?: bigint;
      chainIds?: bigint[];
      blockHashes?: Hex[];
      stateRoots?: Hex[];
    }[] = [
      { name: "no member", error: "NoMembers", args: [], members: [] },
      { name: "65 members", error: "TooManyMembers", args: [64n, 65n], members: tooMany },
      { name: "a zero member", error: "ZeroMember", args: [], members: [someone, zeroAddress] },
      { name: "the same member twice", error: "DuplicateMember", args: [someone], members: [someone, someone] },
      { name: "a zero forced-inclusion delay", error: "ZeroForceInclusionDelay", args: [], forceInclusionDelay: 0n },
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
        const { viem } = await chainFixture();
        const { abi } = await artifacts.readArtifact("SharedInbox");
        const deployment = viem.deployContract(
          "SharedInbox",
          [
            testCase.members ?? [someone],
            GENESIS_TIMESTAMP,
            testCase.forceInclusionDelay ?? FORCE_INCLUSION_DELAY,
            testCase.chainIds ?? [...CHAIN_IDS],
            testCase.blockHashes ?? GENESIS_BLOCK_HASHES,
            testCase.stateRoots ?? GENESIS_STATE_ROOTS,
          ],
          { gas: 10_000_000n },
        );
        await expectRevert(deployment, abi, testCase.error, testCase.args);
      });
    }

    it("head() of an unregistered chain reverts with UnknownRollup", async () => {
      const { inbox } = await inboxFixture();
      await expectRevert(inbox.read.head([903n]), inbox.abi, "UnknownRollup", [903n]);
    });
  });

  describe("committee", () => {
    for (const [size, quorum] of [
      [1, 1],
      [4, 3],
      [7, 5],
    ] as const) {
      it(`a committee of ${size} needs ${quorum} signatures, and its members lead views in turn`, async () => {
        const { inbox, members, outsider } = await inboxFixture({ committeeSize: size });
        const addresses = members.map((member) => member.address);

        expect(await inbox.read.quorum()).to.equal(BigInt(quorum));
        expect(await inbox.read.members()).to.deep.equal(addresses);
        expect(await inbox.read.genesisMembers()).to.deep.equal(addresses);
        for (const address of addresses) expect(await inbox.read.isMember([address])).to.equal(true);
        expect(await inbox.read.isMember([outsider])).to.equal(false);
        const views = [...Array.from({ length: 2 * size + 1 }, (_, view) => BigInt(view)), MAX_UINT64];
        const leaders = await Promise.all(views.map((view) => inbox.read.leaderOf([view])));
        expect(leaders).to.deep.equal(views.map((view) => addresses[Number(view % BigInt(size))]));
      });
    }

    it("a committee of 64, the most there may be, needs 43 signatures", async () => {
      const { viem } = await chainFixture();
      const largest = Array.from({ length: MAX_MEMBERS }, (_, i) => getAddress(numberToHex(i + 1, { size: 20 })));
      const inbox = await viem.deployContract("SharedInbox", [
        largest,
        GENESIS_TIMESTAMP,
        FORCE_INCLUSION_DELAY,
        [...CHAIN_IDS],
        GENESIS_BLOCK_HASHES,
        GENESIS_STATE_ROOTS,
      ]);

      expect(await inbox.read.MAX_MEMBERS()).to.equal(BigInt(MAX_MEMBERS));
      expect(await inbox.read.quorum()).to.equal(BigInt(quorumOf(MAX_MEMBERS)));
      expect(quorumOf(MAX_MEMBERS)).to.equal(43);
      expect(await inbox.read.leaderOf([63n])).to.equal(largest[63]);
    });

    it("batchDigest and proposalDigest bind the signature to this chain and this inbox", async () => {
      const { inbox, domain, nextBatch } = await inboxFixture();
      const batch = await nextBatch();
      const proposal = { slot: 3n, viewNumber: 9n, orderHash: keccak256(toHex("an order")) };

      expect(await inbox.read.batchDigest([batchHash(batch)])).to.equal(batchDigestOf(domain, batch));
      expect(await inbox.read.proposalDigest([proposal])).to.equal(proposalDigestOf(domain, proposal));
    });
  });

  describe("valid batches", () => {
    it("the first batch moves every head and starts the batch hash chain", async () => {
      const { inbox, nextBatch, submit, readState } = await inboxFixture();
      const batch = await nextBatch();
      expect(batch.header).to.deep.equal({
        number: 1n,
        prevHash: zeroHash,
        globalSeqStart: 0n,
        globalSeqEnd: 3n,
        viewNumber: 0n,
        forcedEnd: 0n,
      });

      const receipt = await submit(batch);

      const expectedHash = batchHash(batch);
      expect(await readState()).to.deep.equal({
        batchCount: 1n,
        lastBatchHash: expectedHash,
        nextGlobalSeq: 3n,
        nextForced: 0n,
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
        viewNumber: 0n,
        forcedEnd: 0n,
      });

      const receipt = await submit(second);

      const expectedHash = batchHash(second);
      expect(await readState()).to.deep.equal({
        batchCount: 2n,
        lastBatchHash: expectedHash,
        nextGlobalSeq: 7n,
        nextForced: 0n,
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
        name: "sent by an account outside the committee",
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
      {
        name: "processing forced transactions past the end of the (empty) queue",
        error: "ForcedQueueOverrun",
        forge: (valid) => ({ batch: withHeader(valid, { forcedEnd: 1n }), args: [0n, 1n] }),
      },
    ];

    for (const testCase of cases) {
      it(`a batch ${testCase.name} reverts with ${testCase.error} and changes nothing`, async () => {
        const { inbox, publicClient, outsider, nextBatch, submit, readState } = await inboxFixture();
        await submit(await nextBatch());
        const before = await readState();
        const valid = await nextBatch();
        const forgery = testCase.forge(valid, { before, outsider });
        const blockBefore = await publicClient.getBlockNumber();

        // The forgery carries a valid certificate of itself: only what the case forged is wrong.
        const from = forgery.fromOutsider === true ? outsider : undefined;
        await expectRevert(submit(forgery.batch, { from }), inbox.abi, testCase.error, forgery.args);

        // The forged batch was mined and reverted on chain, not refused before sending.
        expect(await publicClient.getBlockNumber()).to.equal(blockBefore + 1n);
        expect(await readState()).to.deep.equal(before);
        // Only the forgery was wrong: the batch it was made from is still accepted.
        await submit(valid);
        expect((await readState()).batchCount).to.equal(2n);
      });
    }
  });

  describe("certificates", () => {
    /** View 5 of a committee of 4 [m0, m1, m2, m3] is led by m1; a quorum is 3. */
    const VIEW = 5n;

    it("a committee of 4 accepts 3 signatures that include the view's leader, sent by any member", async () => {
      const { inbox, members, nextBatch, certify, submit, readState } = await inboxFixture({ committeeSize: 4 });
      const [m0, m1, m2, m3] = members as [Member, Member, Member, Member];
      expect(await inbox.read.leaderOf([VIEW])).to.equal(m1.address);
      const batch = withHeader(await nextBatch(), { viewNumber: VIEW });

      // Certificate order is free; m2, not the leader, posts it.
      const receipt = await submit(batch, { from: m2.address, certificate: certify(batch, [m3, m1, m0]) });

      expect((await readState()).lastBatchHash).to.equal(batchHash(batch));
      const certified = parseEventLogs({ abi: inbox.abi, logs: receipt.logs, eventName: "BatchCertified" });
      expect(certified.map((log) => log.args)).to.deep.equal([
        { number: 1n, viewNumber: VIEW, signers: [m3.address, m1.address, m0.address] },
      ]);
    });

    it("a committee of 1 accepts its one member's signature, as the single sequencer did", async () => {
      const { inbox, members, nextBatch, certify, submit, readState } = await inboxFixture({ committeeSize: 1 });
      const [only] = members as [Member];
      const batch = withHeader(await nextBatch(), { viewNumber: VIEW });

      const receipt = await submit(batch, { certificate: certify(batch, [only]) });

      expect((await readState()).batchCount).to.equal(1n);
      const certified = parseEventLogs({ abi: inbox.abi, logs: receipt.logs, eventName: "BatchCertified" });
      expect(certified.map((log) => log.args)).to.deep.equal([
        { number: 1n, viewNumber: VIEW, signers: [only.address] },
      ]);
    });

    interface BadCertificate {
      name: string;
      error: string;
      /** The certificate of `batch` (view 5), by members [m0, m1, m2, m3], and the error's arguments. */
      make: (
        batch: Batch,
        members: readonly [Member, Member, Member, Member],
        certify: (batch: Batch, signers: readonly Member[]) => Signature[],
        domain: SigningDomain,
      ) => { certificate: Signature[]; args: readonly unknown[] };
    }
    const cases: BadCertificate[] = [
      {
        name: "fewer signatures than the quorum",
        error: "InsufficientSignatures",
        make: (batch, [, m1, m2], certify) => ({ certificate: certify(batch, [m1, m2]), args: [3n, 2n] }),
      },
      {
        name: "the same member's signature twice",
        error: "DuplicateSigner",
        make: (batch, [, m1, m2], certify) => ({ certificate: certify(batch, [m1, m2, m2]), args: [m2.address] }),
      },
      {
        name: "a signature of an account outside the committee",
        error: "NotMember",
        make: (batch, [, m1, m2], certify) => ({
          certificate: certify(batch, [m1, m2, OUTSIDER]),
          args: [OUTSIDER.address],
        }),
      },
      {
        name: "a quorum without the view's leader",
        error: "LeaderSignatureMissing",
        make: (batch, [m0, m1, m2, m3], certify) => ({
          certificate: certify(batch, [m0, m2, m3]),
          args: [VIEW, m1.address],
        }),
      },
      {
        name: "a member's signature with the malleable s",
        error: "InvalidSignature",
        make: (batch, [, m1, m2, m3], certify) => {
          const [a, b, c] = certify(batch, [m1, m2, m3]) as [Signature, Signature, Signature];
          // ecrecover accepts it and recovers m3: only the s bound refuses it.
          return { certificate: [a, b, malleable(c)], args: [2n] };
        },
      },
      {
        name: "a signature with v = 29, which recovers no address",
        error: "InvalidSignature",
        make: (batch, [, m1, m2, m3], certify) => {
          const [a, b, c] = certify(batch, [m1, m2, m3]) as [Signature, Signature, Signature];
          return { certificate: [a, { ...b, v: 29 }, c], args: [1n] };
        },
      },
      {
        name: "a quorum's signatures of the batch in another view",
        error: "NotMember",
        make: (batch, [m0, m1, m2], certify, domain) => {
          const certificate = certify(withHeader(batch, { viewNumber: VIEW + 1n }), [m1, m2, m0]);
          const [first] = certificate as [Signature];
          // Over the batch as submitted, the first signature recovers to some unrelated account.
          const recovered = recoverAddress(batchDigestOf(domain, batch), {
            r: first.r,
            s: first.s,
            yParity: first.v - 27,
          });
          return { certificate, args: [recovered] };
        },
      },
    ];
    for (const testCase of cases) {
      it(`a batch certified with ${testCase.name} reverts with ${testCase.error} and changes nothing`, async () => {
        const { inbox, members, domain, nextBatch, certify, submit, readState } = await inboxFixture({ committeeSize: 4 });
        const batch = withHeader(await nextBatch(), { viewNumber: VIEW });
        const before = await readState();
        const { certificate, args } = testCase.make(
          batch,
          members as [Member, Member, Member, Member],
          certify,
          domain,
        );

        await expectRevert(submit(batch, { certificate }), inbox.abi, testCase.error, args);

        expect(await readState()).to.deep.equal(before);
        await submit(batch);
        expect((await readState()).batchCount).to.equal(1n);
      });
    }
  });

  describe("equivocation", () => {
    /** Two proposals of one slot and view with different orders. */
    const SLOT = 7n;
    const proposalA: SlotProposal = { slot: SLOT, viewNumber: 2n, orderHash: keccak256(toHex("order A")) };
    const proposalB: SlotProposal = { ...proposalA, orderHash: keccak256(toHex("order B")) };

    it("two orders one member signed for a slot remove it: the quorum, the leaders and the certificates follow", async () => {
      const { inbox, members, domain, outsider, publicClient, nextBatch, certify, submit, readState } = await inboxFixture({
        committeeSize: 4,
      });
      const [m0, m1, m2, m3] = members as [Member, Member, Member, Member];
      expect(await inbox.read.leaderOf([2n])).to.equal(m2.address);
      const proof = [
        proposalA,
        sign(proposalDigestOf(domain, proposalA), m2),
        proposalB,
        sign(proposalDigestOf(domain, proposalB), m2),
      ] as const;

      // Anyone may prove it.
      const hash = await inbox.write.proveEquivocation(proof, { account: outsider });
      const { logs } = await publicClient.waitForTransactionReceipt({ hash });

      const removed = parseEventLogs({ abi: inbox.abi, logs, eventName: "MemberRemoved" });
      expect(removed.map((log) => log.args)).to.deep.equal([{ member: m2.address, slot: SLOT, viewNumber: 2n }]);
      expect(await inbox.read.members()).to.deep.equal([m0.address, m1.address, m3.address]);
      expect(await inbox.read.genesisMembers()).to.deep.equal(members.map((member) => member.address));
      expect(await inbox.read.isMember([m2.address])).to.equal(false);
      // n = 3: f = 0, every member signs; m3 took m2's place in the rotation.
      expect(await inbox.read.quorum()).to.equal(3n);
      expect(await inbox.read.leaderOf([2n])).to.equal(m3.address);
      expect(await inbox.read.leaderOf([3n])).to.equal(m0.address);

      const batch = await nextBatch();
      const before = await readState();
      await expectRevert(submit(batch, { certificate: certify(batch, [m0, m1, m2]) }), inbox.abi, "NotMember", [
        m2.address,
      ]);
      await expectRevert(
        submit(batch, { from: m2.address, certificate: certify(batch, [m0, m1, m3]) }),
        inbox.abi,
        "NotSequencer",
        [m2.address],
      );
      expect(await readState()).to.deep.equal(before);
      await submit(batch, { certificate: certify(batch, [m0, m1, m3]) });
      expect((await readState()).batchCount).to.equal(1n);
      // The same proof again finds no member to remove.
      await expectRevert(inbox.write.proveEquivocation(proof), inbox.abi, "NotMember", [m2.address]);
    });

    interface BadProof {
      name: string;
      error: string;
      committeeSize?: number;
      /** The proof's two proposals and their signers (the first member by default), and the error's arguments. */
      make: (members: readonly Member[]) => {
        b?: SlotProposal;
        signerA?: Member;
        signerB?: Member;
        malleableB?: boolean;
        args: readonly unknown[];
      };
    }
    const cases: BadProof[] = [
      { name: "the same proposal twice", error: "NotConflicting", make: () => ({ b: proposalA, args: [] }) },
      {
        name: "proposals of different slots",
        error: "DifferentSlots",
        make: () => ({ b: { ...proposalB, slot: SLOT + 1n }, args: [] }),
      },
      {
        name: "proposals of different views",
        error: "DifferentSlots",
        make: () => ({ b: { ...proposalB, viewNumber: 3n }, args: [] }),
      },
      {
        name: "proposals signed by two members",
        error: "DifferentSigners",
        make: ([, m1, m2]) => ({ signerA: m1, signerB: m2, args: [m1?.address, m2?.address] }),
      },
      {
        name: "proposals signed by an account outside the committee",
        error: "NotMember",
        make: () => ({ signerA: OUTSIDER, signerB: OUTSIDER, args: [OUTSIDER.address] }),
      },
      {
        name: "a signature with the malleable s",
        error: "InvalidSignature",
        make: () => ({ malleableB: true, args: [1n] }),
      },
      {
        name: "the last member's proposals",
        error: "LastMember",
        committeeSize: 1,
        make: ([m0]) => ({ args: [m0?.address] }),
      },
    ];
    for (const testCase of cases) {
      it(`a proof of ${testCase.name} reverts with ${testCase.error} and removes no one`, async () => {
        const { inbox, members, domain } = await inboxFixture({ committeeSize: testCase.committeeSize ?? 4 });
        const [first] = members as [Member];
        const { b = proposalB, signerA = first, signerB = first, malleableB = false, args } = testCase.make(members);
        const sigB = sign(proposalDigestOf(domain, b), signerB);

        await expectRevert(
          inbox.write.proveEquivocation(
            [proposalA, sign(proposalDigestOf(domain, proposalA), signerA), b, malleableB ? malleable(sigB) : sigB],
            { gas: FORCE_GAS },
          ),
          inbox.abi,
          testCase.error,
          args,
        );

        expect(await inbox.read.members()).to.deep.equal(members.map((member) => member.address));
      });
    }
  });

  describe("forced inclusion", () => {
    const SIGNED_TX = toHex("a signed transaction for rollup 902");

    it("anyone queues a transaction until its block + the delay, and forcedTransaction returns it", async () => {
      const { inbox, forceInclude } = await inboxFixture();
      const second = toHex("another signed transaction, for 901");

      const receipts = [await forceInclude(902n, SIGNED_TX), await forceInclude(901n, second)];

      const queued = receipts.flatMap((receipt) =>
        parseEventLogs({ abi: inbox.abi, logs: receipt.logs, eventName: "ForcedTransactionQueued" }).map((log) => log.args),
      );
      const [deadline0, deadline1] = receipts.map((receipt) => receipt.blockNumber + FORCE_INCLUSION_DELAY) as [bigint, bigint];
      expect(queued).to.deep.equal([
        { index: 0n, chainId: 902n, txHash: keccak256(SIGNED_TX), deadline: deadline0 },
        { index: 1n, chainId: 901n, txHash: keccak256(second), deadline: deadline1 },
      ]);
      expect(await inbox.read.forcedQueueLength()).to.equal(2n);
      expect(await inbox.read.forcedTransaction([0n])).to.deep.equal([902n, deadline0, keccak256(SIGNED_TX), SIGNED_TX]);
      expect(await inbox.read.forcedTransaction([1n])).to.deep.equal([901n, deadline1, keccak256(second), second]);
      // Queued, not processed: no batch has covered them yet.
      expect(await inbox.read.nextForced()).to.equal(0n);
    });

    const refusals: { name: string; chainId: bigint; signedTx: Hex; error: string; args: readonly unknown[] }[] = [
      { name: "for an unregistered rollup", chainId: 903n, signedTx: SIGNED_TX, error: "UnknownRollup", args: [903n] },
      { name: "that is empty", chainId: 902n, signedTx: "0x", error: "EmptyForcedTransaction", args: [] },
      {
        name: "of one byte more than the largest",
        chainId: 902n,
        signedTx: toHex(new Uint8Array(MAX_FORCED_TRANSACTION_SIZE + 1).fill(1)),
        error: "ForcedTransactionTooLarge",
        args: [BigInt(MAX_FORCED_TRANSACTION_SIZE), BigInt(MAX_FORCED_TRANSACTION_SIZE + 1)],
      },
    ];
    for (const refusal of refusals) {
      it(`a transaction ${refusal.name} reverts with ${refusal.error}`, async () => {
        const { inbox, forceInclude } = await inboxFixture();
        await expectRevert(forceInclude(refusal.chainId, refusal.signedTx), inbox.abi, refusal.error, refusal.args);
        expect(await inbox.read.forcedQueueLength()).to.equal(0n);
      });
    }

    it("a batch may leave a queued transaction out until its deadline block, and not one block later", async () => {
      const { inbox, provider, publicClient, mine, nextBatch, submit, forceInclude, readState } = await inboxFixture();
      const deadline = (await forceInclude(902n, SIGNED_TX)).blockNumber + FORCE_INCLUSION_DELAY;
      const batch = await nextBatch();
      expect(batch.header.forcedEnd).to.equal(0n);
      const snapshot = await provider.request({ method: "evm_snapshot" });

      // Mined in block deadline + 1: the transaction is overdue.
      await mine(deadline - (await publicClient.getBlockNumber()));
      await expectRevert(submit(batch), inbox.abi, "ForcedInclusionOverdue", [0n]);
      expect(await publicClient.getBlockNumber()).to.equal(deadline + 1n);

      // The same batch, mined in the deadline block itself, is accepted.
      await provider.request({ method: "evm_revert", params: [snapshot] });
      await mine(deadline - 1n - (await publicClient.getBlockNumber()));
      const receipt = await submit(batch);
      expect(receipt.blockNumber).to.equal(deadline);
      expect((await readState()).batchCount).to.equal(1n);
    });

    it("a batch that processed queued transactions moves nextForced, and the next may not go back", async () => {
      const { inbox, nextBatch, submit, forceInclude, readState } = await inboxFixture();
      await forceInclude(902n, SIGNED_TX);
      await submit(withHeader(await nextBatch(), { forcedEnd: 1n }));
      expect(await inbox.read.nextForced()).to.equal(1n);
      const before = await readState();

      const rewound = withHeader(await nextBatch(), { forcedEnd: 0n });
      await expectRevert(submit(rewound), inbox.abi, "ForcedQueueRewound", [1n, 0n]);

      expect(await readState()).to.deep.equal(before);
    });

    it("forceInclusion refuses while nothing is overdue, then marks exactly the overdue transactions processed", async () => {
      const { inbox, outsider, publicClient, mine, nextBatch, submit, forceInclude } = await inboxFixture();
      const forceInclusion = async () => {
        const hash = await inbox.write.forceInclusion({ account: outsider, gas: FORCE_GAS });
        return publicClient.waitForTransactionReceipt({ hash });
      };
      const included = (receipt: Awaited<ReturnType<typeof forceInclusion>>) =>
        parseEventLogs({ abi: inbox.abi, logs: receipt.logs, eventName: "ForcedInclusion" }).map((log) => log.args);

      await expectRevert(forceInclusion(), inbox.abi, "NothingOverdue", []);
      // Three transactions in three blocks, then a fourth once the first three are overdue.
      for (const n of [0, 1, 2]) await forceInclude(902n, toHex(`forced transaction ${n}`));
      await expectRevert(forceInclusion(), inbox.abi, "NothingOverdue", []);
      await mine(FORCE_INCLUSION_DELAY);
      const fourth = await forceInclude(901n, toHex("forced transaction 3"));

      expect(included(await forceInclusion())).to.deep.equal([{ fromIndex: 0n, toIndex: 3n }]);
      expect(await inbox.read.nextForced()).to.equal(3n);
      await expectRevert(forceInclusion(), inbox.abi, "NothingOverdue", []);
      // The committee goes on from there: not behind nextForced, and may leave the fourth out until its deadline.
      await expectRevert(submit(withHeader(await nextBatch(), { forcedEnd: 2n })), inbox.abi, "ForcedQueueRewound", [
        3n,
        2n,
      ]);
      await submit(await nextBatch());
      expect(await inbox.read.nextForced()).to.equal(3n);

      await mine(fourth.blockNumber + FORCE_INCLUSION_DELAY - (await publicClient.getBlockNumber()));
      expect(included(await forceInclusion())).to.deep.equal([{ fromIndex: 3n, toIndex: 4n }]);
      expect(await inbox.read.nextForced()).to.equal(4n);
    });
  });
});
