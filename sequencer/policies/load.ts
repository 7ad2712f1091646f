import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import type { OrderingPolicy } from "./types.ts";

/** Thrown for a policy module that cannot be used: missing, failing to load, or not exporting a policy. Names the file and what is wrong. */
export class InvalidPolicyModuleError extends XrollupError {
  override name = "InvalidPolicyModuleError";
  constructor({ file, problem, cause }: { file: string; problem: string; cause?: unknown }) {
    const detail = cause instanceof Error ? `: ${cause.message.split("\n")[0]}` : "";
    super(`Policy module ${file}: ${problem}${detail}.`, {
      details: [
        "A policy module's default export is an OrderingPolicy ({ name, order, auction? }) or a factory (options) => OrderingPolicy; see sequencer/policies/types.ts.",
      ],
      cause,
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { file },
    });
  }
}

/**
 * Imports a policy module (an absolute path): its default export is an
 * `OrderingPolicy`, or a factory that takes `options` and returns one.
 * Node strips TypeScript types, so a `.ts` module with type-only imports
 * runs as it is. `loadPolicy` (in `index.ts`) is the way in.
 *
 * @throws {InvalidPolicyModuleError} naming the file and what is wrong with it.
 */
export async function importPolicyModule(file: string, options: Readonly<Record<string, unknown>>): Promise<OrderingPolicy> {
  if (!existsSync(file)) throw new InvalidPolicyModuleError({ file, problem: "no such file" });
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (cause) {
    throw new InvalidPolicyModuleError({ file, problem: "it failed to load", cause });
  }
  if (typeof exported === "function") {
    let made: unknown;
    try {
      made = (exported as (options: Readonly<Record<string, unknown>>) => unknown)(options);
    } catch (cause) {
      throw new InvalidPolicyModuleError({ file, problem: "its factory threw", cause });
    }
    return checkedPolicy(file, made, "its factory's result");
  }
  if (Object.keys(options).length > 0) {
    throw new InvalidPolicyModuleError({ file, problem: `it exports a policy, not a factory, so it takes no options (got ${Object.keys(options).join(", ")})` });
  }
  return checkedPolicy(file, exported, "its default export");
}

/** `value` as an ordering policy, or an error saying what it lacks. */
function checkedPolicy(file: string, value: unknown, what: string): OrderingPolicy {
  if (typeof value !== "object" || value === null) {
    throw new InvalidPolicyModuleError({ file, problem: `${what} is ${value === undefined ? "missing (export default the policy)" : `a ${typeof value}, not a policy object`}` });
  }
  const { name, order, auction } = value as Record<string, unknown>;
  if (typeof name !== "string" || name.length === 0) throw new InvalidPolicyModuleError({ file, problem: `${what} has no name (a non-empty string)` });
  if (typeof order !== "function") throw new InvalidPolicyModuleError({ file, problem: `${what} "${name}" has no order function` });
  if (auction !== undefined && typeof auction !== "function") throw new InvalidPolicyModuleError({ file, problem: `${what} "${name}" has an auction that is not a function` });
  return value as OrderingPolicy;
}
