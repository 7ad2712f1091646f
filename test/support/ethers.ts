import { expect } from "chai";
import { JsonRpcProvider, type Wallet } from "ethers";
import type { Address, Hex } from "viem";
import type { SequencerStatus } from "../../sequencer/sequencer.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import { TEST_FEES, waitUntil } from "./fixtures.ts";

/**
 * An ethers v6 provider on a devnet endpoint, as a client outside the
 * project would open it. No cache (`cacheTimeout: -1`): ethers otherwise
 * answers a repeated read (a pending nonce, a block) from a 250 ms cache.
 * `batch: false` sends every request alone: in instant mode a pending
 * `eth_sendRawTransaction` answers only once its transaction is included,
 * and would hold back every request ethers batched with it.
 */
export function ethersProvider(url: string | undefined, chainId: number, { batch = true }: { batch?: boolean } = {}): JsonRpcProvider {
  if (url === undefined) throw new Error(`chain ${chainId} serves no RPC`);
  return new JsonRpcProvider(url, chainId, {
    staticNetwork: true,
    pollingInterval: 50,
    cacheTimeout: -1,
    ...(batch ? {} : { batchMaxCount: 1 }),
  });
}

/** Resolves once `xr_getTransactionStatus` answers `status` for the transaction (polled over HTTP). */
export async function waitForStatus(provider: JsonRpcProvider, hash: Hex, status: TransactionStatus["status"]): Promise<TransactionStatus> {
  let found: TransactionStatus | null = null;
  await waitUntil(
    async () => {
      found = await transactionStatus(provider, hash);
      return found?.status === status;
    },
    { what: `${hash} to be ${status}` },
  );
  return found!;
}

/** A JSON-RPC error as it came off the wire. */
export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

function isRpcErrorBody(value: unknown): value is RpcErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const { code, message } = value as { code?: unknown; message?: unknown };
  return typeof code === "number" && typeof message === "string";
}

/**
 * The JSON-RPC error behind an ethers error, as the endpoint sent it: ethers
 * keeps it in `error`, or in `info.error` for the errors it recognises (a
 * replacement underpriced, a nonce too low). Rethrows anything else.
 */
export function rpcErrorBody(error: unknown): RpcErrorBody {
  const { error: body, info } = (typeof error === "object" && error !== null ? error : {}) as { error?: unknown; info?: { error?: unknown } };
  for (const candidate of [body, info?.error]) if (isRpcErrorBody(candidate)) return candidate;
  throw error;
}

/** Awaits an ethers call that must fail with a JSON-RPC error, and returns that error as the endpoint sent it. */
export async function rpcErrorOf(action: Promise<unknown>): Promise<RpcErrorBody> {
  try {
    await action;
  } catch (error) {
    return rpcErrorBody(error);
  }
  return expect.fail("expected a JSON-RPC error, but the call succeeded");
}

/** What a test transaction sets besides its sender; fees default to {@link TEST_FEES}, gas to 21000. */
export interface SignedFields {
  nonce: number;
  to?: Address;
  value?: bigint;
  data?: Hex;
  gasLimit?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
}

/** Signs an EIP-1559 transaction with an ethers wallet, every field explicit (nothing read from the chain). */
export async function signWith(wallet: Wallet, chainId: number, fields: SignedFields): Promise<Hex> {
  return (await wallet.signTransaction({
    type: 2,
    chainId,
    gasLimit: 21_000n,
    maxFeePerGas: TEST_FEES.maxFeePerGas,
    maxPriorityFeePerGas: TEST_FEES.maxPriorityFeePerGas,
    ...fields,
  })) as Hex;
}

/** `eth_sendRawTransaction` over HTTP; resolves with the hash the endpoint answers. */
export async function sendRaw(provider: JsonRpcProvider, raw: Hex): Promise<Hex> {
  return (await provider.send("eth_sendRawTransaction", [raw])) as Hex;
}

/** `xr_getTransactionStatus` over HTTP. */
export async function transactionStatus(provider: JsonRpcProvider, hash: Hex): Promise<TransactionStatus | null> {
  return (await provider.send("xr_getTransactionStatus", [hash])) as TransactionStatus | null;
}

/** `xr_getSequencerStatus` on the L1 endpoint. */
export async function sequencerStatus(l1: JsonRpcProvider): Promise<SequencerStatus> {
  return (await l1.send("xr_getSequencerStatus", [])) as SequencerStatus;
}

/** A chain's latest block as the endpoint answers it: what must not move when a slot fails. */
export interface Head {
  number: Hex;
  hash: Hex;
  stateRoot: Hex;
}

/** The latest block's number, hash and state root, over HTTP. */
export async function latestHead(provider: JsonRpcProvider): Promise<Head> {
  const { number, hash, stateRoot } = (await provider.send("eth_getBlockByNumber", ["latest", false])) as Head;
  return { number, hash, stateRoot };
}
