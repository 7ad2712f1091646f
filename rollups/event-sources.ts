import type { EthereumProvider } from "hardhat/types/providers";
import { type Hex, numberToHex, parseTransaction, rpcTransactionType } from "viem";
import type { SequencerEvents } from "../sequencer/sequencer.ts";
import type { SequencedTransaction } from "../sequencer/types.ts";
import type { ChainEventSink, ChainEventSource, ChainSubscriptions, RpcBlockObject, Wanted } from "./subscriptions.ts";

/**
 * The sequencer's events as subscriptions hear of them, for every rollup in
 * `rollups` (looked up at each event, so a rollup added later is heard of
 * once it is in the map). Blocks come only from committed slots: a slot
 * attempt that failed mined blocks and took them back, which EDR's own
 * subscriptions would notify and these never do.
 */
export function sequencerEvents(rollups: ReadonlyMap<number, ChainSubscriptions>): SequencerEvents {
  return {
    onAccepted: (transaction) => rollups.get(transaction.chainId)?.transactionAdded(transaction.hash, () => pendingTransactionObject(transaction)),
    onSlot: (slot) => {
      for (const block of slot.blocks) rollups.get(block.chainId)?.blockAdded(block.hash);
    },
  };
}

/**
 * A transaction the sequencer accepted, as geth's `newPendingTransactions`
 * with `true` notifies it: `eth_getTransactionByHash`'s shape, not yet in a
 * block. The rollup's chain does not know it before its slot, so it is
 * built from the signed bytes.
 */
export function pendingTransactionObject({ hash, from, chainId, raw }: SequencedTransaction): Record<string, unknown> {
  const parsed = parseTransaction(raw);
  // JSON drops the fields left undefined: the ones this transaction type has not.
  const quantity = (value: bigint | number | undefined) => (value === undefined ? undefined : numberToHex(value));
  return {
    blockHash: null,
    blockNumber: null,
    transactionIndex: null,
    hash,
    type: parsed.type === undefined ? undefined : rpcTransactionType[parsed.type],
    chainId: numberToHex(chainId),
    // Lower case, as geth and EDR answer addresses.
    from: from.toLowerCase(),
    to: parsed.to?.toLowerCase() ?? null,
    nonce: numberToHex(parsed.nonce ?? 0),
    gas: quantity(parsed.gas),
    gasPrice: quantity(parsed.gasPrice),
    maxFeePerGas: quantity(parsed.maxFeePerGas),
    maxPriorityFeePerGas: quantity(parsed.maxPriorityFeePerGas),
    value: numberToHex(parsed.value ?? 0n),
    input: parsed.data ?? "0x",
    // viem leaves an empty access list out; every typed transaction has one.
    accessList: parsed.type === "legacy" ? undefined : (parsed.accessList ?? []),
    // A typed transaction's v is its y parity (viem gives 27 or 28).
    v: quantity(parsed.type === "legacy" ? parsed.v : parsed.yParity),
    yParity: parsed.type === "legacy" ? undefined : quantity(parsed.yParity),
    // Quantities, as geth answers them: viem pads r and s to 32 bytes.
    r: parsed.r === undefined ? undefined : numberToHex(BigInt(parsed.r)),
    s: parsed.s === undefined ? undefined : numberToHex(BigInt(parsed.s)),
  };
}

/** An EIP-1193 subscription notification, as Hardhat's EDR provider emits it. */
interface EdrMessage {
  type: string;
  data?: { subscription?: string; result?: unknown };
}

/**
 * A chain's own EDR subscriptions (`newHeads`, `newPendingTransactions`) as a
 * source: opened on the chain while someone wants them, closed when nobody
 * does. For L1, whose blocks come from users' requests, the sequencer's
 * batch posts and cheat methods (`evm_mine`, `hardhat_mine`) alike, all of
 * which EDR sees. (`hardhat_mine` of many blocks notifies only the first two
 * and the last: EDR reserves the blocks in between without building them.)
 */
export function edrEvents(provider: EthereumProvider): ChainEventSource {
  let heads: string | undefined;
  let pending: string | undefined;
  let sink: ChainEventSink | undefined;
  let listening = false;
  const onMessage = (message: EdrMessage): void => {
    if (message.type !== "eth_subscription" || message.data === undefined || sink === undefined) return;
    const { subscription, result } = message.data;
    if (subscription === heads && result !== undefined) {
      const block = result as RpcBlockObject;
      sink.blockAdded(block.hash, block);
    } else if (subscription === pending && typeof result === "string") {
      const hash = result as Hex;
      sink.transactionAdded(hash, () => provider.request({ method: "eth_getTransactionByHash", params: [hash] }));
    }
  };
  const subscribe = (kind: string) => provider.request({ method: "eth_subscribe", params: [kind] }) as Promise<string>;
  const unsubscribe = (id: string) => provider.request({ method: "eth_unsubscribe", params: [id] });
  const listen = (on: boolean): void => {
    if (on === listening) return;
    listening = on;
    if (on) provider.on("message", onMessage);
    else provider.off("message", onMessage);
  };
  return {
    async want(wanted: Wanted, to: ChainEventSink) {
      sink = to;
      if (wanted.blocks || wanted.pendingTransactions) listen(true);
      if (wanted.blocks && heads === undefined) heads = await subscribe("newHeads");
      if (!wanted.blocks && heads !== undefined) {
        await unsubscribe(heads);
        heads = undefined;
      }
      if (wanted.pendingTransactions && pending === undefined) pending = await subscribe("newPendingTransactions");
      if (!wanted.pendingTransactions && pending !== undefined) {
        await unsubscribe(pending);
        pending = undefined;
      }
      listen(heads !== undefined || pending !== undefined);
    },
  };
}
