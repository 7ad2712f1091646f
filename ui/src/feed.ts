import type { DevnetEvent } from "../../devnet/view/types.ts";

/** How the feed's socket stands, for the connection badge. */
export type FeedConnection = "connecting" | "live" | "reconnecting";

/** What {@link connectFeed} needs: where to connect and whom to tell. */
export interface FeedParameters {
  /** The L1 endpoint's WebSocket URL. */
  url: string;
  onEvent: (event: DevnetEvent) => void;
  onConnection: (connection: FeedConnection) => void;
}

/** First wait before reconnecting; it doubles up to {@link MAX_BACKOFF_MS}. */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;
const SUBSCRIBE_ID = "xr_devnet";

/** A message on the socket: the answer to our `eth_subscribe`, or a notification. */
interface FeedMessage {
  id?: string;
  result?: unknown;
  error?: { message: string };
  method?: string;
  params?: { subscription: string; result: DevnetEvent };
}

/**
 * Subscribes to the devnet's live feed (`eth_subscribe(["xr_devnet"])` on the
 * L1 endpoint's WebSocket) and hands every event on. The server pushes; the
 * page never polls. On `reset` (the devnet reverted) it subscribes again for
 * the new state; if the socket drops it reconnects with backoff, and the
 * first notification of the new subscription carries the whole state again.
 * Answers a function that closes the feed for good.
 */
export function connectFeed({ url, onEvent, onConnection }: FeedParameters): () => void {
  let socket: WebSocket | null = null;
  let subscription: string | null = null;
  let backoffMs = FIRST_BACKOFF_MS;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const subscribe = (open: WebSocket) => open.send(JSON.stringify({ jsonrpc: "2.0", id: SUBSCRIBE_ID, method: "eth_subscribe", params: ["xr_devnet"] }));

  const open = () => {
    onConnection(socket === null ? "connecting" : "reconnecting");
    const current = new WebSocket(url);
    socket = current;
    subscription = null;
    current.addEventListener("open", () => subscribe(current));
    current.addEventListener("message", (message) => {
      const data = JSON.parse(String(message.data)) as FeedMessage;
      if (data.id === SUBSCRIBE_ID) {
        if (data.error !== undefined) throw new Error(`eth_subscribe(["xr_devnet"]) was refused: ${data.error.message}`);
        subscription = String(data.result);
        backoffMs = FIRST_BACKOFF_MS;
        onConnection("live");
        return;
      }
      // Only the current subscription counts: after a reset, the old one's last notifications are stale.
      if (data.method !== "eth_subscription" || data.params === undefined || data.params.subscription !== subscription) return;
      const event = data.params.result;
      onEvent(event);
      if (event.kind === "reset") {
        current.send(JSON.stringify({ jsonrpc: "2.0", id: "unsubscribe", method: "eth_unsubscribe", params: [subscription] }));
        subscription = null;
        subscribe(current);
      }
    });
    current.addEventListener("close", () => {
      if (closed) return;
      onConnection("reconnecting");
      retry = setTimeout(open, backoffMs);
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    });
  };

  open();
  return () => {
    closed = true;
    clearTimeout(retry);
    socket?.close();
  };
}

/** The WebSocket URL of the endpoint that served the page: `ws(s)://<same host>/`. */
export function feedUrlOf(location: Location): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/`;
}
