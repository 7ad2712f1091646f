import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { JSON_RPC_ERROR_CODES, XrollupError, toJsonRpcError } from "../errors/base.ts";

/** One JSON-RPC request as received. */
export interface JsonRpcRequest {
  jsonrpc: "2.0";
  /** Absent for a notification, which gets no response. */
  id?: string | number | null;
  method: string;
  params?: unknown[] | Record<string, unknown>;
}

/**
 * Handles one request; returns the result or throws (the error is mapped
 * with `toJsonRpcError`). The result should be JSON-ready; a `bigint` in it
 * is sent as a 0x-hex quantity.
 */
export type JsonRpcHandler = (request: { method: string; params: unknown[] }) => Promise<unknown>;

/** Options of {@link startRpcServer}. */
export interface RpcServerParameters {
  /** Interface to bind, e.g. `127.0.0.1`, `0.0.0.0` or `::1`. */
  host: string;
  /** Port to bind; `0` picks a free one (read it back from {@link RpcServer.port}). */
  port: number;
  /** Serves every request that reaches the endpoint. */
  handle: JsonRpcHandler;
  /** Largest request body accepted, in bytes. Default: 10 MiB. */
  maxBodyBytes?: number;
  /** What this endpoint serves, e.g. `"rollup 901"`: shown by the health check and in error messages. */
  name?: string;
  /**
   * How long one request may take, in milliseconds, before it is answered
   * with a {@link RequestTimeoutError}; the handler's late result is
   * discarded. `Infinity` waits forever. Default: 60 000.
   */
  requestTimeoutMs?: number;
  /**
   * Time limits of single methods, overriding `requestTimeoutMs`: e.g. a
   * longer one for `eth_sendRawTransaction` when it waits for inclusion.
   */
  methodTimeoutsMs?: Readonly<Record<string, number>>;
  /**
   * Serves `eth_subscribe` and `eth_unsubscribe` on WebSocket connections.
   * Without it, both are answered with a {@link NotificationsUnsupportedError}.
   */
  subscriptions?: SubscriptionProvider;
  /**
   * Serves `GET` requests beside JSON-RPC (a web app on the same port),
   * given the request's path and query; `undefined` answers the health
   * check, which `GET /` always gets.
   */
  serveGet?: (path: string) => Promise<HttpResponse | undefined>;
}

/** An answer of {@link RpcServerParameters.serveGet}. */
export interface HttpResponse {
  status: number;
  /** `Content-Type`, `Location`, caching… (`Content-Length` is added). */
  headers: Record<string, string>;
  body: string | Buffer;
}

/**
 * The subscriptions of one WebSocket connection, opened by
 * {@link SubscriptionProvider.open} and closed with the connection.
 */
export interface SubscriptionSession {
  /**
   * `eth_subscribe`: resolves with the new subscription's id once its
   * notifications can flow; throws (like a handler) for bad params.
   */
  subscribe(params: unknown[]): Promise<string>;
  /** `eth_unsubscribe`: whether a subscription of this connection was dropped. */
  unsubscribe(params: unknown[]): boolean;
  /** The connection is gone: drops every subscription it made. */
  close(): void;
}

/** Where an endpoint's subscriptions come from (see {@link RpcServerParameters.subscriptions}). */
export interface SubscriptionProvider {
  /** Opens a connection's subscriptions; `notify` sends one `eth_subscription` notification on it. */
  open(notify: (subscription: string, result: unknown) => void): SubscriptionSession;
}

/** A running JSON-RPC endpoint, as returned by {@link startRpcServer}. */
export interface RpcServer {
  /** `http://host:port`, with IPv6 hosts in brackets. */
  readonly url: string;
  /** `ws://host:port`: the same port serves JSON-RPC over WebSocket. */
  readonly wsUrl: string;
  readonly host: string;
  /** The bound port: the real one when `0` was asked for. */
  readonly port: number;
  /** Stops listening and drops open connections, WebSockets too. Idempotent: later calls return the same promise. */
  close(): Promise<void>;
}

/** Thrown by {@link startRpcServer} when another process already listens on the port. */
export class PortInUseError extends XrollupError {
  override name = "PortInUseError";
  /** The port that was asked for. */
  readonly port: number;
  /** The interface that was asked for. */
  readonly host: string;

