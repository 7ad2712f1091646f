import {
  decodeFunctionResult,
  encodeFunctionData,
  getAddress,
  type Hex,
  parseTransaction,
  type RpcLog,
  type TransactionSerialized,
} from "viem";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import { artifact } from "../contracts/artifacts.ts";
import { XrollupError } from "../errors/base.ts";
import type { EngineSnapshot, RollupEngine } from "./ports.ts";
import { type DropReason, droppedPredecessor, dropReason, refusalCode } from "./reasons.ts";
import { type CrossDomainMessage, type RelayBuilder, sentMessagesOf } from "./relayer.ts";
import { describeRevert } from "./revert-reason.ts";
import { type MessageHashes, type ProducedBlock, type SequencedTransaction, senderKey } from "./types.ts";

/** What executing slots needs besides the plan. */
export interface ExecutionContext {
  /** The rollups' engines, in registration order. */
  engines: readonly RollupEngine[];
  relayer: RelayBuilder;
  /** How deep messages sent while handling messages may nest (A→B→C is depth 2). */
  maxMessageDepth: number;
  /** Drop transactions that revert, with their reason, instead of including them reverted. */
  revertProtection: boolean;
  /** Whether relays to a rollup are withheld (the `withhold-relay` fault). */
  withholdsRelayTo: (chainId: number) => boolean;
}

/** What one slot asks of the rollups. */
export interface SlotPlan {
  slot: number;
  /** Unix timestamp (seconds) of every block of the slot. */
  timestamp: number;
  /** The slot's transactions in global order; a bundle's transactions are consecutive. */
  order: readonly SequencedTransaction[];
  /** Produce a block on rollups that have no transaction in the slot too (slot mode). */
  emptyBlocks: boolean;
}

/** A transaction the slot dropped, and why. */
export interface DroppedTransaction {
  transaction: SequencedTransaction;
  reason: DropReason;
  /** In a failed bundle, the transaction that failed. */
  failedTransaction?: Hex;
}

/** What executing a slot did, before global sequence numbers are assigned. */
export interface SlotExecution {
  /**
   * Included transactions in global order, each with the block it went
   * into: the slot's own, and right after each trigger the relays (actions)
   * of the messages it sent.
   */
  included: { transaction: SequencedTransaction; block: ProducedBlock }[];
  dropped: DroppedTransaction[];
  /** Blocks in the order they were produced. */
  blocks: ProducedBlock[];
  /** Whether any message was relayed (so the messengers' rolling hashes changed). */
  relayedMessages: boolean;
  /** When messages were relayed: every messenger's rolling hashes after the slot, in registration order. */
  messageHashes?: MessageHashes[];
}

type Failure = { reason: DropReason; culprit?: Hex };

/**
 * Executes a slot, all or nothing across every rollup it touches. The fast
 * path gives each rollup one block with its share of the order (engines run
 * off the main thread, so rollups run concurrently). If that block holds a
 * cross-rollup message, a reverted transaction under revert protection, or
 * the slot holds a bundle, the slot goes back to its start and runs unit by
 * unit (a transaction with everything its messages cause, or a bundle), each
 * unit atomic across all rollups. If anything throws, every rollup goes
 * back to the slot's start before the error is rethrown.
 */
export async function executeSlot(context: ExecutionContext, plan: SlotPlan): Promise<SlotExecution> {
  const hasBundle = plan.order.some((transaction) => transaction.bundleId !== undefined);
  if (!hasBundle) {
    // Only the rollups the fast path mines on need a way back from it.
    const touched = context.engines.filter(
      (engine) => plan.emptyBlocks || plan.order.some((transaction) => transaction.chainId === engine.chainId),
    );
    const fast = await atomically(touched, async () => {
      const result = await executeInOneBlock(context, plan);
      if (result === undefined) throw NEEDS_UNITS;
      return result;
    }).catch((error: unknown) => {
      if (error === NEEDS_UNITS) return undefined;
      throw error;
    });
    if (fast !== undefined) return fast;
  }
  return atomically(context.engines, async () => {
    const execution = await executeUnitByUnit(context, plan);
    if (execution.relayedMessages) execution.messageHashes = await readMessageHashes(context.engines);
    return execution;
  });
}

