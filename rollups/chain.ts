import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { EthereumProvider } from "hardhat/types/providers";
import { PROJECT_ROOT } from "../contracts/artifacts.ts";
import hardhatConfig from "../hardhat.config.ts";
import { DEV_ACCOUNT_BALANCE, DEV_ACCOUNT_COUNT, DEV_MNEMONIC } from "./accounts.ts";

/** The package root, where Hardhat finds the compiled artifacts (the one definition is in contracts/artifacts.ts). */
export { PROJECT_ROOT };

/**
 * Gas limit of every rollup block. Fixed, because the sequencer fills blocks
 * up to it and derivation must rebuild the very same blocks.
 */
export const ROLLUP_BLOCK_GAS_LIMIT = 30_000_000n;

/** What a chain is: the facts its genesis follows from. */
export interface ChainSpec {
  /** Human-readable name, e.g. `"L1"` or `"rollup-901"`. */
  name: string;
  chainId: number;
  /** `l1` is a plain automining chain; `rollup` is an OP-stack chain mined only by the shared sequencer. */
  kind: "l1" | "rollup";
  /** Unix timestamp (seconds) of the genesis block. */
  genesisTimestamp: number;
}

/** An in-process simulated chain (Hardhat 3 / EDR) and its raw EIP-1193 provider. */
export interface Chain {
  readonly spec: ChainSpec;
  /** The chain itself, without the sequencer in front of it. */
  readonly provider: EthereumProvider;
  close(): Promise<void>;
}

const NETWORK_TEMPLATES = {
  l1: { type: "edr-simulated", chainType: "l1" },
  rollup: { type: "edr-simulated", chainType: "op" },
} as const;

let runtime: Promise<HardhatRuntimeEnvironment> | undefined;

/** The one Hardhat runtime of this process, created on first use from the project's config. */
export function hardhatRuntime(): Promise<HardhatRuntimeEnvironment> {
  // Imported dynamically: when this module is loaded through require(esm)
  // (mocha 12 loads test files so, under tsx), a static import would load
  // Hardhat's built-in plugins once through require while Hardhat imports
  // their dependencies with import(), and plugin resolution fails with
  // HHE2 "Duplicated plugin id".
  runtime ??= import("hardhat/hre").then(({ createHardhatRuntimeEnvironment }) =>
    createHardhatRuntimeEnvironment(
      {
        ...hardhatConfig,
        networks: { xrollupL1: NETWORK_TEMPLATES.l1, xrollupRollup: NETWORK_TEMPLATES.rollup },
      },
      {},
      PROJECT_ROOT,
    ),
  );
  return runtime;
}

/**
 * Starts a fresh in-process chain. Two chains created from equal specs have
 * equal genesis blocks, and equal blocks after the same transactions at the
 * same timestamps: derivation depends on it.
 */
export async function createChain(spec: ChainSpec): Promise<Chain> {
  const hre = await hardhatRuntime();
  const isRollup = spec.kind === "rollup";
  const connection = await afterFirstConnection(() =>
    withStateCacheLimit(() =>
      hre.network.create({
        network: isRollup ? "xrollupRollup" : "xrollupL1",
        chainType: NETWORK_TEMPLATES[spec.kind].chainType,
        override: {
          chainId: spec.chainId,
          initialDate: new Date(spec.genesisTimestamp * 1000),
          accounts: { mnemonic: DEV_MNEMONIC, count: DEV_ACCOUNT_COUNT, accountsBalance: DEV_ACCOUNT_BALANCE },
          // Rollup blocks are produced only by the sequencer, in its order, at
          // the timestamps it commits to L1.
          mining: isRollup ? { auto: false, interval: 0, mempool: { order: "fifo" } } : { auto: true, interval: 0 },
          allowBlocksWithSameTimestamp: isRollup,
          blockGasLimit: isRollup ? ROLLUP_BLOCK_GAS_LIMIT : 60_000_000n,
        },
      }),
    ),
  );
  return { spec, provider: connection.provider, close: () => connection.close() };
}

/** Settles once the process's first connection is made (or failed); `undefined` before any. */
let firstConnection: Promise<void> | undefined;

/**
 * Runs the process's first connection alone, and the others after it.
 * Hardhat makes its network manager on the first `network.create`, and
 * concurrent first calls each make their own, each with its own contract
 * decoder built from every build info (tens of milliseconds of the main
 * thread and a few MB each): 33 chains started at once paid for 33.
 */
async function afterFirstConnection<T>(connect: () => Promise<T>): Promise<T> {
  if (firstConnection !== undefined) {
    await firstConnection;
    return connect();
  }
  const connection = connect();
  firstConnection = connection.then(
    () => undefined,
    () => {
      // Nothing was shared: the next connection goes first.
      firstConnection = undefined;
    },
  );
  return connection;
}

/**
 * How many whole states (one per block) each chain keeps in memory. EDR
 * keeps 100,000 by default, about 20 KB per block mined: at one transaction
 * per block, 200 MB per 10,000 transactions that are never given back.
 * With this many, the states of the latest blocks (what the sequencer,
 * `latest` reads and revert reasons use) stay cached; a state further back
 * is rebuilt from the block diffs when asked for (about 0.1 ms per block
 * from genesis).
 */
export const CACHED_STATES_PER_CHAIN = 256;

/** EDR's only knob for it: read when a chain is created, not part of its public options. */
const CACHED_STATES_ENV = "__EDR_MAX_CACHED_STATES";

let creating = 0;

/**
 * Creates chains with EDR's state cache limited to
 * {@link CACHED_STATES_PER_CHAIN}, unless the user set the variable. The
 * variable is set only while our chains are being created, so other Hardhat
 * networks of the process (a benchmark's baseline) keep Hardhat's default.
 */
async function withStateCacheLimit<T>(create: () => Promise<T>): Promise<T> {
  const ours = creating > 0 || process.env[CACHED_STATES_ENV] === undefined;
  if (ours && creating++ === 0) process.env[CACHED_STATES_ENV] = String(CACHED_STATES_PER_CHAIN);
  try {
    return await create();
  } finally {
    if (ours && --creating === 0) delete process.env[CACHED_STATES_ENV];
  }
}
