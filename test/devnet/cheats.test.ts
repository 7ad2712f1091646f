import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  parseEther,
  type PublicClient,
  type TestClient,
  type WalletClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { JSON_RPC_ERROR_CODES } from "../../errors/base.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { InterceptedEngine } from "../../sequencer/faults.ts";
import { impersonatedTransaction } from "../../sequencer/intake.ts";
import {
  accountAddress,
  inboxAddress,
  labelAddress,
  rpc,
  rpcResult,
  signTransaction,
  startTestDevnet,
  TEST_FEES,
  startCliDevnet,
} from "../support/fixtures.ts";

/**
 * Cheat methods on a rollup, as a developer uses them over HTTP with viem's
 * test client: each takes effect as on `hardhat node`, and each is followed
 * by a passing `xrollup verify`, because the batch records it.
 */

/** Runtime that returns storage slot 0 (SLOAD 0, MSTORE 0, RETURN 32 bytes). */
const READS_SLOT_ZERO: Hex = "0x60005460005260206000f3";
const word = (n: bigint): Hex => `0x${n.toString(16).padStart(64, "0")}`;

/** Every block of every rollup re-derives from L1: the devnet's batches so far, flushed first. */
async function expectVerified(devnet: Devnet): Promise<void> {
  await devnet.sequencer.flush();
  const result = await verifyFromL1({ l1: devnet.l1.provider, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
  expect(result.mismatch, JSON.stringify(result.mismatch)).to.equal(undefined);
  expect(result.ok).to.equal(true);
  const heads = await Promise.all(devnet.rollups.map((rollup) => rollup.publicClient.getBlockNumber({ cacheTime: 0 })));
  expect(result.blocks).to.equal(Number(heads.reduce((sum, head) => sum + head, 0n)));
}

/** viem's clients for one rollup, over its HTTP endpoint. */
function clientsOf(chain: DevnetChain, mode: "hardhat" | "anvil" = "hardhat") {
  const transport = http(chain.rpcUrl!);
  return {
    public: createPublicClient({ chain: chain.chain, transport }) as PublicClient,
    test: createTestClient({ chain: chain.chain, transport, mode }) as TestClient,
    wallet: createWalletClient({ chain: chain.chain, transport }) as WalletClient,
  };
}

describe("cheat methods on a rollup, each recorded so that verify passes", function () {
  let devnet: Devnet;
  let a: DevnetChain;
  let b: DevnetChain;
  let clients: ReturnType<typeof clientsOf>;

  before(async function () {
    // Batches only when a test flushes.
    devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000 });
    [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
    clients = clientsOf(a);
  });
  after(() => devnet.stop());

  it("hardhat_setBalance: seen at once, with no block mined; the account then spends it", async () => {
    const key = generatePrivateKey();
    const { address } = privateKeyToAccount(key);
    const head = await clients.public.getBlockNumber();
    await clients.test.setBalance({ address, value: parseEther("2") });
    expect(await clients.public.getBalance({ address })).to.equal(parseEther("2"));
    expect(await clients.public.getBlockNumber()).to.equal(head);
    const hash = await clients.public.sendRawTransaction({
      serializedTransaction: await signTransaction(key, { chainId: a.chainId, nonce: 0, to: labelAddress("cheats: spent"), value: parseEther("1") }),
    });
    expect((await clients.public.getTransactionReceipt({ hash })).status).to.equal("success");
    await expectVerified(devnet);
  });

  it("anvil_setBalance, then evm_mine: the empty block carries it", async () => {
    const address = labelAddress("cheats: anvil balance");
    const anvil = clientsOf(a, "anvil");
    await anvil.test.setBalance({ address, value: 12_345n });
    await anvil.test.mine({ blocks: 1 });
    expect(await clients.public.getBalance({ address })).to.equal(12_345n);
    await expectVerified(devnet);
  });

  it("hardhat_setCode and hardhat_setStorageAt (and anvil's): a contract that answers what was stored", async () => {
    const contract = labelAddress("cheats: contract");
    await clients.test.setCode({ address: contract, bytecode: READS_SLOT_ZERO });
    await clients.test.setStorageAt({ address: contract, index: 0, value: word(42n) });
    expect(await clients.public.call({ to: contract })).to.deep.include({ data: word(42n) });
    await clients.test.mine({ blocks: 1 });
    const other = labelAddress("cheats: anvil contract");
    const anvil = clientsOf(a, "anvil");
    await anvil.test.setCode({ address: other, bytecode: READS_SLOT_ZERO });
    await anvil.test.setStorageAt({ address: other, index: 0, value: word(7n) });
    // Carried by the block of the next transaction that runs on the rollup.
    await clients.wallet.sendTransaction({ account: accountAddress(devnet, 2), to: other, chain: a.chain });
    expect(await clients.public.call({ to: other })).to.deep.include({ data: word(7n) });
    await expectVerified(devnet);
  });

  it("hardhat_impersonateAccount: eth_sendTransaction from an account without a key, replayed impersonated", async () => {
    const impersonated = labelAddress("cheats: impersonated");
    const recipient = labelAddress("cheats: paid by the impersonated");
    await clients.test.setBalance({ address: impersonated, value: parseEther("1") });
    await clients.test.impersonateAccount({ address: impersonated });
    const hash = await clients.wallet.sendTransaction({ account: impersonated, to: recipient, value: 1_000n, chain: a.chain });
    const receipt = await clients.public.getTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    expect(receipt.from.toLowerCase()).to.equal(impersonated.toLowerCase());
    expect(await clients.public.getBalance({ address: recipient })).to.equal(1_000n);
    // The chain holds it with EDR's impersonation signature, and the sequencer knew its hash before it ran.
    const transaction = await clients.public.getTransaction({ hash });
    expect(BigInt(transaction.r)).to.equal(BigInt(impersonated));
    expect(devnet.sequencer.transactionStatus(hash)?.status).to.equal("included");
    await expectVerified(devnet);
  });

  it("refuses a raw transaction that carries the impersonation signature, and sends nothing once impersonation stops", async () => {
    const impersonated = labelAddress("cheats: impersonated");
    const nonce = await clients.public.getTransactionCount({ address: impersonated });
    const forged = impersonatedTransaction({ chainId: a.chainId, type: "eip1559", nonce, gas: 21_000n, to: impersonated, ...TEST_FEES }, impersonated);
    const raw = await rpc(a.rpcUrl!, "eth_sendRawTransaction", [forged]);
    expect(raw.error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
    expect(await rpcResult(a.rpcUrl!, "hardhat_stopImpersonatingAccount", [impersonated])).to.equal(true);
    expect(await rpcResult(a.rpcUrl!, "hardhat_stopImpersonatingAccount", [impersonated])).to.equal(false);
    const sent = await rpc(a.rpcUrl!, "eth_sendTransaction", [{ from: impersonated, to: impersonated }]);
    expect(sent.error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
    expect(await clients.public.getTransactionCount({ address: impersonated })).to.equal(nonce);
  });

  it("evm_increaseTime moves this rollup's blocks only", async () => {
    const before = await clients.public.getBlock();
    expect(await rpcResult(a.rpcUrl!, "evm_increaseTime", [3_600])).to.equal("3600");
    await clients.test.mine({ blocks: 1 });
    await clientsOf(b).test.mine({ blocks: 1 });
    const [onA, onB] = await Promise.all([clients.public.getBlock(), clientsOf(b).public.getBlock()]);
    expect(onA.timestamp - before.timestamp >= 3_600n).to.equal(true);
    expect(onA.timestamp - onB.timestamp >= 3_600n).to.equal(true);
    await expectVerified(devnet);
  });

  it("evm_setNextBlockTimestamp: the next block has it, and an earlier one is refused as Hardhat does", async () => {
    const latest = await clients.public.getBlock();
    const early = await rpc(a.rpcUrl!, "evm_setNextBlockTimestamp", [Number(latest.timestamp) - 1]);
    expect(early.error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidInput);
    const next = Number(latest.timestamp) + 86_400;
    expect(await rpcResult(a.rpcUrl!, "evm_setNextBlockTimestamp", [next])).to.equal(String(next));
    const hash = await clients.wallet.sendTransaction({ account: accountAddress(devnet, 2), to: labelAddress("cheats: next timestamp"), chain: a.chain });
    const receipt = await clients.public.getTransactionReceipt({ hash });
    expect((await clients.public.getBlock({ blockNumber: receipt.blockNumber })).timestamp).to.equal(BigInt(next));
    await expectVerified(devnet);
  });

  it("evm_mine at a timestamp, hardhat_mine and anvil_mine: empty blocks on this rollup, as many as asked", async () => {
    const head = await clients.public.getBlock();
    const at = Number(head.timestamp) + 100;
    expect(await rpcResult(a.rpcUrl!, "evm_mine", [at])).to.equal("0");
    expect((await clients.public.getBlock()).timestamp).to.equal(BigInt(at));
    expect(await rpcResult(a.rpcUrl!, "hardhat_mine", ["0x3", "0xa"])).to.equal(true);
    expect(await rpcResult(a.rpcUrl!, "anvil_mine", ["0x2"])).to.equal(null);
    const blocks = await Promise.all([1n, 2n, 3n, 4n, 5n, 6n].map((offset) => clients.public.getBlock({ blockNumber: head.number + offset })));
    const times = blocks.map((block) => Number(block.timestamp));
    // Each call's first block is at the rollup's next time (rollup blocks may share a second), the others `interval` apart.
    expect([times[2]! - times[1]!, times[3]! - times[2]!, times[5]! - times[4]!]).to.deep.equal([10, 10, 1]);
    expect(times.every((time, index) => index === 0 || time >= times[index - 1]!)).to.equal(true);
    expect(blocks.every((block) => block.transactions.length === 0)).to.equal(true);
    await expectVerified(devnet);
  });

  it("a slot that goes back to its start (a unit failed) keeps the cheats applied before it", async () => {
    const key = generatePrivateKey();
    const { address } = privateKeyToAccount(key);
    await clients.test.setBalance({ address, value: parseEther("1") });
    const spend = await signTransaction(key, { chainId: a.chainId, nonce: 0, to: labelAddress("cheats: after a retry"), value: 1n });
    const creator = accountAddress(devnet, 4);
    const nonce = await clients.public.getTransactionCount({ address: creator });
    // Init code that reverts at once: revert protection drops it, after its group ran and went back.
    const reverting = await signTransaction(devnet.accounts[4]!.privateKey, { chainId: a.chainId, nonce, data: "0x60006000fd", gas: 100_000n });
    const slotBefore = devnet.sequencer.status().slot;
    const send = (raw: Hex) => a.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
    const [spent, dropped] = await Promise.allSettled([send(spend), send(reverting)]);
    expect(spent.status).to.equal("fulfilled");
    expect(dropped.status).to.equal("rejected");
    // One slot: the two ran as a group, which went back to the slot's start, then each alone.
    expect(devnet.sequencer.status().slot).to.equal(slotBefore + 1);
    expect(await clients.public.getBalance({ address: labelAddress("cheats: after a retry") })).to.equal(1n);
    await expectVerified(devnet);
  });

  it("a revert to a snapshot takes back the cheats made after it, and keeps those pending before it", async () => {
    const address = labelAddress("cheats: snapshot");
    const impersonated = labelAddress("cheats: snapshot impersonated");
    await clients.test.setBalance({ address, value: 1n });
    const offset = await rpcResult<string>(a.rpcUrl!, "evm_increaseTime", [0]);
    const snapshot = await devnet.snapshot();
    await clients.test.setBalance({ address, value: 2n });
    await clients.test.impersonateAccount({ address: impersonated });
    await rpcResult(a.rpcUrl!, "evm_increaseTime", [600]);
    await clients.test.mine({ blocks: 1 });
    expect(await devnet.revert(snapshot)).to.equal(true);
    expect(await clients.public.getBalance({ address })).to.equal(1n);
    expect(devnet.sequencer.isImpersonated(a.chainId, impersonated)).to.equal(false);
    expect(await rpcResult(a.rpcUrl!, "evm_increaseTime", [0])).to.equal(offset);
    // The balance set before the snapshot is still pending: the next block carries it.
    await clients.test.mine({ blocks: 1 });
    await expectVerified(devnet);
  });

  it("answers bad params with -32602, and the chain-control methods that are no cheats with -32601 as before", async () => {
    expect((await rpc(a.rpcUrl!, "hardhat_setBalance", ["0x12", "0x1"])).error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
    expect((await rpc(a.rpcUrl!, "hardhat_setStorageAt", [labelAddress("x"), "0x0", "0x01"])).error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
    expect((await rpc(a.rpcUrl!, "hardhat_mine", ["0x100000"])).error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
    for (const method of ["hardhat_reset", "debug_setHead", "hardhat_setNonce", "evm_setAutomine"]) {
      const answer = await rpc(a.rpcUrl!, method, []);
      expect(answer.error?.code, method).to.equal(JSON_RPC_ERROR_CODES.methodNotFound);
      expect(answer.error?.message, method).to.match(/produced only by the shared sequencer/);
    }
  });
});

describe("cheat methods in slot mode", function () {
  let devnet: Devnet;
  after(() => devnet?.stop());

  it("evm_mine produces a whole slot now, a block on every rollup, carrying the pending cheat", async () => {
    // Slots only when asked for: the timer's slot is an hour away.
    devnet = await startTestDevnet({ rollups: 2, slotMs: 3_600_000 });
    const [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
    const address = labelAddress("cheats: slot mode");
    const heads = await Promise.all([a, b].map((chain) => clientsOf(chain).public.getBlockNumber()));
    await clientsOf(a).test.setBalance({ address, value: 5n });
    await clientsOf(a).test.mine({ blocks: 1 });
    expect(await Promise.all([a, b].map((chain) => clientsOf(chain).public.getBlockNumber()))).to.deep.equal(heads.map((head) => head + 1n));
    await expectVerified(devnet);
  });
});

describe("--no-cheats", function () {
  let devnet: Devnet;
  before(async () => {
    devnet = await startTestDevnet({ rollups: 1, cheats: false });
  });
  after(() => devnet.stop());

  for (const [method, params] of [
    ["hardhat_setBalance", [labelAddress("no cheats"), "0x1"]],
    ["evm_mine", []],
    ["hardhat_impersonateAccount", [labelAddress("no cheats")]],
    ["evm_increaseTime", [1]],
  ] as const) {
    it(`refuses ${method} with -32601, saying cheats are off`, async () => {
      const answer = await rpc(devnet.rollups[0]!.rpcUrl!, method, [...params]);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.methodNotFound);
      expect(answer.error?.message).to.match(/cheat methods are off \(--no-cheats\)/);
    });
  }
});

describe("`xrollup devnet --no-cheats`", function () {
  it("refuses hardhat_setBalance on a rollup with -32601 naming the flag, and stops cleanly", async function () {
    const directory = await mkdtemp(path.join(tmpdir(), "xrollup-no-cheats-"));
    const manifestFile = path.join(directory, "devnet.json");
    const { child, exited, manifest } = await startCliDevnet(["--no-cheats", "--rollups", "1", "--quiet"], manifestFile);
    try {
      const answer = await rpc(manifest.rollups[0]!.rpcUrl!, "hardhat_setBalance", [labelAddress("no cheats"), "0x1"]);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.methodNotFound);
      expect(answer.error?.message).to.match(/--no-cheats/);
      // L1 keeps its cheat methods.
      expect(await rpcResult(manifest.l1.rpcUrl!, "hardhat_setBalance", [labelAddress("no cheats"), "0x1"])).to.equal(true);
    } finally {
      child.kill("SIGINT");
      await rm(directory, { recursive: true, force: true });
    }
    const run = await exited;
    expect(run.code, run.stderr).to.equal(0);
  });
});

describe("cheats pending across a restart with --data-dir", function () {
  let dir: string;
  let devnet: Devnet | undefined;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "xrollup-cheats-"));
  });
  after(async () => {
    await devnet?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps the balance, storage, impersonation and clock cheats no block carried yet, and verify passes after", async () => {
    const impersonated: Address = labelAddress("cheats: restart impersonated");
    const contract = labelAddress("cheats: restart contract");
    devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000, dataDir: dir });
    let rollup = clientsOf(devnet.rollups[0]!);
    // One cheat in a block already, so the restart replays a block with operations.
    await rollup.test.setCode({ address: contract, bytecode: READS_SLOT_ZERO });
    await rollup.test.mine({ blocks: 1 });
    await rollup.test.setStorageAt({ address: contract, index: 0, value: word(99n) });
    await rollup.test.setBalance({ address: impersonated, value: parseEther("1") });
    await rollup.test.impersonateAccount({ address: impersonated });
    expect(await rpcResult(devnet.rollups[0]!.rpcUrl!, "evm_increaseTime", [7_200])).to.equal("7200");
    await devnet.stop();

    devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000, dataDir: dir });
    rollup = clientsOf(devnet.rollups[0]!);
    expect(await rollup.public.getBalance({ address: impersonated })).to.equal(parseEther("1"));
    expect(await rollup.public.call({ to: contract })).to.deep.include({ data: word(99n) });
    expect(await rpcResult(devnet.rollups[0]!.rpcUrl!, "evm_increaseTime", [0])).to.equal("7200");
    const before = await rollup.public.getBlock();
    const hash = await rollup.wallet.sendTransaction({ account: impersonated, to: contract, chain: devnet.rollups[0]!.chain });
    const receipt = await rollup.public.getTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    expect((await rollup.public.getBlock({ blockNumber: receipt.blockNumber })).timestamp >= before.timestamp + 7_200n).to.equal(true);
    await expectVerified(devnet);
  });
});

