import type { DemoAddresses } from "../../demo/deploy.ts";
import type { DemoSceneInfo, SceneResult } from "../../demo/scenes.ts";
import type { DevnetView } from "../../devnet/view/types.ts";
import type { Fault } from "../../sequencer/faults.ts";
import { h, replaceChildren } from "./dom.ts";
import { shortAddress } from "./format.ts";
import { callRpc } from "./rpc.ts";

/** What the controls read and call: the current view (for mode and chain ids) and the demo's scenes. */
export interface ControlsParameters {
  view: () => DevnetView | null;
  /** The demo's scenes, as `xr_getDevnetInfo` lists them: the page never bundles the demo's code. */
  scenes: readonly DemoSceneInfo[];
  devAccounts: () => readonly string[];
}

/** The classroom controls, and {@link Controls.update} to follow the sequencer's mode. */
export interface Controls {
  element: HTMLElement;
  /** Enables pause and step only in slot mode, and says why when they are off. */
  update: (view: DevnetView) => void;
}

/**
 * The classroom controls: load the demo app, one button per scene (its
 * expectation shown first, then what happened), pause / step / resume in
 * slot mode, and a fault form. Each control answers in an `aria-live`
 * line next to it, errors included, in the devnet's own words.
 */
export function createControls({ view, scenes, devAccounts }: ControlsParameters): Controls {
  const demoResult = h("p", { class: "answer", id: "demo-answer", "aria-live": "polite" });
  const loadDemo = h("button", { type: "button", id: "load-demo" }, "Load demo app");
  loadDemo.addEventListener("click", () =>
    run(loadDemo, demoResult, async () => {
      const addresses = await callRpc<DemoAddresses>("xr_loadDemo");
      return `Demo app loaded: the pool on A at ${shortAddress(addresses.pool)}, the vault on B at ${shortAddress(addresses.vault)}.`;
    }),
  );

  const sceneItems = scenes.map((scene) => {
    const outcome = h("p", { class: "answer outcome", "data-scene-outcome": scene.name, "aria-live": "polite" });
    const button = h("button", { type: "button", "data-scene": scene.name }, `Run: ${scene.title}`);
    button.addEventListener("click", () =>
      run(button, outcome, async () => {
        const result = await callRpc<SceneResult>("xr_runScene", [scene.name]);
        outcome.dataset["outcome"] = result.outcome;
        outcome.dataset["transaction"] = result.transactionHash;
        return sceneOutcomeText(result);
      }),
    );
    return h("li", { class: "scene" }, button, h("p", { class: "expected" }, h("strong", {}, "Expected: "), scene.expected), outcome);
  });

  const slotAnswer = h("p", { class: "answer", id: "slot-answer", "aria-live": "polite" });
  const slotHint = h("p", { class: "hint", id: "slot-hint" });
  const pause = h("button", { type: "button", id: "pause", "aria-describedby": "slot-hint" }, "Pause");
  const step = h("button", { type: "button", id: "step", "aria-describedby": "slot-hint" }, "Step one slot");
  const resume = h("button", { type: "button", id: "resume", "aria-describedby": "slot-hint" }, "Resume");
  pause.addEventListener("click", () => run(pause, slotAnswer, async () => (await callRpc("xr_pause"), "Paused: no slot is produced until you step or resume.")));
  step.addEventListener("click", () =>
    run(step, slotAnswer, async () => {
      const slot = await callRpc<number | null>("xr_step");
      return slot === null ? "No slot: the sequencer is down (see its faults)." : `Produced slot ${slot}.`;
    }),
  );
  resume.addEventListener("click", () => run(resume, slotAnswer, async () => (await callRpc("xr_resume"), "Resumed: slots follow the timer again.")));

  const faultKind = h("select", { id: "fault-kind" }, ...FAULT_KINDS.map((kind) => h("option", { value: kind }, kind)));
  const faultJson = h("textarea", { id: "fault-json", rows: 3, spellcheck: false });
  const faultAnswer = h("p", { class: "answer", id: "fault-answer", "aria-live": "polite" });
  const fillTemplate = () => {
    const current = view();
    faultJson.value = JSON.stringify(faultTemplate(faultKind.value as Fault["kind"], current?.rollups.map((rollup) => rollup.chainId) ?? [], devAccounts()));
  };
  faultKind.addEventListener("change", fillTemplate);
  const inject = h("button", { type: "submit", id: "inject-fault" }, "Inject fault");
  const faultForm = h(
    "form",
    { class: "fault-form", "aria-labelledby": "faults-title" },
    h("h3", { id: "faults-title" }, "Faults"),
    h("label", { for: "fault-kind" }, "Kind"),
    faultKind,
    h("label", { for: "fault-json" }, "Fault (JSON; edit the fields)"),
    faultJson,
    inject,
    faultAnswer,
  );
  faultForm.addEventListener("submit", (event) => {
    event.preventDefault();
    run(inject, faultAnswer, async () => {
      const id = await callRpc<string>("xr_injectFault", [JSON.parse(faultJson.value) as unknown]);
      return `Injected ${id}; clear it in the sequencer panel.`;
    });
  });

  const element = h(
    "section",
    { class: "panel controls", "aria-labelledby": "controls-title" },
    h("h2", { id: "controls-title" }, "Classroom controls"),
    h("div", { class: "demo" }, loadDemo, demoResult),
    h("h3", {}, "Scenes"),
    sceneItems.length === 0 ? h("p", { class: "hint" }, "This devnet lists no demo scenes (xr_getDevnetInfo has no scenes).") : h("ol", { class: "scenes" }, ...sceneItems),
    h("h3", {}, "Slots"),
    h("div", { class: "row" }, pause, step, resume),
    slotHint,
    slotAnswer,
    faultForm,
  );

  return {
    element,
    update: (current) => {
      const slotMode = current.status.mode === "slots";
      for (const button of [pause, step, resume]) button.disabled = !slotMode;
      pause.disabled ||= current.status.paused;
      resume.disabled ||= !current.status.paused;
      replaceChildren(
        slotHint,
        slotMode
          ? current.status.paused
            ? "Paused. Step produces exactly one slot."
            : "Slots follow the timer. Pause to go one slot at a time."
          : "Pause and step need slot mode: start the devnet with --slot-ms (e.g. npm start -- --slot-ms 2000).",
      );
      if (faultJson.value === "") fillTemplate();
    },
  };
}