  constructor({ port, host, name, cause }: { port: number; host: string; name?: string | undefined; cause?: unknown }) {
    super(
      `Port ${port} on ${host} is already in use${nameSuffix(name)}. Stop the other process or choose another port.`,
      { cause },
    );
    this.port = port;
    this.host = host;
  }
}

/**
 * Answered instead of a result when a handler takes longer than its time
 * limit (see {@link RpcServerParameters.requestTimeoutMs}). Its code is
 * EIP-1474's "resource unavailable", which geth also answers timeouts with.
 */
export class RequestTimeoutError extends XrollupError {
  override name = "RequestTimeoutError";
  /** The method that took too long. */
  readonly method: string;
  /** Its time limit, in milliseconds. */
  readonly timeoutMs: number;

  constructor({ method, timeoutMs, name }: { method: string; timeoutMs: number; name?: string | undefined }) {
    super(`${method} did not finish within its limit of ${timeoutMs} ms${nameSuffix(name)}.`, {
      details: [
        "The endpoint gave up waiting, not the work: a transaction may still be included, so check its status before sending it again.",
      ],
      code: JSON_RPC_ERROR_CODES.resourceUnavailable,
      data: { method, timeoutMs },
    });
    this.method = method;
    this.timeoutMs = timeoutMs;
  }
}

/** Thrown by {@link startRpcServer} for a time limit that is not a positive number of milliseconds. */
export class InvalidRequestTimeoutError extends XrollupError {
  override name = "InvalidRequestTimeoutError";

  constructor({ option, value }: { option: string; value: unknown }) {
    super(
      `Invalid ${option}: ${String(value)}. Give a number of milliseconds from 1 to ${MAX_TIMER_MS}, or Infinity for no limit.`,
      { code: JSON_RPC_ERROR_CODES.invalidParams },
    );
  }
}

/**
 * Answered to `eth_subscribe` and `eth_unsubscribe` where no notification can
 * be sent: over HTTP, or on an endpoint without subscriptions. Code and
 * wording follow geth's "notifications not supported".
 */
export class NotificationsUnsupportedError extends XrollupError {
  override name = "NotificationsUnsupportedError";
  /** The method that was called. */
  readonly method: string;

  constructor({ method, overHttp, name }: { method: string; overHttp: boolean; name?: string | undefined }) {
    super(`${method}: notifications not supported${overHttp ? " over HTTP" : ""}${nameSuffix(name)}.`, {
      details: [
        overHttp
          ? "Subscriptions need a WebSocket: connect to the same host and port with ws:// instead of http://."
          : "This endpoint serves no subscriptions; poll with eth_newFilter and eth_getFilterChanges instead.",
      ],
      code: JSON_RPC_ERROR_CODES.methodNotFound,
    });
    this.method = method;
  }
}

const SUBSCRIPTION_METHODS: ReadonlySet<string> = new Set(["eth_subscribe", "eth_unsubscribe"]);
/**
 * How much a WebSocket client may leave unread before it is disconnected: a
 * client that stopped reading must not make the devnet buffer every later
 * notification (geth, too, drops a subscriber whose queue overflows).
 */
const MAX_UNREAD_BYTES = 64 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
// setTimeout fires after 1 ms for anything longer (with a warning): past this, only Infinity makes sense.
const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_NAME = "xrollup";
const ALLOWED_METHODS = "POST, GET, OPTIONS";
const ALLOWED_HEADERS = "Content-Type, Authorization";
// Browsers cap this anyway (Chrome at 2 hours); a day avoids a preflight per call elsewhere.
const PREFLIGHT_MAX_AGE_SECONDS = "86400";

type JsonRpcId = string | number | null;

/** What the request listener needs, computed once per server rather than per request. */
interface ServeContext {
  /** Serves one request; over a WebSocket, wrapped by {@link serveSocket} to add subscriptions. */
  handle: JsonRpcHandler;
  /** The time limit of a method, in milliseconds (`Infinity` for none). */
  timeoutOf: (method: string) => number;
  name: string | undefined;
  maxBodyBytes: number;
  healthBody: string;
  tooLargeBody: string;
  serveGet: RpcServerParameters["serveGet"];
}

