import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Address, createPublicClient, encodeFunctionData, type Hex, http, keccak256, type PublicClient } from "viem";
import { MESSENGER_ADDRESS } from "../../contracts/addresses.ts";
import { artifact } from "../../contracts/artifacts.ts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import type { InboxState } from "../../sequencer/batch/builder.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import type { SequencerStatus } from "../../sequencer/sequencer.ts";
import {
  accountAddress,
  devKey,
  inboxAddress,
  labelAddress,
  readInboxState,
  rpc,
  rpcResult,
  signTransaction,
  signTransfer,
  startTestDevnet,
  waitUntil,
} from "../support/fixtures.ts";

/** The development account that sends every story's transactions. */
const USER = 1;
const VALUE = 10n ** 15n;
const messenger = artifact("L2ToL2CrossDomainMessenger");

/** A viem client of one endpoint, over HTTP as a user's. */
function httpClient(chain: DevnetChain): PublicClient {
  return createPublicClient({ transport: http(chain.rpcUrl!) });
}

/** Everything a user can see of the devnet that a revert must bring back. */
interface Seen {
  /** The sender's and the recipient's balances on L1, then on each rollup. */
  balances: bigint[];
  /** The sender's nonce on L1, then on each rollup: at `latest` and `pending`. */
  nonces: { latest: number; pending: number }[];
  blockNumbers: bigint[];
  inbox: InboxState;
  lastBatch: SequencerStatus["lastBatch"];
  pendingTransactions: number;
}

async function see(devnet: Devnet, recipient: Address): Promise<Seen> {
  const chains = [devnet.l1, ...devnet.rollups];
  const clients = chains.map(httpClient);
  const sender = accountAddress(devnet, USER);
  const status = await rpcResult<SequencerStatus>(devnet.l1.rpcUrl!, "xr_getSequencerStatus");
  return {
    balances: (await Promise.all(clients.map((client) => [sender, recipient].map((address) => client.getBalance({ address }))).flat())),
    nonces: await Promise.all(
      clients.map(async (client) => ({
        latest: await client.getTransactionCount({ address: sender, blockTag: "latest" }),
        pending: await client.getTransactionCount({ address: sender, blockTag: "pending" }),
      })),
    ),
    blockNumbers: await Promise.all(clients.map((client) => client.getBlockNumber({ cacheTime: 0 }))),
    inbox: await readInboxState(devnet),
    lastBatch: status.lastBatch,
    pendingTransactions: status.pendingTransactions,
  };
}

/** Signs a trigger on `from` that sends a message to `to` (its action calls `target` with no data). */
function signMessage(devnet: Devnet, from: DevnetChain, nonce: number, to: DevnetChain, target: Address): Promise<Hex> {
  const data = encodeFunctionData({ abi: messenger.abi, functionName: "sendMessage", args: [BigInt(to.chainId), target, "0x"] });
  return signTransaction(devKey(devnet, USER), { chainId: from.chainId, nonce, to: MESSENGER_ADDRESS, data, gas: 500_000n });
}

/** Sends a signed transaction over HTTP and returns its hash (instant mode: once it is included). */
function send(chain: DevnetChain, raw: Hex): Promise<Hex> {
  return rpcResult<Hex>(chain.rpcUrl!, "eth_sendRawTransaction", [raw]);
}

function statusOf(chain: DevnetChain, hash: Hex): Promise<TransactionStatus | null> {
  return rpcResult<TransactionStatus | null>(chain.rpcUrl!, "xr_getTransactionStatus", [hash]);
}

