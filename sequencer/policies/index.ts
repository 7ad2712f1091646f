import path from "node:path";
import { parseGwei } from "viem";
import { XrollupError, JSON_RPC_ERROR_CODES } from "../../errors/base.ts";
import { batchAuctionPolicy } from "./batch-auction.ts";
import { encryptedPolicy } from "./encrypted.ts";
import { fairRandomPolicy } from "./fair-random.ts";
import { fcfsPolicy } from "./fcfs.ts";
import { importPolicyModule } from "./load.ts";
import { createOrderFlowAuctionPolicy } from "./order-flow-auction.ts";
import { priorityFeePolicy } from "./priority-fee.ts";
import { createSealedBidPolicy } from "./sealed-bid.ts";
import { createTimeboostPolicy } from "./timeboost.ts";
import type { OrderingPolicy } from "./types.ts";

export type { AuctionOutcome, Bid, OrderingPolicy, SlotContext } from "./types.ts";
export { keepBundlesTogether, keepBundlesWhole, keepNonceOrder } from "./constraints.ts";
export { InvalidPolicyModuleError } from "./load.ts";

/** The ordering policies selectable by name (`--policy`), each with its default options. */
export const ORDERING_POLICIES: Readonly<Record<string, OrderingPolicy>> = Object.fromEntries(
  [
    fcfsPolicy,
    priorityFeePolicy,
    encryptedPolicy,
    fairRandomPolicy,
    createTimeboostPolicy(),
    createSealedBidPolicy(),
    batchAuctionPolicy,
    createOrderFlowAuctionPolicy(),
  ].map(
    (policy) => [policy.name, policy],
  ),
);

/**
 * A policy as configuration names it: its name (or a module path, which
 * only {@link loadPolicy} imports), or an object with the name
 * and the policy's options, as JSON gives them:
 * `{ "name": "timeboost", "roundSlots": 2, "reservePriceGwei": "0.5" }`.
 * Prices are in gwei, as a number or a decimal string (at most 9
 * decimals); counts and durations are whole numbers.
 */
export type PolicySpec = string | PolicySpecObject;

/** {@link PolicySpec}'s object form: the name and the policy's options. */
export interface PolicySpecObject {
  name: string;
  [option: string]: unknown;
}

/** How a JSON option is read: what it expects (for the error), and its value, or `undefined` when it is not one. */
interface OptionType<T> {
  expected: string;
  read(value: unknown): T | undefined;
}

/** A policy that takes options in a spec: their names and how they become the policy. */
export interface PolicyFactory {
  /** The options a spec may give, by their JSON names. */
  readonly options: readonly string[];
  /** Builds the policy from a spec's options (those left out take their defaults); checks each. */
  create(spec: PolicySpecObject): OrderingPolicy;
}

const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER): OptionType<number> => ({
  expected: `a whole number from ${min} to ${max}`,
  read: (value) => (typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined),
});

/** An amount in gwei, as a number or a decimal string, read as wei. */
const gwei: OptionType<bigint> = {
  expected: 'an amount in gwei ≥ 0, as a number or a decimal string ("0.5")',
  read: (value) => {
    const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
    return typeof text === "string" && /^\d+(\.\d{1,9})?$/.test(text) ? parseGwei(text) : undefined;
  },
};

type OptionValues<S> = { [K in keyof S]?: S[K] extends OptionType<infer T> ? T : never };

function policyFactory<S extends Record<string, OptionType<unknown>>>(name: string, types: S, create: (values: OptionValues<S>) => OrderingPolicy): PolicyFactory {
  return {
    options: Object.keys(types),
    create: (spec) => {
      const values: Record<string, unknown> = {};
      for (const [option, value] of Object.entries(spec)) {
        if (option === "name") continue;
        const type = types[option];
        if (type === undefined) throw new UnknownPolicyOptionError({ policy: name, option, known: Object.keys(types) });
        const read = type.read(value);
        if (read === undefined) throw new InvalidPolicyOptionError({ policy: name, option, expected: type.expected, got: value });
        values[option] = read;
      }
      return create(values as OptionValues<S>);
    },
  };
}

/** The policies that take options, by name: each option's JSON name and type, mapped to its factory's options. */
export const POLICY_FACTORIES: Readonly<Record<string, PolicyFactory>> = {
  timeboost: policyFactory("timeboost", { roundSlots: wholeNumber(1), delayMs: wholeNumber(0), reservePriceGwei: gwei }, (values) =>
    createTimeboostPolicy({ roundSlots: values.roundSlots, delayMs: values.delayMs, reservePriceWei: values.reservePriceGwei }),
  ),
  "sealed-bid": policyFactory("sealed-bid", { reservePriceGwei: gwei }, (values) => createSealedBidPolicy({ reservePriceWei: values.reservePriceGwei })),
  "order-flow-auction": policyFactory("order-flow-auction", { refundBps: wholeNumber(0, 10_000) }, (values) =>
    createOrderFlowAuctionPolicy({ refundBps: values.refundBps }),
  ),
};

