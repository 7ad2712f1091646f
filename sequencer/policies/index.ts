import { XrollupError, JSON_RPC_ERROR_CODES } from "../../errors/base.ts";
import { encryptedPolicy } from "./encrypted.ts";
import { fairRandomPolicy } from "./fair-random.ts";
import { fcfsPolicy } from "./fcfs.ts";
import { priorityFeePolicy } from "./priority-fee.ts";
import type { OrderingPolicy } from "./types.ts";

export type { OrderingPolicy, SlotContext } from "./types.ts";
export { keepBundlesTogether, keepNonceOrder } from "./constraints.ts";

/** The ordering policies selectable by name (`--policy`). */
export const ORDERING_POLICIES: Readonly<Record<string, OrderingPolicy>> = Object.fromEntries(
  [fcfsPolicy, priorityFeePolicy, encryptedPolicy, fairRandomPolicy].map((policy) => [policy.name, policy]),
);

/** Thrown for a policy name that does not exist. */
export class UnknownPolicyError extends XrollupError {
  override name = "UnknownPolicyError";
  constructor({ policy }: { policy: string }) {
    super(`Unknown ordering policy "${policy}".`, {
      details: [`Available policies: ${Object.keys(ORDERING_POLICIES).join(", ")}`],
      code: JSON_RPC_ERROR_CODES.invalidParams,
    });
  }
}

/** Looks up an ordering policy by name. */
export function resolvePolicy(policy: string): OrderingPolicy {
  const found = ORDERING_POLICIES[policy];
  if (found === undefined) throw new UnknownPolicyError({ policy });
  return found;
}
