import type { JournalEntry, SequencerJournal } from "../sequencer/ports.ts";
import type { L1LogEntry, L1LogSink } from "./l1-log.ts";

/** What identifies a devnet: a restart, or a loaded state, must match it. */
export interface DevnetIdentity {
  /** Unix timestamp (seconds) of every chain's genesis. */
  genesisTimestamp: number;
  /** The options that define the chains, as first started. */
  chains: Record<string, unknown>;
}

/**
 * A devnet's whole history: enough to rebuild it on fresh chains. Both
 * sources of one implement it, a data directory (`--data-dir` restart) and
 * a dumped state (`--load-state`), and the devnet rebuilds from either the
 * same way: L1's log replayed, the journal's slots replayed on the rollups,
 * the sequencer restored from the journal.
 */
export interface DevnetHistory {
  identity: DevnetIdentity;
  /** Every state-changing request L1 served, oldest first. */
  l1Log: readonly L1LogEntry[];
  /** The sequencer's journal, oldest first. */
  journal: readonly JournalEntry[];
}

/** How far the log reached at one instant: what a snapshot goes back to. */
export interface LogLengths {
  journal: number;
  l1Log: number;
}

/** Where a log is also written so that it survives the process (the data directory). */
export interface DurableLogStore {
  /** Appends journal entries, atomically. */
  append(entries: readonly JournalEntry[]): void;
  appendL1(entry: L1LogEntry): void;
  /** Forgets everything past `lengths`, atomically. */
  truncate(lengths: LogLengths): void;
}

/**
 * The devnet's log, always kept: the sequencer's journal and L1's request
 * log, in memory (the entries are the very objects the sequencer holds, not
 * copies) and, with a data directory, in it too. A snapshot is a pair of
 * lengths; reverting to it truncates the log; a dump writes it out.
 */
export class DevnetLog implements SequencerJournal, L1LogSink {
  readonly #journal: JournalEntry[];
  readonly #l1Log: L1LogEntry[];
  readonly #store: DurableLogStore | undefined;

  /** A log that starts with `history` (which `store`, if given, already holds). */
  constructor({ store, history }: { store?: DurableLogStore | undefined; history?: DevnetHistory | undefined } = {}) {
    this.#store = store;
    this.#journal = [...(history?.journal ?? [])];
    this.#l1Log = [...(history?.l1Log ?? [])];
  }

  /** Whether the log survives the process: then a stopping sequencer leaves pending transactions pending, for the restart. */
  get durable(): boolean {
    return this.#store !== undefined;
  }

  /** The sequencer's journal, oldest first (the live array: copy it to keep it). */
  get journal(): readonly JournalEntry[] {
    return this.#journal;
  }

  /** L1's request log, oldest first (the live array: copy it to keep it). */
  get l1Log(): readonly L1LogEntry[] {
    return this.#l1Log;
  }

  append(entries: readonly JournalEntry[]): void {
    // The store first: if it fails, memory does not claim what the disk lacks.
    this.#store?.append(entries);
    for (const entry of entries) this.#journal.push(entry);
  }

  appendL1(entry: L1LogEntry): void {
    this.#store?.appendL1(entry);
    this.#l1Log.push(entry);
  }

  /** How far the log reaches now. */
  lengths(): LogLengths {
    return { journal: this.#journal.length, l1Log: this.#l1Log.length };
  }

  /** Forgets everything past `lengths` (a revert to a snapshot taken then). */
  truncate(lengths: LogLengths): void {
    this.#store?.truncate(lengths);
    this.#journal.length = Math.min(this.#journal.length, lengths.journal);
    this.#l1Log.length = Math.min(this.#l1Log.length, lengths.l1Log);
  }
}

/**
 * Why a stored identity does not fit the devnet's chain options, in words
 * that end a sentence; `undefined` when it fits. Pure.
 */
export function identityMismatch(stored: DevnetIdentity, chains: Record<string, unknown>): string | undefined {
  for (const [option, value] of Object.entries(chains)) {
    if (JSON.stringify(stored.chains[option]) !== JSON.stringify(value)) {
      return `it holds a devnet made with ${option} ${JSON.stringify(stored.chains[option])}, not ${JSON.stringify(value)}`;
    }
  }
  return undefined;
}

/** JSON with bigints kept exact (tagged `{ "$bigint": "123" }`), as journal entries carry gas and fees. */
export function toTaggedJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? { $bigint: item.toString() } : item));
}

/** Reads {@link toTaggedJson}'s output back, bigints included. */
export function fromTaggedJson(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) =>
    typeof item === "object" && item !== null && typeof (item as { $bigint?: unknown }).$bigint === "string"
      ? BigInt((item as { $bigint: string }).$bigint)
      : item,
  );
}
