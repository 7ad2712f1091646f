import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type Address, createPublicClient, custom, getAddress, type Hex, keccak256, toHex, type TransactionSerializable } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { sharedInboxArtifact } from "../../contracts/artifacts.ts";
import type { DevnetUserConfig } from "../../devnet/config.ts";
import { type Devnet, type StartDevnetHooks, startDevnet } from "../../devnet/devnet.ts";
import type { Manifest } from "../../devnet/manifest.ts";
import { type DevAccount, defaultSequencerAccount } from "../../rollups/accounts.ts";
import { PROJECT_ROOT } from "../../rollups/chain.ts";
import type { Batch, InboxState } from "../../sequencer/batch/builder.ts";
import { batchDigest, signDigest } from "../../sequencer/committee/certificate.ts";
import type { CertifiedBatch } from "../../sequencer/committee/committee.ts";
import type { ForcedSummary } from "../../sequencer/derivation/verify.ts";

/**
 * Starts a devnet for a test file, serving JSON-RPC on free ports unless the
 * config says otherwise. Callers stop it in their own `after` hook.
 */
export function startTestDevnet(config: DevnetUserConfig = {}, hooks: StartDevnetHooks = {}): Promise<Devnet> {
  return startDevnet({ rpc: { port: 0 }, ...config }, hooks);
}

/** EIP-1559 fee fields. */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** Fees every test transaction pays unless it says otherwise: far above the rollups' base fee. */
export const TEST_FEES: Readonly<Fees> = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };

function devAccount(devnet: Devnet, index: number): DevAccount {
  const account = devnet.accounts[index];
  if (account === undefined) throw new Error(`No development account ${index}`);
  return account;
}

/** Address of development account `index`. */
export function accountAddress(devnet: Devnet, index: number): Address {
  return devAccount(devnet, index).address;
}

/** Private key of development account `index`. */
export function devKey(devnet: Devnet, index: number): Hex {
  return devAccount(devnet, index).privateKey;
}

/** A fresh address, the same for the same label, that no key controls: a recipient only one story pays. */
export function labelAddress(label: string): Address {
  return getAddress(keccak256(toHex(label)).slice(0, 42));
}

/** Signs an EIP-1559 transaction for `chainId`: explicit nonce, gas (default 21000) and fees, no chain read. */
export function signTransaction(
  privateKey: Hex,
  transaction: { chainId: number; nonce: number; to?: Address; value?: bigint; data?: Hex; gas?: bigint } & Partial<Fees>,
): Promise<Hex> {
  const request: TransactionSerializable = { type: "eip1559", gas: 21_000n, ...TEST_FEES, ...transaction };
  return privateKeyToAccount(privateKey).signTransaction(request);
}

/** Signs a plain value transfer (gas 21000, {@link TEST_FEES}) from development account `fromIndex`. */
export function signTransfer(
  devnet: Devnet,
  chainId: number,
  fromIndex: number,
  nonce: number,
  to: Address,
  value: bigint,
  fees: Partial<Fees> = {},
): Promise<Hex> {
  return signTransaction(devKey(devnet, fromIndex), { chainId, nonce, to, value, ...fees });
}

/** A JSON-RPC 2.0 response as it comes off the wire. */
export interface JsonRpcResponse<T = unknown> {
  jsonrpc: "2.0";
  id: string | number | null;
  result?: T;
  error?: { code: number; message: string; data?: unknown };
}

let nextRequestId = 1;

/** POSTs a raw body to a JSON-RPC endpoint; returns the HTTP status and the parsed body (if any). */
export async function postRaw(url: string, body: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  const text = await response.text();
  return { status: response.status, body: text.length === 0 ? undefined : JSON.parse(text) };
}

/** One JSON-RPC call over HTTP, as any client makes it; returns the parsed response (result or error). */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<JsonRpcResponse<T>> {
  const { status, body } = await postRaw(url, JSON.stringify({ jsonrpc: "2.0", id: nextRequestId++, method, params }));
  if (status !== 200) throw new Error(`${method} answered HTTP ${status}`);
  return body as JsonRpcResponse<T>;
}

/** A JSON-RPC batch over HTTP: entries are served in order, one after the other. */
export async function rpcBatch(url: string, calls: readonly [method: string, params: unknown[]][]): Promise<JsonRpcResponse[]> {
  const payload = calls.map(([method, params]) => ({ jsonrpc: "2.0", id: nextRequestId++, method, params }));
  const { status, body } = await postRaw(url, JSON.stringify(payload));
  if (status !== 200) throw new Error(`The batch answered HTTP ${status}`);
  return body as JsonRpcResponse[];
}

/** The result of a JSON-RPC call over HTTP; throws with the error if it failed. */
export async function rpcResult<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await rpc<T>(url, method, params);
  if (response.error !== undefined) {
    throw new Error(`${method} failed with ${response.error.code}: ${response.error.message}`);
  }
  return response.result as T;
}

