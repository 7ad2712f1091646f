import { expect } from "chai";
import { type Address, encodeFunctionData, getContractAddress, type Hex, keccak256 } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { artifact } from "../../contracts/artifacts.ts";
import { type Devnet, startDevnet } from "../../devnet/devnet.ts";
import { devAccounts } from "../../rollups/accounts.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import type { SlotResult } from "../../sequencer/types.ts";
import { labelAddress, signTransaction } from "../support/fixtures.ts";

const relayChain = artifact("MessageRelayChain");
const accounts = devAccounts();
const DEPLOYER = 19;
const FUNDER = 0;
/** Development accounts that send the units that succeed. */
const SENDERS = accounts.slice(1, 16);
const CONTRACT = getContractAddress({ from: accounts[DEPLOYER]!.address, nonce: 0n });
const RECIPIENT = labelAddress("slot-groups recipient");

type UnitKind = "transfer" | "message" | "two-hops" | "failing-action" | "reverting-trigger";

/** One planned unit: who sends what on which rollup (0 = A, 1 = B). */
interface PlannedUnit {
  kind: UnitKind;
  rollup: 0 | 1;
  privateKey: Hex;
}

/**
 * 203 units in a fixed, shuffled order: 80 transfers, 70 messages, 30
 * messages that hop there and back, 12 messages whose action reverts and 8
 * transactions that revert themselves, each failing one from a fresh key of
 * its own; and one more fresh key's failing message followed by two later
 * nonces of the same sender, which cannot run once the first is dropped.
 */
function planUnits(freshKeys: readonly Hex[]): PlannedUnit[] {
  const kinds: UnitKind[] = [
    ...Array<UnitKind>(80).fill("transfer"),
    ...Array<UnitKind>(70).fill("message"),
    ...Array<UnitKind>(30).fill("two-hops"),
    ...Array<UnitKind>(12).fill("failing-action"),
    ...Array<UnitKind>(8).fill("reverting-trigger"),
  ];
  // A deterministic shuffle (linear congruential), so the order is the same on every run.
  let state = 20_261_129;
  for (let index = kinds.length - 1; index > 0; index--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const other = state % (index + 1);
    [kinds[index], kinds[other]] = [kinds[other]!, kinds[index]!];
  }
  let fresh = 0;
  const units = kinds.map((kind, index): PlannedUnit => {
    const fails = kind === "failing-action" || kind === "reverting-trigger";
    return {
      kind,
      rollup: (index % 2) as 0 | 1,
      privateKey: fails ? freshKeys[fresh++]! : SENDERS[index % SENDERS.length]!.privateKey,
    };
  });
  // One more sender, spread over the slot: a message whose action fails, then two later nonces, which cannot run.
  const [first, second, third] = [50, 120, 180];
  units.splice(third!, 0, { kind: "transfer", rollup: 0, privateKey: freshKeys[fresh]! });
  units.splice(second!, 0, { kind: "failing-action", rollup: 0, privateKey: freshKeys[fresh]! });
  units.splice(first!, 0, { kind: "failing-action", rollup: 0, privateKey: freshKeys[fresh]! });
  return units;
}

/** Signs every planned unit for a devnet, nonces counted per sender and rollup from the sequencer's pending nonce. */
async function signUnits(devnet: Devnet, units: readonly PlannedUnit[]): Promise<{ chainId: number; raw: Hex }[]> {
  const nonces = new Map<string, number>();
  const [a, b] = devnet.rollups.map((rollup) => BigInt(rollup.chainId)) as [bigint, bigint];
  const signed: { chainId: number; raw: Hex }[] = [];
  for (const unit of units) {
    const chainId = devnet.rollups[unit.rollup]!.chainId;
    const key = `${chainId}:${unit.privateKey}`;
    const nonce = nonces.get(key) ?? (await devnet.sequencer.pendingNonce(chainId, privateKeyToAccount(unit.privateKey).address));
    nonces.set(key, nonce + 1);
    const [here, there] = unit.rollup === 0 ? [a, b] : [b, a];
    const start = (route: bigint[], failAtEnd: boolean) =>
      encodeFunctionData({ abi: relayChain.abi, functionName: "start", args: [route, failAtEnd] });
    const call: { to: Address; value?: bigint; data?: Hex; gas: bigint } =
      unit.kind === "transfer"
        ? { to: RECIPIENT, value: 1n, gas: 21_000n }
        : unit.kind === "reverting-trigger"
          ? // hop() takes calls only from the messenger.
            { to: CONTRACT, data: encodeFunctionData({ abi: relayChain.abi, functionName: "hop", args: [[], false] }), gas: 200_000n }
          : {
              to: CONTRACT,
              data: start(unit.kind === "two-hops" ? [there, here] : [there], unit.kind === "failing-action"),
              gas: 200_000n,
            };
    signed.push({ chainId, raw: await signTransaction(unit.privateKey, { chainId, nonce, ...call }) });
  }
  return signed;
}

/** Starts a devnet in manual mode with the relay contract on both rollups and the fresh keys funded. */
async function preparedDevnet(freshKeys: readonly Hex[]): Promise<Devnet> {
  const devnet = await startDevnet({ rollups: 2, manual: true });
  for (const rollup of devnet.rollups) {
    const deploy = await signTransaction(accounts[DEPLOYER]!.privateKey, { chainId: rollup.chainId, nonce: 0, data: relayChain.bytecode, gas: 3_000_000n });
    await devnet.sequencer.accept(rollup.chainId, deploy);
    for (const [nonce, key] of freshKeys.entries()) {
      const to = privateKeyToAccount(key).address;
      await devnet.sequencer.accept(rollup.chainId, await signTransaction(accounts[FUNDER]!.privateKey, { chainId: rollup.chainId, nonce, to, value: 10n ** 17n }));
    }
  }
  const setup = await devnet.sequencer.produceSlot();
  expect(setup?.dropped).to.deep.equal([]);
  return devnet;
}

