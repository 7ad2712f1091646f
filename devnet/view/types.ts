/**
 * What the classroom view (`/ui/`) is told: the live feed of the L1
 * endpoint (`eth_subscribe(["xr_devnet"])`) and the answer of
 * `xr_getDevnetInfo`. Plain JSON values only (no bigint), so that the page
 * imports these as types and reads them straight from the WebSocket.
 * Fields are never renamed; new ones are optional.
 */
import type { Address, Hex } from "viem";
import type { ReasonCode } from "../../sequencer/reasons.ts";
import type { SequencerStatus } from "../../sequencer/sequencer.ts";

/** Where a transaction stands: the same words as `xr_getTransactionStatus`. */
export type ChipStatus = "pending" | "included" | "dropped";

/**
 * One transaction on one rollup, as a chip in its chain's lane. A relay
 * (the action of a cross-rollup message) is a chip too, with `role:
 * "action"` and `messageOf` naming its trigger.
 */
export interface TxChip {
  hash: Hex;
  /** The rollup it runs on: the lane it sits in. */
  chainId: number;
  from: Address;
  /** Absent for a contract creation. */
  to?: Address;
  /** Its global sequence number, once included. */
  globalSeq?: number;
  status: ChipStatus;
  /** `transaction`: a transaction the sequencer accepted (a trigger when it sends messages); `action`: a relay. */
  role: "transaction" | "action";
  /** The slot that included or dropped it. */
  slot?: number;
  /** Its rollup block, once included. */
  blockNumber?: number;
  /** For an action: the hash of the trigger whose message it relays. */
  messageOf?: Hex;
  /** Why it was dropped, in plain words with amounts in token units. */
  reason?: string;
  /** Why it was dropped, as a stable code. */
  reasonCode?: ReasonCode;
  /** For a dropped unit: every rollup it touched (its own chain and the failed leg's), in registration order. */
  chains?: number[];
  /** The sequencer's own words for the drop (the raw reason), when `reason` rewords it. */
  rawReason?: string;
}

/** A cross-rollup message: an arrow from the trigger's chip to its action's chip. */
export interface MessageArrow {
  trigger: Hex;
  action: Hex;
  /** The trigger's rollup. */
  from: number;
  /** The action's rollup. */
  to: number;
}

/** One slot: a column across every lane. */
export interface SlotView {
  slot: number;
  /** Unix timestamp of its blocks, in seconds. */
  timestamp: number;
  /** The committee member that ordered it, when a leader did (a slot of forced transactions has one too). */
  leader?: Address;
  /** Included transactions and actions, in global order. */
  chips: TxChip[];
  /** Units the slot dropped: one chip per accepted transaction, in red on each chain of `chips[i].chains`. */
  dropped: TxChip[];
  messages: MessageArrow[];
  /** Chains that got a block in this slot (an empty block too). */
  blocks?: { chainId: number; number: number }[];
  /** The rollup this slot added to the devnet (`xr_addRollup`). */
  addsRollup?: number;
}

/** A batch L1 accepted: the slots it carries and their global sequence numbers. */
export interface BatchView {
  number: number;
  /** First global sequence number in the batch. */
  globalSeqStart: number;
  /** One past the last global sequence number in the batch, as the inbox's batch header has it: equal to `globalSeqStart` when it carries no transaction. */
  globalSeqEnd: number;
  /** Size of the encoded batch (the calldata L1 got), in bytes. */
  bytes: number;
  l1TxHash: Hex;
  slots: { first: number; last: number };
}

/** The sequencer panel: what `xr_getSequencerStatus` answers, plus whether the slot timer is paused (`xr_pause`). */
export type StatusView = SequencerStatus & { paused: boolean };

/** A chain of the devnet, as the view names its lane. */
export interface ChainView {
  chainId: number;
  name: string;
  /** `null` for an in-process devnet without RPC servers. */
  rpcUrl: string | null;
}

/** Everything so far, bounded to the last {@link VIEW_SLOT_LIMIT} slots: the feed's first notification. */
export interface DevnetView {
  l1: ChainView;
  /** The rollups, in registration order (one lane each). */
  rollups: ChainView[];
  /** The last slots, oldest first. */
  slots: SlotView[];
  /** Transactions accepted and not yet included or dropped, in arrival order. */
  pending: TxChip[];
  /** The batches of the slots kept, oldest first. */
  batches: BatchView[];
  status: StatusView;
}

/** How many slots the view keeps (older ones, and their batches, are forgotten). */
export const VIEW_SLOT_LIMIT = 200;

/** One notification of the feed (`eth_subscribe(["xr_devnet"])`), in the order they happen. */
export type DevnetEvent =
  | { kind: "state"; state: DevnetView }
  | { kind: "slot"; slot: SlotView }
  | { kind: "pending"; tx: TxChip }
  | { kind: "batch"; batch: BatchView }
  | { kind: "status"; status: StatusView }
  /** The devnet reverted to a snapshot (or loaded a state): subscribe again for the new state. */
  | { kind: "reset" };

/** The answer of `xr_getDevnetInfo`. */
export interface DevnetInfo {
  l1: { chainId: number; rpcUrl: string | null };
  rollups: { chainId: number; name: string; rpcUrl: string | null }[];
  mode: SequencerStatus["mode"];
  policy: string;
  /** The classroom view's URL; `null` without RPC servers. */
  ui: string | null;
  /** Slot length in ms, in slot mode. */
  slotMs?: number;
  /** The demo's scenes (`xr_runScene` takes their names), in order, with what each expects: one button each. */
  scenes?: { name: string; title: string; expected: string }[];
}
