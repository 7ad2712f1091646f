import { WebSocket } from "ws";

/** A JSON-RPC message as it comes off a WebSocket: an answer, or an `eth_subscription` notification. */
export interface Message {
  jsonrpc?: "2.0";
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
  params?: unknown;
}

/** What an `eth_subscription` notification carries. */
export interface Notification {
  subscription: string;
  result: unknown;
}

/**
 * A raw JSON-RPC client over one WebSocket, as a test sees the wire: every
 * message it received, answers and notifications, in order.
 */
export class SocketClient {
  readonly messages: unknown[] = [];
  readonly socket: WebSocket;
  #waiters: (() => void)[] = [];
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data) => {
      this.messages.push(JSON.parse(String(data)));
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Connects to `url` (`ws://…`). */
  static async connect(url: string): Promise<SocketClient> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    return new SocketClient(socket);
  }

  /** Sends a payload and resolves with the message that answers it: the same id, or a batch of the same ids. */
  async send(payload: Message | Message[]): Promise<unknown> {
    const start = this.messages.length;
    this.socket.send(JSON.stringify(payload));
    return this.waitFor((message) => answeredIds(message) === answeredIds(payload), start);
  }

  /** One call; resolves with its result, or throws with its error. */
  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const answer = (await this.send(request(this.#nextId++, method, params))) as Message;
    if (answer.error !== undefined) throw new Error(`${method} failed with ${answer.error.code}: ${answer.error.message}`);
    return answer.result as T;
  }

  /** Resolves with the first message from index `from` on that satisfies `test`. */
  async waitFor(test: (message: unknown) => boolean, from = 0, timeoutMs = 5_000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(test);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no such message after ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** The notifications received so far, of one subscription or of all. */
  notifications(subscription?: string): Notification[] {
    return (this.messages as Message[])
      .filter((message) => message.method === "eth_subscription")
      .map((message) => message.params as Notification)
      .filter((notification) => subscription === undefined || notification.subscription === subscription);
  }

  /** Resolves with the close code once the connection is closed (-1 if it already was). */
  closed(): Promise<number> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
    return new Promise((resolve) => this.socket.once("close", (code) => resolve(code)));
  }
}

/** A JSON-RPC 2.0 request; without `id`, a notification. */
export function request(id: number | undefined, method: string, params: unknown[] = []): Message {
  return { jsonrpc: "2.0", ...(id === undefined ? {} : { id }), method, params };
}

/** The ids a request or its answer carries (notifications carry none), as one comparable string. */
function answeredIds(message: unknown): string {
  const entries = (Array.isArray(message) ? message : [message]) as Message[];
  return JSON.stringify(entries.flatMap(({ id }) => (id === undefined ? [] : [id])));
}
