import { type SequencedTransaction, senderKey } from "../types.ts";

/**
 * Restores nonce order within each sender while keeping the positions a
 * policy gave to that sender: the k-th place the policy gave to a sender
 * (on one rollup) gets that sender's k-th lowest nonce among `among` (by
 * default the order itself). A policy can thus sort freely (by tip, at
 * random) without ever producing a nonce gap; one that returns only some of
 * the pending transactions (`among`) gets each sender's lowest nonces, and
 * its highest wait.
 */
export function keepNonceOrder(order: readonly SequencedTransaction[], among: readonly SequencedTransaction[] = order): SequencedTransaction[] {
  const bySender = new Map<string, SequencedTransaction[]>();
  for (const transaction of among) {
    const key = senderKey(transaction);
    const list = bySender.get(key);
    if (list === undefined) bySender.set(key, [transaction]);
    else list.push(transaction);
  }
  for (const list of bySender.values()) list.sort((a, b) => a.nonce - b.nonce);
  const taken = new Map<string, number>();
  return order.map((transaction) => {
    const key = senderKey(transaction);
    const index = taken.get(key) ?? 0;
    taken.set(key, index + 1);
    return bySender.get(key)![index]!;
  });
}

/**
 * Keeps each bundle's transactions together, in the bundle's own order, at
 * the place the policy gave to the bundle's first transaction: a bundle's
 * transactions get consecutive global sequence numbers.
 */
export function keepBundlesTogether(order: readonly SequencedTransaction[]): SequencedTransaction[] {
  const members = new Map<string, SequencedTransaction[]>();
  for (const transaction of order) {
    if (transaction.bundleId === undefined) continue;
    const list = members.get(transaction.bundleId) ?? [];
    list.push(transaction);
    members.set(transaction.bundleId, list);
  }
  const placed = new Set<string>();
  return order.flatMap((transaction) => {
    if (transaction.bundleId === undefined) return [transaction];
    if (placed.has(transaction.bundleId)) return [];
    placed.add(transaction.bundleId);
    return members.get(transaction.bundleId)!.sort((a, b) => a.arrival - b.arrival);
  });
}

/**
 * Leaves out every bundle of which `order` holds only some of the members
 * `among` holds, and with each transaction left out, its sender's later
 * nonces in the order (they could not run before it), until what is left
 * holds every bundle whole. A policy that returns a subset of the pending
 * transactions can so never split a bundle.
 */
export function keepBundlesWhole(order: readonly SequencedTransaction[], among: readonly SequencedTransaction[]): SequencedTransaction[] {
  const sizes = new Map<string, number>();
  for (const { bundleId } of among) if (bundleId !== undefined) sizes.set(bundleId, (sizes.get(bundleId) ?? 0) + 1);
  let kept = [...order];
  for (;;) {
    const present = new Map<string, number>();
    for (const { bundleId } of kept) if (bundleId !== undefined) present.set(bundleId, (present.get(bundleId) ?? 0) + 1);
    const split = kept.filter(({ bundleId }) => bundleId !== undefined && present.get(bundleId) !== sizes.get(bundleId));
    if (split.length === 0) return kept;
    const cutFrom = new Map<string, number>();
    for (const transaction of split) {
      const key = senderKey(transaction);
      cutFrom.set(key, Math.min(cutFrom.get(key) ?? Infinity, transaction.nonce));
    }
    kept = kept.filter((transaction) => transaction.nonce < (cutFrom.get(senderKey(transaction)) ?? Infinity));
  }
}
