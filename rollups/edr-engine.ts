import { type Address, type Hex, isHex, keccak256, parseTransaction, type RpcLog, type TransactionSerialized } from "viem";
import type { StateOperation } from "../sequencer/cheats.ts";
import { impersonatedSender } from "../sequencer/intake.ts";
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
import type { UnsignedTransaction } from "../sequencer/simulation.ts";
import type { CallFrame } from "../sequencer/trace.ts";
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
 * taken is released or used up. A held snapshot (a devnet snapshot, kept
 * for long) gets a fence: an id taken right after it and used up at once,
 * so that reverting to the fence later drops only the snapshots after it.
 */
export class EdrRollupEngine implements RollupEngine {
  readonly chainId: number;
  readonly #chain: Chain;
  /**
   * The EDR snapshots that exist, oldest first, whether the sequencer
   * released each, and for a held one the unused id that drops every later one.
   */
  readonly #snapshots: { id: SnapshotId; released: boolean; fence?: Hex }[] = [];
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
    const sent = await Promise.allSettled(raws.map((raw) => this.#send(raw)));
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

  /**
   * Hands one transaction to the chain: a signed one as it is; one with the
   * impersonation signature (see `impersonatedTransaction` in
   * `sequencer/intake.ts`) from its sender, impersonated, with every field
   * given, so that EDR signs it as the bytes are. Issues its requests at
   * once, so that the chain takes the transactions in call order.
   */
  #send(raw: Hex): Promise<Hex> {
    const from = impersonatedSender(raw);
    if (from === undefined) return this.#request<Hex>("eth_sendRawTransaction", [raw]);
    // Its failure shows in eth_sendTransaction's, which follows it.
    this.#request("hardhat_impersonateAccount", [from]).catch(() => undefined);
    return this.#request<Hex>("eth_sendTransaction", [impersonatedRequest(raw, from)]).then(async (hash) => {
      const expected = keccak256(raw);
      if (hash === expected) return hash;
      // EDR signed other bytes (another chain id, say): the block must not hold a transaction the batch does not.
      await this.#request("hardhat_dropTransaction", [hash]);
      throw new Error(`the chain made impersonated transaction ${hash} of it, not ${expected}`);
    });
  }

  async applyOperations(operations: readonly StateOperation[]): Promise<void> {
    for (const operation of operations) {
      switch (operation.kind) {
        case "setBalance":
          await this.#request("hardhat_setBalance", [operation.address, quantity(operation.value)]);
          break;
        case "setCode":
          await this.#request("hardhat_setCode", [operation.address, operation.code]);
          break;
        case "setStorageAt":
          await this.#request("hardhat_setStorageAt", [operation.address, operation.slot, operation.value]);
          break;
      }
    }
  }

  snapshot({ held = false }: { held?: boolean } = {}): Promise<EngineSnapshot> {
    return this.#inOrder(async () => {
      const id = await this.#request<Hex>("evm_snapshot");
      if (!held) {
        this.#snapshots.push({ id: BigInt(id), released: false });
        return { id };
      }
      // Going back to a snapshot just taken changes nothing, and uses its id up for good.
      const fence = await this.#request<Hex>("evm_snapshot");
      await this.#request<boolean>("evm_revert", [fence]);
      this.#snapshots.push({ id: BigInt(id), released: false, fence });
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
   * snapshot taken after the newest one still wanted is released or used
   * up, EDR drops them, so a slot that succeeded leaves nothing behind (with
   * none wanted, all go; after a held one, through its fence). Never
   * rejects: a snapshot that could not be dropped costs memory, not
   * correctness, and goes with the next ones.
   */
  release(snapshot: EngineSnapshot): Promise<void> {
    return this.#inOrder(async () => {
      const id = snapshotId(snapshot);
      const entry = this.#snapshots.find((candidate) => candidate.id === id);
      if (entry !== undefined) entry.released = true;
      const wanted = this.#snapshots.findLastIndex(({ released }) => !released);
      if (wanted === this.#snapshots.length - 1) return;
      const fence = wanted === -1 ? UNUSED_SNAPSHOT_ID : this.#snapshots[wanted]!.fence;
      if (fence === undefined) return;
      try {
        await this.#request<boolean>("evm_revert", [fence]);
        this.#snapshots.length = wanted + 1;
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

  /** EDR's own callTracer (`debug_traceTransaction`), with every frame's logs. */
  trace(hash: Hex): Promise<CallFrame> {
    return this.#request<CallFrame>("debug_traceTransaction", [hash, { tracer: "callTracer", tracerConfig: { withLog: true } }]);
  }

  /**
   * Sends the transaction from its `from`, impersonated, with fees of zero
   * in a block whose base fee is zero (so the sender needs no ether for
   * gas, as in `eth_call`), mines that block, then gives the next block the
   * base fee it would have had. The account is impersonated only for the
   * send, unless it already was (a cheat's impersonation stays).
   */
  async mineUnsigned(transaction: UnsignedTransaction, timestamp: number): Promise<MinedBlock> {
    const { from } = transaction;
    const pending = await this.#request<RpcBlock>("eth_getBlockByNumber", ["pending", false]);
    // Stopping answers whether the account was impersonated: it is then impersonated again, and stays so.
    const wasImpersonated = await this.#request<boolean>("hardhat_stopImpersonatingAccount", [from]);
    await this.#request("hardhat_impersonateAccount", [from]);
    await this.#request("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
    let sent: { hash: Hex } | { refusal: string };
    try {
      const hash = await this.#request<Hex>("eth_sendTransaction", [
        {
          from,
          ...(transaction.to === undefined ? {} : { to: transaction.to }),
          ...(transaction.data === undefined ? {} : { data: transaction.data }),
          value: quantity(transaction.value ?? 0n),
          ...(transaction.gas === undefined ? {} : { gas: quantity(transaction.gas) }),
          maxFeePerGas: "0x0",
          maxPriorityFeePerGas: "0x0",
        },
      ]);
      sent = { hash };
    } catch (error) {
      sent = { refusal: error instanceof Error ? error.message : String(error) };
    } finally {
      if (!wasImpersonated) await this.#request("hardhat_stopImpersonatingAccount", [from]);
    }
    // The block is mined even when the send failed: it takes up the zero base fee.
    const { block } = await this.mineBlock([], timestamp);
    if (pending.baseFeePerGas !== undefined) await this.#request("hardhat_setNextBlockBaseFeePerGas", [pending.baseFeePerGas]);
    if ("refusal" in sent) return { block, outcomes: [{ kind: "refused", hash: NO_HASH, reason: sent.refusal }] };
    if (!block.transactionHashes.includes(sent.hash)) {
      await this.#request("hardhat_dropTransaction", [sent.hash]);
      return { block, outcomes: [{ kind: "refused", hash: sent.hash, reason: "the chain did not include it in the block" }] };
    }
    const receipt = await this.#request<RpcReceipt>("eth_getTransactionReceipt", [sent.hash]);
    return { block, outcomes: [{ kind: "included", hash: sent.hash, success: receipt.status === "0x1", gasUsed: BigInt(receipt.gasUsed), logs: receipt.logs }] };
  }
}

/** The hash reported for an unsigned transaction the chain refused before giving it one. */
const NO_HASH: Hex = `0x${"00".repeat(32)}`;

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

/** The `eth_sendTransaction` request that makes EDR sign an impersonated transaction exactly as `raw` holds it. */
function impersonatedRequest(raw: Hex, from: Address) {
  const transaction = parseTransaction(raw as TransactionSerialized);
  const fields = {
    from,
    ...(transaction.to ? { to: transaction.to } : {}),
    nonce: quantity(transaction.nonce ?? 0),
    gas: quantity(transaction.gas ?? 0n),
    value: quantity(transaction.value ?? 0n),
    data: transaction.data ?? "0x",
  };
  switch (transaction.type) {
    case "legacy":
      return { ...fields, gasPrice: quantity(transaction.gasPrice ?? 0n) };
    case "eip2930":
      return { ...fields, gasPrice: quantity(transaction.gasPrice ?? 0n), accessList: transaction.accessList ?? [] };
    case "eip1559":
      return {
        ...fields,
        maxFeePerGas: quantity(transaction.maxFeePerGas ?? 0n),
        maxPriorityFeePerGas: quantity(transaction.maxPriorityFeePerGas ?? 0n),
        accessList: transaction.accessList ?? [],
      };
    default:
      // Intake and derivation refuse the other types before a block is mined.
      throw new Error(`impersonated transactions of type ${transaction.type} are not run`);
  }
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
export const startGenesisEngine: GenesisEngineFactory = async ({ chainId, genesisTimestamp, ...predeploys }) => {
  const chain = await createChain({ name: `replay-${chainId}`, chainId, kind: "rollup", genesisTimestamp });
  try {
    await installPredeploys(chain, predeploys);
  } catch (error) {
    await chain.close();
    throw error;
  }
  const engine = new EdrRollupEngine(chain);
  return Object.assign(engine, { close: () => chain.close() });
};
