import {
  type Address,
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
import type { KnownAbis } from "../contracts/abi-registry.ts";
import { XrollupError } from "../errors/base.ts";
import type { CallRequest, EngineSnapshot, RollupEngine } from "./ports.ts";
import { type DropReason, droppedPredecessor, dropReason, refusalCode } from "./reasons.ts";
import { type CrossDomainMessage, nextRelayTerms, type RelayBuilder, sentMessagesOf } from "./relayer.ts";
import { actionRevertData, describeRevert } from "./revert-reason.ts";
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
  /** What decodes revert reasons; default: xrollup's own contracts. */
  abis?: KnownAbis;
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

/** Why a unit failed, and which of its transactions made it fail. */
export type Failure = { reason: DropReason; culprit?: Hex };

/** A transaction with everything its messages cause, or a bundle: included whole or not at all. */
type Unit = readonly SequencedTransaction[];

/**
 * Executes a slot, every unit (a transaction with everything its messages
 * cause, or a bundle) all or nothing across every rollup.
 *
 * Units run optimistically as a group, in as few blocks as the messages
 * allow: one block per rollup with every unit's transactions, then one
 * block per destination with their relays (actions), then the relays those
 * send, depth by depth (each wave's blocks handed to their engines at
 * once). If units fail (a transaction or an action reverts, a bundle
 * breaks, a message is too deep or withheld), the group goes back to its
 * start and runs again around them: the units between failures as groups,
 * each failing unit alone (which gives its exact reason). So within a group
 * every transaction runs before every action, and global sequence numbers
 * follow that order, as each rollup executed it. If anything throws, every
 * rollup goes back to the slot's start before the error is rethrown.
 */
export async function executeSlot(context: ExecutionContext, plan: SlotPlan): Promise<SlotExecution> {
  const slot = new Rollback();
  const run: SlotRun = {
    context,
    timestamp: plan.timestamp,
    slot,
    execution: { included: [], dropped: [], blocks: [], relayedMessages: false },
    droppedNonces: new Map(),
  };
  try {
    await runUnits(run, unitsOf(plan.order));
    if (plan.emptyBlocks) {
      const withBlock = new Set(run.execution.blocks.map((block) => block.chainId));
      const empty = context.engines.filter((engine) => !withBlock.has(engine.chainId));
      const produced = await onEvery(empty, (engine) => produceBlock(engine, [], plan.timestamp, slot));
      run.execution.blocks.push(...produced.map((result) => result.block));
    }
    if (run.execution.relayedMessages) run.execution.messageHashes = await readMessageHashes(context.engines);
  } catch (error) {
    await slot.revert();
    throw error;
  }
  await slot.release();
  return run.execution;
}

/** A slot being executed: what it did so far, and the way back to its start. */
interface SlotRun {
  context: ExecutionContext;
  timestamp: number;
  slot: Rollback;
  execution: SlotExecution;
  /** Per sender, the lowest nonce dropped so far: its later transactions cannot run. */
  droppedNonces: Map<string, number>;
}

/** Runs units as a group, and around the units that fail, as described at {@link executeSlot}. */
async function runUnits(run: SlotRun, units: readonly Unit[]): Promise<void> {
  const runnable = units.filter((unit) => !dropsAfterDroppedPredecessor(run, unit));
  if (runnable.length === 0) return;
  if (runnable.length === 1) return runAlone(run, runnable[0]!);
  const attempt = new Rollback(run.slot);
  let group: GroupOutcome;
  try {
    group = await runGroup(run.context, runnable, run.timestamp, attempt);
  } catch (error) {
    await attempt.revert();
    throw error;
  }
  if (group.kind === "failed") {
    await attempt.revert();
    // The units between failures most likely succeed as groups; each failing unit runs alone for its exact outcome.
    let next = 0;
    for (const failed of group.units) {
      await runUnits(run, runnable.slice(next, failed));
      // Through runUnits, so that it is dropped at once if an earlier nonce of its sender was dropped meanwhile.
      await runUnits(run, [runnable[failed]!]);
      next = failed + 1;
    }
    await runUnits(run, runnable.slice(next));
    return;
  }
  await attempt.release();
  const { execution } = run;
  execution.included.push(...group.included);
  execution.blocks.push(...group.blocks);
  execution.relayedMessages ||= group.relayed;
  for (const dropped of group.dropped) recordDrop(run, dropped);
}

/** Drops a unit whose sender's earlier nonce was dropped in this slot; `true` if it did. */
function dropsAfterDroppedPredecessor(run: SlotRun, unit: Unit): boolean {
  const predecessor = unit.find((transaction) => (run.droppedNonces.get(senderKey(transaction)) ?? Infinity) < transaction.nonce);
  if (predecessor === undefined) return false;
  const reason = droppedPredecessor(run.droppedNonces.get(senderKey(predecessor))!);
  for (const transaction of unit) recordDrop(run, { transaction, reason });
  return true;
}

function recordDrop(run: SlotRun, dropped: DroppedTransaction): void {
  run.execution.dropped.push(dropped);
  const key = senderKey(dropped.transaction);
  run.droppedNonces.set(key, Math.min(run.droppedNonces.get(key) ?? Infinity, dropped.transaction.nonce));
}

/** Runs one unit on its own, each transaction and action in its own block, and records its outcome. */
async function runAlone(run: SlotRun, unit: Unit): Promise<void> {
  const attempt = new Rollback(run.slot);
  const steps: SlotExecution["included"] = [];
  let failure: Failure | undefined;
  try {
    failure = await runUnit({ context: run.context, timestamp: run.timestamp, rollback: attempt, steps }, unit);
  } catch (error) {
    await attempt.revert();
    throw error;
  }
  if (failure === undefined) {
    await attempt.release();
    run.execution.included.push(...steps);
    run.execution.blocks.push(...steps.map((step) => step.block));
    run.execution.relayedMessages ||= steps.length > unit.length;
    return;
  }
  await attempt.revert();
  for (const transaction of unit) {
    const reason =
      unit.length > 1 && transaction.hash !== failure.culprit ? dropReason("bundle-failed", failure.reason.message, failure.reason.failedLeg) : failure.reason;
    recordDrop(run, { transaction, reason, ...(failure.culprit === undefined ? {} : { failedTransaction: failure.culprit }) });
  }
}

/** What running a group of units did: everything, or which units failed. */
type GroupOutcome =
  | { kind: "failed"; /** Indexes of the units that failed, ascending. */ units: number[] }
  | {
      kind: "done";
      included: SlotExecution["included"];
      dropped: DroppedTransaction[];
      blocks: ProducedBlock[];
      relayed: boolean;
    };

/** A transaction of a wave: a unit's own (depth 0) or a relay (depth 1 and on). */
interface WaveItem {
  transaction: SequencedTransaction;
  /** Index of its unit in the group. */
  unit: number;
}

/**
 * Runs a group of units depth by depth: a block per rollup with the units'
 * transactions, then a block per destination with the relays of the
 * messages they sent, and so on. A unit that fails stops there (its
 * messages are not relayed) while the others go on, so that one attempt
 * finds every unit that fails; the engines are left for the caller to
 * revert.
 */
async function runGroup(context: ExecutionContext, units: readonly Unit[], timestamp: number, rollback: Rollback): Promise<GroupOutcome> {
  const included: SlotExecution["included"] = [];
  const dropped: DroppedTransaction[] = [];
  const blocks: ProducedBlock[] = [];
  const failed = new Set<number>();
  let wave: WaveItem[] = units.flatMap((unit, index) => unit.map((transaction) => ({ transaction, unit: index })));
  for (let depth = 0; wave.length > 0; depth++) {
    const mined = await mineWave(context, wave, timestamp, rollback);
    blocks.push(...mined.blocks);
    const sent: { message: CrossDomainMessage; item: WaveItem }[] = [];
    for (const item of wave) {
      const outcome = mined.outcomes.get(item.transaction.hash)!;
      const alone = depth === 0 && units[item.unit]!.length === 1;
      if (outcome.kind === "refused") {
        // A lone transaction the rollup refuses changes nothing: dropped, as it would be on its own.
        if (alone) dropped.push({ transaction: item.transaction, reason: outcome.reason });
        else failed.add(item.unit);
        continue;
      }
      if (!outcome.success && (!alone || context.revertProtection)) {
        failed.add(item.unit);
        continue;
      }
      included.push({ transaction: item.transaction, block: outcome.block });
      for (const message of sentMessagesOf(outcome.logs, item.transaction.chainId)) {
        const relayable = depth + 1 <= context.maxMessageDepth && !context.withholdsRelayTo(Number(message.destination));
        if (!relayable) failed.add(item.unit);
        sent.push({ message, item });
      }
    }
    wave = await relaysOf(
      context,
      sent.filter(({ item }) => !failed.has(item.unit)),
    );
  }
  if (failed.size > 0) return { kind: "failed", units: [...failed].sort((x, y) => x - y) };
  return { kind: "done", included, dropped, blocks, relayed: included.length > units.reduce((count, unit) => count + unit.length, 0) };
}

/** What a wave did to each of its transactions, by hash. */
type WaveOutcome =
  | { kind: "refused"; reason: DropReason }
  | { kind: "mined"; block: ProducedBlock; success: boolean; logs: RpcLog[] };

/** Mines one block on every rollup the wave touches, concurrently, each with its share in wave order. */
async function mineWave(context: ExecutionContext, wave: readonly WaveItem[], timestamp: number, rollback: Rollback) {
  const engines = context.engines.filter((engine) => wave.some(({ transaction }) => transaction.chainId === engine.chainId));
  const produced = await onEvery(engines, (engine) =>
    produceBlock(
      engine,
      wave.flatMap(({ transaction }) => (transaction.chainId === engine.chainId ? [transaction] : [])),
      timestamp,
      rollback,
    ),
  );
  const outcomes = new Map<Hex, WaveOutcome>();
  for (const result of produced) {
    for (const { transaction, reason } of result.dropped) outcomes.set(transaction.hash, { kind: "refused", reason });
    for (const [index, transaction] of result.included.entries()) {
      outcomes.set(transaction.hash, { kind: "mined", block: result.block, ...result.receipts[index]! });
    }
  }
  return { outcomes, blocks: produced.map((result) => result.block) };
}

/**
 * The relays of a wave's messages, in the order they were sent, as the
 * next wave: consecutive sequencer nonces per destination, read once.
 */
async function relaysOf(context: ExecutionContext, sent: readonly { message: CrossDomainMessage; item: WaveItem }[]): Promise<WaveItem[]> {
  const destinations = [...new Set(sent.map(({ message }) => Number(message.destination)))];
  const terms = new Map(
    await Promise.all(
      destinations.map(async (chainId) => [chainId, await nextRelayTerms(engineOf(context, chainId), context.relayer.address)] as const),
    ),
  );
  return sent.map(({ message, item }) => {
    const next = terms.get(Number(message.destination))!;
    const relay = context.relayer.relayTransaction(message, next);
    next.nonce++;
    return { transaction: { ...relay, relayOf: item.transaction.relayOf ?? item.transaction.hash }, unit: item.unit };
  });
}

/**
 * A unit run alone, leg by leg (each transaction and action in its own
 * block): where it runs, what it included so far, and, for simulations and
 * traces, who watches each action.
 */
export interface UnitRun {
  context: ExecutionContext;
  timestamp: number;
  /** The way back to where the unit started. */
  rollback: Rollback;
  /** What the unit included so far, in order. */
  steps: SlotExecution["included"];
  /** Told of each action once it is mined or refused (simulations trace it). */
  onAction?: (action: RelayedAction) => Promise<void>;
}

/** An action (the relay of a message) as a unit ran it. */
export interface RelayedAction {
  relay: SequencedTransaction;
  message: CrossDomainMessage;
  /** 1 for the action of a message the trigger sent, 2 for one that action sent, … */
  depth: number;
  mined: MinedOne;
}

/**
 * Runs one unit: each transaction in its own block, and after each, the
 * relays of the messages it sent, depth first. Returns why it failed, or
 * `undefined` with `run.steps` holding what was included.
 */
async function runUnit(run: UnitRun, unit: Unit): Promise<Failure | undefined> {
  const { context } = run;
  for (const [index, transaction] of unit.entries()) {
    const engine = engineOf(context, transaction.chainId);
    const mined = await mineOne(engine, transaction, run.timestamp, run.rollback);
    const prefix = unit.length > 1 ? `bundle transaction ${index} (${transaction.hash}): ` : "";
    const culprit = transaction.hash;
    if (mined.kind === "refused") return { reason: prefixed(prefix, mined.reason), culprit };
    if (!mined.receipt.success && (context.revertProtection || unit.length > 1)) {
      const reason = await triggerReverted(context, engine, { call: callOf(transaction), to: transaction.to, hash: transaction.hash }, mined.block.number - 1);
      return { reason: prefixed(prefix, reason), culprit };
    }
    run.steps.push({ transaction, block: mined.block });
    const messages = sentMessagesOf(mined.receipt.logs, transaction.chainId);
    const failure = await relayAll(run, transaction.hash, messages, 1);
    if (failure !== undefined) return { reason: prefixed(prefix, failure.reason), culprit };
  }
  return undefined;
}

/** A reason with words put before its own (a bundle's transaction's index and hash). */
export function prefixed(prefix: string, reason: DropReason): DropReason {
  return prefix === "" ? reason : dropReason(reason.code, `${prefix}${reason.message}`, reason.failedLeg);
}

/**
 * Relays messages one by one, each followed by the relays of the messages
 * its action sent (depth first), and returns why the first that cannot run
 * failed: too deep, withheld, refused or reverted (with its leg).
 */
export async function relayAll(run: UnitRun, trigger: Hex, messages: readonly CrossDomainMessage[], depth: number): Promise<Failure | undefined> {
  const { context } = run;
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
    const relay = { ...context.relayer.relayTransaction(message, await nextRelayTerms(destination, context.relayer.address)), relayOf: trigger };
    const where = `the action on rollup ${message.destination} (target ${message.target})`;
    const mined = await mineOne(destination, relay, run.timestamp, run.rollback);
    await run.onAction?.({ relay, message, depth, mined });
    const leg = { role: "action", chainId: destinationId, target: message.target, depth, messageHash: message.hash } as const;
    if (mined.kind === "refused") {
      return { reason: dropReason("action-reverted", `${where} was not included: ${mined.reason.message}`, { ...leg, data: "0x" }) };
    }
    if (!mined.receipt.success) {
      // Re-run it on the state before it to learn why; the unit is rolled back anyway.
      const revert = await revertOf(context, destination, callOf(relay), mined.block.number - 1);
      return { reason: dropReason("action-reverted", `${where} failed: ${revert.words}`, { ...leg, data: actionRevertData(revert.data) }) };
    }
    run.steps.push({ transaction: relay, block: mined.block });
    const nested = sentMessagesOf(mined.receipt.logs, destinationId);
    const failure = await relayAll(run, trigger, nested, depth + 1);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/** One transaction mined alone: refused by its rollup, or in a block with its receipt. */
export type MinedOne =
  | { kind: "refused"; reason: DropReason }
  | { kind: "mined"; block: ProducedBlock; receipt: { success: boolean; gasUsed: bigint; logs: RpcLog[] } };

/** Mines one signed transaction in a block of its own, after `rollback` has a way back for its rollup. */
export async function mineOne(engine: RollupEngine, transaction: SequencedTransaction, timestamp: number, rollback: Rollback): Promise<MinedOne> {
  const produced = await produceBlock(engine, [transaction], timestamp, rollback);
  const [dropped] = produced.dropped;
  if (dropped !== undefined) {
    const reason = dropReason(dropped.reason.code, `rollup ${engine.chainId} refused it: ${dropped.reason.message}`);
    return { kind: "refused" as const, reason };
  }
  return { kind: "mined" as const, block: produced.block, receipt: produced.receipts[0]! };
}

/** A transaction that reverted, as {@link triggerReverted} re-runs it. */
export interface RevertedTrigger {
  /** The call that re-runs it. */
  call: CallRequest;
  /** Its recipient; `undefined` for a contract creation. */
  to: Address | undefined;
  /** Its hash, when it is a signed transaction the sequencer holds. */
  hash?: Hex;
}

/**
 * Why a trigger reverted, as its sender should read it: re-run as a call on
 * the state after `parentBlock` (before it), with the leg that failed.
 */
export async function triggerReverted(context: ExecutionContext, engine: RollupEngine, trigger: RevertedTrigger, parentBlock: number): Promise<DropReason> {
  const target = trigger.to === undefined ? "" : ` (to ${getAddress(trigger.to)})`;
  const revert = await revertOf(context, engine, trigger.call, parentBlock);
  return dropReason("reverted", `reverted on rollup ${engine.chainId}${target}: ${revert.words}`, {
    role: "trigger",
    chainId: engine.chainId,
    target: trigger.to === undefined ? null : getAddress(trigger.to),
    data: revert.data,
    depth: 0,
    ...(trigger.hash === undefined ? {} : { transactionHash: trigger.hash }),
  });
}

/**
 * Re-runs a reverted transaction as a call on the state after
 * `parentBlock`: its full revert data, described. A call that returns
 * instead is taken to have run out of gas in the transaction: it has no
 * revert data.
 */
async function revertOf(context: ExecutionContext, engine: RollupEngine, call: CallRequest, parentBlock: number): Promise<{ data: Hex; words: string }> {
  const result = await engine.call(call, parentBlock);
  return result.kind === "reverted" ? { data: result.data ?? "0x", words: describeRevert(result.data, context.abis) } : { data: "0x", words: "out of gas" };
}

/** The call that re-runs a signed transaction. */
export function callOf(transaction: SequencedTransaction): CallRequest {
  const parsed = parseTransaction(transaction.raw as TransactionSerialized);
  return {
    from: transaction.from,
    ...(parsed.to ? { to: parsed.to } : {}),
    ...(parsed.data === undefined ? {} : { data: parsed.data }),
    value: parsed.value ?? 0n,
    gas: transaction.gas,
  };
}

/**
 * Hands a rollup's share to its engine and mines one block at `timestamp`,
 * after `rollback` has a way back for that rollup. A transaction the chain
 * refuses or leaves out is dropped with the chain's reason, and so are its
 * sender's later nonces in the share.
 */
async function produceBlock(engine: RollupEngine, share: readonly SequencedTransaction[], timestamp: number, rollback: Rollback) {
  await rollback.cover(engine);
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
  const receipts: { success: boolean; gasUsed: bigint; logs: RpcLog[] }[] = [];
  for (const [index, transaction] of share.entries()) {
    const outcome = mined.outcomes[index]!;
    const earlier = droppedNonces.get(senderKey(transaction));
    if (outcome.kind === "refused") {
      drop(transaction, earlier !== undefined && earlier < transaction.nonce ? droppedPredecessor(earlier) : dropReason(refusalCode(outcome.reason), outcome.reason));
      continue;
    }
    included.push(transaction);
    receipts.push({ success: outcome.success, gasUsed: outcome.gasUsed, logs: outcome.logs });
  }
  // Global sequence numbers follow the share's order, so the block must hold it in that order.
  if (mined.block.transactionHashes.some((hash, index) => included[index]?.hash !== hash)) {
    throw new Error(`Rollup ${engine.chainId} mined block ${mined.block.number} in another order than the sequencer gave`);
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

/** The engine of a rollup of the context. */
export function engineOf(context: ExecutionContext, chainId: number): RollupEngine {
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

/**
 * The way back to where an attempt started, one engine at a time: a
 * snapshot is taken just before the attempt first mines on a rollup, so a
 * slot pays only for the rollups it touches. An attempt inside a slot, on a
 * rollup the slot has not touched yet, shares the slot's snapshot: going
 * back to it is going back to the attempt's start too, and the slot takes a
 * fresh one if it mines there again.
 */
export class Rollback {
  readonly #slot: Rollback | undefined;
  readonly #snapshots = new Map<RollupEngine, EngineSnapshot>();
  /** Rollups whose way back is the slot's snapshot (see the class comment). */
  readonly #shared = new Set<RollupEngine>();

  /** `slot`: the slot's own rollback, for an attempt within it. */
  constructor(slot?: Rollback) {
    this.#slot = slot;
  }

  #covers(engine: RollupEngine): boolean {
    return this.#snapshots.has(engine) || this.#shared.has(engine);
  }

  /** Makes sure there is a way back for `engine` before the attempt mines on it. */
  async cover(engine: RollupEngine): Promise<void> {
    if (this.#covers(engine)) return;
    if (this.#slot !== undefined && !this.#slot.#covers(engine)) {
      await this.#slot.cover(engine);
      this.#shared.add(engine);
      return;
    }
    this.#snapshots.set(engine, await engine.snapshot());
  }

  /**
   * Puts every rollup the attempt touched back where it started, each even
   * if another fails (see {@link revertAll}).
   *
   * @throws {RollupRevertError} when a rollup cannot go back.
   */
  async revert(): Promise<void> {
    const targets: [RollupEngine, EngineSnapshot][] = [...this.#snapshots];
    for (const engine of this.#shared) {
      // EDR drops a snapshot when it goes back to it: the slot takes a new one if it mines there again.
      targets.push([engine, this.#slot!.#snapshots.get(engine)!]);
      this.#slot!.#snapshots.delete(engine);
    }
    this.#snapshots.clear();
    this.#shared.clear();
    await revertAll(
      targets.map(([engine]) => engine),
      targets.map(([, snapshot]) => snapshot),
    );
  }

  /** The attempt succeeded: its own snapshots will not be gone back to. */
  async release(): Promise<void> {
    const owned = [...this.#snapshots];
    this.#snapshots.clear();
    this.#shared.clear();
    await Promise.all(owned.map(async ([engine, snapshot]) => engine.release(snapshot)));
  }
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
export async function revertAll(engines: readonly RollupEngine[], snapshots: readonly EngineSnapshot[]): Promise<void> {
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
