import type { Hex } from "viem";
import { AlreadyKnownError, InvalidEncryptedTransactionError } from "../errors.ts";
import { decodeRawTransaction } from "../intake.ts";
import type { DropReason } from "../reasons.ts";
import { dropReason } from "../reasons.ts";
import type { TransactionStatus } from "../records.ts";
import type { JournalEntry } from "../ports.ts";
import type { SequencedTransaction, SlotResult } from "../types.ts";
import { type Committee, ciphertextId, committeeSecret, decryptWithSecret, MalformedCiphertextError, orderCommitment } from "./threshold.ts";

/** The answer of `xr_getEncryptedTransactionStatus`. */
export interface EncryptedTransactionStatus {
  ciphertextId: Hex;
  status: "pending" | "included" | "dropped";
  /** The decrypted transaction's hash, once decrypted and accepted. */
  transactionHash: Hex | null;
  reason?: string;
  reasonCode?: DropReason["code"];
  transaction: TransactionStatus | null;
}

interface EncryptedSubmission {
  ciphertext: Hex;
  id: Hex;
  receivedAt: number;
  transactionHash?: Hex;
  dropReason?: DropReason;
  waiters: (() => void)[];
}

/** What the encrypted mempool needs from the rest of the sequencer when a slot decrypts. */
export interface DecryptionSink {
  /** Accepts a decrypted transaction as if it had arrived with its ciphertext. */
  accept(chainId: number, raw: Hex, receivedAt: number): Promise<SequencedTransaction>;
  /** Resolves when an accepted transaction is included or dropped. */
  outcome(hash: Hex): Promise<unknown>;
}

/** Published in place of the secret of a ciphertext the committee cannot decrypt at all (malformed). */
const NO_SECRET: Hex = `0x${"00".repeat(33)}`;

/**
 * The encrypted mempool: ciphertexts wait here, unread by anyone, until a
 * slot fixes and commits to their order; then the committee decrypts them
 * and the plaintexts join the slot with the ciphertexts' arrival times.
 */
export class EncryptedMempool {
  readonly #committee: Committee;
  readonly #journal: (entry: JournalEntry) => void;
  readonly #submissions = new Map<Hex, EncryptedSubmission>();
  #pending: EncryptedSubmission[] = [];

  /** `journal` records submissions and decryptions, for a restart. */
  constructor(committee: Committee, journal: (entry: JournalEntry) => void = () => undefined) {
    this.#committee = committee;
    this.#journal = journal;
  }

  /**
   * Restart: a journal entry of the encrypted mempool. A ciphertext whose
   * slot never decrypted it waits again for the next slot.
   */
  restore(entry: JournalEntry & { kind: "encrypted" | "decrypted" }): void {
    if (entry.kind === "encrypted") {
      const submission: EncryptedSubmission = { ciphertext: entry.ciphertext, id: entry.id, receivedAt: entry.receivedAt, waiters: [] };
      this.#submissions.set(entry.id, submission);
      this.#pending.push(submission);
      return;
    }
    const submission = this.#submissions.get(entry.id);
    if (submission === undefined) return;
    this.#pending = this.#pending.filter((waiting) => waiting !== submission);
    if (entry.transactionHash !== undefined) submission.transactionHash = entry.transactionHash;
    if (entry.dropReason !== undefined) submission.dropReason = entry.dropReason;
  }

  /** The committee's public key and threshold, for clients that encrypt (`xr_getCommitteeKey`). */
  get committeeKey(): { publicKey: Hex; threshold: number; size: number } {
    const { publicKey, threshold, size } = this.#committee;
    return { publicKey, threshold, size };
  }

