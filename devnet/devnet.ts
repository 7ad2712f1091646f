import {
  type Address,
  concat,
  keccak256,
  toHex,
  type EIP1193Provider,
  type Hex,
  hashMessage,
  hashTypedData,
  serializeSignature,
  serializeTransaction,
} from "viem";
import { type LocalAccount, toAccount } from "viem/accounts";
import { type DevAccount, devAccounts, sequencerAccounts } from "../rollups/accounts.ts";
import { type Chain, type ChainSpec, createChain, ROLLUP_BLOCK_GAS_LIMIT } from "../rollups/chain.ts";
import { EdrRollupEngine } from "../rollups/edr-engine.ts";
import { checkBatch, MAX_BLOCKS_PER_BATCH } from "../sequencer/batch/check.ts";
import { systemClock } from "../sequencer/clock.ts";
import type { JournalEntry, RollupEngine } from "../sequencer/ports.ts";
import { FaultRegistry } from "../sequencer/faults.ts";
import type { XrollupError } from "../errors/base.ts";
import { type ChainClients, chainClients } from "./clients.ts";
import { DataDir, DataDirError } from "./data-dir.ts";
import { createL1Handler } from "./l1-rpc.ts";
import { loggedL1, replayL1 } from "./l1-log.ts";
import { type DevnetHistory, type DevnetIdentity, DevnetLog, identityMismatch } from "./log.ts";
import { DevnetSnapshots, type DevnetStateMethods, withStateMethods } from "./snapshots.ts";
import { decodeDevnetState, type DevnetState, encodeDevnetState, readStateFile, StateFileError } from "./state-file.ts";
import { DevSigner } from "../rollups/dev-signer.ts";
import { MESSENGER_ADDRESS } from "../contracts/addresses.ts";
import { AbiRegistry } from "../contracts/abi-registry.ts";
import { installPredeploys } from "../rollups/predeploys.ts";
import { createRollupHandler } from "../rollups/rollup-rpc.ts";
import { edrEvents, sequencerEvents } from "../rollups/event-sources.ts";
import { ChainSubscriptions } from "../rollups/subscriptions.ts";
import { type JsonRpcHandler, PortInUseError, type RpcServer, startRpcServer } from "../rollups/rpc-server.ts";
import { addedRollupsOf } from "../sequencer/add-rollup.ts";
import {
  type AddedRollupEndpoint,
  addedRollupPredeploys,
  addedRollupSpec,
  type AddRollupRequest,
  newRollupChainId,
  RollupAdditions,
  withRollupAddition,
} from "./add-rollup.ts";
import type { InboxState } from "../sequencer/batch/builder.ts";
import { BatchPoster, deployInbox, inboxAddressOf } from "../sequencer/inbox.ts";
import { loadPolicy, type OrderingPolicy } from "../sequencer/policies/index.ts";
import { createCommittee } from "../sequencer/encryption/threshold.ts";
import { signHash } from "../sequencer/secp256k1.ts";
import { type SequencerParameters, SharedSequencer } from "../sequencer/sequencer.ts";
import { type DevnetConfig, type DevnetUserConfig, resolveDevnetConfig } from "./config.ts";
import type { Manifest } from "./manifest.ts";
import { classroomReasons, devnetViewSource, withClassroomMethods } from "./view/control.ts";
import { withDevnetFeed } from "./view/feed.ts";
import { DevnetViewModel, joinSequencerEvents } from "./view/model.ts";
import { serveUi, uiUrl } from "./view/static.ts";

/** One chain of a running devnet, with clients ready to use. */
export interface DevnetChain extends ChainClients {
  name: string;
  chainId: number;
  /** The HTTP endpoint, when the devnet serves RPC. */
  rpcUrl: string | undefined;
  /** The same endpoint over WebSocket (`ws://`, same port), with `eth_subscribe`. */
  wsUrl: string | undefined;
  /** EIP-1193 provider; on a rollup, writes go through the shared sequencer, as over HTTP. */
  provider: EIP1193Provider;
  /** Contracts the devnet deployed on this chain, by name. */
  contracts: Record<string, Address>;
}