async function expectVerified(devnet: Devnet, batches: number): Promise<void> {
  const result = await verifyFromL1({ l1: devnet.l1.provider, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
  expect(result.mismatch).to.equal(undefined);
  expect(result.ok).to.equal(true);
  expect(result.batches).to.equal(batches);
}

describe("one snapshot for everything: xr_snapshot and xr_revert", function () {
  describe("evm_revert on a rollup's endpoint takes L1, both rollups and the sequencer back together", function () {
    const recipient = labelAddress("snapshots: everything back");
    let devnet: Devnet;
    let a: DevnetChain;
    let b: DevnetChain;
    let atSnapshot: Seen;
    let changed: Seen;
    let reverted: Seen;
    let earlier: Hex;
    let sent: { transferOnA: Hex; transferOnB: Hex; trigger: Hex; relay: Hex; onL1: Hex; transferOnARaw: Hex };
    let snapshotId: Hex;
    let revertAnswer: unknown;

    before(async function () {
      // Batches only when flushed: each story posts exactly the batches it names.
      devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000 });
      [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
      earlier = await send(a, await signTransfer(devnet, a.chainId, USER, 0, recipient, VALUE));
      await devnet.sequencer.flush();
      atSnapshot = await see(devnet, recipient);

      snapshotId = await rpcResult<Hex>(a.rpcUrl!, "evm_snapshot");
      const transferOnARaw = await signTransfer(devnet, a.chainId, USER, 1, recipient, VALUE);
      const transferOnA = await send(a, transferOnARaw);
      const transferOnB = await send(b, await signTransfer(devnet, b.chainId, USER, 0, recipient, VALUE));
      const trigger = await send(a, await signMessage(devnet, a, 2, b, recipient));
      const relay = (await statusOf(a, trigger))!.relays![0]!.hash;
      const onL1 = await send(devnet.l1, await signTransfer(devnet, devnet.l1.chainId, USER, 0, recipient, VALUE));
      await devnet.sequencer.flush();
      sent = { transferOnA, transferOnB, trigger, relay, onL1, transferOnARaw };
      changed = await see(devnet, recipient);

      revertAnswer = await rpcResult(a.rpcUrl!, "evm_revert", [snapshotId]);
      reverted = await see(devnet, recipient);
    });
    after(() => devnet?.stop());

    it("answers the snapshot's id as a quantity, and true for the revert", function () {
      expect(snapshotId).to.equal("0x1");
      expect(revertAnswer).to.equal(true);
    });

    it("had changed every chain, the inbox and the batches meanwhile", function () {
      expect(changed.balances).to.not.deep.equal(atSnapshot.balances);
      expect(changed.nonces.map(({ latest }) => latest)).to.deep.equal(atSnapshot.nonces.map(({ latest }, index) => latest + (index === 1 ? 2 : 1)));
      expect(changed.inbox.batchNumber).to.equal(atSnapshot.inbox.batchNumber + 1);
      expect(changed.lastBatch!.number).to.equal(2);
    });

    it("brings back balances, nonces (latest and pending), block numbers, the inbox and the last batch", function () {
      expect(reverted).to.deep.equal(atSnapshot);
      expect(reverted.lastBatch!.number).to.equal(1);
    });

    it("forgets every transaction sent after the snapshot, relays included, and keeps the ones before", async function () {
      const { transferOnA, transferOnB, trigger, relay } = sent;
      for (const [chain, hash] of [[a, transferOnA], [b, transferOnB], [a, trigger], [b, relay]] as const) {
        expect(await statusOf(chain, hash), hash).to.equal(null);
      }
      expect(await httpClient(devnet.l1).getTransactionReceipt({ hash: sent.onL1 }).catch(() => null)).to.equal(null);
      const kept = await statusOf(a, earlier);
      expect(kept?.status).to.equal("included");
      expect(kept?.batch?.number).to.equal(1);
    });

    it("then includes new transactions, the reverted one sent again byte for byte too, and still passes verify", async function () {
      const resent = await send(a, sent.transferOnARaw);
      expect(resent).to.equal(sent.transferOnA);
      expect((await statusOf(a, resent))?.status).to.equal("included");
      const onB = await send(b, await signTransfer(devnet, b.chainId, USER, 0, labelAddress("snapshots: after the revert"), VALUE));
      expect((await statusOf(b, onB))?.status).to.equal("included");
      const trigger = await send(a, await signMessage(devnet, a, 2, b, recipient));
      expect((await statusOf(a, trigger))?.relays).to.have.length(1);
      await devnet.sequencer.flush();
      expect((await statusOf(a, resent))?.batch?.number).to.equal(2);
      await expectVerified(devnet, 2);
    });
  });

  describe("nested snapshots, taken and reverted to on any endpoint", function () {
    const recipient = labelAddress("snapshots: nested");
    let devnet: Devnet;
    let a: DevnetChain;
    let b: DevnetChain;

    before(async function () {
      devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000 });
      [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
    });
    after(() => devnet?.stop());

    it("goes back to the inner snapshot, then to the outer one; each is used up by its revert", async function () {
      const outer = await rpcResult<Hex>(devnet.l1.rpcUrl!, "xr_snapshot");
      const atOuter = await see(devnet, recipient);
      const onA = await send(a, await signTransfer(devnet, a.chainId, USER, 0, recipient, VALUE));
      await devnet.sequencer.flush();
      const inner = await rpcResult<Hex>(b.rpcUrl!, "evm_snapshot");
      const atInner = await see(devnet, recipient);
      const onB = await send(b, await signTransfer(devnet, b.chainId, USER, 0, recipient, VALUE));
      await devnet.sequencer.flush();

      expect(await rpcResult(a.rpcUrl!, "xr_revert", [inner])).to.equal(true);
      expect(await see(devnet, recipient)).to.deep.equal(atInner);
      expect(await statusOf(b, onB)).to.equal(null);
      expect((await statusOf(a, onA))?.status).to.equal("included");
      expect(await rpcResult(a.rpcUrl!, "xr_revert", [inner])).to.equal(false);

      expect(await rpcResult(devnet.l1.rpcUrl!, "evm_revert", [outer])).to.equal(true);
      expect(await see(devnet, recipient)).to.deep.equal(atOuter);
      expect(await statusOf(a, onA)).to.equal(null);
      expect(await rpcResult(devnet.l1.rpcUrl!, "evm_revert", [outer])).to.equal(false);
    });

    it("answers false for an id it never gave, and -32602 for one that is not a quantity", async function () {
      expect(await rpcResult(a.rpcUrl!, "xr_revert", ["0x99"])).to.equal(false);
      for (const params of [["one"], [], [7]]) {
        const response = await rpc(a.rpcUrl!, "evm_revert", params);
        expect(response.error?.code, JSON.stringify(params)).to.equal(-32602);
      }
    });

    it("keeps counting ids up after reverts, as Hardhat does", async function () {
      const id = await rpcResult<Hex>(b.rpcUrl!, "xr_snapshot");
      expect(BigInt(id)).to.equal(3n);
    });

    it("keeps the faults in force, with their ids", async function () {
      const censored = labelAddress("snapshots: censored");
      const id = await rpcResult<Hex>(devnet.l1.rpcUrl!, "xr_snapshot");
      const faultId = await rpcResult<string>(devnet.l1.rpcUrl!, "xr_injectFault", [{ kind: "censor", address: censored }]);
      expect(await rpcResult(devnet.l1.rpcUrl!, "xr_revert", [id])).to.equal(true);
      const status = await rpcResult<SequencerStatus>(devnet.l1.rpcUrl!, "xr_getSequencerStatus");
      expect(status.activeFaults.map((fault) => fault.id)).to.deep.equal([faultId]);
      expect(await rpcResult(devnet.l1.rpcUrl!, "xr_clearFault", [faultId])).to.equal(true);
    });

    it("answers a client still waiting for its transaction -32003, naming the snapshot, and forgets the transaction", async function () {
      const id = await rpcResult<Hex>(a.rpcUrl!, "xr_snapshot");
      // Nonce 5 of a sender at nonce 0: in instant mode its client waits until the gap fills.
      const raw = await signTransfer(devnet, a.chainId, USER, 5, recipient, VALUE);
      const waiting = rpc(a.rpcUrl!, "eth_sendRawTransaction", [raw]);
      await waitUntil(async () => (await statusOf(a, keccak256(raw)))?.status === "pending", { what: "the transaction to wait" });
      expect(await rpcResult(a.rpcUrl!, "xr_revert", [id])).to.equal(true);
      const { error } = await waiting;
      expect(error?.code).to.equal(-32003);
      expect(error?.data).to.deep.equal({ revertedTo: id, waiting: keccak256(raw) });
      expect(await statusOf(a, keccak256(raw))).to.equal(null);
    });

    it("still passes verify", async function () {
      await send(a, await signTransfer(devnet, a.chainId, USER, 0, recipient, VALUE));
      await devnet.sequencer.flush();
      await expectVerified(devnet, 1);
    });
  });

  describe("slot mode: transactions pending at the snapshot are pending again after the revert", function () {
    const recipient = labelAddress("snapshots: slot mode");
    let devnet: Devnet;
    let a: DevnetChain;

    before(async function () {
      devnet = await startTestDevnet({ rollups: 2, slotMs: 200 });
      [a] = devnet.rollups as [DevnetChain];
    });
    after(() => devnet?.stop());

    it("holds a transaction waiting for its sender's missing nonce, and includes it once the nonce comes, before and after the revert", async function () {
      // Nonce 1 waits for nonce 0, which is sent only after the snapshot: it is pending at the snapshot whatever the slot timing.
      const waiting = await send(a, await signTransfer(devnet, a.chainId, USER, 1, recipient, VALUE));
      const filler = await signTransfer(devnet, a.chainId, USER, 0, recipient, VALUE);
      expect((await statusOf(a, waiting))?.status).to.equal("pending");
      const id = await rpcResult<Hex>(a.rpcUrl!, "xr_snapshot");
      const atSnapshot = await see(devnet, recipient);

      await send(a, filler);
      const bothIncluded = async () =>
        (await Promise.all([waiting, keccak256(filler)].map((hash) => statusOf(a, hash)))).every((status) => status?.status === "included");
      await waitUntil(bothIncluded, { what: "both transactions included before the revert" });

      expect(await rpcResult(a.rpcUrl!, "xr_revert", [id])).to.equal(true);
      expect((await statusOf(a, waiting))?.status).to.equal("pending");
      expect(await statusOf(a, keccak256(filler))).to.equal(null);
      const afterRevert = await see(devnet, recipient);
      expect(afterRevert.balances).to.deep.equal(atSnapshot.balances);
      expect(afterRevert.nonces).to.deep.equal(atSnapshot.nonces);
      expect(afterRevert.pendingTransactions).to.equal(1);

      await send(a, filler);
      await waitUntil(bothIncluded, { what: "both transactions included after the revert" });
      await devnet.sequencer.flush();
      const status = await rpcResult<SequencerStatus>(devnet.l1.rpcUrl!, "xr_getSequencerStatus");
      await expectVerified(devnet, status.lastBatch!.number);
    });
  });

  describe("with --data-dir, a revert is on disk too", function () {
    const recipient = labelAddress("snapshots: data dir");
    let directory: string;

    before(async function () {
      directory = await mkdtemp(path.join(tmpdir(), "xrollup-snapshots-"));
    });
    after(() => rm(directory, { recursive: true, force: true }));

    it("restarts as the reverted devnet, with what came after the revert", async function () {
      const dataDir = path.join(directory, "data");
      const devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000, dataDir });
      let seen: Seen;
      let kept: Hex;
      let gone: Hex;
      let afterRevert: Hex;
      try {
        const [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
        kept = await send(a, await signTransfer(devnet, a.chainId, USER, 0, recipient, VALUE));
        await devnet.sequencer.flush();
        const id = await devnet.snapshot();
        gone = await send(a, await signTransfer(devnet, a.chainId, USER, 1, recipient, VALUE));
        await send(devnet.l1, await signTransfer(devnet, devnet.l1.chainId, USER, 0, recipient, VALUE));
        await devnet.sequencer.flush();
        expect(await devnet.revert(id)).to.equal(true);
        afterRevert = await send(b, await signTransfer(devnet, b.chainId, USER, 0, recipient, VALUE));
        await devnet.sequencer.flush();
        seen = await see(devnet, recipient);
      } finally {
        await devnet.stop();
      }
      const restarted = await startTestDevnet({ rollups: 2, batchMs: 3_600_000, dataDir });
      try {
        const [a, b] = restarted.rollups as [DevnetChain, DevnetChain];
        expect(await see(restarted, recipient)).to.deep.equal(seen);
        expect(await statusOf(a, gone)).to.equal(null);
        expect((await statusOf(a, kept))?.status).to.equal("included");
        expect((await statusOf(b, afterRevert))?.batch?.number).to.equal(2);
        await expectVerified(restarted, 2);
      } finally {
        await restarted.stop();
      }
    });
  });
});
