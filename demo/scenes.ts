import { encodeFunctionData, formatUnits, type Hex, parseUnits } from "viem";
import { artifact } from "../contracts/artifacts.ts";
import { XrollupError } from "../errors/base.ts";
import type { TransactionStatus } from "../sequencer/records.ts";
import type { ReasonCode } from "../sequencer/reasons.ts";
import { DEMO_SETUP, type DemoDeployment } from "./deploy.ts";
import { explainReason, tokenUnits } from "./explain.ts";
import { type DemoTarget, sendAndSettle, sendIncluded } from "./target.ts";

/** The demo's scenes, in the order they run. */
export const DEMO_SCENE_NAMES = ["success", "vault-cap-exceeded", "slippage", "action-out-of-gas"] as const;

/** One of the demo's scenes. */
export type DemoSceneName = (typeof DEMO_SCENE_NAMES)[number];

/** The error a failing scene is built to hit, and the rollup it is raised on. */
export interface ExpectedFailure {
  error: "DepositCapExceeded" | "InsufficientOutput" | "ActionOutOfGas";
  chainId: number;
}

/** What a scene's narration is built from: amounts already in token units. */
export interface SceneFacts {
  amountIn: string;
  quote: string;
  minOut: string;
  remainingCap: string;
  /** Rollup B's chain id. */
  b: number;
}

/** What the user does in a scene, and what should happen and why. */
export interface SceneNarration {
  action: string;
  expectation: string;
}

const tokens = (amount: string) => parseUnits(amount, 18);

/** Gas of each trigger transaction: ample, so that a scene fails only for the reason it stages. */
export const TRIGGER_GAS = 1_000_000n;
/** Gas for relayMint plus the deposit on B: about 100,000 are needed. */
const ACTION_GAS = 300_000n;
/** Too little for relayMint plus the deposit: the action runs out of gas. */
const STARVED_ACTION_GAS = 30_000n;
const starved = STARVED_ACTION_GAS.toLocaleString("en-US");

/** What each scene asks for, and the state of the vault it needs. */
interface SceneScript {
  name: DemoSceneName;
  title: string;
  /** What should happen, in words without numbers: the page shows it before the scene runs. */
  expected: string;
  amountIn: bigint;
  minOut: (quote: bigint) => bigint;
  actionGasLimit: bigint;
  expectedFailure: ExpectedFailure["error"] | null;
  /** `fits`: the deposit must fit under the vault's cap; `overflows`: it must not; `any`: the scene fails before the vault. */
  vault: "fits" | "overflows" | "any";
  narrate: (facts: SceneFacts, plain: boolean) => SceneNarration;
}

