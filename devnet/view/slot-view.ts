import type { Hex } from "viem";
import type { DropReason } from "../../sequencer/reasons.ts";
import type { SequencedTransaction, SlotResult } from "../../sequencer/types.ts";
import type { MessageArrow, SlotView, TxChip } from "./types.ts";

/** Words for a drop reason, for the page: plain words, amounts in token units. */
export type ReasonExplainer = (reason: DropReason) => string;

/** The sequencer's own words, unchanged: what the view says when no explainer is given. */
export const rawReason: ReasonExplainer = (reason) => reason.message;

/** What {@link slotView} needs beside the slot. */
export interface SlotViewContext {
  /** The rollups' chain ids in registration order: a dropped unit's chains are listed in it. */
  chainOrder: readonly number[];
  /** Words for the drop reasons. Default: {@link rawReason}. */
  explain?: ReasonExplainer;
}

/**
 * A slot as the page draws it: one chip per included transaction or action
 * (an action points at its trigger), an arrow per cross-rollup message, and
 * one chip per dropped unit, listing every rollup it touched. Pure.
 *
 * @param alsoDropped Transactions the slot dropped that its result does not list: later nonces of a dropped transaction's sender.
 */
export function slotView(
  slot: SlotResult,
  { chainOrder, explain = rawReason }: SlotViewContext,
  alsoDropped: readonly { transaction: SequencedTransaction; reason: DropReason }[] = [],
): SlotView {
  const chips = slot.included.map(({ transaction, inclusion }): TxChip => ({
    ...chipBase(transaction),
    globalSeq: inclusion.globalSeq,
    status: "included",
    slot: slot.slot,
    blockNumber: inclusion.blockNumber,
  }));
  const chainOf = new Map<Hex, number>(chips.map((chip) => [chip.hash, chip.chainId]));
  const messages = chips.flatMap((chip): MessageArrow[] => {
    const from = chip.messageOf === undefined ? undefined : chainOf.get(chip.messageOf);
    return chip.messageOf === undefined || from === undefined ? [] : [{ trigger: chip.messageOf, action: chip.hash, from, to: chip.chainId }];
  });
  const dropped = [...slot.dropped, ...alsoDropped].map(({ transaction, reason }) => droppedChip(transaction, reason, { chainOrder, explain }, slot.slot));
  const leader = slot.certificate?.leader;
  return {
    slot: slot.slot,
    timestamp: slot.timestamp,
    ...(leader === undefined ? {} : { leader }),
    chips,
    dropped,
    messages,
    blocks: slot.blocks.map(({ chainId, number }) => ({ chainId, number })),
    ...(slot.addsRollup === undefined ? {} : { addsRollup: slot.addsRollup.chainId }),
  };
}

/** A transaction just accepted: a pending chip in its rollup's lane. */
export function pendingChip(transaction: SequencedTransaction): TxChip {
  return { ...chipBase(transaction), status: "pending" };
}

/**
 * A dropped unit: red on its own rollup and on the rollup of the leg that
 * failed (the action's, when a message's action reverted), with the reason.
 */
export function droppedChip(
  transaction: SequencedTransaction,
  reason: DropReason,
  { chainOrder, explain = rawReason }: SlotViewContext,
  slot?: number,
): TxChip {
  const touched = new Set([transaction.chainId, ...(reason.failedLeg === undefined ? [] : [reason.failedLeg.chainId])]);
  const words = explain(reason);
  return {
    ...chipBase(transaction),
    status: "dropped",
    ...(slot === undefined ? {} : { slot }),
    reason: words,
    reasonCode: reason.code,
    chains: [...touched].sort((a, b) => rank(chainOrder, a) - rank(chainOrder, b)),
    ...(words === reason.message ? {} : { rawReason: reason.message }),
  };
}

function chipBase(transaction: SequencedTransaction): Pick<TxChip, "hash" | "chainId" | "from" | "to" | "role" | "messageOf"> {
  return {
    hash: transaction.hash,
    chainId: transaction.chainId,
    from: transaction.from,
    ...(transaction.to === undefined ? {} : { to: transaction.to }),
    role: transaction.relayOf === undefined ? "transaction" : "action",
    ...(transaction.relayOf === undefined ? {} : { messageOf: transaction.relayOf }),
  };
}

/** Position in the registration order; chains it does not know (L1) go last. */
function rank(order: readonly number[], chainId: number): number {
  const index = order.indexOf(chainId);
  return index === -1 ? order.length : index;
}
