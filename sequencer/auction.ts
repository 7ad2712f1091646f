import { type Address, encodeAbiParameters, type Hex, isAddress, isHex, keccak256 } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import type { AuctionOutcome, Bid } from "./policies/types.ts";

/** A bid as a bidder sends it (`sequencer.submitBid`, `xr_submitBid`). */
export interface BidRequest {
  bidder: Address;
  amountWei: bigint;
  /** The slot the bid is for (a Timeboost round's first slot). */
  slot: number;
  /** Signed raw transactions placed only if the bid wins (checked by intake as a bundle). */
  transactions?: readonly Hex[];
  /** Order-flow auction: the pending transaction to back-run. */
  target?: Hex;
}

/** What became of a bid (`xr_getBid`). */
export interface BidStatus {
  /** `pending` until its slot's auction, then `won` or `lost`. */
  status: "pending" | "won" | "lost";
  slot: number;
  bidder: Address;
  amountWei: bigint;
  /** The outcome it won. */
  outcome?: AuctionOutcome;
  /** Why it lost. */
  reason?: string;
}

/**
 * Bids from best to worst: the highest amount first, ties to the earliest
 * bid, then to the lowest id. Every built-in auction ranks so.
 */
export function rankBids(bids: readonly Bid[]): Bid[] {
  return [...bids].sort((a, b) =>
    a.amountWei !== b.amountWei ? (a.amountWei > b.amountWei ? -1 : 1) : a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * The sequencer's bids and what their auctions decided. Bids live in
 * memory only (never journaled): a restart or a revert forgets those not
 * yet decided; the outcomes decided are journaled with their slot
 * (`SlotResult.auctions`) and come back through {@link decide}.
 */
export class BidBook {
  readonly #bids = new Map<Hex, Bid>();
  readonly #bySlot = new Map<number, Bid[]>();
  /** Outcomes decided by each slot's auction (slots that decided none are absent). */
  readonly #decided = new Map<number, AuctionOutcome[]>();
  readonly #won = new Map<Hex, AuctionOutcome>();
  /** Bids set aside at their auction, with why. */
  readonly #void = new Map<Hex, string>();
  /** Auctions run in slot order, at most once each: every slot up to this one has had its auction. */
  #lastAuctioned = 0;
  #count = 0;

  /** Records a bid and returns it with its id. */
  add(bid: Omit<Bid, "id">): Bid {
    const id = keccak256(
      encodeAbiParameters(
        [{ type: "uint256" }, { type: "address" }, { type: "uint256" }, { type: "uint256" }, { type: "bytes32[]" }, { type: "bytes32" }],
        [BigInt(this.#count++), bid.bidder, bid.amountWei, BigInt(bid.slot), bid.transactions.map((transaction) => transaction.hash), bid.target ?? `0x${"00".repeat(32)}`],
      ),
    );
    const recorded: Bid = { id, ...bid };
    this.#bids.set(id, recorded);
    this.#bySlot.set(bid.slot, [...(this.#bySlot.get(bid.slot) ?? []), recorded]);
    return recorded;
  }

  /** The bids for a slot, in the order they came. */
  bidsFor(slot: number): readonly Bid[] {
    return this.#bySlot.get(slot) ?? [];
  }

  /** Whether the slot's auction has run. */
  isAuctioned(slot: number): boolean {
    return slot <= this.#lastAuctioned;
  }

  /** Sets a bid aside at its auction (its transactions no longer pass intake): it loses, with `reason`. */
  setAside(id: Hex, reason: string): void {
    this.#void.set(id, reason);
  }

  /** Records what the slot's auction decided (again after a restart, from the journaled slot). */
  decide(slot: number, outcomes: readonly AuctionOutcome[]): void {
    this.#lastAuctioned = Math.max(this.#lastAuctioned, slot);
    if (outcomes.length > 0) this.#decided.set(slot, [...outcomes]);
    for (const outcome of outcomes) this.#won.set(outcome.bidId, outcome);
  }

  /** The outcomes the slot's own auction decided. */
  decidedAt(slot: number): AuctionOutcome[] {
    return this.#decided.get(slot) ?? [];
  }

  /** The outcomes in force for a slot: those whose [fromSlot, untilSlot) holds it, oldest first. */
  inForce(slot: number): AuctionOutcome[] {
    return [...this.#decided.values()].flat().filter((outcome) => outcome.fromSlot <= slot && slot < outcome.untilSlot);
  }

  /**
   * What became of a bid, computed from what the book holds; `nextSlot` is
   * the slot the sequencer produces next. `null` for an unknown id.
   */
  status(id: Hex, nextSlot: number): BidStatus | null {
    const bid = this.#bids.get(id.toLowerCase() as Hex);
    if (bid === undefined) return null;
    const base = { slot: bid.slot, bidder: bid.bidder, amountWei: bid.amountWei };
    const outcome = this.#won.get(bid.id);
    if (outcome !== undefined) return { status: "won", ...base, outcome };
    const setAside = this.#void.get(bid.id);
    if (setAside !== undefined) return { status: "lost", ...base, reason: setAside };
    if (this.isAuctioned(bid.slot)) return { status: "lost", ...base, reason: `the auction of slot ${bid.slot} did not choose it` };
    if (bid.slot < nextSlot) {
      return { status: "lost", ...base, reason: `slot ${bid.slot} went by without an auction (it ran L1's forced transactions, or added a rollup)` };
    }
    return { status: "pending", ...base };
  }
}

/** Why a bid is refused: a stable code, for clients and tests. */
export type BidRefusal = "no-auction" | "slot-closed" | "invalid-bid" | "transaction-refused" | "unknown-target";

/** What a bidder can do about each refusal. */
const BID_REFUSAL_HINTS: Readonly<Record<BidRefusal, { hint: string; code: number }>> = {
  "no-auction": {
    hint: "Start the devnet with a policy that runs an auction: timeboost, sealed-bid or order-flow-auction (--policy).",
    code: JSON_RPC_ERROR_CODES.methodNotSupported,
  },
  "slot-closed": {
    hint: "Bid for a later slot: xr_getSequencerStatus's slot is the last one produced, and a slot's auction closes when the slot is produced.",
    code: JSON_RPC_ERROR_CODES.invalidParams,
  },
  "invalid-bid": {
    hint: 'Send { "bidder": address, "amountWei": hex quantity, "slot": slot number, "transactions"?: [signed raw transaction, …], "target"?: transaction hash }.',
    code: JSON_RPC_ERROR_CODES.invalidParams,
  },
  "transaction-refused": {
    hint: "A bid's transactions must pass intake as a bundle's do (xr_sendBundle): each its sender's next nonce, funded, within the block gas limit.",
    code: JSON_RPC_ERROR_CODES.transactionRejected,
  },
  "unknown-target": {
    hint: "Name the hash of a transaction the sequencer holds pending (xr_getTransactionStatus answers pending).",
    code: JSON_RPC_ERROR_CODES.invalidParams,
  },
};

/** Thrown by `submitBid` (`xr_submitBid`) for a bid the sequencer does not take; `data.reasonCode` says why. */
export class BidRefusedError extends XrollupError {
  override name = "BidRefusedError";
  readonly reasonCode: BidRefusal;
  constructor({ reasonCode, reason, cause }: { reasonCode: BidRefusal; reason: string; cause?: unknown }) {
    const { hint, code } = BID_REFUSAL_HINTS[reasonCode];
    super(`Bid refused: ${reason}.`, { details: [hint], cause, code, data: { reasonCode } });
    this.reasonCode = reasonCode;
  }
}

/**
 * Checks a bid's fields (not its transactions, which intake checks).
 *
 * @throws {BidRefusedError} `invalid-bid`, naming the field.
 */
export function checkBidRequest(request: BidRequest): void {
  const invalid = (reason: string) => new BidRefusedError({ reasonCode: "invalid-bid", reason });
  if (!isAddress(request.bidder, { strict: false })) throw invalid(`bidder ${String(request.bidder)} is not an address`);
  if (typeof request.amountWei !== "bigint" || request.amountWei < 0n) throw invalid(`amountWei must be a whole number of wei ≥ 0, got ${String(request.amountWei)}`);
  if (!Number.isSafeInteger(request.slot) || request.slot < 1) throw invalid(`slot must be a slot number ≥ 1, got ${String(request.slot)}`);
  if (request.target !== undefined && !(isHex(request.target) && request.target.length === 66)) throw invalid(`target must be a transaction hash, got ${String(request.target)}`);
  if (request.transactions !== undefined && !Array.isArray(request.transactions)) throw invalid("transactions must be an array of signed raw transactions");
}

/**
 * Reads `xr_submitBid`'s parameter: `{ bidder, amountWei, slot,
 * transactions?, target? }`, `amountWei` a hex quantity, `slot` a number
 * or a hex quantity. The values are checked by `submitBid`
 * ({@link checkBidRequest}).
 *
 * @throws {BidRefusedError} `invalid-bid`, naming the field.
 */
export function parseBidRequest(value: unknown): BidRequest {
  const invalid = (reason: string) => new BidRefusedError({ reasonCode: "invalid-bid", reason });
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("expected an object");
  const { bidder, amountWei, slot, transactions, target } = value as Record<string, unknown>;
  if (typeof bidder !== "string") throw invalid(`bidder must be an address, got ${JSON.stringify(bidder)}`);
  if (typeof amountWei !== "string" || !/^0x[0-9a-fA-F]+$/.test(amountWei)) throw invalid(`amountWei must be a hex quantity, got ${JSON.stringify(amountWei)}`);
  const slotNumber = typeof slot === "string" && /^0x[0-9a-fA-F]+$/.test(slot) ? Number(BigInt(slot)) : slot;
  if (typeof slotNumber !== "number") throw invalid(`slot must be a number or a hex quantity, got ${JSON.stringify(slot)}`);
  if (transactions !== undefined && !(Array.isArray(transactions) && transactions.every((raw) => typeof raw === "string" && isHex(raw)))) {
    throw invalid("transactions must be an array of signed raw transactions (0x-hex)");
  }
  if (target !== undefined && typeof target !== "string") throw invalid(`target must be a transaction hash, got ${JSON.stringify(target)}`);
  const request: BidRequest = {
    bidder: bidder as Address,
    amountWei: BigInt(amountWei),
    slot: slotNumber,
    ...(transactions === undefined ? {} : { transactions: transactions as Hex[] }),
    ...(target === undefined ? {} : { target: target.toLowerCase() as Hex }),
  };
  return request;
}
