import { type Abi, decodeErrorResult, type Hex, isHex } from "viem";
import { allContractErrors } from "../contracts/artifacts.ts";

let knownErrors: Abi | undefined;

/**
 * Describes revert data in words a developer can act on: `Error(string)`
 * and `Panic(uint256)`, or any custom error of xrollup's contracts with its
 * arguments. A messenger's `TargetCallFailed(target, data)` is unwrapped to
 * the target's own reason.
 */
export function describeRevert(data: unknown): string {
  if (!isHex(data) || data === "0x") return "reverted without a reason";
  knownErrors ??= allContractErrors() as Abi;
  let decoded;
  try {
    decoded = decodeErrorResult({ abi: knownErrors, data });
  } catch {
    return `reverted with unknown error data ${data.length > 74 ? `${data.slice(0, 74)}…` : data}`;
  }
  const args = decoded.args ?? [];
  if (decoded.errorName === "Error") return `reverted: ${String(args[0])}`;
  if (decoded.errorName === "Panic") return `panicked with code 0x${(args[0] as bigint).toString(16)}`;
  // The messenger wraps its target's revert; the caller already names the target.
  if (decoded.errorName === "TargetCallFailed") return describeRevert(args[1] as Hex);
  const inputs = decoded.abiItem.type === "error" ? decoded.abiItem.inputs : [];
  const named = args.map((value, index) => `${inputs[index]?.name || index}: ${String(value)}`);
  return `reverted with ${decoded.errorName}(${named.join(", ")})`;
}

/**
 * The revert data carried by an error from a chain's `eth_call` or
 * `eth_estimateGas`, wherever the provider put it.
 */
export function revertDataOf(error: unknown): Hex | undefined {
  for (let current: unknown = error; typeof current === "object" && current !== null; ) {
    const { data } = current as { data?: unknown };
    if (isHex(data)) return data;
    if (typeof data === "object" && data !== null && isHex((data as { data?: unknown }).data)) {
      return (data as { data: Hex }).data;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