/** A running devnet: one L1, N rollups and the shared sequencer. */
export interface Devnet {
  config: DevnetConfig;
  l1: DevnetChain;
  rollups: DevnetChain[];
  accounts: readonly DevAccount[];
  /** The shared sequencer now: a revert replaces it, so read this afresh rather than keeping it. */
  readonly sequencer: SharedSequencer;
  /** Takes a snapshot of the whole devnet (`xr_snapshot`): L1, every rollup and the sequencer together; resolves with its id (`"0x1"`, `"0x2"`, …). */
  snapshot(): Promise<Hex>;
  /**
   * Goes back to a snapshot (`xr_revert`), as Hardhat's `evm_revert` does:
   * `true` once every chain and the sequencer are back; `false` for an
   * unknown id, or one used up (a revert uses its snapshot and every later one up).
   */
  revert(id: Hex): Promise<boolean>;
  /** The whole devnet, as `startDevnet({ loadState })` and `--load-state` take it (`xr_dumpState`). */
  dumpState(): Promise<DevnetState>;
  /**
   * Adds a rollup (`xr_addRollup`), with its endpoint: on `rollupPort` + its
   * index among the rollups, or a free port when that one is taken (or
   * `port` is 0). The next batch registers it on L1. A revert to a snapshot
   * taken before it removes it again.
   *
   * @throws {InvalidParamsError} (-32602) for a chain id that is taken or L1's, or past 64 rollups (`MAX_ROLLUPS`).
   */
  addRollup(request?: AddRollupRequest): Promise<AddedRollupEndpoint>;
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
  /** Called when rollups join the running devnet (`xr_addRollup`) or leave it (a revert to a snapshot before they joined): the manifest changes. */
  onRollupsChanged?: (change: { added: readonly DevnetChain[]; removed: readonly DevnetChain[] }) => void;
  /**
   * Stands between the sequencer and each rollup's engine: for research
   * and tests that watch, delay or fail engine calls (see `InterceptedEngine`
   * in `sequencer/faults.ts`). Replay on restart does not go through it.
   */
  wrapEngine?: (engine: RollupEngine) => RollupEngine;
  /**
   * A ready ordering policy, overriding `config.policy` (research labs build
   * theirs with options, or wrap one). The sequencer's status shows its name.
   */
  policy?: OrderingPolicy;
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
  // A policy module is imported before anything starts: a bad one costs nothing to clean up.
  const policy = hooks.policy ?? (await loadPolicy(config.policy));
  const chainOptions = {
    l1ChainId: config.l1ChainId,
    rollups: config.rollups,
    seed: config.seed,
    committee: config.committee,
    maxMessageDepth: config.maxMessageDepth,
    sequencers: config.sequencers,
    forceInclusionDelay: config.forceInclusionDelay,
  };
  const loaded = config.loadState === undefined ? undefined : await loadedState(config.loadState);
  const dataDir = config.dataDir === undefined ? undefined : await DataDir.open(config.dataDir);
  let start: StartingPoint | undefined;
  try {
    start = startingPoint(chainOptions, dataDir, loaded);
  } catch (error) {
    dataDir?.close();
    throw error;
  }
  const history = start?.history;
  const genesisTimestamp = history?.identity.genesisTimestamp ?? Math.floor(Date.now() / 1000);
  const identity: DevnetIdentity = { genesisTimestamp, chains: chainOptions };
  // Rollups added at runtime (xr_addRollup) come back too, each at its own genesis, after the devnet's first ones.
  const addedAtStart = addedRollupsOf(history?.journal ?? []);
  const specs: ChainSpec[] = [
    { name: "L1", chainId: config.l1ChainId, kind: "l1", genesisTimestamp },
    ...Array.from({ length: config.rollups }, (_, index): ChainSpec => {
      const chainId = config.l1ChainId + 1 + index;
      return { name: `rollup-${chainId}`, chainId, kind: "rollup", genesisTimestamp };
    }),
    ...addedAtStart.map(addedRollupSpec),
  ];
  const chains = await Promise.all(specs.map((spec) => createChain(spec)));
  // eth_subscribe on every endpoint: L1 hears of its blocks from EDR, the
  // rollups only from the sequencer's committed slots (a failed slot attempt
  // mines blocks and takes them back). A rollup added later goes in the map.
  const subscriptions = chains.map(
    (chain) =>
      new ChainSubscriptions({
        name: chain.spec.name,
        reader: chain.provider,
        ...(chain.spec.kind === "l1" ? { source: edrEvents(chain.provider) } : {}),
        ...(hooks.onError === undefined ? {} : { onError: hooks.onError }),
      }),
  );
  const rollupSubscriptions = new Map(chains.slice(1).map((chain, index) => [chain.spec.chainId, subscriptions[index + 1]!]));
  const [l1Chain, ...rollupChains] = chains as [Chain, ...Chain[]];
  // The rollups the inbox is deployed with; those added at runtime follow them in rollupChains.
  const firstRollups = rollupChains.slice(0, config.rollups);
  const servers: RpcServer[] = [];
  let sequencer: SharedSequencer | undefined;
  let snapshots: DevnetSnapshots | undefined;
  const stop = async () => {
    // After a snapshot or revert under way, which may replace the sequencer.
    const stopSequencer = async () => sequencer?.stop();
    const results = await Promise.allSettled([snapshots === undefined ? stopSequencer() : snapshots.inTurn(stopSequencer)]);
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
    // The devnet's log, always kept (snapshots truncate it, dumps write it out; with a data directory it is on disk too).
    const log = new DevnetLog({ store: dataDir, history });
    // Every state-changing L1 request is logged, so that L1 can be replayed.
    const l1Requests = loggedL1(l1Chain.provider, log);
    const l1Provider = l1Requests as unknown as EIP1193Provider;
    // L1 needs only the rollups' genesis heads (block 0, fixed when a chain
    // is created), not their predeploys (the state after it): so L1 (the
    // inbox, or on a restart its log replayed) and the rollups' predeploys
    // are set up at the same time.
    const setUpL1 = async () => {
      const genesisHeads = await Promise.all(firstRollups.map(readGenesisHead));
      if (history !== undefined) {
        await replayL1(l1Chain.provider, history.l1Log);
        return { genesisHeads, inboxAddress: inboxAddressOf(sequencerKey.address) };
      }
      await Promise.all(members.map((member) => l1Requests.request({ method: "hardhat_setBalance", params: [member, "0x21e19e0c9bab2400000"] })));
      const deployment = { members, genesisTimestamp, forceInclusionDelay: config.forceInclusionDelay, rollups: genesisHeads };
      return { genesisHeads, inboxAddress: await deployInbox(l1Provider, sequencerKey, deployment) };
    };
    const predeploys = { committee: members, chainIds: firstRollups.map((chain) => chain.spec.chainId) };
    const addedChainIds = addedAtStart.map((added) => added.chainId);
    const predeploysOf = (index: number) =>
      index < config.rollups ? predeploys : addedRollupPredeploys(predeploys, addedChainIds.slice(0, index - config.rollups + 1));
    const [{ genesisHeads, inboxAddress }] = await Promise.all([
      setUpL1(),
      ...rollupChains.map((chain, index) => installPredeploys(chain, predeploysOf(index))),
    ]);
    const engines = rollupChains.map((chain) => new EdrRollupEngine(chain));
    const wrap = hooks.wrapEngine ?? ((engine: RollupEngine) => engine);
    // The sequencer starts with the first rollups; it attaches each added one where its journal (or xr_addRollup) adds it.
    const addedEngines = new Map(engines.slice(config.rollups).map((engine) => [engine.chainId, wrap(engine)]));
    if (start === undefined) dataDir?.setIdentity(identity);
    else await replayRollups(start, engines);
    const inbox: InboxState = { batchNumber: 0, batchHash: `0x${"00".repeat(32)}`, nextGlobalSeq: 0, nextForced: 0, heads: genesisHeads };
    const poster = new BatchPoster(l1Provider, sequencerKeys.map(sequencerL1Account), inboxAddress);
    // The classroom view (/ui/): fed by the sequencer's events, rebuilt from the journal after a revert.
    let self: Devnet | undefined;
    const startingChains = () => ({
      l1: { chainId: l1Chain.spec.chainId, name: l1Chain.spec.name, rpcUrl: null },
      rollups: rollupChains.map(({ spec }) => ({ chainId: spec.chainId, name: spec.name, rpcUrl: null })),
    });
    const viewSource = devnetViewSource(() => self, () => sequencer!, startingChains);
    const view = new DevnetViewModel({ source: viewSource, explain: classroomReasons(() => viewSource.chains().rollups.map((rollup) => rollup.chainId)) });
    if (history !== undefined) view.rebuild(history.journal);
    const parameters: SequencerParameters = {
      engines: engines.slice(0, config.rollups).map(wrap),
      addedEngine: (chainId) => addedEngines.get(chainId),
      l1: poster,
      inbox,
      clock: systemClock,
      blockGasLimit: ROLLUP_BLOCK_GAS_LIMIT,
      maxBlocksPerBatch: Number(MAX_BLOCKS_PER_BATCH),
      checkBatch,
      faults: config.faults,
      // Kept by the devnet: a sequencer rebuilt by a revert keeps the faults in force.
      faultRegistry: new FaultRegistry(),
      journal: log,
      policy,
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
      // One registry for every sequencer the devnet makes: a revert keeps what it read.
      abis: new AbiRegistry({ artifacts: config.artifacts }),
      genesisTimestamp,
      onError: hooks.onError ?? ((error) => console.error(error instanceof Error ? error.message : error)),
      events: joinSequencerEvents(sequencerEvents(rollupSubscriptions), view.events),
      onBatch: (batch, l1TxHash) => {
        view.batchPosted(batch, l1TxHash);
        hooks.onBatch?.(batch, l1TxHash);
      },
    };
    sequencer = await startSequencer(parameters, history?.journal);
    const current = () => sequencer!;
    snapshots = new DevnetSnapshots({
      l1: l1Chain.provider,
      loggedL1: l1Requests,
      engines,
      log,
      sequencer: current,
      replaceSequencer: async (journal) => {
        // The faults in force are in the registry already; the ones of the config are not injected again.
        // A class that paused the slot timer (xr_pause) keeps it paused across a revert.
        const paused = sequencer?.status().paused === true;
        sequencer = await startSequencer({ ...parameters, faults: [] }, journal);
        if (paused) sequencer.pause();
      },
    });
    const operations = snapshots;
    // Additions, snapshots and reverts in turn: a revert to before an addition removes the rollup (see add-rollup.ts).
    const additions = new RollupAdditions<AddedRollupRecord>();
    const state: DevnetStateMethods = {
      snapshot: () => additions.snapshot(() => operations.snapshot()),
      revert: async (id) => {
        const reverted = await additions.revert(id, { revertTo: (target) => operations.revert(target), remove: detachRollups, close: closeRollups });
        if (reverted) view.rebuild(log.journal);
        return reverted;
      },
      // Between snapshots and reverts: the log is then one consistent cut of L1 and the sequencer.
      dumpState: () => operations.inTurn(async () => encodeDevnetState({ identity, l1Log: log.l1Log, journal: log.journal })),
    };
    const signer = new DevSigner(devAccounts());
    const handlers: JsonRpcHandler[] = [
      withClassroomMethods(createL1Handler({ l1: l1Requests, sequencer: current }), { devnet: () => self }),
      ...rollupChains.map((chain) => createRollupHandler({ chain, sequencer: current, signer, cheats: config.cheats })),
    ].map((handle) => withRollupAddition(withStateMethods(handle, state), addRollup));
    const urls: (string | undefined)[] = [];
    if (config.rpc !== false) {
      const { host, port, rollupPort } = config.rpc;
      for (const [index, chain] of chains.entries()) {
        const chainPort = port === 0 ? 0 : index === 0 ? port : rollupPort + index - 1;
        // L1's endpoint also serves the classroom view: its page (/ui/) and its live feed.
        const l1Extras = index === 0 ? { subscriptions: withDevnetFeed(subscriptions[0]!, view), serveGet: serveUi() } : { subscriptions: subscriptions[index]! };
        servers.push(await startRpcServer({ host, port: chainPort, handle: handlers[index]!, name: chain.spec.name, ...l1Extras }));
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
    /** `xr_addRollup`: a chain at its genesis, the slot that adds it (see `sequencer/add-rollup.ts`), then its endpoint. */
    async function addRollup(request: AddRollupRequest = {}): Promise<AddedRollupEndpoint> {
      const { rollup } = await additions.add(() => operations.inTurn(() => startAddedRollup(request)));
      return { chainId: rollup.chainId, rpcUrl: rollup.rpcUrl ?? null };
    }
    async function startAddedRollup(request: AddRollupRequest): Promise<AddedRollupRecord> {
      const chainId = newRollupChainId(request.chainId, { l1ChainId: config.l1ChainId, rollupChainIds: rollups.map((rollup) => rollup.chainId) });
      const genesisTimestamp = Math.floor(systemClock.now() / 1000);
      const chain = await createChain(addedRollupSpec({ chainId, genesisTimestamp }));
      const engine = new EdrRollupEngine(chain);
      const wrapped = wrap(engine);
      try {
        const addedBefore = rollups.slice(config.rollups).map((rollup) => rollup.chainId);
        await installPredeploys(chain, addedRollupPredeploys(predeploys, [...addedBefore, chainId]));
        const { head } = await readGenesisHead(chain);
        await current().addRollup(wrapped, { genesisTimestamp, genesisBlockHash: head.blockHash, genesisStateRoot: head.stateRoot });
      } catch (error) {
        await chain.close();
        throw error;
      }
      // The slot that adds it is journaled: from here on the rollup is part of the devnet, and served.
      engines.push(engine);
      addedEngines.set(chainId, wrapped);
      chains.push(chain);
      const chainSubscriptions = new ChainSubscriptions({ name: chain.spec.name, reader: chain.provider });
      rollupSubscriptions.set(chainId, chainSubscriptions);
      const handle = withRollupAddition(withStateMethods(createRollupHandler({ chain, sequencer: current, signer, cheats: config.cheats }), state), addRollup);
      const server = config.rpc === false ? undefined : await serveAddedRollup(config.rpc, chain, handle, chainSubscriptions, rollups.length);
      if (server !== undefined) servers.push(server);
      const rollup = devnetChain(chain.spec, handle, server?.url, { L2ToL2CrossDomainMessenger: MESSENGER_ADDRESS });
      rollups.push(rollup);
      hooks.onRollupsChanged?.({ added: [rollup], removed: [] });
      return { chain, engine, server, rollup };
    }
    /** Rollups added after the snapshot a revert goes back to: they leave every list before the chains go back. */
    function detachRollups(removed: readonly AddedRollupRecord[]): void {
      for (const { engine, rollup } of removed) {
        engines.splice(engines.indexOf(engine), 1);
        addedEngines.delete(rollup.chainId);
        rollupSubscriptions.delete(rollup.chainId);
        rollups.splice(rollups.indexOf(rollup), 1);
      }
    }
    /** Their endpoints and chains close once the revert is done. */
    async function closeRollups(removed: readonly AddedRollupRecord[]): Promise<void> {
      if (removed.length === 0) return;
      await Promise.allSettled(removed.flatMap(({ chain, server }) => [chain.close(), ...(server === undefined ? [] : [server.close()])]));
      for (const { chain, server } of removed) {
        chains.splice(chains.indexOf(chain), 1);
        if (server !== undefined) servers.splice(servers.indexOf(server), 1);
      }
      hooks.onRollupsChanged?.({ added: [], removed: removed.map(({ rollup }) => rollup) });
    }
    self = {
      config,
      l1,
      rollups,
      accounts,
      get sequencer() {
        return current();
      },
      ...state,
      addRollup,
      manifest: () => ({
        l1: manifestChain(l1),
        rollups: rollups.map(manifestChain),
        ui: uiUrl(l1.rpcUrl),
        sequencers: members,
        accounts: accounts.map(({ address, privateKey }) => ({ address, privateKey })),
      }),
      stop,
    };
    return self;
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** What the devnet keeps of a rollup added at runtime, to remove it again. */
interface AddedRollupRecord {
  chain: Chain;
  engine: EdrRollupEngine;
  server: RpcServer | undefined;
  rollup: DevnetChain;
}

/**
 * An added rollup's endpoint: on `rollupPort` + its index among the
 * rollups, as the first rollups are, or on a free port when that one is
 * taken, past 65535, or `port` is 0.
 */
async function serveAddedRollup(
  { host, port, rollupPort }: Exclude<DevnetConfig["rpc"], false>,
  chain: Chain,
  handle: JsonRpcHandler,
  subscriptions: ChainSubscriptions,
  index: number,
): Promise<RpcServer> {
  const preferred = rollupPort + index;
  const anyPort = port === 0 || preferred > 65_535;
  const listen = (chainPort: number) => startRpcServer({ host, port: chainPort, handle, name: chain.spec.name, subscriptions });
  try {
    return await listen(anyPort ? 0 : preferred);
  } catch (error) {
    if (anyPort || !(error instanceof PortInUseError)) throw error;
    return listen(0);
  }
}

/** A dumped state to load, and how errors name it. */
interface LoadedState {
  history: DevnetHistory;
  source: string;
}

/** What `loadState` holds: a state file's, or a state given as a value. */
async function loadedState(loadState: string | DevnetState): Promise<LoadedState> {
  if (typeof loadState === "string") return { history: await readStateFile(loadState), source: `file ${loadState}` };
  const source = "given to startDevnet";
  return { history: decodeDevnetState(loadState, source), source };
}

/** The history a devnet is rebuilt from, and the error a replay that goes wrong is reported with. */
interface StartingPoint {
  history: DevnetHistory;
  error(reason: string): XrollupError;
}

/**
 * Where the devnet starts from: a loaded state (stored in the data
 * directory, if any, from now on: a restart resumes it), or the devnet the
 * data directory holds; `undefined` for a new devnet. A directory whose
 * first start never finished holds nothing anyone was told of, so it starts
 * afresh.
 *
 * @throws {DataDirError} when the directory holds a devnet made with other chain options, or holds one while a state is loaded.
 * @throws {StateFileError} when the loaded state was made with other chain options.
 */
function startingPoint(chains: Record<string, unknown>, dataDir: DataDir | undefined, loaded: LoadedState | undefined): StartingPoint | undefined {
  const stored = dataDir?.identity();
  if (dataDir !== undefined && stored === undefined) dataDir.reset();
  if (loaded !== undefined) {
    if (dataDir !== undefined && stored !== undefined) {
      throw new DataDirError({ dir: dataDir.dir, reason: "it already holds a devnet, and --load-state would start another; use an empty directory, or leave --load-state out to resume it" });
    }
    const error = (reason: string) => new StateFileError({ source: loaded.source, reason });
    const mismatch = identityMismatch(loaded.history.identity, chains);
    if (mismatch !== undefined) throw error(`${mismatch}; start with the same options`);
    dataDir?.import(loaded.history);
    return { history: loaded.history, error };
  }
  if (dataDir === undefined || stored === undefined) return undefined;
  const error = (reason: string) => new DataDirError({ dir: dataDir.dir, reason });
  const mismatch = identityMismatch(stored, chains);
  if (mismatch !== undefined) throw error(`${mismatch}; start it with the same options, or use another directory`);
  return { history: dataDir.history()!, error };
}

/** Rebuilds the rollups by replaying, in order, every block the journal's slots produced. */
async function replayRollups({ history, error }: StartingPoint, engines: readonly EdrRollupEngine[]): Promise<void> {
  const byChain = new Map(engines.map((engine) => [engine.chainId, engine]));
  for (const entry of history.journal) {
    if (entry.kind !== "slot") continue;
    for (const block of entry.slot.blocks) {
      const engine = byChain.get(block.chainId)!;
      // The state cheats the block carries were applied before it was mined.
      if (block.operations !== undefined) await engine.applyOperations(block.operations);
      const mined = await engine.mineBlock(block.transactions, block.timestamp);
      if (mined.block.hash !== block.hash) {
        throw error(`replaying rollup ${block.chainId} block ${block.number} gave hash ${mined.block.hash}, the journal holds ${block.hash}`);
      }
    }
  }
}

/** A sequencer started from `parameters`; restored from `journal` first, when there is one (a restart, a loaded state, a revert). */
async function startSequencer(parameters: SequencerParameters, journal: readonly JournalEntry[] | undefined): Promise<SharedSequencer> {
  const sequencer = new SharedSequencer(parameters);
  if (journal !== undefined) await sequencer.restore(journal);
  sequencer.start();
  return sequencer;
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
  // The server answers WebSocket on its HTTP port.
  const wsUrl = rpcUrl?.replace(/^http/, "ws");
  const provider = {
    request: ({ method, params }: { method: string; params?: unknown }) =>
      handle({ method, params: Array.isArray(params) ? params : [] }),
  } as EIP1193Provider;
  return {
    name: spec.name,
    chainId: spec.chainId,
    rpcUrl,
    wsUrl,
    provider,
    ...chainClients({ chainId: spec.chainId, name: spec.name, provider, rpcUrl, wsUrl }),
    contracts,
  };
}

function manifestChain(chain: DevnetChain) {
  return { name: chain.name, chainId: chain.chainId, rpcUrl: chain.rpcUrl ?? null, wsUrl: chain.wsUrl ?? null, contracts: chain.contracts };
}
