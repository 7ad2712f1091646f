/**
 * Field paths in a scenario's own syntax (`victims[0].slippageBps`,
 * `users.arrivalPerSlot`, `pools[1].reserveIn`): the names a sweep's grid
 * gives the values it varies, and the setting of one such value in a
 * scenario's JSON.
 */
import type { JsonValue } from "../../devnet/state-file.ts";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";

/** One step of a path: an object's key or an array's index. */
export type PathSegment = string | number;

/** A JSON object, as scenario files and sweep files are made of. */
export type JsonObject = { [key: string]: JsonValue };

/** Thrown for a path that is malformed, or that does not lead anywhere in the JSON it is set in. */
export class FieldPathError extends XrollupError {
  override name = "FieldPathError";
  /** The path as written. */
  readonly path: string;
  /** What is wrong with it. */
  readonly reason: string;
  constructor({ path, reason }: { path: string; reason: string }) {
    super(`Cannot set ${path}: ${reason}`, { code: JSON_RPC_ERROR_CODES.invalidParams, data: { path, reason } });
    this.path = path;
    this.reason = reason;
  }
}

// A key is an identifier, as in a scenario file's fields; indexes are whole numbers in brackets.
const KEY = "[A-Za-z_$][\\w$]*";
const PATH = new RegExp(`^${KEY}(?:\\[\\d+\\])*(?:\\.${KEY}(?:\\[\\d+\\])*)*$`);
const SEGMENT = new RegExp(`(${KEY})|\\[(\\d+)\\]`, "g");

/**
 * The segments of a path, keys as strings and indexes as numbers.
 *
 * @throws {FieldPathError} if the path is not in the scenario's syntax.
 * @example
 * ```ts
 * parseFieldPath("victims[0].slippageBps"); // ["victims", 0, "slippageBps"]
 * ```
 */
export function parseFieldPath(path: string): PathSegment[] {
  if (!PATH.test(path)) {
    throw new FieldPathError({ path, reason: 'expected keys joined by dots with [index] after arrays, like "victims[0].slippageBps"' });
  }
  return Array.from(path.matchAll(SEGMENT), ([, key, index]) => (key === undefined ? Number(index) : key));
}

/** The path of `segments`' first `length` steps, written as in a scenario file. */
function prefix(segments: readonly PathSegment[], length: number): string {
  return segments
    .slice(0, length)
    .map((segment, i) => (typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join("");
}

function kind(value: JsonValue): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Sets the value at `path` in `root`, in place. Every step before the last
 * must exist: the last key may be new (an optional field the base leaves to
 * its default), but a path through a missing object or past an array's end
 * is an error, since building structure from a path would guess at what the
 * researcher meant.
 *
 * @throws {FieldPathError} naming the part of the path that is missing or of the wrong kind.
 * @example
 * ```ts
 * const scenario = { victims: [{ amountIn: "10", slippageBps: 100 }] };
 * setField(scenario, "victims[0].slippageBps", 50); // scenario.victims[0].slippageBps === 50
 * ```
 */
export function setField(root: JsonObject, path: string, value: JsonValue): void {
  const segments = parseFieldPath(path);
  let parent: JsonValue = root;
  for (const [depth, segment] of segments.entries()) {
    const isLast = depth === segments.length - 1;
    const where = depth === 0 ? "the scenario" : prefix(segments, depth);
    if (typeof segment === "number") {
      if (!Array.isArray(parent)) throw new FieldPathError({ path, reason: `${where} is ${kind(parent)}, not an array` });
      if (segment >= parent.length) {
        const elements = parent.length === 1 ? "1 element" : `${parent.length} elements`;
        throw new FieldPathError({ path, reason: `${where} has ${elements}, so there is no ${prefix(segments, depth + 1)}` });
      }
      if (isLast) parent[segment] = value;
      else parent = parent[segment] as JsonValue;
    } else {
      if (typeof parent !== "object" || parent === null || Array.isArray(parent)) {
        throw new FieldPathError({ path, reason: `${where} is ${kind(parent)}, not an object` });
      }
      if (isLast) parent[segment] = value;
      else {
        const child: JsonValue | undefined = parent[segment];
        if (child === undefined) throw new FieldPathError({ path, reason: `the base scenario has no ${prefix(segments, depth + 1)}` });
        parent = child;
      }
    }
  }
}
