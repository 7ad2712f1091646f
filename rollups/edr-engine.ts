import { type Address, type Hex, isHex, keccak256, parseTransaction, type RpcLog, type TransactionSerialized } from "viem";
import type {
  CallRequest,
  CallResult,
  EngineBlock,
  EngineOutcome,
  EngineSnapshot,
  GenesisEngineFactory,
  MinedBlock,
  RollupEngine,
} from "../sequencer/ports.ts";
import { type Chain, createChain } from "./chain.ts";
import { installPredeploys } from "./predeploys.ts";

interface RpcBlock {
  number: Hex;
  hash: Hex;
  stateRoot: Hex;
  timestamp: Hex;
  baseFeePerGas?: Hex;
  transactions: Hex[];
}

interface RpcReceipt {
  status: Hex;
  gasUsed: Hex;
  logs: RpcLog[];
}

/** An EDR snapshot id (`evm_snapshot`'s answer), as a number that orders them. */
type SnapshotId = bigint;

/**
 * The sequencer's {@link RollupEngine} over an in-process EDR chain (Hardhat
 * 3), mined only on demand: the one place that speaks EDR's chain-control
 * methods for the sequencer.
 *
 * Snapshots: EDR keeps every `evm_snapshot` until an `evm_revert` to it or
 * to an earlier one (6 to 17 KB each, measured, and the sequencer takes one
 * per rollup per slot), and has no method that frees one. But `evm_revert(id)`
 * drops every snapshot from `id` on *before* it looks `id` up, so a revert to
 * an id that was never handed out (0: EDR counts from 1) drops them all and
 * leaves the chain as it is. {@link release} uses that once every snapshot
 * taken is released or used up.
 */
export class EdrRollupEngine implements RollupEngine {
  readonly chainId: number;
  readonly #chain: Chain;
  /** The EDR snapshots that exist, oldest first, and whether the sequencer released each. */
  readonly #snapshots: { id: SnapshotId; released: boolean }[] = [];
  /** The last snapshot operation: each waits for the one before (see {@link #inOrder}). */
  #snapshotOps: Promise<void> = Promise.resolve();
  /**
   * The block this engine last mined, while it is the chain's latest: only
   * the sequencer mines rollups, through this engine, so the head changes
   * only here. Forgotten when a block is being mined or the chain goes back
   * to a snapshot.
   */
  #latest: EngineBlock | undefined;

  constructor(chain: Chain) {
    this.#chain = chain;
    this.chainId = chain.spec.chainId;
  }

