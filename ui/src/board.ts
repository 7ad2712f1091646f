import type { BatchView, DevnetView, SlotView, TxChip } from "../../devnet/view/types.ts";
import { h, svg } from "./dom.ts";
import { batchLabel, describeChip, globalRange, senderLabel, sequenceLabel, statusWord } from "./format.ts";
import { chipsInLane, lanesOf } from "./model.ts";

/** What the board needs besides the view: the development accounts (to name senders) and what to do when a chip is chosen. */
export interface BoardParameters {
  devAccounts: () => readonly string[];
  onSelect: (chip: TxChip, chainName: string) => void;
}

/** Arrows start and end this far inside a chip's right edge, and bow this far out to the right. */
const ARROW_INSET_PX = 4;
const ARROW_BOW_PX = 28;

/** How close to the right edge (px) still counts as "following the newest slot". */
const FOLLOW_SLACK_PX = 48;

interface Column {
  /** The column's grid items: its header, then one cell per lane. */
  items: HTMLElement[];
  cells: Map<number, HTMLElement>;
}

/**
 * The lanes: one row per chain (L1, then each rollup), one column per slot,
 * newest on the right, then a column of pending transactions. Slot columns are
 * built once (a slot never changes after the feed announces it), so the board
 * grows by appending and keeps the reader's focus and scroll position; it
 * follows the newest slot unless the reader scrolled back.
 */
export class Board {
  /** The scrolling region. */
  readonly element: HTMLElement;
  readonly #grid: HTMLElement;
  readonly #arrows: SVGSVGElement;
  readonly #parameters: BoardParameters;
  readonly #columns = new Map<number, Column>();
  #pending: Column | null = null;
  #lanes: ReturnType<typeof lanesOf> = [];
  #labels: HTMLElement[] = [];
  readonly #batchesShown = new Set<number>();
  #view: DevnetView | null = null;

