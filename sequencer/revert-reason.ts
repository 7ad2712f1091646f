import { type Abi, type AbiParameter, decodeAbiParameters, decodeErrorResult, type Hex, hexToString, isHex, toFunctionSelector } from "viem";
import { formatAbiItem } from "viem/utils";
import { type AbiError, type KnownAbis, xrollupAbis } from "../contracts/abi-registry.ts";
import { artifact } from "../contracts/artifacts.ts";

/**
 * How many levels of errors carried inside errors (as `bytes`) are
 * described; deeper revert data is shown abbreviated. A contract can nest
 * its revert data thousands of times in a few hundred KB.
 */
export const MAX_REVERT_NESTING = 8;

/** The longest message of an `Error(string)`, in bytes, shown in full; longer ones are cut. */
export const MAX_DESCRIBED_STRING_BYTES = 4096;

/**
 * Errors with arguments of other than elementary types (arrays, tuples:
 * none of xrollup's today) are decoded by viem, which copies the data: only
 * when it is at most this many bytes.
 */
const MAX_COPIED_BYTES = 4096;

/** Bytes shown of data that is not described (the selector and one word). */
const ABBREVIATED_BYTES = 36;

/**
 * A window onto revert data: the hex characters `hex[start, end)`, without
 * `0x`. Nested errors are read in place through windows instead of being
 * copied out, so describing costs the same whatever the data's size.
 */
interface Window {
  hex: string;
  start: number;
  end: number;
}

/** A decoded argument: a `bytes` value stays a window, to be described or abbreviated. */
type Argument = { name: string; bytes: Window } | { name: string; value: unknown };

interface DecodedError {
  name: string;
  args: Argument[];
}

/** What each Solidity panic code means (the Solidity documentation's list). */
const PANIC_MEANINGS: Readonly<Record<number, string>> = {
  0x00: "generic compiler panic",
  0x01: "assert failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division or modulo by zero",
  0x21: "conversion to an enum out of range",
  0x22: "incorrectly encoded storage byte array",
  0x31: "pop on an empty array",
  0x32: "array index out of bounds",
  0x41: "too much memory allocated",
  0x51: "call to a zero-initialized function",
};

/**
 * Describes revert data in words a developer can act on: `Error(string)`,
 * `Panic(uint256)` with what the code means, or a custom error with its
 * arguments' names and values, from any ABI `abis` knows (default:
 * xrollup's contracts; a devnet adds its `--artifacts`). Errors that carry
 * another revert as `bytes` (the messenger's `TargetCallFailed`, a token's
 * `CallFailed`) are described down to the innermost reason, at most
 * {@link MAX_REVERT_NESTING} levels deep.
 *
 * Each level is decoded once, in place, so the cost is one pass over the
 * data (checking that it is hex) plus a bounded amount per level, whatever
 * the size and nesting: a few ms for 384 KB nested 3,000 times.
 *
 * @returns e.g. `"reverted with DepositCapExceeded(totalAfter: 6, cap: 5)"`.
 */
export function describeRevert(data: unknown, abis: KnownAbis = xrollupAbis()): string {
  if (!isHex(data) || data === "0x") return "reverted without a reason";
  return describeLevel({ hex: data.toLowerCase(), start: 2, end: data.length }, 1, abis);
}

/** Describes revert data found `level` errors deep (1 for the revert itself). */
function describeLevel(data: Window, level: number, abis: KnownAbis): string {
  if (data.end <= data.start) return "reverted without a reason";
  if (level > MAX_REVERT_NESTING) {
    return `reverted with error data nested more than ${MAX_REVERT_NESTING} levels deep: ${abbreviate(data)}`;
  }
  const decoded = decodeError(data, abis);
  if (decoded === undefined) return `reverted with unknown error data ${abbreviate(data)}`;
  const [first, second] = decoded.args;
  if (decoded.name === "Error" && first !== undefined && "value" in first) return `reverted: ${String(first.value)}`;
  if (decoded.name === "Panic" && first !== undefined && "value" in first) {
    const code = first.value as bigint;
    const meaning = PANIC_MEANINGS[Number(code)];
    return `panicked with code 0x${code.toString(16)}${meaning === undefined ? "" : ` (${meaning})`}`;
  }
  // The messenger wraps its target's revert; the caller already names the target.
  if (decoded.name === "TargetCallFailed" && second !== undefined && "bytes" in second) {
    return describeLevel(second.bytes, level + 1, abis);
  }
  return `reverted with ${formatError(decoded, level, abis)}`;
}

/** `Name(arg: value, …)`, with `bytes` arguments that hold revert data formatted the same way. */
function formatError(decoded: DecodedError, level: number, abis: KnownAbis): string {
  const args = decoded.args.map((argument) => {
    if ("value" in argument) return `${argument.name}: ${String(argument.value)}`;
    const inner = level < MAX_REVERT_NESTING ? decodeError(argument.bytes, abis) : undefined;
    return `${argument.name}: ${inner === undefined ? abbreviate(argument.bytes) : formatError(inner, level + 1, abis)}`;
  });
  return `${decoded.name}(${args.join(", ")})`;
}