/** The words a scene's button shows once it ran. */
export function sceneOutcomeText(result: SceneResult): string {
  const chains = result.chains.join(" and ");
  const verdict = result.asExpected ? "As expected." : "Not what the scene expected.";
  if (result.outcome === "included") return `Included${result.globalSeq === undefined ? "" : ` as #${result.globalSeq}`} on chains ${chains}. ${verdict}`;
  const reason = result.reason ?? result.reasonCode ?? "no reason given";
  return `Dropped on chains ${chains}: ${reason}${/[.!?]$/.test(reason) ? "" : "."} ${verdict}`;
}

/** Runs a control's call: the button is busy meanwhile, and the answer (or the error) goes into its line. */
function run(button: HTMLButtonElement, answer: HTMLElement, call: () => Promise<string>): void {
  button.disabled = true;
  answer.classList.remove("error");
  replaceChildren(answer, "Working…");
  call()
    .then((text) => replaceChildren(answer, text))
    .catch((error: unknown) => {
      answer.classList.add("error");
      replaceChildren(answer, error instanceof Error ? error.message : String(error));
    })
    .finally(() => {
      button.disabled = false;
    });
}

const FAULT_KINDS = ["crash", "fail-l1-post", "delay-batches", "censor", "withhold-relay", "engine-error", "equivocate"] as const satisfies readonly Fault["kind"][];

/** A fault of `kind` with sensible fields for this devnet, for the reader to edit before injecting it. */
export function faultTemplate(kind: Fault["kind"], rollups: readonly number[], devAccounts: readonly string[]): Fault {
  const rollup = rollups.at(-1) ?? 901;
  switch (kind) {
    case "crash":
      return { kind, forSlots: 3 };
    case "fail-l1-post":
      return { kind, count: 2 };
    case "delay-batches":
      return { kind, ms: 3000 };
    case "censor":
      // Development account 1: a sender the class can watch being held back. "0x" when unknown, for the reader to fill in.
      return { kind, address: (devAccounts[1] ?? "0x") as `0x${string}` };
    case "withhold-relay":
      return { kind, chainId: rollup };
    case "engine-error":
      return { kind, chainId: rollup, step: "mine" };
    case "equivocate":
      return { kind, node: 1 };
  }
}
