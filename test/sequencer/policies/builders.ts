// Hand-made transactions, bids and slot contexts for the policies' unit
// tests: no chain, every field chosen so that the expected order can be
// worked out by hand.
import { type Address, type Hex, keccak256, toHex } from "viem";
import type { AuctionOutcome, Bid, SlotContext } from "../../../sequencer/policies/types.ts";
import type { SequencedTransaction } from "../../../sequencer/types.ts";

export const ALICE = "0x00000000000000000000000000000000000a11ce" as Address;
export const BOB = "0x0000000000000000000000000000000000000b0b" as Address;
export const CAROL = "0x00000000000000000000000000000000000ca201" as Address;

const NAMES = new Map<string, string>([
  [ALICE, "A"],
  [BOB, "B"],
  [CAROL, "C"],
]);

/**
 * A transaction of `from` with `nonce`, `arrival` its place in arrival
 * order and (unless given) its `receivedAt` in ms; its hash is derived from
 * its sender and nonce, so a label names it.
 */
export function transaction(
  from: Address,
  nonce: number,
  arrival: number,
  fields: Partial<Pick<SequencedTransaction, "receivedAt" | "bundleId" | "chainId" | "gas">> = {},
): SequencedTransaction {
  return {
    hash: keccak256(toHex(`${from}:${nonce}:${fields.chainId ?? 901}`)),
    chainId: 901,
    from,
    to: undefined,
    nonce,
    raw: "0x00",
    gas: 21_000n,
    maxFeePerGas: 1n,
    maxPriorityFeePerGas: 1n,
    arrival,
    receivedAt: arrival,
    ...fields,
  };
}

/** `A:0`, `B:3`: who and which nonce, for comparing orders. */
export const label = (list: readonly SequencedTransaction[]) => list.map((t) => `${NAMES.get(t.from) ?? t.from}:${t.nonce}`);

/** A bid with a readable id (`0x…01` for 1), so that id tie-breaks are obvious. */
export function bid(id: number, bidder: Address, amountWei: bigint, fields: Partial<Omit<Bid, "id" | "bidder" | "amountWei">> = {}): Bid {
  return { id: toHex(id, { size: 32 }), bidder, amountWei, slot: 1, transactions: [], receivedAt: 0, ...fields };
}

/** A slot context: slot 1, window ending at `endMs` (default: far in the future), no auction. */
export function context(fields: Partial<SlotContext> = {}): SlotContext {
  return { slot: 1, timestamp: 0, seed: "0x00", endMs: Number.MAX_SAFE_INTEGER, auctions: [], ...fields };
}

/** The auction context of slot `slot`, with `pending`. */
export function auctionContext(slot: number, pending: readonly SequencedTransaction[] = []): { slot: number; seed: Hex; pending: readonly SequencedTransaction[] } {
  return { slot, seed: "0x00", pending };
}

/** The (first) outcome's who-pays-what, for table rows. */
export const summary = (outcomes: readonly AuctionOutcome[]) =>
  outcomes.map(({ kind, winner, paysWei, refundWei, fromSlot, untilSlot, bidders }) => ({ kind, winner, paysWei, refundWei, fromSlot, untilSlot, bidders }));
