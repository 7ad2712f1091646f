import { randomBytes } from "node:crypto";
import { type Hex, isAddress, isHash } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import type { SubscriptionProvider, SubscriptionSession } from "./rpc-server.ts";

/** What `eth_subscribe` can subscribe to, as geth names them. */
export const SUBSCRIPTION_KINDS = ["newHeads", "logs", "newPendingTransactions"] as const;

/** One of {@link SUBSCRIPTION_KINDS}. */
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];

/**
 * Which logs a `logs` subscription wants, normalised: every hex string lower
 * case, so that matching compares strings as they are.
 */
export interface LogFilter {
  /** Addresses any of which matches; empty matches every address. */
  addresses: readonly Hex[];
  /** Per topic position, the topics any of which matches there, or `null` for any topic. */
  topics: readonly (readonly Hex[] | null)[];
}

/** An `eth_subscribe` request, checked. */
export type SubscriptionRequest =
  | { kind: "newHeads" }
  | { kind: "logs"; filter: LogFilter }
  /** `full`: whole transaction objects (geth's second parameter `true`) instead of hashes. */
  | { kind: "newPendingTransactions"; full: boolean };

/** A log as JSON-RPC carries it; filters look only at these fields. */
export interface RpcLogFields {
  address: string;
  topics: readonly string[];
}

/** Thrown for `eth_subscribe` params that name no known subscription or carry a malformed filter. */
export class InvalidSubscriptionError extends XrollupError {
  override name = "InvalidSubscriptionError";

  constructor({ reason }: { reason: string }) {
    super(`Invalid eth_subscribe params: ${reason}.`, {
      details: [`Subscribe with ["newHeads"], ["logs", { address?, topics? }] or ["newPendingTransactions"].`],
      code: JSON_RPC_ERROR_CODES.invalidParams,
    });
  }
}

/**
 * Checks `eth_subscribe` params. A `logs` filter takes geth's `address` (one
 * or a list) and `topics` (per position: a topic, a list of topics, or
 * `null`); a range (`fromBlock`, `toBlock`) is ignored, as geth does: a
 * subscription only ever sees new logs.
 *
 * @throws {InvalidSubscriptionError} naming what is wrong.
 */
export function parseSubscription(params: readonly unknown[]): SubscriptionRequest {
  const [kind, options] = params;
  switch (kind) {
    case "newHeads":
      return { kind };
    case "logs":
      return { kind, filter: parseLogFilter(options) };
    case "newPendingTransactions":
      if (options !== undefined && typeof options !== "boolean") {
        throw new InvalidSubscriptionError({ reason: `newPendingTransactions takes true (whole transactions) or false, got ${JSON.stringify(options)}` });
      }
      return { kind, full: options === true };
    default:
      throw new InvalidSubscriptionError({
        reason: `${JSON.stringify(kind) ?? "nothing"} is not one of ${SUBSCRIPTION_KINDS.join(", ")}`,
      });
  }
}

function parseLogFilter(options: unknown): LogFilter {
  if (options === undefined || options === null) return { addresses: [], topics: [] };
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidSubscriptionError({ reason: "the logs filter must be an object" });
  }
  const { address, topics } = options as { address?: unknown; topics?: unknown };
  const addresses = address === undefined || address === null ? [] : Array.isArray(address) ? address : [address];
  for (const entry of addresses) {
    if (typeof entry !== "string" || !isAddress(entry, { strict: false })) {
      throw new InvalidSubscriptionError({ reason: `${JSON.stringify(entry)} in the filter's address is not a 20-byte address` });
    }
  }
  if (topics !== undefined && topics !== null && !Array.isArray(topics)) {
    throw new InvalidSubscriptionError({ reason: "the filter's topics must be a list" });
  }
  return {
    addresses: addresses.map((entry: string) => entry.toLowerCase() as Hex),
    topics: (topics ?? []).map((position: unknown, index: number) => parseTopicPosition(position, index)),
  };
}

function parseTopicPosition(position: unknown, index: number): readonly Hex[] | null {
  if (position === null) return null;
  const alternatives = Array.isArray(position) ? position : [position];
  for (const topic of alternatives) {
    if (typeof topic !== "string" || !isHash(topic)) {
      throw new InvalidSubscriptionError({ reason: `${JSON.stringify(topic)} at topic position ${index} is not a 32-byte topic` });
    }
  }
  // An empty list of alternatives matches any topic, as in geth.
  return alternatives.length === 0 ? null : alternatives.map((topic: string) => topic.toLowerCase() as Hex);
}

