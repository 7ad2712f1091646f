import { type Abi, decodeErrorResult, type Hex, isHex } from "viem";
import { allContractErrors } from "../contracts/artifacts.ts";

let knownErrors: Abi | undefined;

/**
 * Describes revert data in words a developer can act on: `Error(string)`
 * and `Panic(uint256)`, or any custom error of xrollup's contracts with its
 * arguments. Errors that carry another revert as `bytes` (the messenger's
 * `TargetCallFailed`, a token's `CallFailed`) are described down to the
 * innermost reason.
 */
export function describeRevert(data: unknown): string {
  if (!isHex(data) || data === "0x") return "reverted without a reason";
  const decoded = decodeError(data);
  if (decoded === undefined) return `reverted with unknown error data ${abbreviate(data)}`;
  if (decoded.name === "Error") return `reverted: ${String(decoded.args[0]?.value)}`;
  if (decoded.name === "Panic") return `panicked with code 0x${(decoded.args[0]?.value as bigint).toString(16)}`;
  // The messenger wraps its target's revert; the caller already names the target.
  if (decoded.name === "TargetCallFailed") return describeRevert(decoded.args[1]?.value);
  return `reverted with ${formatError(data)}`;
}

/** `Name(arg: value, …)`, with `bytes` arguments that hold revert data formatted the same way. */
function formatError(data: Hex): string {
  const decoded = decodeError(data);
  if (decoded === undefined) return abbreviate(data);
  const args = decoded.args.map(({ name, type, value }) => {
    const shown = type === "bytes" && isHex(value) && value.length >= 10 && decodeError(value) !== undefined ? formatError(value) : String(value);
    return `${name}: ${shown}`;
  });
  return `${decoded.name}(${args.join(", ")})`;
}

function decodeError(data: Hex) {
  knownErrors ??= allContractErrors() as Abi;
  try {
    const decoded = decodeErrorResult({ abi: knownErrors, data });
    const inputs = decoded.abiItem.type === "error" ? decoded.abiItem.inputs : [];
    const args = (decoded.args ?? []).map((value, index) => ({
      name: inputs[index]?.name || String(index),
      type: inputs[index]?.type ?? "",
      value,
    }));
    return { name: decoded.errorName, args };
  } catch {
    return undefined;
  }
}

function abbreviate(data: Hex): string {
  return data.length > 74 ? `${data.slice(0, 74)}…` : data;
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
