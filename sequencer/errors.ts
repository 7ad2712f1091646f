import type { Address } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";

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

/** Thrown to the sender, in instant mode, when its accepted transaction was dropped. */
export class TransactionDroppedError extends XrollupError {
  override name = "TransactionDroppedError";
  constructor({ hash, chainId, reason }: { hash: string; chainId: number; reason: string }) {
    super(`Transaction ${hash} was dropped on rollup ${chainId}: ${reason}`, {
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { hash, chainId, reason },
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
  constructor() {
    super("The shared sequencer is stopped and accepts no more transactions.", {
      code: JSON_RPC_ERROR_CODES.transactionRejected,
    });
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
  constructor({ bundleId, hash, chainId, reason }: { bundleId: string; hash: string; chainId: number; reason: string }) {
    super(`Bundle ${bundleId} was dropped: transaction ${hash} on rollup ${chainId} failed: ${reason}`, {
      code: JSON_RPC_ERROR_CODES.transactionRejected,
      data: { bundleId, failed: { hash, chainId, reason } },
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
