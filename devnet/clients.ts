import {
  type Chain as ViemChain,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  type EIP1193Provider,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";

/** A chain's viem definition and clients over one EIP-1193 provider. */
export interface ChainClients {
  chain: ViemChain;
  publicClient: PublicClient<Transport, ViemChain>;
  /** Its `eth_sendTransaction` is the endpoint's: the devnet signs for its development accounts. */
  walletClient: WalletClient<Transport, ViemChain>;
}

/**
 * viem's chain and clients for a devnet chain reached through `provider`
 * (in-process, or over HTTP). Block numbers are never cached: a read right
 * after a slot must see the new block.
 */
export function chainClients({ chainId, name, provider, rpcUrl, wsUrl }: {
  chainId: number;
  name: string;
  provider: EIP1193Provider;
  rpcUrl: string | undefined;
  wsUrl?: string | undefined;
}): ChainClients {
  const chain = defineChain({
    id: chainId,
    name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: rpcUrl === undefined ? [] : [rpcUrl], webSocket: wsUrl === undefined ? [] : [wsUrl] } },
  });
  const transport = custom(provider);
  return {
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50, cacheTime: 0 }),
    walletClient: createWalletClient({ chain, transport, pollingInterval: 50 }),
  };
}
