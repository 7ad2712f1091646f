import {
  type Address,
  fromRlp,
  getAddress,
  getTransactionType,
  type Hex,
  hexToBigInt,
  IntegerOutOfRangeError,
  isAddressEqual,
  keccak256,
  numberToHex,
  parseTransaction,
  serializeTransaction,
  TipAboveFeeCapError,
  type TransactionSerializable,
  type TransactionSerialized,
} from "viem";
import {
  InitcodeTooLargeError,
  IntrinsicGasTooLowError,
  InvalidTransactionError,
  MalleableSignatureError,
  NonceOutOfRangeError,
  PriorityFeeAboveMaxFeeError,
  UnsupportedTransactionTypeError,
} from "./errors.ts";
import type { XrollupError } from "../errors/base.ts";
import { CURVE_ORDER, recoverAddress } from "./secp256k1.ts";
import type { SequencedTransaction } from "./types.ts";

/**
 * The transaction types the rollups run, by EIP-2718 type number. EDR's OP
 * chains (Isthmus) refuse blob (3) and set-code (4) transactions with
 * "Invalid transaction type", and deposits (126) come only from L1.
 */
export const SUPPORTED_TRANSACTION_TYPES: Readonly<Record<number, string>> = { 0: "legacy", 1: "EIP-2930", 2: "EIP-1559" };

/** EIP-3860's limit on a contract creation's initcode, in bytes. */
export const MAX_INITCODE_SIZE = 49_152;

/**
 * The largest nonce accepted. Nonces are JS numbers in the sequencer; a
 * larger one would lose precision, and no account gets near it.
 */
export const MAX_NONCE = BigInt(Number.MAX_SAFE_INTEGER);

/** A decoded signed transaction, before the sequencer accepts it. */
export type DecodedTransaction = Omit<SequencedTransaction, "arrival" | "chainId" | "receivedAt" | "bundleId"> & {
  /** The chain id it is signed for; `undefined` for a pre-EIP-155 legacy transaction. */
  chainId: number | undefined;
  value: bigint;
  /** The first 4 bytes of the calldata of a call; `undefined` for a creation or shorter calldata. */
  selector: Hex | undefined;
};

/**
 * Decodes a signed raw transaction, recovers its sender, and refuses what
 * the rollups would not run: a transaction the sequencer accepts must be
 * one the chain can include or revert, never one it refuses outright.
 *
 * @throws {InvalidTransactionError} when the bytes are not a signed transaction, or carry the impersonation signature (see {@link impersonatedTransaction}).
 * @throws {UnsupportedTransactionTypeError} for a type other than legacy, EIP-2930 or EIP-1559.
 * @throws {PriorityFeeAboveMaxFeeError} when `maxPriorityFeePerGas` > `maxFeePerGas`.
 * @throws {MalleableSignatureError} when `s` is in the upper half of the curve order (EIP-2).
 * @throws {NonceOutOfRangeError} when the nonce is above {@link MAX_NONCE}.
 * @throws {InitcodeTooLargeError} when a creation's initcode is over {@link MAX_INITCODE_SIZE} bytes.
 * @throws {IntrinsicGasTooLowError} when the gas limit is below the transaction's intrinsic gas or EIP-7623 floor.
 */
export function decodeRawTransaction(raw: unknown): DecodedTransaction {
  return decodeTransaction(raw, "signed");
}

/**
 * Decodes a transaction from an impersonated account, as
 * {@link impersonatedTransaction} made it: its sender is the one its
 * impersonation signature names. Otherwise as {@link decodeRawTransaction}.
 *
 * @throws {InvalidTransactionError} when the bytes are not a transaction with EDR's impersonation signature.
 */
export function decodeImpersonatedTransaction(raw: unknown): DecodedTransaction {
  return decodeTransaction(raw, "impersonated");
}

/**
 * Decodes a transaction as a rollup block (and a batch) may carry it:
 * signed, or from an impersonated account. What derivation replays.
 *
 * @throws {InvalidTransactionError} and the other errors of {@link decodeRawTransaction}.
 */
export function decodeBlockTransaction(raw: unknown): DecodedTransaction {
  return decodeTransaction(raw, "either");
}