/**
 * Starts a JSON-RPC 2.0 endpoint over HTTP and WebSocket on one port, as
 * `hardhat node` or anvil serve theirs: single and batch requests,
 * notifications, CORS for browser wallets and dapps, and a `GET` health
 * check; on a WebSocket, `eth_subscribe` too (see
 * {@link RpcServerParameters.subscriptions}). Batch entries are served one
 * after the other, in order, because transactions submitted in one batch
 * must reach the chain in that order. Every request is answered within its
 * time limit, with a {@link RequestTimeoutError} if its handler is still
 * busy, and {@link RpcServer.close} never waits for busy handlers.
 *
 * @returns The running server, once it is bound.
 * @throws {PortInUseError} When the port is taken.
 * @throws {InvalidRequestTimeoutError} For a time limit that is not a positive number of milliseconds.
 *
 * @example
 * ```ts
 * const server = await startRpcServer({
 *   host: "127.0.0.1",
 *   port: 0,
 *   name: "rollup 901",
 *   handle: async ({ method }) => {
 *     if (method === "eth_chainId") return "0x385";
 *     throw new XrollupError(`Method ${method} is not supported.`, { code: -32601 });
 *   },
 * });
 * const response = await fetch(server.url, {
 *   method: "POST",
 *   headers: { "Content-Type": "application/json" },
 *   body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }),
 * });
 * console.log(await response.json()); // { jsonrpc: "2.0", id: 1, result: "0x385" }
 * await server.close();
 * ```
 */
export async function startRpcServer(parameters: RpcServerParameters): Promise<RpcServer> {
  const { host, port, handle, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, name, subscriptions, serveGet } = parameters;
  const { requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, methodTimeoutsMs = {} } = parameters;
  checkTimeout("requestTimeoutMs", requestTimeoutMs);
  const methodTimeouts = new Map(Object.entries(methodTimeoutsMs));
  for (const [method, timeoutMs] of methodTimeouts) checkTimeout(`methodTimeoutsMs.${method}`, timeoutMs);
  const context: ServeContext = {
    handle: async (request) => {
      if (SUBSCRIPTION_METHODS.has(request.method)) throw new NotificationsUnsupportedError({ method: request.method, overHttp: true, name });
      return handle(request);
    },
    timeoutOf: (method) => methodTimeouts.get(method) ?? requestTimeoutMs,
    name,
    maxBodyBytes,
    healthBody: JSON.stringify({ name: name ?? DEFAULT_NAME, status: "ok" }),
    serveGet,
    tooLargeBody: errorResponse(
      null,
      protocolError(
        JSON_RPC_ERROR_CODES.invalidRequest,
        `Request body exceeds the limit of ${maxBodyBytes} bytes.`,
      ),
    ),
  };
  // HTTP keep-alive is on by default in node:http; clients that pool
  // connections (viem, ethers, undici) reuse them.
  const server = createServer((request, response) => serve(request, response, context));
  // The same port speaks WebSocket: an HTTP request asking to upgrade becomes
  // a connection that takes JSON-RPC messages. ws refuses larger messages
  // than an HTTP body may be (closing with 1009), and answers pings itself.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxBodyBytes, perMessageDeflate: false });
  server.on("upgrade", (request, socket, head) => {
    sockets.handleUpgrade(request, socket, head, (webSocket) => serveSocket(webSocket, { ...context, handle }, subscriptions));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      reject(
        error.code === "EADDRINUSE"
          ? new PortInUseError({ port, host, name, cause: error })
          : new XrollupError(`Could not listen on ${host}:${port}${nameSuffix(name)}.`, {
              details: [error.message],
              cause: error,
            }),
      );
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });

  const boundPort = (server.address() as AddressInfo).port;
  // The host as given, not the resolved address: `localhost` stays `localhost`.
  const authority = `${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${authority}`,
    wsUrl: `ws://${authority}`,
    host,
    port: boundPort,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // close() only stops accepting; keep-alive connections would hold it
        // open for seconds, and a request whose handler is busy for as long
        // as that handler: drop them all, busy ones unanswered. Upgraded
        // connections are no longer the HTTP server's to close.
        server.closeAllConnections();
        for (const webSocket of sockets.clients) webSocket.terminate();
        sockets.close();
      });
      return closing;
    },
  };
}