/** What the L1 `SharedInbox` holds, read with viem from its ABI. */
export async function readInboxState(devnet: Devnet): Promise<InboxState> {
  const client = createPublicClient({ transport: custom(devnet.l1.provider) });
  const inbox = { address: inboxAddress(devnet), abi: sharedInboxArtifact().abi } as const;
  const [batchCount, lastBatchHash, nextGlobalSeq, chainIds] = await Promise.all([
    client.readContract({ ...inbox, functionName: "batchCount" }),
    client.readContract({ ...inbox, functionName: "lastBatchHash" }),
    client.readContract({ ...inbox, functionName: "nextGlobalSeq" }),
    client.readContract({ ...inbox, functionName: "rollupChainIds" }),
  ]);
  const heads = await Promise.all(
    chainIds.map(async (chainId) => {
      const head = await client.readContract({ ...inbox, functionName: "head", args: [chainId] });
      return {
        chainId: Number(chainId),
        head: { blockNumber: Number(head.blockNumber), blockHash: head.blockHash, stateRoot: head.stateRoot },
      };
    }),
  );
  return { batchNumber: Number(batchCount), batchHash: lastBatchHash, nextGlobalSeq: Number(nextGlobalSeq), heads };
}

/** The address of the devnet's L1 inbox. */
export function inboxAddress(devnet: Devnet): Address {
  const address = devnet.l1.contracts.SharedInbox;
  if (address === undefined) throw new Error("The devnet has no SharedInbox");
  return address;
}

/**
 * `batch` with the certificate a committee of one gives it in view 0: the
 * signature of member 0 (`defaultSequencerAccount()`, view 0's leader), who
 * posts it. For tests that post a batch by hand, so that the inbox judges the
 * batch itself and not a missing signature.
 */
export function certifiedByFirstMember(devnet: Devnet, batch: Batch): CertifiedBatch {
  const member = defaultSequencerAccount();
  const digest = batchDigest({ l1ChainId: devnet.l1.chainId, inbox: inboxAddress(devnet) }, batch.hash);
  return { ...batch, certificate: [signDigest(digest, member.privateKey)], signers: [member.address], poster: member.address };
}

/** `verifyFromL1`'s `forced` when nobody used L1's forced-inclusion queue. */
export const NOTHING_FORCED: ForcedSummary = { processed: 0, included: 0, dropped: 0, pendingInclusion: 0 };

/**
 * Init code of a tiny contract, hand-assembled (nothing to compile): on any
 * call it emits one anonymous log (LOG0) whose data is the word 42 and
 * returns that word.
 *
 * runtime `602a600052 6020 6000 a0 6020 6000 f3`: MSTORE(0, 42); LOG0(0, 32); RETURN(0, 32)
 * init    `600f 600c 6000 39 600f 6000 f3`: CODECOPY(0, 12, 15); RETURN(0, 15)
 */
export const ANSWER_CONTRACT = {
  initCode: "0x600f600c600039600f6000f3602a60005260206000a060206000f3",
  runtime: "0x602a60005260206000a060206000f3",
  answer: `0x${"2a".padStart(64, "0")}`,
} as const satisfies Record<string, Hex>;

/** Resolves once `condition` holds, polling every `intervalMs`; rejects after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 10, what = "the condition" }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** How a finished `xrollup` process ended. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The `xrollup` entry point, run with this process's Node (22; the system one cannot run Hardhat 3). */
export const XROLLUP_BIN = path.join(PROJECT_ROOT, "bin", "xrollup.mjs");

/** Runs `xrollup <args>` to completion (killed after `timeoutMs`). */
export function runCli(args: readonly string[], { timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [XROLLUP_BIN, ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  return collect(child, timeoutMs);
}

/** `xrollup devnet` running in a child process, as a user starts it. */
export interface CliDevnet {
  child: ChildProcess;
  /** Settles when it exits, with its output. */
  exited: Promise<CliRun>;
  /** What it wrote to `--manifest` once ready. */
  manifest: Manifest;
}

/**
 * Runs `xrollup devnet --port 0 --manifest FILE …args` and resolves once the
 * manifest is written; rejects with its stderr if it exits first.
 */
export async function startCliDevnet(args: readonly string[], manifestFile: string): Promise<CliDevnet> {
  const child = spawn(process.execPath, [XROLLUP_BIN, "devnet", "--port", "0", "--manifest", manifestFile, ...args], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = collect(child, 60_000);
  await Promise.race([
    waitUntil(() => readFile(manifestFile).then(() => true, () => false), { timeoutMs: 30_000, intervalMs: 50, what: "the manifest" }),
    exited.then((run) => Promise.reject(new Error(`xrollup devnet exited early with ${run.code}: ${run.stderr}`))),
  ]);
  return { child, exited, manifest: JSON.parse(await readFile(manifestFile, "utf8")) as Manifest };
}

/** Collects a child's output until it exits; kills it (SIGKILL) if it outlives `timeoutMs`. */
export function collect(child: ChildProcess, timeoutMs: number): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`xrollup did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
