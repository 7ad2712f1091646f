import { CHAIN_READ_METHODS } from "../rollups/rollup-rpc.ts";

/** What the L1 log wraps and replays onto: an EIP-1193 `request`. */
export interface RequestProvider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** One state-changing request L1 served, as replayed to rebuild L1. */
export interface L1LogEntry {
  method: string;
  params: unknown[];
  /** Timestamp of the first block the request mined, if it mined one. */
  minedTimestamp: number | null;
}

/** Where the logged L1 writes each request once L1 has served it. */
export interface L1LogSink {
  appendL1(entry: L1LogEntry): void;
}

/** L1 with every state-changing request logged, in the order L1 served them. */
export interface LoggedL1 extends RequestProvider {
  /**
   * Runs `work` once every state-changing request sent so far has been
   * served and logged, and before any sent later: L1 and its log hold still
   * meanwhile (a snapshot of the devnet is taken, or reverted to, then).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

/** Requests that change nothing on L1 besides what they answer: never logged. */
const L1_READ_METHODS = new Set([...CHAIN_READ_METHODS, "eth_getTransactionCount", "eth_getFilterChanges", "eth_uninstallFilter"]);

/**
 * L1 with every state-changing request logged to `sink`, in the order L1
 * served them, with the timestamp of the block each mined: EDR cannot dump
 * its state (Hardhat issue 3599), so a restart or a loaded state replays the
 * log onto a fresh L1 with the same genesis and reaches the same blocks.
 * State-changing requests are served one at a time so the log's order is
 * L1's order.
 */
export function loggedL1(provider: RequestProvider, sink: L1LogSink): LoggedL1 {
  let queue: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };
  const blockNumber = async () => Number(await provider.request({ method: "eth_blockNumber", params: [] }));
  return {
    request({ method, params = [] }) {
      if (L1_READ_METHODS.has(method)) return provider.request({ method, params });
      return inTurn(async () => {
        const before = await blockNumber();
        try {
          return await provider.request({ method, params });
        } finally {
          const after = await blockNumber();
          const minedTimestamp =
            after > before
              ? Number(((await provider.request({ method: "eth_getBlockByNumber", params: [`0x${(before + 1).toString(16)}`, false] })) as { timestamp: string }).timestamp)
              : null;
          sink.appendL1({ method, params, minedTimestamp });
        }
      });
    },
    exclusive: inTurn,
  };
}

/**
 * Replays a logged L1 onto a fresh L1 with the same genesis: each request
 * again, its block pinned to the logged timestamp. A request that failed
 * then fails again now; its error is ignored as it was answered then.
 */
export async function replayL1(provider: RequestProvider, log: readonly L1LogEntry[]): Promise<void> {
  for (const entry of log) {
    if (entry.minedTimestamp !== null) {
      await provider.request({ method: "evm_setNextBlockTimestamp", params: [`0x${entry.minedTimestamp.toString(16)}`] }).catch(() => undefined);
    }
    await provider.request({ method: entry.method, params: entry.params }).catch(() => undefined);
  }
}
