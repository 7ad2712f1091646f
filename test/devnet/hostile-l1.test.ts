import { expect } from "chai";
import { type Address, encodeFunctionData, type Hex, keccak256, toHex, zeroHash } from "viem";
import { sharedInboxArtifact } from "../../contracts/artifacts.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { type Batch, batchHash, buildBatch, type InboxState } from "../../sequencer/batch/builder.ts";
import { type DerivationMismatch, type VerifyResult, verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import type { SequencedTransaction, SlotResult } from "../../sequencer/types.ts";
import {
  certifiedByFirstMember,
  inboxAddress,
  labelAddress,
  NOTHING_FORCED,
  readInboxState,
  rpcResult,
  runCli,
  signTransfer,
  startTestDevnet,
} from "../support/fixtures.ts";

/** A block of a crafted batch: what the payload carries, whatever it is. */
interface CraftedBlock {
  timestamp: number;
  transactions: Hex[];
}

const fakeHash = (label: string): Hex => keccak256(toHex(label));

/**
 * A slot that claims `blocks` on the first rollup, with made-up hashes and
 * state roots and no messages: the inbox checks the batch chain, the counts
 * and the message hashes pairwise, so it accepts it whatever the blocks hold.
 */
function craftedSlot(inbox: InboxState, blocks: readonly CraftedBlock[]): SlotResult {
  const { chainId, head } = inbox.heads[0]!;
  const produced = blocks.map((block, index) => ({
    chainId,
    number: head.blockNumber + 1 + index,
    hash: fakeHash(`crafted block ${index}`),
    stateRoot: fakeHash(`crafted state ${index}`),
    ...block,
  }));
  const included = produced.flatMap((block) =>
    block.transactions.map((raw) => ({ raw, blockNumber: block.number, blockHash: block.hash })),
  );
  const none = inbox.heads.map((): Hex => zeroHash);
  return {
    slot: 1_000_000,
    timestamp: produced[0]?.timestamp ?? 0,
    included: included.map(({ raw, blockNumber, blockHash }, index) => {
      const transaction: SequencedTransaction = {
        hash: keccak256(raw),
        chainId,
        from: labelAddress("crafted sender"),
        to: undefined,
        nonce: index,
        raw,
        gas: 21_000n,
        maxFeePerGas: 1n,
        maxPriorityFeePerGas: 1n,
        arrival: index,
        receivedAt: 0,
      };
      return { transaction, inclusion: { globalSeq: inbox.nextGlobalSeq + index, blockNumber, blockHash, slot: 1_000_000 } };
    }),
    dropped: [],
    blocks: produced,
    messageHashes: inbox.heads.map(() => ({ sent: none, relayed: none })),
    randomness: { commitment: zeroHash, seed: zeroHash },
  };
}

/** The batch with other data, and the hash the inbox will compute for it. */
function withData(batch: Batch, data: Hex): Batch {
  return { ...batch, data, hash: batchHash(batch.header, batch.commitments, data) };
}

/**
 * Runtime of a contract that forwards its whole calldata to `target` and
 * reverts if the call does. Hand-assembled, so that nothing needs compiling:
 * CALLDATACOPY(0, 0, CALLDATASIZE); CALL(GAS, target, 0, 0, CALLDATASIZE, 0, 0);
 * if it failed, REVERT(0, 0).
 */
function forwarderRuntime(target: Address): Hex {
  return `0x36600060003760006000366000600073${target.slice(2).toLowerCase()}5af115602b57005b60006000fd`;
}

describe("verify treats L1 as hostile input", function () {
  let devnet: Devnet;
  let url: string;
  let inbox: Address;
  let sequencer: Address;
  /** The honest batch every crafted one follows. */
  let honest: VerifyResult;
  let afterHonest: InboxState;
  let chainId: number;

  before(async function () {
    // Manual mode: the sequencer posts only when the test flushes it, never in between.
    devnet = await startTestDevnet({ rollups: 2, manual: true });
    url = devnet.l1.rpcUrl!;
    inbox = inboxAddress(devnet);
    chainId = devnet.rollups[0]!.chainId;
    await devnet.sequencer.accept(chainId, await signTransfer(devnet, chainId, 1, 0, labelAddress("hostile recipient"), 1n));
    await devnet.sequencer.produceSlot();
    await devnet.sequencer.flush();
    afterHonest = await readInboxState(devnet);
    honest = await verifyFromL1({ l1: url, inbox, startEngine: startGenesisEngine });
    // The leader of view 0, the view crafted batches claim, as L1 says; L1 keeps its cheat methods, so the test can act as it.
    sequencer = await rpcResult<Hex>(url, "eth_call", [
      { to: inbox, data: encodeFunctionData({ abi: sharedInboxArtifact().abi, functionName: "leaderOf", args: [0n] }) },
      "latest",
    ]).then((word) => `0x${word.slice(26)}` as Address);
    await rpcResult(url, "hardhat_impersonateAccount", [sequencer]);
    await rpcResult(url, "hardhat_setBalance", [sequencer, toHex(10n ** 21n)]);
  });

  after(async function () {
    await devnet?.stop();
  });

  it("re-derives the honest batch the crafted ones follow", function () {
    expect(honest).to.deep.equal({ ok: true, batches: 1, transactions: 1, blocks: 1, forced: NOTHING_FORCED });
    expect(afterHonest.batchNumber).to.equal(1);
  });

  /** Sends a transaction from `from` on L1 and resolves once it succeeded. */
  async function sendOnL1(from: Address, to: Address, data: Hex): Promise<void> {
    const hash = await rpcResult<Hex>(url, "eth_sendTransaction", [{ from, to, data, gas: toHex(10_000_000) }]);
    const receipt = await rpcResult<{ status: Hex }>(url, "eth_getTransactionReceipt", [hash]);
    expect(receipt.status, "the inbox accepts the crafted batch").to.equal("0x1");
  }

  /** The `submitBatch` calldata of `batch`, certified by the committee (of one): the inbox accepts whatever the blocks hold. */
  function submitBatchCall(batch: Batch): Hex {
    const { certificate } = certifiedByFirstMember(devnet, batch);
    return encodeFunctionData({
      abi: sharedInboxArtifact().abi,
      functionName: "submitBatch",
      args: [batch.header, batch.commitments, batch.data, certificate],
    });
  }

  const head = () => afterHonest.heads[0]!.head;
  const lastTimestamp = async () =>
    Number((await devnet.rollups[0]!.publicClient.getBlock({ blockNumber: BigInt(head().blockNumber) })).timestamp);

  const cases: {
    story: string;
    /** Posts the crafted batch 2. */
    post: () => Promise<void>;
    /** The mismatch, as far as it does not depend on the engine's words. */
    mismatch: () => Promise<Omit<DerivationMismatch, "expected" | "actual"> & Partial<Pick<DerivationMismatch, "expected" | "actual">>>;
  }[] = [
    {
      story: "a block at 2^63 seconds, which would abort EDR",
      post: async () => sendOnL1(sequencer, inbox, submitBatchCall(buildBatch([craftedSlot(afterHonest, [{ timestamp: 2 ** 63, transactions: [] }])], afterHonest))),
      mismatch: async () => ({
        batch: 2,
        chainId,
        blockNumber: head().blockNumber + 1,
        field: "timestamp",
        expected: `from ${await lastTimestamp()} to ${2 ** 40}`,
        actual: `${2n ** 63n}, past the latest timestamp ${2 ** 40}`,
      }),
    },
    {
      story: "a block before the last block of the batch before",
      post: async () => {
        const slot = craftedSlot(afterHonest, [{ timestamp: (await lastTimestamp()) - 1, transactions: [] }]);
        await sendOnL1(sequencer, inbox, submitBatchCall(buildBatch([slot], afterHonest)));
      },
      mismatch: async () => ({ batch: 2, chainId, blockNumber: head().blockNumber + 1, field: "timestamp", expected: `from ${await lastTimestamp()} to ${2 ** 40}` }),
    },
    {
      story: "bytes that are no transaction, as a block's transaction",
      post: async () => {
        const slot = craftedSlot(afterHonest, [{ timestamp: await lastTimestamp(), transactions: ["0xdeadbeef"] }]);
        await sendOnL1(sequencer, inbox, submitBatchCall(buildBatch([slot], afterHonest)));
      },
      mismatch: async () => ({ batch: 2, chainId, blockNumber: head().blockNumber + 1, field: "transactions", expected: "signed or impersonated transactions" }),
    },
    {
      story: "data that is not DEFLATE",
      post: async () => {
        const batch = buildBatch([craftedSlot(afterHonest, [{ timestamp: await lastTimestamp(), transactions: [] }])], afterHonest);
        await sendOnL1(sequencer, inbox, submitBatchCall(withData(batch, "0xffffffffffff")));
      },
      mismatch: async () => ({ batch: 2, chainId: 0, blockNumber: 0, field: "payload", expected: "a batch payload" }),
    },
    {
      story: "a commitment to ten blocks, of which the payload carries one",
      post: async () => {
        const batch = buildBatch([craftedSlot(afterHonest, [{ timestamp: await lastTimestamp(), transactions: [] }])], afterHonest);
        const [first, ...rest] = batch.commitments;
        const commitments = [{ ...first!, toBlock: first!.toBlock + 9n }, ...rest];
        await sendOnL1(sequencer, inbox, submitBatchCall({ ...batch, commitments, hash: batchHash(batch.header, commitments, batch.data) }));
      },
      mismatch: async () => ({ batch: 2, chainId, blockNumber: head().blockNumber + 1, field: "blockRange" }),
    },
    {
      story: "a batch posted through a contract at the sequencer's address (as with an EIP-7702 delegation)",
      post: async () => {
        const batch = buildBatch([craftedSlot(afterHonest, [{ timestamp: await lastTimestamp(), transactions: [] }])], afterHonest);
        await rpcResult(url, "hardhat_setCode", [sequencer, forwarderRuntime(inbox)]);
        const caller = labelAddress("hostile caller");
        await rpcResult(url, "hardhat_impersonateAccount", [caller]);
        await rpcResult(url, "hardhat_setBalance", [caller, toHex(10n ** 21n)]);
        // The very submitBatch calldata, but sent to the forwarder: what the inbox got is not in this transaction.
        await sendOnL1(caller, sequencer, submitBatchCall(batch));
      },
      mismatch: async () => ({ batch: 2, chainId: 0, blockNumber: 0, field: "payload", expected: "a direct submitBatch call on the inbox" }),
    },
  ];

  for (const { story, post, mismatch } of cases) {
    describe(`after a batch with ${story}`, function () {
      let snapshot: Hex;
      let result: VerifyResult;

      before(async function () {
        snapshot = await rpcResult<Hex>(url, "evm_snapshot");
        await post();
        expect((await readInboxState(devnet)).batchNumber, "the inbox accepted it").to.equal(2);
        result = await verifyFromL1({ l1: url, inbox, startEngine: startGenesisEngine });
      });

      after(async function () {
        // Back to the honest batch alone, for the next story.
        expect(await rpcResult<boolean>(url, "evm_revert", [snapshot])).to.equal(true);
      });

      it("verifyFromL1 reports it as the first mismatch, after replaying the honest batch", async function () {
        expect(result).to.deep.include({ ok: false, batches: 1, transactions: 1, blocks: 1 });
        expect(result.mismatch).to.deep.include(await mismatch());
      });

      it("`xrollup verify` exits 1 with a one-line summary, then what L1 commits and what was found", async function () {
        const run = await runCli(["verify", "--l1", url]);
        expect(run.signal, run.stderr).to.equal(null);
        expect(run.code, run.stderr).to.equal(1);
        const lines = run.stdout.trimEnd().split("\n");
        const { batch, chainId: rollup, blockNumber, field } = await mismatch();
        const where = rollup === 0 ? "" : `, rollup ${rollup}, block ${blockNumber}`;
        expect(lines[0]).to.equal(`MISMATCH in batch ${batch}${where}: ${field}`);
        expect(lines.slice(1)).to.deep.equal([`  committed on L1: ${result.mismatch!.expected}`, `  re-derived:      ${result.mismatch!.actual}`]);
      });
    });
  }

  describe("once every crafted batch is gone again", function () {
    it("verifies as before: nothing a crafted batch did outlived it", async function () {
      expect((await readInboxState(devnet)).batchNumber).to.equal(1);
      expect(await verifyFromL1({ l1: url, inbox, startEngine: startGenesisEngine })).to.deep.equal(honest);
    });
  });
});
