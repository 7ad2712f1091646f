/**
 * The run's books: every actor's balance of every token at the start and
 * the end of the scenario's slots, and what was minted and burnt between,
 * read from the chains. Per token, the changes across all actors sum to
 * minted less burnt; a test checks it, so an actor the books forgot (or a
 * token created from nothing) shows up as an imbalance.
 */
import { type Address, parseAbiItem, zeroAddress } from "viem";
import type { DevnetChain } from "../../devnet/devnet.ts";
import { artifact } from "../../contracts/artifacts.ts";
import type { LedgerEntry } from "../report/types.ts";
import { formatTokens } from "../tokens.ts";

/** An account the books follow, named for the report (`"user 12"`, `"pool 0"`). */
export interface Holder {
  label: string;
  address: Address;
}

/** A token the books follow: an ERC-20 on some rollups (the out-token is bridged, at one address on every rollup), or a rollup's ETH. */
export interface LedgerToken {
  label: string;
  /** The ERC-20's address; `undefined` for ETH. */
  address: Address | undefined;
  /** Where it is held. */
  chains: readonly DevnetChain[];
}

/** Balances of every holder, per token, per chain. */
export type Balances = Map<string, bigint>;

const transferEvent = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");

const key = (token: LedgerToken, chain: DevnetChain, holder: Holder) => `${token.label}|${chain.chainId}|${holder.label}`;

/** Reads every holder's balance of every token. */
export async function readBalances(tokens: readonly LedgerToken[], holders: readonly Holder[]): Promise<Balances> {
  const balances: Balances = new Map();
  const abi = artifact("DemoToken").abi;
  for (const token of tokens) {
    for (const chain of token.chains) {
      const values = await Promise.all(
        holders.map((holder) =>
          token.address === undefined
            ? chain.publicClient.getBalance({ address: holder.address })
            : chain.publicClient.readContract({ address: token.address, abi, functionName: "balanceOf", args: [holder.address] }),
        ),
      );
      holders.forEach((holder, index) => balances.set(key(token, chain, holder), values[index]!));
    }
  }
  return balances;
}

/** What a token gained or lost between two readings, for one holder, summed over the token's chains. */
export function change(before: Balances, after: Balances, token: LedgerToken, holder: Holder): bigint {
  return token.chains.reduce((sum, chain) => sum + (after.get(key(token, chain, holder)) ?? 0n) - (before.get(key(token, chain, holder)) ?? 0n), 0n);
}

/** Blocks of each chain the scenario's slots produced: after `from` (exclusive) up to `to` (inclusive). */
export type BlockRange = Map<number, { from: bigint; to: bigint }>;

/** The latest block of each chain, to delimit the books. */
export async function blockNumbers(chains: readonly DevnetChain[]): Promise<Map<number, bigint>> {
  const numbers = await Promise.all(chains.map((chain) => chain.publicClient.getBlockNumber()));
  return new Map(chains.map((chain, index) => [chain.chainId, numbers[index]!]));
}

/**
 * What was minted and burnt of a token in the range: ERC-20 transfers from
 * and to the zero address (bridging burns on one rollup and mints on the
 * other), and for ETH the base fee every block burnt (EDR burns it, as
 * Ethereum does; an L2 sequencer would keep it, which is why the result
 * counts it as the sequencer's `fees`).
 */
export async function mintedAndBurnt(token: LedgerToken, range: BlockRange): Promise<{ minted: bigint; burnt: bigint }> {
  let minted = 0n;
  let burnt = 0n;
  for (const chain of token.chains) {
    const { from, to } = range.get(chain.chainId)!;
    if (to <= from) continue;
    if (token.address === undefined) {
      for (let number = from + 1n; number <= to; number++) {
        const block = await chain.publicClient.getBlock({ blockNumber: number });
        burnt += (block.baseFeePerGas ?? 0n) * block.gasUsed;
      }
      continue;
    }
    const logs = await chain.publicClient.getLogs({ address: token.address, event: transferEvent, fromBlock: from + 1n, toBlock: to });
    for (const log of logs) {
      if (log.args.from === zeroAddress) minted += log.args.value!;
      if (log.args.to === zeroAddress) burnt += log.args.value!;
    }
  }
  return { minted, burnt };
}

/** The books of one token, for the result: every holder's change, and what was minted and burnt. */
export async function ledgerEntry(token: LedgerToken, holders: readonly Holder[], before: Balances, after: Balances, range: BlockRange): Promise<LedgerEntry> {
  const { minted, burnt } = await mintedAndBurnt(token, range);
  const changes: Record<string, string> = {};
  for (const holder of holders) {
    const delta = change(before, after, token, holder);
    if (delta !== 0n) changes[holder.label] = formatTokens(delta);
  }
  return { token: token.label, changes, minted: formatTokens(minted), burnt: formatTokens(burnt) };
}
