import { type Hex, isHex } from "viem";
import type { ChainSpec } from "../rollups/chain.ts";
import type { PredeployParameters } from "../rollups/predeploys.ts";
import { InvalidParamsError } from "../rollups/rollup-rpc.ts";
import type { JsonRpcHandler } from "../rollups/rpc-server.ts";
import type { AddedRollup } from "../sequencer/types.ts";
import { MAX_ROLLUPS } from "./config.ts";

/**
 * Adding a rollup to a running devnet (`xr_addRollup`): what the devnet
 * decides before the sequencer adds it (`sequencer/add-rollup.ts`), and the
 * order of additions, snapshots and reverts.
 */

/** The method every endpoint serves. */
const METHOD = "xr_addRollup";

/** What `xr_addRollup` takes. */
export interface AddRollupRequest {
  /** The new rollup's chain id; by default the one after the highest rollup's. */
  chainId?: number;
}

/** What `xr_addRollup` answers: the new rollup's chain id and endpoint. */
export interface AddedRollupEndpoint {
  chainId: number;
  /** `null` for a devnet without RPC servers. */
  rpcUrl: string | null;
}

/**
 * `xr_addRollup`'s params: none, `[]`, `[{}]` or `[{ chainId }]`, the chain
 * id a number or a 0x quantity, as chain ids travel in JSON-RPC.
 *
 * @throws {InvalidParamsError} (-32602) naming what is wrong.
 */
export function parseAddRollupParams(params: readonly unknown[]): AddRollupRequest {
  const [options] = params;
  if (params.length > 1) throw new InvalidParamsError({ method: METHOD, reason: `expected at most one param, { chainId? }, got ${params.length}` });
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidParamsError({ method: METHOD, reason: `expected { chainId? }, got ${JSON.stringify(options)}` });
  }
  const { chainId, ...rest } = options as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new InvalidParamsError({ method: METHOD, reason: `unknown field "${unknown}": it takes { chainId? }` });
  if (chainId === undefined) return {};
  const value = typeof chainId === "string" && isHex(chainId) && chainId.length > 2 ? Number(BigInt(chainId)) : chainId;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidParamsError({ method: METHOD, reason: `chainId: expected a positive integer (a number or a 0x quantity) up to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(chainId)}` });
  }
  return { chainId: value };
}

/**
 * The new rollup's chain id: the one asked for, or by default the one after
 * the highest rollup's (stepping over L1's). Pure.
 *
 * @throws {InvalidParamsError} (-32602) when the devnet has {@link MAX_ROLLUPS} rollups already, or the chain id is L1's or a rollup's.
 */
export function newRollupChainId(requested: number | undefined, { l1ChainId, rollupChainIds }: { l1ChainId: number; rollupChainIds: readonly number[] }): number {
  if (rollupChainIds.length >= MAX_ROLLUPS) {
    throw new InvalidParamsError({ method: METHOD, reason: `the devnet has ${rollupChainIds.length} rollups, the most it runs (the inbox registers at most ${MAX_ROLLUPS})` });
  }
  let chainId = requested ?? Math.max(...rollupChainIds) + 1;
  if (requested === undefined && chainId === l1ChainId) chainId += 1;
  if (chainId === l1ChainId) throw new InvalidParamsError({ method: METHOD, reason: `chainId ${chainId} is L1's` });
  if (rollupChainIds.includes(chainId)) throw new InvalidParamsError({ method: METHOD, reason: `chainId ${chainId} is taken by rollup-${chainId}` });
  if (!Number.isSafeInteger(chainId)) throw new InvalidParamsError({ method: METHOD, reason: `chainId ${chainId} is past ${Number.MAX_SAFE_INTEGER}` });
  return chainId;
}

/** The chain of an added rollup: named as the devnet's first rollups are, at its own genesis. */
export function addedRollupSpec({ chainId, genesisTimestamp }: Pick<AddedRollup, "chainId" | "genesisTimestamp">): ChainSpec {
  return { name: `rollup-${chainId}`, chainId, kind: "rollup", genesisTimestamp };
}

/**
 * An added rollup's predeploys: the devnet's (`first`: its committee and
 * first rollups) and, as destinations, the rollups added up to it, itself
 * last (the ones added later are announced by `addChain`). Pure.
 */
export function addedRollupPredeploys(first: PredeployParameters, addedUpToIt: readonly number[]): PredeployParameters {
  return { ...first, addedChainIds: addedUpToIt };
}

/** `handle` with `xr_addRollup` in front of it: every endpoint serves it, as every endpoint serves snapshots. */
export function withRollupAddition(handle: JsonRpcHandler, add: (request: AddRollupRequest) => Promise<AddedRollupEndpoint>): JsonRpcHandler {
  return (request) => (request.method === METHOD ? add(parseAddRollupParams(request.params)) : handle(request));
}

/**
 * The rollups added while the devnet runs, in order, and the order of
 * additions, snapshots and reverts: each runs alone, in call order. A
 * revert to a snapshot taken before some additions removes those rollups
 * (`remove`, before the chains go back, then `close` after): L1 goes back to
 * before the batch that registered them and the journal to before the
 * slots that added them, so the devnet is as it was. `R` is what the devnet
 * keeps of an added rollup.
 */
export class RollupAdditions<R> {
  readonly #added: R[] = [];
  /** How many rollups had been added when each snapshot was taken, by snapshot id. */
  readonly #addedAt = new Map<bigint, number>();
  #turn: Promise<unknown> = Promise.resolve();

  /** Runs an addition in turn; what it resolves with is kept as an added rollup. */
  add(addition: () => Promise<R>): Promise<R> {
    return this.#inTurn(async () => {
      const added = await addition();
      this.#added.push(added);
      return added;
    });
  }

  /** Takes a snapshot with `take`, in turn, remembering how many rollups it holds. */
  snapshot(take: () => Promise<Hex>): Promise<Hex> {
    return this.#inTurn(async () => {
      const id = await take();
      this.#addedAt.set(BigInt(id), this.#added.length);
      return id;
    });
  }

  /**
   * Goes back to snapshot `id` with `revertTo`, in turn. The rollups added
   * since are handed to `remove` first, and to `close` once the revert is
   * done; an id unknown here goes to `revertTo` alone (which answers
   * `false` for it).
   */
  revert(id: Hex, { revertTo, remove, close }: { revertTo: (id: Hex) => Promise<boolean>; remove: (rollups: readonly R[]) => void; close: (rollups: readonly R[]) => Promise<void> }): Promise<boolean> {
    return this.#inTurn(async () => {
      const key = isHex(id) && id.length > 2 ? BigInt(id) : undefined;
      const count = key === undefined ? undefined : this.#addedAt.get(key);
      if (key === undefined || count === undefined) return revertTo(id);
      const removed = this.#added.splice(count);
      remove(removed);
      try {
        return await revertTo(id);
      } finally {
        // Hardhat's semantics: the snapshot and every later one are used up.
        for (const later of this.#addedAt.keys()) if (later >= key) this.#addedAt.delete(later);
        await close(removed);
      }
    });
  }

  #inTurn<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(operation);
    this.#turn = run.catch(() => undefined);
    return run;
  }
}
