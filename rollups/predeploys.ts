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
 * messenger at {@link MESSENGER_ADDRESS} (runtime code obtained by running
 * its creation code in an `eth_call`, so immutables are set without a
 * transaction) and the sequencer's balance. Deterministic, so derivation
 * repeats it on its fresh chains and reaches the same state roots.
 */
export async function installPredeploys(chain: Chain, { sequencer, chainIds }: PredeployParameters): Promise<void> {
  const { abi, bytecode } = artifact("L2ToL2CrossDomainMessenger");
  const creation = encodeDeployData({ abi, bytecode, args: [sequencer, BigInt(chainIds[0] ?? 0), BigInt(chainIds.length)] });
  const runtime = (await chain.provider.request({ method: "eth_call", params: [{ data: creation }, "latest"] })) as Hex;
  await chain.provider.request({ method: "hardhat_setCode", params: [MESSENGER_ADDRESS, runtime] });
  await chain.provider.request({
    method: "hardhat_setBalance",
    params: [sequencer, `0x${SEQUENCER_ROLLUP_BALANCE.toString(16)}`],
  });
}
