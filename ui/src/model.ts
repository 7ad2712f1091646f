import { type DevnetEvent, type DevnetView, type SlotView, type TxChip, VIEW_SLOT_LIMIT } from "../../devnet/view/types.ts";

/**
 * Applies one feed event to the view: the page's whole state changes only
 * here, as a new value, so rendering is a function of it. `state` replaces
 * everything; `reset` is the caller's (it subscribes again) and leaves the view
 * as it is until the new `state` arrives.
 */
export function applyEvent(view: DevnetView | null, event: DevnetEvent): DevnetView | null {
  if (event.kind === "state") return event.state;
  if (view === null || event.kind === "reset") return view;
  switch (event.kind) {
    case "slot":
      return withSlot(view, event.slot);
    case "pending":
      return { ...view, pending: upsert(view.pending, event.tx) };
    case "batch":
      return { ...view, batches: [...view.batches.filter((batch) => batch.number !== event.batch.number), event.batch] };
    case "status":
      return { ...view, status: event.status };
  }
}

/** Adds a slot, keeps the last {@link VIEW_SLOT_LIMIT}, and takes what it settled out of `pending`. */
function withSlot(view: DevnetView, slot: SlotView): DevnetView {
  const settled = new Set([...slot.chips, ...slot.dropped].map((chip) => chip.hash));
  const slots = [...view.slots.filter((kept) => kept.slot !== slot.slot), slot].slice(-VIEW_SLOT_LIMIT);
  const oldestSlot = slots[0]?.slot ?? slot.slot;
  return {
    ...view,
    slots,
    pending: view.pending.filter((chip) => !settled.has(chip.hash)),
    batches: view.batches.filter((batch) => batch.slots.last >= oldestSlot),
  };
}

function upsert(chips: readonly TxChip[], chip: TxChip): TxChip[] {
  const index = chips.findIndex((kept) => kept.hash === chip.hash);
  if (index === -1) return [...chips, chip];
  return chips.map((kept, i) => (i === index ? chip : kept));
}

/** The lanes, top to bottom: L1, then each rollup in registration order. */
export function lanesOf(view: DevnetView): { chainId: number; name: string; isL1: boolean }[] {
  return [{ chainId: view.l1.chainId, name: view.l1.name, isL1: true }, ...view.rollups.map((rollup) => ({ chainId: rollup.chainId, name: rollup.name, isL1: false }))];
}

/**
 * The chips a slot shows in one chain's lane: its included chips on that
 * chain, then its dropped units that touched that chain (a dropped unit shows
 * in red on every chain it touched).
 */
export function chipsInLane(slot: SlotView, chainId: number): TxChip[] {
  return [...slot.chips.filter((chip) => chip.chainId === chainId), ...slot.dropped.filter((chip) => (chip.chains ?? [chip.chainId]).includes(chainId))];
}