  #request<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.#chain.provider.request({ method, params }) as Promise<T>;
  }

  async mineBlock(raws: readonly Hex[], timestamp: number): Promise<MinedBlock> {
    const refused = new Map<number, string>();
    // Sent without waiting for each answer: the chain takes them in call order.
    const sent = await Promise.allSettled(raws.map((raw) => this.#request<Hex>("eth_sendRawTransaction", [raw])));
    const hashes = sent.map((result, index) => {
      if (result.status === "fulfilled") return result.value;
      refused.set(index, result.reason instanceof Error ? result.reason.message : String(result.reason));
      return undefined;
    });
    this.#latest = undefined;
    await this.#request("evm_mine", [timestamp]);
    const mined = await this.#request<RpcBlock>("eth_getBlockByNumber", ["latest", false]);
    const block = toEngineBlock(this.chainId, mined);
    this.#latest = block;
    const inBlock = new Set(mined.transactions);
    const outcomes = await Promise.all(
      raws.map(async (raw, index): Promise<EngineOutcome> => {
        const hash = hashes[index];
        if (hash === undefined) return { kind: "refused", hash: keccak256(raw), reason: refused.get(index)! };
        if (!inBlock.has(hash)) {
          // Left in the chain's own mempool (fee below the base fee, or a nonce the block never reached).
          await this.#request("hardhat_dropTransaction", [hash]);
          return { kind: "refused", hash, reason: leftOutReason(raw, block.baseFeePerGas) };
        }
        const receipt = await this.#request<RpcReceipt>("eth_getTransactionReceipt", [hash]);
        return { kind: "included", hash, success: receipt.status === "0x1", gasUsed: BigInt(receipt.gasUsed), logs: receipt.logs };
      }),
    );
    return { block, outcomes };
  }

  snapshot(): Promise<EngineSnapshot> {
    return this.#inOrder(async () => {
      const id = await this.#request<Hex>("evm_snapshot");
      this.#snapshots.push({ id: BigInt(id), released: false });
      return { id };
    });
  }

  revert(snapshot: EngineSnapshot): Promise<void> {
    return this.#inOrder(async () => {
      this.#latest = undefined;
      const reverted = await this.#request<boolean>("evm_revert", [snapshot.id]);
      // EDR dropped this snapshot and every later one, whether it went back or not.
      const from = snapshotId(snapshot);
      if (from !== undefined) this.#snapshots.splice(0, this.#snapshots.length, ...this.#snapshots.filter(({ id }) => id < from));
      if (!reverted) throw new Error(`Rollup ${this.chainId} could not go back to snapshot ${String(snapshot.id)}`);
    });
  }

  /**
   * Says that the sequencer will not go back to `snapshot`. Once every
   * snapshot taken is released or used up, EDR drops them all, so a slot
   * that succeeded leaves nothing behind. Never rejects: a snapshot that
   * could not be dropped costs memory, not correctness, and goes with the
   * next ones.
   */
  release(snapshot: EngineSnapshot): Promise<void> {
    return this.#inOrder(async () => {
      const id = snapshotId(snapshot);
      const entry = this.#snapshots.find((candidate) => candidate.id === id);
      if (entry !== undefined) entry.released = true;
      if (this.#snapshots.length === 0 || this.#snapshots.some(({ released }) => !released)) return;
      try {
        await this.#request<boolean>("evm_revert", [UNUSED_SNAPSHOT_ID]);
        this.#snapshots.length = 0;
      } catch {
        // Kept: dropped with the next release.
      }
    });
  }

  /**
   * Runs snapshot bookkeeping one operation at a time, in call order, so
   * that dropping EDR's snapshots never races a snapshot being taken.
   */
  #inOrder<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#snapshotOps.then(operation);
    this.#snapshotOps = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async latestBlock(): Promise<EngineBlock> {
    return this.#latest ?? toEngineBlock(this.chainId, await this.#request<RpcBlock>("eth_getBlockByNumber", ["latest", false]));
  }

  async block(number: number): Promise<EngineBlock | undefined> {
    const found = await this.#request<RpcBlock | null>("eth_getBlockByNumber", [quantity(number), false]);
    return found === null ? undefined : toEngineBlock(this.chainId, found);
  }

  async nonceOf(address: Address): Promise<number> {
    return Number(await this.#request<Hex>("eth_getTransactionCount", [address, "latest"]));
  }

  async balanceOf(address: Address): Promise<bigint> {
    return BigInt(await this.#request<Hex>("eth_getBalance", [address, "latest"]));
  }

  async call(request: CallRequest, blockNumber?: number): Promise<CallResult> {
    const { value, gas, ...fields } = request;
    const params = {
      ...fields,
      ...(value === undefined ? {} : { value: quantity(value) }),
      ...(gas === undefined ? {} : { gas: quantity(gas) }),
    };
    try {
      const data = await this.#request<Hex>("eth_call", [params, blockNumber === undefined ? "latest" : quantity(blockNumber)]);
      return { kind: "returned", data };
    } catch (error) {
      return { kind: "reverted", data: revertDataOf(error), message: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** A snapshot id EDR never hands out (it counts from 1): reverting to it drops every snapshot and changes nothing else. */
const UNUSED_SNAPSHOT_ID: Hex = "0x0";

/** The EDR id behind a snapshot handle; `undefined` for a handle no EDR engine made. */
function snapshotId(snapshot: EngineSnapshot): SnapshotId | undefined {
  return isHex(snapshot.id) ? BigInt(snapshot.id) : undefined;
}

function toEngineBlock(chainId: number, block: RpcBlock): EngineBlock {
  return {
    chainId,
    number: Number(block.number),
    hash: block.hash,
    stateRoot: block.stateRoot,
    timestamp: Number(block.timestamp),
    baseFeePerGas: BigInt(block.baseFeePerGas ?? "0x0"),
    transactionHashes: block.transactions,
  };
}

function quantity(value: number | bigint): Hex {
  return `0x${value.toString(16)}`;
}

function leftOutReason(raw: Hex, baseFee: bigint): string {
  const maxFeePerGas = maxFeeOf(raw);
  return maxFeePerGas !== undefined && baseFee > maxFeePerGas
    ? `max fee per gas ${maxFeePerGas} is below the block's base fee ${baseFee}`
    : "the chain did not include it in the block";
}

function maxFeeOf(raw: Hex): bigint | undefined {
  try {
    const parsed = parseTransaction(raw as TransactionSerialized);
    return parsed.maxFeePerGas ?? parsed.gasPrice;
  } catch {
    return undefined;
  }
}

/** The revert data carried by an error from the chain's `eth_call`, wherever the provider put it. */
export function revertDataOf(error: unknown): Hex | undefined {
  for (let current: unknown = error; typeof current === "object" && current !== null; ) {
    const { data } = current as { data?: unknown };
    if (isHex(data)) return data;
    if (typeof data === "object" && data !== null && isHex((data as { data?: unknown }).data)) {
      return (data as { data: Hex }).data;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A {@link GenesisEngineFactory} over fresh in-process EDR chains: equal
 * specs give equal genesis blocks, so replaying a rollup's blocks on one
 * reaches the same hashes and state roots.
 */
export const startGenesisEngine: GenesisEngineFactory = async ({ chainId, genesisTimestamp, committee, chainIds }) => {
  const chain = await createChain({ name: `replay-${chainId}`, chainId, kind: "rollup", genesisTimestamp });
  try {
    await installPredeploys(chain, { committee, chainIds });
  } catch (error) {
    await chain.close();
    throw error;
  }
  const engine = new EdrRollupEngine(chain);
  return Object.assign(engine, { close: () => chain.close() });
};