/**
 * Whether a log matches a filter, by geth's rules: its address is one of the
 * filter's (if any), and at every position the filter names, the log has a
 * topic that is one of the alternatives there (`null`: any topic, but the
 * log must still have one at that position).
 */
export function matchesLogFilter(log: RpcLogFields, filter: LogFilter): boolean {
  if (filter.addresses.length > 0 && !filter.addresses.includes(log.address.toLowerCase() as Hex)) return false;
  if (filter.topics.length > log.topics.length) return false;
  return filter.topics.every((alternatives, index) => alternatives === null || alternatives.includes(log.topics[index]!.toLowerCase() as Hex));
}

/** A block as `eth_getBlockByHash(hash, false)` answers it. */
export type RpcBlockObject = Record<string, unknown> & { hash: Hex; number: Hex };

/** The header `newHeads` notifies: the block without its transactions (geth's header has none). */
export function blockHeader(block: RpcBlockObject): Record<string, unknown> {
  const { transactions: _transactions, ...header } = block;
  return header;
}

/** What a {@link ChainSubscriptions} reads from its chain: blocks and logs. */
export interface ChainReader {
  request(args: { method: string; params: unknown[] }): Promise<unknown>;
}

/** Where a chain's subscriptions hear of new blocks and pending transactions. */
export interface ChainEventSink {
  /**
   * A block was added to the chain. Without `block`, it is read by hash; a
   * block the chain no longer has (it went back since) is not notified.
   */
  blockAdded(hash: Hex, block?: RpcBlockObject): void;
  /** A transaction is pending; `full` gives its whole object, for subscribers that asked for it. */
  transactionAdded(hash: Hex, full: () => unknown): void;
}

/** What the subscriptions of a chain want to hear of. */
export interface Wanted {
  blocks: boolean;
  pendingTransactions: boolean;
}

/**
 * A source of a chain's events that costs something while it is watched
 * (EDR's own subscriptions): told what is wanted whenever it changes, it
 * starts or stops telling the sink.
 */
export interface ChainEventSource {
  /** Resolves once the events wanted flow to `sink`. */
  want(wanted: Wanted, sink: ChainEventSink): Promise<void>;
}

/** Options of {@link ChainSubscriptions}. */
export interface ChainSubscriptionsParameters {
  /** What the chain is, for error messages, e.g. `"rollup-901"`. */
  name: string;
  /** Reads blocks and logs to notify. */
  reader: ChainReader;
  /** Started and stopped as subscriptions come and go; leave it out when events are pushed regardless (the sequencer's). */
  source?: ChainEventSource;
  /** Errors reading what to notify; default: ignored. */
  onError?: (error: unknown) => void;
  /** New subscription ids; default: 16 random bytes, as geth's. */
  newId?: () => Hex;
}

interface Subscription {
  id: Hex;
  request: SubscriptionRequest;
  notify: (subscription: string, result: unknown) => void;
}

/**
 * The `eth_subscribe` subscriptions of one chain's endpoint, across its
 * WebSocket connections: it hears of new blocks and pending transactions
 * (see {@link ChainEventSink}) and notifies each subscription, in the order
 * the chain produced them. With no subscriber, hearing of an event costs
 * nothing: no block or log is read.
 *
 * @example
 * ```ts
 * const subscriptions = new ChainSubscriptions({ name: "rollup-901", reader: chain.provider });
 * await startRpcServer({ host, port, handle, subscriptions });
 * subscriptions.blockAdded(block.hash); // every newHeads and logs subscriber hears of it
 * ```
 */
export class ChainSubscriptions implements SubscriptionProvider, ChainEventSink {
  readonly #name: string;
  readonly #reader: ChainReader;
  readonly #source: ChainEventSource | undefined;
  readonly #onError: (error: unknown) => void;
  readonly #newId: () => Hex;
  readonly #subscriptions = new Map<Hex, Subscription>();
  /** What the source was last told is wanted. */
  #wanted: Wanted = { blocks: false, pendingTransactions: false };
  #sourceUpdate: Promise<void> = Promise.resolve();
  /** Notifications are delivered one event after the other, in the order the chain produced them. */
  #deliveries: Promise<void> = Promise.resolve();

  constructor({ name, reader, source, onError = () => undefined, newId = randomId }: ChainSubscriptionsParameters) {
    this.#name = name;
    this.#reader = reader;
    this.#source = source;
    this.#onError = onError;
    this.#newId = newId;
  }

  /** Subscriptions open across all connections. */
  get size(): number {
    return this.#subscriptions.size;
  }

