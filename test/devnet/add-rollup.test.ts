import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Address, createPublicClient, encodeFunctionData, getContractAddress, type Hex, http } from "viem";
import { artifact, sharedInboxArtifact } from "../../contracts/artifacts.ts";
import { newRollupChainId } from "../../devnet/add-rollup.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import type { Manifest } from "../../devnet/manifest.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import {
  accountAddress,
  collect,
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
  XROLLUP_BIN,
} from "../support/fixtures.ts";

/**
 * `xr_addRollup`, as a user meets it over HTTP: a third rollup joins a
 * running devnet with its own endpoint, greets the first rollup and is
 * greeted back, atomically; the next batch registers it on L1, `xrollup
 * verify` re-derives it, a restart on the same data directory brings it
 * back, and a revert to a snapshot taken before it removes it.
 */

const greeter = artifact("Greeter");
/** The account that deploys the Greeter, at nonce 0 on every rollup, so that it has one address everywhere. */
const DEPLOYER = 19;
const SENDER = 2;

/** Adds a rollup over the L1 endpoint and returns the answer. */
async function addRollup(devnet: Devnet, params: unknown[] = []) {
  return rpcResult<{ chainId: number; rpcUrl: string }>(devnet.l1.rpcUrl!, "xr_addRollup", params);
}

/** Deploys the Greeter on the rollup at `url` from {@link DEPLOYER}'s nonce 0, over HTTP. */
async function deployGreeter(devnet: Devnet, url: string, chainId: number): Promise<Address> {
  const raw = await signTransaction(devKey(devnet, DEPLOYER), { chainId, nonce: 0, data: greeter.bytecode, gas: 1_000_000n });
  const response = await rpc(url, "eth_sendRawTransaction", [raw]);
  expect(response.error).to.equal(undefined);
  return getContractAddress({ from: accountAddress(devnet, DEPLOYER), nonce: 0n });
}

/** Sends `greet(destination, text)` from {@link SENDER} on the rollup at `url`; the raw JSON-RPC answer. */
async function greet(devnet: Devnet, url: string, chainId: number, greeterAddress: Address, destination: number, text: string) {
  const nonce = Number(BigInt(await rpcResult<Hex>(url, "eth_getTransactionCount", [accountAddress(devnet, SENDER), "latest"])));
  const data = encodeFunctionData({ abi: greeter.abi, functionName: "greet", args: [BigInt(destination), text] });
  const raw = await signTransaction(devKey(devnet, SENDER), { chainId, nonce, to: greeterAddress, data, gas: 300_000n });
  return rpc<Hex>(url, "eth_sendRawTransaction", [raw]);
}

/** What the Greeter on the rollup at `url` holds from `source`. */
function greetingFrom(url: string, greeterAddress: Address, source: number): Promise<string> {
  const client = createPublicClient({ transport: http(url) });
  return client.readContract({ address: greeterAddress, abi: greeter.abi, functionName: "greetingFrom", args: [BigInt(source)] });
}

