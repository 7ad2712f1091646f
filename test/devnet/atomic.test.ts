import { expect } from "chai";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  keccak256,
  parseSignature,
  toHex,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { artifact } from "../../contracts/artifacts.ts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { defaultSequencerAccount } from "../../rollups/accounts.ts";
import { MESSENGER_ADDRESS } from "../../contracts/addresses.ts";
import { buildBatch } from "../../sequencer/batch/builder.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { BatchPoster, BatchRejectedError } from "../../sequencer/inbox.ts";
import { messageHash } from "../../sequencer/relayer.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import type { SlotResult } from "../../sequencer/types.ts";
import {
  accountAddress,
  certifiedByFirstMember,
  devKey,
  inboxAddress,
  labelAddress,
  readInboxState,
  rpc,
  signTransaction,
  signTransfer,
  startTestDevnet,
} from "../support/fixtures.ts";

const relayChain = artifact("MessageRelayChain");
const messenger = artifact("L2ToL2CrossDomainMessenger");
const DEPLOYER = 19;
const USER = 3;

/** A devnet of three rollups with MessageRelayChain at one address on each. */
async function relayChainDevnet(config: Parameters<typeof startTestDevnet>[0] = {}) {
  const devnet = await startTestDevnet({ rollups: 3, batchMs: 3_600_000, ...config });
  const deployer = accountAddress(devnet, DEPLOYER);
  for (const rollup of devnet.rollups) {
    await rollup.walletClient.deployContract({ abi: relayChain.abi, bytecode: relayChain.bytecode, account: deployer });
  }
  return { devnet, contract: getContractAddress({ from: deployer, nonce: 0n }) };
}

function startCall(route: readonly number[], failAtEnd: boolean): Hex {
  return encodeFunctionData({ abi: relayChain.abi, functionName: "start", args: [route.map(BigInt), failAtEnd] });
}

async function hops(devnet: Devnet, contract: Address): Promise<bigint[]> {
  return Promise.all(
    devnet.rollups.map((rollup) => rollup.publicClient.readContract({ address: contract, abi: relayChain.abi, functionName: "hops" })),
  );
}

async function nonceOf(rollup: DevnetChain, address: Address): Promise<number> {
  return rollup.publicClient.getTransactionCount({ address });
}

/** Sends a signed call from USER through the rollup's HTTP endpoint, with explicit nonce and gas. */
async function sendCall(devnet: Devnet, rollup: DevnetChain, to: Address, data: Hex) {
  const nonce = await nonceOf(rollup, accountAddress(devnet, USER));
  const raw = await signTransaction(devKey(devnet, USER), { chainId: rollup.chainId, nonce, to, data, gas: 2_000_000n });
  return { hash: keccak256(raw), response: await rpc<Hex>(rollup.rpcUrl!, "eth_sendRawTransaction", [raw]) };
}

