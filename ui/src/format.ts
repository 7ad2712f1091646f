import type { BatchView, ChipStatus, TxChip } from "../../devnet/view/types.ts";

/** `0xf39F…2266`: enough of an address to tell senders apart on a projector. */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** `0x1234ab…` for a transaction hash. */
export function shortHash(hash: string): string {
  return `${hash.slice(0, 8)}…`;
}

/**
 * Who sent a transaction: the development account's index (`acct 1`) when it
 * is one, which a class can follow, else the short address.
 */
export function senderLabel(address: string, devAccounts: readonly string[]): string {
  const index = devAccounts.findIndex((account) => account.toLowerCase() === address.toLowerCase());
  return index === -1 ? shortAddress(address) : `acct ${index}`;
}

/** `1.2 kB`, `640 B`: batch sizes as a class reads them. */
export function formatBytes(bytes: number): string {
  return bytes < 1000 ? `${bytes} B` : `${(bytes / 1000).toFixed(1)} kB`;
}

/** `#12–#20`, `#12`, or `no transactions`: the range [start, end), end exclusive as in the batch header. */
export function globalRange(start: number, end: number): string {
  if (end <= start) return "no transactions";
  return end === start + 1 ? `#${start}` : `#${start}–#${end - 1}`;
}

/** `batch 3 · #12–#20 · 1.2 kB`: a batch as its chip on the L1 lane reads. */
export function batchLabel(batch: BatchView): string {
  return `batch ${batch.number} · ${globalRange(batch.globalSeqStart, batch.globalSeqEnd)} · ${formatBytes(batch.bytes)}`;
}

/** The word on a chip next to its colour, so that status never rests on colour alone. */
export function statusWord(status: ChipStatus): string {
  return { pending: "pending", included: "included", dropped: "dropped" }[status];
}

/** `#7` once included; `…` while pending; `✕` when dropped (dropped units get no global sequence number). */
export function sequenceLabel(chip: TxChip): string {
  if (chip.globalSeq !== undefined) return `#${chip.globalSeq}`;
  return chip.status === "dropped" ? "✕" : "…";
}

/** One sentence for screen readers and tooltips: everything a chip shows, in words. */
export function describeChip(chip: TxChip, chainName: string, devAccounts: readonly string[]): string {
  const what = chip.role === "action" ? "Action (relayed message)" : "Transaction";
  const order = chip.globalSeq === undefined ? "" : ` number ${chip.globalSeq}`;
  const reason = chip.reason === undefined ? "" : `: ${chip.reason}`;
  return `${what}${order} on ${chainName} from ${senderLabel(chip.from, devAccounts)}, ${statusWord(chip.status)}${reason}`;
}
