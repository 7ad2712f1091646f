import { explainReason } from "../../demo/explain.ts";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import type { JsonRpcHandler } from "../../rollups/rpc-server.ts";
import type { SharedSequencer } from "../../sequencer/sequencer.ts";
import type { Devnet, DevnetChain } from "../devnet.ts";
import type { DevnetViewSource } from "./model.ts";
import type { ReasonExplainer } from "./slot-view.ts";
import { uiUrl } from "./static.ts";
import type { ChainView, DevnetInfo } from "./types.ts";

/** What {@link withClassroomMethods} drives. */
export interface ClassroomParameters {
  /** The devnet, once it is running (the L1 endpoint serves before the devnet object exists). */
  devnet: () => Devnet | undefined;
}

/** Thrown by the classroom methods while the devnet is still starting. */
export class DevnetStartingError extends XrollupError {
  override name = "DevnetStartingError";
  constructor({ method }: { method: string }) {
    super(`${method}: the devnet is still starting; try again once its banner is printed.`, { code: JSON_RPC_ERROR_CODES.resourceUnavailable });
  }
}

/**
 * The L1 endpoint's classroom methods in front of `handle`:
 * `xr_getDevnetInfo` (with the demo's scenes), `xr_loadDemo`, `xr_runScene(name)` (the demo's
 * `UnknownSceneError`, -32602, lists the scenes) and, in slot mode,
 * `xr_pause`, `xr_resume` and `xr_step` (which answers the slot it
 * produced, or `null` when the sequencer is down and the slot was missed).
 */
export function withClassroomMethods(handle: JsonRpcHandler, { devnet: getDevnet }: ClassroomParameters): JsonRpcHandler {
  return async (request) => {
    const { method, params } = request;
    if (!CLASSROOM_METHODS.has(method)) return handle(request);
    const devnet = getDevnet();
    if (devnet === undefined) throw new DevnetStartingError({ method });
    switch (method) {
      case "xr_getDevnetInfo": {
        const { DEMO_SCENES } = await loadDemoModule();
        return { ...devnetInfo(devnet), scenes: DEMO_SCENES.map(({ name, title, expected }) => ({ name, title, expected })) } satisfies DevnetInfo;
      }
      case "xr_pause":
        devnet.sequencer.pause();
        return true;
      case "xr_resume":
        devnet.sequencer.resume();
        return true;
      case "xr_step":
        return (await devnet.sequencer.step())?.slot ?? null;
      case "xr_loadDemo": {
        const { demoTargetOf, loadDemo } = await loadDemoModule();
        // The addresses only: the deployment also holds the demo accounts' keys and clients.
        return (await loadDemo(demoTargetOf(devnet))).addresses;
      }
      default: {
        const { DEMO_SCENE_NAMES, demoTargetOf, loadDemo, runScene, UnknownSceneError } = await loadDemoModule();
        const [scene] = params;
        // Refused before anything is deployed.
        if (!DEMO_SCENE_NAMES.some((name) => name === scene)) throw new UnknownSceneError({ scene: String(scene) });
        const target = demoTargetOf(devnet);
        // loadDemo finds the deployment when it is there already: a scene's button needs no load first.
        return runScene(target, await loadDemo(target), String(scene));
      }
    }
  };
}

/** The demo, loaded when a button first needs it: the devnet itself never pays for it. */
function loadDemoModule() {
  return import("../../demo/index.ts");
}

const CLASSROOM_METHODS: ReadonlySet<string> = new Set(["xr_getDevnetInfo", "xr_loadDemo", "xr_runScene", "xr_pause", "xr_resume", "xr_step"]);

/** `xr_getDevnetInfo`: the chains, the sequencer's mode and policy, and the page's URL. */
export function devnetInfo(devnet: Devnet): DevnetInfo {
  const { mode } = devnet.config;
  return {
    l1: { chainId: devnet.l1.chainId, rpcUrl: devnet.l1.rpcUrl ?? null },
    rollups: devnet.rollups.map(({ chainId, name, rpcUrl }) => ({ chainId, name, rpcUrl: rpcUrl ?? null })),
    mode: mode.kind,
    // The policy's own name: a module path in the configuration names the file, not the policy.
    policy: devnet.sequencer.policy.name,
    ui: uiUrl(devnet.l1.rpcUrl),
    ...(mode.kind === "slots" ? { slotMs: mode.slotMs } : {}),
  };
}

/**
 * What the view reads from a devnet: its chains and its sequencer now.
 * Until the devnet object exists (the L1 endpoint serves a moment before),
 * the lanes are those of `starting`.
 */
export function devnetViewSource(devnet: () => Devnet | undefined, sequencer: () => SharedSequencer, starting: () => { l1: ChainView; rollups: ChainView[] }): DevnetViewSource {
  const chainView = ({ chainId, name, rpcUrl }: DevnetChain): ChainView => ({ chainId, name, rpcUrl: rpcUrl ?? null });
  return {
    chains: () => {
      const running = devnet();
      return running === undefined ? starting() : { l1: chainView(running.l1), rollups: running.rollups.map(chainView) };
    },
    status: () => sequencer().status(),
    transactionStatus: (hash) => sequencer().transactionStatus(hash),
  };
}

/**
 * Drop reasons as the page shows them: the demo's errors in plain words
 * with amounts in token units (`explainReason`), its chains named A, B, …
 * in registration order; any other reason in the sequencer's words.
 */
export function classroomReasons(rollupChainIds: () => readonly number[]): ReasonExplainer {
  return (reason) => {
    const chainLabels = Object.fromEntries(rollupChainIds().map((chainId, index) => [chainId, String.fromCharCode(65 + (index % 26))]));
    return explainReason(reason.code, reason.message, reason.failedLeg, { plain: true, chainLabels });
  };
}
