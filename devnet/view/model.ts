import type { Hex } from "viem";
import type { CertifiedBatch } from "../../sequencer/committee/committee.ts";
import type { JournalEntry } from "../../sequencer/ports.ts";
import type { DropReason } from "../../sequencer/reasons.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import type { SequencerEvents } from "../../sequencer/sequencer.ts";
import { type SequencedTransaction, senderKey, type SlotResult } from "../../sequencer/types.ts";
import { pendingChip, type ReasonExplainer, rawReason, slotView } from "./slot-view.ts";
import { type BatchView, type ChainView, type DevnetEvent, type DevnetView, type StatusView, VIEW_SLOT_LIMIT } from "./types.ts";

/** How many batch sizes are remembered for rebuilds: far more than the batches of the slots kept. */
const BATCH_SIZES_KEPT = 10_000;

/** What the view reads from the devnet now (a revert replaces the sequencer, so these are read at each call). */
export interface DevnetViewSource {
  /** L1 and the rollups, in registration order. */
  chains(): { l1: ChainView; rollups: ChainView[] };
  /** The sequencer panel (`xr_getSequencerStatus` with `paused`). */
  status(): StatusView;
  /** `xr_getTransactionStatus`: how a transaction the view still shows pending ended. */
  transactionStatus(hash: Hex): TransactionStatus | null;
}

/** Options of {@link DevnetViewModel}. */
export interface DevnetViewModelParameters {
  source: DevnetViewSource;
  /** Words for drop reasons; default: the sequencer's own. */
  explain?: ReasonExplainer;
  /** Slots kept; default {@link VIEW_SLOT_LIMIT}. */
  slotLimit?: number;
}

/** A slot as kept: the sequencer's result, and the later nonces its drops took with them. */
interface KeptSlot {
  result: SlotResult;
  alsoDropped: { transaction: SequencedTransaction; reason: DropReason }[];
}

/**
 * The classroom view of a running devnet: the last slots, the pending
 * transactions and the batches, fed by the sequencer's events (or rebuilt
 * from its journal after a revert), and told to listeners as
 * {@link DevnetEvent}s. Slots are kept as the sequencer produced them and
 * drawn only when someone looks: with nobody watching, a slot costs a list
 * push.
 */
export class DevnetViewModel {
  readonly #source: DevnetViewSource;
  readonly #explain: ReasonExplainer;
  readonly #slotLimit: number;
  readonly #listeners = new Set<(event: DevnetEvent) => void>();
  #slots: KeptSlot[] = [];
  /** Accepted and not yet included or dropped, in arrival order (a Map keeps insertion order). */
  #pending = new Map<Hex, SequencedTransaction>();
  /** The pending transaction holding each sender's nonce: a replacement takes its place. */
  #pendingAt = new Map<string, Hex>();
  #batches: BatchView[] = [];
  /** Batch sizes by batch hash: the journal does not keep them, and a rebuild after a revert finds the same batches. */
  readonly #batchBytes = new Map<Hex, number>();

  constructor({ source, explain = rawReason, slotLimit = VIEW_SLOT_LIMIT }: DevnetViewModelParameters) {
    this.#source = source;
    this.#explain = explain;
    this.#slotLimit = slotLimit;
  }

  /** The listeners to give the sequencer (`SequencerParameters.events`). */
  get events(): SequencerEvents {
    return {
      onAccepted: (transaction) => this.#accepted(transaction),
      onSlot: (slot) => this.#slotProduced(slot),
      onStatusChanged: () => this.#tellStatus(),
    };
  }

