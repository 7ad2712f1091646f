import { type Address, getAbiItem, type Hex, toFunctionSelector } from "viem";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import { artifact } from "../contracts/artifacts.ts";
import {
  AlreadyKnownError,
  GasLimitTooHighError,
  InsufficientFundsError,
  NonceTooHighError,
  NonceTooLowError,
  ReplacementUnderpricedError,
  ReservedTransactionError,
  RollupNotFoundError,
  WrongChainIdError,
} from "./errors.ts";
import { callsSelector, type DecodedTransaction, decodeImpersonatedTransaction, decodeRawTransaction } from "./intake.ts";
import type { Mempool } from "./mempool.ts";
import type { RollupEngine } from "./ports.ts";
import type { TransactionRecords } from "./records.ts";
import type { SequencedTransaction } from "./types.ts";

/** Most transactions a sender may queue ahead of its next nonce. */
export const MAX_NONCE_GAP = 1024;

/** How much a replacement must raise both fees, in percent (geth's default). */
export const REPLACEMENT_BUMP_PERCENT = 10;

/** A transaction that passed every check, ready to admit. */
export interface CheckedTransaction {
  decoded: DecodedTransaction;
  chainId: number;
  /** The sender's nonce on the chain, for a sender the mempool has not seen. */
  chainNonce: number;
  /** The pending transaction it replaces (same sender and nonce, higher fees). */
  replaces?: SequencedTransaction;
}

/** What admission checks against. */
export interface AdmissionParameters {
  engines: ReadonlyMap<number, RollupEngine>;
  mempool: Mempool;
  records: TransactionRecords;
  /** The sequencers' own addresses (every committee member's): nobody else may send from them. */
  sequencers: readonly Address[];
  blockGasLimit: bigint;
}

/**
 * Intake: decides whether a signed transaction is accepted, as geth's pool
 * would (chain id, gas, funds, nonce, replacement), plus what the shared
 * sequencer reserves for itself (its key, the messenger's relays).
 */
export class Admission {
  readonly #parameters: AdmissionParameters;

  constructor(parameters: AdmissionParameters) {
    this.#parameters = parameters;
  }

  /** The engine of a rollup of the devnet. */
  engine(chainId: number): RollupEngine {
    const engine = this.#parameters.engines.get(chainId);
    if (engine === undefined) throw new RollupNotFoundError({ chainId, known: [...this.#parameters.engines.keys()] });
    return engine;
  }

  /**
   * Checks a signed transaction for a rollup. `gapLimit` allows nonces
   * ahead of the sender's next one (queued until the gap fills).
   * `impersonated`: the transaction carries the impersonation signature of
   * an impersonated account (the caller checked that it is one) instead of
   * a real signature; every other check applies as to a signed one.
   */
  async check(chainId: number, raw: unknown, { gapLimit, impersonated = false }: { gapLimit: number; impersonated?: boolean }): Promise<CheckedTransaction> {
    const { mempool, records, blockGasLimit, sequencers } = this.#parameters;
    const engine = this.engine(chainId);
    const decoded = impersonated ? decodeImpersonatedTransaction(raw) : decodeRawTransaction(raw);
    if (decoded.chainId !== undefined && decoded.chainId !== chainId) {
      throw new WrongChainIdError({ expected: chainId, got: decoded.chainId });
    }
    if (sequencers.some((sequencer) => sequencer.toLowerCase() === decoded.from.toLowerCase())) {
      throw new ReservedTransactionError({ refused: "sequencer-key", reason: `${decoded.from} is a shared sequencer's own key` });
    }
    if (callsRelay(decoded)) {
      throw new ReservedTransactionError({ refused: "relay-call", reason: "only the shared sequencer calls the messenger's relayMessage" });
    }
    if (decoded.gas > blockGasLimit) throw new GasLimitTooHighError({ gas: decoded.gas, blockGasLimit });
    // As geth: a pending transaction sent again is already known; an included one's nonce is used (nonce too low, below).
    if (records.isPending(decoded.hash)) throw new AlreadyKnownError({ hash: decoded.hash });
    const [chainNonce, balance] = await Promise.all([
      mempool.nextNonce(chainId, decoded.from) ?? engine.nonceOf(decoded.from),
      engine.balanceOf(decoded.from),
    ]);
    const cost = decoded.gas * decoded.maxFeePerGas + decoded.value;
    if (balance < cost) throw new InsufficientFundsError({ from: decoded.from, balance, cost });
    // Re-checked after the awaits: other submissions may have been accepted meanwhile.
    if (records.isPending(decoded.hash)) throw new AlreadyKnownError({ hash: decoded.hash });
    const expected = mempool.nextNonce(chainId, decoded.from) ?? chainNonce;
    const pending = mempool.pendingAt(chainId, decoded.from, decoded.nonce);
    if (pending !== undefined) {
      if (!paysReplacement(decoded, pending)) {
        throw new ReplacementUnderpricedError({ pending: pending.hash, bumpPercent: REPLACEMENT_BUMP_PERCENT });
      }
      return { decoded, chainId, chainNonce, replaces: pending };
    }
    if (decoded.nonce < expected) throw new NonceTooLowError({ from: decoded.from, expected, got: decoded.nonce });
    if (decoded.nonce > expected + gapLimit) {
      throw new NonceTooHighError({ from: decoded.from, expected, got: decoded.nonce, maxGap: gapLimit });
    }
    return { decoded, chainId, chainNonce };
  }
}

/** Whether the transaction calls the messenger's `relayMessage`. */
function callsRelay(decoded: DecodedTransaction): boolean {
  relaySelector ??= toFunctionSelector(getAbiItem({ abi: artifact("L2ToL2CrossDomainMessenger").abi, name: "relayMessage" }));
  return callsSelector(decoded, MESSENGER_ADDRESS, relaySelector);
}

let relaySelector: Hex | undefined;

/** Whether `replacement` raises both fees of `pending` by the bump geth asks for. */
function paysReplacement(replacement: DecodedTransaction, pending: SequencedTransaction): boolean {
  const bumped = (fee: bigint) => (fee * BigInt(100 + REPLACEMENT_BUMP_PERCENT)) / 100n;
  return replacement.maxFeePerGas >= bumped(pending.maxFeePerGas) && replacement.maxPriorityFeePerGas >= bumped(pending.maxPriorityFeePerGas);
}
