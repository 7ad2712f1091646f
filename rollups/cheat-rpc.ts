import { type Address, type Hex, isAddress, numberToHex } from "viem";
import type { Cheat } from "../sequencer/cheats.ts";
import type { SharedSequencer } from "../sequencer/sequencer.ts";
import type { Impersonation } from "./dev-signer.ts";

/**
 * The cheat methods of a rollup endpoint, Hardhat's names and anvil's
 * aliases, as `hardhat node` and anvil answer them. Each goes through the
 * shared sequencer, which records it so that derivation still holds (see
 * `sequencer/cheats.ts`). `--no-cheats` turns them all off.
 */

/** Most blocks one `hardhat_mine` or `anvil_mine` mines: each is a slot of its own. */
export const MAX_MINED_BLOCKS = 1_000;

/** Runs a parsed cheat method on the sequencer, for one rollup, and answers as Hardhat does. */
type CheatRun = (sequencer: SharedSequencer, chainId: number) => Promise<unknown>;

/** Thrown by the parsers below for a bad param; {@link parseCheat} turns it into a value. */
class BadParam extends Error {}

/** Parses one method's params into its run. */
type CheatParser = (params: readonly unknown[]) => CheatRun;

/** Applies a cheat and answers `true`, as Hardhat's state and impersonation methods do. */
const applying =
  (cheat: Cheat): CheatRun =>
  async (sequencer, chainId) => {
    await sequencer.applyCheat(chainId, cheat);
    return true;
  };

const setBalance: CheatParser = ([address, value]) =>
  applying({ kind: "setBalance", address: addressParam(address), value: uint256Param(value, "balance") });

const setCode: CheatParser = ([address, code]) => applying({ kind: "setCode", address: addressParam(address), code: bytesParam(code, "code") });

const setStorageAt: CheatParser = ([address, slot, value]) =>
  applying({
    kind: "setStorageAt",
    address: addressParam(address),
    slot: numberToHex(uint256Param(slot, "storage slot"), { size: 32 }),
    value: wordParam(value),
  });

const impersonate: CheatParser = ([address]) => applying({ kind: "impersonate", address: addressParam(address) });

/** Answers whether the account was impersonated, as EDR does. */
const stopImpersonating: CheatParser = ([param]) => {
  const address = addressParam(param);
  return async (sequencer, chainId) => {
    const was = sequencer.isImpersonated(chainId, address);
    await sequencer.applyCheat(chainId, { kind: "stopImpersonating", address });
    return was;
  };
};

/** Mines `blocks` blocks, `interval` seconds apart, and answers `answer` (`hardhat_mine`: `true`; `anvil_mine`: `null`). */
const mining =
  (answer: true | null): CheatParser =>
  ([blocksParam, intervalParam]) => {
    const blocks = blocksParam === undefined || blocksParam === null ? 1 : secondsParam(blocksParam, "block count");
    if (blocks < 1 || blocks > MAX_MINED_BLOCKS) throw new BadParam(`the block count must be from 1 to ${MAX_MINED_BLOCKS}, got ${blocks}`);
    const interval = intervalParam === undefined || intervalParam === null ? 1 : secondsParam(intervalParam, "interval");
    return async (sequencer, chainId) => {
      let block = await sequencer.mine(chainId);
      for (let mined = 1; mined < blocks; mined++) block = await sequencer.mine(chainId, block.timestamp + interval);
      return answer;
    };
  };

const PARSERS: Readonly<Record<string, CheatParser>> = {
  hardhat_setBalance: setBalance,
  anvil_setBalance: setBalance,
  hardhat_setCode: setCode,
  anvil_setCode: setCode,
  hardhat_setStorageAt: setStorageAt,
  anvil_setStorageAt: setStorageAt,
  hardhat_impersonateAccount: impersonate,
  anvil_impersonateAccount: impersonate,
  hardhat_stopImpersonatingAccount: stopImpersonating,
  anvil_stopImpersonatingAccount: stopImpersonating,
  // EDR answers the total offset, and the timestamp, as decimal strings.
  evm_increaseTime: ([seconds]) => {
    const cheat: Cheat = { kind: "increaseTime", seconds: secondsParam(seconds, "seconds") };
    return async (sequencer, chainId) => {
      await sequencer.applyCheat(chainId, cheat);
      return String(sequencer.timeOffset(chainId));
    };
  },
  evm_setNextBlockTimestamp: ([timestamp]) => {
    const cheat = { kind: "setNextBlockTimestamp", timestamp: secondsParam(timestamp, "timestamp") } as const;
    return async (sequencer, chainId) => {
      await sequencer.applyCheat(chainId, cheat);
      return String(cheat.timestamp);
    };
  },
  // EDR answers "0", as Hardhat 3 does.
  evm_mine: ([timestamp]) => {
    const at = timestamp === undefined || timestamp === null ? undefined : secondsParam(timestamp, "timestamp");
    return async (sequencer, chainId) => {
      await sequencer.mine(chainId, at);
      return "0";
    };
  },
  hardhat_mine: mining(true),
  anvil_mine: mining(null),
};

/** Whether `method` is a cheat method of a rollup endpoint. */
export function isCheatMethod(method: string): boolean {
  return Object.hasOwn(PARSERS, method);
}

/**
 * Parses a cheat method's params: how to run it, or why the params are
 * bad. Pure; running it goes through the sequencer.
 *
 * @example
 * ```ts
 * const parsed = parseCheat("hardhat_setBalance", [address, "0xde0b6b3a7640000"]);
 * if (parsed.ok) await parsed.run(sequencer, 901);
 * ```
 */
export function parseCheat(method: string, params: readonly unknown[]): { ok: true; run: CheatRun } | { ok: false; reason: string } {
  const parser = PARSERS[method];
  if (parser === undefined) return { ok: false, reason: `${method} is not a cheat method` };
  try {
    return { ok: true, run: parser(params) };
  } catch (error) {
    if (error instanceof BadParam) return { ok: false, reason: error.message };
    throw error;
  }
}

/** How `eth_sendTransaction` on a rollup sends from the accounts it impersonates: through the sequencer, impersonated. */
export function impersonationOn(sequencer: SharedSequencer, chainId: number): Impersonation {
  return {
    isImpersonated: (address) => sequencer.isImpersonated(chainId, address),
    submit: (raw) => sequencer.submitRawTransaction(chainId, raw, { impersonated: true }),
  };
}

function addressParam(value: unknown): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) throw new BadParam("expected a 20-byte address");
  return value.toLowerCase() as Address;
}

/** A hex quantity up to 2^256 − 1. */
function uint256Param(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) throw new BadParam(`the ${what} must be a 0x-prefixed hex quantity of at most 32 bytes`);
  return BigInt(value);
}

/** Exactly 32 bytes, as `hardhat_setStorageAt` takes a value. */
function wordParam(value: unknown): Hex {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) throw new BadParam("the storage value must be exactly 32 bytes of 0x-prefixed hex");
  return value.toLowerCase() as Hex;
}

function bytesParam(value: unknown, what: string): Hex {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(value)) throw new BadParam(`the ${what} must be 0x-prefixed hex bytes`);
  return value.toLowerCase() as Hex;
}

/** A whole number of seconds (or a count), as EDR takes it: a number, a hex quantity or a decimal string. */
function secondsParam(value: unknown, what: string): number {
  const parsed =
    typeof value === "number" ? value : typeof value === "string" && /^(0x[0-9a-fA-F]+|\d+)$/.test(value) ? Number(BigInt(value)) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new BadParam(`the ${what} must be a non-negative whole number, got ${JSON.stringify(value)}`);
  return parsed;
}