  open(notify: (subscription: string, result: unknown) => void): SubscriptionSession {
    const ids = new Set<Hex>();
    return {
      subscribe: async (params) => {
        const request = parseSubscription(params);
        const id = this.#newId();
        this.#subscriptions.set(id, { id, request, notify });
        ids.add(id);
        try {
          await this.#updateSource();
        } catch (error) {
          ids.delete(id);
          this.#remove(id);
          throw new XrollupError(`Could not subscribe to ${request.kind} on ${this.#name}.`, { cause: error, details: [String(error)] });
        }
        return id;
      },
      unsubscribe: ([id]) => {
        if (typeof id !== "string") throw new InvalidSubscriptionError({ reason: `eth_unsubscribe takes a subscription id, got ${JSON.stringify(id) ?? "nothing"}` });
        const known = id.toLowerCase() as Hex;
        if (!ids.delete(known)) return false;
        this.#remove(known);
        return true;
      },
      close: () => {
        for (const id of ids) this.#remove(id);
        ids.clear();
      },
    };
  }

  blockAdded(hash: Hex, block?: RpcBlockObject): void {
    const heads = this.#current("newHeads");
    const logs = this.#current("logs");
    if (heads.length === 0 && logs.length === 0) return;
    this.#deliver(`block ${hash}`, async () => {
      const added = block ?? ((await this.#reader.request({ method: "eth_getBlockByHash", params: [hash, false] })) as RpcBlockObject | null);
      if (added === null) return;
      const header = blockHeader(added);
      for (const subscription of heads) this.#notify(subscription, header);
      if (logs.length === 0) return;
      const found = (await this.#reader.request({ method: "eth_getLogs", params: [{ blockHash: hash }] })) as RpcLogFields[];
      for (const log of found) {
        const notified = { ...log, removed: false };
        for (const subscription of logs) {
          if (subscription.request.kind === "logs" && matchesLogFilter(log, subscription.request.filter)) this.#notify(subscription, notified);
        }
      }
    });
  }

  transactionAdded(hash: Hex, full: () => unknown): void {
    const pending = this.#current("newPendingTransactions");
    if (pending.length === 0) return;
    this.#deliver(`pending transaction ${hash}`, async () => {
      const wantsFull = pending.some(({ request }) => request.kind === "newPendingTransactions" && request.full);
      const transaction = wantsFull ? await full() : undefined;
      for (const subscription of pending) {
        const isFull = subscription.request.kind === "newPendingTransactions" && subscription.request.full;
        this.#notify(subscription, isFull ? transaction : hash);
      }
    });
  }

  /** The subscriptions of a kind open now: an event is notified to those open when it happened. */
  #current(kind: SubscriptionKind): Subscription[] {
    const found: Subscription[] = [];
    for (const subscription of this.#subscriptions.values()) if (subscription.request.kind === kind) found.push(subscription);
    return found;
  }

  /** Notifies unless the subscription was dropped since the event. */
  #notify(subscription: Subscription, result: unknown): void {
    if (this.#subscriptions.get(subscription.id) === subscription) subscription.notify(subscription.id, result);
  }

  #deliver(what: string, work: () => Promise<void>): void {
    this.#deliveries = this.#deliveries.then(work).catch((error: unknown) => {
      // Reads fail when the chain is closing; only subscribers still open need to hear why.
      if (this.#subscriptions.size === 0) return;
      this.#onError(new XrollupError(`Could not notify the subscribers of ${this.#name} of ${what}.`, { cause: error, details: [String(error)] }));
    });
  }

  #remove(id: Hex): void {
    if (!this.#subscriptions.delete(id)) return;
    // A source that cannot stop is closing with its chain: nothing is lost.
    void this.#updateSource().catch(() => undefined);
  }

  /** Tells the source what is wanted now, if that changed; updates run one after the other. */
  #updateSource(): Promise<void> {
    const source = this.#source;
    if (source === undefined) return Promise.resolve();
    this.#sourceUpdate = this.#sourceUpdate
      .catch(() => undefined)
      .then(() => {
        const kinds = new Set([...this.#subscriptions.values()].map(({ request }) => request.kind));
        const wanted: Wanted = { blocks: kinds.has("newHeads") || kinds.has("logs"), pendingTransactions: kinds.has("newPendingTransactions") };
        if (wanted.blocks === this.#wanted.blocks && wanted.pendingTransactions === this.#wanted.pendingTransactions) return;
        return source.want(wanted, this).then(() => {
          this.#wanted = wanted;
        });
      });
    return this.#sourceUpdate;
  }
}

function randomId(): Hex {
  return `0x${randomBytes(16).toString("hex")}`;
}
