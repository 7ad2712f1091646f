import { type Address, encodeFunctionData, formatUnits, type Hex } from "viem";
import { artifact } from "../contracts/artifacts.ts";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import type { FailedLeg, ReasonCode } from "../sequencer/reasons.ts";
import { DEMO_SETUP, type DemoAddresses, type DemoDeployment } from "./deploy.ts";
import {
  DEMO_SCENE_NAMES,
  DEMO_SCENES,
  type DemoSceneName,
  type ExpectedFailure,
  expectedFailureOf,
  narrateScene,
  playScene,
  type SceneNarration,
  type SentScene,
  TRIGGER_GAS,
} from "./scenes.ts";
import { type DemoChain, DemoStepFailedError, sendAndSettle, transactionStatus } from "./target.ts";

/** What the demo watches, on both rollups. Token amounts are decimal strings with 18 decimals. */
export interface DemoBalances {
  a: {
    /** The user's TKA. */
    userTokenA: string;
    /** The user's xUSD (the swap's output goes to SwapAndDeposit and is burnt, never to the user). */
    userBridged: string;
    poolReserveTokenA: string;
    poolReserveBridged: string;
    bridgedTotalSupply: string;
    userNonce: number;
  };
  b: {
    /** Deposits credited to the user in the vault. */
    userVaultBalance: string;
    vaultTotalDeposits: string;
    bridgedTotalSupply: string;
    userNonce: number;
  };
}

/** An included transaction, as the sequencer placed it. */
export interface IncludedTransaction {
  hash: Hex;
  chainId: number;
  globalSeq: number;
  slot: number;
  blockNumber: number;
  /** Gas used, from the receipt (decimal string). */
  gasUsed: string;
}

/** How a scene's trigger ended: included with its relay (the action on B), or dropped with the sequencer's reason. */
export type SceneOutcome =
  | { status: "included"; trigger: IncludedTransaction; relay: IncludedTransaction }
  | {
      status: "dropped";
      trigger: { hash: Hex; chainId: number };
      /** The sequencer's reason: what `xr_getTransactionStatus` answers and what the sender's error says. */
      reason: string;
      reasonCode: ReasonCode;
      /** Which leg reverted, where, with its revert data. */
      failedLeg?: FailedLeg;
    };

/** One scene: what the user asked for, the state before and after, and what the sequencer did. */
export interface DemoScene {
  name: DemoSceneName;
  title: string;
  /** What the user does, and what should happen and why. */
  narration: SceneNarration;
  /** `null` for the scene that should go through. */
  expectedFailure: ExpectedFailure | null;
  /** The arguments of swapAndDeposit (amounts as decimal strings with 18 decimals), and the pool's quote. */
  request: SentScene["request"];
  before: DemoBalances;
  after: DemoBalances;
  outcome: SceneOutcome;
}

/** The gas figures the issue asks for (decimal strings), and how the overhead was measured. */
export interface DemoGas {
  /** Gas used by the success scene's trigger (swapAndDeposit on A). */
  trigger: string;
  /** Gas used by its relay (the action on B: relayMint and the deposit). */
  relay: string;
  /** The messenger's own cost of relaying one message: signature check, replay protection, rolling hash, event. */
  verificationOverheadPerMessage: string;
  /** The measurement behind the overhead: an empty message to an account without code, relayed on B. */
  probe: {
    /** sendMessage(B, target, "0x") sent by the user on A. */
    trigger: IncludedTransaction;
    relay: IncludedTransaction;
    /** The EOA the message was sent to. */
    target: Address;
    /** 21,000 + 16 per non-zero and 4 per zero byte of the relay's calldata. */
    intrinsicGas: string;
    calldataBytes: number;
  };
}

/** The whole demo as plain data (JSON-serialisable): who, where, each scene, and the gas figures. */
export interface DemoReport {
  /** The amounts the demo starts from (decimal strings with 18 decimals). */
  setup: { poolLiquidity: string; userTokenA: string; vaultCap: string };
  rollups: { a: { name: string; chainId: number }; b: { name: string; chainId: number } };
  accounts: { user: Address; deployer: Address };
  contracts: DemoAddresses;
  scenes: DemoScene[];
  /** Absent when the success scene was not among the scenes run. */
  gas?: DemoGas;
}

