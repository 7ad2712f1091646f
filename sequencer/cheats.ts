import { type Address, type Hex, isAddressEqual } from "viem";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import { MAX_BLOCK_TIMESTAMP } from "./derivation/plan.ts";
import type { RollupEngine } from "./ports.ts";
import type { ProducedBlock, SlotResult } from "./types.ts";

/**
 * Cheat methods on rollups (`hardhat_setBalance`, `evm_increaseTime`,
 * `hardhat_impersonateAccount`, …), recorded so that derivation still holds.
 *
 * - A **state operation** takes effect at once, for reads, and is carried by
 *   the rollup's next block, before its transactions: the batch holds it, and
 *   derivation applies it on its fresh chain before it mines that block.
 * - A **time cheat** moves the timestamps the sequencer gives the rollup's
 *   next blocks; the batch holds every block's timestamp already.
 * - **Impersonation** lets `eth_sendTransaction` send from an address the
 *   devnet has no key for; the transaction carries EDR's impersonation
 *   signature (see `intake.ts`), and derivation replays it impersonated.
 *
 * Every cheat goes through the sequencer's slot queue, so it never
 * interleaves with a slot, and is journaled, so a restart or a revert to a
 * snapshot rebuilds the same state. This module holds what is pure:
 * the cheats as values, their checks, and the state they leave.
 */

/**
 * A change of a rollup's state outside any transaction. Applied at once, and
 * carried by the rollup's next block, before its transactions. Addresses
 * and words are lowercase hex; `slot` and `value` of `setStorageAt` are 32
 * bytes.
 */
export type StateOperation =
  | { kind: "setBalance"; address: Address; value: bigint }
  | { kind: "setCode"; address: Address; code: Hex }
  | { kind: "setStorageAt"; address: Address; slot: Hex; value: Hex };

/** A cheat on one rollup, as the journal keeps it. */
export type Cheat =
  | StateOperation
  /** `evm_increaseTime`: every later block of the rollup `seconds` later. */
  | { kind: "increaseTime"; seconds: number }
  /** `evm_setNextBlockTimestamp`: the rollup's next block at `timestamp`, and later ones on from there. */
  | { kind: "setNextBlockTimestamp"; timestamp: number }
  /** `hardhat_impersonateAccount`: `eth_sendTransaction` may send from `address`. */
  | { kind: "impersonate"; address: Address }
  /** `hardhat_stopImpersonatingAccount`. */
  | { kind: "stopImpersonating"; address: Address };

/**
 * Most bytes of code one `hardhat_setCode` sets: over twice EIP-170's 24 KiB
 * contract limit, and small enough that the batch carrying it stays well
 * under what one L1 transaction can post (`MAX_BATCH_DATA_BYTES`).
 */
export const MAX_CHEAT_CODE_BYTES = 64 * 1024;

/** Whether a cheat changes state (and so rides in the rollup's next block). */
export function isStateOperation(cheat: Cheat): cheat is StateOperation {
  return cheat.kind === "setBalance" || cheat.kind === "setCode" || cheat.kind === "setStorageAt";
}

/** Thrown for a cheat the devnet refuses: what it would break, or a value out of range. */
export class CheatRefusedError extends XrollupError {
  override name = "CheatRefusedError";
  constructor({ chainId, reason }: { chainId: number; reason: string }) {
    super(`Cheat refused on rollup ${chainId}: ${reason}.`, { code: JSON_RPC_ERROR_CODES.invalidParams });
  }
}

/** Thrown for `evm_setNextBlockTimestamp` (or `evm_mine`'s timestamp) before the rollup's latest block, as Hardhat answers. */
export class TimestampTooLowError extends XrollupError {
  override name = "TimestampTooLowError";
  constructor({ timestamp, previous }: { timestamp: number; previous: number }) {
    super(`Timestamp ${timestamp} is lower than the previous block's timestamp ${previous}.`, {
      code: JSON_RPC_ERROR_CODES.invalidInput,
      data: { timestamp, previous },
    });
  }
}

/** Thrown when a rollup's engine cannot apply state operations (a test's stand-in engine). */
export class CheatsUnsupportedError extends XrollupError {
  override name = "CheatsUnsupportedError";
  constructor({ chainId }: { chainId: number }) {
    super(`Rollup ${chainId}'s engine cannot apply state cheats.`, {
      details: ["Engines wrapped by startDevnet's wrapEngine hook do not forward them."],
      code: JSON_RPC_ERROR_CODES.methodNotSupported,
    });
  }
}

