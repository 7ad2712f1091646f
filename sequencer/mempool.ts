import type { Address } from "viem";
import { keepBundlesTogether, keepBundlesWhole, keepNonceOrder, type OrderingPolicy, type SlotContext } from "./policies/index.ts";
import { type SequencedTransaction, senderKey } from "./types.ts";

/**
 * The sequencer's pending transactions across all rollups.
 *
 * A transaction is *ready* when every lower nonce of its sender is ready or
 * done; otherwise it is *queued* until the gap fills. Only ready
 * transactions are handed to the ordering policy.
 */
export class Mempool {
  readonly #ready: SequencedTransaction[] = [];
  readonly #queued = new Map<string, Map<number, SequencedTransaction>>();
  readonly #nextNonce = new Map<string, number>();

  /** Number of transactions waiting, ready or queued. */
  get size(): number {
    let queued = 0;
    for (const bySender of this.#queued.values()) queued += bySender.size;
    return this.#ready.length + queued;
  }

  /** Whether any transaction is ready for the next slot. */
  get hasReady(): boolean {
    return this.#ready.length > 0;
  }

  /** Whether some ready transaction satisfies `predicate`. */
  someReady(predicate: (transaction: SequencedTransaction) => boolean): boolean {
    return this.#ready.some(predicate);
  }

  /**
   * The next nonce the sender may use, counting its pending transactions;
   * `undefined` if the mempool has not seen the sender.
   */
  nextNonce(chainId: number, from: Address): number | undefined {
    return this.#nextNonce.get(senderKey({ chainId, from }));
  }

  /**
   * Adds an accepted transaction. `chainNonce` is the sender's nonce on the
   * chain, used the first time the mempool sees the sender.
   */
  add(transaction: SequencedTransaction, chainNonce: number): void {
    const key = senderKey(transaction);
    const next = this.#nextNonce.get(key) ?? chainNonce;
    if (transaction.nonce !== next) {
      const queued = this.#queued.get(key) ?? new Map<number, SequencedTransaction>();
      queued.set(transaction.nonce, transaction);
      this.#queued.set(key, queued);
      this.#nextNonce.set(key, next);
      return;
    }
    this.#ready.push(transaction);
    let nonce = next + 1;
    const queued = this.#queued.get(key);
    for (let promoted = queued?.get(nonce); promoted !== undefined; promoted = queued?.get(nonce)) {
      queued!.delete(nonce);
      this.#ready.push(promoted);
      nonce += 1;
    }
    if (queued?.size === 0) this.#queued.delete(key);
    this.#nextNonce.set(key, nonce);
  }

  /** The pending transaction of a sender with this nonce, ready or queued. */
  pendingAt(chainId: number, from: Address, nonce: number): SequencedTransaction | undefined {
    const key = senderKey({ chainId, from });
    return (
      this.#queued.get(key)?.get(nonce) ??
      this.#ready.find((transaction) => transaction.nonce === nonce && senderKey(transaction) === key)
    );
  }

  /**
   * Puts `replacement` in the place of the pending transaction with the same
   * sender and nonce, and returns the one it replaced.
   */
  replace(replacement: SequencedTransaction): SequencedTransaction | undefined {
    const key = senderKey(replacement);
    const queued = this.#queued.get(key);
    const replacedQueued = queued?.get(replacement.nonce);
    if (replacedQueued !== undefined) {
      queued!.set(replacement.nonce, replacement);
      return replacedQueued;
    }
    const index = this.#ready.findIndex((transaction) => transaction.nonce === replacement.nonce && senderKey(transaction) === key);
    if (index === -1) return undefined;
    const [replaced] = this.#ready.splice(index, 1, replacement);
    return replaced;
  }

  /**
   * Gives back transactions taken for a slot that failed: they are ready
   * again, in arrival order, as if never taken.
   */
  restore(transactions: readonly SequencedTransaction[]): void {
    this.#ready.push(...transactions);
    this.#ready.sort((a, b) => a.arrival - b.arrival);
  }

  /** Every pending transaction, ready or queued (for the journal and the status). */
  pending(): SequencedTransaction[] {
    const all = [...this.#ready];
    for (const queued of this.#queued.values()) all.push(...queued.values());
    return all;
  }

  /**
   * Takes the next slot's transactions: the policy orders every ready
   * transaction (or returns only some of them), then each rollup keeps the
   * longest prefix of its share that fits in one block; a bundle is taken
   * whole or not at all. What is not taken, the policy's leftovers
   * included, stays ready for a later slot. `holdBack` keeps transactions
   * out of the slot (a censoring sequencer), and with them their sender's
   * later nonces, which could not run before them.
   */
  take(
    policy: OrderingPolicy,
    context: SlotContext,
    blockGasLimit: bigint,
    holdBack: (transaction: SequencedTransaction) => boolean = () => false,
  ): SequencedTransaction[] {
    const heldFrom = new Map<string, number>();
    for (const transaction of this.#ready) {
      if (!holdBack(transaction)) continue;
      const key = senderKey(transaction);
      heldFrom.set(key, Math.min(heldFrom.get(key) ?? Infinity, transaction.nonce));
    }
    const held = this.#ready.filter((transaction) => transaction.nonce >= (heldFrom.get(senderKey(transaction)) ?? Infinity));
    const candidates = held.length === 0 ? this.#ready : this.#ready.filter((transaction) => !held.includes(transaction));
    // The policy's choice, each sender's lowest nonces in the places it gave the sender, whole bundles only.
    const choice = chosen(policy.order(candidates, context), candidates);
    const ordered = keepBundlesTogether(keepBundlesWhole(keepNonceOrder(choice, candidates), candidates));
    const gasUsed = new Map<number, bigint>();
    const full = new Set<number>();
    const taken: SequencedTransaction[] = [];
    for (let start = 0; start < ordered.length; ) {
      const first = ordered[start]!;
      let end = start + 1;
      while (first.bundleId !== undefined && ordered[end]?.bundleId === first.bundleId) end += 1;
      const unit = ordered.slice(start, end);
      start = end;
      const needed = new Map<number, bigint>();
      for (const transaction of unit) {
        needed.set(transaction.chainId, (needed.get(transaction.chainId) ?? gasUsed.get(transaction.chainId) ?? 0n) + transaction.gas);
      }
      const fits = [...needed].every(([chainId, gas]) => !full.has(chainId) && gas <= blockGasLimit);
      if (!fits) {
        for (const chainId of needed.keys()) full.add(chainId);
        continue;
      }
      for (const [chainId, gas] of needed) gasUsed.set(chainId, gas);
      taken.push(...unit);
    }
    const takenSet = new Set(taken);
    const remaining = this.#ready.filter((transaction) => !takenSet.has(transaction));
    this.#ready.length = 0;
    this.#ready.push(...remaining.sort((a, b) => a.arrival - b.arrival));
    return taken;
  }

  /**
   * Removes every pending transaction of a sender from `fromNonce` on, and
   * resets its next nonce to `fromNonce`: they cannot run once that nonce
   * was dropped. Returns what it removed.
   */
  removeFrom(chainId: number, from: Address, fromNonce: number): SequencedTransaction[] {
    const key = senderKey({ chainId, from });
    const removed: SequencedTransaction[] = [];
    const kept = this.#ready.filter((transaction) => {
      const remove = senderKey(transaction) === key && transaction.nonce >= fromNonce;
      if (remove) removed.push(transaction);
      return !remove;
    });
    this.#ready.length = 0;
    this.#ready.push(...kept);
    const queued = this.#queued.get(key);
    for (const [nonce, transaction] of queued ?? []) {
      if (nonce < fromNonce) continue;
      removed.push(transaction);
      queued!.delete(nonce);
    }
    if (queued?.size === 0) this.#queued.delete(key);
    const next = this.#nextNonce.get(key);
    if (next !== undefined && next > fromNonce) this.#nextNonce.set(key, fromNonce);
    return removed;
  }

  /**
   * Removes one pending transaction that ran another way (forced through
   * L1): its nonce is used, so its sender's later ones stay as they are.
   */
  remove(transaction: SequencedTransaction): void {
    const index = this.#ready.findIndex((pending) => pending.hash === transaction.hash);
    if (index !== -1) this.#ready.splice(index, 1);
    const queued = this.#queued.get(senderKey(transaction));
    if (queued?.get(transaction.nonce)?.hash === transaction.hash) queued.delete(transaction.nonce);
  }

  /** Removes and returns everything still pending (used when the sequencer stops). */
  drain(): SequencedTransaction[] {
    const all = this.pending();
    this.#ready.length = 0;
    this.#queued.clear();
    this.#nextNonce.clear();
    return all;
  }
}

/**
 * What a policy chose, as the mempool's own transactions: each candidate
 * it returned, once, matched by hash (a policy may return copies), and
 * nothing that was not a candidate.
 */
function chosen(order: readonly SequencedTransaction[], candidates: readonly SequencedTransaction[]): SequencedTransaction[] {
  const byHash = new Map(candidates.map((transaction) => [transaction.hash, transaction]));
  const result: SequencedTransaction[] = [];
  for (const { hash } of order) {
    const transaction = byHash.get(hash);
    if (transaction === undefined) continue;
    byHash.delete(hash);
    result.push(transaction);
  }
  return result;
}
