import type { DevnetView, StatusView, TxChip } from "../../devnet/view/types.ts";
import { h, replaceChildren } from "./dom.ts";
import { globalRange, senderLabel, shortAddress, statusWord } from "./format.ts";

/** What the sequencer panel needs to clear a fault. */
export interface SequencerPanelParameters {
  clearFault: (id: string) => void;
}

/**
 * The sequencer panel: mode, policy, slot, whether the slot timer is paused,
 * health, the last batch, active faults (each with a button that clears it),
 * and the committee's leader and members when there is more than one.
 */
export function renderSequencerPanel(panel: HTMLElement, view: DevnetView, { clearFault }: SequencerPanelParameters): void {
  const status = view.status;
  const members = status.members.length > 1 ? membersList(status) : null;
  replaceChildren(
    panel,
    h("h2", { id: "sequencer-title" }, "Sequencer"),
    h(
      "dl",
      { class: "facts" },
      ...fact("Mode", status.mode === "slots" ? "slot mode" : `${status.mode} mode`),
      ...fact("Policy", status.policy),
      ...fact("Slot", String(status.slot), "status-slot"),
      ...fact("State", `${status.state}${status.paused ? ", paused" : ""}${status.healthy ? "" : ", unhealthy"}`, "status-state"),
      ...fact("Pending", String(status.pendingTransactions)),
      ...fact("Last batch", status.lastBatch === null ? "none yet" : `batch ${status.lastBatch.number} (slots ${status.lastBatch.slots.first}–${status.lastBatch.slots.last})`),
      ...fact("Leader", shortAddress(status.leader), undefined, "minor"),
    ),
    members,
    h("h3", {}, "Active faults"),
    status.activeFaults.length === 0
      ? h("p", { class: "none" }, "none")
      : h(
          "ul",
          { class: "faults" },
          ...status.activeFaults.map((fault) => {
            const { id, ...rest } = fault;
            return h(
              "li",
              { "data-fault": id },
              h("code", {}, `${id}: ${JSON.stringify(rest)}`),
              h("button", { type: "button", class: "small", "aria-label": `Clear fault ${id}`, onclick: () => clearFault(id) }, "Clear"),
            );
          }),
        ),
  );
}

function fact(term: string, value: string, id?: string, className?: string): HTMLElement[] {
  return [h("dt", { class: className }, term), h("dd", { id, class: className }, value)];
}

function membersList(status: StatusView): HTMLElement {
  return h(
    "div",
    {},
    h("h3", {}, `Committee (quorum ${status.quorum} of ${status.members.length})`),
    h(
      "ul",
      { class: "members" },
      ...status.members.map((member, index) =>
        h("li", { class: `member ${member.status}` }, `member ${index} · ${shortAddress(member.address)} · ${member.status}${member.address === status.leader ? " · leader" : ""}`),
      ),
    ),
  );
}

/** The details of a chosen chip, reachable by keyboard: every field, with a dropped unit's reason in full. */
export function renderDetails(panel: HTMLElement, chip: TxChip, chainName: string, devAccounts: readonly string[]): void {
  replaceChildren(
    panel,
    h("h2", { id: "details-title" }, chip.role === "action" ? "Action (relayed message)" : "Transaction"),
    h(
      "dl",
      { class: "facts" },
      ...fact("Status", statusWord(chip.status)),
      ...fact("Chain", chainName),
      ...fact("Global number", chip.globalSeq === undefined ? "none" : globalRange(chip.globalSeq, chip.globalSeq + 1)),
      ...fact("From", `${senderLabel(chip.from, devAccounts)} (${chip.from})`),
      ...fact("To", chip.to ?? "new contract"),
      ...(chip.slot === undefined ? [] : fact("Slot", String(chip.slot))),
      ...(chip.blockNumber === undefined ? [] : fact("Block", String(chip.blockNumber))),
      ...(chip.messageOf === undefined ? [] : fact("Relays the message of", chip.messageOf)),
      ...(chip.reason === undefined ? [] : fact("Reason", chip.reason, "details-reason")),
      ...(chip.reasonCode === undefined ? [] : fact("Reason code", chip.reasonCode)),
      ...(chip.chains === undefined ? [] : fact("Chains touched", chip.chains.join(", "))),
      ...fact("Hash", chip.hash),
    ),
  );
}
