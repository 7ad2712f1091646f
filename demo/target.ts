import {
  type Address,
  type EIP1193Provider,
  type Hex,
  http,
  keccak256,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type ChainClients, chainClients } from "../devnet/clients.ts";
import type { Devnet } from "../devnet/devnet.ts";
import type { DevnetInfo } from "../devnet/view/types.ts";
import { XrollupError } from "../errors/base.ts";
import { type DevAccount, devAccounts } from "../rollups/accounts.ts";
import type { TransactionStatus } from "../sequencer/records.ts";

/** One rollup the demo can use: its chain id and an EIP-1193 provider whose writes go through the shared sequencer. */
export interface DemoTargetRollup {
  chainId: number;
  provider: EIP1193Provider;
  /** How the devnet names it (default: `rollup-<chainId>`). */
  name?: string;
  /** Its HTTP endpoint, when it has one. */
  rpcUrl?: string;
}

/**
 * A running devnet as the demo sees it: providers only, so that the same
 * demo runs on an in-process devnet ({@link demoTargetOf}) and over HTTP
 * ({@link demoTargetFromRpc}).
 */
export interface DemoTarget {
  l1: EIP1193Provider;
  /** The rollups in registration order: the demo uses the first two, A and B. */
  rollups: readonly DemoTargetRollup[];
  /** The development accounts (the same on every devnet). */
  accounts: readonly DevAccount[];
}

/** The demo's target on an in-process devnet: its chains' own providers, no sockets. */
export function demoTargetOf(devnet: Devnet): DemoTarget {
  return {
    l1: devnet.l1.provider,
    rollups: devnet.rollups.map((rollup) => ({
      chainId: rollup.chainId,
      provider: rollup.provider,
      name: rollup.name,
      ...(rollup.rpcUrl === undefined ? {} : { rpcUrl: rollup.rpcUrl }),
    })),
    accounts: devnet.accounts,
  };
}

/** Thrown when the demo cannot reach a running devnet, or what answers is not one. */
export class DemoTargetError extends XrollupError {
  override name = "DemoTargetError";
  constructor({ url, reason, cause }: { url: string; reason: string; cause?: unknown }) {
    super(`Cannot run the demo against ${url}: ${reason}.`, {
      details: ["--rpc takes the L1 URL of a running `xrollup devnet` (by default http://127.0.0.1:8545)."],
      cause,
      data: { url, reason },
    });
  }
}

/**
 * The demo's target from the L1 URL of a running devnet: asks L1 for the
 * devnet's rollups (`xr_getDevnetInfo`) and talks to each over HTTP.
 *
 * @throws {DemoTargetError} when the URL does not answer, or answers without the rollups' URLs.
 *
 * @example
 * ```ts
 * const target = await demoTargetFromRpc("http://127.0.0.1:8545");
 * const deployment = await loadDemo(target);
 * ```
 */
export async function demoTargetFromRpc(l1Url: string): Promise<DemoTarget> {
  const l1 = httpProvider(l1Url);
  let info: DevnetInfo;
  try {
    info = (await l1.request({ method: "xr_getDevnetInfo" } as never)) as DevnetInfo;
  } catch (cause) {
    throw new DemoTargetError({ url: l1Url, reason: `xr_getDevnetInfo failed (${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)})`, cause });
  }
  return demoTargetFromInfo(l1, info, l1Url);
}

/** The target from an answer of `xr_getDevnetInfo`: one HTTP provider per rollup. */
export function demoTargetFromInfo(l1: EIP1193Provider, info: DevnetInfo, l1Url: string): DemoTarget {
  const rollups = info.rollups.map(({ chainId, name, rpcUrl }) => {
    if (rpcUrl === null) throw new DemoTargetError({ url: l1Url, reason: `rollup ${chainId} serves no RPC` });
    return { chainId, name, rpcUrl, provider: httpProvider(rpcUrl) };
  });
  return { l1, rollups, accounts: devAccounts() };
}

function httpProvider(url: string): EIP1193Provider {
  // No retries: a refused transaction must not be sent twice, and a dead URL should fail at once.
  const { request } = http(url, { retryCount: 0 })({ retryCount: 0 });
  return { request } as EIP1193Provider;
}

/** A rollup of the demo with viem clients over its provider. */
export interface DemoChain extends ChainClients {
  name: string;
  chainId: number;
  rpcUrl: string | undefined;
  provider: EIP1193Provider;
}

