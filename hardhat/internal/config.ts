import type { HardhatUserConfig } from "hardhat/config";
import type { NetworkUserConfig } from "hardhat/types/config";
import type { ConfigHooks } from "hardhat/types/hooks";
import { DEVNET_DEFAULTS, InvalidDevnetConfigError, resolveDevnetConfig } from "../../devnet/config.ts";
import type { XrollupConfig, XrollupNetwork, XrollupUserConfig } from "../types.ts";

/** Name of the network of L1; a rollup's is `xrollup` and its chain id. */
export const L1_NETWORK_NAME = "xrollupL1";

/** Hosts that mean "every interface": clients reach them on the loopback address. */
const WILDCARD_HOSTS: ReadonlySet<string> = new Set(["0.0.0.0", "::", ""]);

/**
 * Resolves the `xrollup` section against the devnet's defaults: the options
 * the devnet starts with, and the networks at its ports.
 *
 * @throws {InvalidDevnetConfigError} naming the first bad option, as `startDevnet` would, or a port the networks cannot name.
 */
export function resolveXrollupConfig(user: XrollupUserConfig = {}): XrollupConfig {
  const { host = DEVNET_DEFAULTS.rpc.host, port = DEVNET_DEFAULTS.rpc.port, rollupPort = DEVNET_DEFAULTS.rpc.rollupPort, ...options } = user;
  const devnet = { ...options, rpc: { host, port, rollupPort } };
  const { l1ChainId, rollups } = resolveDevnetConfig(devnet);
  // Port 0 would pick free ports at start, after Hardhat wrote the URLs.
  if (port === 0) throw new InvalidDevnetConfigError({ option: "port", reason: "expected a fixed port, not 0: the xrollup networks' URLs name it" });
  if (rollupPort === 0) throw new InvalidDevnetConfigError({ option: "rollupPort", reason: "expected a fixed port, not 0: the xrollup networks' URLs name it" });
  if (port >= rollupPort && port < rollupPort + rollups) {
    throw new InvalidDevnetConfigError({ option: "port", reason: `${port} is one of the rollups' ports (${rollupPort} to ${rollupPort + rollups - 1})` });
  }
  const urlHost = WILDCARD_HOSTS.has(host) ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const networks: XrollupNetwork[] = [
    { name: L1_NETWORK_NAME, chainId: l1ChainId, chainType: "l1", url: `http://${urlHost}:${port}` },
    ...Array.from({ length: rollups }, (_, index): XrollupNetwork => {
      const chainId = l1ChainId + 1 + index;
      return { name: `xrollup${chainId}`, chainId, chainType: "op", url: `http://${urlHost}:${rollupPort + index}` };
    }),
  ];
  return { devnet, networks };
}

/**
 * The Hardhat networks of the devnet's chains: HTTP, with the chain type
 * viem and Hardhat expect, and `remote` accounts (the devnet signs for its
 * development accounts, filling nonce, gas and fees as Hardhat does).
 */
export function networkUserConfigs(config: XrollupConfig): Record<string, NetworkUserConfig> {
  return Object.fromEntries(
    config.networks.map(({ name, chainType, url }): [string, NetworkUserConfig] => [name, { type: "http", chainType, url, accounts: "remote" }]),
  );
}

/** The plugin's config hooks: add the networks, check the section, resolve it into `hre.config.xrollup`. */
export default async (): Promise<Partial<ConfigHooks>> => ({
  async extendUserConfig(config, next) {
    let resolved: XrollupConfig;
    try {
      resolved = resolveXrollupConfig(config.xrollup);
    } catch (error) {
      // validateUserConfig reports it, with its place in the config.
      if (error instanceof InvalidDevnetConfigError) return next(config);
      throw error;
    }
    // A network the user defined under the same name wins.
    return next({ ...config, networks: { ...networkUserConfigs(resolved), ...config.networks } });
  },
  async validateUserConfig(config: HardhatUserConfig) {
    const section: unknown = config.xrollup;
    if (section === undefined) return [];
    if (typeof section !== "object" || section === null || Array.isArray(section)) {
      return [{ path: ["xrollup"], message: "Expected an object with the devnet's options (rollups, l1ChainId, port, rollupPort, …)." }];
    }
    try {
      resolveXrollupConfig(section as XrollupUserConfig);
      return [];
    } catch (error) {
      if (error instanceof InvalidDevnetConfigError) return [{ path: ["xrollup"], message: error.shortMessage }];
      throw error;
    }
  },
  async resolveUserConfig(userConfig, resolveConfigurationVariable, next) {
    const resolved = await next(userConfig, resolveConfigurationVariable);
    return { ...resolved, xrollup: resolveXrollupConfig(userConfig.xrollup) };
  },
});
