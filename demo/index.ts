/**
 * The demo's public surface, for the CLI and the devnet's control RPC
 * (`xr_loadDemo`, `xr_runScene`): a target (in-process or over HTTP),
 * loading the demo app onto it, running one scene, and the plain wording of
 * drop reasons.
 */
export { DEMO_SETUP, type DemoAddresses, type DemoDeployment, DemoDeployerUsedError, deployDemo, loadDemo } from "./deploy.ts";
export { type ExplainOptions, explainReason, tokenUnits } from "./explain.ts";
export { DEMO_SCENE_NAMES, DEMO_SCENES, type DemoSceneInfo, type DemoSceneName, runScene, type SceneResult, UnknownSceneError } from "./scenes.ts";
export { type DemoTarget, type DemoTargetRollup, DemoTargetError, demoTargetFromRpc, demoTargetOf } from "./target.ts";
