import { expect } from "chai";
import { type JsonRpcProvider, Wallet } from "ethers";
import { type Address, encodeFunctionData, getContractAddress, type Hex, keccak256 } from "viem";
import { artifact } from "../../contracts/artifacts.ts";
import type { DevnetUserConfig } from "../../devnet/config.ts";
import { type Devnet, type DevnetChain, startDevnet } from "../../devnet/devnet.ts";
import { JSON_RPC_ERROR_CODES } from "../../errors/base.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { ENGINE_STEPS, InjectedEngineError, InjectedL1PostError, InvalidFaultError } from "../../sequencer/faults.ts";
import type { SequencerStatus } from "../../sequencer/sequencer.ts";
import type { SlotResult } from "../../sequencer/types.ts";
import {
  ethersProvider,
  latestHead,
  type RpcErrorBody,
  rpcErrorOf,
  sendRaw,
  sequencerStatus,
  signWith,
  transactionStatus,
} from "../support/ethers.ts";
import { accountAddress, devKey, inboxAddress, labelAddress, readInboxState, startTestDevnet, waitUntil } from "../support/fixtures.ts";

const relayChain = artifact("MessageRelayChain");
const RECIPIENT = labelAddress("faults recipient");
/** Development accounts by story, so that no story shares a nonce with another. */
const DEPLOYER = 19;
const CRASH = 1;
const POSTER = 2;
const CENSORED = 5;
const PAYS_CENSORED = 6;
const BYSTANDER = 7;
const MESSAGE_SENDER = 8;
const ENGINE_PAYER = 9;
const ENGINE_TRIGGER = 10;
const ENGINE_REVERTER = 12;
const LATE = 11;

