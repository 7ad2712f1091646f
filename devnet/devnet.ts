import {
  type Address,
  concat,
  keccak256,
  toHex,
  type Chain as ViemChain,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  type EIP1193Provider,
  type Hex,
  hashMessage,
  hashTypedData,
  type PublicClient,
  serializeSignature,
  serializeTransaction,
  type Transport,
  type WalletClient,
} from "viem";
import { type LocalAccount, toAccount } from "viem/accounts";
import { type DevAccount, devAccounts, sequencerAccounts } from "../rollups/accounts.ts";
import { type Chain, type ChainSpec, createChain, ROLLUP_BLOCK_GAS_LIMIT } from "../rollups/chain.ts";
import { EdrRollupEngine } from "../rollups/edr-engine.ts";
import { checkBatch, MAX_BLOCKS_PER_BATCH } from "../sequencer/batch/check.ts";
import { systemClock } from "../sequencer/clock.ts";
import type { JournalEntry, RollupEngine } from "../sequencer/ports.ts";
import { DataDir, DataDirError, type DataDirIdentity } from "./data-dir.ts";
import { createL1Handler } from "./l1-rpc.ts";
import { loggedL1, replayL1 } from "./l1-log.ts";
import { DevSigner } from "../rollups/dev-signer.ts";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import { installPredeploys } from "../rollups/predeploys.ts";
import { createRollupHandler } from "../rollups/rollup-rpc.ts";
import { type JsonRpcHandler, type RpcServer, startRpcServer } from "../rollups/rpc-server.ts";
import type { InboxState } from "../sequencer/batch/builder.ts";
import { BatchPoster, deployInbox, inboxAddressOf } from "../sequencer/inbox.ts";
import { resolvePolicy } from "../sequencer/policies/index.ts";
import { createCommittee } from "../sequencer/encryption/threshold.ts";
import { signHash } from "../sequencer/secp256k1.ts";
import { type SequencerParameters, SharedSequencer } from "../sequencer/sequencer.ts";
import { type DevnetConfig, type DevnetUserConfig, resolveDevnetConfig } from "./config.ts";
import type { Manifest } from "./manifest.ts";

/** One chain of a running devnet, with clients ready to use. */
export interface DevnetChain {
  name: string;
  chainId: number;
  /** The HTTP endpoint, when the devnet serves RPC. */
  rpcUrl: string | undefined;
  /** EIP-1193 provider; on a rollup, writes go through the shared sequencer, as over HTTP. */
  provider: EIP1193Provider;
  /** viem chain definition. */
  chain: ViemChain;
  publicClient: PublicClient<Transport, ViemChain>;
  /** Wallet client whose `eth_sendTransaction` signs with the development accounts. */
  walletClient: WalletClient<Transport, ViemChain>;
  /** Contracts the devnet deployed on this chain, by name. */
  contracts: Record<string, Address>;
}

/** A running devnet: one L1, N rollups and the shared sequencer. */
export interface Devnet {
  config: DevnetConfig;
  l1: DevnetChain;
  rollups: DevnetChain[];
  accounts: readonly DevAccount[];
  sequencer: SharedSequencer;
  /** The manifest tools read (`--manifest`). */
  manifest(): Manifest;
  /** Stops the sequencer (draining the mempool, posting the last batch), the RPC servers, the chains and the data directory. */
  stop(): Promise<void>;
}

/** Options of {@link startDevnet} beyond the devnet's config. */
export interface StartDevnetHooks {
  /** Errors of background work (slot production, batch posting). Default: printed to stderr. */
  onError?: (error: unknown) => void;
  onBatch?: SequencerParameters["onBatch"];
  /**
   * Stands between the sequencer and each rollup's engine: for research
   * and tests that watch, delay or fail engine calls (see `InterceptedEngine`
   * in `sequencer/faults.ts`). Replay on restart does not go through it.
   */
  wrapEngine?: (engine: RollupEngine) => RollupEngine;
}

/**
 * Starts a devnet in this process.
 *
 * @example
 * ```ts
 * const devnet = await startDevnet({ rollups: 2 });
 * const [a, b] = devnet.rollups;
 * const hash = await a.walletClient.sendTransaction({ account: devnet.accounts[0].address, to, value: 1n });
 * await devnet.stop();
 * ```
 */
