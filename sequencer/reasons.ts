import type { Address, Hex } from "viem";

/**
 * Why the sequencer dropped a transaction: a stable code clients and tests
 * match (`reasonCode` in `xr_getTransactionStatus`), and words for people,
 * which may improve without breaking anyone.
 */
export const REASON_CODES = [
  /** It reverted, and revert protection is on. */
  "reverted",
  /** The action (relay) of a message it sent failed on the destination rollup. */
  "action-reverted",
  /** A relay of its message was withheld (the `withhold-relay` fault). */
  "relay-withheld",
  /** Its messages nest deeper than the devnet allows. */
  "message-depth-exceeded",
  /** Another transaction of its bundle failed. */
  "bundle-failed",
  /** An earlier nonce of its sender was dropped, so it can no longer run. */
  "nonce-dropped",
  /** The sequencer stopped while it waited for a missing earlier nonce of its sender. */
  "nonce-gap",
  /** Its max fee per gas is below the block's base fee. */
  "fee-too-low",
  /** Another transaction with the same sender and nonce replaced it. */
  "replaced",
  /** The rollup refused it for another reason, which the words give. */
  "refused-by-rollup",
  /** Its slot failed again and again (an engine error); the words name the failure. */
  "slot-failed",
  /** The sequencer stopped before it could run it. */
  "sequencer-stopped",
  /** It was held back by a censoring sequencer (the `censor` fault) until the sequencer stopped. */
  "censored",
  /** It was pending when the sequencer crashed, and could no longer run after the restart. */
  "sequencer-crashed",
  /** The ciphertext did not decrypt, or decrypted to a transaction the sequencer refused. */
  "decryption-failed",
  /** A transaction forced through L1 (`SharedInbox.forceInclude`) that the rollup refused: not a signed transaction for it, a used nonce, too little balance. */
  "forced-invalid",
  /** A transaction forced through L1 that sends a cross-rollup message: forced transactions run alone, without actions. */
  "forced-message",
] as const;

/** A stable drop-reason code. */
export type ReasonCode = (typeof REASON_CODES)[number];

/**
 * The leg of a unit that failed when it ran: the trigger (a transaction the
 * sequencer accepted) or an action (the relay of a message), where it ran,
 * and the raw revert bytes, in full, for the developer's own tools to decode.
 */
export interface FailedLeg {
  role: "trigger" | "action";
  /** The rollup it ran on. */
  chainId: number;
  /** The contract it called: the trigger's recipient (`null` for a contract creation), or the message's target. */
  target: Address | null;
  /**
   * The revert data, never cut: `0x` when there is none (out of gas, a bare
   * `revert()`). For an action, its target's own revert data, unwrapped from
   * the messenger's `TargetCallFailed`.
   */
  data: Hex;
  /** 0 for the trigger, 1 for the action of a message it sent, 2 for the action of a message that action sent, … */
  depth: number;
  /** For the trigger, its hash (in a bundle, the transaction that failed). */
  transactionHash?: Hex;
  /** For an action, the hash of the message it relays. */
  messageHash?: Hex;
}

/** A drop reason: a stable code and the words. */
export interface DropReason {
  code: ReasonCode;
  message: string;
  /** When a trigger or an action ran and reverted: which, where, and its revert data. */
  failedLeg?: FailedLeg;
}

/** A drop reason from its code and words, and the leg that failed when one ran and reverted. */
export function dropReason(code: ReasonCode, message: string, failedLeg?: FailedLeg): DropReason {
  return failedLeg === undefined ? { code, message } : { code, message, failedLeg };
}

/** Why a transaction is dropped after an earlier nonce of its sender was. */
export function droppedPredecessor(nonce: number): DropReason {
  return dropReason("nonce-dropped", `an earlier transaction of the sender (nonce ${nonce}) was dropped`);
}

/** The code of the chain's words for a transaction it refused or left out. */
export function refusalCode(message: string): ReasonCode {
  return /below the block's base fee|max fee per gas less than block base fee/i.test(message) ? "fee-too-low" : "refused-by-rollup";
}