describe("xr_addRollup", () => {
  describe("on a running devnet, over HTTP", () => {
    let devnet: Devnet;
    let added: { chainId: number; rpcUrl: string };
    let greeterAddress: Address;

    before(async () => {
      devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000 });
      added = await addRollup(devnet);
    });
    after(() => devnet.stop());

    it("answers the next chain id and an endpoint that serves it", async () => {
      expect(added.chainId).to.equal(903);
      expect(await rpcResult(added.rpcUrl, "eth_chainId")).to.equal("0x387");
      expect(devnet.rollups.map((rollup) => rollup.chainId)).to.deep.equal([901, 902, 903]);
      expect(devnet.rollups[2]!.rpcUrl).to.equal(added.rpcUrl);
      expect(devnet.manifest().rollups.map((rollup) => rollup.rpcUrl)).to.include(added.rpcUrl);
      expect(devnet.sequencer.chainIds).to.deep.equal([901, 902, 903]);
    });

    it("takes transfers on the new rollup through the shared sequencer, with the next global sequence numbers", async () => {
      const recipient = labelAddress("add-rollup: a transfer on the new rollup");
      const raw = await signTransfer(devnet, added.chainId, 3, 0, recipient, 1_000n);
      const hash = await rpcResult<Hex>(added.rpcUrl, "eth_sendRawTransaction", [raw]);
      expect(await rpcResult(added.rpcUrl, "eth_getBalance", [recipient, "latest"])).to.equal("0x3e8");
      const status = await rpcResult<{ status: string; chainId: number }>(added.rpcUrl, "xr_getTransactionStatus", [hash]);
      expect(status).to.include({ status: "included", chainId: added.chainId });
    });

    it("relays a message from an old rollup to the new one and back, each in its trigger's slot", async () => {
      const [a] = devnet.rollups;
      greeterAddress = await deployGreeter(devnet, a!.rpcUrl!, a!.chainId);
      expect(await deployGreeter(devnet, added.rpcUrl, added.chainId)).to.equal(greeterAddress);

      const there = await greet(devnet, a!.rpcUrl!, a!.chainId, greeterAddress, added.chainId, "hello, newcomer");
      expect(there.error).to.equal(undefined);
      expect(await greetingFrom(added.rpcUrl, greeterAddress, a!.chainId)).to.equal("hello, newcomer");

      const back = await greet(devnet, added.rpcUrl, added.chainId, greeterAddress, a!.chainId, "hello from 903");
      expect(back.error).to.equal(undefined);
      expect(await greetingFrom(a!.rpcUrl!, greeterAddress, added.chainId)).to.equal("hello from 903");
    });

    it("drops a greeting whose action fails on the new rollup, and nothing of it is left on either", async () => {
      const [a] = devnet.rollups;
      const nonce = await rpcResult<Hex>(a!.rpcUrl!, "eth_getTransactionCount", [accountAddress(devnet, SENDER), "latest"]);
      const response = await greet(devnet, a!.rpcUrl!, a!.chainId, greeterAddress, added.chainId, "");
      expect(response.error?.code).to.equal(-32003);
      expect(response.error?.message).to.contain(`the action on rollup ${added.chainId} (target ${greeterAddress}) failed: reverted with EmptyGreeting()`);
      expect(await rpcResult(a!.rpcUrl!, "eth_getTransactionCount", [accountAddress(devnet, SENDER), "latest"])).to.equal(nonce);
      expect(await greetingFrom(added.rpcUrl, greeterAddress, a!.chainId)).to.equal("hello, newcomer");
    });

    it("is registered on L1 by the next batch, and verifyFromL1 re-derives every rollup, the new one included", async () => {
      await devnet.sequencer.flush();
      const inbox = await readInboxState(devnet);
      expect(inbox.heads.map(({ chainId }) => chainId)).to.deep.equal([901, 902, 903]);
      const client = createPublicClient({ transport: http(devnet.l1.rpcUrl!) });
      const registered = await client.getContractEvents({ address: inboxAddress(devnet), abi: sharedInboxArtifact().abi, eventName: "RollupRegistered", fromBlock: 0n });
      expect(registered.map((log) => Number(log.args.chainId))).to.deep.equal([901, 902, 903]);
      const head = await rpcResult<Hex>(added.rpcUrl, "eth_blockNumber");
      expect(inbox.heads[2]!.head.blockNumber).to.equal(Number(BigInt(head)));

      const result = await verifyFromL1({ l1: devnet.l1.rpcUrl!, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
      expect(result.mismatch).to.equal(undefined);
      expect(result.ok).to.equal(true);
    });

    it("adds a rollup with the chain id asked for, on any endpoint, and its messages then reach the rollups before it", async () => {
      const chosen = await rpcResult<{ chainId: number; rpcUrl: string }>(added.rpcUrl, "xr_addRollup", [{ chainId: "0x7d0" }]);
      expect(chosen.chainId).to.equal(2_000);
      expect(await rpcResult(chosen.rpcUrl, "eth_chainId")).to.equal("0x7d0");
      expect(await deployGreeter(devnet, chosen.rpcUrl, chosen.chainId)).to.equal(greeterAddress);
      const response = await greet(devnet, chosen.rpcUrl, chosen.chainId, greeterAddress, added.chainId, "from 2000 to 903");
      expect(response.error).to.equal(undefined);
      expect(await greetingFrom(added.rpcUrl, greeterAddress, chosen.chainId)).to.equal("from 2000 to 903");
      await devnet.sequencer.flush();
      const result = await verifyFromL1({ l1: devnet.l1.rpcUrl!, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
      expect(result.mismatch).to.equal(undefined);
    });

    const refusals: { name: string; params: unknown[]; words: string }[] = [
      { name: "a chain id a rollup has", params: [{ chainId: 901 }], words: "chainId 901 is taken by rollup-901" },
      { name: "L1's chain id", params: [{ chainId: 900 }], words: "chainId 900 is L1's" },
      { name: "a chain id that is no positive integer", params: [{ chainId: -3 }], words: "chainId: expected a positive integer" },
      { name: "an unknown field", params: [{ chainID: 950 }], words: 'unknown field "chainID"' },
      { name: "params that are no object", params: ["903"], words: "expected { chainId? }" },
    ];
    for (const { name, params, words } of refusals) {
      it(`refuses ${name} with -32602, adding nothing`, async () => {
        const before = devnet.rollups.length;
        const response = await rpc(devnet.l1.rpcUrl!, "xr_addRollup", params);
        expect(response.error?.code).to.equal(-32602);
        expect(response.error?.message).to.contain(words);
        expect(devnet.rollups.length).to.equal(before);
      });
    }

    it("refuses a 65th rollup: the inbox registers 64 at most", () => {
      const rollupChainIds = Array.from({ length: 64 }, (_, index) => 901 + index);
      expect(() => newRollupChainId(undefined, { l1ChainId: 900, rollupChainIds })).to.throw("the most it runs");
      expect(newRollupChainId(undefined, { l1ChainId: 900, rollupChainIds: rollupChainIds.slice(0, 63) })).to.equal(964);
      expect(newRollupChainId(undefined, { l1ChainId: 903, rollupChainIds: [901, 902] })).to.equal(904);
    });
  });

  it("a restart on the same data directory brings the added rollup back, with its blocks, and it goes on", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "xrollup-add-rollup-"));
    try {
      const first = await startTestDevnet({ rollups: 1, dataDir });
      const { chainId } = await first.addRollup();
      const recipient = labelAddress("add-rollup: restart");
      const raw = await signTransfer(first, chainId, 4, 0, recipient, 7n);
      await first.rollups[1]!.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
      const head = await first.rollups[1]!.publicClient.getBlock();
      await first.stop();

      const again = await startTestDevnet({ rollups: 1, dataDir });
      try {
        expect(again.rollups.map((rollup) => rollup.chainId)).to.deep.equal([901, chainId]);
        const rollup = again.rollups[1]!;
        expect(await rpcResult(rollup.rpcUrl!, "eth_chainId")).to.equal(`0x${chainId.toString(16)}`);
        expect((await rollup.publicClient.getBlock()).hash).to.equal(head.hash);
        expect(await rollup.publicClient.getBalance({ address: recipient })).to.equal(7n);
        const next = await signTransfer(again, chainId, 4, 1, recipient, 8n);
        await rollup.provider.request({ method: "eth_sendRawTransaction", params: [next] });
        expect(await rollup.publicClient.getBalance({ address: recipient })).to.equal(15n);
        await again.sequencer.flush();
        const result = await verifyFromL1({ l1: again.l1.provider, inbox: inboxAddress(again), startEngine: startGenesisEngine });
        expect(result.mismatch).to.equal(undefined);
      } finally {
        await again.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("a revert keeps a rollup added before its snapshot and removes one added after it, which can be added again", async () => {
    const devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000 });
    try {
      const snapshot = await rpcResult<Hex>(devnet.l1.rpcUrl!, "xr_snapshot");
      const added = await addRollup(devnet);
      await devnet.sequencer.flush();
      expect((await readInboxState(devnet)).heads).to.have.length(3);
      const afterAddition = await rpcResult<Hex>(added.rpcUrl, "evm_snapshot");
      const recipient = labelAddress("add-rollup: reverted transfer");
      await rpcResult(added.rpcUrl, "eth_sendRawTransaction", [await signTransfer(devnet, added.chainId, 5, 0, recipient, 1n)]);

      expect(await rpcResult(added.rpcUrl, "evm_revert", [afterAddition])).to.equal(true);
      expect(devnet.rollups.map((rollup) => rollup.chainId)).to.deep.equal([901, 902, 903]);
      expect(await rpcResult(added.rpcUrl, "eth_getBalance", [recipient, "latest"])).to.equal("0x0");

      expect(await rpcResult(devnet.rollups[0]!.rpcUrl!, "xr_revert", [snapshot])).to.equal(true);

      expect(devnet.rollups.map((rollup) => rollup.chainId)).to.deep.equal([901, 902]);
      expect(devnet.sequencer.chainIds).to.deep.equal([901, 902]);
      expect((await readInboxState(devnet)).heads).to.have.length(2);
      await waitUntil(async () => (await fetch(added.rpcUrl).then(() => false, () => true)), { what: "the removed rollup's endpoint to close" });

      const again = await addRollup(devnet);
      expect(again.chainId).to.equal(903);
      const raw = await signTransfer(devnet, again.chainId, 5, 0, labelAddress("add-rollup: after the revert"), 1n);
      await rpcResult(again.rpcUrl, "eth_sendRawTransaction", [raw]);
      await devnet.sequencer.flush();
      const result = await verifyFromL1({ l1: devnet.l1.rpcUrl!, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
      expect(result.mismatch).to.equal(undefined);
    } finally {
      await devnet.stop();
    }
  });

  it("a committee of four certifies the slot that adds a rollup and the batch that registers it", async () => {
    const devnet = await startTestDevnet({ rollups: 2, sequencers: 4, batchMs: 3_600_000 });
    try {
      const added = await addRollup(devnet);
      const slot = devnet.sequencer.status().slot;
      expect(slot).to.be.greaterThan(0);
      await rpcResult(added.rpcUrl, "eth_sendRawTransaction", [await signTransfer(devnet, added.chainId, 6, 0, labelAddress("add-rollup: committee"), 1n)]);
      await devnet.sequencer.flush();
      expect(devnet.sequencer.status().lastBatch?.number).to.equal(1);
      const result = await verifyFromL1({ l1: devnet.l1.rpcUrl!, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
      expect(result.mismatch).to.equal(undefined);
    } finally {
      await devnet.stop();
    }
  });

  it("a dumped state loads with the added rollup in it", async () => {
    const devnet = await startTestDevnet({ rollups: 1, batchMs: 3_600_000 });
    const recipient = labelAddress("add-rollup: dump");
    let state;
    try {
      const added = await addRollup(devnet);
      await rpcResult(added.rpcUrl, "eth_sendRawTransaction", [await signTransfer(devnet, added.chainId, 7, 0, recipient, 9n)]);
      await devnet.sequencer.flush();
      state = await devnet.dumpState();
    } finally {
      await devnet.stop();
    }
    const loaded = await startTestDevnet({ rollups: 1, loadState: state });
    try {
      expect(loaded.rollups.map((rollup) => rollup.chainId)).to.deep.equal([901, 902]);
      expect(await loaded.rollups[1]!.publicClient.getBalance({ address: recipient })).to.equal(9n);
      const result = await verifyFromL1({ l1: loaded.l1.provider, inbox: inboxAddress(loaded), startEngine: startGenesisEngine });
      expect(result.mismatch).to.equal(undefined);
    } finally {
      await loaded.stop();
    }
  });

  it("xrollup devnet --manifest rewrites the manifest and logs the rollup it adds", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "xrollup-add-rollup-cli-"));
    const manifestFile = path.join(dir, "manifest.json");
    const child = spawn(process.execPath, [XROLLUP_BIN, "devnet", "--port", "0", "--rollups", "1", "--manifest", manifestFile], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = collect(child, 60_000);
    try {
      const manifest = async () => JSON.parse(await readFile(manifestFile, "utf8")) as Manifest;
      await waitUntil(() => manifest().then(() => true, () => false), { timeoutMs: 30_000, what: "the manifest" });
      const { rpcUrl } = (await manifest()).l1;
      const added = await rpcResult<{ chainId: number; rpcUrl: string }>(rpcUrl!, "xr_addRollup", []);
      await waitUntil(async () => (await manifest()).rollups.length === 2, { what: "the manifest's rewrite" });
      expect((await manifest()).rollups[1]).to.deep.include({ name: "rollup-902", chainId: 902, rpcUrl: added.rpcUrl });
    } finally {
      child.kill("SIGINT");
      const { stdout } = await exited;
      await rm(dir, { recursive: true, force: true });
      expect(stdout).to.match(/rollup added: rollup-902, chain id 902, http:\/\/127\.0\.0\.1:\d+; the next batch registers it on L1/);
    }
  });
});
