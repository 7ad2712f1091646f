import { type SequencedTransaction, senderKey } from "../types.ts";

/**
 * Restores nonce order within each sender while keeping the positions a
 * policy gave to that sender: the k-th place the policy gave to a sender
 * (on one rollup) gets that sender's k-th lowest nonce. A policy can thus
 * sort freely (by tip, at random) without ever producing a nonce gap.
 */
export function keepNonceOrder(order: readonly SequencedTransaction[]): SequencedTransaction[] {
  const bySender = new Map<string, SequencedTransaction[]>();
  for (const transaction of order) {
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
