import type { Address, Hex } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import type { FailedLeg } from "./reasons.ts";

/** Thrown when a raw transaction cannot be decoded or its signature recovered. */
export class InvalidTransactionError extends XrollupError {
  override name = "InvalidTransactionError";
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Invalid transaction: ${reason}.`, { cause, code: JSON_RPC_ERROR_CODES.invalidParams });
  }
}

/** Thrown when a transaction is signed for another chain than the rollup it was sent to. */
export class WrongChainIdError extends XrollupError {
  override name = "WrongChainIdError";
  constructor({ expected, got }: { expected: number; got: number }) {
    super(`Transaction is signed for chain ${got}, but was sent to rollup ${expected}.`, {
      details: [`Expected chain id: ${expected}`, `Transaction chain id: ${got}`],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { expected, got },
    });
  }
}

/** Thrown when a transaction's nonce was already used. */
export class NonceTooLowError extends XrollupError {
  override name = "NonceTooLowError";
  constructor({ from, expected, got }: { from: Address; expected: number; got: number }) {
    super(`Nonce too low: ${from} has already used nonce ${got}; the next nonce is ${expected}.`, {
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { from, expected, got },
    });
  }
}

/** Thrown when a transaction's nonce leaves a gap larger than the sequencer queues. */
export class NonceTooHighError extends XrollupError {
  override name = "NonceTooHighError";
  constructor({ from, expected, got, maxGap }: { from: Address; expected: number; got: number; maxGap: number }) {
    super(`Nonce too high: ${from} sent nonce ${got}, but its next nonce is ${expected}.`, {
      details: [`The sequencer queues at most ${maxGap} transactions ahead of a sender's next nonce.`],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { from, expected, got },
    });
  }
}

/** Thrown when the sender cannot pay for gas and value. */
export class InsufficientFundsError extends XrollupError {
  override name = "InsufficientFundsError";
  constructor({ from, balance, cost }: { from: Address; balance: bigint; cost: bigint }) {
    super(`Insufficient funds: ${from} has ${balance} wei but the transaction may cost ${cost} wei (gas * max fee + value).`, {
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { from, balance: `0x${balance.toString(16)}`, cost: `0x${cost.toString(16)}` },
    });
  }
}

/** Thrown when a transaction asks for more gas than a rollup block holds. */
export class GasLimitTooHighError extends XrollupError {
  override name = "GasLimitTooHighError";
  constructor({ gas, blockGasLimit }: { gas: bigint; blockGasLimit: bigint }) {
    super(`Transaction gas limit ${gas} exceeds the rollup block gas limit ${blockGasLimit}.`, {
      code: JSON_RPC_ERROR_CODES.transactionRejected,
    });
  }
}

/** Thrown when the same transaction is submitted twice. */
export class AlreadyKnownError extends XrollupError {
  override name = "AlreadyKnownError";
  constructor({ hash }: { hash: string }) {
    super(`Transaction ${hash} is already known to the sequencer.`, {
      code: JSON_RPC_ERROR_CODES.transactionRejected,
    });
  }
}

/** Thrown to the sender, in instant mode, when its accepted transaction was dropped; `data.failedLeg` holds the raw revert data of the leg that failed. */
export class TransactionDroppedError extends XrollupError {
  override name = "TransactionDroppedError";
  constructor({ hash, chainId, reason, reasonCode, failedLeg }: { hash: string; chainId: number; reason: string; reasonCode: string; failedLeg?: FailedLeg | undefined }) {
    super(`Transaction ${hash} was dropped on rollup ${chainId}: ${reason}`, {
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { hash, chainId, reason, reasonCode, ...(failedLeg === undefined ? {} : { failedLeg }) },
    });
  }
}

/** Thrown for a write while the sequencer is down (an injected `crash` fault); reads still work. */
export class SequencerDownError extends XrollupError {
  override name = "SequencerDownError";
  constructor({ faultId }: { faultId: string | undefined }) {
    super("The shared sequencer is down and accepts no transactions; reads still work.", {
      details: [`It resumes by itself after the fault's slots, or on xr_clearFault${faultId === undefined ? "" : ` ("${faultId}")`}.`],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { reasonCode: "sequencer-down", ...(faultId === undefined ? {} : { faultId }) },
    });
  }
}

/** Thrown when a transaction would replace a pending one of the same sender and nonce without paying more. */
export class ReplacementUnderpricedError extends XrollupError {
  override name = "ReplacementUnderpricedError";
  constructor({ pending, bumpPercent }: { pending: string; bumpPercent: number }) {
    super(`Replacement transaction underpriced: transaction ${pending} with the same sender and nonce is pending.`, {
      details: [`A replacement must raise both max fee and max priority fee by at least ${bumpPercent}%.`],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { pending },
    });
  }
}

