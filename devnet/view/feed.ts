import { randomBytes } from "node:crypto";
import type { SubscriptionProvider, SubscriptionSession } from "../../rollups/rpc-server.ts";
import type { DevnetViewModel } from "./model.ts";
import type { DevnetEvent } from "./types.ts";

/** The `eth_subscribe` kind of the classroom view's live feed. */
export const DEVNET_FEED = "xr_devnet";

/**
 * The L1 endpoint's subscriptions: the chain's own (`newHeads`, `logs`,
 * `newPendingTransactions`, served by `chain`) plus the classroom view's
 * live feed, `eth_subscribe(["xr_devnet"])`. The feed first notifies
 * `{ kind: "state" }` with everything kept, then every event as it happens;
 * after a revert it notifies `{ kind: "reset" }` and ends.
 */
export function withDevnetFeed(chain: SubscriptionProvider, view: DevnetViewModel): SubscriptionProvider {
  return {
    open(notify): SubscriptionSession {
      const chainSession = chain.open(notify);
      /** This connection's feeds, each with the function that stops it. */
      const feeds = new Map<string, () => void>();
      return {
        subscribe: async (params) => {
          if (params[0] !== DEVNET_FEED) return chainSession.subscribe(params);
          const id = `0x${randomBytes(16).toString("hex")}`;
          // The server holds these until the client has the id: the state always comes first.
          notify(id, { kind: "state", state: view.view() } satisfies DevnetEvent);
          const stop = view.listen((event) => {
            notify(id, event);
            if (event.kind === "reset") feeds.delete(id);
          });
          feeds.set(id, stop);
          return id;
        },
        unsubscribe: (params) => {
          const id = typeof params[0] === "string" ? params[0].toLowerCase() : undefined;
          const stop = id === undefined ? undefined : feeds.get(id);
          if (stop === undefined) return chainSession.unsubscribe(params);
          stop();
          feeds.delete(id!);
          return true;
        },
        close: () => {
          for (const stop of feeds.values()) stop();
          feeds.clear();
          chainSession.close();
        },
      };
    },
  };
}
