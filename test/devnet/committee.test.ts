import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Address, encodeFunctionData, getAddress, getContractAddress, type Hex, isAddressEqual } from "viem";
import { MESSENGER_ADDRESS } from "../../contracts/addresses.ts";
import { artifact, sharedInboxArtifact } from "../../contracts/artifacts.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import { sequencerAccounts } from "../../rollups/accounts.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { InvalidDevnetConfigError, resolveDevnetConfig } from "../../devnet/config.ts";
import { accountAddress, devKey, rpc, inboxAddress, labelAddress, signTransaction, signTransfer, startTestDevnet, waitUntil } from "../support/fixtures.ts";

const RECIPIENT = labelAddress("committee recipient");

/** Every `BatchCertified` event of the inbox: who signed each batch, in which view. */
async function certifications(devnet: Devnet) {
  const { abi } = sharedInboxArtifact();
  return devnet.l1.publicClient.getContractEvents({ address: inboxAddress(devnet), abi, eventName: "BatchCertified", fromBlock: 0n });
}

/** Reads a view function of the inbox. */
function inboxRead<T>(devnet: Devnet, functionName: "members" | "quorum" | "nextForced", args: readonly unknown[] = []): Promise<T> {
  const { abi } = sharedInboxArtifact();
  return devnet.l1.publicClient.readContract({ address: inboxAddress(devnet), abi, functionName, args } as never) as Promise<T>;
}

