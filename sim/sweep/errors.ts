/**
 * The errors of sweeps that several of its modules throw: an invalid sweep
 * file, an invalid option, shards that do not merge, a worker process that
 * fails, an interrupted sweep.
 */
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";

/** How a grid key is named in errors: `grid["victims[0].slippageBps"]`. */
export function gridField(path: string): string {
  return `grid[${JSON.stringify(path)}]`;
}

/** Thrown for a sweep file that is not valid; `field` is the path of the offending value in the sweep file. */
export class SweepFileError extends XrollupError {
  override name = "SweepFileError";
  /** Path of the offending value, e.g. `grid["victims[0].slippageBps"]` or `seeds[2]`; empty for the whole file. */
  readonly field: string;
  /** What is wrong with it. */
  readonly reason: string;
  constructor({ field, reason, file, cause }: { field: string; reason: string; file?: string; cause?: unknown }) {
    super(field === "" ? `Invalid sweep: ${reason}` : `Invalid sweep: ${field}: ${reason}`, {
      details: file === undefined ? [] : [`Sweep file: ${file}`],
      cause,
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { field, reason },
    });
    this.field = field;
    this.reason = reason;
  }
}

/** Thrown for an option of a sweep (`--shard`, `--jobs`) that is not valid. */
export class SweepOptionError extends XrollupError {
  override name = "SweepOptionError";
  /** The option, e.g. `"--shard"`. */
  readonly option: string;
  constructor({ option, value, expected }: { option: string; value: string; expected: string }) {
    super(`${option} expects ${expected}, got "${value}".`, { code: JSON_RPC_ERROR_CODES.invalidParams, data: { option, value } });
    this.option = option;
  }
}

/** Thrown when sweep outputs cannot be merged: not sweep outputs, from different sweeps, or not covering every run exactly once. */
export class SweepMergeError extends XrollupError {
  override name = "SweepMergeError";
  constructor(reason: string, details: readonly string[] = []) {
    super(`Cannot merge the sweep outputs: ${reason}`, { details });
  }
}

/** Thrown when a worker process cannot be started or talked to: nothing can run, so the sweep stops. */
export class SweepWorkerError extends XrollupError {
  override name = "SweepWorkerError";
  constructor(reason: string, cause?: unknown) {
    super(`A sweep worker process failed: ${reason}`, { cause });
  }
}

/** Thrown when a sweep is interrupted (Ctrl-C, or its abort signal): the workers are stopped and nothing is written. */
export class SweepInterruptedError extends XrollupError {
  override name = "SweepInterruptedError";
  constructor({ done, total }: { done: number; total: number }) {
    super(`The sweep was interrupted after ${done} of ${total} runs; nothing was written (run it again, or run the missing share with --shard).`);
  }
}
