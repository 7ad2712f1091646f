import type { DemoSceneInfo } from "../../demo/scenes.ts";
import type { DevnetEvent, DevnetInfo, DevnetView, SlotView, TxChip } from "../../devnet/view/types.ts";
import { Board } from "./board.ts";
import { type Controls, createControls } from "./controls.ts";
import { h, replaceChildren } from "./dom.ts";
import { connectFeed, type FeedConnection, feedUrlOf } from "./feed.ts";
import { applyEvent } from "./model.ts";
import { renderDetails, renderSequencerPanel } from "./panels.ts";
import { callRpc } from "./rpc.ts";

/** `xr_getDevnetInfo`'s answer, with the demo's scenes when the devnet lists them. */
type DevnetInfoWithScenes = DevnetInfo & { scenes?: readonly DemoSceneInfo[] };

let view: DevnetView | null = null;
let devAccounts: readonly string[] = [];

const board = new Board({
  devAccounts: () => devAccounts,
  onSelect: (chip: TxChip, chainName: string) => {
    renderDetails(details, chip, chainName, devAccounts);
    details.focus();
  },
});
const sequencer = h("section", { class: "panel sequencer", id: "sequencer", "aria-labelledby": "sequencer-title" }, h("h2", { id: "sequencer-title" }, "Sequencer"));
const details = h(
  "section",
  { class: "panel details", id: "details", tabindex: -1, "aria-labelledby": "details-title", "aria-live": "polite" },
  h("h2", { id: "details-title" }, "Details"),
  h("p", { class: "none" }, "Choose a chip (click, or Tab to it and press Enter) to see everything about it."),
);
const panels = h("div", { class: "panels" }, sequencer, details);
const connection = h("span", { class: "connection", id: "connection", role: "status" }, "connecting…");
const announcer = h("p", { class: "visually-hidden", id: "announcer", "aria-live": "polite" });
const presentToggle = h("button", { type: "button", id: "present-toggle", "aria-pressed": "false" }, "Presentation mode");

/** Presentation mode: large type and fewer details, for a projector. `?present=1` opens the page in it. */
function setPresentation(on: boolean): void {
  document.body.classList.toggle("present", on);
  presentToggle.setAttribute("aria-pressed", String(on));
}
presentToggle.addEventListener("click", () => setPresentation(!document.body.classList.contains("present")));
setPresentation(new URLSearchParams(location.search).get("present") === "1");

document.body.append(
  h(
    "header",
    { class: "top" },
    h("h1", {}, "xrollup", h("span", { class: "subtitle" }, " · shared sequencer, live")),
    connection,
    h("span", { class: "legend", "aria-hidden": "true" }, h("span", { class: "chip included" }, "included"), h("span", { class: "chip pending" }, "pending"), h("span", { class: "chip dropped" }, "dropped")),
    presentToggle,
  ),
  h("main", {}, board.element, panels),
  announcer,
);

function render(current: DevnetView, controls: Controls): void {
  board.render(current);
  renderSequencerPanel(sequencer, current, { clearFault });
  controls.update(current);
}

function clearFault(id: string): void {
  callRpc<boolean>("xr_clearFault", [id]).catch((error: unknown) => replaceChildren(announcer, `Could not clear ${id}: ${String(error)}`));
}

/** What screen readers hear when a slot lands: how many transactions it included and dropped. */
function announceSlot(slot: SlotView): void {
  replaceChildren(announcer, `Slot ${slot.slot}: ${slot.chips.length} included, ${slot.dropped.length} dropped.`);
}

function onConnection(state: FeedConnection): void {
  connection.dataset["state"] = state;
  replaceChildren(connection, state === "live" ? "live" : state === "connecting" ? "connecting…" : "reconnecting…");
}

/** Reads who the development accounts are and which scenes the demo has, then follows the live feed. */
async function start(): Promise<void> {
  const [accounts, info] = await Promise.all([callRpc<string[]>("eth_accounts"), callRpc<DevnetInfoWithScenes>("xr_getDevnetInfo")]);
  devAccounts = accounts;
  const controls = createControls({ view: () => view, scenes: info.scenes ?? [], devAccounts: () => devAccounts });
  panels.insertBefore(controls.element, details);
  connectFeed({
    url: feedUrlOf(location),
    onConnection,
    onEvent: (event: DevnetEvent) => {
      if (event.kind === "state") board.clear();
      view = applyEvent(view, event);
      if (event.kind === "slot") announceSlot(event.slot);
      if (view !== null) render(view, controls);
    },
  });
}

start().catch((error: unknown) => {
  replaceChildren(connection, "not connected");
  document.body.prepend(h("p", { class: "alert", role: "alert" }, `The classroom view could not start: ${error instanceof Error ? error.message : String(error)}`));
  throw error;
});