/** How often the demo asks for a transaction's outcome in slot mode. */
const POLL_MS = 50;
/** How long it waits for one (a paused slot timer never settles it). */
const OUTCOME_TIMEOUT_MS = 60_000;

/** viem clients over a target rollup's provider. */
export function demoChain(rollup: DemoTargetRollup): DemoChain {
  const name = rollup.name ?? `rollup-${rollup.chainId}`;
  return {
    name,
    chainId: rollup.chainId,
    rpcUrl: rollup.rpcUrl,
    provider: rollup.provider,
    ...chainClients({ chainId: rollup.chainId, name, provider: rollup.provider, rpcUrl: rollup.rpcUrl }),
  };
}

/** Thrown when the sequencer never accepted a transaction of the demo, or it did not settle in time. */
export class DemoTransactionError extends XrollupError {
  override name = "DemoTransactionError";
  constructor({ chainId, hash, reason, cause }: { chainId: number; hash: Hex; reason: string; cause?: unknown }) {
    super(`The demo's transaction ${hash} on rollup ${chainId} ${reason}.`, { cause, data: { chainId, hash, reason } });
  }
}

/** A transaction the sequencer settled: its hash and its status once included or dropped. */
export interface Settled {
  hash: Hex;
  status: TransactionStatus;
}

/**
 * Signs a call from `from`, sends it through the rollup's endpoint and waits
 * for the sequencer's outcome (`xr_getTransactionStatus`): at once in instant
 * mode, where a dropped transaction comes back as an error, or when its slot
 * settles it. `gas` set means nothing is estimated, so a call that would
 * revert still reaches the sequencer.
 *
 * @throws {DemoTransactionError} when the sequencer refused it outright, or it is still pending after a minute.
 */
export async function sendAndSettle(
  rollup: DemoChain,
  from: DevAccount,
  call: { to?: Address; data: Hex; gas?: bigint },
): Promise<Settled> {
  const account = privateKeyToAccount(from.privateKey);
  const request = await rollup.walletClient.prepareTransactionRequest({ account, chain: rollup.chain, ...call });
  const raw = await rollup.walletClient.signTransaction(request);
  const hash = keccak256(raw);
  let refusal: unknown;
  await rollup.walletClient.sendRawTransaction({ serializedTransaction: raw }).catch((error: unknown) => (refusal = error));
  for (let waited = 0; waited <= OUTCOME_TIMEOUT_MS; waited += POLL_MS) {
    const status = await transactionStatus(rollup, hash);
    if (status === null) {
      const reason = refusal instanceof Error ? refusal.message.split("\n")[0]! : "was not accepted";
      throw new DemoTransactionError({ chainId: rollup.chainId, hash, reason: `was refused: ${reason}`, cause: refusal });
    }
    if (status.status !== "pending") return { hash, status };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new DemoTransactionError({
    chainId: rollup.chainId,
    hash,
    reason: `is still pending after ${OUTCOME_TIMEOUT_MS / 1000} s (is the slot timer paused? xr_resume restarts it)`,
  });
}

/** Thrown when the demo's own set-up or measurements do not go as they must (not for the failures it stages). */
export class DemoStepFailedError extends XrollupError {
  override name = "DemoStepFailedError";
  constructor({ step, reason }: { step: string; reason: string }) {
    super(`The demo could not ${step}: ${reason}.`, { data: { step, reason } });
  }
}

/**
 * {@link sendAndSettle} for a set-up transaction, which must be included.
 *
 * @throws {DemoStepFailedError} naming `step` when it is dropped.
 */
export async function sendIncluded(rollup: DemoChain, from: DevAccount, call: { to?: Address; data: Hex }, step: string): Promise<Hex> {
  const { hash, status } = await sendAndSettle(rollup, from, call);
  if (status.status !== "included") {
    throw new DemoStepFailedError({ step, reason: `${hash} was dropped on rollup ${rollup.chainId}: ${status.reason ?? "no reason given"}` });
  }
  return hash;
}

/** `xr_getTransactionStatus` on a rollup: `null` for a transaction the sequencer never accepted. */
export async function transactionStatus(rollup: DemoChain, hash: Hex): Promise<TransactionStatus | null> {
  return (await rollup.provider.request({ method: "xr_getTransactionStatus", params: [hash] } as never)) as TransactionStatus | null;
}
