import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";

/**
 * Most blocks one `eth_getLogs` or `eth_newFilter` may span: the order of
 * the caps hosted providers put on it, so code that works here works there.
 *
 * EDR walks every block number from `fromBlock` to `toBlock`, even past its
 * head, and serves nothing else on that chain meanwhile: an unbounded range
 * stalls the chain's endpoint and the devnet's shutdown.
 */
export const MAX_LOG_BLOCK_RANGE = 10_000;

/** The methods whose block range {@link boundLogFilter} limits. */
export type LogRangeMethod = "eth_getLogs" | "eth_newFilter";

/** Whether `method` takes a log filter with a block range: route it through {@link requestBoundedLogs}. */
export function isLogRangeMethod(method: string): method is LogRangeMethod {
  return method === "eth_getLogs" || method === "eth_newFilter";
}

/** A resolved, inclusive block range. */
export interface LogBlockRange {
  fromBlock: bigint;
  toBlock: bigint;
}

/** Thrown when a log filter spans more blocks than the endpoint serves in one request. */
export class LogRangeTooLargeError extends XrollupError {
  override name = "LogRangeTooLargeError";
  /** The method that was refused. */
  readonly method: LogRangeMethod;
  /** The range as resolved against the head, the one that was counted. */
  readonly range: LogBlockRange;
  /** Most blocks one request may span. */
  readonly limit: number;

  constructor({ method, range, limit, head }: { method: LogRangeMethod; range: LogBlockRange; limit: number; head: bigint }) {
    const blocks = range.toBlock - range.fromBlock + 1n;
    super(
      `${method} block range ${range.fromBlock}-${range.toBlock} spans ${blocks} blocks; the limit is ${limit}: query smaller ranges.`,
      {
        details: [
          `The head is block ${head}.`,
          ...(method === "eth_newFilter" ? ["A filter's range counts the future blocks it will cover up to its toBlock."] : []),
        ],
        code: JSON_RPC_ERROR_CODES.limitExceeded,
        data: { limit, fromBlock: quantity(range.fromBlock), toBlock: quantity(range.toBlock) },
      },
    );
    this.method = method;
    this.range = range;
    this.limit = limit;
  }
}

/** Thrown for a log filter that is not an object, or a block that is neither a tag nor a hex quantity. */
export class InvalidLogFilterError extends XrollupError {
  override name = "InvalidLogFilterError";

  constructor({ method, reason }: { method: LogRangeMethod; reason: string }) {
    super(`Invalid filter for ${method}: ${reason}.`, { code: JSON_RPC_ERROR_CODES.invalidParams });
  }
}

/** Parameters of {@link boundLogFilter}. */
export interface BoundLogFilterParameters {
  method: LogRangeMethod;
  /** The request's first parameter: the filter as the client sent it. */
  filter: unknown;
  /** Number of the chain's latest block. */
  head: bigint;
  /** Most blocks one request may span. Default: {@link MAX_LOG_BLOCK_RANGE}. */
  maxBlockRange?: number;
}

/** What {@link boundLogFilter} returns. */
export interface BoundLogFilterReturnType {
  /** The filter to send to the chain: the client's, with a `toBlock` past the head brought back to it (`eth_getLogs`). */
  filter: Record<string, unknown>;
  /** The range that was counted; `undefined` for a `blockHash` filter, which spans one block. */
  range: LogBlockRange | undefined;
}

/**
 * Resolves a log filter's block range against the head and refuses one that
 * spans more than `maxBlockRange` blocks. Pure: the head is given.
 *
 * `fromBlock` and `toBlock` default to `"latest"`; `"latest"`, `"safe"`,
 * `"finalized"` and `"pending"` all mean the head on a devnet, `"earliest"`
 * block 0. For `eth_getLogs` a `toBlock` past the head counts as the head,
 * as geth long did and as EDR answers (only slowly): the filter sent on says
 * so too, so the chain never walks the blocks that do not exist.
 * For `eth_newFilter` it does not: a filter will cover those blocks as they
 * come, so they count.
 *
 * @throws {LogRangeTooLargeError} When the resolved range spans more than `maxBlockRange` blocks.
 * @throws {InvalidLogFilterError} When the filter or one of its blocks is malformed.
 *
 * @example
 * ```ts
 * const { filter, range } = boundLogFilter({
 *   method: "eth_getLogs",
 *   filter: { fromBlock: "earliest", toBlock: "0x100000" },
 *   head: 120n,
 * });
 * // range: { fromBlock: 0n, toBlock: 120n }; filter: { fromBlock: "earliest", toBlock: "0x78" }
 * ```
 */
