import { expect } from "chai";
import { encodeFunctionData, getContractAddress, type Hex, keccak256, toHex } from "viem";
import { artifact } from "../../contracts/artifacts.ts";
import { type Devnet, type DevnetChain, startDevnet } from "../../devnet/devnet.ts";
import { devAccounts } from "../../rollups/accounts.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { type EngineStep, InjectedEngineError, InterceptedEngine } from "../../sequencer/faults.ts";
import type { RollupEngine } from "../../sequencer/ports.ts";
import type { SlotResult } from "../../sequencer/types.ts";
import { labelAddress, signTransaction } from "../support/fixtures.ts";

/** One engine call, as the counter logs it. */
interface EngineCall {
  chainId: number;
  step: EngineStep;
}

/**
 * Counts the engine calls of every rollup, in the order they are made, and
 * makes the k-th one throw (before it reaches the chain, as a failing
 * engine would): finer than an `engine-error` fault, which can only hit the
 * first call of a (rollup, step).
 */
class CallCounter {
  calls: EngineCall[] = [];
  /** The call that was made to throw, once it was. */
  thrown: (EngineCall & { index: number }) | undefined;
  #counting = false;
  #throwAt: number | undefined;

  /** Starts counting from zero; the `throwAt`-th call (1-based) throws. */
  arm(throwAt?: number): void {
    this.calls = [];
    this.thrown = undefined;
    this.#counting = true;
    this.#throwAt = throwAt;
  }

  /** Stops counting: calls pass through. */
  disarm(): EngineCall[] {
    this.#counting = false;
    this.#throwAt = undefined;
    return this.calls;
  }

