import { type Hex, keccak256, parseTransaction, recoverTransactionAddress, type TransactionSerialized } from "viem";
import { InvalidTransactionError } from "./errors.ts";
import type { SequencedTransaction } from "./types.ts";

/** A decoded signed transaction, before the sequencer accepts it. */
export type DecodedTransaction = Omit<SequencedTransaction, "arrival" | "chainId"> & {
  /** The chain id it is signed for; `undefined` for a pre-EIP-155 legacy transaction. */
  chainId: number | undefined;
  value: bigint;
};

/**
 * Decodes a signed raw transaction and recovers its sender.
 *
 * @throws {InvalidTransactionError} when the bytes are not a signed transaction.
 */
export async function decodeRawTransaction(raw: unknown): Promise<DecodedTransaction> {
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
  let from: Hex;
  try {
    from = await recoverTransactionAddress({ serializedTransaction: serialized });
  } catch (cause) {
    throw new InvalidTransactionError({ reason: "the signature does not recover to a sender", cause });
  }
  const maxFeePerGas = parsed.maxFeePerGas ?? parsed.gasPrice ?? 0n;
  return {
    hash: keccak256(serialized),
    chainId: parsed.chainId,
    from: from as SequencedTransaction["from"],
    nonce: parsed.nonce,
    raw: serialized,
    gas: parsed.gas,
    value: parsed.value ?? 0n,
    maxFeePerGas,
    maxPriorityFeePerGas: parsed.maxPriorityFeePerGas ?? maxFeePerGas,
  };
}