const SCENES: readonly SceneScript[] = [
  {
    name: "success",
    title: "Swap on A, deposit on B: everything fits",
    expected: "Both chains change together: the swap on A and the deposit into the vault on B.",
    amountIn: tokens("1000"),
    minOut: (quote) => (quote * 99n) / 100n,
    actionGasLimit: ACTION_GAS,
    expectedFailure: null,
    vault: "fits",
    narrate: ({ amountIn, quote, minOut, remainingCap, b }, plain) =>
      plain
        ? {
            action:
              `The user swaps ${amountIn} TKA for xUSD on chain A (the pool offers ${quote}; they accept no less than ` +
              `${minOut}) and has the xUSD put into the vault on chain B.`,
            expectation:
              `The vault still has room for ${remainingCap}, so both steps happen together: the TKA goes into the pool ` +
              "on A, and the xUSD leaves A and arrives in the vault on B.",
          }
        : {
            action:
              `The user swaps ${amountIn} TKA for xUSD on A (the pool quotes ${quote}; they accept no less than ${minOut}) ` +
              `and has the xUSD deposited into the vault on B (chain ${b}).`,
            expectation:
              `The deposit fits under the vault's remaining cap of ${remainingCap}, so the trigger on A and its action on B ` +
              "are both included, back to back: TKA goes into the pool, xUSD leaves A (burnt) and arrives on B (minted), " +
              "straight into the vault.",
          },
  },
  {
    name: "vault-cap-exceeded",
    title: "The vault on B is full",
    expected: "Dropped: the vault on B is full, so the swap on A is undone too and nothing changes on either chain.",
    amountIn: tokens("5000"),
    minOut: (quote) => (quote * 99n) / 100n,
    actionGasLimit: ACTION_GAS,
    expectedFailure: "DepositCapExceeded",
    vault: "overflows",
    narrate: ({ amountIn, quote, remainingCap, b }, plain) =>
      plain
        ? {
            action: `The user swaps ${amountIn} TKA on chain A, which would give ${quote} xUSD to put into the vault on chain B.`,
            expectation:
              `The vault has room for only ${remainingCap} more, so the deposit on B fails. All-or-nothing: the swap on A ` +
              "is undone too, and nothing changes anywhere, not even the user's transaction count.",
          }
        : {
            action: `The user swaps ${amountIn} TKA on A, which would give ${quote} xUSD to deposit on B (chain ${b}).`,
            expectation:
              `The vault has room for only ${remainingCap} more, so the deposit reverts on B with DepositCapExceeded. ` +
              "The swap on A already ran, but the sequencer rolls back both rollups and drops the trigger: nothing moves " +
              "anywhere, not even the user's nonce.",
          },
  },
  {
    name: "slippage",
    title: "The price is worse than the user accepts",
    expected: "Dropped: the pool on A pays less than the user accepts, so nothing changes on either chain.",
    amountIn: tokens("1000"),
    minOut: (quote) => (quote * 101n) / 100n,
    actionGasLimit: ACTION_GAS,
    expectedFailure: "InsufficientOutput",
    vault: "any",
    narrate: ({ amountIn, quote, minOut }, plain) =>
      plain
        ? {
            action: `The user swaps ${amountIn} TKA on chain A but insists on at least ${minOut} xUSD, 1% more than the pool offers (${quote}).`,
            expectation:
              "The pool on A refuses, so nothing is ever sent to B. All-or-nothing: the sequencer leaves the whole " +
              "transaction out instead of recording a failure, so the user pays nothing.",
          }
        : {
            action: `The user swaps ${amountIn} TKA on A but insists on at least ${minOut} xUSD, 1% more than the pool's quote of ${quote}.`,
            expectation:
              "The pool reverts on A with InsufficientOutput, so no message is ever sent. Revert protection drops the " +
              "trigger instead of including it reverted: the user pays no gas and their nonce does not move.",
          },
  },
  {
    name: "action-out-of-gas",
    title: "The action on B gets too little gas",
    expected: "Dropped: the deposit on B runs out of gas, so the swap on A is undone too and nothing changes on either chain.",
    amountIn: tokens("1000"),
    minOut: (quote) => (quote * 99n) / 100n,
    actionGasLimit: STARVED_ACTION_GAS,
    expectedFailure: "ActionOutOfGas",
    vault: "any",
    narrate: ({ amountIn, b }, plain) =>
      plain
        ? {
            action: `The user swaps ${amountIn} TKA on chain A as in the first scene, but gives the step on chain B only ${starved} gas.`,
            expectation:
              "Minting xUSD and depositing it need far more, so the step on B runs out of gas. All-or-nothing: the swap " +
              "on A is undone too and nothing changes.",
          }
        : {
            action: `The user swaps ${amountIn} TKA on A as in the first scene, but gives the action on B (chain ${b}) only ${starved} gas.`,
            expectation:
              "Minting xUSD and depositing it need far more, so the action runs out of gas and the messenger reverts with " +
              "ActionOutOfGas. As with the full vault, the sequencer rolls back A too and drops the trigger.",
          },
  },
];

/** A scene as a button shows it before it runs. */
export interface DemoSceneInfo {
  name: DemoSceneName;
  title: string;
  /** What should happen, in plain words. */
  expected: string;
}

/** The demo's scenes in order, with what each expects. */
export const DEMO_SCENES: readonly DemoSceneInfo[] = SCENES.map(({ name, title, expected }) => ({ name, title, expected }));

/** Thrown for a scene name the demo does not have. */
export class UnknownSceneError extends XrollupError {
  override name = "UnknownSceneError";
  constructor({ scene }: { scene: string }) {
    super(`The demo has no scene "${scene}"; its scenes are ${DEMO_SCENE_NAMES.join(", ")}.`, {
      code: -32602,
      data: { scene, scenes: DEMO_SCENE_NAMES },
    });
  }
}