/** Thrown when `evm_mine` could not produce its block (the sequencer is down, or the slot failed). */
export class MiningFailedError extends XrollupError {
  override name = "MiningFailedError";
  constructor({ chainId }: { chainId: number }) {
    super(`No block was mined on rollup ${chainId}: the shared sequencer produced no slot.`, {
      details: ["The sequencer is down (a crash fault) or its slot failed; xr_getSequencerStatus says which."],
      code: JSON_RPC_ERROR_CODES.invalidInput,
    });
  }
}

/** Thrown when `eth_sendTransaction` names as sender an account that is not impersonated (any more). */
export class NotImpersonatedError extends XrollupError {
  override name = "NotImpersonatedError";
  constructor({ chainId, address }: { chainId: number; address: Address }) {
    super(`Account ${address} is not impersonated on rollup ${chainId}.`, {
      details: ["Call hardhat_impersonateAccount on this rollup's endpoint first."],
      code: JSON_RPC_ERROR_CODES.invalidParams,
    });
  }
}

/** What a cheat is checked against, besides itself. */
export interface CheatContext {
  chainId: number;
  /** Timestamp of the rollup's latest block (Unix seconds). */
  latestTimestamp: number;
  /** The clock now (Unix seconds): the earliest timestamp a next slot may have. */
  now: number;
  /** The rollup's time offset before the cheat, in seconds. */
  offset: number;
  /** The committee members' addresses: they sign and pay for every relay. */
  sequencers: readonly Address[];
}

/**
 * Why the devnet refuses a cheat, or `undefined`. Cheats may not touch what
 * the shared sequencer itself relies on: the messenger's code and storage
 * (L1 checks the message hashes it keeps, and would refuse every later
 * batch) and the committee members' accounts (they sign and pay for the
 * relays). Times stay within what derivation replays. Pure.
 */
export function cheatProblem(cheat: Cheat, context: CheatContext): XrollupError | undefined {
  const refuse = (reason: string) => new CheatRefusedError({ chainId: context.chainId, reason });
  const isMember = (address: Address) => context.sequencers.some((member) => isAddressEqual(member, address));
  switch (cheat.kind) {
    case "setCode":
    case "setStorageAt":
      if (isAddressEqual(cheat.address, MESSENGER_ADDRESS)) {
        return refuse(`the messenger's ${cheat.kind === "setCode" ? "code" : "storage"} holds the message hashes L1 checks`);
      }
      if (isMember(cheat.address)) return refuse(`${cheat.address} is a sequencer's account, which relays messages`);
      if (cheat.kind === "setCode" && (cheat.code.length - 2) / 2 > MAX_CHEAT_CODE_BYTES) {
        return refuse(`the code is ${(cheat.code.length - 2) / 2} bytes, over the ${MAX_CHEAT_CODE_BYTES} a batch carries for one cheat`);
      }
      return undefined;
    case "setBalance":
    case "impersonate":
      return isMember(cheat.address) ? refuse(`${cheat.address} is a sequencer's account, which relays messages`) : undefined;
    case "increaseTime": {
      if (!Number.isSafeInteger(cheat.seconds) || cheat.seconds < 0) return refuse(`time can only go forward, by whole seconds (got ${cheat.seconds})`);
      const latest = context.now + context.offset + cheat.seconds;
      if (latest > MAX_BLOCK_TIMESTAMP) return refuse(`the next block would be at ${latest}, past the latest timestamp ${MAX_BLOCK_TIMESTAMP}`);
      return undefined;
    }
    case "setNextBlockTimestamp":
      if (!Number.isSafeInteger(cheat.timestamp) || cheat.timestamp > MAX_BLOCK_TIMESTAMP) {
        return refuse(`timestamp ${cheat.timestamp} is past the latest timestamp ${MAX_BLOCK_TIMESTAMP}`);
      }
      // Rollup blocks may share a second (a slot's blocks do), so only an earlier one is refused.
      if (cheat.timestamp < context.latestTimestamp) return new TimestampTooLowError({ timestamp: cheat.timestamp, previous: context.latestTimestamp });
      return undefined;
    case "stopImpersonating":
      return undefined;
  }
}

/** A rollup's clock as its time cheats left it. */
interface RollupClock {
  /** Seconds added to the slot's timestamp for this rollup's blocks. */
  offset: number;
  /** The timestamp of the rollup's next block, when `evm_setNextBlockTimestamp` set one. */
  next: number | undefined;
}

/**
 * What the cheats have done to every rollup, rebuilt exactly from the
 * journal: the state operations applied and not yet carried by a block, each
 * rollup's clock, and the impersonated accounts.
 */
