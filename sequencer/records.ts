import type { Hex } from "viem";
import type { DropReason, FailedLeg, ReasonCode } from "./reasons.ts";
import type { Inclusion, SequencedTransaction } from "./types.ts";

/** How an accepted transaction ended; absent while it is pending. */
export type Outcome =
  | { kind: "included"; inclusion: Inclusion }
  | {
      kind: "dropped";
      reason: DropReason;
      /** In a bundle, the transaction whose failure dropped the bundle. */
      failedTransaction?: Hex;
    };

/** The L1 batch that carries a slot. */
export interface BatchRef {
  number: number;
  l1TxHash: Hex;
}

/** The answer of `xr_getBundle`. */
export interface BundleStatus {
  bundleId: Hex;
  status: "pending" | "included" | "dropped";
  transactions: TransactionStatus[];
  /** Which transaction made the bundle fail, and why; `failedLeg` when a trigger or action of it reverted. */
  failed: { hash: Hex; chainId: number; reason: string; reasonCode: ReasonCode; failedLeg?: FailedLeg } | null;
}

/** An earlier attempt of a transaction that was dropped, then sent again byte-identical. */
export interface EarlierAttempt {
  status: "dropped";
  reason: string;
  reasonCode: ReasonCode;
}

/** The answer of `xr_getTransactionStatus`. */
export interface TransactionStatus {
  status: "pending" | "included" | "dropped";
  globalSeq: number | null;
  chainId: number;
  blockNumber: number | null;
  slot: number | null;
  /** Why it was dropped, in words. */
  reason?: string;
  /** Why it was dropped, as a stable code. */
  reasonCode?: ReasonCode;
  /** When it was dropped because a leg of its unit reverted: which leg, where, and the raw revert data. */
  failedLeg?: FailedLeg;
  batch: BatchRef | null;
  /** For a trigger: the relays (actions) of the messages it caused, in global order. */
  relays?: { hash: Hex; chainId: number; globalSeq: number | null }[];
  /** For a relay: the trigger it acts for. */
  relayOf?: Hex;
  /** Earlier attempts, oldest first, when a dropped transaction was sent again: the status above is the latest. */
  attempts?: EarlierAttempt[];
}

interface TransactionRecord {
  transaction: SequencedTransaction;
  outcome?: Outcome;
  /** Outcomes of earlier attempts (each dropped), oldest first. */
  earlier: (Outcome & { kind: "dropped" })[];
  waiters: ((outcome: Outcome) => void)[];
}

/**
 * Every transaction the sequencer accepted and how it ended. The status is
 * computed from the record and the batches, never stored beside them.
 */
export class TransactionRecords {
  readonly #records = new Map<Hex, TransactionRecord>();
  /** Relays by trigger: an index over the records, for the trigger's status. */
  readonly #relays = new Map<Hex, Hex[]>();

  has(hash: Hex): boolean {
    return this.#records.has(hash);
  }

  /** Whether the transaction was accepted and has no outcome yet. */
  isPending(hash: Hex): boolean {
    const record = this.#records.get(hash);
    return record !== undefined && record.outcome === undefined;
  }