const format = (amount: bigint) => formatUnits(amount, 18);

/** Options of {@link runDemo}. */
export interface RunDemoOptions {
  /** The scenes to run, in this order (default: all four). */
  scenes?: readonly DemoSceneName[];
  /** Narration for students: no "globalSeq", "slot" or "revert protection". */
  plain?: boolean;
  /** Called before each scene runs; the demo waits for it (`--step` waits for Enter). */
  beforeScene?: (scene: { index: number; count: number; name: DemoSceneName; title: string }) => Promise<void>;
  /** Called with each scene as soon as it has run, to print it at once. */
  onScene?: (scene: DemoScene, index: number, count: number) => void;
}

/** The demo's set-up as the report states it: what it starts from, where, and who. */
export function demoSetupOf({ a, b, addresses, user, deployer }: DemoDeployment): Pick<DemoReport, "setup" | "rollups" | "accounts" | "contracts"> {
  return {
    setup: {
      poolLiquidity: format(DEMO_SETUP.liquidity),
      userTokenA: format(DEMO_SETUP.userTokenA),
      vaultCap: format(DEMO_SETUP.vaultCap),
    },
    rollups: { a: { name: a.name, chainId: a.chainId }, b: { name: b.name, chainId: b.chainId } },
    accounts: { user: user.address, deployer: deployer.address },
    contracts: addresses,
  };
}

/**
 * Runs the demo's scenes on a loaded demo, each a swapAndDeposit from the
 * user on A that deposits on B, with the balances on both rollups before
 * and after, and, when the success scene ran, measures the gas of a
 * trigger, of its relay, and of the messenger's verification per message.
 * Everything goes through the deployment's providers, so it runs on an
 * in-process devnet and over HTTP alike. Returns everything as plain data.
 *
 * @throws {DemoStepFailedError} when the set-up or a measurement fails, or a scene's trigger is not even accepted.
 *
 * @example
 * ```ts
 * const devnet = await startDevnet({ rollups: 2 });
 * const report = await runDemo(await deployDemo(devnet));
 * console.log(report.scenes.map((scene) => scene.outcome.status)); // ["included", "dropped", "dropped", "dropped"]
 * await devnet.stop();
 * ```
 */
export async function runDemo(deployment: DemoDeployment, options: RunDemoOptions = {}): Promise<DemoReport> {
  const { a } = deployment;
  const names = options.scenes ?? DEMO_SCENE_NAMES;
  const scenes: DemoScene[] = [];
  for (const [index, name] of names.entries()) {
    const { title } = DEMO_SCENES.find((scene) => scene.name === name)!;
    await options.beforeScene?.({ index, count: names.length, name, title });
    let before: DemoBalances | undefined;
    const sent = await playScene(deployment, name, async () => void (before = await readBalances(deployment)));
    const { status } = sent;
    const outcome: SceneOutcome =
      status.status === "included"
        ? { status: "included", trigger: await included(a, sent.hash), relay: await relayOf(deployment, sent.hash) }
        : {
            status: "dropped",
            trigger: { hash: sent.hash, chainId: a.chainId },
            reason: status.reason ?? "no reason given",
            reasonCode: status.reasonCode ?? "reverted",
            ...(status.failedLeg === undefined ? {} : { failedLeg: status.failedLeg }),
          };
    const scene: DemoScene = {
      name,
      ...narrateScene(name, sent, options.plain ?? false),
      expectedFailure: expectedFailureOf(name, deployment),
      request: sent.request,
      before: before!,
      after: await readBalances(deployment),
      outcome,
    };
    scenes.push(scene);
    options.onScene?.(scene, index, names.length);
  }
  const success = scenes.find((scene) => scene.name === "success")?.outcome;
  if (success !== undefined && success.status !== "included") {
    throw new DemoStepFailedError({ step: "measure the gas of a trigger", reason: "the success scene was not included" });
  }
  return {
    ...demoSetupOf(deployment),
    scenes,
    ...(success === undefined
      ? {}
      : { gas: { trigger: success.trigger.gasUsed, relay: success.relay.gasUsed, ...(await measureVerificationOverhead(deployment)) } }),
  };
}

