import { expect } from "chai";
import { encodeDeployData, type Hex } from "viem";
import { MESSENGER_ADDRESS } from "../../contracts/addresses.ts";
import { artifact } from "../../contracts/artifacts.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import { defaultSequencerAccount, sequencerAccounts } from "../../rollups/accounts.ts";
import { createChain } from "../../rollups/chain.ts";
import { COMMITTEE_ROLLUP_BALANCE } from "../../rollups/predeploys.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import type { InboxState } from "../../sequencer/batch/builder.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { inboxAddressOf } from "../../sequencer/inbox.ts";
import { inboxAddress, labelAddress, NOTHING_FORCED, readInboxState, signTransfer, startTestDevnet } from "../support/fixtures.ts";

const RECIPIENT = labelAddress("start-up recipient");

/**
 * The messenger's runtime code for a devnet, computed apart from the devnet:
 * its creation code run in an `eth_call` on a chain of its own.
 */
async function expectedMessengerCode(firstChainId: number, chainCount: number): Promise<Hex> {
  const { abi, bytecode } = artifact("L2ToL2CrossDomainMessenger");
  const creation = encodeDeployData({ abi, bytecode, args: [BigInt(firstChainId), BigInt(chainCount)] });
  const chain = await createChain({ name: "messenger-oracle", chainId: firstChainId, kind: "rollup", genesisTimestamp: 1_700_000_000 });
  try {
    return (await chain.provider.request({ method: "eth_call", params: [{ data: creation }, "latest"] })) as Hex;
  } finally {
    await chain.close();
  }
}

describe("start-up: every chain of a devnet set up at once", function () {
  let devnet: Devnet;
  /** Inbox state right after start, before any batch. */
  let genesisInbox: InboxState;
  const backgroundErrors: unknown[] = [];

  before(async function () {
    // Batches only when the test flushes.
    devnet = await startTestDevnet({ rollups: 6, batchMs: 3_600_000 }, { onError: (error) => backgroundErrors.push(error) });
    genesisInbox = await readInboxState(devnet);
    await Promise.all(
      devnet.rollups.map(async (rollup) =>
        rollup.provider.request({ method: "eth_sendRawTransaction", params: [await signTransfer(devnet, rollup.chainId, 1, 0, RECIPIENT, 1_000n)] }),
      ),
    );
    await devnet.sequencer.flush();
  });

  after(async function () {
    await devnet?.stop();
  });

  it("the sequencer's first L1 transaction deploys the inbox, which registers every rollup's block 0 as its head", async function () {
    expect(inboxAddress(devnet)).to.equal(inboxAddressOf(defaultSequencerAccount().address));
    expect(genesisInbox.batchNumber).to.equal(0);
    const blocksZero = await Promise.all(devnet.rollups.map((rollup) => rollup.publicClient.getBlock({ blockNumber: 0n })));
    expect(genesisInbox.heads).to.deep.equal(
      devnet.rollups.map((rollup, index) => ({
        chainId: rollup.chainId,
        head: { blockNumber: 0, blockHash: blocksZero[index]!.hash, stateRoot: blocksZero[index]!.stateRoot },
      })),
    );
  });

  it("every rollup's messenger holds the code its constructor returns for this devnet, and the committee relays there, funded", async function () {
    const firstChainId = devnet.rollups[0]!.chainId;
    const expected = await expectedMessengerCode(firstChainId, devnet.rollups.length);
    const { abi } = artifact("L2ToL2CrossDomainMessenger");
    const members = sequencerAccounts(devnet.config.sequencers).map((member) => member.address);
    for (const rollup of devnet.rollups) {
      expect(await rollup.publicClient.getCode({ address: MESSENGER_ADDRESS })).to.equal(expected);
      const messenger = { address: MESSENGER_ADDRESS, abi } as const;
      for (const member of members) {
        expect(await rollup.publicClient.readContract({ ...messenger, functionName: "isRelayer", args: [member] })).to.equal(true);
        expect(await rollup.publicClient.getBalance({ address: member })).to.equal(COMMITTEE_ROLLUP_BALANCE);
      }
      expect(await rollup.publicClient.readContract({ ...messenger, functionName: "isRelayer", args: [RECIPIENT] })).to.equal(false);
      expect(await rollup.publicClient.readContract({ ...messenger, functionName: "CHAIN_COUNT" })).to.equal(6n);
    }
  });

  it("verifyFromL1 rebuilds every rollup on fresh chains and finds every block and state root", async function () {
    const result = await verifyFromL1({ l1: devnet.l1.provider, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
    const blocks = await Promise.all(devnet.rollups.map((rollup) => rollup.publicClient.getBlockNumber({ cacheTime: 0 })));
    expect(result).to.deep.equal({
      ok: true,
      batches: 1,
      transactions: devnet.rollups.length,
      blocks: blocks.reduce((sum, count) => sum + Number(count), 0),
      forced: NOTHING_FORCED,
    });
    expect(backgroundErrors).to.deep.equal([]);
  });

  it("a second devnet in the same process, with another rollup count, gets a messenger of its own", async function () {
    const other = await startTestDevnet({ rollups: 2, l1ChainId: 700 });
    try {
      const { abi } = artifact("L2ToL2CrossDomainMessenger");
      const messenger = { address: MESSENGER_ADDRESS, abi } as const;
      for (const rollup of other.rollups) {
        expect(await rollup.publicClient.readContract({ ...messenger, functionName: "CHAIN_COUNT" })).to.equal(2n);
        expect(await rollup.publicClient.readContract({ ...messenger, functionName: "FIRST_CHAIN_ID" })).to.equal(701n);
      }
      expect(await devnet.rollups[0]!.publicClient.readContract({ ...messenger, functionName: "CHAIN_COUNT" })).to.equal(6n);
    } finally {
      await other.stop();
    }
  });
});