  /** A batch L1 accepted (`SequencerParameters.onBatch`). */
  batchPosted(batch: CertifiedBatch, l1TxHash: Hex): void {
    const bytes = (batch.data.length - 2) / 2;
    this.#batchBytes.set(batch.hash, bytes);
    // Oldest first out: a long-running devnet must not keep every batch's size.
    if (this.#batchBytes.size > BATCH_SIZES_KEPT) this.#batchBytes.delete(this.#batchBytes.keys().next().value!);
    const view: BatchView = {
      number: Number(batch.header.number),
      globalSeqStart: Number(batch.header.globalSeqStart),
      globalSeqEnd: Number(batch.header.globalSeqEnd),
      bytes,
      l1TxHash,
      slots: { ...batch.slots },
    };
    this.#batches.push(view);
    this.#forgetOld();
    if (this.#listeners.size === 0) return;
    this.#tell({ kind: "batch", batch: view });
    this.#tellStatus();
  }

  /**
   * Starts again from the sequencer's journal (after a revert, or at a
   * start that resumed a devnet), and tells every listener `reset`: their
   * subscriptions end, and the page subscribes again for the new state.
   */
  rebuild(journal: readonly JournalEntry[]): void {
    this.#slots = [];
    this.#pending = new Map();
    this.#pendingAt = new Map();
    this.#batches = [];
    let globalSeqStart = 0;
    for (const entry of journal) {
      switch (entry.kind) {
        case "accepted":
          this.#accept(entry.transaction);
          break;
        case "slot":
          this.#keep(entry.slot);
          break;
        case "settled":
          // The slot's own outcomes are in its result; the rest are later nonces of its dropped senders (or replacements).
          if (entry.outcome.kind === "dropped") this.#droppedOutside(entry.hash, entry.outcome.reason);
          else this.#remove(entry.hash);
          break;
        case "batch": {
          const globalSeqEnd = entry.inbox.nextGlobalSeq;
          const { number, l1TxHash, hash, slots } = entry.posted;
          this.#batches.push({ number, globalSeqStart, globalSeqEnd, bytes: this.#batchBytes.get(hash) ?? 0, l1TxHash, slots: { ...slots } });
          globalSeqStart = entry.inbox.nextGlobalSeq;
          break;
        }
      }
    }
    this.#forgetOld();
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener({ kind: "reset" });
  }

  /** Everything kept, drawn now: a subscription's first notification. */
  view(): DevnetView {
    const { l1, rollups } = this.#source.chains();
    const context = { chainOrder: rollups.map((rollup) => rollup.chainId), explain: this.#explain };
    return {
      l1,
      rollups,
      slots: this.#slots.map(({ result, alsoDropped }) => slotView(result, context, alsoDropped)),
      pending: [...this.#pending.values()].map(pendingChip),
      batches: [...this.#batches],
      status: this.#source.status(),
    };
  }

  /**
   * Tells `listener` every event from now on, until the returned function
   * is called or a {@link rebuild} ends it with `reset`.
   */
  listen(listener: (event: DevnetEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #accepted(transaction: SequencedTransaction): void {
    this.#accept(transaction);
    if (this.#listeners.size > 0) this.#tell({ kind: "pending", tx: pendingChip(transaction) });
  }

  #accept(transaction: SequencedTransaction): void {
    const at = `${senderKey(transaction)}:${transaction.nonce}`;
    const replaced = this.#pendingAt.get(at);
    if (replaced !== undefined) this.#pending.delete(replaced);
    this.#pending.set(transaction.hash, transaction);
    this.#pendingAt.set(at, transaction.hash);
  }

  #remove(hash: Hex): SequencedTransaction | undefined {
    const transaction = this.#pending.get(hash);
    if (transaction === undefined) return undefined;
    this.#pending.delete(hash);
    const at = `${senderKey(transaction)}:${transaction.nonce}`;
    if (this.#pendingAt.get(at) === hash) this.#pendingAt.delete(at);
    return transaction;
  }

  /** A pending transaction dropped beside the slot's own drops: shown with the last slot, unless it was replaced (its replacement is its chip). */
  #droppedOutside(hash: Hex, reason: DropReason): void {
    const transaction = this.#remove(hash);
    const last = this.#slots.at(-1);
    if (transaction !== undefined && last !== undefined && reason.code !== "replaced") last.alsoDropped.push({ transaction, reason });
  }

  #slotProduced(slot: SlotResult): void {
    const kept = this.#keep(slot);
    // Its outcomes are settled before it is told: a dropped sender's later nonces are dropped already.
    if (slot.dropped.length > 0) {
      const senders = new Set(slot.dropped.map(({ transaction }) => senderKey(transaction)));
      for (const transaction of [...this.#pending.values()]) {
        if (!senders.has(senderKey(transaction))) continue;
        const status = this.#source.transactionStatus(transaction.hash);
        if (status?.status !== "dropped" || status.reasonCode === undefined) continue;
        const reason: DropReason = {
          code: status.reasonCode,
          message: status.reason ?? "",
          ...(status.failedLeg === undefined ? {} : { failedLeg: status.failedLeg }),
        };
        this.#droppedOutside(transaction.hash, reason);
      }
    }
    if (this.#listeners.size === 0) return;
    const chainOrder = this.#source.chains().rollups.map((rollup) => rollup.chainId);
    this.#tell({ kind: "slot", slot: slotView(kept.result, { chainOrder, explain: this.#explain }, kept.alsoDropped) });
    this.#tellStatus();
  }

  #keep(slot: SlotResult): KeptSlot {
    for (const { transaction } of slot.included) this.#remove(transaction.hash);
    for (const { transaction } of slot.dropped) this.#remove(transaction.hash);
    const kept: KeptSlot = { result: slot, alsoDropped: [] };
    this.#slots.push(kept);
    this.#forgetOld();
    return kept;
  }

  /** Keeps the last slots, and the batches that carry any of them. */
  #forgetOld(): void {
    if (this.#slots.length > this.#slotLimit) this.#slots.splice(0, this.#slots.length - this.#slotLimit);
    const oldest = this.#slots[0]?.result.slot;
    if (oldest !== undefined) this.#batches = this.#batches.filter((batch) => batch.slots.last >= oldest);
  }

  #tellStatus(): void {
    if (this.#listeners.size === 0) return;
    this.#tell({ kind: "status", status: this.#source.status() });
  }

  #tell(event: DevnetEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/** Both sets of sequencer listeners, in order: the devnet's subscriptions and its view hear every event. */
export function joinSequencerEvents(...listeners: readonly SequencerEvents[]): SequencerEvents {
  return {
    onAccepted: (transaction) => {
      for (const events of listeners) events.onAccepted?.(transaction);
    },
    onSlot: (slot) => {
      for (const events of listeners) events.onSlot?.(slot);
    },
    onStatusChanged: () => {
      for (const events of listeners) events.onStatusChanged?.();
    },
  };
}