/** What the test compares between the two runs, per unit: included or dropped, and why. */
function outcomeOf(devnet: Devnet, hash: Hex): { status: string; reasonCode: string | undefined; relays: number[] } {
  const status = devnet.sequencer.transactionStatus(hash)!;
  return { status: status.status, reasonCode: status.reasonCode, relays: (status.relays ?? []).map((relay) => relay.chainId) };
}

async function hops(devnet: Devnet): Promise<bigint[]> {
  const data = encodeFunctionData({ abi: relayChain.abi, functionName: "hops" });
  return Promise.all(
    devnet.rollups.map(async (rollup) => BigInt((await rollup.provider.request({ method: "eth_call", params: [{ to: CONTRACT, data }, "latest"] })) as Hex)),
  );
}

async function balances(devnet: Devnet): Promise<bigint[]> {
  return Promise.all(devnet.rollups.map((rollup) => rollup.publicClient.getBalance({ address: RECIPIENT })));
}

describe("203 mixed units in one slot: the same outcomes as unit by unit, in far fewer blocks", function () {
  const freshKeys = Array.from({ length: 21 }, () => generatePrivateKey());
  const units = planUnits(freshKeys);
  let grouped: Devnet;
  let reference: Devnet;
  let slot: SlotResult;
  let hashes: Hex[];
  let referenceBlocks = 0;

  before(async function () {
    [grouped, reference] = await Promise.all([preparedDevnet(freshKeys), preparedDevnet(freshKeys)]);
    const signed = await signUnits(grouped, units);
    hashes = signed.map(({ raw }) => keccak256(raw));
    for (const { chainId, raw } of signed) await grouped.sequencer.accept(chainId, raw);
    slot = (await grouped.sequencer.produceSlot())!;
    // The reference: each unit in a slot of its own.
    for (const { chainId, raw } of await signUnits(reference, units)) {
      await reference.sequencer.accept(chainId, raw);
      referenceBlocks += (await reference.sequencer.produceSlot())!.blocks.length;
    }
  });

  after(async function () {
    await Promise.all([grouped?.stop(), reference?.stop()]);
  });

  it("settles every unit in the one slot", function () {
    expect(slot.included.length + slot.dropped.length).to.be.greaterThanOrEqual(units.length);
    expect(grouped.sequencer.pendingCount).to.equal(0);
  });

  it("gives every unit the outcome, reason code and actions it gets on its own", function () {
    // Alone, the last sender's later nonces wait for the dropped one (sent after its slot, they are a nonce gap).
    const [, ...afterDropped] = hashes.filter((_, index) => units[index]!.privateKey === freshKeys.at(-1));
    for (const hash of hashes.filter((hash) => !afterDropped.includes(hash))) {
      expect(outcomeOf(grouped, hash), hash).to.deep.equal(outcomeOf(reference, hash));
    }
    for (const hash of afterDropped) expect(outcomeOf(grouped, hash)).to.deep.equal({ status: "dropped", reasonCode: "nonce-dropped", relays: [] });
    const codes = hashes.map((hash) => outcomeOf(grouped, hash).reasonCode).filter((code) => code !== undefined);
    expect(codes.filter((code) => code === "action-reverted")).to.have.length(13);
    expect(codes.filter((code) => code === "reverted")).to.have.length(8);
  });

  it("leaves the same state on both rollups", async function () {
    expect(await hops(grouped)).to.deep.equal(await hops(reference));
    expect(await balances(grouped)).to.deep.equal(await balances(reference));
  });

  it("keeps the units' global order, puts every action after its trigger, and numbers each rollup's blocks in order", function () {
    const seqOf = (devnet: Devnet, hash: Hex) => devnet.sequencer.transactionStatus(hash)!.globalSeq;
    const includedUnits = hashes.filter((hash) => seqOf(grouped, hash) !== null);
    const byGlobalSeq = (devnet: Devnet) => [...includedUnits].sort((x, y) => seqOf(devnet, x)! - seqOf(devnet, y)!);
    expect(byGlobalSeq(grouped)).to.deep.equal(byGlobalSeq(reference));
    expect(slot.included.map(({ inclusion }) => inclusion.globalSeq)).to.deep.equal(
      slot.included.map((_, index) => slot.included[0]!.inclusion.globalSeq + index),
    );
    const position = new Map(slot.included.map(({ transaction, inclusion }) => [transaction.hash, inclusion.globalSeq]));
    for (const { transaction, inclusion } of slot.included) {
      if (transaction.relayOf !== undefined) expect(inclusion.globalSeq).to.be.greaterThan(position.get(transaction.relayOf)!);
    }
    for (const rollup of grouped.rollups) {
      const blocks = slot.included.filter(({ transaction }) => transaction.chainId === rollup.chainId).map(({ inclusion }) => inclusion.blockNumber);
      expect(blocks).to.deep.equal([...blocks].sort((x, y) => x - y));
    }
  });

  it("uses far fewer blocks than running each unit alone", function () {
    // Each of the 21 failing units splits the group; the units between them share blocks.
    expect(slot.blocks.length * 3).to.be.lessThan(referenceBlocks);
  });

  it("derives from L1 to the same state roots", async function () {
    await grouped.sequencer.flush();
    const verified = await verifyFromL1({ l1: grouped.l1.provider, inbox: grouped.l1.contracts.SharedInbox!, startEngine: startGenesisEngine });
    expect(verified.mismatch).to.equal(undefined);
    expect(verified.ok).to.equal(true);
  });
});