  /** Every transaction still pending, in no particular order. */
  pending(): SequencedTransaction[] {
    const pending: SequencedTransaction[] = [];
    for (const record of this.#records.values()) if (record.outcome === undefined) pending.push(record.transaction);
    return pending;
  }

  /**
   * Records an accepted transaction. A dropped transaction accepted again
   * starts a new attempt; its earlier outcomes stay listed.
   */
  accept(transaction: SequencedTransaction): void {
    const previous = this.#records.get(transaction.hash);
    if (previous !== undefined) {
      if (previous.outcome?.kind !== "dropped") return;
      previous.earlier.push(previous.outcome);
      previous.transaction = transaction;
      delete previous.outcome;
      return;
    }
    this.#records.set(transaction.hash, { transaction, earlier: [], waiters: [] });
    if (transaction.relayOf !== undefined) {
      this.#relays.set(transaction.relayOf, [...(this.#relays.get(transaction.relayOf) ?? []), transaction.hash]);
    }
  }

  /** Records how a transaction ended and wakes whoever waits for it. */
  settle(hash: Hex, outcome: Outcome): void {
    const record = this.#records.get(hash);
    if (record === undefined || record.outcome !== undefined) return;
    record.outcome = outcome;
    for (const wake of record.waiters.splice(0)) wake(outcome);
  }

  /** Resolves once the transaction is included or dropped. */
  outcome(hash: Hex): Promise<Outcome> {
    const record = this.#records.get(hash);
    if (record === undefined) return Promise.reject(new Error(`Unknown transaction ${hash}`));
    if (record.outcome !== undefined) return Promise.resolve(record.outcome);
    return new Promise((resolve) => record.waiters.push(resolve));
  }

  /** The status of a bundle, computed from its transactions' records. */
  bundleStatus(bundleId: Hex, hashes: readonly Hex[], batchOfSlot: (slot: number) => BatchRef | null): BundleStatus {
    const transactions = hashes.map((hash) => this.status(hash, batchOfSlot)!);
    const dropped = hashes
      .map((hash) => this.#records.get(hash)!.outcome)
      .find((outcome) => outcome?.kind === "dropped");
    const failedHash = dropped?.kind === "dropped" ? (dropped.failedTransaction ?? hashes[0]!) : undefined;
    // The failed transaction's own reason (the others say `bundle-failed`).
    const culprit = failedHash === undefined ? undefined : this.#records.get(failedHash)!.outcome;
    const reason = culprit?.kind === "dropped" ? culprit.reason : dropped?.kind === "dropped" ? dropped.reason : undefined;
    const failed =
      reason !== undefined && failedHash !== undefined
        ? {
            hash: failedHash,
            chainId: this.#records.get(failedHash)!.transaction.chainId,
            reason: reason.message,
            reasonCode: reason.code,
            ...failedLegOf(reason),
          }
        : null;
    const status = failed !== null ? "dropped" : transactions.every((t) => t.status === "included") ? "included" : "pending";
    return { bundleId, status, transactions, failed };
  }

  /** The status of a transaction, or `null` if the sequencer never accepted it. */
  status(hash: Hex, batchOfSlot: (slot: number) => BatchRef | null): TransactionStatus | null {
    const record = this.#records.get(hash.toLowerCase() as Hex);
    if (record === undefined) return null;
    const { outcome, transaction } = record;
    const attempts =
      record.earlier.length === 0
        ? {}
        : { attempts: record.earlier.map(({ reason }): EarlierAttempt => ({ status: "dropped", reason: reason.message, reasonCode: reason.code })) };
    if (outcome?.kind === "included") {
      const { globalSeq, blockNumber, slot } = outcome.inclusion;
      const relays = (this.#relays.get(transaction.hash) ?? []).map((relay) => {
        const record = this.#records.get(relay)!;
        const globalSeq = record.outcome?.kind === "included" ? record.outcome.inclusion.globalSeq : null;
        return { hash: relay, chainId: record.transaction.chainId, globalSeq };
      });
      return {
        status: "included",
        globalSeq,
        chainId: transaction.chainId,
        blockNumber,
        slot,
        batch: batchOfSlot(slot),
        ...(relays.length === 0 ? {} : { relays }),
        ...(transaction.relayOf === undefined ? {} : { relayOf: transaction.relayOf }),
        ...attempts,
      };
    }
    const base = { globalSeq: null, chainId: transaction.chainId, blockNumber: null, slot: null, batch: null };
    return outcome === undefined
      ? { status: "pending", ...base, ...attempts }
      : { status: "dropped", ...base, reason: outcome.reason.message, reasonCode: outcome.reason.code, ...failedLegOf(outcome.reason), ...attempts };
  }

  /** The transaction accepted with this hash (its latest attempt), or `undefined`. */
  transaction(hash: Hex): SequencedTransaction | undefined {
    return this.#records.get(hash.toLowerCase() as Hex)?.transaction;
  }

  /** The relays (actions) a trigger caused, in global order. */
  relaysOf(trigger: Hex): SequencedTransaction[] {
    return (this.#relays.get(trigger) ?? []).map((relay) => this.#records.get(relay)!.transaction);
  }
}

function failedLegOf(reason: DropReason): { failedLeg?: FailedLeg } {
  return reason.failedLeg === undefined ? {} : { failedLeg: reason.failedLeg };
}
