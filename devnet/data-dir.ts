import { mkdirSync } from "node:fs";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { XrollupError } from "../errors/base.ts";
import type { JournalEntry, SequencerJournal } from "../sequencer/ports.ts";

/** One state-changing request L1 served, as replayed on restart. */
export interface L1LogEntry {
  method: string;
  params: unknown[];
  /** Timestamp of the first block the request mined, if it mined one. */
  minedTimestamp: number | null;
}

/** What identifies a devnet in its data directory: a restart must match it. */
export interface DataDirIdentity {
  /** Unix timestamp (seconds) of every chain's genesis. */
  genesisTimestamp: number;
  /** The options that define the chains, as first started. */
  chains: Record<string, unknown>;
}

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
export class DataDir implements SequencerJournal {
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
  identity(): DataDirIdentity | undefined {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'identity'").get() as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as DataDirIdentity);
  }

  /** Empties a directory whose first start never finished. */
  reset(): void {
    this.#transaction(() => {
      this.#db.exec("DELETE FROM journal; DELETE FROM l1_log; DELETE FROM meta WHERE key = 'identity';");
    });
  }

  /** Stores the identity of a new devnet: from now on, a restart replays it. */
  setIdentity(identity: DataDirIdentity): void {
    this.#db.prepare("INSERT INTO meta (key, value) VALUES ('identity', ?)").run(JSON.stringify(identity));
  }

  append(entries: readonly JournalEntry[]): void {
    this.#transaction(() => {
      for (const entry of entries) this.#appendJournal.run(toJson(entry));
    });
  }

  /** Every journal entry, oldest first. */
  journal(): JournalEntry[] {
    const rows = this.#db.prepare("SELECT entry FROM journal ORDER BY seq").all() as { entry: string }[];
    return rows.map((row) => fromJson(row.entry) as JournalEntry);
  }

  /** Records one state-changing L1 request. */
  appendL1(entry: L1LogEntry): void {
    this.#appendL1.run(entry.method, toJson(entry.params), entry.minedTimestamp);
  }

  /** Every logged L1 request, oldest first. */
  l1Log(): L1LogEntry[] {
    const rows = this.#db.prepare("SELECT method, params, mined_timestamp FROM l1_log ORDER BY seq").all() as {
      method: string;
      params: string;
      mined_timestamp: number | null;
    }[];
    return rows.map((row) => ({ method: row.method, params: fromJson(row.params) as unknown[], minedTimestamp: row.mined_timestamp }));
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

/** JSON with bigints kept exact (tagged), as journal entries carry gas and fees. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? { $bigint: item.toString() } : item));
}

function fromJson(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) =>
    typeof item === "object" && item !== null && typeof (item as { $bigint?: unknown }).$bigint === "string"
      ? BigInt((item as { $bigint: string }).$bigint)
      : item,
  );
}
