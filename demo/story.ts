import { type Address, encodeFunctionData, formatUnits, type Hex, keccak256, parseEventLogs, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { artifact } from "../contracts/artifacts.ts";
import type { Devnet, DevnetChain } from "../devnet/devnet.ts";
import { XrollupError } from "../errors/base.ts";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import { DEMO_SETUP, type DemoAddresses, type DemoDeployment } from "./deploy.ts";
import { displayTokens } from "./narrate.ts";

/** The demo's scenes, in the order they run. */
export const DEMO_SCENE_NAMES = ["success", "vault-cap-exceeded", "slippage", "action-out-of-gas"] as const;

/** One of the demo's scenes. */
export type DemoSceneName = (typeof DEMO_SCENE_NAMES)[number];

/** The error a failing scene is built to hit, and the rollup it is raised on. */
export interface ExpectedFailure {
  error: "DepositCapExceeded" | "InsufficientOutput" | "ActionOutOfGas";
  chainId: number;
}

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
    };

/** One scene: what the user asked for, the state before and after, and what the sequencer did. */
export interface DemoScene {
  name: DemoSceneName;
  title: string;
  /** What the user does, and what should happen and why. */
  narration: { action: string; expectation: string };
  /** `null` for the scene that should go through. */
  expectedFailure: ExpectedFailure | null;
  /** The arguments of swapAndDeposit (amounts as decimal strings with 18 decimals), and the pool's quote. */
  request: { amountIn: string; quote: string; minOut: string; actionGasLimit: string; destination: number };
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
  gas: DemoGas;
}

/** Thrown when the demo's own set-up or measurements do not go as they must (not for the failures it stages). */
export class DemoStepFailedError extends XrollupError {
  override name = "DemoStepFailedError";
  constructor({ step, reason }: { step: string; reason: string }) {
    super(`The demo could not ${step}: ${reason}.`, { data: { step, reason } });
  }
}

const DECIMALS = 18;
const tokens = (amount: string) => parseUnits(amount, DECIMALS);
const format = (amount: bigint) => formatUnits(amount, DECIMALS);

/** Gas of each trigger transaction: ample, so that a scene fails only for the reason it stages. */
const TRIGGER_GAS = 1_000_000n;
/** Gas for relayMint plus the deposit on B: about 100,000 are needed. */
const ACTION_GAS = 300_000n;
/** Too little for relayMint plus the deposit: the action runs out of gas. */
const STARVED_ACTION_GAS = 30_000n;

/** What each scene asks for; amounts in whole tokens, `minOut` from the quote. */
interface SceneScript {
  name: DemoSceneName;
  title: string;
  amountIn: bigint;
  minOut: (quote: bigint) => bigint;
  actionGasLimit: bigint;
  expectedFailure: ExpectedFailure["error"] | null;
  narrate: (facts: { amountIn: string; quote: string; minOut: string; remainingCap: string; b: number }) => DemoScene["narration"];
}

const SCENES: readonly SceneScript[] = [
  {
    name: "success",
    title: "Swap on A, deposit on B: everything fits",
    amountIn: tokens("1000"),
    minOut: (quote) => (quote * 99n) / 100n,
    actionGasLimit: ACTION_GAS,
    expectedFailure: null,
    narrate: ({ amountIn, quote, minOut, remainingCap, b }) => ({
      action:
        `The user swaps ${amountIn} TKA for xUSD on A (the pool quotes ${quote}; they accept no less than ${minOut}) ` +
        `and has the xUSD deposited into the vault on B (chain ${b}).`,
      expectation:
        `The deposit fits under the vault's remaining cap of ${remainingCap}, so the trigger on A and its action on B ` +
        "are both included, back to back: TKA goes into the pool, xUSD leaves A (burnt) and arrives on B (minted), " +
        "straight into the vault.",
    }),
  },
  {
    name: "vault-cap-exceeded",
    title: "The vault on B is full",
    amountIn: tokens("5000"),
    minOut: (quote) => (quote * 99n) / 100n,
    actionGasLimit: ACTION_GAS,
    expectedFailure: "DepositCapExceeded",
    narrate: ({ amountIn, quote, remainingCap, b }) => ({
      action: `The user swaps ${amountIn} TKA on A, which would give ${quote} xUSD to deposit on B (chain ${b}).`,
      expectation:
        `The vault has room for only ${remainingCap} more, so the deposit reverts on B with DepositCapExceeded. ` +
        "The swap on A already ran, but the sequencer rolls back both rollups and drops the trigger: nothing moves " +
        "anywhere, not even the user's nonce.",
    }),
  },
  {
    name: "slippage",
    title: "The price is worse than the user accepts",
    amountIn: tokens("1000"),
    minOut: (quote) => (quote * 101n) / 100n,
    actionGasLimit: ACTION_GAS,
    expectedFailure: "InsufficientOutput",
    narrate: ({ amountIn, quote, minOut }) => ({
      action: `The user swaps ${amountIn} TKA on A but insists on at least ${minOut} xUSD, 1% more than the pool's quote of ${quote}.`,
      expectation:
        "The pool reverts on A with InsufficientOutput, so no message is ever sent. Revert protection drops the " +
        "trigger instead of including it reverted: the user pays no gas and their nonce does not move.",
    }),
  },
  {
    name: "action-out-of-gas",
    title: "The action on B gets too little gas",
    amountIn: tokens("1000"),
    minOut: (quote) => (quote * 99n) / 100n,
    actionGasLimit: STARVED_ACTION_GAS,
    expectedFailure: "ActionOutOfGas",
    narrate: ({ amountIn, b }) => ({
      action:
        `The user swaps ${amountIn} TKA on A as in the first scene, but gives the action on B (chain ${b}) only ` +
        `${STARVED_ACTION_GAS.toLocaleString("en-US")} gas.`,
      expectation:
        "Minting xUSD and depositing it need far more, so the action runs out of gas and the messenger reverts with " +
        "ActionOutOfGas. As with the full vault, the sequencer rolls back A too and drops the trigger.",
    }),
  },
];

