import { getAddress, type Hex, parseTransaction, type RpcLog, type TransactionSerialized } from "viem";
import type { Chain } from "../rollups/chain.ts";
import { type CrossDomainMessage, type Relayer, sentMessagesOf } from "./relayer.ts";
import { describeRevert, revertDataOf } from "./revert-reason.ts";
import { type ProducedBlock, type SequencedTransaction, senderKey } from "./types.ts";

/** What executing slots needs besides the plan. */
export interface ExecutionContext {
  /** The rollup chains, in registration order. */
  rollups: readonly Chain[];
  relayer: Relayer;
  /** How deep messages sent while handling messages may nest (A→B→C is depth 2). */
  maxMessageDepth: number;
  /** Drop transactions that revert, with their reason, instead of including them reverted. */
  revertProtection: boolean;
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

/** What executing a slot did, before global sequence numbers are assigned. */
export interface SlotExecution {
  /**
   * Included transactions in global order, each with the block it went
   * into: the slot's own, and right after each trigger the relays (actions)
   * of the messages it sent.
   */
  included: { transaction: SequencedTransaction; block: ProducedBlock }[];
  /** Dropped transactions; in a failed bundle, `failedTransaction` is the one that failed. */
  dropped: { transaction: SequencedTransaction; reason: string; failedTransaction?: Hex }[];
  /** Blocks in the order they were produced. */
  blocks: ProducedBlock[];
  /** Whether any message was relayed (so the messengers' rolling hashes changed). */
  relayedMessages: boolean;
}

interface RpcBlock {
  number: Hex;
  hash: Hex;
  stateRoot: Hex;
  timestamp: Hex;
  baseFeePerGas?: Hex;
  transactions: Hex[];
}

interface RpcReceipt {
  transactionHash: Hex;
  status: Hex;
  logs: RpcLog[];
}

type Failure = { reason: string; culprit?: Hex };

/**
 * Executes a slot. The fast path gives each rollup one block with its share
 * of the order (EDR serves each chain off the main thread, so rollups run
 * concurrently). If that block holds a cross-rollup message, a reverted
 * transaction under revert protection, or the slot holds a bundle, the slot
 * is rolled back and run unit by unit (a transaction with everything its
 * messages cause, or a bundle), each unit atomic across all rollups.
 */
export async function executeSlot(context: ExecutionContext, plan: SlotPlan): Promise<SlotExecution> {
  if (!plan.order.some((transaction) => transaction.bundleId !== undefined)) {
    // Only the rollups the fast path mines on need a way back.
    const touched = context.rollups.filter(
      (rollup) => plan.emptyBlocks || plan.order.some((transaction) => transaction.chainId === rollup.spec.chainId),
    );
    const snapshots = await snapshotAll(touched);
    const fast = await executeInOneBlock(context, plan);
    if (fast !== undefined) return fast;
    await revertAll(touched, snapshots);
  }
  return executeUnitByUnit(context, plan);
}

/** The fast path; `undefined` when the slot needs the unit-by-unit path. */
async function executeInOneBlock(context: ExecutionContext, plan: SlotPlan): Promise<SlotExecution | undefined> {
  const perRollup = await Promise.all(
    context.rollups.map(async (rollup) => {
      const share = plan.order.filter((transaction) => transaction.chainId === rollup.spec.chainId);
      if (share.length === 0 && !plan.emptyBlocks) return undefined;
      const produced = await produceBlock(rollup, share, plan.timestamp);
      const receipts = await Promise.all(produced.included.map((transaction) => receiptOf(rollup, transaction.hash)));
      const clean = receipts.every(
        (receipt) =>
          (receipt.status === "0x1" || !context.revertProtection) && sentMessagesOf(receipt.logs, rollup.spec.chainId).length === 0,
      );
      return { ...produced, clean };
    }),
  );
  if (perRollup.some((result) => result !== undefined && !result.clean)) return undefined;
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
    const snapshots = predecessor === undefined ? await snapshotAll(context.rollups) : undefined;
    const steps: SlotExecution["included"] = [];
    const failure =
      predecessor === undefined
        ? await runUnit(context, unit, plan.timestamp, steps)
        : { reason: droppedPredecessorReason(droppedNonces.get(senderKey(predecessor))!) };
    if (failure === undefined) {
      execution.included.push(...steps);
      execution.blocks.push(...steps.map((step) => step.block));
      execution.relayedMessages ||= steps.length > unit.length;
      continue;
    }
    if (snapshots !== undefined) await revertAll(context.rollups, snapshots);
    for (const transaction of unit) {
      execution.dropped.push({
        transaction,
        reason: failure.reason,
        ...(failure.culprit === undefined ? {} : { failedTransaction: failure.culprit }),
      });
      const key = senderKey(transaction);
      droppedNonces.set(key, Math.min(droppedNonces.get(key) ?? Infinity, transaction.nonce));
    }
  }
  if (plan.emptyBlocks) {
    const withBlock = new Set(execution.blocks.map((block) => block.chainId));
    const empty = context.rollups.filter((rollup) => !withBlock.has(rollup.spec.chainId));
    const produced = await Promise.all(empty.map((rollup) => produceBlock(rollup, [], plan.timestamp)));
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
    const rollup = rollupOf(context, transaction.chainId);
    const mined = await mineOne(rollup, transaction, timestamp);
    const prefix = unit.length > 1 ? `bundle transaction ${index} (${transaction.hash}): ` : "";
    const culprit = transaction.hash;
    if ("reason" in mined) return { reason: `${prefix}${mined.reason}`, culprit };
    if (mined.receipt.status !== "0x1" && (context.revertProtection || unit.length > 1)) {
      return { reason: `${prefix}${await revertReason(rollup, transaction, mined.block.number - 1)}`, culprit };
    }
    steps.push({ transaction, block: mined.block });
    const messages = sentMessagesOf(mined.receipt.logs, transaction.chainId);
    const failure = await relayAll(context, transaction.hash, messages, 1, timestamp, steps);
    if (failure !== undefined) return { reason: `${prefix}${failure.reason}`, culprit };
  }
  return undefined;
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
    if (depth > context.maxMessageDepth) {
      return {
        reason: `message ${message.hash} from rollup ${message.source} to rollup ${message.destination} exceeds the message depth limit of ${context.maxMessageDepth}`,
      };
    }
    const destination = rollupOf(context, Number(message.destination));
    const relay = { ...(await context.relayer.relayTransaction(destination, message)), relayOf: trigger };
    const where = `the action on rollup ${message.destination} (target ${message.target})`;
    const mined = await mineOne(destination, relay, timestamp);
    if ("reason" in mined) return { reason: `${where} was not included: ${mined.reason}` };
    if (mined.receipt.status !== "0x1") {
      // Re-run it on the state before it to learn why; the unit is rolled back anyway.
      return { reason: `${where} failed: ${await callRevertReason(destination, relay, mined.block.number - 1)}` };
    }
    steps.push({ transaction: relay, block: mined.block });
    const nested = sentMessagesOf(mined.receipt.logs, Number(message.destination));
    const failure = await relayAll(context, trigger, nested, depth + 1, timestamp, steps);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

async function mineOne(rollup: Chain, transaction: SequencedTransaction, timestamp: number) {
  const produced = await produceBlock(rollup, [transaction], timestamp);
  const [dropped] = produced.dropped;
  if (dropped !== undefined) return { reason: `rollup ${rollup.spec.chainId} refused it: ${dropped.reason}` };
  return { block: produced.block, receipt: await receiptOf(rollup, transaction.hash) };
}

/** Why a transaction reverted, as its sender should read it. */
async function revertReason(rollup: Chain, transaction: SequencedTransaction, parentBlock: number): Promise<string> {
  const { to } = parseTransaction(transaction.raw as TransactionSerialized);
  const target = to ? ` (to ${getAddress(to)})` : "";
  return `reverted on rollup ${rollup.spec.chainId}${target}: ${await callRevertReason(rollup, transaction, parentBlock)}`;
}

/** Re-runs a reverted transaction as a call on the state before it, and describes its revert data. */
async function callRevertReason(rollup: Chain, transaction: SequencedTransaction, parentBlock: number): Promise<string> {
  const parsed = parseTransaction(transaction.raw as TransactionSerialized);
  try {
    await rollup.provider.request({
      method: "eth_call",
      params: [
        {
          from: transaction.from,
          to: parsed.to ?? undefined,
          data: parsed.data,
          value: `0x${(parsed.value ?? 0n).toString(16)}`,
          gas: `0x${transaction.gas.toString(16)}`,
        },
        `0x${parentBlock.toString(16)}`,
      ],
    });
  } catch (error) {
    return describeRevert(revertDataOf(error));
  }
  return "out of gas";
}

/**
 * Hands a rollup's share to its chain and mines one block at `timestamp`. A
 * transaction the chain refuses or leaves out is dropped with the chain's
 * reason; nothing is left behind in the chain's own mempool.
 */
async function produceBlock(
  rollup: Chain,
  share: readonly SequencedTransaction[],
  timestamp: number,
) {
  const { provider } = rollup;
  const droppedNonces = new Map<string, number>();
  const dropped: { transaction: SequencedTransaction; reason: string }[] = [];
  const drop = (transaction: SequencedTransaction, reason: string) => {
    dropped.push({ transaction, reason });
    const key = senderKey(transaction);
    droppedNonces.set(key, Math.min(droppedNonces.get(key) ?? Infinity, transaction.nonce));
  };
  const sent: SequencedTransaction[] = [];
  for (const transaction of share) {
    const earlier = droppedNonces.get(senderKey(transaction));
    if (earlier !== undefined && earlier < transaction.nonce) {
      drop(transaction, droppedPredecessorReason(earlier));
      continue;
    }
    try {
      await provider.request({ method: "eth_sendRawTransaction", params: [transaction.raw] });
      sent.push(transaction);
    } catch (error) {
      drop(transaction, error instanceof Error ? error.message : String(error));
    }
  }
  await provider.request({ method: "evm_mine", params: [timestamp] });
  const mined = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as RpcBlock;
  const minedHashes = new Set(mined.transactions);
  const included: SequencedTransaction[] = [];
  for (const transaction of sent) {
    if (minedHashes.has(transaction.hash)) {
      included.push(transaction);
      continue;
    }
    await provider.request({ method: "hardhat_dropTransaction", params: [transaction.hash] });
    const earlier = droppedNonces.get(senderKey(transaction));
    const baseFee = BigInt(mined.baseFeePerGas ?? "0x0");
    drop(
      transaction,
      earlier !== undefined && earlier < transaction.nonce
        ? droppedPredecessorReason(earlier)
        : baseFee > transaction.maxFeePerGas
          ? `max fee per gas ${transaction.maxFeePerGas} is below the block's base fee ${baseFee}`
          : "the chain did not include it in the slot's block",
    );
  }
  const rawByHash = new Map(included.map((transaction) => [transaction.hash, transaction.raw]));
  const block: ProducedBlock = {
    chainId: rollup.spec.chainId,
    number: Number(mined.number),
    hash: mined.hash,
    stateRoot: mined.stateRoot,
    timestamp: Number(mined.timestamp),
    transactions: mined.transactions.map((hash) => {
      const raw = rawByHash.get(hash);
      // Only the sequencer feeds rollup chains, so an unknown transaction
      // means something bypassed it and derivation would break.
      if (raw === undefined) throw new Error(`Rollup ${rollup.spec.chainId} mined ${hash}, which the sequencer never sent`);
      return raw;
    }),
  };
  return { block, dropped, included };
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

function rollupOf(context: ExecutionContext, chainId: number): Chain {
  const rollup = context.rollups.find((candidate) => candidate.spec.chainId === chainId);
  if (rollup === undefined) throw new Error(`Rollup ${chainId} is not part of this devnet`);
  return rollup;
}

async function receiptOf(rollup: Chain, hash: Hex): Promise<RpcReceipt> {
  return (await rollup.provider.request({ method: "eth_getTransactionReceipt", params: [hash] })) as RpcReceipt;
}

async function snapshotAll(rollups: readonly Chain[]): Promise<Hex[]> {
  return Promise.all(rollups.map((rollup) => rollup.provider.request({ method: "evm_snapshot", params: [] }) as Promise<Hex>));
}

async function revertAll(rollups: readonly Chain[], snapshots: readonly Hex[]): Promise<void> {
  await Promise.all(rollups.map((rollup, index) => rollup.provider.request({ method: "evm_revert", params: [snapshots[index]] })));
}


/** Why a transaction is dropped after an earlier nonce of its sender was. */
export function droppedPredecessorReason(nonce: number): string {
  return `an earlier transaction of the sender (nonce ${nonce}) was dropped`;
}