/**
 * A transaction from an account impersonated with
 * `hardhat_impersonateAccount`, serialized as EDR holds it: with EDR's
 * impersonation signature, r = s = the sender's address, and recovery bit 1
 * for a typed transaction, EIP-155's 0 for a legacy one. Its hash is the
 * one EDR gives it. No secp256k1 signature has r = s below 2^160, so the
 * form names its sender unambiguously; intake refuses it from anyone but the
 * devnet itself (see {@link decodeRawTransaction}).
 *
 * @example
 * ```ts
 * const raw = impersonatedTransaction({ chainId: 901, type: "eip1559", nonce: 0, gas: 21000n, to, maxFeePerGas, maxPriorityFeePerGas }, from);
 * keccak256(raw); // the hash EDR's eth_sendTransaction answers
 * ```
 */
export function impersonatedTransaction(transaction: TransactionSerializable, from: Address): Hex {
  const word = numberToHex(hexToBigInt(from), { size: 32 });
  if ((transaction.type ?? getTransactionType(transaction)) === "legacy") {
    if (transaction.chainId === undefined) throw new InvalidTransactionError({ reason: "an impersonated legacy transaction needs a chain id (EIP-155)" });
    return serializeTransaction(transaction, { r: word, s: word, v: BigInt(transaction.chainId * 2 + 35) });
  }
  return serializeTransaction(transaction, { r: word, s: word, yParity: 1 });
}

/**
 * The sender an impersonation signature names, or `undefined` for bytes
 * that do not carry one. Cheap for a signed transaction: the bytes are
 * parsed only when they end as the form does, with two equal integers.
 */
export function impersonatedSender(raw: Hex): Address | undefined {
  if (!endsWithEqualWords(raw)) return undefined;
  try {
    const parsed = parseTransaction(raw.toLowerCase() as TransactionSerialized);
    return impersonationSignatory(parsed);
  } catch {
    return undefined;
  }
}

/**
 * Whether the bytes end with the same 1 to 21 bytes twice, as a transaction
 * whose signature's r and s are one address does (their RLP encodings end
 * it). A real signature's r and s are about 32 bytes each, so this is false
 * for all but about one in 256 signed transactions.
 */
function endsWithEqualWords(raw: Hex): boolean {
  for (let chars = 2; chars <= 42 && raw.length >= 2 + 2 * chars; chars += 2) {
    if (raw.slice(-chars).toLowerCase() === raw.slice(-2 * chars, -chars).toLowerCase()) return true;
  }
  return false;
}

/** The address an impersonation signature (r = s, below 2^160) names, or `undefined`. */
function impersonationSignatory(parsed: ReturnType<typeof parseTransaction>): Address | undefined {
  if (parsed.r === undefined || parsed.s === undefined) return undefined;
  const r = hexToBigInt(parsed.r);
  if (r !== hexToBigInt(parsed.s) || r >= 2n ** 160n) return undefined;
  return getAddress(numberToHex(r, { size: 20 }));
}

/** Whether the recovery part of an impersonation signature is EDR's: 1 for a typed transaction, EIP-155's 0 for a legacy one. */
function hasImpersonationRecovery(parsed: ReturnType<typeof parseTransaction>): boolean {
  if (parsed.type === "legacy") return parsed.chainId !== undefined && parsed.v === BigInt(parsed.chainId * 2 + 35);
  return parsed.yParity === 1;
}

/** Which signatures {@link decodeTransaction} takes. */
type AcceptedSignature = "signed" | "impersonated" | "either";