  constructor(parameters: BoardParameters) {
    this.#parameters = parameters;
    this.#grid = h("div", { class: "grid" });
    this.#arrows = svg("svg", { class: "arrows", "aria-hidden": "true" });
    this.#arrows.append(arrowHead());
    this.element = h("div", { class: "board", role: "region", "aria-label": "Lanes: one row per chain, one column per slot", tabindex: 0 }, this.#grid);
    new ResizeObserver(() => this.#drawArrows()).observe(this.#grid);
  }

  /** Shows `view`: adds the slots and batches not shown yet, drops those the view forgot, redraws the pending column and the arrows. */
  render(view: DevnetView): void {
    const following = this.element.scrollLeft + this.element.clientWidth >= this.element.scrollWidth - FOLLOW_SLACK_PX;
    const lanes = lanesOf(view);
    if (lanes.map((lane) => lane.chainId).join() !== this.#lanes.map((lane) => lane.chainId).join()) this.#rebuild(lanes);
    this.#view = view;

    const kept = new Set(view.slots.map((slot) => slot.slot));
    for (const [number, column] of this.#columns) {
      if (kept.has(number)) continue;
      for (const item of column.items) item.remove();
      this.#columns.delete(number);
    }
    for (const slot of view.slots) if (!this.#columns.has(slot.slot)) this.#addColumn(this.#slotColumn(slot));
    for (const batch of view.batches) this.#showBatch(batch);
    this.#renderPending(view.pending);

    if (following) this.element.scrollLeft = this.element.scrollWidth;
    requestAnimationFrame(() => this.#drawArrows());
  }

  /** Forgets everything shown: the next {@link render} starts afresh (after a `state` event). */
  clear(): void {
    this.#lanes = [];
  }

  #rebuild(lanes: ReturnType<typeof lanesOf>): void {
    this.#lanes = lanes;
    this.#columns.clear();
    this.#batchesShown.clear();
    this.#pending = null;
    this.#labels = [
      h("div", { class: "corner" }, "chain"),
      ...lanes.map((lane) => h("div", { class: `lane-label${lane.isL1 ? " l1" : ""}`, role: "rowheader" }, h("strong", {}, lane.name), h("span", { class: "chain-id" }, `chain ${lane.chainId}`))),
    ];
    this.#grid.style.gridTemplateRows = `auto repeat(${lanes.length}, minmax(var(--lane-height), auto))`;
    // The arrows' overlay lives in the grid, out of its flow, so chip positions and arrow coordinates share one origin.
    this.#grid.replaceChildren(this.#arrows, ...this.#labels);
  }

  #slotColumn(slot: SlotView): Column {
    const header = h("div", { class: "slot-header", "data-slot": slot.slot }, `slot ${slot.slot}`);
    const cells = new Map<number, HTMLElement>();
    const items: HTMLElement[] = [header];
    for (const lane of this.#lanes) {
      const cell = h("div", { class: `cell${lane.isL1 ? " l1" : ""}`, "data-slot": slot.slot, "data-chain": lane.chainId });
      for (const chip of chipsInLane(slot, lane.chainId)) cell.append(this.#chip(chip, lane.chainId, lane.name));
      cells.set(lane.chainId, cell);
      items.push(cell);
    }
    return { items, cells };
  }

  #addColumn(column: Column): void {
    const before = this.#pending?.items[0] ?? null;
    for (const item of column.items) this.#grid.insertBefore(item, before);
    const slot = Number(column.items[0]?.dataset["slot"]);
    this.#columns.set(slot, column);
  }

  #renderPending(pending: readonly TxChip[]): void {
    for (const item of this.#pending?.items ?? []) item.remove();
    const header = h("div", { class: "slot-header pending" }, "pending");
    const cells = new Map<number, HTMLElement>();
    const items: HTMLElement[] = [header];
    for (const lane of this.#lanes) {
      const cell = h("div", { class: "cell pending", "data-chain": lane.chainId });
      for (const chip of pending.filter((tx) => tx.chainId === lane.chainId)) cell.append(this.#chip(chip, lane.chainId, lane.name));
      cells.set(lane.chainId, cell);
      items.push(cell);
    }
    this.#grid.append(...items);
    this.#pending = { items, cells };
  }

  /** A batch goes on the L1 lane, in the column of the last slot it carries. */
  #showBatch(batch: BatchView): void {
    if (this.#batchesShown.has(batch.number)) return;
    const l1 = this.#lanes.find((lane) => lane.isL1);
    const cell = l1 === undefined ? undefined : this.#columns.get(batch.slots.last)?.cells.get(l1.chainId);
    if (cell === undefined) return;
    const slots = batch.slots.first === batch.slots.last ? `slot ${batch.slots.first}` : `slots ${batch.slots.first}–${batch.slots.last}`;
    cell.append(
      h(
        "div",
        {
          class: "batch",
          "data-batch": batch.number,
          title: `Batch ${batch.number} on L1: ${slots}, global sequence numbers ${globalRange(batch.globalSeqStart, batch.globalSeqEnd)}, ${batch.bytes} bytes, L1 transaction ${batch.l1TxHash}`,
        },
        batchLabel(batch),
      ),
    );
    this.#batchesShown.add(batch.number);
  }

  #chip(chip: TxChip, laneChainId: number, laneName: string): HTMLButtonElement {
    const devAccounts = this.#parameters.devAccounts();
    const description = describeChip(chip, laneName, devAccounts);
    return h(
      "button",
      {
        type: "button",
        class: `chip ${chip.status} ${chip.role}`,
        "data-hash": chip.hash,
        "data-chain": laneChainId,
        "data-status": chip.status,
        "data-seq": chip.globalSeq,
        title: description,
        "aria-label": description,
        onclick: () => this.#parameters.onSelect(chip, laneName),
      },
      h("span", { class: "seq" }, sequenceLabel(chip)),
      h("span", { class: "from" }, chip.role === "action" ? "action" : senderLabel(chip.from, devAccounts)),
      h("span", { class: "status" }, statusWord(chip.status)),
      chip.status === "dropped" && chip.reason !== undefined ? h("span", { class: "reason" }, chip.reason) : null,
    );
  }

  /** Cross-rollup messages: an arrow from each trigger's chip to its action's chip, over the grid. */
  #drawArrows(): void {
    const view = this.#view;
    if (view === null) return;
    const origin = this.#grid.getBoundingClientRect();
    this.#arrows.setAttribute("width", String(this.#grid.scrollWidth));
    this.#arrows.setAttribute("height", String(this.#grid.scrollHeight));
    const paths: SVGPathElement[] = [];
    for (const slot of view.slots) {
      for (const message of slot.messages) {
        const trigger = this.#findChip(message.trigger, message.from);
        const action = this.#findChip(message.action, message.to);
        if (trigger === null || action === null) continue;
        // From the trigger's right edge to the action's, bowing out to the right, so the arrow does not cross the chips between them.
        const from = trigger.getBoundingClientRect();
        const to = action.getBoundingClientRect();
        const x1 = from.right - origin.left - ARROW_INSET_PX;
        const y1 = from.top + from.height / 2 - origin.top;
        const x2 = to.right - origin.left - ARROW_INSET_PX;
        const y2 = to.top + to.height / 2 - origin.top;
        const bow = Math.max(x1, x2) + ARROW_BOW_PX;
        paths.push(svg("path", { class: "message", d: `M ${x1} ${y1} C ${bow} ${y1}, ${bow} ${y2}, ${x2} ${y2}`, "marker-end": "url(#arrow-head)", "data-trigger": message.trigger, "data-action": message.action }));
      }
    }
    this.#arrows.replaceChildren(arrowHead(), ...paths);
  }

  #findChip(hash: string, chainId: number): HTMLElement | null {
    return this.#grid.querySelector<HTMLElement>(`.chip[data-hash="${hash}"][data-chain="${chainId}"]`);
  }
}

function arrowHead(): SVGDefsElement {
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow-head", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 12, markerHeight: 12, markerUnits: "userSpaceOnUse", orient: "auto" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow-head" }));
  defs.append(marker);
  return defs;
}