describe("faults, injected over HTTP as a researcher would (manual mode)", function () {
  let devnet: Devnet;
  let a: DevnetChain;
  let b: DevnetChain;
  let l1: JsonRpcProvider;
  let onA: JsonRpcProvider;
  let onB: JsonRpcProvider;
  let contract: Address;
  let stopped = false;
  /** Errors of the sequencer's background work and failed slots. */
  const errors: unknown[] = [];
  /** What the devnet did before its first slot: it starts with `faults: [crash for 1 slot]`, as `--fault` gives it. */
  let atStart: { status: SequencerStatus; refusal: RpcErrorBody; missedSlot: SlotResult | undefined; statusAfter: SequencerStatus };

  function wallet(index: number, provider: JsonRpcProvider): Wallet {
    return new Wallet(devKey(devnet, index), provider);
  }

  /** Signs a transaction from a development account with its pending nonce, read over HTTP. */
  async function sign(index: number, rollup: DevnetChain, fields: Omit<Parameters<typeof signWith>[2], "nonce"> & { nonce?: number }): Promise<Hex> {
    const provider = rollup === a ? onA : onB;
    const signer = wallet(index, provider);
    return signWith(signer, rollup.chainId, { nonce: await signer.getNonce("pending"), ...fields });
  }

  function injectFault(fault: unknown): Promise<string> {
    return l1.send("xr_injectFault", [fault]) as Promise<string>;
  }

  function clearFault(id: string): Promise<boolean> {
    return l1.send("xr_clearFault", [id]) as Promise<boolean>;
  }

  function startCall(route: readonly number[], failAtEnd: boolean): Hex {
    return encodeFunctionData({ abi: relayChain.abi, functionName: "start", args: [route.map(BigInt), failAtEnd] });
  }

  async function hops(provider: JsonRpcProvider): Promise<bigint> {
    return BigInt(await provider.call({ to: contract, data: encodeFunctionData({ abi: relayChain.abi, functionName: "hops" }) }));
  }

  async function produceSlot() {
    const result = await devnet.sequencer.produceSlot();
    expect(result, "the slot succeeds").to.not.equal(undefined);
    return result!;
  }

  async function expectVerified(): Promise<void> {
    await devnet.sequencer.flush();
    const verified = await verifyFromL1({ l1: devnet.l1.rpcUrl!, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
    expect(verified.mismatch).to.equal(undefined);
    expect(verified.ok).to.equal(true);
  }

  before(async function () {
    devnet = await startTestDevnet({ rollups: 2, manual: true, faults: [{ kind: "crash", forSlots: 1 }] }, { onError: (error) => errors.push(error) });
    [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
    l1 = ethersProvider(devnet.l1.rpcUrl, devnet.l1.chainId);
    onA = ethersProvider(a.rpcUrl, a.chainId);
    onB = ethersProvider(b.rpcUrl, b.chainId);

    const status = await sequencerStatus(l1);
    const refusal = await rpcErrorOf(sendRaw(onA, await sign(CRASH, a, { to: RECIPIENT, value: 1n })));
    const missedSlot = await devnet.sequencer.produceSlot();
    atStart = { status, refusal, missedSlot, statusAfter: await sequencerStatus(l1) };

    // MessageRelayChain at one address on both rollups: a trigger on A whose message B acts on.
    contract = getContractAddress({ from: accountAddress(devnet, DEPLOYER), nonce: 0n });
    for (const rollup of [a, b]) await sendRaw(rollup === a ? onA : onB, await sign(DEPLOYER, rollup, { data: relayChain.bytecode as Hex, gasLimit: 3_000_000n }));
    await produceSlot();
    for (const provider of [onA, onB]) expect(await provider.getCode(contract)).to.not.equal("0x");
  });

  after(async function () {
    for (const provider of [l1, onA, onB]) provider?.destroy();
    if (!stopped) await devnet?.stop();
  });

  describe("crash", function () {
    it("is in force from the start when given to startDevnet (--fault), and one missed slot ends it", function () {
      expect(atStart.status).to.deep.include({ state: "down", healthy: false, slot: 0 });
      expect(atStart.status.activeFaults).to.deep.equal([{ id: "fault-1", kind: "crash", forSlots: 1 }]);
      expect(atStart.refusal.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
      expect(atStart.refusal.data).to.deep.equal({ reasonCode: "sequencer-down", faultId: "fault-1" });
      expect(atStart.missedSlot).to.equal(undefined);
      expect(atStart.statusAfter).to.deep.include({ state: "running", healthy: true, slot: 0, activeFaults: [] });
    });

    it("refuses rollup writes and serves reads while down, then includes what it accepted before, nothing lost", async function () {
      const sender = accountAddress(devnet, CRASH);
      const before = await sign(CRASH, a, { to: RECIPIENT, value: 10n });
      expect(await sendRaw(onA, before)).to.equal(keccak256(before));
      const during = await sign(CRASH, a, { to: RECIPIENT, value: 11n });

      const id = await injectFault({ kind: "crash", forSlots: 2 });
      const refusal = await rpcErrorOf(sendRaw(onA, during));
      expect(refusal.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
      expect(refusal.data).to.deep.equal({ reasonCode: "sequencer-down", faultId: id });
      // eth_sendTransaction (the devnet signs) is a write too.
      const signed = await rpcErrorOf(onB.send("eth_sendTransaction", [{ from: sender, to: RECIPIENT, value: "0x1" }]));
      expect(signed.data).to.deep.equal({ reasonCode: "sequencer-down", faultId: id });
      expect(await transactionStatus(onA, keccak256(during))).to.equal(null);
      // Reads still work.
      expect(await onA.getBlockNumber()).to.be.a("number");
      expect(await onA.getBalance(sender)).to.be.a("bigint");
      const down = await sequencerStatus(l1);
      expect(down).to.deep.include({ state: "down", healthy: false, pendingTransactions: 1 });
      expect(down.activeFaults).to.deep.equal([{ id, kind: "crash", forSlots: 2 }]);

      expect(await devnet.sequencer.produceSlot()).to.equal(undefined);
      expect((await sequencerStatus(l1)).activeFaults).to.deep.equal([{ id, kind: "crash", forSlots: 1 }]);
      expect(await devnet.sequencer.produceSlot()).to.equal(undefined);
      const up = await sequencerStatus(l1);
      expect(up).to.deep.include({ state: "running", healthy: true, activeFaults: [] });
      expect((await transactionStatus(onA, keccak256(before)))?.status).to.equal("pending");

      expect(await sendRaw(onA, during)).to.equal(keccak256(during));
      await produceSlot();
      for (const raw of [before, during]) expect((await transactionStatus(onA, keccak256(raw)))?.status).to.equal("included");
      expect(await onA.getBalance(RECIPIENT)).to.equal(21n);
    });

    it("resumes on xr_clearFault, and a second clear of the same id answers false", async function () {
      const id = await injectFault({ kind: "crash", forSlots: 1_000 });
      expect((await sequencerStatus(l1)).state).to.equal("down");
      expect(await clearFault(id)).to.equal(true);
      expect(await sequencerStatus(l1)).to.deep.include({ state: "running", healthy: true, activeFaults: [] });
      expect(await clearFault(id)).to.equal(false);
      const raw = await sign(CRASH, a, { to: RECIPIENT, value: 1n });
      await sendRaw(onA, raw);
      await produceSlot();
      expect((await transactionStatus(onA, keccak256(raw)))?.status).to.equal("included");
    });
  });

  describe("fail-l1-post", function () {
    it("keeps included transactions without a batch while posts fail, then lands the batches in order", async function () {
      await devnet.sequencer.flush();
      const postedBefore = devnet.sequencer.batches.length;
      const errorCount = errors.length;
      const first = await sign(POSTER, a, { to: RECIPIENT, value: 1n });
      await sendRaw(onA, first);
      await produceSlot();

      const id = await injectFault({ kind: "fail-l1-post", count: 2 });
      expect((await sequencerStatus(l1)).activeFaults).to.deep.equal([{ id, kind: "fail-l1-post", count: 2 }]);
      await devnet.sequencer.flush();
      const failing = await sequencerStatus(l1);
      expect(failing.failedPosts).to.be.at.least(1);
      expect(failing).to.deep.include({ healthy: false, state: "running" });
      expect(failing.unbatchedSlots).to.be.at.least(1);
      expect(await transactionStatus(onA, keccak256(first))).to.deep.include({ status: "included", batch: null });

      const second = await sign(POSTER, b, { to: RECIPIENT, value: 1n });
      await sendRaw(onB, second);
      await produceSlot();
      // Manual mode posts on flush; the queue retries (50 ms, then doubling) until L1 takes the batch.
      await devnet.sequencer.flush();
      await waitUntil(async () => (await transactionStatus(onB, keccak256(second)))?.batch !== null, { what: "the retried batch" });

      const recovered = await sequencerStatus(l1);
      expect(recovered).to.deep.include({ failedPosts: 0, unbatchedSlots: 0, healthy: true, activeFaults: [] });
      expect(errors.slice(errorCount).filter((error) => error instanceof InjectedL1PostError)).to.have.length(2);
      const batches = devnet.sequencer.batches;
      expect(batches.length).to.be.greaterThan(postedBefore);
      expect(batches.map((batch) => batch.number)).to.deep.equal(batches.map((_, index) => index + 1));
      for (const [index, batch] of batches.entries()) {
        if (index > 0) expect(batch.slots.first).to.equal(batches[index - 1]!.slots.last + 1);
      }
      expect((await readInboxState(devnet)).batchNumber).to.equal(batches.length);
      for (const [provider, raw] of [[onA, first], [onB, second]] as const) {
        const { batch } = (await transactionStatus(provider, keccak256(raw)))!;
        expect(batch?.number).to.be.greaterThan(postedBefore);
        expect((await l1.getTransactionReceipt(batch!.l1TxHash))?.status).to.equal(1);
      }
      expect(recovered.lastBatch?.number).to.equal(batches.length);
    });
  });

  describe("delay-batches", function () {
    it("holds a batch back: the transaction is included without a batch until the post is done", async function () {
      const id = await injectFault({ kind: "delay-batches", ms: 500 });
      const raw = await sign(POSTER, a, { to: RECIPIENT, value: 1n });
      await sendRaw(onA, raw);
      await produceSlot();
      const flushing = devnet.sequencer.flush();
      expect(await transactionStatus(onA, keccak256(raw))).to.deep.include({ status: "included", batch: null });
      expect((await sequencerStatus(l1)).unbatchedSlots).to.equal(1);
      await flushing;
      const { batch } = (await transactionStatus(onA, keccak256(raw)))!;
      expect(batch?.number).to.equal(devnet.sequencer.batches.length);
      expect(await clearFault(id)).to.equal(true);
    });
  });

  describe("censor", function () {
    it("holds back, silently, transactions from or to the address while others are included; clearing lets them in", async function () {
      const censored = accountAddress(devnet, CENSORED);
      const id = await injectFault({ kind: "censor", address: censored });
      const fromCensored = await sign(CENSORED, a, { to: RECIPIENT, value: 1n });
      const toCensored = await sign(PAYS_CENSORED, a, { to: censored, value: 1n });
      const fromCensoredOnB = await sign(CENSORED, b, { to: RECIPIENT, value: 1n });
      const other = await sign(BYSTANDER, a, { to: RECIPIENT, value: 1n });
      const held: [JsonRpcProvider, Hex][] = [[onA, fromCensored], [onA, toCensored], [onB, fromCensoredOnB]];
      for (const [provider, raw] of [...held, [onA, other] as const]) expect(await sendRaw(provider, raw)).to.equal(keccak256(raw));

      await produceSlot();
      await produceSlot();
      expect((await transactionStatus(onA, keccak256(other)))?.status).to.equal("included");
      for (const [provider, raw] of held) expect(await transactionStatus(provider, keccak256(raw))).to.deep.include({ status: "pending", batch: null });
      expect((await sequencerStatus(l1)).pendingTransactions).to.equal(3);
      expect(await onA.getTransactionCount(censored)).to.equal(0);

      expect(await clearFault(id)).to.equal(true);
      await produceSlot();
      for (const [provider, raw] of held) expect((await transactionStatus(provider, keccak256(raw)))?.status).to.equal("included");
      expect((await sequencerStatus(l1)).pendingTransactions).to.equal(0);
    });

    it("censors on one rollup only when given its chainId", async function () {
      const censored = accountAddress(devnet, CENSORED);
      const id = await injectFault({ kind: "censor", address: censored.toLowerCase(), chainId: a.chainId });
      expect((await sequencerStatus(l1)).activeFaults).to.deep.equal([{ id, kind: "censor", address: censored, chainId: a.chainId }]);
      const onRollupA = await sign(CENSORED, a, { to: RECIPIENT, value: 1n });
      const onRollupB = await sign(CENSORED, b, { to: RECIPIENT, value: 1n });
      await sendRaw(onA, onRollupA);
      await sendRaw(onB, onRollupB);
      await produceSlot();
      expect((await transactionStatus(onA, keccak256(onRollupA)))?.status).to.equal("pending");
      expect((await transactionStatus(onB, keccak256(onRollupB)))?.status).to.equal("included");
      expect(await clearFault(id)).to.equal(true);
      await produceSlot();
      expect((await transactionStatus(onA, keccak256(onRollupA)))?.status).to.equal("included");
    });
  });

  describe("withhold-relay", function () {
    it("drops a trigger whose message it would have to relay, with reasonCode relay-withheld, and changes nothing on either rollup", async function () {
      const id = await injectFault({ kind: "withhold-relay", chainId: b.chainId });
      const sender = accountAddress(devnet, MESSAGE_SENDER);
      const trigger = await sign(MESSAGE_SENDER, a, { to: contract, data: startCall([b.chainId], false), gasLimit: 1_000_000n });
      const heads = await Promise.all([onA, onB].map(latestHead));
      const hopsBefore = await Promise.all([onA, onB].map(hops));

      await sendRaw(onA, trigger);
      await produceSlot();
      const dropped = await transactionStatus(onA, keccak256(trigger));
      expect(dropped).to.deep.include({ status: "dropped", reasonCode: "relay-withheld", globalSeq: null });
      expect(await Promise.all([onA, onB].map(latestHead))).to.deep.equal(heads);
      expect(await Promise.all([onA, onB].map(hops))).to.deep.equal(hopsBefore);
      expect(await onA.getTransactionCount(sender)).to.equal(0);

      expect(await clearFault(id)).to.equal(true);
      // The same signed bytes, sent again once relays flow: a new attempt.
      await sendRaw(onA, trigger);
      await produceSlot();
      const included = await transactionStatus(onA, keccak256(trigger));
      expect(included).to.deep.include({ status: "included" });
      expect(included?.attempts?.map((attempt) => attempt.reasonCode)).to.deep.equal(["relay-withheld"]);
      expect(included?.relays?.map((relay) => relay.chainId)).to.deep.equal([b.chainId]);
      expect(await Promise.all([onA, onB].map(hops))).to.deep.equal(hopsBefore.map((count) => count + 1n));
    });
  });

  describe("engine-error", function () {
    for (const step of ENGINE_STEPS) {
      it(`at "${step}" on B: the next slot fails, its transactions wait, the slot after includes them, and L1 re-derives it`, async function () {
        // A transfer on B, a trigger on A whose message B acts on, and a call on B that reverts: B snapshots,
        // mines, goes back (the group runs again around the reverting call), reads and calls.
        const transfer = await sign(ENGINE_PAYER, b, { to: RECIPIENT, value: 1n });
        const trigger = await sign(ENGINE_TRIGGER, a, { to: contract, data: startCall([b.chainId], false), gasLimit: 1_000_000n });
        const reverting = await sign(ENGINE_REVERTER, b, { to: contract, data: "0xdeadbeef", gasLimit: 100_000n });
        await sendRaw(onB, transfer);
        await sendRaw(onA, trigger);
        await sendRaw(onB, reverting);
        const heads = await Promise.all([onA, onB].map(latestHead));
        const before = await sequencerStatus(l1);
        const errorCount = errors.length;

        const id = await injectFault({ kind: "engine-error", chainId: b.chainId, step });
        expect((await sequencerStatus(l1)).activeFaults).to.deep.equal([{ id, kind: "engine-error", chainId: b.chainId, step }]);
        expect(await devnet.sequencer.produceSlot()).to.equal(undefined);

        const injected = errors.slice(errorCount).filter((error) => error instanceof InjectedEngineError);
        expect(injected.map((error) => error.message)).to.deep.equal([new InjectedEngineError({ chainId: b.chainId, step }).message]);
        expect(await Promise.all([onA, onB].map(latestHead))).to.deep.equal(heads);
        const failed = await sequencerStatus(l1);
        expect(failed).to.deep.include({ slot: before.slot, pendingTransactions: 3, activeFaults: [] });
        for (const [provider, raw] of [[onB, transfer], [onA, trigger]] as const) {
          expect(await transactionStatus(provider, keccak256(raw))).to.deep.include({ status: "pending", globalSeq: null });
        }

        const result = await produceSlot();
        expect(result.slot).to.equal(before.slot + 1);
        const triggerStatus = (await transactionStatus(onA, keccak256(trigger)))!;
        const transferStatus = (await transactionStatus(onB, keccak256(transfer)))!;
        expect(triggerStatus.status).to.equal("included");
        expect(transferStatus.status).to.equal("included");
        expect(await transactionStatus(onB, keccak256(reverting))).to.deep.include({ status: "dropped", reasonCode: "reverted" });
        const globalSeqs = [transferStatus.globalSeq!, triggerStatus.globalSeq!, triggerStatus.relays![0]!.globalSeq!].sort((x, y) => x - y);
        expect(globalSeqs).to.deep.equal([globalSeqs[0]!, globalSeqs[0]! + 1, globalSeqs[0]! + 2]);
        await expectVerified();
      });
    }

    it('at "read" on B: intake on B is not a slot step, and keeps answering while the fault waits for a slot', async function () {
      const transfer = await sign(ENGINE_PAYER, b, { to: RECIPIENT, value: 1n });
      const id = await injectFault({ kind: "engine-error", chainId: b.chainId, step: "read" });
      expect(await onB.getTransactionCount(accountAddress(devnet, ENGINE_PAYER), "pending")).to.be.a("number");
      expect(await sendRaw(onB, transfer)).to.equal(keccak256(transfer));
      expect((await sequencerStatus(l1)).activeFaults).to.deep.equal([{ id, kind: "engine-error", chainId: b.chainId, step: "read" }]);
      await produceSlot();
      expect((await transactionStatus(onB, keccak256(transfer)))?.status).to.equal("included");
      expect(await clearFault(id)).to.equal(true);
    });
  });

  describe("bad input", function () {
    const cases: [story: string, fault: unknown, field: string | undefined][] = [
      ["an unknown kind", { kind: "meteor" }, "kind"],
      ["a crash without forSlots", { kind: "crash" }, "forSlots"],
      ["a crash for zero slots", { kind: "crash", forSlots: 0 }, "forSlots"],
      ["a fail-l1-post with a fractional count", { kind: "fail-l1-post", count: 1.5 }, "count"],
      ["a delay-batches with a negative delay", { kind: "delay-batches", ms: -1 }, "ms"],
      ["a censor without an address", { kind: "censor" }, "address"],
      ["a censor on an unknown rollup", { kind: "censor", address: RECIPIENT, chainId: 4242 }, "chainId"],
      ["a withhold-relay on an unknown rollup", { kind: "withhold-relay", chainId: "901" }, "chainId"],
      ["an engine-error without a chainId", { kind: "engine-error", step: "mine" }, "chainId"],
      ["an engine-error at an unknown step", { kind: "engine-error", chainId: 901, step: "explode" }, "step"],
      ["a string instead of an object", "crash", undefined],
    ];
    for (const [story, fault, field] of cases) {
      it(`answers ${story} with -32602${field === undefined ? "" : ` naming "${field}"`}, and injects nothing`, async function () {
        const before = await sequencerStatus(l1);
        const error = await rpcErrorOf(injectFault(fault));
        expect(error.code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
        expect(error.data).to.deep.equal(field === undefined ? undefined : { field });
        expect((await sequencerStatus(l1)).activeFaults).to.deep.equal(before.activeFaults);
      });
    }

    it("refuses a bad fault given to startDevnet, naming the field", async function () {
      const config: DevnetUserConfig = { rollups: 1, rpc: false, manual: true, faults: [{ kind: "engine-error", chainId: 901, step: "nap" }] };
      const error = await startDevnet(config).then(
        async (started) => {
          await started.stop();
          return expect.fail("the devnet started");
        },
        (thrown: unknown) => thrown,
      );
      expect(error).to.be.instanceOf(InvalidFaultError);
      expect((error as InvalidFaultError).data).to.deep.equal({ field: "step" });
    });
  });

  describe("censor, then stop", function () {
    it("drops what it still censors when the devnet stops, with reasonCode censored, and includes the rest", async function () {
      const censored = accountAddress(devnet, CENSORED);
      await injectFault({ kind: "censor", address: censored });
      const held = await sign(CENSORED, a, { to: RECIPIENT, value: 1n });
      const free = await sign(LATE, a, { to: RECIPIENT, value: 1n });
      await sendRaw(onA, held);
      await sendRaw(onA, free);
      stopped = true;
      await devnet.stop();
      expect(devnet.sequencer.transactionStatus(keccak256(held))).to.deep.include({ status: "dropped", reasonCode: "censored" });
      expect(devnet.sequencer.transactionStatus(keccak256(free))?.status).to.equal("included");
      expect(devnet.sequencer.status().state).to.equal("stopped");
    });
  });
});