export function boundLogFilter({
  method,
  filter,
  head,
  maxBlockRange = MAX_LOG_BLOCK_RANGE,
}: BoundLogFilterParameters): BoundLogFilterReturnType {
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    throw new InvalidLogFilterError({ method, reason: "expected a filter object as the first parameter" });
  }
  const fields = filter as Record<string, unknown>;
  // One block; the chain itself refuses it together with fromBlock/toBlock.
  if (fields.blockHash !== undefined && fields.blockHash !== null) return { filter: fields, range: undefined };

  const fromBlock = resolveBlock(method, "fromBlock", fields.fromBlock, head);
  const requestedTo = resolveBlock(method, "toBlock", fields.toBlock, head);
  const clamp = method === "eth_getLogs" && requestedTo > head;
  const range = { fromBlock, toBlock: clamp ? head : requestedTo };
  if (range.toBlock - range.fromBlock + 1n > BigInt(maxBlockRange)) {
    throw new LogRangeTooLargeError({ method, range, limit: maxBlockRange, head });
  }
  return { filter: clamp ? { ...fields, toBlock: quantity(head) } : fields, range };
}

/** Anything with an EIP-1193 `request`: a chain's provider. */
export interface LogRangeProvider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** Options of {@link requestBoundedLogs}. */
export interface RequestBoundedLogsOptions {
  /** Most blocks one request may span. Default: {@link MAX_LOG_BLOCK_RANGE}. */
  maxBlockRange?: number;
}

/**
 * Serves `eth_getLogs` or `eth_newFilter` on a chain with its block range
 * bounded (see {@link boundLogFilter}): reads the head, checks the range and
 * sends the bounded filter on. Every endpoint that passes log queries to an
 * EDR chain should route them through here.
 *
 * @returns The chain's answer: the logs, or the new filter's id.
 * @throws {LogRangeTooLargeError} When the range spans more than `maxBlockRange` blocks.
 * @throws {InvalidLogFilterError} When the filter is malformed.
 *
 * @example
 * ```ts
 * const handle: JsonRpcHandler = ({ method, params }) =>
 *   isLogRangeMethod(method)
 *     ? requestBoundedLogs(chain.provider, { method, params })
 *     : chain.provider.request({ method, params });
 * ```
 */
export async function requestBoundedLogs(
  provider: LogRangeProvider,
  { method, params }: { method: LogRangeMethod; params: readonly unknown[] },
  { maxBlockRange }: RequestBoundedLogsOptions = {},
): Promise<unknown> {
  const headNumber = await provider.request({ method: "eth_blockNumber", params: [] });
  if (typeof headNumber !== "string") {
    throw new XrollupError(`eth_blockNumber answered ${String(headNumber)}, not a hex quantity.`);
  }
  const { filter } = boundLogFilter({
    method,
    filter: params[0],
    head: BigInt(headNumber),
    ...(maxBlockRange === undefined ? {} : { maxBlockRange }),
  });
  return provider.request({ method, params: [filter, ...params.slice(1)] });
}

const HEAD_TAGS = new Set(["latest", "safe", "finalized", "pending"]);
const HEX_QUANTITY = /^0x[0-9a-fA-F]+$/;

function resolveBlock(method: LogRangeMethod, field: string, value: unknown, head: bigint): bigint {
  if (value === undefined || value === null || (typeof value === "string" && HEAD_TAGS.has(value))) return head;
  if (value === "earliest") return 0n;
  if (typeof value === "string" && HEX_QUANTITY.test(value)) return BigInt(value);
  throw new InvalidLogFilterError({
    method,
    reason: `${field} must be a hex block number or one of "earliest", "latest", "safe", "finalized", "pending"; got ${JSON.stringify(value) ?? String(value)}`,
  });
}

function quantity(value: bigint): string {
  return `0x${value.toString(16)}`;
}
