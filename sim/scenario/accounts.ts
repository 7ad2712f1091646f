/**
 * The lab's own accounts. Scripted victims trade from the devnet's
 * development accounts (a `"victim:N"` fault names one, and a victim forcing
 * its swap through L1 pays L1 gas from it); users, searchers, pool deployers
 * and the batch-auction settler get keys derived from their role and index,
 * the same in every run, so a scenario may have as many users as it says.
 */
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DevAccount } from "../../rollups/accounts.ts";

/** The development accounts scripted victims trade from (victim N uses N modulo this). */
export const VICTIM_ACCOUNTS = 15;

/** The roles the lab derives keys for. */
export type LabRole = "user" | "searcher" | "deployer" | "settler";

const derived = new Map<string, DevAccount>();

/**
 * The account of a lab role's N-th member: `keccak256("xrollup lab <role> <N>")`
 * as its private key. Memoised: deriving an address costs a curve multiplication.
 */
export function labAccount(role: LabRole, index: number): DevAccount {
  const key = `${role} ${index}`;
  const known = derived.get(key);
  if (known !== undefined) return known;
  const privateKey = keccak256(toHex(`xrollup lab ${key}`));
  const account = { address: privateKeyToAccount(privateKey).address, privateKey };
  derived.set(key, account);
  return account;
}

/** The development account scripted victim `index` trades from. */
export function victimAccount(accounts: readonly DevAccount[], index: number): DevAccount {
  return accounts[index % VICTIM_ACCOUNTS]!;
}
