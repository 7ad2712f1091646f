import { mkdirSync } from "node:fs";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { XrollupError } from "../errors/base.ts";
import type { JournalEntry } from "../sequencer/ports.ts";
import type { L1LogEntry } from "./l1-log.ts";
import { type DevnetHistory, type DevnetIdentity, type DurableLogStore, fromTaggedJson, type LogLengths, toTaggedJson } from "./log.ts";

/** Thrown when the data directory cannot be opened or does not belong to this devnet. */
export class DataDirError extends XrollupError {
  override name = "DataDirError";
  constructor({ dir, reason, cause }: { dir: string; reason: string; cause?: unknown }) {
    super(`Data directory ${dir}: ${reason}.`, { cause });
  }
}

/** The file in the data directory that holds everything. */
const DATABASE_FILE = "xrollup.sqlite";

/** Bumped when the layout changes: an older directory is refused rather than misread. */
const LAYOUT_VERSION = 1;

/**
 * The devnet's data directory (`--data-dir`): one SQLite database in WAL
 * mode holding the devnet's identity, the L1 request log and the
 * sequencer's journal. Every write is one SQLite transaction, so a process
 * killed at any instant (`kill -9`) leaves each write whole or absent.
 * `synchronous=NORMAL` in WAL mode survives a process crash (not a power
 * cut, which a devnet need not survive).
 */
export class DataDir implements DurableLogStore {
  readonly dir: string;
  readonly #db: DatabaseSync;
  readonly #appendJournal;
  readonly #appendL1;

  private constructor(dir: string, db: DatabaseSync) {
    this.dir = dir;
    this.#db = db;
    this.#appendJournal = db.prepare("INSERT INTO journal (entry) VALUES (?)");
    this.#appendL1 = db.prepare("INSERT INTO l1_log (method, params, mined_timestamp) VALUES (?, ?, ?)");
  }

  /** Opens (creating if needed) the data directory. */
  static async open(dir: string): Promise<DataDir> {
    const { DatabaseSync } = await importSqlite();
    let db: DatabaseSync;
    try {
      mkdirSync(dir, { recursive: true });
      db = new DatabaseSync(path.join(dir, DATABASE_FILE));
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
      db.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS l1_log (
          seq INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT NOT NULL, params TEXT NOT NULL, mined_timestamp INTEGER
        );
      `);
    } catch (cause) {
      throw new DataDirError({ dir, reason: "cannot open its database", cause });
    }
    const version = (db.prepare("SELECT value FROM meta WHERE key = 'version'").get() as { value: string } | undefined)?.value;
    if (version === undefined) {
      db.prepare("INSERT INTO meta (key, value) VALUES ('version', ?)").run(String(LAYOUT_VERSION));
    } else if (Number(version) !== LAYOUT_VERSION) {
      db.close();
      throw new DataDirError({ dir, reason: `it was written by another version of xrollup (layout ${version}, expected ${LAYOUT_VERSION})` });
    }
    return new DataDir(dir, db);
  }

  /** The identity stored at first start, or `undefined` for a new directory. */
  identity(): DevnetIdentity | undefined {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'identity'").get() as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as DevnetIdentity);
  }

  /** Empties a directory whose first start never finished. */
  reset(): void {
    this.#transaction(() => {
      this.#db.exec("DELETE FROM journal; DELETE FROM l1_log; DELETE FROM meta WHERE key = 'identity';");
    });
  }

  /** Stores the identity of a new devnet: from now on, a restart replays it. */
  setIdentity(identity: DevnetIdentity): void {
    this.#db.prepare("INSERT INTO meta (key, value) VALUES ('identity', ?)").run(JSON.stringify(identity));
  }

  /** Stores a whole history in an empty directory (`--load-state`), in one transaction: from now on, a restart replays it. */
  import(history: DevnetHistory): void {
    this.#transaction(() => {
      for (const entry of history.l1Log) this.appendL1(entry);
      for (const entry of history.journal) this.#appendJournal.run(toTaggedJson(entry));
      this.setIdentity(history.identity);
    });
  }

  append(entries: readonly JournalEntry[]): void {
    this.#transaction(() => {
      for (const entry of entries) this.#appendJournal.run(toTaggedJson(entry));
    });
  }

  /** Records one state-changing L1 request. */
  appendL1(entry: L1LogEntry): void {
    this.#appendL1.run(entry.method, toTaggedJson(entry.params), entry.minedTimestamp);
  }

  /** Keeps the first `lengths.journal` journal entries and `lengths.l1Log` L1 requests, and deletes the rest, in one transaction (a revert to a snapshot). */
  truncate(lengths: LogLengths): void {
    this.#transaction(() => {
      this.#db.prepare("DELETE FROM journal WHERE seq NOT IN (SELECT seq FROM journal ORDER BY seq LIMIT ?)").run(lengths.journal);
      this.#db.prepare("DELETE FROM l1_log WHERE seq NOT IN (SELECT seq FROM l1_log ORDER BY seq LIMIT ?)").run(lengths.l1Log);
    });
  }

  /** The devnet the directory holds (identity, L1 log and journal), or `undefined` for a new directory. */
  history(): DevnetHistory | undefined {
    const identity = this.identity();
    if (identity === undefined) return undefined;
    const journal = this.#db.prepare("SELECT entry FROM journal ORDER BY seq").all() as { entry: string }[];
    const l1Log = this.#db.prepare("SELECT method, params, mined_timestamp FROM l1_log ORDER BY seq").all() as {
      method: string;
      params: string;
      mined_timestamp: number | null;
    }[];
    return {
      identity,
      l1Log: l1Log.map((row) => ({ method: row.method, params: fromTaggedJson(row.params) as unknown[], minedTimestamp: row.mined_timestamp })),
      journal: journal.map((row) => fromTaggedJson(row.entry) as JournalEntry),
    };
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #transaction(work: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      work();
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }
}

/**
 * `node:sqlite`, loaded only when a data directory is used. Node 22 marks it
 * experimental and warns once on load; that warning says nothing a devnet
 * user can act on, so it is not printed.
 */
async function importSqlite(): Promise<typeof import("node:sqlite")> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import("node:sqlite");
  } finally {
    process.emitWarning = emitWarning;
  }
}
