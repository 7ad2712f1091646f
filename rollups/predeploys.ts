import { type Address, encodeDeployData, type Hex } from "viem";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import { artifact } from "../contracts/artifacts.ts";
import type { Chain } from "./chain.ts";

/** Balance the sequencer gets on every rollup, to pay for relays. */
export const SEQUENCER_ROLLUP_BALANCE = 1_000_000n * 10n ** 18n;

/** What a rollup's predeploys depend on; derivation reads all of it from the L1 inbox. */
export interface PredeployParameters {
  sequencer: Address;
  /** The devnet's rollup chain ids, consecutive. */
  chainIds: readonly number[];
}

/**
 * Installs the rollup's system contracts before its first block: the
 * messenger at {@link MESSENGER_ADDRESS} and the sequencer's balance.
 * Deterministic, so derivation repeats it on its fresh chains and reaches
 * the same state roots.
 *
 * Hardhat's network config cannot put code in a genesis state (its
 * `accounts` carry a key and a balance only), so both are set before the
 * first block rather than in genesis.
 */
export async function installPredeploys(chain: Chain, parameters: PredeployParameters): Promise<void> {
  const runtime = await messengerRuntime(chain, parameters);
  await Promise.all([
    chain.provider.request({ method: "hardhat_setCode", params: [MESSENGER_ADDRESS, runtime] }),
    chain.provider.request({
      method: "hardhat_setBalance",
      params: [parameters.sequencer, `0x${SEQUENCER_ROLLUP_BALANCE.toString(16)}`],
    }),
  ]);
}

/** The messenger's runtime code by its constructor arguments, for as long as the process runs. */
const messengerRuntimes = new Map<string, Promise<Hex>>();

/**
 * The messenger's runtime code for these parameters, obtained by running its
 * creation code in an `eth_call` (so immutables are set without a
 * transaction). It depends on the constructor arguments only, and those are
 * the same on every rollup of a devnet: one call serves them all, where a
 * call per rollup cost a few milliseconds each (the first `eth_call` of a
 * chain is its slowest). A failed call is forgotten, so the next one retries.
 */
function messengerRuntime(chain: Chain, { sequencer, chainIds }: PredeployParameters): Promise<Hex> {
  const args = [sequencer, BigInt(chainIds[0] ?? 0), BigInt(chainIds.length)] as const;
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