/**
 * Runs the demo's four scenes on a deployed demo, each a swapAndDeposit from
 * the user on A that deposits on B, and measures the gas of a trigger, of its
 * relay, and of the messenger's verification per message.
 *
 * The user's approval of SwapAndDeposit is set up once, before the scenes, so
 * that each scene is one transaction. Returns everything as plain data.
 *
 * @throws {DemoStepFailedError} when the set-up or a measurement fails, or a scene's trigger is not even accepted.
 *
 * @example
 * ```ts
 * const devnet = await startDevnet({ rollups: 2 });
 * const report = await runDemo(devnet, await deployDemo(devnet));
 * console.log(report.scenes.map((scene) => scene.outcome.status)); // ["included", "dropped", "dropped", "dropped"]
 * await devnet.stop();
 * ```
 */
export async function runDemo(devnet: Devnet, deployment: DemoDeployment): Promise<DemoReport> {
  const { a, b, addresses, user } = deployment;
  const swapAndDepositAbi = artifact("SwapAndDeposit").abi;
  const scenes: DemoScene[] = [];
  for (const script of SCENES) {
    const before = await readBalances(deployment);
    const quote = await deployment.read.quote(script.amountIn);
    const minOut = script.minOut(quote);
    const remainingCap = (await deployment.read.vaultCap()) - (await deployment.read.vaultTotalDeposits());
    const data = encodeFunctionData({
      abi: swapAndDepositAbi,
      functionName: "swapAndDeposit",
      args: [script.amountIn, minOut, BigInt(b.chainId), script.actionGasLimit],
    });
    const submitted = await submit(devnet, deployment, a, { to: addresses.swapAndDeposit, data });
    const outcome: SceneOutcome =
      submitted.status === "included"
        ? { status: "included", trigger: submitted.transaction, relay: await relayOf(devnet, deployment, submitted.transaction) }
        : {
            status: "dropped",
            trigger: { hash: submitted.hash, chainId: a.chainId },
            reason: submitted.reason,
          };
    const request = {
      amountIn: format(script.amountIn),
      quote: format(quote),
      minOut: format(minOut),
      actionGasLimit: script.actionGasLimit.toString(),
      destination: b.chainId,
    };
    scenes.push({
      name: script.name,
      title: script.title,
      narration: script.narrate({
        amountIn: displayTokens(script.amountIn, 2),
        quote: displayTokens(quote, 2),
        minOut: displayTokens(minOut, 2),
        remainingCap: displayTokens(remainingCap, 2),
        b: b.chainId,
      }),
      expectedFailure:
        script.expectedFailure === null
          ? null
          : { error: script.expectedFailure, chainId: script.expectedFailure === "InsufficientOutput" ? a.chainId : b.chainId },
      request,
      before,
      after: await readBalances(deployment),
      outcome,
    });
  }

  const success = scenes.find((scene) => scene.name === "success")?.outcome;
  if (success?.status !== "included") {
    throw new DemoStepFailedError({ step: "measure the gas of a trigger", reason: "the success scene was not included" });
  }
  return {
    setup: {
      poolLiquidity: format(DEMO_SETUP.liquidity),
      userTokenA: format(DEMO_SETUP.userTokenA),
      vaultCap: format(DEMO_SETUP.vaultCap),
    },
    rollups: { a: { name: a.name, chainId: a.chainId }, b: { name: b.name, chainId: b.chainId } },
    accounts: { user: user.address, deployer: deployment.deployer.address },
    contracts: addresses,
    scenes,
    gas: {
      trigger: success.trigger.gasUsed,
      relay: success.relay.gasUsed,
      ...(await measureVerificationOverhead(devnet, deployment)),
    },
  };
}

/**
 * The messenger's own cost of relaying a message: the user sends an empty
 * message to an account without code, so the action itself costs nothing
 * beyond the call, and the relay's gas minus its calldata's intrinsic gas is
 * what the messenger spends verifying and recording it.
 */