/**
 * A scene's name, checked.
 *
 * @throws {UnknownSceneError} listing the names when it is not one.
 */
export function sceneName(name: string): DemoSceneName {
  const found = DEMO_SCENE_NAMES.find((candidate) => candidate === name);
  if (found === undefined) throw new UnknownSceneError({ scene: name });
  return found;
}

function scriptOf(name: DemoSceneName): SceneScript {
  return SCENES.find((script) => script.name === name)!;
}

/** The failure a scene stages on this deployment, or `null` for the one that goes through. */
export function expectedFailureOf(name: DemoSceneName, { a, b }: Pick<DemoDeployment, "a" | "b">): ExpectedFailure | null {
  const { expectedFailure } = scriptOf(name);
  if (expectedFailure === null) return null;
  return { error: expectedFailure, chainId: expectedFailure === "InsufficientOutput" ? a.chainId : b.chainId };
}

/**
 * Whether a scene went as staged: included when it should go through, or
 * dropped with the staged error on the staged rollup (as the sequencer's
 * words name them). Pure.
 */
export function wentAsStaged(expected: ExpectedFailure | null, outcome: { status: "included" | "dropped"; reason?: string }): boolean {
  if (expected === null) return outcome.status === "included";
  if (outcome.status !== "dropped" || outcome.reason === undefined) return false;
  return outcome.reason.includes(expected.error) && outcome.reason.includes(`rollup ${expected.chainId}`);
}

/**
 * Puts the demo in the state a scene needs, so that scenes can run again and
 * again: tops the user's TKA up from the deployer, and moves the vault's cap
 * so that the deposit fits (or, for the full vault, does not). Changes
 * nothing when the state is already right, as on a fresh deployment.
 */
async function prepareScene(deployment: DemoDeployment, script: SceneScript): Promise<void> {
  const { a, b, deployer, user, addresses, read } = deployment;
  if ((await read.tokenABalance(user.address)) < script.amountIn) {
    const data = encodeFunctionData({ abi: artifact("DemoToken").abi, functionName: "transfer", args: [user.address, DEMO_SETUP.userTokenA] });
    await sendIncluded(a, deployer, { to: addresses.tokenA, data }, "top up the user's TKA");
  }
  if (script.vault === "any") return;
  const [quote, cap, total] = await Promise.all([read.quote(script.amountIn), read.vaultCap(), read.vaultTotalDeposits()]);
  const room = cap > total ? cap - total : 0n;
  if (script.vault === "fits" ? room >= quote : room < quote) return;
  // Whole thousands read well in a room: the largest that the deposit overflows, or a whole new cap's worth of room.
  const thousand = tokens("1000");
  const newCap = script.vault === "fits" ? total + DEMO_SETUP.vaultCap : ((total + quote - 1n) / thousand) * thousand;
  const data = encodeFunctionData({ abi: artifact("Vault").abi, functionName: "setCap", args: [newCap] });
  await sendIncluded(b, deployer, { to: addresses.vault, data }, "set the vault's cap");
}

/** A scene's trigger, sent and settled: what it asked for, the facts its narration needs, and the sequencer's outcome. */
export interface SentScene {
  /** The arguments of swapAndDeposit (amounts as decimal strings with 18 decimals), and the pool's quote. */
  request: { amountIn: string; quote: string; minOut: string; actionGasLimit: string; destination: number };
  /** Room left in the vault before the scene. */
  remainingCap: bigint;
  hash: Hex;
  status: TransactionStatus;
}

/**
 * Prepares a scene ({@link prepareScene}), then `beforeTrigger` (the report
 * reads the balances there), then sends the user's one swapAndDeposit on A
 * and waits for the sequencer's outcome.
 */
export async function playScene(
  deployment: DemoDeployment,
  name: DemoSceneName,
  beforeTrigger: () => Promise<void> = async () => {},
): Promise<SentScene> {
  const script = scriptOf(name);
  const { a, b, addresses, user, read } = deployment;
  await prepareScene(deployment, script);
  await beforeTrigger();
  const quote = await read.quote(script.amountIn);
  const minOut = script.minOut(quote);
  const remainingCap = (await read.vaultCap()) - (await read.vaultTotalDeposits());
  const data = encodeFunctionData({
    abi: artifact("SwapAndDeposit").abi,
    functionName: "swapAndDeposit",
    args: [script.amountIn, minOut, BigInt(b.chainId), script.actionGasLimit],
  });
  const { hash, status } = await sendAndSettle(a, user, { to: addresses.swapAndDeposit, data, gas: TRIGGER_GAS });
  const format = (amount: bigint) => formatUnits(amount, 18);
  return {
    request: {
      amountIn: format(script.amountIn),
      quote: format(quote),
      minOut: format(minOut),
      actionGasLimit: script.actionGasLimit.toString(),
      destination: b.chainId,
    },
    remainingCap,
    hash,
    status,
  };
}

