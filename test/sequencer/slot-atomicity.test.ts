import { expect } from "chai";
import {
  type Address,
  concat,
  type EIP1193Provider,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  keccak256,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { artifact } from "../../contracts/artifacts.ts";
import { defaultSequencerAccount, devAccounts } from "../../rollups/accounts.ts";
import { type Chain, createChain, ROLLUP_BLOCK_GAS_LIMIT } from "../../rollups/chain.ts";
import { EdrRollupEngine, startGenesisEngine } from "../../rollups/edr-engine.ts";
import { installPredeploys } from "../../rollups/predeploys.ts";
import type { InboxState } from "../../sequencer/batch/builder.ts";
import { checkBatch, MAX_BLOCKS_PER_BATCH } from "../../sequencer/batch/check.ts";
import { systemClock } from "../../sequencer/clock.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { createCommittee } from "../../sequencer/encryption/threshold.ts";
import { type EngineStep, InjectedEngineError } from "../../sequencer/faults.ts";
import { BatchPoster, deployInbox } from "../../sequencer/inbox.ts";
import { resolvePolicy } from "../../sequencer/policies/index.ts";
import type { CallRequest, EngineSnapshot, RollupEngine } from "../../sequencer/ports.ts";
import { Relayer } from "../../sequencer/relayer.ts";
import { SharedSequencer } from "../../sequencer/sequencer.ts";
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

/** A rollup engine whose calls the {@link CallCounter} counts, and may make throw. */
class CountingEngine implements RollupEngine {
  readonly chainId: number;
  readonly #inner: RollupEngine;
  readonly #counter: CallCounter;

  constructor(inner: RollupEngine, counter: CallCounter) {
    this.#inner = inner;
    this.#counter = counter;
    this.chainId = inner.chainId;
  }

  async mineBlock(raws: readonly Hex[], timestamp: number) {
    this.#counter.record(this.chainId, "mine");
    return this.#inner.mineBlock(raws, timestamp);
  }

  async snapshot() {
    this.#counter.record(this.chainId, "snapshot");
    return this.#inner.snapshot();
  }

  async revert(snapshot: EngineSnapshot) {
    this.#counter.record(this.chainId, "revert");
    return this.#inner.revert(snapshot);
  }

  async latestBlock() {
    this.#counter.record(this.chainId, "read");
    return this.#inner.latestBlock();
  }

  async block(number: number) {
    this.#counter.record(this.chainId, "read");
    return this.#inner.block(number);
  }

  async nonceOf(address: Address) {
    this.#counter.record(this.chainId, "read");
    return this.#inner.nonceOf(address);
  }

  async balanceOf(address: Address) {
    this.#counter.record(this.chainId, "read");
    return this.#inner.balanceOf(address);
  }

  async call(request: CallRequest, blockNumber?: number) {
    this.#counter.record(this.chainId, "call");
    return this.#inner.call(request, blockNumber);
  }
}

/** A devnet's sequencer, wired from its parts as `startDevnet` wires it, but over counting engines. */
interface CountingDevnet {
  sequencer: SharedSequencer;
  counter: CallCounter;
  rollups: Chain[];
  l1: EIP1193Provider;
  inbox: Address;
  /** Errors of the sequencer's background work and failed slots. */
  errors: unknown[];
  close(): Promise<void>;
}

/**
 * Two rollups and L1 in this process, manual mode. `startDevnet` takes no
 * engine wrapper, so this wires the same parts itself (a `wrapEngine` hook
 * on `startDevnet` would make it one line).
 */
async function startCountingDevnet(): Promise<CountingDevnet> {
  const genesisTimestamp = Math.floor(Date.now() / 1000);
  const l1Chain = await createChain({ name: "L1", chainId: 900, kind: "l1", genesisTimestamp });
  const rollups = await Promise.all(
    [901, 902].map((chainId) => createChain({ name: `rollup-${chainId}`, chainId, kind: "rollup", genesisTimestamp })),
  );
  const close = async () => {
    await Promise.allSettled([l1Chain, ...rollups].map((chain) => chain.close()));
  };
  const key = defaultSequencerAccount();
  const account = privateKeyToAccount(key.privateKey);
  const l1 = l1Chain.provider as unknown as EIP1193Provider;
  await l1Chain.provider.request({ method: "hardhat_setBalance", params: [account.address, toHex(10n ** 22n)] });
  const chainIds = rollups.map((chain) => chain.spec.chainId);
  await Promise.all(rollups.map((chain) => installPredeploys(chain, { sequencer: account.address, chainIds })));
  const heads = await Promise.all(
    rollups.map(async (chain) => {
      const genesis = await latestHead(chain);
      return { chainId: chain.spec.chainId, head: { blockNumber: 0, blockHash: genesis.hash, stateRoot: genesis.stateRoot } };
    }),
  );
  const inbox = await deployInbox(l1, account, { genesisTimestamp, rollups: heads });
  const initial: InboxState = { batchNumber: 0, batchHash: `0x${"00".repeat(32)}`, nextGlobalSeq: 0, heads };
  const counter = new CallCounter();
  const errors: unknown[] = [];
  const seed = toHex(1, { size: 32 });
  const sequencer = new SharedSequencer({
    engines: rollups.map((chain) => new CountingEngine(new EdrRollupEngine(chain), counter)),
    l1: new BatchPoster(l1, account, inbox),
    inbox: initial,
    clock: systemClock,
    blockGasLimit: ROLLUP_BLOCK_GAS_LIMIT,
    maxBlocksPerBatch: Number(MAX_BLOCKS_PER_BATCH),
    checkBatch,
    policy: resolvePolicy("fcfs"),
    mode: { kind: "manual" },
    relayer: new Relayer(key),
    seed,
    committee: createCommittee({ threshold: 2, size: 3, seed: keccak256(concat([seed, toHex("committee")])) }),
    maxMessageDepth: 4,
    revertProtection: true,
    genesisTimestamp,
    onError: (error) => errors.push(error),
  });
  sequencer.start();
  return {
    sequencer,
    counter,
    rollups,
    l1,
    inbox,
    errors,
    close: async () => {
      await sequencer.stop();
      await close();
    },
  };
}

/** A rollup's latest block, read from the chain itself (not through the sequencer's engines). */
async function latestHead(chain: Chain): Promise<{ number: Hex; hash: Hex; stateRoot: Hex }> {
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
  let devnet: CountingDevnet;
  let a: Chain;
  let b: Chain;
  /** Next nonce per (rollup, account). */
  const nonces = new Map<string, number>();
  /** Every slot that succeeded, in order. */
  const slots: SlotResult[] = [];
  /** The calls one busy slot makes, counted on a slot that succeeds. */
  let busyCalls: EngineCall[] = [];
  let round = 0;

  function nextNonce(chain: Chain, account: number): number {
    const key = `${chain.spec.chainId}:${account}`;
    const nonce = nonces.get(key) ?? 0;
    nonces.set(key, nonce + 1);
    return nonce;
  }

  async function produce(): Promise<SlotResult> {
    const result = await devnet.sequencer.produceSlot();
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
      signTransaction(accounts[PAYER_A]!.privateKey, { chainId: a.spec.chainId, nonce: nextNonce(a, PAYER_A), to: RECIPIENT, value: BigInt(round) }),
      signTransaction(accounts[PAYER_B]!.privateKey, { chainId: b.spec.chainId, nonce: nextNonce(b, PAYER_B), to: RECIPIENT, value: BigInt(round) }),
      signTransaction(accounts[TRIGGER]!.privateKey, {
        chainId: a.spec.chainId,
        nonce: nextNonce(a, TRIGGER),
        to: CONTRACT,
        data: encodeFunctionData({ abi: relayChain.abi, functionName: "start", args: [[BigInt(b.spec.chainId)], false] }),
        gas: 1_000_000n,
      }),
    ]);
    const reverting = await revertingCall(round);
    const chains = [a, b, a];
    for (const [index, raw] of raws.entries()) await devnet.sequencer.accept(chains[index]!.spec.chainId, raw);
    await devnet.sequencer.accept(a.spec.chainId, reverting);
    return { includedHashes: raws.map((raw) => keccak256(raw)), revertingHash: keccak256(reverting) };
  }

  /** A call that reverts (dropped under revert protection, so its nonce stays free); `variant` makes its bytes new. */
  function revertingCall(variant: number): Promise<Hex> {
    return signTransaction(accounts[REVERTER]!.privateKey, {
      chainId: a.spec.chainId,
      nonce: 0,
      to: CONTRACT,
      // hop() only takes calls from the messenger: from a user it reverts.
      data: encodeFunctionData({ abi: relayChain.abi, functionName: "hop", args: [[BigInt(variant)], false] }),
      gas: 300_000n,
    });
  }

  async function hops(chain: Chain): Promise<bigint> {
    const data = encodeFunctionData({ abi: relayChain.abi, functionName: "hops" });
    return BigInt((await chain.provider.request({ method: "eth_call", params: [{ to: CONTRACT, data }, "latest"] })) as Hex);
  }

  async function expectIncludedBusySlot(result: SlotResult, includedHashes: readonly Hex[], revertingHash: Hex): Promise<void> {
    const included = result.included.map(({ transaction }) => transaction);
    for (const hash of includedHashes) expect(included.map((transaction) => transaction.hash)).to.include(hash);
    // The trigger's relay on B, right after it.
    const relays = included.filter((transaction) => transaction.relayOf !== undefined);
    expect(relays.map((relay) => [relay.chainId, relay.relayOf])).to.deep.equal([[b.spec.chainId, includedHashes[2]]]);
    expect(result.dropped.map(({ transaction, reason }) => [transaction.hash, reason.code])).to.deep.equal([[revertingHash, "reverted"]]);
  }

  async function expectVerified(): Promise<void> {
    await devnet.sequencer.flush();
    const verified = await verifyFromL1({ l1: devnet.l1, inbox: devnet.inbox, startEngine: startGenesisEngine });
    expect(verified.mismatch).to.equal(undefined);
    expect(verified.ok).to.equal(true);
  }

  before(async function () {
    devnet = await startCountingDevnet();
    [a, b] = devnet.rollups as [Chain, Chain];
    const deployer = accounts[DEPLOYER]!;
    for (const chain of [a, b]) {
      const raw = await signTransaction(deployer.privateKey, {
        chainId: chain.spec.chainId,
        nonce: nextNonce(chain, DEPLOYER),
        data: relayChain.bytecode,
        gas: 3_000_000n,
      });
      await devnet.sequencer.accept(chain.spec.chainId, raw);
    }
    await produce();
  });

  after(async function () {
    await devnet?.close();
  });

  it("runs the busy slot once, counting its engine calls: every step on both rollups", async function () {
    const { includedHashes, revertingHash } = await acceptBusySlot();
    devnet.counter.arm();
    const result = await produce();
    busyCalls = devnet.counter.disarm();
    await expectIncludedBusySlot(result, includedHashes, revertingHash);
    const steps = new Set(busyCalls.map(({ chainId, step }) => `${step}@${chainId}`));
    for (const chain of [a, b]) for (const step of ["snapshot", "mine", "revert", "call"]) expect(steps).to.include(`${step}@${chain.spec.chainId}`);
    expect(steps).to.include(`read@${b.spec.chainId}`);
    await expectVerified();
  });

  it("leaves every rollup as it was when any one call throws, and the next slot includes everything", async function () {
    expect(busyCalls.length).to.be.greaterThan(0);
    for (let k = 1; k <= busyCalls.length; k++) {
      const { includedHashes, revertingHash } = await acceptBusySlot();
      const heads = await Promise.all([a, b].map(latestHead));
      const slot = devnet.sequencer.status().slot;
      const errorCount = devnet.errors.length;

      devnet.counter.arm(k);
      const failed = await devnet.sequencer.produceSlot();
      devnet.counter.disarm();
      const thrown = devnet.counter.thrown;
      const at = `call ${k} of ${busyCalls.length} (${thrown?.step} on rollup ${thrown?.chainId})`;

      expect(thrown, `call ${k} was made`).to.not.equal(undefined);
      expect(failed, at).to.equal(undefined);
      expect(devnet.errors.slice(errorCount).some((error) => error instanceof InjectedEngineError), at).to.equal(true);
      expect(await Promise.all([a, b].map(latestHead)), at).to.deep.equal(heads);
      expect(devnet.sequencer.status().slot, at).to.equal(slot);
      for (const hash of [...includedHashes, revertingHash]) {
        expect(devnet.sequencer.transactionStatus(hash)?.status, `${at}: ${hash}`).to.equal("pending");
      }
      expect(devnet.sequencer.pendingCount, at).to.equal(4);

      const result = await produce();
      await expectIncludedBusySlot(result, includedHashes, revertingHash);
      expect(devnet.sequencer.pendingCount, at).to.equal(0);
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
      devnet.counter.arm(1);
      expect(await devnet.sequencer.produceSlot()).to.equal(undefined);
      devnet.counter.disarm();
    };
    await devnet.sequencer.accept(a.spec.chainId, raw);
    await failSlot();
    await failSlot();
    await produce();
    expect(devnet.sequencer.transactionStatus(hash)?.reasonCode).to.equal("reverted");

    await devnet.sequencer.accept(a.spec.chainId, raw);
    await failSlot();
    // One failure of this attempt: it waits for the next slot.
    expect(devnet.sequencer.transactionStatus(hash)?.status).to.equal("pending");
    await produce();
    const status = devnet.sequencer.transactionStatus(hash);
    expect(status?.reasonCode).to.equal("reverted");
    expect(status?.attempts?.map((attempt) => attempt.reasonCode)).to.deep.equal(["reverted"]);
  });

  it("re-derives both rollups from L1 after the failures", async function () {
    await expectVerified();
  });
});
