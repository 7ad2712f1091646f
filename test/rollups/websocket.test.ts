import { expect } from "chai";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import {
  type JsonRpcHandler,
  type RpcServer,
  type SubscriptionProvider,
  type SubscriptionSession,
  startRpcServer,
} from "../../rollups/rpc-server.ts";
import { type Message, type Notification, request, SocketClient } from "../support/websocket.ts";

const HOST = "127.0.0.1";

/** Lets the handler's pending `held` requests finish. */
let releaseHeld: () => void = () => undefined;

/** A handler with what the transport must get right: results, bigints, errors, slowness. */
const handle: JsonRpcHandler = async ({ method, params }) => {
  switch (method) {
    case "echo":
      return params;
    case "slow":
      await new Promise((resolve) => setTimeout(resolve, params[0] as number));
      return "late";
    case "held":
      await new Promise<void>((resolve) => {
        releaseHeld = resolve;
      });
      return "released";
    case "balance":
      return 10n ** 18n;
    case "fail":
      throw new XrollupError("Transaction rejected: nonce too low.", { code: JSON_RPC_ERROR_CODES.transactionRejected, data: { expectedNonce: "0x2" } });
    case "eth_subscribe":
      return expect.fail("eth_subscribe must never reach the handler");
    default:
      throw new XrollupError(`Method ${method} is not supported.`, { code: JSON_RPC_ERROR_CODES.methodNotFound });
  }
};

/**
 * Subscriptions a test drives by hand: `emit` notifies every subscription of
 * a kind; a subscription whose kind is "eager" is notified while it is being
 * made, before its id can have reached the client.
 */
class HandDrivenSubscriptions implements SubscriptionProvider {
  readonly open_: { notify: (id: string, result: unknown) => void; ids: Map<string, string>; closed: boolean }[] = [];
  #next = 1;

  open(notify: (id: string, result: unknown) => void): SubscriptionSession {
    const connection = { notify, ids: new Map<string, string>(), closed: false };
    this.open_.push(connection);
    return {
      subscribe: async ([kind]) => {
        if (typeof kind !== "string") throw new XrollupError("kind?", { code: JSON_RPC_ERROR_CODES.invalidParams });
        const id = `0x${(this.#next++).toString(16).padStart(32, "0")}`;
        connection.ids.set(id, kind);
        if (kind === "eager") notify(id, "sent before the answer");
        return id;
      },
      unsubscribe: ([id]) => connection.ids.delete(id as string),
      close: () => {
        connection.closed = true;
      },
    };
  }

  emit(kind: string, result: unknown): void {
    for (const { notify, ids } of this.open_) for (const [id, of] of ids) if (of === kind) notify(id, result);
  }
}

async function post(server: RpcServer, payload: unknown): Promise<Message> {
  const response = await fetch(server.url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });
  return (await response.json()) as Message;
}