function decodeTransaction(raw: unknown, accepted: AcceptedSignature): DecodedTransaction {
  if (typeof raw !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(raw)) {
    throw new InvalidTransactionError({ reason: "expected the signed transaction as 0x-prefixed hex bytes" });
  }
  const serialized = raw.toLowerCase() as TransactionSerialized;
  // EIP-2718: a first byte up to 0x7f is the type of a typed transaction; a
  // legacy transaction is an RLP list, whose first byte is at least 0xc0.
  const type = Number.parseInt(serialized.slice(2, 4), 16);
  if (type >= 1 && type <= 0x7f && SUPPORTED_TRANSACTION_TYPES[type] === undefined) {
    throw new UnsupportedTransactionTypeError({ type, supported: SUPPORTED_TRANSACTION_TYPES });
  }
  let parsed: ReturnType<typeof parseTransaction>;
  try {
    parsed = parseTransaction(serialized);
  } catch (cause) {
    throw parseFailure(serialized, cause);
  }
  if (parsed.r === undefined || parsed.s === undefined) {
    throw new InvalidTransactionError({ reason: "the transaction is not signed" });
  }
  if (parsed.nonce === undefined) throw new InvalidTransactionError({ reason: "the transaction has no nonce" });
  if (parsed.gas === undefined) throw new InvalidTransactionError({ reason: "the transaction has no gas limit" });
  const from = senderOf(parsed, accepted);
  const data = parsed.data ?? "0x";
  const to = parsed.to ?? undefined;
  const initcodeSize = (data.length - 2) / 2;
  if (to === undefined && initcodeSize > MAX_INITCODE_SIZE) {
    throw new InitcodeTooLargeError({ size: initcodeSize, limit: MAX_INITCODE_SIZE });
  }
  const { intrinsicGas, floorGas } = intrinsicGasOf({ data, creation: to === undefined, accessList: parsed.accessList ?? [] });
  if (parsed.gas < intrinsicGas || parsed.gas < floorGas) {
    throw new IntrinsicGasTooLowError({ gas: parsed.gas, intrinsicGas, floorGas });
  }
  const maxFeePerGas = parsed.maxFeePerGas ?? parsed.gasPrice ?? 0n;
  return {
    hash: keccak256(serialized),
    chainId: parsed.chainId,
    from,
    to,
    nonce: parsed.nonce,
    raw: serialized,
    gas: parsed.gas,
    value: parsed.value ?? 0n,
    maxFeePerGas,
    maxPriorityFeePerGas: parsed.maxPriorityFeePerGas ?? maxFeePerGas,
    selector: to !== undefined && data.length >= 10 ? (data.slice(0, 10) as Hex) : undefined,
  };
}

/**
 * Whether a decoded transaction calls `selector` on the contract at `address`.
 *
 * @example
 * ```ts
 * if (callsSelector(decoded, MESSENGER, toFunctionSelector("relayMessage(…)"))) refuse();
 * ```
 */
export function callsSelector(decoded: Pick<DecodedTransaction, "to" | "selector">, address: Address, selector: Hex): boolean {
  return decoded.to !== undefined && isAddressEqual(decoded.to, address) && decoded.selector?.toLowerCase() === selector.toLowerCase();
}

/** Parameters of {@link intrinsicGasOf}. */
export interface IntrinsicGasParameters {
  /** The calldata, or the initcode of a creation. */
  data: Hex;
  creation: boolean;
  accessList: readonly { address: Address; storageKeys: readonly Hex[] }[];
}

/**
 * The gas a transaction costs before its first instruction, as the rollups
 * (OP Isthmus, with Prague's rules) charge it: 21,000, plus 4 per zero and
 * 16 per non-zero calldata byte, 2,400 per access-list address and 1,900 per
 * storage key, and for a creation 32,000 plus 2 per 32-byte word of
 * initcode (EIP-3860). `floorGas` is EIP-7623's calldata floor, 21,000 + 10
 * per token (a zero byte is 1 token, a non-zero byte 4): the gas limit must
 * cover both.
 *
 * @example
 * ```ts
 * intrinsicGasOf({ data: "0x", creation: false, accessList: [] }); // { intrinsicGas: 21000n, floorGas: 21000n }
 * ```
 */
export function intrinsicGasOf({ data, creation, accessList }: IntrinsicGasParameters): { intrinsicGas: bigint; floorGas: bigint } {
  const bytes = (data.length - 2) / 2;
  let zeros = 0;
  for (let index = 2; index < data.length; index += 2) {
    if (data[index] === "0" && data[index + 1] === "0") zeros += 1;
  }
  const nonZeros = bytes - zeros;
  let intrinsicGas = 21_000 + 4 * zeros + 16 * nonZeros;
  if (creation) intrinsicGas += 32_000 + 2 * Math.ceil(bytes / 32);
  for (const { storageKeys } of accessList) intrinsicGas += 2_400 + 1_900 * storageKeys.length;
  const floorGas = 21_000 + 10 * (zeros + 4 * nonZeros);
  return { intrinsicGas: BigInt(intrinsicGas), floorGas: BigInt(floorGas) };
}