/** Thrown inside {@link executeSlot} to send the fast path back to the slot's start. */
const NEEDS_UNITS = Symbol("needs the unit-by-unit path");

/**
 * Runs `work`; if it throws, every engine goes back to where it was, and the
 * error is rethrown. If it succeeds, the engines may free the snapshots.
 */
async function atomically<T>(engines: readonly RollupEngine[], work: () => Promise<T>): Promise<T> {
  const snapshots = await snapshotAll(engines);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await revertAll(engines, snapshots);
    throw error;
  }
  await releaseAll(engines, snapshots);
  return result;
}

/** The fast path; `undefined` when the slot needs the unit-by-unit path. */
async function executeInOneBlock(context: ExecutionContext, plan: SlotPlan): Promise<SlotExecution | undefined> {
  const perRollup = await onEvery(context.engines, (engine) => {
    const share = plan.order.filter((transaction) => transaction.chainId === engine.chainId);
    if (share.length === 0 && !plan.emptyBlocks) return Promise.resolve(undefined);
    return produceBlock(engine, share, plan.timestamp);
  });
  const clean = perRollup.every(
    (result) =>
      result === undefined ||
      result.receipts.every(
        ({ success, logs }) => (success || !context.revertProtection) && sentMessagesOf(logs, result.block.chainId).length === 0,
      ),
  );
  if (!clean) return undefined;
  const execution: SlotExecution = { included: [], dropped: [], blocks: [], relayedMessages: false };
  const blockOf = new Map<Hex, ProducedBlock>();
  for (const result of perRollup) {
    if (result === undefined) continue;
    execution.blocks.push(result.block);
    execution.dropped.push(...result.dropped);
    for (const transaction of result.included) blockOf.set(transaction.hash, result.block);
  }
  for (const transaction of plan.order) {
    const block = blockOf.get(transaction.hash);
    if (block !== undefined) execution.included.push({ transaction, block });
  }
  return execution;
}

async function executeUnitByUnit(context: ExecutionContext, plan: SlotPlan): Promise<SlotExecution> {
  const execution: SlotExecution = { included: [], dropped: [], blocks: [], relayedMessages: false };
  const droppedNonces = new Map<string, number>();
  for (const unit of unitsOf(plan.order)) {
    const predecessor = unit.find((transaction) => (droppedNonces.get(senderKey(transaction)) ?? Infinity) < transaction.nonce);
    const snapshots = predecessor === undefined ? await snapshotAll(context.engines) : undefined;
    const steps: SlotExecution["included"] = [];
    const failure =
      predecessor === undefined
        ? await runUnit(context, unit, plan.timestamp, steps)
        : { reason: droppedPredecessor(droppedNonces.get(senderKey(predecessor))!) };
    if (failure === undefined) {
      if (snapshots !== undefined) await releaseAll(context.engines, snapshots);
      execution.included.push(...steps);
      execution.blocks.push(...steps.map((step) => step.block));
      execution.relayedMessages ||= steps.length > unit.length;
      continue;
    }
    if (snapshots !== undefined) await revertAll(context.engines, snapshots);
    for (const transaction of unit) {
      const reason = unit.length > 1 && transaction.hash !== failure.culprit ? dropReason("bundle-failed", failure.reason.message) : failure.reason;
      execution.dropped.push({ transaction, reason, ...(failure.culprit === undefined ? {} : { failedTransaction: failure.culprit }) });
      const key = senderKey(transaction);
      droppedNonces.set(key, Math.min(droppedNonces.get(key) ?? Infinity, transaction.nonce));
    }
  }
  if (plan.emptyBlocks) {
    const withBlock = new Set(execution.blocks.map((block) => block.chainId));
    const empty = context.engines.filter((engine) => !withBlock.has(engine.chainId));
    const produced = await onEvery(empty, (engine) => produceBlock(engine, [], plan.timestamp));
    execution.blocks.push(...produced.map((result) => result.block));
  }
  return execution;
}

