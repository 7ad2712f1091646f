/**
 * The runs of a sweep: every combination of the grid's values (the
 * cartesian product, keys in file order, the last key varying fastest),
 * each with every seed (innermost), numbered from 0 in that order.
 */
import type { JsonValue } from "../../devnet/state-file.ts";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import { parseScenario, ScenarioError } from "../scenario/schema.ts";
import { gridField, SweepFileError } from "./errors.ts";
import { FieldPathError, type JsonObject, setField } from "./path.ts";
import type { Sweep } from "./schema.ts";

/** The grid's values of one run, by field path, in the grid's order. */
export type RunParams = { [path: string]: JsonValue };

/** One run of a sweep: the base scenario with the run's values and seed set. */
export interface SweepRun {
  /** The run's index in the whole sweep (0-based), whatever shard runs it. */
  run: number;
  /** The grid's values for this run. */
  params: RunParams;
  seed: number;
  /** The scenario's JSON, ready for `parseScenario`. */
  scenario: JsonObject;
}

/** Thrown for a run of a sweep that is not a valid scenario: its values and the scenario's error. */
export class SweepRunInvalidError extends XrollupError {
  override name = "SweepRunInvalidError";
  /** The run's index. */
  readonly run: number;
  /** The scenario field that is invalid, e.g. `"victims[0].slippageBps"`. */
  readonly field: string;
  constructor({ run, params, seed, error }: { run: number; params: RunParams; seed: number; error: ScenarioError }) {
    super(`Run ${run} (${describeRun({ params, seed })}) is not a valid scenario: ${error.shortMessage.replace(/^Invalid scenario: /, "")}`, {
      cause: error,
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { run, params, seed, field: error.field, reason: error.reason },
    });
    this.run = run;
    this.field = error.field;
  }
}

/** A run's values and seed in words: `victims[0].slippageBps = 50, seed 1`. */
export function describeRun({ params, seed }: { params: RunParams; seed: number }): string {
  return [...Object.entries(params).map(([path, value]) => `${path} = ${JSON.stringify(value)}`), `seed ${seed}`].join(", ");
}

/** How many runs the sweep makes: one per combination of grid values and seed. */
export function runCount(sweep: Sweep): number {
  return sweep.grid.reduce((count, { values }) => count * values.length, 1) * sweep.seeds.length;
}

/** The grid's values of combination `combination`, the last key varying fastest. */
function combinationParams(sweep: Sweep, combination: number): RunParams {
  const params: RunParams = {};
  let rest = combination;
  for (let key = sweep.grid.length - 1; key >= 0; key--) {
    const { path, values } = sweep.grid[key]!;
    params[path] = values[rest % values.length]!;
    rest = Math.floor(rest / values.length);
  }
  // Built from the last key back; the record lists them in the grid's order.
  return Object.fromEntries(sweep.grid.map(({ path }) => [path, params[path]!]));
}

/**
 * Every run of the sweep in order, each validated with `parseScenario`
 * before it is returned, so nothing runs unless every run can.
 *
 * @throws {SweepFileError} for a grid path the base scenario does not have (naming the grid key).
 * @throws {SweepRunInvalidError} for the first run that is not a valid scenario.
 * @example
 * ```ts
 * expandRuns({ base, grid: [{ path: "slots", values: [1, 2] }], seeds: [7, 8] })
 *   .map(({ run, params, seed }) => [run, params.slots, seed]); // [[0, 1, 7], [1, 1, 8], [2, 2, 7], [3, 2, 8]]
 * ```
 */
export function expandRuns(sweep: Sweep): SweepRun[] {
  const runs: SweepRun[] = [];
  const combinations = runCount(sweep) / sweep.seeds.length;
  for (let combination = 0; combination < combinations; combination++) {
    const params = combinationParams(sweep, combination);
    for (const seed of sweep.seeds) {
      const scenario = structuredClone(sweep.base);
      for (const [path, value] of Object.entries(params)) {
        try {
          // A copy: a later path may set a field inside an object this one put in.
          setField(scenario, path, structuredClone(value));
        } catch (error) {
          if (error instanceof FieldPathError) throw new SweepFileError({ field: gridField(path), reason: error.reason, cause: error });
          throw error;
        }
      }
      scenario.seed = seed;
      const run = runs.length;
      try {
        parseScenario(scenario);
      } catch (error) {
        if (error instanceof ScenarioError) throw new SweepRunInvalidError({ run, params, seed, error });
        throw error;
      }
      runs.push({ run, params, seed, scenario });
    }
  }
  return runs;
}