function nameSuffix(name: string | undefined): string {
  return name === undefined ? "" : ` (${name})`;
}

function checkTimeout(option: string, value: unknown): void {
  const valid = typeof value === "number" && value > 0 && (value <= MAX_TIMER_MS || value === Infinity);
  if (!valid) throw new InvalidRequestTimeoutError({ option, value });
}

function serve(request: IncomingMessage, response: ServerResponse, context: ServeContext): void {
  switch (request.method) {
    case "POST":
      readBody(request, response, context);
      return;
    case "OPTIONS":
      response.writeHead(204, {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": ALLOWED_METHODS,
        "Access-Control-Allow-Headers": request.headers["access-control-request-headers"] ?? ALLOWED_HEADERS,
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE_SECONDS,
      });
      response.end();
      return;
    case "GET":
      if (context.serveGet !== undefined && request.url !== undefined && request.url !== "/") void answerGet(request.url, response, context.serveGet, context.healthBody);
      else sendJson(response, 200, context.healthBody);
      return;
    default:
      sendJson(
        response,
        405,
        errorResponse(
          null,
          protocolError(
            JSON_RPC_ERROR_CODES.invalidRequest,
            `HTTP method ${request.method ?? "(none)"} is not supported: send JSON-RPC requests with POST.`,
          ),
        ),
        { Allow: ALLOWED_METHODS },
      );
  }
}

/** Answers a `GET` with what `serveGet` gives, or with the health check when it gives nothing. */
async function answerGet(path: string, response: ServerResponse, serveGet: NonNullable<ServeContext["serveGet"]>, healthBody: string): Promise<void> {
  let answer: HttpResponse | undefined;
  try {
    answer = await serveGet(path);
  } catch {
    // Only a bug gets here: it costs this request, not the devnet.
    response.destroy();
    return;
  }
  if (response.destroyed) return;
  if (answer === undefined) {
    sendJson(response, 200, healthBody);
    return;
  }
  response.writeHead(answer.status, { ...answer.headers, "Content-Length": Buffer.byteLength(answer.body) });
  response.end(answer.body);
}

/**
 * Serves a WebSocket connection: each message is a request or a batch,
 * served like an HTTP body, its answer sent back as one message. Messages are
 * served as they come, like concurrent HTTP requests. A subscription's
 * notifications wait until the answer that gives its id is sent: a client
 * cannot route a notification whose id it does not know yet.
 */
function serveSocket(socket: WebSocket, context: ServeContext, subscriptions: SubscriptionProvider | undefined): void {
  /** Subscriptions whose id the client was sent: only they are notified at once. */
  const announced = new Set<string>();
  /** The notifications of the others, held until their id is sent. */
  const held = new Map<string, unknown[]>();
  const session = subscriptions?.open((subscription, result) => {
    const waiting = held.get(subscription);
    if (announced.has(subscription)) sendNotification(socket, subscription, result);
    else if (waiting === undefined) held.set(subscription, [result]);
    else waiting.push(result);
  });
  // ws emits protocol errors (a message over maxPayload, bad frames) and then closes the socket itself.
  socket.on("error", () => undefined);
  socket.on("close", () => session?.close());
  socket.on("message", (data) => {
    const created: string[] = [];
    let answered = false;
    const handle: JsonRpcHandler = async (request) => {
      if (!SUBSCRIPTION_METHODS.has(request.method)) return context.handle(request);
      if (session === undefined) throw new NotificationsUnsupportedError({ method: request.method, overHttp: false, name: context.name });
      if (request.method === "eth_unsubscribe") {
        const dropped = session.unsubscribe(request.params);
        // Ids are hex: the client may have changed their case.
        if (dropped) for (const id of announced) if (id.toLowerCase() === String(request.params[0]).toLowerCase()) announced.delete(id);
        return dropped;
      }
      const id = await session.subscribe(request.params);
      // Past its time limit the client was told of a timeout, never of this id.
      if (answered) {
        session.unsubscribe([id]);
        held.delete(id);
      } else {
        created.push(id);
      }
      return id;
    };
    void answerMessage(socket, messageBytes(data), { ...context, handle }).finally(() => {
      answered = true;
      for (const id of created) {
        announced.add(id);
        for (const result of held.get(id) ?? []) sendNotification(socket, id, result);
        held.delete(id);
      }
    });
  });
}

