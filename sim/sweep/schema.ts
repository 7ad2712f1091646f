/**
 * The sweep file: a base scenario, a grid of values for some of its fields,
 * and the seeds to run each combination with.
 *
 * ```json
 * { "base": "one-sandwich.json",
 *   "grid": { "victims[0].slippageBps": [50, 100, 200] },
 *   "seeds": [1, 2, 3] }
 * ```
 *
 * Validated as strictly as scenario files: an unknown key is an error with a
 * suggestion, and every run the grid makes is validated with the scenario's
 * own `parseScenario` before anything runs, so a bad value fails at once,
 * naming the run's values and the scenario's field.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { JsonValue } from "../../devnet/state-file.ts";
import { jsonSyntaxErrorOffset, positionAt } from "../scenario/json-error.ts";
import { gridField, SweepFileError } from "./errors.ts";
import { expandRuns } from "./grid.ts";
import { FieldPathError, type JsonObject, parseFieldPath } from "./path.ts";
import { preview, unknownFieldReason } from "../json-fields.ts";

/** One swept field: its path in the scenario and the values it takes, in order. */
export interface GridParameter {
  /** The field's path in the scenario's syntax, e.g. `"victims[0].slippageBps"`. */
  path: string;
  /** The values, in the file's order (each a JSON value, set as is). */
  values: readonly JsonValue[];
}

/** A validated sweep: what `xrollup sweep run` runs, and what `sweep.json` records. */
export interface Sweep {
  /** The base scenario's JSON (read from its file when the sweep file named one). */
  base: JsonObject;
  /** The swept fields, in the file's order. */
  grid: readonly GridParameter[];
  /** The seeds every combination runs with, in the file's order. */
  seeds: readonly number[];
}

/** The sweep as a sweep file writes it (with `base` inlined): what `sweep.json` holds. */
export interface SweepJson {
  base: JsonObject;
  grid: { [path: string]: JsonValue[] };
  seeds: number[];
}

const SWEEP_FIELDS = ["base", "grid", "seeds"] as const;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkKeys(record: JsonObject): void {
  for (const key of Object.keys(record)) {
    if ((SWEEP_FIELDS as readonly string[]).includes(key)) continue;
    throw new SweepFileError({ field: key, reason: unknownFieldReason(key, SWEEP_FIELDS) });
  }
}

function grid(value: JsonValue | undefined): GridParameter[] {
  if (value === undefined) throw new SweepFileError({ field: "grid", reason: 'missing (expected an object like { "victims[0].slippageBps": [50, 100] })' });
  if (!isObject(value)) throw new SweepFileError({ field: "grid", reason: `expected an object of field paths to lists of values, got ${preview(value)}` });
  return Object.entries(value).map(([path, values]) => {
    const field = gridField(path);
    try {
      parseFieldPath(path);
    } catch (error) {
      if (error instanceof FieldPathError) throw new SweepFileError({ field, reason: error.reason, cause: error });
      throw error;
    }
    if (path === "seed") throw new SweepFileError({ field, reason: 'the seed is swept by "seeds", not by the grid' });
    if (!Array.isArray(values) || values.length === 0) throw new SweepFileError({ field, reason: `expected a non-empty list of values, got ${preview(values)}` });
    const keys = values.map((item) => JSON.stringify(item));
    keys.forEach((key, i) => {
      if (keys.indexOf(key) < i) throw new SweepFileError({ field: `${field}[${i}]`, reason: `${preview(values[i])} is listed twice` });
    });
    return { path, values };
  });
}

function seeds(value: JsonValue | undefined): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new SweepFileError({ field: "seeds", reason: `expected a non-empty list of seeds (non-negative integers), got ${value === undefined ? "nothing" : preview(value)}` });
  }
  return value.map((seed, i) => {
    if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
      throw new SweepFileError({ field: `seeds[${i}]`, reason: `expected a non-negative integer, got ${preview(seed)}` });
    }
    if (value.indexOf(seed) < i) throw new SweepFileError({ field: `seeds[${i}]`, reason: `${seed} is listed twice` });
    return seed;
  });
}

/**
 * Validates a parsed sweep file whose `base` is a scenario object (see
 * {@link loadSweep} for a `base` given as a file), then expands and
 * validates every run it makes.
 *
 * @throws {SweepFileError} naming the first invalid field of the sweep, or a
 * grid path that does not exist in the base scenario.
 * @throws {SweepRunInvalidError} for the first run that is not a valid
 * scenario, with its values and the scenario's field.
 * @example
 * ```ts
 * const sweep = parseSweep({ base: scenario, grid: { "victims[0].slippageBps": [50, 100] }, seeds: [1, 2] });
 * ```
 */
export function parseSweep(json: unknown): Sweep {
  if (!isObject(json)) throw new SweepFileError({ field: "", reason: `expected an object with "base", "grid" and "seeds", got ${preview(json)}` });
  checkKeys(json);
  const { base } = json;
  if (typeof base === "string") throw new SweepFileError({ field: "base", reason: "a path to a scenario file can only be read by loadSweep; give the scenario object" });
  if (!isObject(base)) throw new SweepFileError({ field: "base", reason: `expected a scenario object or the path of a scenario file, got ${base === undefined ? "nothing" : preview(base)}` });
  const sweep: Sweep = { base, grid: grid(json.grid), seeds: seeds(json.seeds) };
  expandRuns(sweep);
  return sweep;
}

/** The sweep as JSON, in a sweep file's shape with `base` inlined. */
export function sweepToJson(sweep: Sweep): SweepJson {
  return {
    base: sweep.base,
    grid: Object.fromEntries(sweep.grid.map(({ path, values }) => [path, [...values]])),
    seeds: [...sweep.seeds],
  };
}

/** Reads and parses a JSON file; an error names the file's line and column. */
async function readJson(file: string, field: string): Promise<JsonValue> {
  let text: string;
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
    text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
  } catch (error) {
    throw new SweepFileError({ field, reason: `cannot read ${file}: ${(error as Error).message}`, cause: error });
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    const { line, column } = positionAt(text, jsonSyntaxErrorOffset(text) ?? 0);
    throw new SweepFileError({ field, reason: `${file} is not valid JSON at line ${line}, column ${column}`, cause: error });
  }
}

/**
 * Reads a sweep file and validates it with {@link parseSweep}; a `base` that
 * is a string is read as a scenario file, relative to the sweep file.
 *
 * @throws {SweepFileError} if a file cannot be read or is not valid JSON, or
 * the sweep is not valid; the error lists the sweep file in its details.
 * @throws {SweepRunInvalidError} for a run that is not a valid scenario.
 * @example
 * ```ts
 * const sweep = await loadSweep("sweeps/slippage.json");
 * ```
 */
export async function loadSweep(file: string): Promise<Sweep> {
  try {
    const json = await readJson(file, "");
    if (isObject(json) && typeof json.base === "string") {
      return parseSweep({ ...json, base: await readJson(resolve(dirname(file), json.base), "base") });
    }
    return parseSweep(json);
  } catch (error) {
    if (error instanceof SweepFileError) throw new SweepFileError({ field: error.field, reason: error.reason, file, cause: error.cause });
    throw error;
  }
}
