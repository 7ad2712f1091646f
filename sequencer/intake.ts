import { type Address, keccak256, parseTransaction, serializeTransaction, type TransactionSerialized } from "viem";
import { InvalidTransactionError } from "./errors.ts";
import { recoverAddress } from "./secp256k1.ts";
import type { SequencedTransaction } from "./types.ts";

/** A decoded signed transaction, before the sequencer accepts it. */
export type DecodedTransaction = Omit<SequencedTransaction, "arrival" | "chainId" | "receivedAt" | "bundleId"> & {
  /** The chain id it is signed for; `undefined` for a pre-EIP-155 legacy transaction. */
  chainId: number | undefined;
  value: bigint;
};

/**
 * Decodes a signed raw transaction and recovers its sender.
 *
 * @throws {InvalidTransactionError} when the bytes are not a signed transaction.
 */
export function decodeRawTransaction(raw: unknown): DecodedTransaction {
  if (typeof raw !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(raw)) {
    throw new InvalidTransactionError({ reason: "expected the signed transaction as 0x-prefixed hex bytes" });
  }
  const serialized = raw.toLowerCase() as TransactionSerialized;
  let parsed: ReturnType<typeof parseTransaction>;
  try {
    parsed = parseTransaction(serialized);
  } catch (cause) {
    throw new InvalidTransactionError({ reason: "the bytes are not an RLP-encoded Ethereum transaction", cause });
  }
  if (parsed.r === undefined || parsed.s === undefined) {
    throw new InvalidTransactionError({ reason: "the transaction is not signed" });
  }
  if (parsed.nonce === undefined) throw new InvalidTransactionError({ reason: "the transaction has no nonce" });
  if (parsed.gas === undefined) throw new InvalidTransactionError({ reason: "the transaction has no gas limit" });
  let from: Address;
  try {
    from = recoverSender(parsed);
  } catch (cause) {
    throw new InvalidTransactionError({ reason: "the signature does not recover to a sender", cause });
  }
  const maxFeePerGas = parsed.maxFeePerGas ?? parsed.gasPrice ?? 0n;
  return {
    hash: keccak256(serialized),
    chainId: parsed.chainId,
    from,
    to: parsed.to ?? undefined,
    nonce: parsed.nonce,
    raw: serialized,
    gas: parsed.gas,
    value: parsed.value ?? 0n,
    maxFeePerGas,
    maxPriorityFeePerGas: parsed.maxPriorityFeePerGas ?? maxFeePerGas,
  };
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