  /** Whether ciphertexts wait for a slot. */
  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * Accepts a ciphertext; returns its id and a promise that resolves once it
   * is included or dropped.
   */
  submit(ciphertext: unknown, receivedAt: number): { id: Hex; settled: Promise<void> } {
    if (typeof ciphertext !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(ciphertext)) {
      throw new InvalidEncryptedTransactionError({ reason: "expected the ciphertext as 0x-prefixed hex bytes" });
    }
    const id = ciphertextId(ciphertext as Hex);
    if (this.#submissions.has(id)) throw new AlreadyKnownError({ hash: id });
    const submission: EncryptedSubmission = { ciphertext: ciphertext.toLowerCase() as Hex, id, receivedAt, waiters: [] };
    this.#submissions.set(id, submission);
    this.#pending.push(submission);
    this.#journal({ kind: "encrypted", id, ciphertext: submission.ciphertext, receivedAt });
    const settled = new Promise<void>((resolve) => submission.waiters.push(resolve));
    return { id, settled };
  }

  /** `xr_getEncryptedTransactionStatus`: `null` for an unknown ciphertext id. */
  status(id: Hex, transactionStatus: (hash: Hex) => TransactionStatus | null): EncryptedTransactionStatus | null {
    const submission = this.#submissions.get(id.toLowerCase() as Hex);
    if (submission === undefined) return null;
    const transaction = submission.transactionHash === undefined ? null : transactionStatus(submission.transactionHash);
    const status = submission.dropReason !== undefined ? "dropped" : (transaction?.status ?? "pending");
    const reason = submission.dropReason?.message ?? transaction?.reason;
    const reasonCode = submission.dropReason?.code ?? transaction?.reasonCode;
    return {
      ciphertextId: submission.id,
      status,
      transactionHash: submission.transactionHash ?? null,
      ...(reason === undefined ? {} : { reason }),
      ...(reasonCode === undefined ? {} : { reasonCode }),
      transaction,
    };
  }

  /**
   * The encrypted mempool's turn, before the slot is ordered: fixes the
   * order of the pending ciphertexts and commits to it, then has the
   * committee decrypt them and hands the plaintexts to `sink`, so that they
   * run in committed order. A ciphertext that does not decrypt, or decrypts
   * to a transaction that is refused, is dropped with the reason.
   */
  async decryptPending(sink: DecryptionSink): Promise<SlotResult["encrypted"]> {
    if (this.#pending.length === 0) return undefined;
    const submissions = this.#pending.sort((a, b) => a.receivedAt - b.receivedAt);
    this.#pending = [];
    const commitment = orderCommitment(submissions.map((submission) => submission.ciphertext));
    const entries: NonNullable<SlotResult["encrypted"]>["entries"] = [];
    for (const submission of submissions) {
      // Every committed ciphertext is published with its secret, so that anyone can check the commitment
      // and see for themselves which ones did not decrypt.
      const sharedSecret = this.#combinedSecret(submission.ciphertext);
      entries.push({ ciphertext: submission.ciphertext, sharedSecret: sharedSecret ?? NO_SECRET });
      try {
        if (sharedSecret === undefined) throw new MalformedCiphertextError({ reason: "the committee cannot decrypt it" });
        const plaintext = decryptWithSecret(submission.ciphertext, sharedSecret);
        const decoded = decodeRawTransaction(plaintext);
        if (decoded.chainId === undefined) throw new Error("the decrypted transaction has no chain id, so its rollup is unknown");
        const transaction = await sink.accept(decoded.chainId, plaintext, submission.receivedAt);
        submission.transactionHash = transaction.hash;
        this.#journal({ kind: "decrypted", id: submission.id, transactionHash: transaction.hash });
        void sink.outcome(transaction.hash).then(() => wake(submission));
      } catch (error) {
        const words = error instanceof Error ? ((error as Error & { shortMessage?: string }).shortMessage ?? error.message) : String(error);
        submission.dropReason = dropReason("decryption-failed", words);
        this.#journal({ kind: "decrypted", id: submission.id, dropReason: submission.dropReason });
        wake(submission);
      }
    }
    return { commitment, entries };
  }

  /** Drops every ciphertext still waiting (the sequencer stops). */
  dropPending(reason: DropReason): void {
    for (const submission of this.#pending.splice(0)) {
      submission.dropReason = reason;
      this.#journal({ kind: "decrypted", id: submission.id, dropReason: reason });
      wake(submission);
    }
  }

  /** The committee's secret for a ciphertext, or `undefined` for one too malformed to have any. */
  #combinedSecret(ciphertext: Hex): Hex | undefined {
    try {
      return committeeSecret(this.#committee, ciphertext);
    } catch {
      return undefined;
    }
  }
}

function wake(submission: EncryptedSubmission): void {
  for (const resolve of submission.waiters.splice(0)) resolve();
}
