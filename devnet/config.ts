import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { type Hex, isHex, toHex } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import { isPolicyModulePath, ORDERING_POLICIES } from "../sequencer/policies/index.ts";
import type { SequencerMode } from "../sequencer/sequencer.ts";
import type { DevnetState } from "./state-file.ts";

/** Where the devnet serves JSON-RPC: L1 on `port`, rollup i on `rollupPort + i`. */
export interface RpcConfig {
  host: string;
  /** L1 port; 0 picks free ports for every chain. */
  port: number;
  /** Port of the first rollup. */
  rollupPort: number;
}

/** Everything a devnet is made from, with defaults filled in. */
export interface DevnetConfig {
  /** Number of rollups. */
  rollups: number;
  /** Chain id of L1; rollups get the following ids. */
  l1ChainId: number;
  mode: SequencerMode;
  /**
   * Name of the ordering policy, or the absolute path of a policy module
   * (given as `./my-policy.ts`, resolved against the working directory; see
   * `sequencer/policies/types.ts`). `startDevnet`'s `policy` hook, a ready
   * policy object, overrides it.
   */
  policy: string;
  /** How deep messages sent while handling messages may nest (A→B→C is 2). */
  maxMessageDepth: number;
  /** Drop transactions that would revert, with their reason, instead of including them reverted. */
  revertProtection: boolean;
  /** Whether rollup endpoints serve the cheat methods (`hardhat_setBalance`, `evm_mine`, …), recorded in the batches; `--no-cheats` turns them off. */
  cheats: boolean;
  /** Seed of the devnet's randomness: slot seeds (fair ordering) and the encryption committee's keys. */
  seed: Hex;
  /** The threshold-encryption committee: `threshold` of `size` members decrypt. */
  committee: { threshold: number; size: number };
  /** `false` for an in-process devnet without sockets (tests, scripts). */
  rpc: RpcConfig | false;
  /** Members of the sequencer committee (`--sequencers`); 1 is a single sequencer. */
  sequencers: number;
  /** Latency of messages between committee members, in ms (`--gossip-ms`). */
  gossipMs: number;
  /** How long members wait for a view's leader before the next one leads, in ms (`--view-timeout`; default twice the slot, or the batch interval in instant mode). */
  viewTimeoutMs: number;
  /** L1 blocks a transaction queued with `SharedInbox.forceInclude` may wait (`--force-inclusion-delay`). */
  forceInclusionDelay: number;
  /** Faults in force from the start, as `xr_injectFault` takes them (checked when the sequencer starts). */
  faults: readonly unknown[];
  /** Where the devnet keeps what must survive a restart (`--data-dir`); `undefined` keeps everything in memory. */
  dataDir: string | undefined;
  /** A dumped devnet to start from (`--load-state`): a state file (its resolved path) or the state itself; `undefined` starts afresh. */
  loadState: string | DevnetState | undefined;
  /**
   * A Hardhat project's artifacts directory (`--artifacts`, resolved to an
   * absolute path), whose ABIs decode revert reasons and name a trace's
   * functions besides xrollup's own; read again when an unknown error shows.
   */
  artifacts: string | undefined;
}

/** What a caller may set; everything else takes {@link DEVNET_DEFAULTS}. */
export type DevnetUserConfig = Partial<Omit<DevnetConfig, "mode" | "rpc" | "seed" | "faults" | "dataDir" | "viewTimeoutMs" | "loadState">> & {
  /** Start from a dumped devnet (`--load-state`): a state file's path, or what `xr_dumpState` / `devnet.dumpState()` gave. */
  loadState?: string | DevnetState;
  /** How long members wait for a view's leader, in ms; default twice the slot (instant mode: twice `batchMs`). */
  viewTimeoutMs?: number;
  /** Keep the devnet in this directory and resume it from there on the next start (`--data-dir`). */
  dataDir?: string;
  /** Faults in force from the start (`--fault`), each as `xr_injectFault` takes it. */
  faults?: readonly unknown[];
  /** A number or 0x-hex; the same seed gives the same run. */
  seed?: number | Hex;
  /** Manual mode: slots only when `sequencer.produceSlot()` is called. */
  manual?: boolean;
  /** Slot length in ms; set it for slot mode, leave it out for instant mode. */
  slotMs?: number;
  /** Instant mode: how often to post a batch when something happened. */
  batchMs?: number;
  rpc?: Partial<RpcConfig> | boolean;
};

/** The defaults, in one place: `xrollup devnet` flags and the library share them. */
export const DEVNET_DEFAULTS = {
  rollups: 2,
  l1ChainId: 900,
  batchMs: 1000,
  policy: "fcfs",
  maxMessageDepth: 4,
  revertProtection: true,
  cheats: true,
  seed: 1,
  committee: { threshold: 2, size: 3 },
  sequencers: 1,
  gossipMs: 0,
  forceInclusionDelay: 10,
  rpc: { host: "127.0.0.1", port: 8545, rollupPort: 9545 },
} as const;

/** Most rollups one devnet runs. */
export const MAX_ROLLUPS = 64;

/** Most members of a sequencer committee (HD indexes 20 to 35 of the devnet mnemonic). */
export const MAX_SEQUENCERS = 16;

/** Thrown for a devnet option out of range; names the option. */
export class InvalidDevnetConfigError extends XrollupError {
  override name = "InvalidDevnetConfigError";
  constructor({ option, reason }: { option: string; reason: string }) {
    super(`Invalid ${option}: ${reason}.`, { code: JSON_RPC_ERROR_CODES.invalidParams });
  }
}

/**
 * Resolves user options against the defaults and checks them.
 *
 * @throws {InvalidDevnetConfigError} naming the first bad option.
 */
