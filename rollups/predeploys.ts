import { type Address, encodeAbiParameters, encodeDeployData, type Hex, hexToBigInt, keccak256, numberToHex } from "viem";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import { artifact } from "../contracts/artifacts.ts";
import type { Chain } from "./chain.ts";

/** Balance every committee member gets on every rollup, to pay for the relays it sends. */
export const COMMITTEE_ROLLUP_BALANCE = 1_000_000n * 10n ** 18n;

/** What a rollup's predeploys depend on; derivation reads all of it from the L1 inbox. */
export interface PredeployParameters {
  /** The sequencer committee as deployed (`SharedInbox.genesisMembers`): every member may relay messages. */
  committee: readonly Address[];
  /** The chain ids of the rollups the devnet started with, consecutive. */
  chainIds: readonly number[];
  /**
   * For a rollup added at runtime: the rollups added up to it, itself
   * included, which its messenger knows from its genesis on (the ones added
   * later are announced to it by `addChain`). Empty for the devnet's first
   * rollups.
   */
  addedChainIds?: readonly number[];
}

/**
 * Storage slot of the messenger's `isRelayer` mapping: after messageNonce,
 * sentMessages, successfulMessages, sentMessagesHash and relayedMessagesHash
 * (solc's storage layout says so; its transient variables take no slot).
 */
const IS_RELAYER_SLOT = 5n;

/** Storage slot of the messenger's `isAddedChain` mapping, right after `isRelayer`. */
const IS_ADDED_CHAIN_SLOT = 6n;

/** `true` as a storage word. */
const TRUE_WORD = numberToHex(1, { size: 32 });

/**
 * Installs the rollup's system contracts before its first block: the
 * messenger at {@link MESSENGER_ADDRESS} with every committee member as a
 * relayer and the rollups added to the devnet as destinations, and each
 * member's {@link COMMITTEE_ROLLUP_BALANCE}. Deterministic,
 * so derivation repeats it on its fresh chains and reaches the same state
 * roots.
 *
 * Hardhat's network config cannot put code or storage in a genesis state
 * (its `accounts` carry a key and a balance only), so they are set before the
 * first block rather than in genesis; and a predeploy runs no constructor, so
 * the committee is written into `isRelayer` directly.
 */
export async function installPredeploys(chain: Chain, { committee, chainIds, addedChainIds = [] }: PredeployParameters): Promise<void> {
  const runtime = await messengerRuntime(chain, chainIds);
  const balance = numberToHex(COMMITTEE_ROLLUP_BALANCE);
  const setTrue = (slot: Hex) => chain.provider.request({ method: "hardhat_setStorageAt", params: [MESSENGER_ADDRESS, slot, TRUE_WORD] });
  await Promise.all([
    chain.provider.request({ method: "hardhat_setCode", params: [MESSENGER_ADDRESS, runtime] }),
    ...committee.flatMap((member) => [
      setTrue(mappingSlot(hexToBigInt(member), IS_RELAYER_SLOT)),
      chain.provider.request({ method: "hardhat_setBalance", params: [member, balance] }),
    ]),
    ...addedChainIds.map((chainId) => setTrue(mappingSlot(BigInt(chainId), IS_ADDED_CHAIN_SLOT))),
  ]);
}

/**
 * The messenger's storage slot of `mapping[key]` for the mapping at `slot`,
 * Solidity's `keccak256(abi.encode(key, slot))`, as a quantity (no leading
 * zeros), the form `hardhat_setStorageAt` takes. An address key is given as
 * its number: `abi.encode` pads an address to 32 bytes as it does a uint256.
 */
function mappingSlot(key: bigint, slot: bigint): Hex {
  const word = keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [key, slot]));
  return numberToHex(hexToBigInt(word));
}

/** The messenger's runtime code by its constructor arguments, for as long as the process runs. */
const messengerRuntimes = new Map<string, Promise<Hex>>();

/**
 * The messenger's runtime code for the devnet's rollups, obtained by running
 * its creation code in an `eth_call` (so immutables are set without a
 * transaction). It depends on the constructor arguments only, and those are
 * the same on every rollup of a devnet: one call serves them all, where a
 * call per rollup cost a few milliseconds each (the first `eth_call` of a
 * chain is its slowest). A failed call is forgotten, so the next one retries.
 */
function messengerRuntime(chain: Chain, chainIds: readonly number[]): Promise<Hex> {
  const args = [BigInt(chainIds[0] ?? 0), BigInt(chainIds.length)] as const;
  const key = args.join(",");
  let runtime = messengerRuntimes.get(key);
  if (runtime === undefined) {
    const { abi, bytecode } = artifact("L2ToL2CrossDomainMessenger");
    const creation = encodeDeployData({ abi, bytecode, args });
    runtime = chain.provider.request({ method: "eth_call", params: [{ data: creation }, "latest"] }) as Promise<Hex>;
    messengerRuntimes.set(key, runtime);
    runtime.catch(() => messengerRuntimes.delete(key));
  }
  return runtime;
}
