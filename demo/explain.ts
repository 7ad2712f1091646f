import type { FailedLeg, ReasonCode } from "../sequencer/reasons.ts";

/** Options of {@link explainReason}. */
export interface ExplainOptions {
  /** Words for a room of students: no error names, no "rollup", no "revert". */
  plain: boolean;
  /** Short names of the chains by chain id, e.g. `{ 901: "A", 902: "B" }`; default: the chain id. */
  chainLabels?: Readonly<Record<number, string>>;
}

/** The symbol of the token the demo's vault and pool amounts are in, and its decimals. */
const BRIDGED = { symbol: "xUSD", decimals: 18 } as const;

/**
 * A token amount in whole units for a sentence: thousands separators, two
 * decimals, none when it is whole (`5,946.41 xUSD`, `5,000 xUSD`).
 */
export function tokenUnits(amount: bigint, symbol: string = BRIDGED.symbol, decimals: number = BRIDGED.decimals): string {
  const cents = (amount * 100n + 10n ** BigInt(decimals) / 2n) / 10n ** BigInt(decimals);
  const whole = (cents / 100n).toLocaleString("en-US");
  const fraction = cents % 100n;
  return `${whole}${fraction === 0n ? "" : `.${fraction.toString().padStart(2, "0")}`} ${symbol}`;
}

/** A demo error as the sequencer's words name it: `Name(arg: value, …)`, with its arguments by name. */
interface NamedError {
  name: string;
  args: Record<string, string>;
}

/** The demo's errors, innermost last, found in the sequencer's words (it decodes nested revert data as `Outer(…, returnData: Inner(…))`). */
function demoErrorIn(reason: string): NamedError | undefined {
  const pattern = /\b(DepositCapExceeded|InsufficientOutput|ActionOutOfGas|Paused)\(([^()]*)\)/g;
  let found: NamedError | undefined;
  for (const match of reason.matchAll(pattern)) {
    const args: Record<string, string> = {};
    for (const part of match[2]!.split(",")) {
      const [key, value] = part.split(":").map((side) => side.trim());
      if (key !== undefined && value !== undefined) args[key] = value;
    }
    found = { name: match[1]!, args };
  }
  return found;
}

/** Where the failure happened: the failed leg when the sequencer gives it, else what its words say. */
function whereOf(reason: string, failedLeg: FailedLeg | undefined): { role: "trigger" | "action"; chainId: number } | undefined {
  if (failedLeg !== undefined) return { role: failedLeg.role, chainId: failedLeg.chainId };
  const action = /the action on rollup (\d+)/.exec(reason);
  if (action !== null) return { role: "action", chainId: Number(action[1]) };
  const trigger = /on rollup (\d+)/.exec(reason);
  return trigger === null ? undefined : { role: "trigger", chainId: Number(trigger[1]) };
}

const amount = (error: NamedError, name: string): bigint | undefined => {
  const value = error.args[name];
  return value !== undefined && /^\d+$/.test(value) ? BigInt(value) : undefined;
};

/**
 * Why a demo transaction was dropped, in sentences with amounts in token
 * units, from the sequencer's `reasonCode`, its words (`reason`) and the
 * failed leg: `DepositCapExceeded`, `InsufficientOutput`, `ActionOutOfGas`
 * and the vault's `Paused`. Any other reason comes back unchanged. Pure.
 *
 * @example
 * ```ts
 * explainReason("action-reverted", status.reason, status.failedLeg, { plain: true, chainLabels: { 901: "A", 902: "B" } });
 * // "The vault on chain B is full: this deposit would bring it to 5,946.41 xUSD, but it only takes 5,000 xUSD. So nothing happened on either chain."
 * ```
 */
export function explainReason(
  reasonCode: ReasonCode | undefined,
  reason: string,
  failedLeg: FailedLeg | undefined,
  { plain, chainLabels = {} }: ExplainOptions,
): string {
  if (reasonCode !== "reverted" && reasonCode !== "action-reverted") return reason;
  const error = demoErrorIn(reason);
  const where = whereOf(reason, failedLeg);
  if (error === undefined || where === undefined) return reason;
  const label = chainLabels[where.chainId] ?? String(where.chainId);
  const chain = `chain ${label}`;
  const leg = `the ${where.role === "action" ? "action" : "transaction"} on rollup ${where.chainId}`;
  const nothing = "So nothing happened on either chain.";
  const explained = (technical: string, words: string) =>
    plain ? `${words} ${nothing}` : `${leg} reverted: ${error.name} — ${technical}`;
  switch (error.name) {
    case "DepositCapExceeded": {
      const [totalAfter, cap] = [amount(error, "totalAfter"), amount(error, "cap")];
      if (totalAfter === undefined || cap === undefined) return reason;
      return explained(
        `the deposit would bring the vault to ${tokenUnits(totalAfter)}, over its cap of ${tokenUnits(cap)}`,
        `The vault on ${chain} is full: this deposit would bring it to ${tokenUnits(totalAfter)}, but it only takes ${tokenUnits(cap)}.`,
      );
    }
    case "InsufficientOutput": {
      const [amountOut, minOut] = [amount(error, "amountOut"), amount(error, "minOut")];
      if (amountOut === undefined || minOut === undefined) return reason;
      return explained(
        `the swap would pay ${tokenUnits(amountOut)}, less than the ${tokenUnits(minOut)} the user accepts at least`,
        `The price on ${chain} is worse than the user accepts: the swap would pay ${tokenUnits(amountOut)}, but they asked for at least ${tokenUnits(minOut)}.`,
      );
    }
    case "ActionOutOfGas": {
      const gasLimit = amount(error, "gasLimit");
      if (gasLimit === undefined) return reason;
      const gas = gasLimit.toLocaleString("en-US");
      return explained(
        `it was given ${gas} gas, too little to run`,
        `The step on ${chain} ran out of gas (the fee budget for its work): it was given only ${gas}, far too little.`,
      );
    }
    default:
      return explained("the vault is paused and takes no deposits", `The vault on ${chain} is closed for now and takes no deposits.`);
  }
}