/**
 * Runs one unit: each transaction in its own block, and after each, the
 * relays of the messages it sent, depth first. Returns why it failed, or
 * `undefined` with `steps` holding what was included.
 */
async function runUnit(
  context: ExecutionContext,
  unit: readonly SequencedTransaction[],
  timestamp: number,
  steps: SlotExecution["included"],
): Promise<Failure | undefined> {
  for (const [index, transaction] of unit.entries()) {
    const engine = engineOf(context, transaction.chainId);
    const mined = await mineOne(engine, transaction, timestamp);
    const prefix = unit.length > 1 ? `bundle transaction ${index} (${transaction.hash}): ` : "";
    const culprit = transaction.hash;
    if (mined.kind === "refused") return { reason: prefixed(prefix, mined.reason), culprit };
    if (!mined.receipt.success && (context.revertProtection || unit.length > 1)) {
      const words = await revertReason(engine, transaction, mined.block.number - 1);
      return { reason: dropReason("reverted", `${prefix}${words}`), culprit };
    }
    steps.push({ transaction, block: mined.block });
    const messages = sentMessagesOf(mined.receipt.logs, transaction.chainId);
    const failure = await relayAll(context, transaction.hash, messages, 1, timestamp, steps);
    if (failure !== undefined) return { reason: prefixed(prefix, failure.reason), culprit };
  }
  return undefined;
}

function prefixed(prefix: string, reason: DropReason): DropReason {
  return prefix === "" ? reason : dropReason(reason.code, `${prefix}${reason.message}`);
}

