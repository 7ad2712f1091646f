import { type Hex, isHex, numberToHex } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import { InvalidParamsError } from "../rollups/rollup-rpc.ts";
import type { JsonRpcHandler } from "../rollups/rpc-server.ts";
import type { EngineSnapshot, JournalEntry, RollupEngine } from "../sequencer/ports.ts";
import type { SharedSequencer } from "../sequencer/sequencer.ts";
import type { LoggedL1, RequestProvider } from "./l1-log.ts";
import type { DevnetLog, LogLengths } from "./log.ts";
import type { DevnetState } from "./state-file.ts";

/**
 * Thrown to a request that was waiting on the sequencer (or reached it)
 * while the devnet went back to a snapshot: what it waited for is not part
 * of the devnet any more, unless it had been sent before the snapshot.
 */
export class DevnetRevertedError extends XrollupError {
  override name = "DevnetRevertedError";
  constructor({ snapshot, waiting }: { snapshot: Hex; waiting: Hex | undefined }) {
    super(
      waiting === undefined
        ? `The devnet went back to snapshot ${snapshot} while this request was served; send it again.`
        : `The devnet went back to snapshot ${snapshot} before ${waiting} had an outcome; ask xr_getTransactionStatus, and send it again if it is unknown.`,
      { code: JSON_RPC_ERROR_CODES.transactionRejected, data: { revertedTo: snapshot, ...(waiting === undefined ? {} : { waiting }) } },
    );
  }
}

/** Thrown when a chain could not go back to a snapshot the devnet holds (something reverted it behind the devnet's back). */
export class SnapshotRevertError extends XrollupError {
  override name = "SnapshotRevertError";
  constructor({ snapshot, chain, cause }: { snapshot: Hex; chain: string; cause?: unknown }) {
    super(`${chain} could not go back to snapshot ${snapshot}; the devnet's chains may now disagree: restart it.`, { cause });
  }
}

/** The methods every endpoint serves over the whole devnet: one snapshot of L1, every rollup and the sequencer. */
export interface DevnetStateMethods {
  /** `xr_snapshot`, `evm_snapshot`: the new snapshot's id. */
  snapshot(): Promise<Hex>;
  /** `xr_revert`, `evm_revert`: `false` for an unknown or used-up id. */
  revert(id: Hex): Promise<boolean>;
  /** `xr_dumpState`: the whole devnet, as `--load-state` takes it. */
  dumpState(): Promise<DevnetState>;
}

/**
 * `handle` with the devnet-wide state methods in front of it: `xr_snapshot`,
 * `xr_revert`, `xr_dumpState`, and Hardhat's `evm_snapshot` and
 * `evm_revert` mapped to them, on every endpoint alike (reverting one chain
 * alone would part it from the inbox and the sequencer).
 */
export function withStateMethods(handle: JsonRpcHandler, state: DevnetStateMethods): JsonRpcHandler {
  return (request) => {
    switch (request.method) {
      case "xr_snapshot":
      case "evm_snapshot":
        return state.snapshot();
      case "xr_revert":
      case "evm_revert":
        return state.revert(snapshotIdParam(request.method, request.params[0]));
      case "xr_dumpState":
        return state.dumpState();
      default:
        return handle(request);
    }
  };
}

/** A snapshot id as `evm_revert` takes it: a 0x quantity. */
function snapshotIdParam(method: string, value: unknown): Hex {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]+$/.test(value)) {
    throw new InvalidParamsError({ method, reason: `expected a snapshot id (a 0x quantity such as "0x1"), got ${JSON.stringify(value)}` });
  }
  return value as Hex;
}

/** What {@link DevnetSnapshots} works on. */
export interface DevnetSnapshotsParameters {
  /** L1's chain itself: its snapshots are not state changes to log. */
  l1: RequestProvider;
  /** L1 as the devnet serves it, with its log: held still while a snapshot is taken or reverted to. */
  loggedL1: LoggedL1;
  /** Every rollup's engine (without fault injection), in registration order. */
  engines: readonly RollupEngine[];
  log: DevnetLog;
  /** The sequencer now. */
  sequencer(): SharedSequencer;
  /** Replaces the sequencer with a new one, restored from `journal` and started. */
  replaceSequencer(journal: readonly JournalEntry[]): Promise<void>;
}

