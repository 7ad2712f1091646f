import type { Hex } from "viem";
import type { Chain } from "../rollups/chain.ts";
import type { ProducedBlock, SequencedTransaction } from "./types.ts";

/** What one slot asks of the rollups. */
export interface SlotPlan {
  slot: number;
  /** Unix timestamp (seconds) of every block of the slot. */
  timestamp: number;
  /** The slot's transactions in global order. */
  order: readonly SequencedTransaction[];
  /** Produce a block on rollups that have no transaction in the slot too (slot mode). */
  emptyBlocks: boolean;
}

/** What executing a slot did, before global sequence numbers are assigned. */
export interface SlotExecution {
  /** Included transactions in global order, with the block each went into. */
  included: { transaction: SequencedTransaction; block: ProducedBlock }[];
  dropped: { transaction: SequencedTransaction; reason: string }[];
  blocks: ProducedBlock[];
}

interface RpcBlock {
  number: Hex;
  hash: Hex;
  stateRoot: Hex;
  timestamp: Hex;
  baseFeePerGas?: Hex;
  transactions: Hex[];
}

/**
 * Executes a slot: on every rollup (concurrently, as EDR serves each chain
 * off the main thread) it hands the rollup's share of the order to the chain
 * and mines one block at the slot's timestamp. A transaction the chain
 * refuses or leaves out is dropped with the chain's reason; nothing is left
 * behind in the chain's own mempool.
 */
export async function executeSlot(rollups: readonly Chain[], plan: SlotPlan): Promise<SlotExecution> {
  const perRollup = await Promise.all(
    rollups.map((rollup) => {
      const share = plan.order.filter((transaction) => transaction.chainId === rollup.spec.chainId);
      return share.length > 0 || plan.emptyBlocks ? produceBlock(rollup, share, plan.timestamp) : undefined;
    }),
  );
  const blocks: ProducedBlock[] = [];
  const dropped: SlotExecution["dropped"] = [];
  const blockOf = new Map<Hex, ProducedBlock>();
  for (const result of perRollup) {
    if (result === undefined) continue;
    blocks.push(result.block);
    dropped.push(...result.dropped);
    for (const hash of result.includedHashes) blockOf.set(hash, result.block);
  }
  const included = plan.order.flatMap((transaction) => {
    const block = blockOf.get(transaction.hash);
    return block === undefined ? [] : [{ transaction, block }];
  });
  return { included, dropped, blocks };
}

async function produceBlock(rollup: Chain, share: readonly SequencedTransaction[], timestamp: number) {
  const { provider } = rollup;
  const dropped: { transaction: SequencedTransaction; reason: string }[] = [];
  const sent: SequencedTransaction[] = [];
  for (const transaction of share) {
    const earlier = dropped.find((d) => sameSender(d.transaction, transaction) && d.transaction.nonce < transaction.nonce);
    if (earlier !== undefined) {
      dropped.push({ transaction, reason: droppedPredecessorReason(earlier.transaction) });
      continue;
    }
    try {
      await provider.request({ method: "eth_sendRawTransaction", params: [transaction.raw] });
      sent.push(transaction);
    } catch (error) {
      dropped.push({ transaction, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  await provider.request({ method: "evm_mine", params: [timestamp] });
  const mined = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as RpcBlock;
  const minedHashes = new Set(mined.transactions);
  const includedHashes: Hex[] = [];
  const rawByHash = new Map<Hex, Hex>();
  for (const transaction of sent) {
    if (minedHashes.has(transaction.hash)) {
      includedHashes.push(transaction.hash);
      rawByHash.set(transaction.hash, transaction.raw);
      continue;
    }
    await provider.request({ method: "hardhat_dropTransaction", params: [transaction.hash] });
    const earlier = dropped.find((d) => sameSender(d.transaction, transaction) && d.transaction.nonce < transaction.nonce);
    const reason =
      earlier !== undefined
        ? droppedPredecessorReason(earlier.transaction)
        : BigInt(mined.baseFeePerGas ?? "0x0") > transaction.maxFeePerGas
          ? `max fee per gas ${transaction.maxFeePerGas} is below the block's base fee ${BigInt(mined.baseFeePerGas ?? "0x0")}`
          : "the chain did not include it in the slot's block";
    dropped.push({ transaction, reason });
  }
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
  return { block, dropped, includedHashes };
}

function sameSender(a: SequencedTransaction, b: SequencedTransaction): boolean {
  return a.from.toLowerCase() === b.from.toLowerCase();
}

function droppedPredecessorReason(predecessor: SequencedTransaction): string {
  return `an earlier transaction of the sender (nonce ${predecessor.nonce}) was dropped`;
}