/** A scene's title and narration, from what it sent. */
export function narrateScene(name: DemoSceneName, sent: SentScene, plain: boolean): { title: string; narration: SceneNarration } {
  const script = scriptOf(name);
  const units = (amount: string) => tokenUnits(tokens(amount), "").trimEnd();
  return {
    title: script.title,
    narration: script.narrate(
      {
        amountIn: units(sent.request.amountIn),
        quote: units(sent.request.quote),
        minOut: units(sent.request.minOut),
        remainingCap: units(formatUnits(sent.remainingCap, 18)),
        b: sent.request.destination,
      },
      plain,
    ),
  };
}

/** What a scene did: the agreed answer of `xr_runScene`. */
export interface SceneResult {
  name: DemoSceneName;
  title: string;
  /** What should happen, in plain words (the same as in {@link DEMO_SCENES}). */
  expected: string;
  outcome: "included" | "dropped";
  /** Why it was dropped, in sentences with amounts in token units ({@link explainReason}). */
  reason?: string;
  reasonCode?: ReasonCode;
  /** The sequencer's own words for the drop. */
  rawReason?: string;
  /** The user's transaction on A (the trigger). */
  transactionHash: Hex;
  /** The trigger's global sequence number, when included. */
  globalSeq?: number;
  /** The rollups it touched: A, and B when its action ran or failed there. */
  chains: number[];
  /** Whether it went as staged. */
  asExpected: boolean;
}

/**
 * Runs one scene on a loaded demo: sets up what it needs, sends the user's
 * one transaction, waits for its outcome and says what happened, in plain
 * words when `plain` (default: technical words, amounts in token units).
 * Scenes can be run again and again, in any order.
 *
 * @throws {UnknownSceneError} for a name not in {@link DEMO_SCENE_NAMES}.
 *
 * @example
 * ```ts
 * const target = await demoTargetFromRpc("http://127.0.0.1:8545");
 * const result = await runScene(target, await loadDemo(target), "vault-cap-exceeded");
 * console.log(result.outcome, result.reason); // "dropped" "the action on rollup 902 reverted: DepositCapExceeded — …"
 * ```
 */
export async function runScene(
  target: DemoTarget,
  deployment: DemoDeployment,
  name: string,
  { plain = false }: { plain?: boolean } = {},
): Promise<SceneResult> {
  const scene = sceneName(name);
  const info = DEMO_SCENES.find((candidate) => candidate.name === scene)!;
  const { hash, status } = await playScene(deployment, scene);
  const { a, b } = deployment;
  const touched = new Set([a.chainId, ...(status.relays ?? []).map((relay) => relay.chainId)]);
  if (status.failedLeg !== undefined) touched.add(status.failedLeg.chainId);
  const order = target.rollups.map((rollup) => rollup.chainId);
  const outcome = status.status === "included" ? "included" : "dropped";
  const explained =
    status.reason === undefined
      ? {}
      : {
          reason: explainReason(status.reasonCode, status.reason, status.failedLeg, { plain, chainLabels: { [a.chainId]: "A", [b.chainId]: "B" } }),
          rawReason: status.reason,
        };
  return {
    name: scene,
    title: info.title,
    expected: info.expected,
    outcome,
    ...explained,
    ...(status.reasonCode === undefined ? {} : { reasonCode: status.reasonCode }),
    transactionHash: hash,
    ...(status.globalSeq === null ? {} : { globalSeq: status.globalSeq }),
    chains: [...touched].sort((x, y) => order.indexOf(x) - order.indexOf(y)),
    asExpected: wentAsStaged(expectedFailureOf(scene, deployment), { status: outcome, ...(status.reason === undefined ? {} : { reason: status.reason }) }),
  };
}