/** Thrown for a transaction the sequencer reserves for itself: sent from its key, or calling the messenger's relay. */
export class ReservedTransactionError extends XrollupError {
  override name = "ReservedTransactionError";
  constructor({ refused, reason }: { refused: "sequencer-key" | "relay-call"; reason: string }) {
    super(`Transaction refused: ${reason}.`, {
      details: ["Relays of cross-rollup messages are the sequencer's own transactions; send messages with the messenger's sendMessage."],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { refused },
    });
  }
}

/** Thrown when `eth_sendTransaction` names a sender whose key the devnet does not hold. */
export class UnknownAccountError extends XrollupError {
  override name = "UnknownAccountError";
  constructor({ from }: { from: string }) {
    super(`Unknown account ${from}: eth_sendTransaction signs only for the devnet's development accounts.`, {
      details: ["Sign the transaction yourself and use eth_sendRawTransaction."],
      code: JSON_RPC_ERROR_CODES.invalidParams,
    });
  }
}

/** Thrown when a submission reaches a sequencer that is stopping or stopped. */
export class SequencerStoppedError extends XrollupError {
  override name = "SequencerStoppedError";
  constructor({ keptPending }: { keptPending?: string } = {}) {
    super(
      keptPending === undefined
        ? "The shared sequencer is stopped and accepts no more transactions."
        : `The shared sequencer stopped before transaction ${keptPending} ran; it stays pending in the data directory and runs after the restart.`,
      { code: JSON_RPC_ERROR_CODES.transactionRejected, data: { reasonCode: "sequencer-stopped", ...(keptPending === undefined ? {} : { pending: keptPending }) } },
    );
  }
}

/** Thrown when a rollup chain id is not part of the devnet. */
export class RollupNotFoundError extends XrollupError {
  override name = "RollupNotFoundError";
  constructor({ chainId, known }: { chainId: number; known: readonly number[] }) {
    super(`Rollup ${chainId} is not part of this devnet.`, {
      details: [`Known rollups: ${known.join(", ")}`],
      code: JSON_RPC_ERROR_CODES.invalidParams,
    });
  }
}

/** Thrown when `xr_sendBundle` gets something that is not a valid bundle; nothing of it is accepted. */
export class InvalidBundleError extends XrollupError {
  override name = "InvalidBundleError";
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    const detail = cause instanceof XrollupError ? cause.shortMessage : cause instanceof Error ? cause.message : undefined;
    super(`Invalid bundle: ${reason}${detail === undefined ? "" : `: ${detail}`}.`, {
      cause,
      code: cause instanceof XrollupError ? cause.code : JSON_RPC_ERROR_CODES.invalidParams,
    });
  }
}

/** Thrown to the sender, in instant mode, when a bundle was not included: none of its transactions is. */
export class BundleFailedError extends XrollupError {
  override name = "BundleFailedError";
  constructor({
    bundleId,
    hash,
    chainId,
    reason,
    reasonCode,
    failedLeg,
  }: { bundleId: string; hash: string; chainId: number; reason: string; reasonCode: string; failedLeg?: FailedLeg | undefined }) {
    super(`Bundle ${bundleId} was dropped: transaction ${hash} on rollup ${chainId} failed: ${reason}`, {
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { bundleId, failed: { hash, chainId, reason, reasonCode, ...(failedLeg === undefined ? {} : { failedLeg }) } },
    });
  }
}

/** Thrown when `xr_sendEncryptedTransaction` gets something that is not a ciphertext. */
export class InvalidEncryptedTransactionError extends XrollupError {
  override name = "InvalidEncryptedTransactionError";
  constructor({ reason }: { reason: string }) {
    super(`Invalid encrypted transaction: ${reason}.`, { code: JSON_RPC_ERROR_CODES.invalidParams });
  }
}

/** Thrown when a transaction's type is one the rollups cannot run (blobs, EIP-7702 set-code, OP deposits…). */
export class UnsupportedTransactionTypeError extends XrollupError {
  override name = "UnsupportedTransactionTypeError";
  constructor({ type, supported }: { type: number; supported: Readonly<Record<number, string>> }) {
    const known = TRANSACTION_TYPE_NAMES[type];
    const list = Object.entries(supported).map(([number, name]) => `${name} (${number})`);
    super(`Transaction type ${type}${known === undefined ? "" : ` (${known})`} is not supported by the rollups.`, {
      details: [`Supported transaction types: ${list.join(", ")}.`],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { type, supported: Object.keys(supported).map(Number) },
    });
  }
}

/** Names of the EIP-2718 types that are refused, for the message. */
const TRANSACTION_TYPE_NAMES: Readonly<Record<number, string>> = { 3: "EIP-4844 blob", 4: "EIP-7702 set-code", 126: "OP deposit" };