  record(chainId: number, step: EngineStep): void {
    if (!this.#counting) return;
    this.calls.push({ chainId, step });
    if (this.calls.length !== this.#throwAt) return;
    this.thrown = { chainId, step, index: this.calls.length };
    throw new InjectedEngineError({ chainId, step });
  }
}

/** A devnet (two rollups, manual mode, in this process) whose engine calls the {@link CallCounter} counts. */
interface CountingDevnet {
  devnet: Devnet;
  counter: CallCounter;
  /** The rollups' EDR engines, behind the counting ones. */
  engines: RollupEngine[];
  /** Errors of the sequencer's background work and failed slots. */
  errors: unknown[];
}

async function startCountingDevnet(): Promise<CountingDevnet> {
  const counter = new CallCounter();
  const errors: unknown[] = [];
  const engines: RollupEngine[] = [];
  const devnet = await startDevnet(
    { rollups: 2, manual: true },
    {
      onError: (error) => errors.push(error),
      wrapEngine: (engine) => {
        engines.push(engine);
        return new InterceptedEngine(engine, (step) => counter.record(engine.chainId, step));
      },
    },
  );
  return { devnet, counter, engines, errors };
}

/** A rollup's latest block, read from the chain (reads do not go through the sequencer's engines). */
async function latestHead(chain: DevnetChain): Promise<{ number: Hex; hash: Hex; stateRoot: Hex }> {
  return (await chain.provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
    number: Hex;
    hash: Hex;
    stateRoot: Hex;
  };
}

const relayChain = artifact("MessageRelayChain");
const accounts = devAccounts();
/** Development accounts by role. */
const DEPLOYER = 19;
const PAYER_A = 1;
const PAYER_B = 2;
const TRIGGER = 3;
const REVERTER = 4;
const RECIPIENT = labelAddress("slot-atomicity recipient");
const CONTRACT = getContractAddress({ from: accounts[DEPLOYER]!.address, nonce: 0n });

describe("a slot is all or nothing: an engine call that throws, at every step of a busy slot", function () {
  let counting: CountingDevnet;
  let a: DevnetChain;
  let b: DevnetChain;
  /** Next nonce per (rollup, account). */
  const nonces = new Map<string, number>();
  /** Every slot that succeeded, in order. */
  const slots: SlotResult[] = [];
  /** The calls one busy slot makes, counted on a slot that succeeds. */
  let busyCalls: EngineCall[] = [];
  let round = 0;

  function nextNonce(chain: DevnetChain, account: number): number {
    const key = `${chain.chainId}:${account}`;
    const nonce = nonces.get(key) ?? 0;
    nonces.set(key, nonce + 1);
    return nonce;
  }

  async function produce(): Promise<SlotResult> {
    const result = await counting.devnet.sequencer.produceSlot();
    expect(result, "the slot succeeds").to.not.equal(undefined);
    slots.push(result!);
    return result!;
  }

  /**
   * Accepts a busy slot's worth: a transfer on each rollup, a trigger on A
   * whose message B acts on, and a call that reverts (dropped under revert
   * protection). Returns the hashes of what must be included.
   */
  async function acceptBusySlot(): Promise<{ includedHashes: Hex[]; revertingHash: Hex }> {
    round += 1;
    const raws = await Promise.all([
      signTransaction(accounts[PAYER_A]!.privateKey, { chainId: a.chainId, nonce: nextNonce(a, PAYER_A), to: RECIPIENT, value: BigInt(round) }),
      signTransaction(accounts[PAYER_B]!.privateKey, { chainId: b.chainId, nonce: nextNonce(b, PAYER_B), to: RECIPIENT, value: BigInt(round) }),
      signTransaction(accounts[TRIGGER]!.privateKey, {
        chainId: a.chainId,
        nonce: nextNonce(a, TRIGGER),
        to: CONTRACT,
        data: encodeFunctionData({ abi: relayChain.abi, functionName: "start", args: [[BigInt(b.chainId)], false] }),
        gas: 1_000_000n,
      }),
    ]);
    const reverting = await revertingCall(round);
    const chains = [a, b, a];
    for (const [index, raw] of raws.entries()) await counting.devnet.sequencer.accept(chains[index]!.chainId, raw);
    await counting.devnet.sequencer.accept(a.chainId, reverting);
    return { includedHashes: raws.map((raw) => keccak256(raw)), revertingHash: keccak256(reverting) };
  }

  /** A call that reverts (dropped under revert protection, so its nonce stays free); `variant` makes its bytes new. */
  function revertingCall(variant: number): Promise<Hex> {
    return signTransaction(accounts[REVERTER]!.privateKey, {
      chainId: a.chainId,
      nonce: 0,
      to: CONTRACT,
      // hop() only takes calls from the messenger: from a user it reverts.
      data: encodeFunctionData({ abi: relayChain.abi, functionName: "hop", args: [[BigInt(variant)], false] }),
      gas: 300_000n,
    });
  }

  async function hops(chain: DevnetChain): Promise<bigint> {
    const data = encodeFunctionData({ abi: relayChain.abi, functionName: "hops" });
    return BigInt((await chain.provider.request({ method: "eth_call", params: [{ to: CONTRACT, data }, "latest"] })) as Hex);
  }

  async function expectIncludedBusySlot(result: SlotResult, includedHashes: readonly Hex[], revertingHash: Hex): Promise<void> {
    const included = result.included.map(({ transaction }) => transaction);
    for (const hash of includedHashes) expect(included.map((transaction) => transaction.hash)).to.include(hash);
    // The trigger's relay on B, after the slot's transactions (its group's next wave).
    const relays = included.filter((transaction) => transaction.relayOf !== undefined);
    expect(relays.map((relay) => [relay.chainId, relay.relayOf])).to.deep.equal([[b.chainId, includedHashes[2]]]);
    expect(result.dropped.map(({ transaction, reason }) => [transaction.hash, reason.code])).to.deep.equal([[revertingHash, "reverted"]]);
  }

  async function expectVerified(): Promise<void> {
    await counting.devnet.sequencer.flush();
    const verified = await verifyFromL1({
      l1: counting.devnet.l1.provider,
      inbox: counting.devnet.l1.contracts.SharedInbox!,
      startEngine: startGenesisEngine,
    });
    expect(verified.mismatch).to.equal(undefined);
    expect(verified.ok).to.equal(true);
  }

  before(async function () {
    counting = await startCountingDevnet();
    [a, b] = counting.devnet.rollups as [DevnetChain, DevnetChain];
    const deployer = accounts[DEPLOYER]!;
    for (const chain of [a, b]) {
      const raw = await signTransaction(deployer.privateKey, {
        chainId: chain.chainId,
        nonce: nextNonce(chain, DEPLOYER),
        data: relayChain.bytecode,
        gas: 3_000_000n,
      });
      await counting.devnet.sequencer.accept(chain.chainId, raw);
    }
    await produce();
  });

  after(async function () {
    await counting?.devnet.stop();
  });

  it("runs the busy slot once, counting its engine calls: every step on both rollups", async function () {
    const { includedHashes, revertingHash } = await acceptBusySlot();
    counting.counter.arm();
    const result = await produce();
    busyCalls = counting.counter.disarm();
    await expectIncludedBusySlot(result, includedHashes, revertingHash);
    const steps = new Set(busyCalls.map(({ chainId, step }) => `${step}@${chainId}`));
    for (const chain of [a, b]) for (const step of ["snapshot", "mine", "revert", "call"]) expect(steps).to.include(`${step}@${chain.chainId}`);
    expect(steps).to.include(`read@${b.chainId}`);
    await expectVerified();
  });

  it("leaves every rollup as it was when any one call throws, and the next slot includes everything", async function () {
    expect(busyCalls.length).to.be.greaterThan(0);
    for (let k = 1; k <= busyCalls.length; k++) {
      const { includedHashes, revertingHash } = await acceptBusySlot();
      const heads = await Promise.all([a, b].map(latestHead));
      const slot = counting.devnet.sequencer.status().slot;
      const errorCount = counting.errors.length;

      counting.counter.arm(k);
      const failed = await counting.devnet.sequencer.produceSlot();
      counting.counter.disarm();
      const thrown = counting.counter.thrown;
      const at = `call ${k} of ${busyCalls.length} (${thrown?.step} on rollup ${thrown?.chainId})`;

      expect(thrown, `call ${k} was made`).to.not.equal(undefined);
      expect(failed, at).to.equal(undefined);
      expect(counting.errors.slice(errorCount).some((error) => error instanceof InjectedEngineError), at).to.equal(true);
      expect(await Promise.all([a, b].map(latestHead)), at).to.deep.equal(heads);
      expect(counting.devnet.sequencer.status().slot, at).to.equal(slot);
      for (const hash of [...includedHashes, revertingHash]) {
        expect(counting.devnet.sequencer.transactionStatus(hash)?.status, `${at}: ${hash}`).to.equal("pending");
      }
      expect(counting.devnet.sequencer.pendingCount, at).to.equal(4);

      const result = await produce();
      await expectIncludedBusySlot(result, includedHashes, revertingHash);
      expect(counting.devnet.sequencer.pendingCount, at).to.equal(0);
      await expectVerified();
    }
  });

  it("numbers every included transaction 0..n-1 without gaps, across all those slots", function () {
    const globalSeqs = slots.flatMap((slot) => slot.included.map(({ inclusion }) => inclusion.globalSeq));
    expect(globalSeqs).to.deep.equal(globalSeqs.map((_, index) => index));
  });

  it("ran each trigger exactly once on A and its action exactly once on B", async function () {
    // One successful busy slot per round, the counted one included.
    expect(await hops(a)).to.equal(BigInt(round));
    expect(await hops(b)).to.equal(BigInt(round));
  });

  it("counts failed slots per attempt: a transaction sent again after a drop starts from zero", async function () {
    const raw = await revertingCall(1_000_000);
    const hash = keccak256(raw);
    const failSlot = async () => {
      counting.counter.arm(1);
      expect(await counting.devnet.sequencer.produceSlot()).to.equal(undefined);
      counting.counter.disarm();
    };
    await counting.devnet.sequencer.accept(a.chainId, raw);
    await failSlot();
    await failSlot();
    await produce();
    expect(counting.devnet.sequencer.transactionStatus(hash)?.reasonCode).to.equal("reverted");

    await counting.devnet.sequencer.accept(a.chainId, raw);
    await failSlot();
    // One failure of this attempt: it waits for the next slot.
    expect(counting.devnet.sequencer.transactionStatus(hash)?.status).to.equal("pending");
    await produce();
    const status = counting.devnet.sequencer.transactionStatus(hash);
    expect(status?.reasonCode).to.equal("reverted");
    expect(status?.attempts?.map((attempt) => attempt.reasonCode)).to.deep.equal(["reverted"]);
  });

  it("re-derives both rollups from L1 after the failures", async function () {
    await expectVerified();
  });

  it("leaves none of its snapshots in EDR after all those slots, succeeded or failed", async function () {
    for (const engine of counting.engines) {
      // A snapshot taken now gets the next EDR id; every id below it is one the sequencer took. A revert to an
      // id succeeds only while EDR holds it (and drops it and every later one), so ask from the newest down.
      const probe = BigInt((await engine.snapshot()).id as Hex);
      const held: bigint[] = [];
      for (let id = probe - 1n; id >= 1n; id--) {
        if (await engine.revert({ id: toHex(id) }).then(() => true, () => false)) held.push(id);
      }
      expect(held, `snapshots EDR still holds on rollup ${engine.chainId}, of ${probe - 1n} taken`).to.deep.equal([]);
    }
  });
});