async function verify(devnet: Devnet) {
  return verifyFromL1({ l1: devnet.l1.provider, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
}

/** Waits until every slot produced so far is on L1. */
async function allPosted(devnet: Devnet): Promise<void> {
  await devnet.sequencer.flush();
  await waitUntil(() => devnet.sequencer.status().unbatchedSlots === 0, { what: "every slot posted" });
}

/** Queues a signed transaction on L1's forced-inclusion queue, from development account `from`. */
async function forceInclude(devnet: Devnet, from: number, chainId: number, signedTx: Hex): Promise<void> {
  const { abi } = sharedInboxArtifact();
  const hash = await devnet.l1.walletClient.writeContract({
    address: inboxAddress(devnet),
    abi,
    functionName: "forceInclude",
    args: [BigInt(chainId), signedTx],
    account: accountAddress(devnet, from),
    chain: devnet.l1.chain,
  });
  const receipt = await devnet.l1.publicClient.getTransactionReceipt({ hash });
  expect(receipt.status).to.equal("success");
}

describe("a sequencer committee", function () {
  describe("of 4 in instant mode, whose leader crashes under load", function () {
    let devnet: Devnet;
    const errors: unknown[] = [];

    before(async function () {
      devnet = await startTestDevnet({ rollups: 2, sequencers: 4, batchMs: 50, viewTimeoutMs: 150 }, { onError: (error) => errors.push(error) });
    });
    after(async () => devnet?.stop());

    it("starts with every member up, the quorum n − f, and the first member leading", function () {
      const status = devnet.sequencer.status();
      const keys = sequencerAccounts(4);
      expect(status.members).to.deep.equal(keys.map((key) => ({ address: key.address, status: "up" })));
      expect(status.quorum).to.equal(3);
      expect(status.view).to.equal(0);
      expect(status.leader).to.equal(keys[0]!.address);
    });

    it("refuses a fault that names no member, over HTTP, and injects nothing", async function () {
      for (const fault of [
        { kind: "crash", node: 4 },
        { kind: "equivocate", node: "leader" },
        { kind: "censor", address: RECIPIENT, nodes: [0, 0] },
      ]) {
        const response = await rpc(devnet.l1.rpcUrl!, "xr_injectFault", [fault]);
        expect(response.error?.code).to.equal(-32602);
        expect((response.error?.data as { field?: string } | undefined)?.field).to.equal(fault.kind === "censor" ? "nodes" : "node");
      }
      expect(devnet.sequencer.status().activeFaults).to.deep.equal([]);
      expect(() => resolveDevnetConfig({ sequencers: 17 })).to.throw(InvalidDevnetConfigError, /sequencers/);
    });

    it("includes every accepted transaction exactly once after failover, and L1 holds a certificate of each batch", async function () {
      const [a, b] = devnet.rollups as [Devnet["rollups"][0], Devnet["rollups"][0]];
      const senders = [1, 2, 3, 4, 5, 6, 7, 8];
      const rounds = 5;
      const hashes: Hex[] = [];
      let crashed = false;
      await Promise.all(
        senders.map(async (sender, position) => {
          const rollup = position % 2 === 0 ? a : b;
          for (let nonce = 0; nonce < rounds; nonce++) {
            // The leader goes down while everyone is sending: what it held is in the other members' mempools.
            if (nonce === 2 && !crashed) {
              crashed = true;
              devnet.sequencer.injectFault({ kind: "crash", node: "leader" });
            }
            const raw = await signTransfer(devnet, rollup.chainId, sender, nonce, RECIPIENT, 1n);
            hashes.push(await rollup.provider.request({ method: "eth_sendRawTransaction", params: [raw] }));
          }
        }),
      );
      const statuses = hashes.map((hash) => devnet.sequencer.transactionStatus(hash));
      expect(statuses.every((status) => status?.status === "included")).to.equal(true);
      expect(statuses.map((status) => status!.globalSeq).sort((x, y) => x! - y!)).to.deep.equal(hashes.map((_, seq) => seq));
      const status = devnet.sequencer.status();
      expect(status.failovers).to.be.greaterThan(0);
      expect(status.members.filter((member) => member.status === "crashed")).to.have.length(1);

      await allPosted(devnet);
      const members = sequencerAccounts(4).map((key) => key.address);
      const certified = await certifications(devnet);
      for (const { args } of certified) {
        const leader = members[Number(args.viewNumber!) % 4]!;
        expect(args.signers!.length).to.be.at.least(3);
        expect(isAddressEqual(args.signers![0]!, leader)).to.equal(true);
      }
      // The crashed member signs nothing after its crash: the last batch is certified without it.
      const crashedMember = status.members.find((member) => member.status === "crashed")!.address;
      expect(certified.at(-1)!.args.signers!.some((signer) => isAddressEqual(signer, crashedMember))).to.equal(false);
      expect((await verify(devnet)).ok).to.equal(true);
      expect(errors).to.deep.equal([]);
    });
  });

  describe("of 4 with an equivocating member", function () {
    let devnet: Devnet;

    before(async function () {
      devnet = await startTestDevnet({ rollups: 2, sequencers: 4, batchMs: 50, viewTimeoutMs: 100, faults: [{ kind: "equivocate", node: 1 }] });
    });
    after(async () => devnet?.stop());

    it("is caught by the honest members, who prove it on L1 and remove it from the committee", async function () {
      const [a] = devnet.rollups;
      const equivocator = sequencerAccounts(4)[1]!.address;
      for (let nonce = 0; nonce < 6 && devnet.sequencer.status().equivocationsProved === 0; nonce++) {
        const raw = await signTransfer(devnet, a!.chainId, 1, nonce, RECIPIENT, 1n);
        await a!.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
      }
      await waitUntil(() => devnet.sequencer.status().equivocationsProved === 1, { what: "the proof of equivocation" });
      const { abi } = sharedInboxArtifact();
      const removed = await devnet.l1.publicClient.getContractEvents({ address: inboxAddress(devnet), abi, eventName: "MemberRemoved", fromBlock: 0n });
      expect(removed.map((event) => getAddress(event.args.member!))).to.deep.equal([equivocator]);
      const members = await inboxRead<readonly Address[]>(devnet, "members");
      expect(members.map((member) => getAddress(member))).to.not.include(equivocator);
      const status = devnet.sequencer.status();
      expect(status.members.find((member) => member.address === equivocator)!.status).to.equal("removed");
      expect(status.quorum).to.equal(3);
    });

    it("goes on without it: later transactions are included, certified and verifiable", async function () {
      const [a] = devnet.rollups;
      const next = await devnet.sequencer.pendingNonce(a!.chainId, accountAddress(devnet, 1));
      for (let nonce = next; nonce < next + 4; nonce++) {
        const raw = await signTransfer(devnet, a!.chainId, 1, nonce, RECIPIENT, 1n);
        await a!.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
      }
      await allPosted(devnet);
      const equivocator = sequencerAccounts(4)[1]!.address;
      const last = (await certifications(devnet)).at(-1)!;
      expect(last.args.signers!.some((signer) => isAddressEqual(signer, equivocator))).to.equal(false);
      expect((await verify(devnet)).ok).to.equal(true);
    });
  });

  describe("of 4 with censors", function () {
    let devnet: Devnet;
    const censored = 3;

    before(async function () {
      devnet = await startTestDevnet({ rollups: 2, sequencers: 4, batchMs: 50, viewTimeoutMs: 100 });
    });
    after(async () => devnet?.stop());

    it("includes a transaction one member censors as soon as an honest member leads", async function () {
      const [a] = devnet.rollups;
      const address = accountAddress(devnet, censored);
      devnet.sequencer.injectFault({ kind: "censor", address, nodes: [devnet.sequencer.status().view % 4] });
      const before = devnet.sequencer.status().failovers;
      const raw = await signTransfer(devnet, a!.chainId, censored, 0, RECIPIENT, 1n);
      const hash = await a!.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
      expect(devnet.sequencer.transactionStatus(hash)?.status).to.equal("included");
      expect(devnet.sequencer.status().failovers).to.equal(before + 1);
      expect(devnet.sequencer.status().members.filter((member) => member.status === "censoring")).to.have.length(1);
    });

    it("gets a transaction every member censors in only through L1's forced inclusion, and verify derives it", async function () {
      const [a] = devnet.rollups;
      const address = accountAddress(devnet, censored);
      devnet.sequencer.injectFault({ kind: "censor", address, nodes: "all" });
      const raw = await signTransfer(devnet, a!.chainId, censored, 1, RECIPIENT, 2n);
      const sent = a!.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
      // Several views go by: nobody includes it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const pending = devnet.sequencer.status();
      expect(pending.pendingTransactions).to.equal(1);
      await forceInclude(devnet, censored, a!.chainId, raw);
      const hash = await sent;
      const status = devnet.sequencer.transactionStatus(hash)!;
      expect(status.status).to.equal("included");
      await allPosted(devnet);
      expect(await inboxRead<bigint>(devnet, "nextForced")).to.equal(1n);
      expect((await verify(devnet)).ok).to.equal(true);
    });
  });

  describe("of 4 in slot mode, whose leader crashes", function () {
    let devnet: Devnet;
    before(async function () {
      devnet = await startTestDevnet({ rollups: 2, sequencers: 4, slotMs: 100 });
    });
    after(async () => devnet?.stop());

    it("misses the slots of the crashed leader's views, then goes on with the next leader: nothing accepted is lost", async function () {
      const [a] = devnet.rollups;
      await waitUntil(() => devnet.sequencer.status().slot >= 2, { what: "two slots" });
      devnet.sequencer.injectFault({ kind: "crash", node: "leader" });
      const hashes: Hex[] = [];
      for (let nonce = 0; nonce < 4; nonce++) {
        hashes.push(await a!.provider.request({ method: "eth_sendRawTransaction", params: [await signTransfer(devnet, a!.chainId, 1, nonce, RECIPIENT, 1n)] }));
      }
      await waitUntil(() => hashes.every((hash) => devnet.sequencer.transactionStatus(hash)?.status === "included"), { what: "every transfer included" });
      await waitUntil(() => devnet.sequencer.status().failovers >= 1, { what: "a failover" });
      const slotAfter = devnet.sequencer.status().slot;
      await waitUntil(() => devnet.sequencer.status().slot >= slotAfter + 3, { what: "three more slots" });
      await devnet.sequencer.flush();
      expect((await verify(devnet)).ok).to.equal(true);
    });

    it("stops when fewer members are up than a quorum, and says so: a committee of 4 tolerates one fault", async function () {
      expect(devnet.sequencer.status().healthy).to.equal(true);
      const up = devnet.sequencer.status().members.findIndex((member) => member.status === "up");
      const second = devnet.sequencer.injectFault({ kind: "crash", node: up });
      expect(devnet.sequencer.status().healthy).to.equal(false);
      devnet.sequencer.clearFault(second);
      expect(devnet.sequencer.status().healthy).to.equal(true);
    });
  });

  describe("of 3 relaying cross-rollup messages", function () {
    let devnet: Devnet;
    before(async function () {
      devnet = await startTestDevnet({ rollups: 2, sequencers: 3, batchMs: 50 });
    });
    after(async () => devnet?.stop());

    it("has each slot's leader relay its actions, which every rollup's messenger takes from any member, and L1 pairs them", async function () {
      const [a, b] = devnet.rollups as [Devnet["rollups"][0], Devnet["rollups"][0]];
      const greeter = artifact("Greeter");
      const deployer = accountAddress(devnet, 19);
      for (const rollup of devnet.rollups) await rollup.walletClient.deployContract({ abi: greeter.abi, bytecode: greeter.bytecode, account: deployer });
      const address = getContractAddress({ from: deployer, nonce: 0n });
      const relayers = new Set<string>();
      for (let nonce = 0; nonce < 3; nonce++) {
        const data = encodeFunctionData({ abi: greeter.abi, functionName: "greet", args: [BigInt(b.chainId), `hello ${nonce}`] });
        const raw = await signTransaction(devKey(devnet, 2), { chainId: a.chainId, nonce, to: address, data, gas: 300_000n });
        await a.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
        // The action is the last transaction on B once the trigger's slot is done.
        const relay = (await b.publicClient.getBlock({ blockTag: "latest", includeTransactions: true })).transactions.at(-1)!;
        relayers.add(getAddress(relay.from));
      }
      expect(await b.publicClient.readContract({ address, abi: greeter.abi, functionName: "greetingFrom", args: [BigInt(a.chainId)] })).to.equal("hello 2");
      // Leaders rotate with every slot: the relays came from more than one member, and every one of them is a member.
      const members = sequencerAccounts(3).map((key) => key.address);
      expect(relayers.size).to.be.greaterThan(1);
      for (const relayer of relayers) expect(members).to.include(relayer);
      await allPosted(devnet);
      expect((await verify(devnet)).ok).to.equal(true);
    });
  });

  describe("with gossip latency (manual mode)", function () {
    let devnet: Devnet;
    const gossipMs = 1_500;
    before(async function () {
      devnet = await startTestDevnet({ rollups: 2, sequencers: 4, manual: true, gossipMs });
    });
    after(async () => devnet?.stop());

    it("has the leader order only what has reached it: a transaction sent through another member's endpoint waits for gossip", async function () {
      const [, b] = devnet.rollups;
      // Rollup 1's endpoint is member 1's; member 0 leads view 0.
      expect(devnet.sequencer.status().leader).to.equal(sequencerAccounts(4)[0]!.address);
      const raw = await signTransfer(devnet, b!.chainId, 1, 0, RECIPIENT, 1n);
      const hash = await b!.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
      const early = await devnet.sequencer.produceSlot();
      expect(early?.included ?? []).to.deep.equal([]);
      expect(devnet.sequencer.transactionStatus(hash)?.status).to.equal("pending");
      await new Promise((resolve) => setTimeout(resolve, gossipMs));
      const late = await devnet.sequencer.produceSlot();
      expect(late?.included.map(({ transaction }) => transaction.hash)).to.deep.equal([hash]);
    });
  });

  describe("restarted from its data directory", function () {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "xrollup-committee-"));
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    it("keeps its view and the members L1 removed, and goes on certifying batches", async function () {
      const config = { rollups: 2, sequencers: 4, batchMs: 50, viewTimeoutMs: 100, dataDir: dir } as const;
      const first = await startTestDevnet({ ...config, faults: [{ kind: "equivocate", node: 2 }] });
      const [a] = first.rollups;
      for (let nonce = 0; first.sequencer.status().equivocationsProved === 0; nonce++) {
        expect(nonce).to.be.below(8);
        const raw = await signTransfer(first, a!.chainId, 1, nonce, RECIPIENT, 1n);
        await a!.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
      }
      await first.sequencer.flush();
      const before = first.sequencer.status();
      await first.stop();

      const second = await startTestDevnet(config);
      try {
        const after = second.sequencer.status();
        expect(after.members).to.deep.equal(before.members.map((member) => ({ ...member, status: member.status === "equivocating" ? "removed" : member.status })));
        expect(after.view).to.be.at.least(before.view);
        const [rollup] = second.rollups;
        const nonce = await second.sequencer.pendingNonce(rollup!.chainId, accountAddress(second, 1));
        const hash = await rollup!.provider.request({ method: "eth_sendRawTransaction", params: [await signTransfer(second, rollup!.chainId, 1, nonce, RECIPIENT, 1n)] });
        expect(second.sequencer.transactionStatus(hash)?.status).to.equal("included");
        await allPosted(second);
        expect((await verify(second)).ok).to.equal(true);
      } finally {
        await second.stop();
      }
    });
  });

  describe("forced inclusion with a single sequencer (manual mode)", function () {
    let devnet: Devnet;
    const user = 4;

    before(async function () {
      devnet = await startTestDevnet({ rollups: 2, manual: true, forceInclusionDelay: 3 });
    });
    after(async () => devnet?.stop());

    it("drops a forced transaction that sends a cross-rollup message (forced-message), and verify agrees", async function () {
      const [a, b] = devnet.rollups;
      const { abi } = artifact("L2ToL2CrossDomainMessenger");
      const data = encodeFunctionData({ abi, functionName: "sendMessage", args: [BigInt(b!.chainId), RECIPIENT, "0x"] });
      const withMessage = await signTransaction(devKey(devnet, user), {
        chainId: a!.chainId,
        nonce: 0,
        to: MESSENGER_ADDRESS,
        data,
        gas: 200_000n,
      });
      await forceInclude(devnet, user, a!.chainId, withMessage);
      const slot = await devnet.sequencer.produceSlot();
      expect(slot?.dropped.map(({ reason }) => reason.code)).to.deep.equal(["forced-message"]);
      expect(slot?.forcedEnd).to.equal(1);
      await devnet.sequencer.flush();
      expect((await verify(devnet)).ok).to.equal(true);
      expect(await a!.publicClient.getTransactionCount({ address: accountAddress(devnet, user) })).to.equal(0);
    });

    it("lets anyone force inclusion on L1 after the deadline while the sequencer is down, and the sequencer builds on it when back", async function () {
      const [a] = devnet.rollups;
      const crash = devnet.sequencer.injectFault({ kind: "crash", forSlots: 1_000 });
      const raw = await signTransfer(devnet, a!.chainId, user, 0, RECIPIENT, 7n);
      await forceInclude(devnet, user, a!.chainId, raw);
      const { abi } = sharedInboxArtifact();
      const forceInclusion = () =>
        devnet.l1.walletClient.writeContract({
          address: inboxAddress(devnet),
          abi,
          functionName: "forceInclusion",
          account: accountAddress(devnet, user),
          chain: devnet.l1.chain,
        });
      // Before the deadline, nobody may.
      const early = await forceInclusion().then(
        () => "accepted",
        (error: unknown) => String(error),
      );
      expect(early).to.match(/NothingOverdue/);
      await (devnet.l1.provider as unknown as { request: (call: { method: string; params: unknown[] }) => Promise<unknown> }).request({ method: "hardhat_mine", params: ["0x5"] });
      await forceInclusion();
      expect(await inboxRead<bigint>(devnet, "nextForced")).to.equal(2n);
      expect((await verify(devnet)).ok).to.equal(true);

      devnet.sequencer.clearFault(crash);
      const slot = await devnet.sequencer.produceSlot();
      expect(slot?.included.map(({ transaction }) => transaction.raw)).to.deep.equal([raw]);
      await devnet.sequencer.flush();
      expect(devnet.sequencer.status().failedPosts).to.equal(0);
      expect(await a!.publicClient.getBalance({ address: RECIPIENT })).to.equal(7n);
      expect((await verify(devnet)).ok).to.equal(true);
    });
  });
});
