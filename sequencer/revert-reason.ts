import { type Abi, type AbiParameter, decodeAbiParameters, decodeErrorResult, hexToString, isHex, toFunctionSelector } from "viem";
import { formatAbiItem } from "viem/utils";
import { allContractErrors } from "../contracts/artifacts.ts";

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

type AbiError = Extract<Abi[number], { type: "error" }>;

const BUILTIN_ERRORS: readonly AbiError[] = [
  { type: "error", name: "Error", inputs: [{ name: "message", type: "string" }] },
  { type: "error", name: "Panic", inputs: [{ name: "code", type: "uint256" }] },
];

let knownErrors: Map<string, AbiError> | undefined;

/**
 * Describes revert data in words a developer can act on: `Error(string)`
 * and `Panic(uint256)`, or any custom error of xrollup's contracts with its
 * arguments. Errors that carry another revert as `bytes` (the messenger's
 * `TargetCallFailed`, a token's `CallFailed`) are described down to the
 * innermost reason, at most {@link MAX_REVERT_NESTING} levels deep.
 *
 * Each level is decoded once, in place, so the cost is one pass over the
 * data (checking that it is hex) plus a bounded amount per level, whatever
 * the size and nesting: a few ms for 384 KB nested 3,000 times.
 *
 * @returns e.g. `"reverted with DepositCapExceeded(totalAfter: 6, cap: 5)"`.
 */
export function describeRevert(data: unknown): string {
  if (!isHex(data) || data === "0x") return "reverted without a reason";
  return describeLevel({ hex: data.toLowerCase(), start: 2, end: data.length }, 1);
}

/** Describes revert data found `level` errors deep (1 for the revert itself). */
function describeLevel(data: Window, level: number): string {
  if (data.end <= data.start) return "reverted without a reason";
  if (level > MAX_REVERT_NESTING) {
    return `reverted with error data nested more than ${MAX_REVERT_NESTING} levels deep: ${abbreviate(data)}`;
  }
  const decoded = decodeError(data);
  if (decoded === undefined) return `reverted with unknown error data ${abbreviate(data)}`;
  const [first, second] = decoded.args;
  if (decoded.name === "Error" && first !== undefined && "value" in first) return `reverted: ${String(first.value)}`;
  if (decoded.name === "Panic" && first !== undefined && "value" in first) {
    return `panicked with code 0x${(first.value as bigint).toString(16)}`;
  }
  // The messenger wraps its target's revert; the caller already names the target.
  if (decoded.name === "TargetCallFailed" && second !== undefined && "bytes" in second) {
    return describeLevel(second.bytes, level + 1);
  }
  return `reverted with ${formatError(decoded, level)}`;
}

/** `Name(arg: value, …)`, with `bytes` arguments that hold revert data formatted the same way. */
function formatError(decoded: DecodedError, level: number): string {
  const args = decoded.args.map((argument) => {
    if ("value" in argument) return `${argument.name}: ${String(argument.value)}`;
    const inner = level < MAX_REVERT_NESTING ? decodeError(argument.bytes) : undefined;
    return `${argument.name}: ${inner === undefined ? abbreviate(argument.bytes) : formatError(inner, level + 1)}`;
  });
  return `${decoded.name}(${args.join(", ")})`;
}

/** Decodes one level of revert data as a known error, or `undefined` if it is none. */
function decodeError(data: Window): DecodedError | undefined {
  knownErrors ??= new Map([...BUILTIN_ERRORS, ...(allContractErrors() as readonly AbiError[])].map((item) => [toFunctionSelector(formatAbiItem(item)), item]));
  if (data.end - data.start < 8) return undefined;
  const item = knownErrors.get(`0x${data.hex.slice(data.start, data.start + 8)}`);
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
