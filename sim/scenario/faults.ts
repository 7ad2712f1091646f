/**
 * Faults during a run, and what they did to censored transactions: when each
 * fault is in force, whom a censor fault covers, and the time to inclusion
 * of what it covered on the scenario clock.
 */
import type { Address } from "viem";
import type { Devnet } from "../../devnet/devnet.ts";
import type { ParsedFault } from "../../sequencer/faults.ts";
import type { CensorshipResult } from "../report/types.ts";
import type { ScenarioFault } from "./schema.ts";

/**
 * Puts the configuration's faults in force at the start of `slot`: clears
 * those whose `untilSlot` it is (unless they cleared themselves), then
 * injects those whose `atSlot` it is, with their roles filled in.
 */
export function applyFaults(devnet: Devnet, faults: readonly ScenarioFault[], slot: number, ids: Map<ScenarioFault, string>, victimAddress: (victim: number) => Address): void {
  for (const entry of faults) {
    const id = ids.get(entry);
    if (entry.untilSlot === slot && id !== undefined) devnet.sequencer.clearFault(id);
  }
  for (const entry of faults) {
    if (entry.atSlot !== slot) continue;
    const status = devnet.sequencer.status();
    const leader = status.members.findIndex((member) => member.address === status.leader);
    ids.set(entry, devnet.sequencer.injectFault(devnetFault(entry, victimAddress, leader)));
  }
}

/** A scenario fault as the devnet takes it: `"victim:N"` becomes that victim's address, `"nodes": "leader"` the leading member. */
function devnetFault(entry: ScenarioFault, victimAddress: (victim: number) => Address, leader: number): ParsedFault {
  const { fault, addressOfVictim, censorLeader } = entry;
  if (fault.kind !== "censor") return fault;
  return { ...fault, address: censoredAddress(fault.address, addressOfVictim, victimAddress), ...(censorLeader ? { nodes: [leader] } : {}) };
}

/** The address a censor fault names: its own, or the account of the victim its `"victim:N"` role stands for. */
function censoredAddress(address: Address, addressOfVictim: number | undefined, victimAddress: (victim: number) => Address): Address {
  return addressOfVictim === undefined ? address : victimAddress(addressOfVictim);
}

/** When a censor fault is in force: slots `from` to `until` (exclusive), for transactions from or to `address` on `chainId` (or every rollup). */
export interface CensorWindow {
  address: Address;
  chainId: number | undefined;
  from: number;
  until: number;
}

/** The censor faults of a configuration, with their addresses resolved, and the slots they cover. */
export function censorWindows(faults: readonly ScenarioFault[], slots: number, victimAddress: (victim: number) => Address): CensorWindow[] {
  return faults.flatMap(({ fault, addressOfVictim, atSlot, untilSlot }) =>
    fault.kind !== "censor"
      ? []
      : [{ address: censoredAddress(fault.address, addressOfVictim, victimAddress), chainId: fault.chainId, from: atSlot, until: untilSlot ?? slots }],
  );
}

/**
 * Whether a censor fault covered a transaction: one in force during a slot
 * it was pending in (from `slot`, when it was sent, to `lastPending`), on
 * its rollup, naming its sender or its recipient. Pure.
 */
export function censoredBy(
  windows: readonly CensorWindow[],
  transaction: { from: Address; to: Address; chainId: number; slot: number; lastPending: number },
): boolean {
  const parties = [transaction.from.toLowerCase(), transaction.to.toLowerCase()];
  return windows.some(
    (window) =>
      window.from <= transaction.lastPending &&
      window.until > transaction.slot &&
      (window.chainId === undefined || window.chainId === transaction.chainId) &&
      parties.includes(window.address.toLowerCase()),
  );
}

/** The scenario slot at whose end a transaction was first seen included, and the failovers during that slot. */
export interface Inclusion {
  slot: number;
  failovers: number;
}

/**
 * The value below which `p` percent of `sorted` (ascending) lie, by the
 * nearest rank; `undefined` for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Time to inclusion of censored transactions on the scenario clock: a
 * transaction sent in slot s and included at the end of slot t waited
 * (t − s + 1) slots, plus a view timeout for every failover in slot t. One
 * never included counts as not included: a percentile that falls on it,
 * and the maximum, are `null`, never 0. Pure.
 *
 * @example
 * ```ts
 * censorship([{ sentSlot: 0, included: { slot: 0, failovers: 1 } }], { slotMs: 1000, viewTimeoutMs: 2000 });
 * // { transactions: 1, notIncluded: 0, timeToInclusionMs: { p50: 3000, p99: 3000, max: 3000 } }
 * ```
 */
export function censorship(
  transactions: readonly { sentSlot: number; included: Inclusion | undefined }[],
  clock: { slotMs: number; viewTimeoutMs: number },
): CensorshipResult {
  const times = transactions
    .map(({ sentSlot, included }) =>
      included === undefined ? Number.POSITIVE_INFINITY : (included.slot - sentSlot + 1) * clock.slotMs + included.failovers * clock.viewTimeoutMs,
    )
    .sort((a, b) => a - b);
  const finite = (value: number | undefined) => (value === undefined || value === Number.POSITIVE_INFINITY ? null : value);
  return {
    transactions: transactions.length,
    notIncluded: times.filter((time) => time === Number.POSITIVE_INFINITY).length,
    timeToInclusionMs: { p50: finite(percentile(times, 50)), p99: finite(percentile(times, 99)), max: finite(times.at(-1)) },
  };
}