/** Decodes one level of revert data as a known error, or `undefined` if it is none. */
function decodeError(data: Window, abis: KnownAbis): DecodedError | undefined {
  if (data.end - data.start < 8) return undefined;
  const item = abis.error(`0x${data.hex.slice(data.start, data.start + 8)}`);
  if (item === undefined) return undefined;
  const args: Window = { hex: data.hex, start: data.start + 8, end: data.end };
  try {
    return item.inputs.every(isReadInPlace) ? readArguments(item, args) : copyArguments(item, data);
  } catch {
    return undefined;
  }
}

/** Reads arguments of elementary types: static ones from their head, `bytes` and `string` where their head points. */
function readArguments(item: AbiError, args: Window): DecodedError | undefined {
  const headChars = 64 * item.inputs.length;
  if (args.end - args.start < headChars) return undefined;
  // Dynamic arguments' heads are their offsets, which read as uint256.
  const headTypes = item.inputs.map((input) => (isDynamic(input) ? { type: "uint256" } : input));
  const heads = decodeAbiParameters(headTypes, `0x${args.hex.slice(args.start, args.start + headChars)}`);
  const decoded: Argument[] = [];
  for (const [index, input] of item.inputs.entries()) {
    const name = input.name || String(index);
    if (!isDynamic(input)) {
      decoded.push({ name, value: heads[index] });
      continue;
    }
    const content = dynamicContent(args, heads[index] as bigint);
    if (content === undefined) return undefined;
    decoded.push(input.type === "bytes" ? { name, bytes: content } : { name, value: readString(content) });
  }
  return { name: item.name, args: decoded };
}

/** The bytes of a dynamic argument whose head holds `offset`, or `undefined` if they lie outside the data. */
function dynamicContent(args: Window, offset: bigint): Window | undefined {
  const available = BigInt((args.end - args.start) / 2);
  if (offset + 32n > available) return undefined;
  const lengthAt = args.start + 2 * Number(offset);
  const length = BigInt(`0x${args.hex.slice(lengthAt, lengthAt + 64)}`);
  if (offset + 32n + length > available) return undefined;
  const start = lengthAt + 64;
  return { hex: args.hex, start, end: start + 2 * Number(length) };
}

/** A UTF-8 string argument, cut after {@link MAX_DESCRIBED_STRING_BYTES}. */
function readString(content: Window): string {
  const bytes = (content.end - content.start) / 2;
  const shown = hexToString(`0x${content.hex.slice(content.start, content.start + 2 * Math.min(bytes, MAX_DESCRIBED_STRING_BYTES))}`);
  return bytes > MAX_DESCRIBED_STRING_BYTES ? `${shown}… (${bytes} bytes)` : shown;
}

/** Decodes arguments of any type with viem, which copies the data: only for small data. */
function copyArguments(item: AbiError, data: Window): DecodedError | undefined {
  if ((data.end - data.start) / 2 > MAX_COPIED_BYTES) return undefined;
  const { args: values = [] } = decodeErrorResult({ abi: [item], data: `0x${data.hex.slice(data.start, data.end)}` });
  const decoded = item.inputs.map((input, index): Argument => {
    const name = input.name || String(index);
    const value = values[index];
    return input.type === "bytes" && isHex(value) ? { name, bytes: { hex: value, start: 2, end: value.length } } : { name, value };
  });
  return { name: item.name, args: decoded };
}

/** Elementary types, whose head is the value itself or the offset of `bytes` / `string` content. */
function isReadInPlace(input: AbiParameter): boolean {
  // viem checks the sizes (`uint72`, `bytes32`) when it decodes the heads.
  return /^(address|bool|string|bytes\d*|u?int\d*)$/.test(input.type);
}

function isDynamic(input: AbiParameter): boolean {
  return input.type === "bytes" || input.type === "string";
}

function abbreviate(data: Window): string {
  const shown = `0x${data.hex.slice(data.start, Math.min(data.end, data.start + 2 * ABBREVIATED_BYTES))}`;
  return data.end - data.start > 2 * ABBREVIATED_BYTES ? `${shown}…` : shown;
}

/** The messenger's `TargetCallFailed` and its selector, read once. */
let targetCallFailed: { selector: Hex; item: AbiError } | undefined;

/**
 * The revert data of an action as its target reverted with it: the
 * messenger wraps a failed call in `TargetCallFailed(target, returnData)`,
 * whose `returnData` is unwrapped, in full. Any other data (the messenger's
 * own errors, such as `ActionOutOfGas`) is returned as it is.
 */
export function actionRevertData(relayRevertData: Hex): Hex {
  if (targetCallFailed === undefined) {
    const item = (artifact("L2ToL2CrossDomainMessenger").abi as Abi).find((entry): entry is AbiError => entry.type === "error" && entry.name === "TargetCallFailed")!;
    targetCallFailed = { selector: toFunctionSelector(formatAbiItem(item)) as Hex, item };
  }
  if (relayRevertData.slice(0, 10).toLowerCase() !== targetCallFailed.selector) return relayRevertData;
  try {
    const { args } = decodeErrorResult({ abi: [targetCallFailed.item], data: relayRevertData });
    const inner = args?.[1];
    return isHex(inner) ? inner : relayRevertData;
  } catch {
    return relayRevertData;
  }
}
