import { type Hex, parseTransaction } from "viem";
import type { CheckedTransaction } from "../admission.ts";
import { AlreadyKnownError, InvalidEncryptedTransactionError } from "../errors.ts";
import { decodeRawTransaction } from "../intake.ts";
import type { DropReason } from "../reasons.ts";
import { dropReason } from "../reasons.ts";
import type { TransactionStatus } from "../records.ts";
import type { JournalEntry } from "../ports.ts";
import type { SequencedTransaction, SlotResult } from "../types.ts";
import { type Committee, type CommitteeDecryption, ciphertextId, committeeDecryptor, orderCommitmentOfIds } from "./threshold.ts";

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
  /** Admission's checks of a decrypted transaction, as for one sent in the clear; admits nothing. */
  check(chainId: number, raw: Hex): Promise<CheckedTransaction>;
  /** Admits a checked transaction as if it had arrived with its ciphertext. */
  admit(checked: CheckedTransaction, receivedAt: number): SequencedTransaction;
  /** How many transactions the sequencer has admitted so far: a check is current while nothing else is admitted. */
  admitted(): number;
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
  readonly #decrypt: (ciphertext: Hex) => CommitteeDecryption;
  readonly #journal: (entry: JournalEntry) => void;
  readonly #submissions = new Map<Hex, EncryptedSubmission>();
  #pending: EncryptedSubmission[] = [];

  /** `journal` records submissions and decryptions, for a restart. */
  constructor(committee: Committee, journal: (entry: JournalEntry) => void = () => undefined) {
    this.#committee = committee;
    this.#decrypt = committeeDecryptor(committee);
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
   *
   * The slot waits for all of this, so the plaintexts' admission checks go
   * out together (each as soon as its ciphertext is decrypted, so that the
   * rollups look up its sender while the committee decrypts the next), and
   * then the transactions are admitted one by one in committed order, which
   * is the order they run in.
   */
  async decryptPending(sink: DecryptionSink): Promise<SlotResult["encrypted"]> {
    if (this.#pending.length === 0) return undefined;
    const submissions = this.#pending.sort((a, b) => a.receivedAt - b.receivedAt);
    this.#pending = [];
    const commitment = orderCommitmentOfIds(submissions.map((submission) => submission.id));
    const check = (plaintext: Hex) => attempt(() => sink.check(signedChainId(plaintext), plaintext));
    const admittedBefore = sink.admitted();
    // Only now, with the order committed, does the committee decrypt.
    const decrypted = submissions.map((submission) => {
      const decryption = this.#decrypt(submission.ciphertext);
      const checked: Promise<Attempt<CheckedTransaction>> =
        "plaintext" in decryption ? check(decryption.plaintext) : Promise.resolve({ ok: false, error: decryption.failure });
      return { submission, decryption, checked };
    });
    const entries: NonNullable<SlotResult["encrypted"]>["entries"] = [];
    const admittedSenders = new Set<string>();
    let admittedHere = 0;
    for (const { submission, decryption, checked } of decrypted) {
      // Every committed ciphertext is published with its secret, so that anyone can check the commitment
      // and see for themselves which ones did not decrypt.
      entries.push({ ciphertext: submission.ciphertext, sharedSecret: decryption.sharedSecret ?? NO_SECRET });
      try {
        let result = await checked;
        // The checks ran against the mempool as it was before this slot's admissions. One that an admission
        // since may have changed runs again: after another client's transaction, after an earlier one of the
        // same sender, and, for a refusal (whose sender is unknown), after any.
        const othersAdmitted = sink.admitted() !== admittedBefore + admittedHere;
        const sameSender = result.ok ? admittedSenders.has(senderOf(result.value)) : admittedHere > 0;
        if ("plaintext" in decryption && (othersAdmitted || sameSender)) result = await check(decryption.plaintext);
        if (!result.ok) throw result.error;
        const transaction = sink.admit(result.value, submission.receivedAt);
        admittedHere += 1;
        admittedSenders.add(senderOf(result.value));
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
}

/** A result or what was thrown instead, as a value. */
type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `run`, with what it throws or rejects with as a value: the promise may wait unobserved without an unhandled rejection. */
function attempt<T>(run: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return run().then(
      (value) => ({ ok: true, value }),
      (error: unknown) => ({ ok: false, error }),
    );
  } catch (error) {
    return Promise.resolve({ ok: false, error });
  }
}

/** One admitted sender: its pending transactions share a nonce sequence in the mempool. */
function senderOf({ chainId, decoded }: CheckedTransaction): string {
  return `${chainId}:${decoded.from.toLowerCase()}`;
}

/**
 * The rollup a decrypted transaction is signed for, to ask its admission,
 * which decodes the transaction in full and checks the chain id again. A
 * typed transaction's chain id is read in place; anything else goes through
 * viem's parser, and if that fails, the full decoding gives the reason a
 * client can act on.
 */
function signedChainId(plaintext: Hex): number {
  let chainId = typedChainId(plaintext);
  if (chainId === undefined) {
    try {
      chainId = parseTransaction(plaintext).chainId;
    } catch {
      chainId = decodeRawTransaction(plaintext).chainId;
    }
  }
  if (chainId === undefined) throw new Error("the decrypted transaction has no chain id, so its rollup is unknown");
  return chainId;
}

/**
 * The chain id of an EIP-2718 typed transaction, type ‖ rlp([chainId, …]):
 * the first item of its list, a byte below 0x80 or up to 6 bytes after a
 * 0x80 + length prefix. `undefined` if the bytes do not start that way.
 */
function typedChainId(raw: Hex): number | undefined {
  const byteAt = (index: number) => Number.parseInt(raw.slice(2 + 2 * index, 4 + 2 * index), 16);
  const type = byteAt(0);
  const list = byteAt(1);
  if (!(type >= 0x01 && type <= 0x7f) || !(list >= 0xc0)) return undefined;
  // A list of up to 55 bytes has a one-byte header; a longer one is followed by its length in (list − 0xf7) bytes.
  const first = list <= 0xf7 ? 2 : 2 + (list - 0xf7);
  const prefix = byteAt(first);
  if (prefix < 0x80) return prefix;
  const length = prefix - 0x80;
  if (length > 6) return undefined;
  const chainId = length === 0 ? 0 : Number.parseInt(raw.slice(2 + 2 * (first + 1), 2 + 2 * (first + 1 + length)), 16);
  return Number.isSafeInteger(chainId) ? chainId : undefined;
}

function wake(submission: EncryptedSubmission): void {
  for (const resolve of submission.waiters.splice(0)) resolve();
}