export function resolveDevnetConfig(user: DevnetUserConfig = {}): DevnetConfig {
  const rollups = user.rollups ?? DEVNET_DEFAULTS.rollups;
  checkInteger("rollups", rollups, 1, MAX_ROLLUPS);
  const l1ChainId = user.l1ChainId ?? DEVNET_DEFAULTS.l1ChainId;
  checkInteger("l1ChainId", l1ChainId, 1, 2 ** 53 - 1 - MAX_ROLLUPS);
  const policy = resolvePolicyName(user.policy ?? DEVNET_DEFAULTS.policy);
  let mode: SequencerMode;
  if (user.manual === true) {
    mode = { kind: "manual" };
  } else if (user.slotMs !== undefined) {
    checkInteger("slotMs", user.slotMs, 1, 3_600_000);
    mode = { kind: "slots", slotMs: user.slotMs };
  } else {
    const batchMs = user.batchMs ?? DEVNET_DEFAULTS.batchMs;
    checkInteger("batchMs", batchMs, 1, 3_600_000);
    mode = { kind: "instant", batchMs };
  }
  const maxMessageDepth = user.maxMessageDepth ?? DEVNET_DEFAULTS.maxMessageDepth;
  checkInteger("maxMessageDepth", maxMessageDepth, 1, 64);
  const revertProtection = user.revertProtection ?? DEVNET_DEFAULTS.revertProtection;
  const committee = user.committee ?? DEVNET_DEFAULTS.committee;
  checkInteger("committee.size", committee.size, 1, 255);
  checkInteger("committee.threshold", committee.threshold, 1, committee.size);
  const sequencers = user.sequencers ?? DEVNET_DEFAULTS.sequencers;
  checkInteger("sequencers", sequencers, 1, MAX_SEQUENCERS);
  const gossipMs = user.gossipMs ?? DEVNET_DEFAULTS.gossipMs;
  checkInteger("gossipMs", gossipMs, 0, 60_000);
  const slotLength = mode.kind === "slots" ? mode.slotMs : mode.kind === "instant" ? mode.batchMs : DEVNET_DEFAULTS.batchMs;
  const viewTimeoutMs = user.viewTimeoutMs ?? 2 * slotLength;
  // Twice the longest slot: the default of a devnet with the longest `slotMs` or `batchMs`.
  checkInteger("viewTimeoutMs", viewTimeoutMs, 1, 7_200_000);
  const forceInclusionDelay = user.forceInclusionDelay ?? DEVNET_DEFAULTS.forceInclusionDelay;
  checkInteger("forceInclusionDelay", forceInclusionDelay, 1, 1_000_000);
  const seedInput = user.seed ?? DEVNET_DEFAULTS.seed;
  if (typeof seedInput === "number") checkInteger("seed", seedInput, 0, Number.MAX_SAFE_INTEGER);
  else if (!isHex(seedInput)) throw new InvalidDevnetConfigError({ option: "seed", reason: `expected a number or 0x-hex, got ${String(seedInput)}` });
  const seed = typeof seedInput === "number" ? toHex(seedInput, { size: 32 }) : seedInput;
  return {
    rollups,
    l1ChainId,
    policy,
    mode,
    maxMessageDepth,
    revertProtection,
    cheats: user.cheats ?? DEVNET_DEFAULTS.cheats,
    seed,
    committee: { ...committee },
    sequencers,
    gossipMs,
    viewTimeoutMs,
    forceInclusionDelay,
    rpc: resolveRpc(user.rpc, rollups),
    faults: [...(user.faults ?? [])],
    dataDir: user.dataDir === undefined ? undefined : path.resolve(user.dataDir),
    loadState: typeof user.loadState === "string" ? path.resolve(user.loadState) : user.loadState,
    artifacts: resolveArtifacts(user.artifacts),
  };
}

function resolveRpc(rpc: DevnetUserConfig["rpc"], rollups: number): RpcConfig | false {
  if (rpc === undefined || rpc === false) return false;
  const resolved = { ...DEVNET_DEFAULTS.rpc, ...(rpc === true ? {} : rpc) };
  checkInteger("port", resolved.port, 0, 65535);
  checkInteger("rollupPort", resolved.rollupPort, 0, 65535 - rollups);
  if (resolved.host.length === 0) throw new InvalidDevnetConfigError({ option: "host", reason: "must not be empty" });
  return resolved;
}

function checkInteger(option: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidDevnetConfigError({ option, reason: `expected an integer from ${min} to ${max}, got ${value}` });
  }
}

/** A built-in policy's name, or a policy module's absolute path, checked to exist (it is imported when the devnet starts). */
function resolvePolicyName(policy: string): string {
  if (isPolicyModulePath(policy)) {
    const resolved = path.resolve(policy);
    if (!existsSync(resolved)) throw new InvalidDevnetConfigError({ option: "policy", reason: `module ${resolved} does not exist` });
    return resolved;
  }
  if (ORDERING_POLICIES[policy] === undefined) {
    throw new InvalidDevnetConfigError({
      option: "policy",
      reason: `"${policy}" is not one of ${Object.keys(ORDERING_POLICIES).join(", ")}, nor a module path (./my-policy.ts)`,
    });
  }
  return policy;
}

/** The artifacts directory as an absolute path, checked to be a directory. */
function resolveArtifacts(dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined;
  const resolved = path.resolve(dir);
  if (!existsSync(resolved) || !statSync(resolved).isDirectory()) {
    throw new InvalidDevnetConfigError({ option: "artifacts", reason: `${resolved} is not a directory; give a Hardhat project's artifacts directory (npx hardhat build writes it)` });
  }
  return resolved;
}
