import type { DevnetUserConfig, RpcConfig } from "../devnet/config.ts";

/**
 * The `xrollup` section of a Hardhat project's config: the devnet's
 * options, with fixed ports, since the networks the plugin adds name them.
 */
export interface XrollupUserConfig extends Omit<DevnetUserConfig, "rpc" | "dataDir" | "artifacts" | "manual" | "loadState"> {
  /** Interface the devnet listens on; default 127.0.0.1. */
  host?: string;
  /** L1's port; default 8545. */
  port?: number;
  /** Port of the first rollup; rollup i listens on this + i. Default 9545. */
  rollupPort?: number;
}

/** One network the plugin adds: a chain of the devnet, over HTTP. */
export interface XrollupNetwork {
  /** The network's name in `hre.config.networks`: `xrollupL1`, `xrollup901`, … */
  name: string;
  chainId: number;
  /** `l1` for L1, `op` for a rollup (OP-stack chains). */
  chainType: "l1" | "op";
  url: string;
}

/** The `xrollup` section, resolved: `hre.config.xrollup`. */
export interface XrollupConfig {
  /** What the plugin's fixture and `npx hardhat xrollup` start the devnet with (the project's artifacts are added then). */
  devnet: DevnetUserConfig & { rpc: RpcConfig };
  /** L1's network, then one per rollup, in chain id order. */
  networks: readonly XrollupNetwork[];
}

/** Options of the plugin's `useDevnet`: anything but what the networks fix (chain ids, ports). */
export type XrollupTestOptions = Omit<DevnetUserConfig, "rpc" | "rollups" | "l1ChainId">;