/** Whether a policy spec string names a module to import (`./`, `../`, `/`, or ending `.ts`, `.js` or `.mjs`) rather than a built-in policy. */
export function isPolicyModulePath(spec: string): boolean {
  return /^(\.{1,2}\/|\/)/.test(spec) || /\.(ts|js|mjs)$/.test(spec);
}

/** Thrown for a policy name that does not exist. */
export class UnknownPolicyError extends XrollupError {
  override name = "UnknownPolicyError";
  constructor({ policy }: { policy: string }) {
    super(`Unknown ordering policy "${policy}".`, {
      details: [`Available policies: ${Object.keys(ORDERING_POLICIES).join(", ")}; or a module path (./my-policy.ts), which loadPolicy imports.`],
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { policy },
    });
  }
}

/** Thrown for an option a policy does not take; names it and the options it takes. */
export class UnknownPolicyOptionError extends XrollupError {
  override name = "UnknownPolicyOptionError";
  constructor({ policy, option, known }: { policy: string; option: string; known: readonly string[] }) {
    super(`Unknown option "${option}" of policy "${policy}".`, {
      details: [known.length === 0 ? `${policy} takes no options.` : `Options of ${policy}: ${known.join(", ")}.`],
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { policy, option },
    });
  }
}

/** Thrown for a policy option of the wrong type or out of range; names the option and what it expects. */
export class InvalidPolicyOptionError extends XrollupError {
  override name = "InvalidPolicyOptionError";
  constructor({ policy, option, expected, got }: { policy: string; option: string; expected: string; got: unknown }) {
    super(`Invalid option "${option}" of policy "${policy}": expected ${expected}, got ${JSON.stringify(got) ?? String(got)}.`, {
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { policy, option, expected },
    });
  }
}

/**
 * The built-in policy a spec names, with its options. A name alone gives
 * the policy with its defaults (the {@link ORDERING_POLICIES} instance).
 *
 * @example
 * ```ts
 * const policy = resolvePolicy({ name: "timeboost", roundSlots: 2, reservePriceGwei: "0.5" });
 * ```
 *
 * @throws {UnknownPolicyError} for a name that is no built-in policy (module paths go to `loadPolicy`).
 * @throws {UnknownPolicyOptionError} for an option the policy does not take.
 * @throws {InvalidPolicyOptionError} for an option of the wrong type.
 */
export function resolvePolicy(spec: PolicySpec): OrderingPolicy {
  const name = typeof spec === "string" ? spec : spec.name;
  if (typeof name !== "string") throw new InvalidPolicyOptionError({ policy: String(name), option: "name", expected: "a policy name", got: name });
  const found = ORDERING_POLICIES[name];
  if (found === undefined) throw new UnknownPolicyError({ policy: name });
  if (typeof spec === "string") return found;
  const factory = POLICY_FACTORIES[name];
  if (factory !== undefined) return factory.create(spec);
  const [option] = Object.keys(spec).filter((key) => key !== "name");
  if (option !== undefined) throw new UnknownPolicyOptionError({ policy: name, option, known: [] });
  return found;
}

/**
 * The policy a spec names: a built-in one ({@link resolvePolicy}), or one
 * from a module when the name is a path ({@link isPolicyModulePath}),
 * resolved against `cwd`. The module's default export is an
 * `OrderingPolicy`, or a factory that takes the spec's other fields as its
 * options (`{}` for a bare path) and returns one. Node strips TypeScript
 * types, so a `.ts` module with type-only imports runs as it is.
 *
 * @example
 * ```ts
 * const policy = await loadPolicy({ name: "./policies/late-first.ts", delayMs: 100 });
 * ```
 *
 * @throws {InvalidPolicyModuleError} naming the file and what is wrong with it (missing, failing to load, no policy).
 * @throws {UnknownPolicyError} / {UnknownPolicyOptionError} / {InvalidPolicyOptionError} for built-in policies, as `resolvePolicy`.
 */
export async function loadPolicy(spec: PolicySpec, { cwd = process.cwd() }: { cwd?: string } = {}): Promise<OrderingPolicy> {
  const name = typeof spec === "string" ? spec : spec.name;
  if (typeof name !== "string" || !isPolicyModulePath(name)) return resolvePolicy(spec);
  const options = typeof spec === "string" ? {} : Object.fromEntries(Object.entries(spec).filter(([key]) => key !== "name"));
  return importPolicyModule(path.resolve(cwd, name), options);
}