/**
 * The messenger's own cost of relaying a message: the user sends an empty
 * message to an account without code, so the action itself costs nothing
 * beyond the call, and the relay's gas minus its calldata's intrinsic gas is
 * what the messenger spends verifying and recording it.
 */
async function measureVerificationOverhead(deployment: DemoDeployment): Promise<Pick<DemoGas, "verificationOverheadPerMessage" | "probe">> {
  const { a, b, user } = deployment;
  const target = user.address;
  const data = encodeFunctionData({
    abi: artifact("L2ToL2CrossDomainMessenger").abi,
    functionName: "sendMessage",
    args: [BigInt(b.chainId), target, "0x"],
  });
  const { hash, status } = await sendAndSettle(a, user, { to: MESSENGER_ADDRESS, data, gas: TRIGGER_GAS });
  if (status.status !== "included") {
    throw new DemoStepFailedError({ step: "send an empty message to measure the verification overhead", reason: status.reason ?? "it was dropped" });
  }
  const relay = await relayOf(deployment, hash);
  const { input } = await b.publicClient.getTransaction({ hash: relay.hash });
  const intrinsicGas = intrinsicGasOf(input);
  return {
    verificationOverheadPerMessage: (BigInt(relay.gasUsed) - intrinsicGas).toString(),
    probe: { trigger: await included(a, hash), relay, target, intrinsicGas: intrinsicGas.toString(), calldataBytes: (input.length - 2) / 2 },
  };
}

/** A transaction's intrinsic gas without access list or creation: 21,000 plus 16 per non-zero and 4 per zero calldata byte. */
export function intrinsicGasOf(calldata: Hex): bigint {
  let gas = 21_000n;
  for (let index = 2; index < calldata.length; index += 2) gas += calldata.slice(index, index + 2) === "00" ? 4n : 16n;
  return gas;
}

/** The sequencer's placement of an included transaction (`xr_getTransactionStatus`), with its receipt's gas. */
async function included(rollup: DemoChain, hash: Hex): Promise<IncludedTransaction> {
  const status = await transactionStatus(rollup, hash);
  if (status?.status !== "included") {
    throw new DemoStepFailedError({ step: `find transaction ${hash}`, reason: `its status is ${status?.status ?? "unknown"}` });
  }
  const receipt = await rollup.publicClient.getTransactionReceipt({ hash });
  return {
    hash,
    chainId: rollup.chainId,
    globalSeq: status.globalSeq!,
    slot: status.slot!,
    blockNumber: status.blockNumber!,
    gasUsed: receipt.gasUsed.toString(),
  };
}

/** The relay on B of the one message a trigger on A sent, as the trigger's status lists it. */
async function relayOf({ a, b }: DemoDeployment, trigger: Hex): Promise<IncludedTransaction> {
  const relay = (await transactionStatus(a, trigger))?.relays?.find((candidate) => candidate.chainId === b.chainId);
  if (relay === undefined) throw new DemoStepFailedError({ step: "find the relay on B", reason: `${trigger} has none` });
  return included(b, relay.hash);
}

/** Reads everything the demo watches, on both rollups. */
async function readBalances({ a, b, user, read }: DemoDeployment): Promise<DemoBalances> {
  const [userTokenA, userBridged, reserves, supplyA, nonceA, userVault, vaultTotal, supplyB, nonceB] = await Promise.all([
    read.tokenABalance(user.address),
    read.bridgedBalance("a", user.address),
    read.reserves(),
    read.bridgedTotalSupply("a"),
    a.publicClient.getTransactionCount({ address: user.address }),
    read.vaultBalance(user.address),
    read.vaultTotalDeposits(),
    read.bridgedTotalSupply("b"),
    b.publicClient.getTransactionCount({ address: user.address }),
  ]);
  return {
    a: {
      userTokenA: format(userTokenA),
      userBridged: format(userBridged),
      poolReserveTokenA: format(reserves.tokenA),
      poolReserveBridged: format(reserves.bridged),
      bridgedTotalSupply: format(supplyA),
      userNonce: nonceA,
    },
    b: {
      userVaultBalance: format(userVault),
      vaultTotalDeposits: format(vaultTotal),
      bridgedTotalSupply: format(supplyB),
      userNonce: nonceB,
    },
  };
}