async function answerMessage(socket: WebSocket, body: Buffer, context: ServeContext): Promise<void> {
  let reply: string | undefined;
  try {
    reply = await replyTo(body, context);
  } catch {
    // Only a bug gets here (handler errors are answered): it costs this connection, not the devnet.
    socket.terminate();
    return;
  }
  if (reply !== undefined) sendMessage(socket, reply);
}

function sendNotification(socket: WebSocket, subscription: string, result: unknown): void {
  let message: string;
  try {
    message = toJson({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription, result } });
  } catch {
    // A result that cannot be serialised is a bug of its source: lose the notification, not the connection.
    return;
  }
  sendMessage(socket, message);
}

function sendMessage(socket: WebSocket, message: string): void {
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount > MAX_UNREAD_BYTES) {
    socket.terminate();
    return;
  }
  socket.send(message);
}

/** A WebSocket message as bytes: ws hands over a Buffer, fragments as a list, or an ArrayBuffer, by its binaryType. */
function messageBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function readBody(request: IncomingMessage, response: ServerResponse, context: ServeContext): void {
  const { maxBodyBytes } = context;
  const declaredLength = request.headers["content-length"];
  if (declaredLength !== undefined && Number(declaredLength) > maxBodyBytes) {
    rejectTooLarge(request, response, context);
    return;
  }
  const chunks: Buffer[] = [];
  let length = 0;
  const onData = (chunk: Buffer): void => {
    length += chunk.length;
    if (length > maxBodyBytes) {
      // Chunked bodies give no length up front: give up as soon as the limit is crossed.
      request.off("data", onData);
      request.off("end", onEnd);
      rejectTooLarge(request, response, context);
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = (): void => {
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
    void answer(body, response, context);
  };
  request.on("data", onData);
  request.on("end", onEnd);
}

function rejectTooLarge(request: IncomingMessage, response: ServerResponse, context: ServeContext): void {
  // Stop reading and close the connection after the answer rather than
  // draining a body we already refused.
  request.pause();
  sendJson(response, 413, context.tooLargeBody, { Connection: "close" });
}

async function answer(body: Buffer, response: ServerResponse, context: ServeContext): Promise<void> {
  let reply: string | undefined;
  try {
    reply = await replyTo(body, context);
  } catch {
    // Only a bug gets here (handler errors are answered): it must cost this
    // request, not the whole devnet through an unhandled rejection.
    response.destroy();
    return;
  }
  // The client left, or close() dropped the connection, while we worked.
  if (response.destroyed) return;
  if (reply === undefined) sendNoContent(response);
  else sendJson(response, 200, reply);
}

/** Serves a request body; returns the serialised answer, or `undefined` when only notifications came. */
async function replyTo(body: Buffer, context: ServeContext): Promise<string | undefined> {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return errorResponse(
      null,
      protocolError(JSON_RPC_ERROR_CODES.parseError, `Request body is not valid JSON: ${message}`, error),
    );
  }

  if (!Array.isArray(payload)) return serveOne(payload, context);
  if (payload.length === 0) {
    return errorResponse(null, protocolError(JSON_RPC_ERROR_CODES.invalidRequest, "Batch request is empty."));
  }
  const parts: string[] = [];
  for (const entry of payload) {
    const part = await serveOne(entry, context);
    if (part !== undefined) parts.push(part);
  }
  return parts.length === 0 ? undefined : `[${parts.join(",")}]`;
}

/** Serves one request object; returns its serialised response, or `undefined` for a notification. */
async function serveOne(entry: unknown, context: ServeContext): Promise<string | undefined> {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    return invalidRequest(null, `Request must be a JSON object, got ${describeJson(entry)}.`);
  }
  const { jsonrpc, id, method, params } = entry as Record<string, unknown>;
  if (id !== undefined && id !== null && typeof id !== "string" && typeof id !== "number") {
    return invalidRequest(null, `Request "id" must be a string, a number or null, got ${describeJson(id)}.`);
  }
  // An invalid request is answered even without an id, with id null, as
  // JSON-RPC 2.0 asks: it cannot be told apart from a broken request.
  const requestId: JsonRpcId = id ?? null;
  if (jsonrpc !== "2.0") {
    return invalidRequest(requestId, `Request must have "jsonrpc": "2.0", got ${describeJson(jsonrpc)}.`);
  }
  if (typeof method !== "string") {
    return invalidRequest(requestId, `Request must have a "method" string, got ${describeJson(method)}.`);
  }
  if (params !== undefined && (typeof params !== "object" || params === null)) {
    return invalidRequest(requestId, `Request "params" must be an array or an object, got ${describeJson(params)}.`);
  }

  const isNotification = id === undefined;
  if (params !== undefined && !Array.isArray(params)) {
    if (isNotification) return undefined;
    return errorResponse(
      requestId,
      protocolError(
        JSON_RPC_ERROR_CODES.invalidParams,
        `Request "params" must be an array: Ethereum methods take positional parameters.`,
      ),
    );
  }
  try {
    const result = await withinTimeLimit(context.handle({ method, params: params ?? [] }), method, context);
    return isNotification ? undefined : resultResponse(requestId, method, result);
  } catch (error) {
    return isNotification ? undefined : errorResponse(requestId, error);
  }
}