/** Thrown when a signature's `s` is in the upper half of the curve order, which EIP-2 forbids. */
export class MalleableSignatureError extends XrollupError {
  override name = "MalleableSignatureError";
  constructor({ s }: { s: bigint }) {
    super("Invalid signature: s is in the upper half of the secp256k1 curve order, which EIP-2 forbids.", {
      details: ["Normalise the signature before sending: replace s by n − s and flip the recovery bit (y parity). Standard wallets and libraries do this."],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { s: `0x${s.toString(16)}` },
    });
  }
}

/** Thrown when a contract creation's initcode exceeds the EIP-3860 limit. */
export class InitcodeTooLargeError extends XrollupError {
  override name = "InitcodeTooLargeError";
  constructor({ size, limit }: { size: number; limit: number }) {
    super(`Contract creation initcode is ${size} bytes, over the ${limit}-byte limit of EIP-3860.`, {
      details: ["Split the deployment, e.g. deploy libraries first, or deploy through a factory contract."],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { size, limit },
    });
  }
}

/** Thrown when a transaction's gas limit is below what it costs before running a single instruction. */
export class IntrinsicGasTooLowError extends XrollupError {
  override name = "IntrinsicGasTooLowError";
  constructor({ gas, intrinsicGas, floorGas }: { gas: bigint; intrinsicGas: bigint; floorGas: bigint }) {
    const required = intrinsicGas > floorGas ? intrinsicGas : floorGas;
    super(`Intrinsic gas too low: the gas limit is ${gas}, but the transaction needs at least ${required}.`, {
      details: [
        `Intrinsic gas (21000, calldata, access list, contract creation): ${intrinsicGas}`,
        `Calldata floor (EIP-7623): ${floorGas}`,
      ],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { gas: `0x${gas.toString(16)}`, required: `0x${required.toString(16)}` },
    });
  }
}

/** Thrown when an EIP-1559 transaction's priority fee is above its max fee. */
export class PriorityFeeAboveMaxFeeError extends XrollupError {
  override name = "PriorityFeeAboveMaxFeeError";
  constructor({ maxPriorityFeePerGas, maxFeePerGas }: { maxPriorityFeePerGas: bigint; maxFeePerGas: bigint }) {
    super(`maxPriorityFeePerGas ${maxPriorityFeePerGas} is above maxFeePerGas ${maxFeePerGas}.`, {
      details: ["The priority fee is paid out of the max fee: set maxPriorityFeePerGas ≤ maxFeePerGas."],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { maxPriorityFeePerGas: `0x${maxPriorityFeePerGas.toString(16)}`, maxFeePerGas: `0x${maxFeePerGas.toString(16)}` },
    });
  }
}

/** Thrown when a transaction's nonce is larger than any account's nonce can be. */
export class NonceOutOfRangeError extends XrollupError {
  override name = "NonceOutOfRangeError";
  constructor({ nonce, max }: { nonce: bigint; max: bigint }) {
    super(`Nonce ${nonce} is out of range: the sequencer accepts nonces up to ${max}.`, {
      details: ["EIP-2681 caps nonces below 2^64 − 1, and no account sends 2^53 transactions."],
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { nonce: `0x${nonce.toString(16)}`, max: `0x${max.toString(16)}` },
    });
  }
}

/** The JSON-RPC code of an execution error (geth's and EDR's for a reverted call or estimate). */
export const EXECUTION_REVERTED_CODE = 3;

/**
 * Answered to `eth_call` or `eth_estimateGas` on a trigger that would be
 * dropped: the call succeeds on its own rollup, but an action it causes
 * reverts (or cannot run). It is the error a local revert gives (code 3,
 * `data` the raw revert bytes, here the action's), so that wallets and
 * libraries stop before sending; `xr_simulate` shows every leg.
 */
export class ActionWouldRevertError extends XrollupError {
  override name = "ActionWouldRevertError";
  constructor({ reason, data }: { reason: string; data: Hex }) {
    // One line, as a local revert's: clients read the reason from `execution reverted: …`.
    super(`execution reverted: ${reason}`, {
      code: EXECUTION_REVERTED_CODE,
      data,
    });
  }
}

/** Thrown when `xr_simulate` gets something that is not a list of transactions to simulate; names the field. */
export class InvalidSimulationError extends XrollupError {
  override name = "InvalidSimulationError";
  constructor({ field, reason }: { field: string; reason: string }) {
    super(`Invalid xr_simulate request: ${field}: ${reason}.`, {
      details: ['Send { "transactions": [signed raw transaction, or { chainId, from, to?, data?, value?, gas? }, …] }.'],
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { field },
    });
  }
}

/** Thrown when a rollup's engine cannot trace or run unsigned transactions (an engine a test or tool wrapped). */
export class DebuggingUnsupportedError extends XrollupError {
  override name = "DebuggingUnsupportedError";
  constructor({ chainId, needs }: { chainId: number; needs: string }) {
    super(`Rollup ${chainId}'s engine cannot ${needs}, so it cannot be traced or simulated.`, {
      code: JSON_RPC_ERROR_CODES.methodNotSupported,
    });
  }
}
