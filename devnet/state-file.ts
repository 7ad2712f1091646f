import { readFile, rename, writeFile } from "node:fs/promises";
import { XrollupError } from "../errors/base.ts";
import type { JournalEntry } from "../sequencer/ports.ts";
import type { L1LogEntry } from "./l1-log.ts";
import { type DevnetHistory, type DevnetIdentity, fromTaggedJson, toTaggedJson } from "./log.ts";

/** What a dumped state says it is; anything else is refused. */
const STATE_FORMAT = "xrollup-devnet-state";

/** Bumped when the format changes: an older file is refused rather than misread. */
const STATE_VERSION = 1;

/** A JSON value: what a dumped state is made of. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A whole devnet as `xr_dumpState` answers it, `--dump-state` writes it and
 * `--load-state` reads it: its identity and its log (L1's requests and the
 * sequencer's journal), as JSON with bigints tagged `{ "$bigint": "…" }`.
 * Loading replays it onto fresh chains, as a `--data-dir` restart does.
 */
export interface DevnetState {
  format: typeof STATE_FORMAT;
  version: number;
  identity: DevnetIdentity;
  /** L1's state-changing requests, oldest first. */
  l1Log: JsonValue[];
  /** The sequencer's journal, oldest first. */
  journal: JsonValue[];
}

/** Thrown when a state to load cannot be read or does not fit this devnet. */
export class StateFileError extends XrollupError {
  override name = "StateFileError";
  constructor({ source, reason, cause }: { source: string; reason: string; cause?: unknown }) {
    super(`State ${source}: ${reason}.`, { cause });
  }
}

/** A devnet's history as a {@link DevnetState}. */
export function encodeDevnetState(history: DevnetHistory): DevnetState {
  const { l1Log, journal } = JSON.parse(toTaggedJson({ l1Log: history.l1Log, journal: history.journal })) as Pick<DevnetState, "l1Log" | "journal">;
  return { format: STATE_FORMAT, version: STATE_VERSION, identity: history.identity, l1Log, journal };
}

/**
 * The history a dumped state holds.
 *
 * @param source Names the state in errors (its file, or "given to startDevnet").
 * @throws {StateFileError} when it is not a devnet state of this version.
 */
export function decodeDevnetState(value: unknown, source: string): DevnetHistory {
  const state = (typeof value === "object" && value !== null ? value : {}) as Partial<Record<keyof DevnetState, unknown>>;
  if (state.format !== STATE_FORMAT) throw new StateFileError({ source, reason: "it is not an xrollup devnet state (xr_dumpState, --dump-state)" });
  if (state.version !== STATE_VERSION) {
    throw new StateFileError({ source, reason: `it was written by another version of xrollup (format ${String(state.version)}, expected ${STATE_VERSION})` });
  }
  const identity = state.identity as Partial<DevnetIdentity> | undefined;
  if (typeof identity?.genesisTimestamp !== "number" || typeof identity.chains !== "object" || !Array.isArray(state.l1Log) || !Array.isArray(state.journal)) {
    throw new StateFileError({ source, reason: "it lacks its identity, its L1 log or its journal" });
  }
  const { l1Log, journal } = fromTaggedJson(JSON.stringify({ l1Log: state.l1Log, journal: state.journal })) as {
    l1Log: L1LogEntry[];
    journal: JournalEntry[];
  };
  return { identity: identity as DevnetIdentity, l1Log, journal };
}

/**
 * Reads a state file (`--load-state`).
 *
 * @throws {StateFileError} when it cannot be read or is not a devnet state.
 */
export async function readStateFile(file: string): Promise<DevnetHistory> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new StateFileError({ source: `file ${file}`, reason: "it cannot be read", cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new StateFileError({ source: `file ${file}`, reason: "it is not JSON", cause });
  }
  return decodeDevnetState(value, `file ${file}`);
}

/** Writes a state file (`--dump-state`): whole or not at all, as it is written beside and then renamed. */
export async function writeStateFile(file: string, state: DevnetState): Promise<void> {
  const partial = `${file}.partial`;
  await writeFile(partial, JSON.stringify(state));
  await rename(partial, file);
}