/**
 * Settles like `work`, or rejects with a {@link RequestTimeoutError} once the
 * method's time limit passes; what `work` settles with later is dropped.
 * A busy handler cannot be cancelled, so a batch goes on with its next
 * entry while a timed-out one may still run.
 */
function withinTimeLimit<T>(work: Promise<T>, method: string, context: ServeContext): Promise<T> {
  const timeoutMs = context.timeoutOf(method);
  if (timeoutMs === Infinity) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RequestTimeoutError({ method, timeoutMs, name: context.name })), timeoutMs);
    // A request in flight must not keep a process that is stopping alive.
    timer.unref();
    work.then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function invalidRequest(id: JsonRpcId, message: string): string {
  return errorResponse(id, protocolError(JSON_RPC_ERROR_CODES.invalidRequest, message));
}

/** Errors in the request itself go through the same mapping as the handler's. */
function protocolError(code: number, message: string, cause?: unknown): XrollupError {
  return new XrollupError(message, { code, cause });
}

function resultResponse(id: JsonRpcId, method: string, result: unknown): string {
  try {
    // JSON-RPC requires a result member; JSON.stringify would drop an undefined one.
    return toJson({ jsonrpc: "2.0", id, result: result === undefined ? null : result });
  } catch (error) {
    return errorResponse(
      id,
      new XrollupError(`The result of ${method} could not be serialised to JSON.`, {
        details: [error instanceof Error ? error.message : String(error)],
        cause: error,
        code: JSON_RPC_ERROR_CODES.internalError,
      }),
    );
  }
}

function errorResponse(id: JsonRpcId, error: unknown): string {
  const rpcError = toJsonRpcError(error);
  try {
    return toJson({ jsonrpc: "2.0", id, error: rpcError });
  } catch {
    // The data behind an error must not cost the caller the error itself.
    return JSON.stringify({ jsonrpc: "2.0", id, error: { code: rpcError.code, message: rpcError.message } });
  }
}

/**
 * `JSON.stringify`, with bigints as 0x-hex quantities. The replacer only runs
 * when the plain call fails, so results without bigints pay nothing for it.
 */
function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value, bigintToQuantity);
  }
}

function bigintToQuantity(_key: string, value: unknown): unknown {
  if (typeof value !== "bigint") return value;
  return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

function describeJson(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: string,
  extraHeaders?: Record<string, string>,
): void {
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Access-Control-Allow-Origin": "*",
    ...extraHeaders,
  });
  response.end(body);
}

function sendNoContent(response: ServerResponse): void {
  response.writeHead(204, { "Access-Control-Allow-Origin": "*" });
  response.end();
}
