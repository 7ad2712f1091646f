import { type Address, type Hex, bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/** Hardhat's and anvil's well-known development mnemonic. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** How many development accounts every chain prefunds, as Hardhat does. */
export const DEV_ACCOUNT_COUNT = 20;

/** Balance of each development account: 10,000 ETH, as Hardhat does. */
export const DEV_ACCOUNT_BALANCE = 10_000n * 10n ** 18n;

/**
 * HD index of the shared sequencer's key. It is the next index after the
 * development accounts, so the sequencer never shares a nonce with a user.
 */
export const SEQUENCER_ACCOUNT_INDEX = DEV_ACCOUNT_COUNT;

/** A development account: its address and private key. */
export interface DevAccount {
  address: Address;
  privateKey: Hex;
}

function accountAt(addressIndex: number): DevAccount {
  const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex });
  const privateKey = account.getHdKey().privateKey;
  if (privateKey === null) throw new Error(`HD key ${addressIndex} has no private key`);
  return { address: account.address, privateKey: bytesToHex(privateKey) };
}

let devAccountsCache: readonly DevAccount[] | undefined;

/**
 * The prefunded development accounts, the same on every chain of the devnet
 * and the same as `hardhat node`'s defaults.
 */
export function devAccounts(): readonly DevAccount[] {
  devAccountsCache ??= Array.from({ length: DEV_ACCOUNT_COUNT }, (_, index) => accountAt(index));
  return devAccountsCache;
}

/** The shared sequencer's default key (HD index {@link SEQUENCER_ACCOUNT_INDEX}). */
export function defaultSequencerAccount(): DevAccount {
  return accountAt(SEQUENCER_ACCOUNT_INDEX);
}