describe("a devnet whose engines a wrapEngine hook intercepts", function () {
  let devnet: Devnet;
  const steps: string[] = [];

  before(async function () {
    devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000 }, { wrapEngine: (engine) => new InterceptedEngine(engine, (step) => steps.push(step)) });
  });
  after(() => devnet.stop());

  it("still serves state cheats and traces, through the wrapper, and verify passes", async () => {
    const [a] = devnet.rollups as [DevnetChain, DevnetChain];
    const clients = clientsOf(a);
    const key = generatePrivateKey();
    const { address } = privateKeyToAccount(key);
    await clients.test.setBalance({ address, value: parseEther("1") });
    expect(await clients.public.getBalance({ address })).to.equal(parseEther("1"));
    const hash = await clients.public.sendRawTransaction({
      serializedTransaction: await signTransaction(key, { chainId: a.chainId, nonce: 0, to: labelAddress("cheats: wrapped"), value: 1n }),
    });
    const trace = await rpcResult<{ legs: { role: string; trace: { to: string } }[] }>(a.rpcUrl!, "xr_traceTransaction", [hash]);
    expect(trace.legs.map(({ role }) => role)).to.deep.equal(["trigger"]);
    expect(trace.legs[0]!.trace.to.toLowerCase()).to.equal(labelAddress("cheats: wrapped").toLowerCase());
    expect(steps).to.include.members(["mine", "read"]);
    await expectVerified(devnet);
  });
});