export async function startDevnet(user: DevnetUserConfig = {}, hooks: StartDevnetHooks = {}): Promise<Devnet> {
  const config = resolveDevnetConfig(user);
  const dataDir = config.dataDir === undefined ? undefined : await DataDir.open(config.dataDir);
  const identity = {
    l1ChainId: config.l1ChainId,
    rollups: config.rollups,
    seed: config.seed,
    committee: config.committee,
    maxMessageDepth: config.maxMessageDepth,
    sequencers: config.sequencers,
    forceInclusionDelay: config.forceInclusionDelay,
  };
  const stored = dataDir === undefined ? undefined : openIdentity(dataDir, identity);
  const genesisTimestamp = stored?.genesisTimestamp ?? Math.floor(Date.now() / 1000);
  const specs: ChainSpec[] = [
    { name: "L1", chainId: config.l1ChainId, kind: "l1", genesisTimestamp },
    ...Array.from({ length: config.rollups }, (_, index): ChainSpec => {
      const chainId = config.l1ChainId + 1 + index;
      return { name: `rollup-${chainId}`, chainId, kind: "rollup", genesisTimestamp };
    }),
  ];
  const chains = await Promise.all(specs.map((spec) => createChain(spec)));
  const [l1Chain, ...rollupChains] = chains as [Chain, ...Chain[]];
  const servers: RpcServer[] = [];
  let sequencer: SharedSequencer | undefined;
  const stop = async () => {
    const results = await Promise.allSettled([sequencer?.stop()]);
    results.push(...(await Promise.allSettled(servers.map((server) => server.close()))));
    results.push(...(await Promise.allSettled(chains.map((chain) => chain.close()))));
    dataDir?.close();
    const errors = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    if (errors.length > 0) throw new AggregateError(errors, "The devnet did not stop cleanly");
  };
  try {
    // Derived once: the committee's keys post the batches and sign the relays; the first deploys the inbox.
    const sequencerKeys = sequencerAccounts(config.sequencers);
    const [sequencerKey] = sequencerKeys as [DevAccount, ...DevAccount[]];
    const members = sequencerKeys.map((key) => key.address);
    // With a data directory, every state-changing L1 request is logged, so a restart can replay L1.
    const l1Requests = dataDir === undefined ? l1Chain.provider : loggedL1(l1Chain.provider, dataDir);
    const l1Provider = l1Requests as unknown as EIP1193Provider;
    // Read once: replaying the rollups and restoring the sequencer both walk it.
    const journal = stored === undefined ? [] : dataDir!.journal();
    // L1 needs only the rollups' genesis heads (block 0, fixed when a chain
    // is created), not their predeploys (the state after it): so L1 (the
    // inbox, or on a restart its log replayed) and the rollups' predeploys
    // are set up at the same time.
    const setUpL1 = async () => {
      const genesisHeads = await Promise.all(rollupChains.map(readGenesisHead));
      if (stored !== undefined) {
        await replayL1(l1Chain.provider, dataDir!.l1Log());
        return { genesisHeads, inboxAddress: inboxAddressOf(sequencerKey.address) };
      }
      await Promise.all(members.map((member) => l1Requests.request({ method: "hardhat_setBalance", params: [member, "0x21e19e0c9bab2400000"] })));
      const deployment = { members, genesisTimestamp, forceInclusionDelay: config.forceInclusionDelay, rollups: genesisHeads };
      return { genesisHeads, inboxAddress: await deployInbox(l1Provider, sequencerKey, deployment) };
    };
    const predeploys = { committee: members, chainIds: rollupChains.map((chain) => chain.spec.chainId) };
    const [{ genesisHeads, inboxAddress }] = await Promise.all([setUpL1(), ...rollupChains.map((chain) => installPredeploys(chain, predeploys))]);
    const engines = rollupChains.map((chain) => new EdrRollupEngine(chain));
    if (stored === undefined) dataDir?.setIdentity({ genesisTimestamp, chains: identity });
    else await replayRollups(dataDir!, journal, engines);
    const inbox: InboxState = { batchNumber: 0, batchHash: `0x${"00".repeat(32)}`, nextGlobalSeq: 0, nextForced: 0, heads: genesisHeads };
    const poster = new BatchPoster(l1Provider, sequencerKeys.map(sequencerL1Account), inboxAddress);
    sequencer = new SharedSequencer({
      engines: hooks.wrapEngine === undefined ? engines : engines.map(hooks.wrapEngine),
      l1: poster,
      inbox,
      clock: systemClock,
      blockGasLimit: ROLLUP_BLOCK_GAS_LIMIT,
      maxBlocksPerBatch: Number(MAX_BLOCKS_PER_BATCH),
      checkBatch,
      faults: config.faults,
      ...(dataDir === undefined ? {} : { journal: dataDir }),
      policy: resolvePolicy(config.policy),
      mode: config.mode,
      sequencers: {
        keys: sequencerKeys,
        domain: { l1ChainId: config.l1ChainId, inbox: inboxAddress },
        gossipMs: config.gossipMs,
        viewTimeoutMs: config.viewTimeoutMs,
        prover: poster,
      },
      seed: config.seed,
      committee: createCommittee({ ...config.committee, seed: keccak256(concat([config.seed, toHex("committee")])) }),
      maxMessageDepth: config.maxMessageDepth,
      revertProtection: config.revertProtection,
      genesisTimestamp,
      onError: hooks.onError ?? ((error) => console.error(error instanceof Error ? error.message : error)),
      ...(hooks.onBatch === undefined ? {} : { onBatch: hooks.onBatch }),
    });
    if (stored !== undefined) await sequencer.restore(journal);
    sequencer.start();
    const signer = new DevSigner(devAccounts());
    const handlers: JsonRpcHandler[] = [
      createL1Handler({ l1: l1Requests, sequencer }),
      ...rollupChains.map((chain) => createRollupHandler({ chain, sequencer: sequencer!, signer })),
    ];
    const urls: (string | undefined)[] = [];
    if (config.rpc !== false) {
      const { host, port, rollupPort } = config.rpc;
      for (const [index, chain] of chains.entries()) {
        const chainPort = port === 0 ? 0 : index === 0 ? port : rollupPort + index - 1;
        servers.push(await startRpcServer({ host, port: chainPort, handle: handlers[index]!, name: chain.spec.name }));
        urls.push(servers.at(-1)!.url);
      }
    }
    const devnetChains = chains.map((chain, index) =>
      devnetChain(
        chain.spec,
        handlers[index]!,
        urls[index],
        index === 0 ? { SharedInbox: inboxAddress } : { L2ToL2CrossDomainMessenger: MESSENGER_ADDRESS },
      ),
    );
    const [l1, ...rollups] = devnetChains as [DevnetChain, ...DevnetChain[]];
    const accounts = devAccounts();
    return {
      config,
      l1,
      rollups,
      accounts,
      sequencer,
      manifest: () => ({
        l1: manifestChain(l1),
        rollups: rollups.map(manifestChain),
        sequencers: members,
        accounts: accounts.map(({ address, privateKey }) => ({ address, privateKey })),
      }),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * The identity a data directory was created with; `undefined` for a new
 * one. A directory whose first start never finished holds nothing anyone
 * was told of, so it starts afresh.
 *
 * @throws {DataDirError} when the devnet's options differ from the ones it was created with.
 */
function openIdentity(dataDir: DataDir, identity: Record<string, unknown>): DataDirIdentity | undefined {
  const stored = dataDir.identity();
  if (stored === undefined) {
    dataDir.reset();
    return undefined;
  }
  for (const [option, value] of Object.entries(identity)) {
    if (JSON.stringify(stored.chains[option]) !== JSON.stringify(value)) {
      throw new DataDirError({
        dir: dataDir.dir,
        reason: `it holds a devnet made with ${option} ${JSON.stringify(stored.chains[option])}, not ${JSON.stringify(value)}; start it with the same options, or use another directory`,
      });
    }
  }
  return stored;
}

/** Rebuilds the rollups by replaying, in order, every block the journal's slots produced. */
async function replayRollups(dataDir: DataDir, journal: readonly JournalEntry[], engines: readonly EdrRollupEngine[]): Promise<void> {
  const byChain = new Map(engines.map((engine) => [engine.chainId, engine]));
  for (const entry of journal) {
    if (entry.kind !== "slot") continue;
    for (const block of entry.slot.blocks) {
      const mined = await byChain.get(block.chainId)!.mineBlock(block.transactions, block.timestamp);
      if (mined.block.hash !== block.hash) {
        throw new DataDirError({
          dir: dataDir.dir,
          reason: `replaying rollup ${block.chainId} block ${block.number} gave hash ${mined.block.hash}, the journal holds ${block.hash}`,
        });
      }
    }
  }
}

/**
 * The sequencer's L1 account (it signs the batches), signing with
 * libsecp256k1 as its relays do. viem's `privateKeyToAccount` would compute
 * the public key at once with viem's pure-JS curve, whose first use builds
 * its tables (about 25 ms of the start), and sign each batch in about 4 ms.
 */
function sequencerL1Account({ address, privateKey }: DevAccount): LocalAccount {
  const sign = (hash: Hex) => serializeSignature(signHash(hash, privateKey));
  return toAccount({
    address,
    signMessage: async ({ message }) => sign(hashMessage(message)),
    signTransaction: async (transaction, { serializer = serializeTransaction } = {}) =>
      serializer(transaction, signHash(keccak256(await serializer(transaction)), privateKey)),
    signTypedData: async (typedData) => sign(hashTypedData(typedData)),
  });
}

async function readGenesisHead(chain: Chain) {
  const genesis = (await chain.provider.request({ method: "eth_getBlockByNumber", params: ["0x0", false] })) as {
    hash: `0x${string}`;
    stateRoot: `0x${string}`;
  };
  return { chainId: chain.spec.chainId, head: { blockNumber: 0, blockHash: genesis.hash, stateRoot: genesis.stateRoot } };
}

function devnetChain(
  spec: ChainSpec,
  handle: JsonRpcHandler,
  rpcUrl: string | undefined,
  contracts: Record<string, Address>,
): DevnetChain {
  const provider = {
    request: ({ method, params }: { method: string; params?: unknown }) =>
      handle({ method, params: Array.isArray(params) ? params : [] }),
  } as EIP1193Provider;
  const chain = defineChain({
    id: spec.chainId,
    name: spec.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: rpcUrl === undefined ? [] : [rpcUrl] } },
  });
  const transport = custom(provider);
  return {
    name: spec.name,
    chainId: spec.chainId,
    rpcUrl,
    provider,
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
    walletClient: createWalletClient({ chain, transport, pollingInterval: 50 }),
    contracts,
  };
}

function manifestChain(chain: DevnetChain) {
  return { name: chain.name, chainId: chain.chainId, rpcUrl: chain.rpcUrl ?? null, contracts: chain.contracts };
}
