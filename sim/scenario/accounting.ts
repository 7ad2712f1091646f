/**
 * The money of a run, read from its books (`ledger.ts`): pure functions
 * from the ledger's entries to what a searcher realised and holds, and to
 * what the sequencer earned.
 */
import type { LedgerEntry } from "../report/types.ts";
import { parseTokens } from "../tokens.ts";

/** The books' name for the rollups' block producer, which priority fees and auction payments go to. */
export const COINBASE_LABEL = "block producer (coinbase)";

/** A holder's change of one token in the books, in wei (0 when it did not change). */
function changeOf(entry: LedgerEntry | undefined, holder: string): bigint {
  return parseTokens(entry?.changes[holder] ?? "0") ?? 0n;
}

/** Reserves of a pool, in-token and out-token. */
export interface Reserves {
  reserveIn: bigint;
  reserveOut: bigint;
}

/**
 * A holder's in-tokens and out-tokens gained over every pool: `realised`,
 * what came back in the in-token less what went out; `inventory`, the
 * out-tokens it holds more (or fewer), and their value at the pools'
 * aggregate (liquidity-weighted) final mid price: the pools are one pair on
 * several rollups, so the out-token has one price, unrealised.
 */
export function holdings(ledger: readonly LedgerEntry[], holder: string, finalReserves: readonly Reserves[]): { realised: bigint; inventory: bigint; inventoryValue: bigint } {
  let realised = 0n;
  let inventory = 0n;
  for (const index of finalReserves.keys()) {
    realised += changeOf(ledger.find((entry) => entry.token === `IN (pool ${index})`), holder);
    inventory += changeOf(ledger.find((entry) => entry.token === `OUT (pool ${index})`), holder);
  }
  const reserveIn = finalReserves.reduce((sum, reserves) => sum + reserves.reserveIn, 0n);
  const reserveOut = finalReserves.reduce((sum, reserves) => sum + reserves.reserveOut, 0n);
  return { realised, inventory, inventoryValue: reserveOut === 0n ? 0n : (inventory * reserveIn) / reserveOut };
}

/**
 * What the sequencer earned, in wei of ETH: `fees`, the base fees the
 * rollups' blocks burnt (EDR burns them; an L2 sequencer keeps them);
 * `tips`, what the block producer gained less the auction payments it
 * received; `auctions`, the payments less refunds to users.
 */
export function sequencerRevenue(ledger: readonly LedgerEntry[], auctions: bigint): { fees: bigint; tips: bigint; auctions: bigint; total: bigint } {
  const eth = ledger.filter((entry) => entry.token.startsWith("ETH"));
  const fees = eth.reduce((sum, entry) => sum + (parseTokens(entry.burnt) ?? 0n), 0n);
  const producerGain = eth.reduce((sum, entry) => sum + changeOf(entry, COINBASE_LABEL), 0n);
  const tips = producerGain - auctions;
  return { fees, tips, auctions, total: fees + tips + auctions };
}
