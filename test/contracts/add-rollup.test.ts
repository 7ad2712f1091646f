import { expect } from "chai";
import {
  type Address,
  encodeAbiParameters,
  hexToBigInt,
  keccak256,
  parseAbiParameters,
  parseEventLogs,
  toHex,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { applyBatch, type Batch, batchHash, type InboxState, type RollupCommitment, type RollupRegistration } from "../../sequencer/batch/builder.ts";
import { type BatchViolation, checkBatch, INBOX_ERROR_OF_CODE, MAX_INBOX_ROLLUPS, REGISTRATION_ERROR_OF_CODE } from "../../sequencer/batch/check.ts";
import { batchDigest, signDigest } from "../../sequencer/committee/certificate.ts";
import { closeChains, expectRevert, impersonate, MESSENGER_ADDRESS, openChain, predeployMessenger, revertedWith } from "../support/contracts.ts";

/**
 * A rollup joins a running devnet: the L1 inbox registers it in the batch
 * that first commits to it, and the messengers of the rollups already there
 * learn of it from a committee member's `addChain`.
 */

afterEach(closeChains);

const L1_CHAIN_ID = 900;
const CHAIN_IDS = [901n, 902n] as const;
/** The rollup the cases add. */
const ADDED = 903n;
const GENESIS_TIMESTAMP = 1_700_000_000n;
/** The inbox's committee of one: it submits and certifies every batch. */
const MEMBER_KEY = keccak256(toHex("xrollup add-rollup member"));
const MEMBER = privateKeyToAccount(MEMBER_KEY).address;
const OUTSIDER = privateKeyToAccount(keccak256(toHex("xrollup add-rollup outsider"))).address;
const forged = keccak256(toHex("forged"));
/** The custom error of every code checkBatch gives. */
const ERROR_OF_CODE = { ...INBOX_ERROR_OF_CODE, ...REGISTRATION_ERROR_OF_CODE };

function genesisOf(chainId: bigint) {
  return { blockHash: keccak256(toHex(`genesis block ${chainId}`)), stateRoot: keccak256(toHex(`genesis state ${chainId}`)) };
}

function registration(chainId: bigint, genesisTimestamp = GENESIS_TIMESTAMP + 60n): RollupRegistration {
  const { blockHash, stateRoot } = genesisOf(chainId);
  return { chainId, genesisTimestamp, genesisBlockHash: blockHash, genesisStateRoot: stateRoot };
}

const GENESIS: InboxState = {
  batchNumber: 0,
  batchHash: zeroHash,
  nextGlobalSeq: 0,
  nextForced: 0,
  heads: CHAIN_IDS.map((chainId) => ({ chainId: Number(chainId), head: { blockNumber: 0, ...genesisOf(chainId) } })),
};

/**
 * The valid batch after `previous` that registers `registrations`: one block of one transaction on every rollup, the
 * new ones too, and no message anywhere (a zero hash per rollup each way).
 */
function nextBatch(previous: InboxState, registrations: readonly RollupRegistration[] = []): Batch {
  const heads = [
    ...previous.heads,
    ...registrations.map(({ chainId, genesisBlockHash, genesisStateRoot }) => ({
      chainId: Number(chainId),
      head: { blockNumber: 0, blockHash: genesisBlockHash, stateRoot: genesisStateRoot },
    })),
  ];
  const commitments = heads.map(({ chainId, head }): RollupCommitment => {
    const toBlock = head.blockNumber + 1;
    return {
      chainId: BigInt(chainId),
      fromBlock: BigInt(toBlock),
      toBlock: BigInt(toBlock),
      txCount: 1,
      blockHash: keccak256(toHex(`block ${chainId}/${toBlock}`)),
      stateRoot: keccak256(toHex(`state ${chainId}/${toBlock}`)),
      sentMessages: heads.map(() => zeroHash),
      relayedMessages: heads.map(() => zeroHash),
    };
  });
  const number = BigInt(previous.batchNumber + 1);
  const start = BigInt(previous.nextGlobalSeq);
  const header = { number, prevHash: previous.batchHash, globalSeqStart: start, globalSeqEnd: start + BigInt(heads.length), viewNumber: 0n, forcedEnd: 0n };
  const data = toHex(`compressed transactions of batch ${number}`);
  return {
    header,
    commitments,
    ...(registrations.length === 0 ? {} : { registrations: [...registrations] }),
    payload: { rollups: [], globalOrder: [], encrypted: [] },
    data,
    hash: batchHash(header, commitments, data, registrations),
    slots: { first: Number(number), last: Number(number) },
  };
}

/** `batch` with the commitment at `index` changed. */
function withRollup(batch: Batch, index: number, change: Partial<RollupCommitment>): Batch {
  return { ...batch, commitments: batch.commitments.map((commitment, i) => (i === index ? { ...commitment, ...change } : commitment)) };
}

/** The registering batch hash, written out independently of the contract and of builder.ts. */
const REGISTERING_HASH_PARAMETERS = parseAbiParameters([
  "BatchHeader header, RollupCommitment[] rollups, bytes32 transactionsHash, RollupRegistration[] registrations",
  "struct BatchHeader { uint64 number; bytes32 prevHash; uint64 globalSeqStart; uint64 globalSeqEnd; uint64 viewNumber; uint64 forcedEnd; }",
  "struct RollupCommitment { uint64 chainId; uint64 fromBlock; uint64 toBlock; uint32 txCount; bytes32 blockHash; bytes32 stateRoot; bytes32[] sentMessages; bytes32[] relayedMessages; }",
  "struct RollupRegistration { uint64 chainId; uint64 genesisTimestamp; bytes32 genesisBlockHash; bytes32 genesisStateRoot; }",
]);

/** A SharedInbox for 901 and 902 with a committee of one (MEMBER), on a fresh L1. */
async function inboxFixture() {
  const connection = await openChain(L1_CHAIN_ID);
  await impersonate(connection, MEMBER);
  const inbox = await connection.viem.deployContract("SharedInbox", [
    [MEMBER],
    GENESIS_TIMESTAMP,
    10n,
    [...CHAIN_IDS],
    GENESIS.heads.map(({ head }) => head.blockHash),
    GENESIS.heads.map(({ head }) => head.stateRoot),
  ]);
  const publicClient = await connection.viem.getPublicClient();
  const domain = { l1ChainId: L1_CHAIN_ID, inbox: inbox.address };
  const certificate = (batch: Batch) => [signDigest(batchDigest(domain, batch.hash), MEMBER_KEY)];

  /** The call the sequencer's poster makes for `batch`, as an eth_call from the member: it leaves nothing behind. */
  function simulate(batch: Batch) {
    const args = [batch.header, batch.commitments, batch.data, certificate(batch)] as const;
    return batch.registrations === undefined
      ? inbox.simulate.submitBatch(args, { account: MEMBER })
      : inbox.simulate.submitBatchRegistering([...args, batch.registrations], { account: MEMBER });
  }

  /** Posts `batch` as the sequencer's poster does, and waits for its receipt. */
  async function submit(batch: Batch) {
    const args = [batch.header, batch.commitments, batch.data, certificate(batch)] as const;
    const hash =
      batch.registrations === undefined
        ? await inbox.write.submitBatch(args, { account: MEMBER })
        : await inbox.write.submitBatchRegistering([...args, batch.registrations], { account: MEMBER });
    return publicClient.waitForTransactionReceipt({ hash });
  }

  return { connection, inbox, publicClient, simulate, submit };
}

/** Rollup 901's messenger, as the devnet predeploys it for rollups 901 and 902 with MEMBER as the committee. */
async function messengerFixture() {
  const connection = await openChain(Number(CHAIN_IDS[0]));
  await impersonate(connection, MEMBER);
  const messenger = await predeployMessenger(connection, { committee: [MEMBER], firstChainId: CHAIN_IDS[0], chainCount: BigInt(CHAIN_IDS.length) });
  const publicClient = await connection.viem.getPublicClient();
  const addChain = async (chainId: bigint, from: Address = MEMBER) =>
    publicClient.waitForTransactionReceipt({ hash: await messenger.write.addChain([chainId], { account: from }) });
  return { connection, messenger, publicClient, addChain };
}

describe("Adding a rollup", () => {
  describe("SharedInbox.submitBatchRegistering", () => {
    it("registers the rollup at its genesis in the batch that first commits to it, and moves its head with the others", async () => {
      const { inbox, submit } = await inboxFixture();
      const batch = nextBatch(GENESIS, [registration(ADDED)]);

      const receipt = await submit(batch);

      expect(receipt.status).to.equal("success");
      expect(await inbox.read.rollupChainIds()).to.deep.equal([...CHAIN_IDS, ADDED]);
      const registered = parseEventLogs({ abi: inbox.abi, logs: receipt.logs, eventName: "RollupRegistered" });
      expect(registered.map((log) => log.args)).to.deep.equal([{ chainId: ADDED, genesisBlockHash: genesisOf(ADDED).blockHash, genesisStateRoot: genesisOf(ADDED).stateRoot }]);
      const added = batch.commitments[2]!;
      expect(await inbox.read.head([ADDED])).to.deep.equal({ blockNumber: 1n, blockHash: added.blockHash, stateRoot: added.stateRoot });
      const [submitted] = parseEventLogs({ abi: inbox.abi, logs: receipt.logs, eventName: "BatchSubmitted" });
      const expected = keccak256(encodeAbiParameters(REGISTERING_HASH_PARAMETERS, [batch.header, batch.commitments, keccak256(batch.data), batch.registrations!]));
      expect(submitted?.args.batchHash).to.equal(expected);
      expect(await inbox.read.lastBatchHash()).to.equal(expected);
    });

    it("lets the next ordinary batch commit to the added rollup, and a forced transaction be queued for it", async () => {
      const { inbox, submit, connection } = await inboxFixture();
      await expectRevert(inbox.write.forceInclude([ADDED, "0x01"], { account: MEMBER }), inbox.abi, "UnknownRollup", [ADDED]);
      const first = nextBatch(GENESIS, [registration(ADDED)]);
      await submit(first);
      const second = nextBatch(applyBatch(GENESIS, first));

      const receipt = await submit(second);

      expect(receipt.status).to.equal("success");
      expect((await inbox.read.head([ADDED])).blockNumber).to.equal(2n);
      const publicClient = await connection.viem.getPublicClient();
      await publicClient.waitForTransactionReceipt({ hash: await inbox.write.forceInclude([ADDED, "0x01"], { account: MEMBER }) });
      expect(await inbox.read.forcedQueueLength()).to.equal(1n);
    });

    it("leaves nothing registered when the batch fails a later check", async () => {
      const { inbox, submit } = await inboxFixture();
      const batch = withRollup(nextBatch(GENESIS, [registration(ADDED)]), 0, { sentMessages: [zeroHash, zeroHash, forged] });

      const revert = await revertedWith(submit(batch), inbox.abi);

      expect(revert).to.deep.equal({ errorName: "MessagesMismatch", args: [CHAIN_IDS[0], ADDED] });
      expect(await inbox.read.rollupChainIds()).to.deep.equal([...CHAIN_IDS]);
      await expectRevert(inbox.read.head([ADDED]), inbox.abi, "UnknownRollup", [ADDED]);
    });

    it("refuses a certificate over the batch without its registrations", async () => {
      const { inbox } = await inboxFixture();
      const batch = nextBatch(GENESIS, [registration(ADDED)]);
      const domain = { l1ChainId: L1_CHAIN_ID, inbox: inbox.address };
      const withoutRegistrations = batchHash(batch.header, batch.commitments, batch.data);
      const certificate = [signDigest(batchDigest(domain, withoutRegistrations), MEMBER_KEY)];

      const revert = await revertedWith(
        inbox.write.submitBatchRegistering([batch.header, batch.commitments, batch.data, certificate, batch.registrations!], { account: MEMBER, gas: 2_000_000n }),
        inbox.abi,
      );

      // The signature recovers to some other account, which is no member.
      expect(revert.errorName).to.equal("NotMember");
      expect(await inbox.read.rollupChainIds()).to.deep.equal([...CHAIN_IDS]);
    });

    it("refuses an account outside the committee before anything else", async () => {
      const { inbox, connection } = await inboxFixture();
      await impersonate(connection, OUTSIDER);
      const batch = nextBatch(GENESIS, [registration(CHAIN_IDS[0])]);
      await expectRevert(
        inbox.write.submitBatchRegistering([batch.header, batch.commitments, batch.data, [], batch.registrations!], { account: OUTSIDER, gas: 2_000_000n }),
        inbox.abi,
        "NotSequencer",
        [OUTSIDER],
      );
    });

    it("refuses a registering batch that registers nothing, with NoRollups", async () => {
      const { inbox, simulate } = await inboxFixture();
      const batch = { ...nextBatch(GENESIS), registrations: [] };
      await expectRevert(simulate(batch), inbox.abi, "NoRollups", []);
    });

    it("MAX_ROLLUPS is checkBatch's", async () => {
      const { inbox } = await inboxFixture();
      expect(await inbox.read.MAX_ROLLUPS()).to.equal(BigInt(MAX_INBOX_ROLLUPS));
    });
  });

  describe("checkBatch agrees with SharedInbox on registrations", () => {
    /** Inbox states with 62 and 64 rollups, to reach the limit. */
    const crowded = (count: number): InboxState => ({
      ...GENESIS,
      heads: Array.from({ length: count }, (_, index) => ({ chainId: 1_000 + index, head: { blockNumber: 0, ...genesisOf(BigInt(1_000 + index)) } })),
    });
    const cases: { name: string; previous: InboxState; batch: Batch; code?: BatchViolation["code"]; args?: unknown[] }[] = [
      { name: "a batch registering one rollup", previous: GENESIS, batch: nextBatch(GENESIS, [registration(ADDED)]) },
      { name: "a batch registering two rollups", previous: GENESIS, batch: nextBatch(GENESIS, [registration(ADDED), registration(ADDED + 1n)]) },
      { name: "a batch registering up to MAX_ROLLUPS", previous: crowded(62), batch: nextBatch(crowded(62), [registration(ADDED), registration(ADDED + 1n)]) },
      {
        name: "a batch registering a rollup the inbox has",
        previous: GENESIS,
        batch: nextBatch(GENESIS, [registration(CHAIN_IDS[1])]),
        code: "duplicate-rollup",
        args: [CHAIN_IDS[1]],
      },
      {
        name: "a batch registering the same rollup twice",
        previous: GENESIS,
        batch: nextBatch(GENESIS, [registration(ADDED), registration(ADDED)]),
        code: "duplicate-rollup",
        args: [ADDED],
      },
      {
        name: "a batch registering one rollup past MAX_ROLLUPS",
        previous: crowded(64),
        batch: nextBatch(crowded(64), [registration(ADDED)]),
        code: "too-many-rollups",
        args: [64n, 65n],
      },
      {
        name: "a registering batch without the new rollup's commitment",
        previous: GENESIS,
        batch: { ...nextBatch(GENESIS, [registration(ADDED)]), commitments: nextBatch(GENESIS).commitments },
        code: "rollup-count-mismatch",
        args: [3n, 2n],
      },
      {
        name: "a registering batch whose new rollup's range does not start at block 1",
        previous: GENESIS,
        batch: withRollup(nextBatch(GENESIS, [registration(ADDED)]), 2, { fromBlock: 2n, toBlock: 2n }),
        code: "block-range-gap",
        args: [ADDED, 1n, 2n],
      },
      {
        name: "a registering batch where 901 sent the new rollup a message it did not relay",
        previous: GENESIS,
        batch: withRollup(nextBatch(GENESIS, [registration(ADDED)]), 0, { sentMessages: [zeroHash, zeroHash, forged] }),
        code: "shared-validity",
        args: [CHAIN_IDS[0], ADDED],
      },
    ];

    it("has a case for every registration code", () => {
      const tested = new Set(cases.flatMap(({ code }) => (code === undefined ? [] : [code])));
      for (const code of Object.keys(REGISTRATION_ERROR_OF_CODE)) expect(tested.has(code as BatchViolation["code"]), code).to.equal(true);
    });

    for (const { name, previous, batch, code, args } of cases) {
      it(`${code === undefined ? "accepts" : `rejects with ${code}`} ${name}, as the inbox does`, async () => {
        expect(checkBatch(batch, previous)?.code).to.equal(code);
        if (previous !== GENESIS) return; // The inbox is deployed with 901 and 902; the crowded states are checkBatch's alone.
        const { inbox, simulate } = await inboxFixture();
        if (code === undefined) {
          const { result } = await simulate(batch);
          expect(result).to.equal(batch.hash);
          return;
        }
        const revert = await revertedWith(simulate(batch), inbox.abi);
        expect(revert).to.deep.equal({ errorName: ERROR_OF_CODE[code], args });
      });
    }

    it("the inbox refuses the 65th rollup with TooManyRollups", async () => {
      const connection = await openChain(L1_CHAIN_ID);
      await impersonate(connection, MEMBER);
      const full = crowded(MAX_INBOX_ROLLUPS);
      const inbox = await connection.viem.deployContract("SharedInbox", [
        [MEMBER],
        GENESIS_TIMESTAMP,
        10n,
        full.heads.map(({ chainId }) => BigInt(chainId)),
        full.heads.map(({ head }) => head.blockHash),
        full.heads.map(({ head }) => head.stateRoot),
      ]);
      const batch = nextBatch(full, [registration(ADDED)]);
      const certificate = [signDigest(batchDigest({ l1ChainId: L1_CHAIN_ID, inbox: inbox.address }, batch.hash), MEMBER_KEY)];
      await expectRevert(
        inbox.simulate.submitBatchRegistering([batch.header, batch.commitments, batch.data, certificate, batch.registrations!], { account: MEMBER }),
        inbox.abi,
        "TooManyRollups",
        [64n, 65n],
      );
    });
  });

  describe("L2ToL2CrossDomainMessenger.addChain", () => {
    it("a committee member's addChain makes the added rollup a destination, once", async () => {
      const { messenger, addChain } = await messengerFixture();
      await expectRevert(messenger.write.sendMessage([ADDED, MEMBER, "0x"], { account: MEMBER }), messenger.abi, "UnknownDestination", [ADDED]);
      expect(await messenger.read.isChain([ADDED])).to.equal(false);

      const receipt = await addChain(ADDED);

      const added = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "ChainAdded" });
      expect(added.map((log) => log.args)).to.deep.equal([{ chainId: ADDED }]);
      expect(await messenger.read.isChain([ADDED])).to.equal(true);
      expect(await messenger.read.isAddedChain([ADDED])).to.equal(true);
      await messenger.write.sendMessage([ADDED, MEMBER, "0x"], { account: MEMBER });
      expect(await messenger.read.messageNonce()).to.equal(1n);
      expect(await messenger.read.sentMessagesHash([ADDED])).to.not.equal(zeroHash);
    });

    const refusals: { name: string; chainId: bigint; from?: Address; error: string; args: (chainId: bigint) => unknown[] }[] = [
      { name: "from an account outside the committee", chainId: ADDED, from: OUTSIDER, error: "NotSequencer", args: () => [OUTSIDER] },
      { name: "of a rollup the devnet started with", chainId: CHAIN_IDS[1], error: "ChainAlreadyKnown", args: (chainId) => [chainId] },
      { name: "of its own chain", chainId: CHAIN_IDS[0], error: "ChainAlreadyKnown", args: (chainId) => [chainId] },
    ];
    for (const { name, chainId, from, error, args } of refusals) {
      it(`addChain ${name} reverts with ${error}`, async () => {
        const { messenger, connection } = await messengerFixture();
        if (from !== undefined) await impersonate(connection, from);
        await expectRevert(messenger.write.addChain([chainId], { account: from ?? MEMBER, gas: 200_000n }), messenger.abi, error, args(chainId));
        expect(await messenger.read.isAddedChain([chainId])).to.equal(false);
      });
    }

    it("addChain of a rollup added already reverts with ChainAlreadyKnown", async () => {
      const { messenger, addChain } = await messengerFixture();
      await addChain(ADDED);
      await expectRevert(messenger.write.addChain([ADDED], { account: MEMBER, gas: 200_000n }), messenger.abi, "ChainAlreadyKnown", [ADDED]);
    });

    it("an added rollup's predeployed messenger knows the first rollups and those added up to it, in isAddedChain's slot", async () => {
      const connection = await openChain(Number(ADDED + 1n));
      const messenger = await predeployMessenger(connection, {
        committee: [MEMBER],
        firstChainId: CHAIN_IDS[0],
        chainCount: BigInt(CHAIN_IDS.length),
        addedChainIds: [ADDED, ADDED + 1n],
      });
      const publicClient = await connection.viem.getPublicClient();

      for (const chainId of [...CHAIN_IDS, ADDED, ADDED + 1n]) expect(await messenger.read.isChain([chainId]), String(chainId)).to.equal(true);
      expect(await messenger.read.isChain([ADDED + 2n])).to.equal(false);
      expect(await messenger.read.isAddedChain([CHAIN_IDS[0]])).to.equal(false);
      // isAddedChain[ADDED] is where Solidity puts it, keccak256(abi.encode(ADDED, 6)).
      const slot = keccak256(encodeAbiParameters(parseAbiParameters("uint256, uint256"), [ADDED, 6n]));
      const word = await publicClient.getStorageAt({ address: MESSENGER_ADDRESS, slot });
      expect(word === undefined ? undefined : hexToBigInt(word)).to.equal(1n);
      expect(await messenger.read.FIRST_CHAIN_ID()).to.equal(CHAIN_IDS[0]);
      expect(await messenger.read.CHAIN_COUNT()).to.equal(2n);
    });
  });
});