async function relayAll(
  context: ExecutionContext,
  trigger: Hex,
  messages: readonly CrossDomainMessage[],
  depth: number,
  timestamp: number,
  steps: SlotExecution["included"],
): Promise<Failure | undefined> {
  for (const message of messages) {
    const route = `message ${message.hash} from rollup ${message.source} to rollup ${message.destination}`;
    if (depth > context.maxMessageDepth) {
      return { reason: dropReason("message-depth-exceeded", `${route} exceeds the message depth limit of ${context.maxMessageDepth}`) };
    }
    const destinationId = Number(message.destination);
    if (context.withholdsRelayTo(destinationId)) {
      return { reason: dropReason("relay-withheld", `the sequencer withheld the relay of ${route}`) };
    }
    const destination = engineOf(context, destinationId);
    const relay = { ...(await context.relayer.relayTransaction(destination, message)), relayOf: trigger };
    const where = `the action on rollup ${message.destination} (target ${message.target})`;
    const mined = await mineOne(destination, relay, timestamp);
    if (mined.kind === "refused") return { reason: dropReason("action-reverted", `${where} was not included: ${mined.reason.message}`) };
    if (!mined.receipt.success) {
      // Re-run it on the state before it to learn why; the unit is rolled back anyway.
      const words = await callRevertReason(destination, relay, mined.block.number - 1);
      return { reason: dropReason("action-reverted", `${where} failed: ${words}`) };
    }
    steps.push({ transaction: relay, block: mined.block });
    const nested = sentMessagesOf(mined.receipt.logs, destinationId);
    const failure = await relayAll(context, trigger, nested, depth + 1, timestamp, steps);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

async function mineOne(engine: RollupEngine, transaction: SequencedTransaction, timestamp: number) {
  const produced = await produceBlock(engine, [transaction], timestamp);
  const [dropped] = produced.dropped;
  if (dropped !== undefined) {
    const reason = dropReason(dropped.reason.code, `rollup ${engine.chainId} refused it: ${dropped.reason.message}`);
    return { kind: "refused" as const, reason };
  }
  return { kind: "mined" as const, block: produced.block, receipt: produced.receipts[0]! };
}

/** Why a transaction reverted, as its sender should read it. */
async function revertReason(engine: RollupEngine, transaction: SequencedTransaction, parentBlock: number): Promise<string> {
  const target = transaction.to === undefined ? "" : ` (to ${getAddress(transaction.to)})`;
  return `reverted on rollup ${engine.chainId}${target}: ${await callRevertReason(engine, transaction, parentBlock)}`;
}

/** Re-runs a reverted transaction as a call on the state before it, and describes its revert data. */
async function callRevertReason(engine: RollupEngine, transaction: SequencedTransaction, parentBlock: number): Promise<string> {
  const parsed = parseTransaction(transaction.raw as TransactionSerialized);
  const result = await engine.call(
    {
      from: transaction.from,
      ...(parsed.to ? { to: parsed.to } : {}),
      ...(parsed.data === undefined ? {} : { data: parsed.data }),
      value: parsed.value ?? 0n,
      gas: transaction.gas,
    },
    parentBlock,
  );
  return result.kind === "reverted" ? describeRevert(result.data) : "out of gas";
}

/**
 * Hands a rollup's share to its engine and mines one block at `timestamp`.
 * A transaction the chain refuses or leaves out is dropped with the chain's
 * reason, and so are its sender's later nonces in the share.
 */
async function produceBlock(engine: RollupEngine, share: readonly SequencedTransaction[], timestamp: number) {
  const droppedNonces = new Map<string, number>();
  const dropped: DroppedTransaction[] = [];
  const drop = (transaction: SequencedTransaction, reason: DropReason) => {
    dropped.push({ transaction, reason });
    const key = senderKey(transaction);
    droppedNonces.set(key, Math.min(droppedNonces.get(key) ?? Infinity, transaction.nonce));
  };
  const mined = await engine.mineBlock(
    share.map((transaction) => transaction.raw),
    timestamp,
  );
  const included: SequencedTransaction[] = [];
  const receipts: { success: boolean; logs: RpcLog[] }[] = [];
  for (const [index, transaction] of share.entries()) {
    const outcome = mined.outcomes[index]!;
    const earlier = droppedNonces.get(senderKey(transaction));
    if (outcome.kind === "refused") {
      drop(transaction, earlier !== undefined && earlier < transaction.nonce ? droppedPredecessor(earlier) : dropReason(refusalCode(outcome.reason), outcome.reason));
      continue;
    }
    included.push(transaction);
    receipts.push({ success: outcome.success, logs: outcome.logs });
  }
  const rawByHash = new Map(included.map((transaction) => [transaction.hash, transaction.raw]));
  const block: ProducedBlock = {
    chainId: engine.chainId,
    number: mined.block.number,
    hash: mined.block.hash,
    stateRoot: mined.block.stateRoot,
    timestamp: mined.block.timestamp,
    transactions: mined.block.transactionHashes.map((hash) => {
      const raw = rawByHash.get(hash);
      // Only the sequencer feeds rollup engines, so an unknown transaction
      // means something bypassed it and derivation would break.
      if (raw === undefined) throw new Error(`Rollup ${engine.chainId} mined ${hash}, which the sequencer never sent`);
      return raw;
    }),
  };
  return { block, dropped, included, receipts };
}

/** Splits the order into units: a bundle's consecutive transactions, or one transaction. */
function unitsOf(order: readonly SequencedTransaction[]): SequencedTransaction[][] {
  const units: SequencedTransaction[][] = [];
  for (const transaction of order) {
    const last = units.at(-1);
    if (transaction.bundleId !== undefined && last?.[0]?.bundleId === transaction.bundleId) last.push(transaction);
    else units.push([transaction]);
  }
  return units;
}

function engineOf(context: ExecutionContext, chainId: number): RollupEngine {
  const engine = context.engines.find((candidate) => candidate.chainId === chainId);
  if (engine === undefined) throw new Error(`Rollup ${chainId} is not part of this devnet`);
  return engine;
}

/**
 * Runs one call per engine, concurrently, and waits for every one to end
 * before it throws the first failure: when a slot goes back to its start,
 * nothing may still be running on a rollup (a block mined after the revert
 * would stay).
 */
async function onEvery<T>(engines: readonly RollupEngine[], call: (engine: RollupEngine, index: number) => Promise<T>): Promise<T[]> {
  // The async wrapper turns a synchronous throw into a rejection, so that the other engines' calls still start and end.
  const settled = await Promise.allSettled(engines.map(async (engine, index) => call(engine, index)));
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** One snapshot per engine; if any engine cannot take one, the others' are released and the first failure is thrown. */
async function snapshotAll(engines: readonly RollupEngine[]): Promise<EngineSnapshot[]> {
  const taken = await Promise.allSettled(engines.map(async (engine) => engine.snapshot()));
  const failed = taken.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed === undefined) return taken.map((result) => (result as PromiseFulfilledResult<EngineSnapshot>).value);
  await Promise.all(taken.map(async (result, index) => (result.status === "fulfilled" ? engines[index]!.release(result.value) : undefined)));
  throw failed.reason;
}

/** Tells every engine its snapshot will not be gone back to (a unit or a slot succeeded). */
async function releaseAll(engines: readonly RollupEngine[], snapshots: readonly EngineSnapshot[]): Promise<void> {
  await Promise.all(engines.map(async (engine, index) => engine.release(snapshots[index]!)));
}

/** Thrown when a rollup cannot go back to the start of a failed slot: its state is no longer what the sequencer knows. */
export class RollupRevertError extends XrollupError {
  override name = "RollupRevertError";
  constructor({ chainIds, cause }: { chainIds: readonly number[]; cause: unknown }) {
    super(`Rollup ${chainIds.join(", ")} could not go back to the start of a failed slot; its state is unknown to the sequencer.`, {
      details: ["Restart the devnet: later slots would build on blocks that no batch carries."],
      cause,
    });
  }
}

/**
 * Puts every engine back at its snapshot, each even if another fails. A
 * revert that fails is tried once more, because a rollup left ahead of the
 * sequencer breaks every later slot and batch; the first failure is then
 * rethrown, so that the slot fails with the rollups at its start.
 *
 * @throws {RollupRevertError} when a rollup still cannot go back.
 */
async function revertAll(engines: readonly RollupEngine[], snapshots: readonly EngineSnapshot[]): Promise<void> {
  const revert = (index: number) => engines[index]!.revert(snapshots[index]!);
  const first = await Promise.allSettled(engines.map(async (_, index) => revert(index)));
  const failed = first.flatMap((result, index) => (result.status === "rejected" ? [{ index, reason: result.reason as unknown }] : []));
  if (failed.length === 0) return;
  const again = await Promise.allSettled(failed.map(async ({ index }) => revert(index)));
  const lost = failed.filter((_, position) => again[position]!.status === "rejected");
  if (lost.length > 0) {
    throw new RollupRevertError({ chainIds: lost.map(({ index }) => engines[index]!.chainId), cause: lost[0]!.reason });
  }
  throw failed[0]!.reason;
}

/** Every messenger's rolling message hashes at the latest block, in registration order. */
export async function readMessageHashes(engines: readonly RollupEngine[]): Promise<MessageHashes[]> {
  const { abi } = artifact("L2ToL2CrossDomainMessenger");
  const data = encodeFunctionData({ abi, functionName: "messageHashes", args: [engines.map((engine) => BigInt(engine.chainId))] });
  return Promise.all(
    engines.map(async (engine) => {
      const result = await engine.call({ to: MESSENGER_ADDRESS, data });
      if (result.kind === "reverted") throw new Error(`Reading the messenger's hashes on rollup ${engine.chainId} failed: ${result.message}`);
      const [sent, relayed] = decodeFunctionResult({ abi, functionName: "messageHashes", data: result.data });
      return { sent: [...sent], relayed: [...relayed] };
    }),
  );
}