export class CheatState {
  readonly #pending = new Map<number, StateOperation[]>();
  readonly #clocks = new Map<number, RollupClock>();
  readonly #impersonated = new Map<number, Set<string>>();

  /** Takes a cheat into account: one just applied, or one read back from the journal. */
  record(chainId: number, cheat: Cheat): void {
    switch (cheat.kind) {
      case "setBalance":
      case "setCode":
      case "setStorageAt":
        this.#pending.set(chainId, [...(this.#pending.get(chainId) ?? []), cheat]);
        return;
      case "increaseTime": {
        const clock = this.#clock(chainId);
        this.#clocks.set(chainId, { ...clock, offset: clock.offset + cheat.seconds });
        return;
      }
      case "setNextBlockTimestamp":
        this.#clocks.set(chainId, { ...this.#clock(chainId), next: cheat.timestamp });
        return;
      case "impersonate":
        this.#impersonated.set(chainId, new Set([...(this.#impersonated.get(chainId) ?? []), cheat.address.toLowerCase()]));
        return;
      case "stopImpersonating":
        this.#impersonated.get(chainId)?.delete(cheat.address.toLowerCase());
        return;
    }
  }

  #clock(chainId: number): RollupClock {
    return this.#clocks.get(chainId) ?? { offset: 0, next: undefined };
  }

  /** The rollup's time offset, in seconds: what `evm_increaseTime` answers. */
  timeOffset(chainId: number): number {
    return this.#clock(chainId).offset;
  }

  /** The timestamp of a rollup's block in a slot at `slotTimestamp`. */
  blockTimestamp(chainId: number, slotTimestamp: number): number {
    const { offset, next } = this.#clock(chainId);
    return next ?? slotTimestamp + offset;
  }

  /** Whether `eth_sendTransaction` may send from `address` on the rollup. */
  isImpersonated(chainId: number, address: Address): boolean {
    return this.#impersonated.get(chainId)?.has(address.toLowerCase()) ?? false;
  }

  /** The state operations applied and not yet carried by a block, per rollup: a rebuilt rollup needs them applied again. */
  pendingOperations(): [chainId: number, operations: readonly StateOperation[]][] {
    return [...this.#pending];
  }

  /**
   * A slot takes effect: each rollup's first block in it carries the state
   * operations applied since the rollup's last block, which are no longer
   * pending, and a next timestamp set for the rollup becomes its offset.
   * Sets `operations` on those blocks of `slot` (before it is journaled).
   */
  claim(slot: SlotResult): void {
    const first = new Map<number, ProducedBlock>();
    for (const block of slot.blocks) {
      if (this.#pending.has(block.chainId) && (first.get(block.chainId)?.number ?? Infinity) > block.number) first.set(block.chainId, block);
    }
    if (first.size > 0) {
      slot.blocks = slot.blocks.map((block) =>
        first.get(block.chainId) === block ? { ...block, operations: [...(block.operations ?? []), ...this.#pending.get(block.chainId)!] } : block,
      );
    }
    this.pass(slot);
  }

  /** Moves past a slot that took effect (its blocks carry their operations already, as in the journal). */
  pass(slot: SlotResult): void {
    for (const chainId of new Set(slot.blocks.map((block) => block.chainId))) {
      this.#pending.delete(chainId);
      const { next } = this.#clock(chainId);
      // From the next timestamp on, the rollup's clock runs that far from the slots'.
      if (next !== undefined) this.#clocks.set(chainId, { offset: next - slot.timestamp, next: undefined });
    }
  }
}

/**
 * `engine`, mining each block at the timestamp `timestampOf` gives for the
 * slot's: how a rollup's time cheats reach the blocks of every slot. A proxy
 * rather than a class, so that every other method of the port (as it grows)
 * reaches the engine unchanged; methods run bound to the engine, whose
 * private fields a proxy receiver could not read.
 */
export function withBlockTimes(engine: RollupEngine, timestampOf: (slotTimestamp: number) => number): RollupEngine {
  const mineBlock: RollupEngine["mineBlock"] = (raws, timestamp) => engine.mineBlock(raws, timestampOf(timestamp));
  return new Proxy(engine, {
    get(target, key) {
      if (key === "mineBlock") return mineBlock;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Mines an empty block on `engine` (`evm_mine` on a rollup without a block in the slot). */
export async function mineEmptyBlock(engine: RollupEngine, timestamp: number): Promise<ProducedBlock> {
  const { block } = await engine.mineBlock([], timestamp);
  return { chainId: engine.chainId, number: block.number, hash: block.hash, stateRoot: block.stateRoot, timestamp: block.timestamp, transactions: [] };
}