async function measureVerificationOverhead(
  devnet: Devnet,
  deployment: DemoDeployment,
): Promise<Pick<DemoGas, "verificationOverheadPerMessage" | "probe">> {
  const { a, b, user } = deployment;
  const target = user.address;
  const data = encodeFunctionData({
    abi: artifact("L2ToL2CrossDomainMessenger").abi,
    functionName: "sendMessage",
    args: [BigInt(b.chainId), target, "0x"],
  });
  const submitted = await submit(devnet, deployment, a, { to: MESSENGER_ADDRESS, data });
  if (submitted.status !== "included") {
    throw new DemoStepFailedError({ step: "send an empty message to measure the verification overhead", reason: submitted.reason });
  }
  const relay = await relayOf(devnet, deployment, submitted.transaction);
  const { input } = await b.publicClient.getTransaction({ hash: relay.hash });
  const intrinsicGas = intrinsicGasOf(input);
  return {
    verificationOverheadPerMessage: (BigInt(relay.gasUsed) - intrinsicGas).toString(),
    probe: { trigger: submitted.transaction, relay, target, intrinsicGas: intrinsicGas.toString(), calldataBytes: (input.length - 2) / 2 },
  };
}

/** A transaction's intrinsic gas without access list or creation: 21,000 plus 16 per non-zero and 4 per zero calldata byte. */
export function intrinsicGasOf(calldata: Hex): bigint {
  let gas = 21_000n;
  for (let index = 2; index < calldata.length; index += 2) gas += calldata.slice(index, index + 2) === "00" ? 4n : 16n;
  return gas;
}

type Submitted = { status: "included"; hash: Hex; transaction: IncludedTransaction } | { status: "dropped"; hash: Hex; reason: string };

/**
 * Signs a call from the user with an explicit gas limit (so nothing is
 * estimated, and a call that would revert still reaches the sequencer), sends
 * it through the rollup's endpoint and returns how the sequencer settled it.
 */
async function submit(
  devnet: Devnet,
  deployment: DemoDeployment,
  rollup: DevnetChain,
  call: { to: Address; data: Hex },
): Promise<Submitted> {
  const account = privateKeyToAccount(deployment.user.privateKey);
  const request = await rollup.walletClient.prepareTransactionRequest({ account, ...call, gas: TRIGGER_GAS, chain: rollup.chain });
  const raw = await rollup.walletClient.signTransaction(request);
  const hash = keccak256(raw);
  let refusal: unknown;
  // A dropped transaction comes back as an error; the sequencer's record says why.
  await rollup.walletClient.sendRawTransaction({ serializedTransaction: raw }).catch((error: unknown) => (refusal = error));
  if (devnet.sequencer.transactionStatus(hash) === null) {
    throw new DemoStepFailedError({
      step: `submit a transaction to rollup ${rollup.chainId}`,
      reason: refusal instanceof Error ? refusal.message : String(refusal),
    });
  }
  await devnet.sequencer.waitForOutcome(hash);
  const status = devnet.sequencer.transactionStatus(hash)!;
  if (status.status !== "included") return { status: "dropped", hash, reason: status.reason ?? "no reason given" };
  return { status: "included", hash, transaction: await included(devnet, rollup, hash) };
}

/** The sequencer's placement of an included transaction, with its receipt's gas. */
async function included(devnet: Devnet, rollup: DevnetChain, hash: Hex): Promise<IncludedTransaction> {
  const status = devnet.sequencer.transactionStatus(hash);
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

/** The relay on B of the one message a trigger on A sent, found by the message hash its RelayedMessage event carries. */
async function relayOf(devnet: Devnet, deployment: DemoDeployment, trigger: IncludedTransaction): Promise<IncludedTransaction> {
  const { a, b } = deployment;
  const messengerAbi = artifact("L2ToL2CrossDomainMessenger").abi;
  const receipt = await a.publicClient.getTransactionReceipt({ hash: trigger.hash });
  const fromMessenger = receipt.logs.filter((log) => log.address.toLowerCase() === MESSENGER_ADDRESS.toLowerCase());
  const [sent] = parseEventLogs({ abi: messengerAbi, logs: fromMessenger, eventName: "MessageGasLimit" });
  if (sent === undefined) throw new DemoStepFailedError({ step: "find the message of the trigger", reason: `${trigger.hash} sent none` });
  const [relayed] = await b.publicClient.getContractEvents({
    address: MESSENGER_ADDRESS,
    abi: messengerAbi,
    eventName: "RelayedMessage",
    args: { messageHash: sent.args.messageHash },
    fromBlock: 0n,
  });
  if (relayed === undefined) {
    throw new DemoStepFailedError({ step: "find the relay on B", reason: `message ${sent.args.messageHash} was not relayed` });
  }
  return included(devnet, b, relayed.transactionHash);
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
