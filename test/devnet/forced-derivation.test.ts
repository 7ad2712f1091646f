import { expect } from "chai";
import { type Address, encodeFunctionData, type Hex, keccak256, toHex, zeroHash } from "viem";
import { sharedInboxArtifact } from "../../contracts/artifacts.ts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { defaultSequencerAccount } from "../../rollups/accounts.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { buildBatch, type InboxState } from "../../sequencer/batch/builder.ts";
import { type VerifyResult, verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { decodeRawTransaction } from "../../sequencer/intake.ts";
import type { SlotResult } from "../../sequencer/types.ts";
import {
  accountAddress,
  certifiedByFirstMember,
  labelAddress,
  readInboxState,
  rpcResult,
  runCli,
  signTransfer,
  startTestDevnet,
} from "../support/fixtures.ts";

/** The development account that queues forced transactions and calls forceInclusion on L1. */
const L1_CALLER = 9;

describe("verify derives forced transactions", function () {
  let devnet: Devnet;
  let inbox: Address;
  let rollupA: DevnetChain;
  let rollupB: DevnetChain;
  const errors: unknown[] = [];

  before(async function () {
    // Manual mode: the sequencer runs a slot or posts a batch only when the test says so.
    devnet = await startTestDevnet({ rollups: 2, manual: true }, { onError: (error) => errors.push(error) });
    inbox = devnet.l1.contracts.SharedInbox!;
    [rollupA, rollupB] = devnet.rollups as [DevnetChain, DevnetChain];
  });
  after(async function () {
    await devnet?.stop();
  });

  /** Queues `signedTx` for rollup `chainId` on L1, as anyone can, and waits for L1 to take it. */
  async function forceInclude(chainId: number, signedTx: Hex): Promise<void> {
    const hash = await devnet.l1.walletClient.writeContract({
      account: accountAddress(devnet, L1_CALLER),
      address: inbox,
      abi: sharedInboxArtifact().abi,
      functionName: "forceInclude",
      args: [BigInt(chainId), signedTx],
    });
    expect((await devnet.l1.publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");
  }

  const verify = (): Promise<VerifyResult> => verifyFromL1({ l1: devnet.l1.provider, inbox, startEngine: startGenesisEngine });

  const recipient = labelAddress("forced-derivation recipient");

  it("a batch's forced transactions are the first block of their rollup; verify replays them, leaving out bytes that are no transaction", async function () {
    const forcedOnA = [await signTransfer(devnet, rollupA.chainId, 5, 0, recipient, 7n), await signTransfer(devnet, rollupA.chainId, 5, 1, recipient, 11n)];
    const forcedOnB = await signTransfer(devnet, rollupB.chainId, 6, 0, recipient, 13n);
    await forceInclude(rollupA.chainId, forcedOnA[0]!);
    await forceInclude(rollupB.chainId, "0xdeadbeef");
    await forceInclude(rollupA.chainId, forcedOnA[1]!);
    await forceInclude(rollupB.chainId, forcedOnB);
    // An ordinary transaction, for a slot after the forced one.
    await devnet.sequencer.accept(rollupA.chainId, await signTransfer(devnet, rollupA.chainId, 7, 0, recipient, 17n));

    await devnet.sequencer.produceSlot();
    await devnet.sequencer.produceSlot();
    await devnet.sequencer.flush();

    expect(errors).to.deep.equal([]);
    // The sequencer's own chains: the forced transactions that run, alone, in queue order, as block 1.
    expect((await rollupA.publicClient.getBlock({ blockNumber: 1n })).transactions).to.deep.equal(forcedOnA.map((raw) => keccak256(raw)));
    expect((await rollupB.publicClient.getBlock({ blockNumber: 1n })).transactions).to.deep.equal([keccak256(forcedOnB)]);
    expect(await rollupA.publicClient.getBalance({ address: recipient })).to.equal(7n + 11n + 17n);

    const result = await verify();
    expect(result.mismatch).to.equal(undefined);
    expect(result).to.deep.include({ ok: true, transactions: 4, blocks: 3 });
    expect(result.forced).to.deep.equal({ processed: 4, included: 3, dropped: 1, pendingInclusion: 0 });
  });

  it("transactions forceInclusion took after the last batch are derived too, one block per rollup, and counted as pending inclusion", async function () {
    const before = await verify();
    await forceInclude(rollupB.chainId, await signTransfer(devnet, rollupB.chainId, 6, 1, recipient, 19n));
    // Past the queued transaction's deadline, so that anyone may call forceInclusion.
    await devnet.l1.provider.request({ method: "hardhat_mine", params: [`0x${(devnet.config.forceInclusionDelay + 1).toString(16)}`] } as never);
    const hash = await devnet.l1.walletClient.writeContract({ account: accountAddress(devnet, L1_CALLER), address: inbox, abi: sharedInboxArtifact().abi, functionName: "forceInclusion" });
    expect((await devnet.l1.publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");

    const result = await verify();

    expect(result).to.deep.include({ ok: true, batches: before.batches, blocks: before.blocks + 1, transactions: before.transactions + 1 });
    expect(result.forced).to.deep.equal({ processed: 5, included: 4, dropped: 1, pendingInclusion: 1 });
    const run = await runCli(["verify", "--l1", devnet.l1.rpcUrl!]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout.trimEnd().split("\n")).to.deep.equal([
      `OK: ${result.batches} batches, ${result.blocks} blocks, ${result.transactions} transactions re-derived from L1; every state root matches.`,
      "  forced transactions: 5 processed, 4 included, 1 dropped; 1 taken by forceInclusion after the last batch, derived with no committed root to compare with yet.",
    ]);
  });

  it("the next batch processes them in its first slot, and verify then checks them against its roots", async function () {
    const before = await verify();

    await devnet.sequencer.produceSlot();
    await devnet.sequencer.flush();

    expect(errors).to.deep.equal([]);
    expect(await rollupB.publicClient.getBalance({ address: recipient })).to.equal(13n + 19n);
    const result = await verify();
    expect(result.mismatch).to.equal(undefined);
    expect(result).to.deep.include({ ok: true, batches: before.batches + 1, blocks: before.blocks, transactions: before.transactions });
    expect(result.forced).to.deep.equal({ processed: 5, included: 4, dropped: 1, pendingInclusion: 0 });
  });
});

/**
 * A slot of blocks that claim made-up hashes and state roots and no
 * messages, and that processed the forced queue up to `forcedEnd`: the inbox
 * checks neither what the blocks hold nor whether they run the forced
 * transactions, so it accepts it.
 */
function craftedSlot(inbox: InboxState, blocks: readonly { chainId: number; timestamp: number; transactions: Hex[] }[], forcedEnd: number): SlotResult {
  const produced = blocks.map((block, index) => {
    const head = inbox.heads.find(({ chainId }) => chainId === block.chainId)!.head;
    return { ...block, number: head.blockNumber + 1, hash: keccak256(toHex(`crafted block ${index}`)), stateRoot: keccak256(toHex(`crafted state ${index}`)) };
  });
  const included = produced.flatMap((block) =>
    block.transactions.map((raw, index) => {
      const { value: _value, chainId: _signedFor, selector: _selector, ...fields } = decodeRawTransaction(raw);
      const transaction = { ...fields, chainId: block.chainId, arrival: index, receivedAt: 0 };
      return { transaction, inclusion: { globalSeq: inbox.nextGlobalSeq + index, blockNumber: block.number, blockHash: block.hash, slot: 1 } };
    }),
  );
  const none = inbox.heads.map((): Hex => zeroHash);
  return {
    slot: 1,
    timestamp: produced[0]?.timestamp ?? 0,
    included,
    dropped: [],
    blocks: produced,
    messageHashes: inbox.heads.map(() => ({ sent: none, relayed: none })),
    randomness: { commitment: zeroHash, seed: zeroHash },
    forcedEnd,
  };
}

describe("verify finds a batch that does not run its forced transactions", function () {
  let devnet: Devnet;
  let url: string;
  let inbox: Address;
  let rollupA: DevnetChain;
  let rollupB: DevnetChain;
  let genesis: InboxState;
  let forced: Hex;
  /** A timestamp for crafted blocks: the rollups' genesis time. */
  let blockTime: number;
  const member = defaultSequencerAccount().address;

  before(async function () {
    // Manual mode, and never flushed: every batch L1 gets is one the test crafts.
    devnet = await startTestDevnet({ rollups: 2, manual: true }, { onError: () => undefined });
    url = devnet.l1.rpcUrl!;
    inbox = devnet.l1.contracts.SharedInbox!;
    [rollupA, rollupB] = devnet.rollups as [DevnetChain, DevnetChain];
    genesis = await readInboxState(devnet);
    blockTime = Number((await rollupA.publicClient.getBlock({ blockNumber: 0n })).timestamp);
    forced = await signTransfer(devnet, rollupA.chainId, 5, 0, labelAddress("forced, never run"), 1n);
    const queued = await rpcResult<Hex>(url, "eth_sendTransaction", [
      {
        from: accountAddress(devnet, 9),
        to: inbox,
        data: encodeFunctionData({ abi: sharedInboxArtifact().abi, functionName: "forceInclude", args: [BigInt(rollupA.chainId), forced] }),
      },
    ]);
    expect((await rpcResult<{ status: Hex }>(url, "eth_getTransactionReceipt", [queued])).status).to.equal("0x1");
    // The committee is of one: its member certifies and posts whatever the test crafts.
    await rpcResult(url, "hardhat_impersonateAccount", [member]);
    await rpcResult(url, "hardhat_setBalance", [member, toHex(10n ** 21n)]);
  });
  after(async function () {
    await devnet?.stop();
  });

  /** Posts batch 1 of `slot`, certified and sent by the committee's member, and verifies. */
  async function postAndVerify(slot: SlotResult): Promise<VerifyResult> {
    const { header, commitments, data, certificate } = certifiedByFirstMember(devnet, buildBatch([slot], genesis));
    const call = encodeFunctionData({ abi: sharedInboxArtifact().abi, functionName: "submitBatch", args: [header, commitments, data, certificate] });
    const snapshot = await rpcResult<Hex>(url, "evm_snapshot");
    try {
      const hash = await rpcResult<Hex>(url, "eth_sendTransaction", [{ from: member, to: inbox, data: call, gas: toHex(10_000_000) }]);
      expect((await rpcResult<{ status: Hex }>(url, "eth_getTransactionReceipt", [hash])).status, "the inbox accepts the crafted batch").to.equal("0x1");
      return await verifyFromL1({ l1: url, inbox, startEngine: startGenesisEngine });
    } finally {
      await rpcResult(url, "evm_revert", [snapshot]);
    }
  }


  it("a batch whose first block on the rollup holds another transaction instead: a forced mismatch naming both", async function () {
    const other = await signTransfer(devnet, rollupA.chainId, 7, 0, labelAddress("ordinary instead"), 1n);
    const result = await postAndVerify(craftedSlot(genesis, [{ chainId: rollupA.chainId, timestamp: blockTime, transactions: [other] }], 1));

    expect(result).to.deep.include({ ok: false, batches: 0 });
    expect(result.mismatch).to.deep.include({ batch: 1, chainId: rollupA.chainId, blockNumber: 1, field: "forced" });
    expect(result.mismatch!.expected).to.contain(`queue entries 0 (${keccak256(forced)})`);
    expect(result.mismatch!.actual).to.equal(`block 1 with 1 transaction: ${keccak256(other)}`);
  });

  it("a batch with an ordinary block in the slot of forced transactions: a forced mismatch on that rollup", async function () {
    // Real blocks this time (mined on fresh chains at the same genesis), so that nothing but the placement is wrong.
    const onB = await signTransfer(devnet, rollupB.chainId, 7, 0, labelAddress("ordinary in the forced slot"), 1n);
    const committee = [member];
    const chainIds = devnet.rollups.map((rollup) => rollup.chainId);
    const real = await Promise.all(
      [
        { chainId: rollupA.chainId, transactions: [forced] },
        { chainId: rollupB.chainId, transactions: [onB] },
      ].map(async ({ chainId, transactions }) => {
        const engine = await startGenesisEngine({ chainId, genesisTimestamp: blockTime, committee, chainIds });
        try {
          const { block } = await engine.mineBlock(transactions, blockTime);
          return { chainId, timestamp: blockTime, transactions, hash: block.hash, stateRoot: block.stateRoot };
        } finally {
          await engine.close();
        }
      }),
    );
    const slot = craftedSlot(genesis, real, 1);
    const result = await postAndVerify({ ...slot, blocks: slot.blocks.map((block, index) => ({ ...block, hash: real[index]!.hash, stateRoot: real[index]!.stateRoot })) });

    expect(result.mismatch).to.deep.include({ batch: 1, chainId: rollupB.chainId, blockNumber: 1, field: "forced" });
  });

  it("a batch with no block on the rollup: a forced mismatch", async function () {
    const onB = await signTransfer(devnet, rollupB.chainId, 7, 0, labelAddress("ordinary elsewhere"), 1n);
    const result = await postAndVerify(craftedSlot(genesis, [{ chainId: rollupB.chainId, timestamp: blockTime, transactions: [onB] }], 1));

    expect(result.mismatch).to.deep.include({ batch: 1, chainId: rollupA.chainId, blockNumber: 1, field: "forced", actual: "no block of the rollup in the batch" });
  });
});
