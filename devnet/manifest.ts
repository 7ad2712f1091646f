import { rename, writeFile } from "node:fs/promises";
import type { Address, Hex } from "viem";

/** A chain as the manifest describes it. */
export interface ManifestChain {
  name: string;
  chainId: number;
  /** `null` for an in-process devnet without RPC servers. */
  rpcUrl: string | null;
  /** The same endpoint over WebSocket (`eth_subscribe`); `null` without RPC servers. */
  wsUrl: string | null;
  /** Deployed contracts by name; `l1.contracts.SharedInbox` is the L1 inbox. */
  contracts: Record<string, Address>;
}

/** The file `xrollup devnet --manifest FILE` writes once everything is ready. */
export interface Manifest {
  l1: ManifestChain;
  rollups: ManifestChain[];
  /** The sequencer committee's addresses, in rotation order (one for a single sequencer). */
  sequencers: Address[];
  accounts: { address: Address; privateKey: Hex }[];
  /** The classroom view, served by the L1 endpoint (`http://127.0.0.1:8545/ui/`); `null` without RPC servers. */
  ui: string | null;
}

/** Writes the manifest atomically enough for a watcher: the file appears complete. */
export async function writeManifest(file: string, manifest: Manifest): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temporary, file);
}
