/**
 * Shards: a deterministic share of a sweep's runs, so that machines (or a
 * scheduler's jobs) can each run one and `xrollup sweep merge` can put them
 * back together. Shard i of n (0-based) takes the runs whose index is i
 * modulo n: neighbouring runs (the same values, other seeds) land on
 * different shards, so every shard gets a similar mix of slow and fast runs.
 */
import { SweepOptionError } from "./errors.ts";

/** Shard `index` of `count` (0-based). */
export interface Shard {
  index: number;
  count: number;
}

const SHARD = /^(\d+)\/(\d+)$/;

/**
 * Reads `--shard i/n`.
 *
 * @throws {SweepOptionError} unless it is two whole numbers with 0 ≤ i < n.
 * @example
 * ```ts
 * parseShard("1/4"); // { index: 1, count: 4 }
 * ```
 */
export function parseShard(text: string): Shard {
  const match = SHARD.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    const got = match === null || count < 1 ? "" : ` (shard ${index} does not exist: with ${count} shards they are 0 to ${count - 1})`;
    throw new SweepOptionError({ option: "--shard", value: text, expected: `i/n, shard i of n counted from 0, with 0 ≤ i < n, like 0/4${got}` });
  }
  return { index, count };
}

/** Whether run `run` belongs to `shard` (every run does without one). */
export function inShard(run: number, shard: Shard | undefined): boolean {
  return shard === undefined || run % shard.count === shard.index;
}

/** `i/n`, as the option writes it. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