/** What one devnet snapshot holds: a snapshot of every chain and how far the log reached. */
interface Snapshot {
  l1: Hex;
  rollups: EngineSnapshot[];
  lengths: LogLengths;
}

/**
 * Snapshots of the whole devnet, with Hardhat's semantics: ids are 0x
 * quantities counting from `0x1`; reverting to one uses it and every later
 * one up; an unknown or used-up id answers `false`.
 *
 * A snapshot is taken with the devnet holding still (no slot running, no
 * batch post in flight, L1's request queue drained): a snapshot of L1's
 * chain and of every rollup's engine, and the log's lengths. Reverting puts
 * every chain back, truncates the log, and replaces the sequencer with one
 * restored from the remaining journal (records, mempool, bundles, slots,
 * batches, counters, encrypted mempool): the same path as a restart.
 * Faults in force are kept, as the researcher set them.
 */
export class DevnetSnapshots {
  readonly #parameters: DevnetSnapshotsParameters;
  readonly #snapshots = new Map<bigint, Snapshot>();
  #nextId = 1n;
  /** Snapshots, reverts and dumps run one at a time, in call order. */
  #operations: Promise<unknown> = Promise.resolve();

  constructor(parameters: DevnetSnapshotsParameters) {
    this.#parameters = parameters;
  }

  /** Takes a snapshot of the whole devnet and returns its id. */
  snapshot(): Promise<Hex> {
    const { l1, loggedL1, engines, log } = this.#parameters;
    return this.inTurn(() =>
      this.#parameters.sequencer().whilePaused(() =>
        loggedL1.exclusive(async () => {
          const [l1Snapshot, rollups] = await Promise.all([
            l1.request({ method: "evm_snapshot", params: [] }) as Promise<Hex>,
            Promise.all(engines.map((engine) => engine.snapshot({ held: true }))),
          ]);
          const id = this.#nextId++;
          this.#snapshots.set(id, { l1: l1Snapshot, rollups, lengths: log.lengths() });
          return numberToHex(id);
        }),
      ),
    );
  }

  /**
   * Goes back to snapshot `id`: `true` once every chain, the log and the
   * sequencer are back; `false` for an unknown or used-up id. Requests
   * waiting on the sequencer meanwhile fail with {@link DevnetRevertedError}.
   *
   * @throws {SnapshotRevertError} when a chain could not go back.
   */
  revert(id: Hex): Promise<boolean> {
    return this.inTurn(async () => {
      const key = isHex(id) ? BigInt(id) : undefined;
      const snapshot = key === undefined ? undefined : this.#snapshots.get(key);
      if (key === undefined || snapshot === undefined) return false;
      for (const later of this.#snapshots.keys()) if (later >= key) this.#snapshots.delete(later);
      const snapshotId = numberToHex(key);
      const { l1, loggedL1, engines, log } = this.#parameters;
      const abandoned = this.#parameters.sequencer();
      try {
        await abandoned.whilePaused(async () => {
          // First, so that nothing it accepts from now on reaches the log.
          abandoned.abandon((waiting) => new DevnetRevertedError({ snapshot: snapshotId, waiting }));
          await loggedL1.exclusive(async () => {
            if ((await l1.request({ method: "evm_revert", params: [snapshot.l1] })) !== true) {
              throw new SnapshotRevertError({ snapshot: snapshotId, chain: "L1" });
            }
            await Promise.all(
              engines.map((engine, index) =>
                engine.revert(snapshot.rollups[index]!).catch((cause: unknown) => {
                  throw new SnapshotRevertError({ snapshot: snapshotId, chain: `Rollup ${engine.chainId}`, cause });
                }),
              ),
            );
            log.truncate(snapshot.lengths);
          });
        });
      } finally {
        // Even when a chain failed to go back, the devnet keeps a sequencer (of the log as it now is).
        await this.#parameters.replaceSequencer([...log.journal]);
      }
      return true;
    });
  }

  /** Runs `operation` after every snapshot, revert and other operation asked for before it, and before any asked for later. */
  inTurn<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#operations.then(operation);
    this.#operations = run.catch(() => undefined);
    return run;
  }
}