describe("atomic cross-rollup execution", () => {
  let devnet: Devnet;
  let contract: Address;
  let a: DevnetChain;
  let b: DevnetChain;
  let c: DevnetChain;

  before(async () => {
    ({ devnet, contract } = await relayChainDevnet());
    [a, b, c] = devnet.rollups as [DevnetChain, DevnetChain, DevnetChain];
  });
  after(() => devnet.stop());

  describe("a trigger on A whose messages go to B, then from B to C", () => {
    let trigger: TransactionStatus & { hash: Hex };
    let relays: Hex[];

    before(async () => {
      const { hash, response } = await sendCall(devnet, a, contract, startCall([b.chainId, c.chainId], false));
      expect(response.error).to.equal(undefined);
      trigger = { ...devnet.sequencer.transactionStatus(hash)!, hash };
      relays = await Promise.all(
        [b, c].map(async (rollup) => (await rollup.publicClient.getBlock()).transactions[0]!),
      );
    });

    it("runs on every rollup it touches", async () => {
      expect(trigger.status).to.equal("included");
      expect(await hops(devnet, contract)).to.deep.equal([1n, 1n, 1n]);
    });

    it("relays each message right after its cause, in the same slot, from the sequencer", async () => {
      const statuses = relays.map((hash) => devnet.sequencer.transactionStatus(hash)!);
      expect(statuses.map((status) => status.globalSeq)).to.deep.equal([trigger.globalSeq! + 1, trigger.globalSeq! + 2]);
      expect(statuses.map((status) => status.slot)).to.deep.equal([trigger.slot, trigger.slot]);
      expect(statuses.map((status) => status.relayOf)).to.deep.equal([trigger.hash, trigger.hash]);
      expect(trigger.relays).to.deep.equal([
        { hash: relays[0], chainId: b.chainId, globalSeq: trigger.globalSeq! + 1 },
        { hash: relays[1], chainId: c.chainId, globalSeq: trigger.globalSeq! + 2 },
      ]);
      const relay = await b.publicClient.getTransaction({ hash: relays[0]! });
      expect(relay.from.toLowerCase()).to.equal(defaultSequencerAccount().address.toLowerCase());
      expect(relay.to?.toLowerCase()).to.equal(MESSENGER_ADDRESS.toLowerCase());
    });

    it("refuses the same relay sent again by a user (replay) at intake: only the sequencer relays", async () => {
      const relay = await b.publicClient.getTransaction({ hash: relays[0]! });
      const before = await hops(devnet, contract);
      const { hash, response } = await sendCall(devnet, b, MESSENGER_ADDRESS, relay.input);
      expect(response.error?.code).to.equal(-32003);
      expect(response.error?.data).to.deep.equal({ refused: "relay-call" });
      expect(devnet.sequencer.transactionStatus(hash)).to.equal(null);
      expect(await hops(devnet, contract)).to.deep.equal(before);
    });
  });

  it("refuses, at intake, a user's relay that the sequencer did not sign", async () => {
    const forged = {
      destination: BigInt(b.chainId),
      source: BigInt(a.chainId),
      nonce: 1_000n,
      sender: contract,
      target: contract,
      message: encodeFunctionData({ abi: relayChain.abi, functionName: "hop", args: [[], false] }),
      gasLimit: 500_000n,
    };
    const signature = parseSignature(
      await privateKeyToAccount(devKey(devnet, USER)).signMessage({ message: { raw: messageHash(forged) } }),
    );
    const data = encodeFunctionData({
      abi: messenger.abi,
      functionName: "relayMessage",
      args: [forged, Number(signature.v), signature.r, signature.s],
    });
    const before = await hops(devnet, contract);
    const { hash, response } = await sendCall(devnet, b, MESSENGER_ADDRESS, data);
    expect(response.error?.code).to.equal(-32003);
    expect(response.error?.data).to.deep.equal({ refused: "relay-call" });
    expect(devnet.sequencer.transactionStatus(hash)).to.equal(null);
    expect(await hops(devnet, contract)).to.deep.equal(before);
  });

  describe("A to B to C with a failure at C", () => {
    const user = () => accountAddress(devnet, USER);
    let initial: { hops: bigint[]; nonces: number[]; balance: bigint; roots: Hex[] };
    let hash: Hex;
    let response: Awaited<ReturnType<typeof sendCall>>["response"];

    const snapshot = async () => ({
      hops: await hops(devnet, contract),
      nonces: await Promise.all(devnet.rollups.map((rollup) => nonceOf(rollup, user()))),
      balance: await a.publicClient.getBalance({ address: user() }),
      roots: await Promise.all(devnet.rollups.map(async (rollup) => (await rollup.publicClient.getBlock()).stateRoot)),
    });

    before(async () => {
      initial = await snapshot();
      ({ hash, response } = await sendCall(devnet, a, contract, startCall([b.chainId, c.chainId], true)));
    });

    it("leaves A and B untouched: state roots, counters, the sender's nonce and balance", async () => {
      expect(await snapshot()).to.deep.equal(initial);
    });

    it("tells the sender which chain and target failed, and why", () => {
      expect(response.error?.code).to.equal(-32003);
      expect(response.error?.message).to.contain(`rollup ${c.chainId}`).and.contain(contract).and.contain("FailedAtEnd()");
    });

    it("reports the transaction dropped with the same reason", () => {
      const status = devnet.sequencer.transactionStatus(hash)!;
      expect(status.status).to.equal("dropped");
      expect(response.error?.message).to.contain(status.reason!);
    });
  });

  it("drops a message chain deeper than the depth limit", async () => {
    const before = await hops(devnet, contract);
    const route = [b, c, a, b, c].map((rollup) => rollup.chainId);
    const { hash, response } = await sendCall(devnet, a, contract, startCall(route, false));
    expect(response.error?.code).to.equal(-32003);
    expect(devnet.sequencer.transactionStatus(hash)?.reason).to.contain("depth limit of 4");
    expect(await hops(devnet, contract)).to.deep.equal(before);
  });

  describe("bundles", () => {
    it("includes a bundle across rollups whole, with consecutive global sequence numbers", async () => {
      const recipient = labelAddress("bundle recipient");
      const raws = await Promise.all(
        [a, c].map(async (rollup) =>
          signTransfer(devnet, rollup.chainId, USER, await nonceOf(rollup, accountAddress(devnet, USER)), recipient, 7n),
        ),
      );
      const response = await rpc<Hex>(b.rpcUrl!, "xr_sendBundle", [raws]);
      expect(response.error).to.equal(undefined);
      const bundle = (await rpc<{ status: string; transactions: TransactionStatus[] }>(b.rpcUrl!, "xr_getBundle", [response.result])).result!;
      expect(bundle.status).to.equal("included");
      const [first, second] = bundle.transactions.map((transaction) => transaction.globalSeq!);
      expect(second).to.equal(first! + 1);
      expect(await c.publicClient.getBalance({ address: recipient })).to.equal(7n);
    });

    it("includes none of a bundle whose second transaction reverts, and names it", async () => {
      const recipient = labelAddress("failed bundle recipient");
      const nonces = await Promise.all([a, b].map((rollup) => nonceOf(rollup, accountAddress(devnet, USER))));
      const transfer = await signTransfer(devnet, a.chainId, USER, nonces[0]!, recipient, 7n);
      const reverting = await signTransaction(devKey(devnet, USER), {
        chainId: b.chainId,
        nonce: nonces[1]!,
        to: contract,
        data: encodeFunctionData({ abi: relayChain.abi, functionName: "hop", args: [[], false] }),
        gas: 200_000n,
      });
      const response = await rpc(a.rpcUrl!, "xr_sendBundle", [[transfer, reverting]]);
      expect(response.error?.code).to.equal(-32003);
      const { bundleId, failed } = response.error!.data as { bundleId: Hex; failed: { hash: Hex; chainId: number } };
      expect(failed).to.deep.include({ hash: keccak256(reverting), chainId: b.chainId });
      const bundle = (await rpc<{ status: string; failed: { reason: string } }>(a.rpcUrl!, "xr_getBundle", [bundleId])).result!;
      expect(bundle.status).to.equal("dropped");
      expect(bundle.failed.reason).to.contain("NotMessenger");
      expect(await a.publicClient.getBalance({ address: recipient })).to.equal(0n);
      expect(await Promise.all([a, b].map((rollup) => nonceOf(rollup, accountAddress(devnet, USER))))).to.deep.equal(nonces);
    });

    it("refuses a malformed bundle without accepting any of it", async () => {
      const good = await signTransfer(devnet, a.chainId, USER, await nonceOf(a, accountAddress(devnet, USER)), labelAddress("x"), 1n);
      const response = await rpc(a.rpcUrl!, "xr_sendBundle", [[good, "0x1234"]]);
      // 0x12… is a typed transaction of a type the rollups do not run.
      expect(response.error?.code).to.equal(-32003);
      expect(response.error?.data).to.deep.include({ type: 0x12 });
      expect(devnet.sequencer.transactionStatus(keccak256(good))).to.equal(null);
    });
  });

  describe("on L1", () => {
    before(() => devnet.sequencer.flush());

    it("refuses a batch in which what A sent to B is not what B relayed from A", async () => {
      const inbox = await readInboxState(devnet);
      const honest = devnet.sequencer.lastMessageHashes;
      const forged = honest.map((hashes, index) =>
        index === 0 ? { ...hashes, sent: hashes.sent.map((hash, j) => (j === 1 ? keccak256(toHex("forged")) : hash)) } : hashes,
      );
      const slot: SlotResult = { slot: 0, timestamp: 0, included: [], dropped: [], blocks: [], messageHashes: forged, randomness: { commitment: zeroHash, seed: zeroHash } };
      const poster = new BatchPoster(devnet.l1.provider, [privateKeyToAccount(defaultSequencerAccount().privateKey)], inboxAddress(devnet));
      // Certified as the committee would: the inbox refuses it for its messages, not for its signatures.
      const error = await poster.postBatch(certifiedByFirstMember(devnet, buildBatch([slot], inbox))).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(BatchRejectedError);
      const reverted = ((error as BatchRejectedError).cause as BaseError).walk((cause) => cause instanceof ContractFunctionRevertedError);
      expect((reverted as ContractFunctionRevertedError).data?.errorName).to.equal("MessagesMismatch");
      expect(await readInboxState(devnet)).to.deep.equal(inbox);
    });

    it("re-derives every rollup, relays included, after committed and dropped messages", async () => {
      const result = await verifyFromL1({ l1: devnet.l1.provider, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
      expect(result.ok, JSON.stringify(result.mismatch)).to.equal(true);
      expect(result.transactions).to.be.greaterThan(5);
    });
  });
});

describe("atomic execution in slot mode", () => {
  it("relays a message in the trigger's slot and reports both included", async () => {
    const { devnet, contract } = await relayChainDevnet({ rollups: 2, slotMs: 150 });
    try {
      const [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
      const { hash, response } = await sendCall(devnet, a, contract, startCall([b.chainId], false));
      expect(response.result).to.equal(hash);
      const outcome = await devnet.sequencer.waitForOutcome(hash);
      expect(outcome.kind).to.equal("included");
      expect(await hops(devnet, contract)).to.deep.equal([1n, 1n]);
    } finally {
      await devnet.stop();
    }
  });
});