/** Why viem could not parse a transaction, as the error the sender should get. */
function parseFailure(serialized: Hex, cause: unknown): XrollupError {
  if (cause instanceof TipAboveFeeCapError) {
    const [, , maxPriorityFeePerGas, maxFeePerGas] = rlpFields(serialized);
    return new PriorityFeeAboveMaxFeeError({ maxPriorityFeePerGas: quantity(maxPriorityFeePerGas), maxFeePerGas: quantity(maxFeePerGas) });
  }
  if (cause instanceof IntegerOutOfRangeError) {
    // viem reads the nonce as a JS number and refuses one it cannot hold.
    const fields = rlpFields(serialized);
    const nonce = quantity(fields[isTyped(serialized) ? 1 : 0]);
    if (nonce > MAX_NONCE) return new NonceOutOfRangeError({ nonce, max: MAX_NONCE });
  }
  return new InvalidTransactionError({ reason: "the bytes are not an RLP-encoded Ethereum transaction", cause });
}

/** Whether the bytes are an EIP-2718 typed transaction (a type byte, then the payload). */
function isTyped(serialized: Hex): boolean {
  return Number.parseInt(serialized.slice(2, 4), 16) <= 0x7f;
}

/** The top-level RLP fields of a transaction (of its payload, for a typed one). */
function rlpFields(serialized: Hex): readonly unknown[] {
  const fields = fromRlp(isTyped(serialized) ? `0x${serialized.slice(4)}` : serialized, "hex");
  return Array.isArray(fields) ? fields : [];
}

/** An RLP integer field; 0 for an absent or malformed one. */
function quantity(field: unknown): bigint {
  return typeof field === "string" && field.length > 2 ? hexToBigInt(field as Hex) : 0n;
}

/** The sender of a parsed transaction: the signer, or the account its impersonation signature names, as `accepted` allows. */
function senderOf(parsed: ReturnType<typeof parseTransaction>, accepted: AcceptedSignature): Address {
  const impersonated = impersonationSignatory(parsed);
  if (impersonated !== undefined) {
    if (accepted === "signed") {
      throw new InvalidTransactionError({
        reason: "it carries the devnet's impersonation signature (r = s = an address), not a real one; to send from an account without its key, call hardhat_impersonateAccount and then eth_sendTransaction",
      });
    }
    if (!hasImpersonationRecovery(parsed)) {
      throw new InvalidTransactionError({ reason: "its impersonation signature has another recovery bit than EDR's (1 when typed, EIP-155's 0 when legacy)" });
    }
    return impersonated;
  }
  if (accepted === "impersonated") throw new InvalidTransactionError({ reason: "it does not carry the impersonation signature of an impersonated account" });
  // EIP-2: (r, n − s) is a second valid signature of the same transaction
  // under another hash; the chain refuses it, so it must not take a nonce.
  const s = hexToBigInt(parsed.s!);
  if (s > CURVE_ORDER / 2n) throw new MalleableSignatureError({ s });
  try {
    return recoverSender(parsed);
  } catch (cause) {
    throw new InvalidTransactionError({ reason: "the signature does not recover to a sender", cause });
  }
}

/** Recovers the signer from the signature over the unsigned transaction's hash. */
function recoverSender(parsed: ReturnType<typeof parseTransaction>): Address {
  const { r, s, v, yParity, ...unsigned } = parsed;
  const recovery = yParity ?? (v === undefined ? undefined : legacyRecoveryBit(v));
  if (r === undefined || s === undefined || recovery === undefined) throw new Error("missing signature");
  return recoverAddress(keccak256(serializeTransaction(unsigned)), { r, s, yParity: recovery });
}

/** The recovery bit of a legacy `v`: 27/28, or EIP-155's chainId * 2 + 35/36. */
function legacyRecoveryBit(v: bigint): number {
  return v === 27n || v === 28n ? Number(v - 27n) : Number((v - 35n) % 2n);
}