describe("rollups/rpc-server over WebSocket", function () {
  let server: RpcServer;
  let subscriptions: HandDrivenSubscriptions;
  let client: SocketClient;

  beforeEach(async function () {
    subscriptions = new HandDrivenSubscriptions();
    server = await startRpcServer({ host: HOST, port: 0, handle, subscriptions, maxBodyBytes: 4096, methodTimeoutsMs: { slow: 100 } });
    client = await SocketClient.connect(server.wsUrl);
  });
  afterEach(async function () {
    client.socket.terminate();
    await server.close();
  });

  it("serves HTTP and WebSocket on the same port", async function () {
    expect(server.wsUrl).to.equal(`ws://${HOST}:${server.port}`);
    expect(await post(server, request(1, "echo", ["http"]))).to.deep.equal({ jsonrpc: "2.0", id: 1, result: ["http"] });
    expect(await client.send(request(2, "echo", ["ws"]))).to.deep.equal({ jsonrpc: "2.0", id: 2, result: ["ws"] });
  });

  it("answers single and batch requests, errors and bigints exactly as over HTTP", async function () {
    const batch = [request(1, "echo", [1]), request(2, "fail"), request(undefined, "echo", ["a notification"]), request(3, "balance"), request(4, "nope")];
    expect(await client.send(batch)).to.deep.equal(await post(server, batch));
    expect(await client.send(request(5, "fail"))).to.deep.equal(await post(server, request(5, "fail")));
  });

  it("answers a broken message with a parse error and keeps the connection", async function () {
    client.socket.send("{not json");
    const answer = (await client.waitFor((message) => (message as Message).error !== undefined)) as Message;
    expect(answer.id).to.equal(null);
    expect(answer.error!.code).to.equal(JSON_RPC_ERROR_CODES.parseError);
    expect(await client.send(request(1, "echo", ["still here"]))).to.deep.equal({ jsonrpc: "2.0", id: 1, result: ["still here"] });
  });

  it("applies the same time limits", async function () {
    const answer = (await client.send(request(1, "slow", [1_000]))) as Message;
    expect(answer.error!.code).to.equal(JSON_RPC_ERROR_CODES.resourceUnavailable);
    expect(answer.error!.message).to.contain("slow did not finish within its limit of 100 ms");
  });

  it("serves messages as they come: a quick request is not held behind a slow one", async function () {
    const held = client.send(request(1, "held"));
    const quick = await client.send(request(2, "echo", ["quick"]));
    expect(client.messages).to.deep.equal([quick]);
    releaseHeld();
    expect(await held).to.deep.equal({ jsonrpc: "2.0", id: 1, result: "released" });
  });

  it("closes a connection whose message is larger than an HTTP body may be (1009: message too big)", async function () {
    const closed = client.closed();
    client.socket.send(JSON.stringify(request(1, "echo", ["x".repeat(5000)])));
    expect(await closed).to.equal(1009);
  });

  it("answers pings", async function () {
    const pong = new Promise((resolve) => client.socket.once("pong", (data) => resolve(String(data))));
    client.socket.ping("are you there");
    expect(await pong).to.equal("are you there");
  });

  it("refuses eth_subscribe and eth_unsubscribe over HTTP with geth's 'notifications not supported' and says to use ws://", async function () {
    for (const method of ["eth_subscribe", "eth_unsubscribe"]) {
      const { error } = await post(server, request(1, method, ["newHeads"]));
      expect(error!.code).to.equal(JSON_RPC_ERROR_CODES.methodNotFound);
      expect(error!.message).to.contain(`${method}: notifications not supported over HTTP`);
      expect(error!.message).to.contain("ws://");
    }
  });

  it("refuses eth_subscribe on an endpoint without subscriptions", async function () {
    const bare = await startRpcServer({ host: HOST, port: 0, handle });
    const bareClient = await SocketClient.connect(bare.wsUrl);
    const { error } = (await bareClient.send(request(1, "eth_subscribe", ["newHeads"]))) as Message;
    expect(error!.code).to.equal(JSON_RPC_ERROR_CODES.methodNotFound);
    expect(error!.message).to.contain("notifications not supported");
    await bare.close();
  });

  it("sends notifications in geth's shape to the connection that subscribed, until it unsubscribes", async function () {
    const other = await SocketClient.connect(server.wsUrl);
    const { result: id } = (await client.send(request(1, "eth_subscribe", ["heads"]))) as Message;
    subscriptions.emit("heads", { number: "0x1" });
    await client.waitFor((message) => (message as Message).method === "eth_subscription");
    expect(client.messages.at(-1)).to.deep.equal({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: id, result: { number: "0x1" } } });
    expect(await client.send(request(2, "eth_unsubscribe", [id]))).to.deep.equal({ jsonrpc: "2.0", id: 2, result: true });
    expect(await client.send(request(3, "eth_unsubscribe", [id]))).to.deep.equal({ jsonrpc: "2.0", id: 3, result: false });
    subscriptions.emit("heads", { number: "0x2" });
    await client.send(request(4, "echo"));
    expect(client.notifications()).to.have.length(1);
    expect(other.messages).to.deep.equal([]);
    other.socket.terminate();
  });

  it("never sends a notification before the answer that gives its subscription's id, alone or in a batch", async function () {
    const answer = (await client.send(request(1, "eth_subscribe", ["eager"]))) as Message;
    const batch = (await client.send([request(2, "eth_subscribe", ["eager"]), request(3, "slow", [20])])) as Message[];
    await client.waitFor((message) => ((message as Message).params as Notification | undefined)?.subscription === batch[0]!.result);
    expect(client.messages).to.deep.equal([
      answer,
      { jsonrpc: "2.0", method: "eth_subscription", params: { subscription: answer.result, result: "sent before the answer" } },
      batch,
      { jsonrpc: "2.0", method: "eth_subscription", params: { subscription: batch[0]!.result, result: "sent before the answer" } },
    ]);
  });

  it("closes the subscriptions of a connection the client closed", async function () {
    await client.send(request(1, "eth_subscribe", ["heads"]));
    const [connection] = subscriptions.open_;
    expect(connection!.closed).to.equal(false);
    client.socket.close();
    await client.closed();
    await waitFor(() => connection!.closed);
  });

  it("close() disconnects every WebSocket client and resolves", async function () {
    await client.send(request(1, "eth_subscribe", ["heads"]));
    const closed = client.closed();
    await server.close();
    expect(await closed).to.equal(1006);
    await waitFor(() => subscriptions.open_[0]!.closed);
  });

  it("disconnects a client that stopped reading once too much is unread, instead of buffering without end", async function () {
    await client.send(request(1, "eth_subscribe", ["heads"]));
    const closed = client.closed();
    client.socket.pause();
    const megabyte = "x".repeat(1024 * 1024);
    // 64 MiB may stay unread; the kernel's buffers take some more.
    for (let sent = 0; sent < 200 && subscriptions.open_[0]!.closed === false; sent++) {
      subscriptions.emit("heads", megabyte);
      await new Promise((resolve) => setImmediate(resolve));
    }
    client.socket.resume();
    expect(await closed).to.equal(1006);
    expect(subscriptions.open_[0]!.closed).to.equal(true);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
