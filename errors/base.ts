/**
 * Base class of every error xrollup throws on purpose.
 *
 * Modelled on viem's `BaseError`: a short message a user can act on, optional
 * extra lines of context (`details`), the underlying `cause`, and the JSON-RPC
 * error code the RPC endpoints answer with (see {@link toJsonRpcError}).
 *
 * @example
 * ```ts
 * throw new XrollupError("Rollup 905 is not part of this devnet.", {
 *   details: ["Known rollups: 901, 902"],
 *   code: -32602,
 * });
 * ```
 */
export class XrollupError extends Error {
  override name = "XrollupError";
  /** The short message, without the context lines. */
  readonly shortMessage: string;
  /** Extra lines of context shown under the message. */
  readonly details: readonly string[];
  /** JSON-RPC error code used when this error crosses an RPC endpoint. */
  readonly code: number;
  /** Structured data returned as the JSON-RPC error's `data`. */
  readonly data: unknown;

  constructor(
    shortMessage: string,
    options: { details?: readonly string[]; cause?: unknown; code?: number; data?: unknown } = {},
  ) {
    const details = options.details ?? [];
    super([shortMessage, ...details].join("\n"), { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.code = options.code ?? JSON_RPC_ERROR_CODES.internalError;
    this.data = options.data;
  }
}

/**
 * The JSON-RPC error codes xrollup answers with: JSON-RPC 2.0's own and
 * EIP-1474's Ethereum ones.
 */
export const JSON_RPC_ERROR_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  invalidInput: -32000,
  resourceUnavailable: -32002,
  transactionRejected: -32003,
  methodNotSupported: -32004,
  limitExceeded: -32005,
} as const;

/** A JSON-RPC 2.0 error object, as sent on the wire. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * Maps anything thrown while serving a request to a JSON-RPC error object.
 * This is the one place where errors become JSON-RPC codes: xrollup errors
 * carry their code, errors from the chain (EDR's `ProviderError`) carry
 * theirs, anything else is an internal error.
 */
export function toJsonRpcError(error: unknown): JsonRpcErrorObject {
  if (error instanceof XrollupError) {
    return error.data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data: error.data };
  }
  if (error instanceof Error) {
    const { code, data } = error as Error & { code?: unknown; data?: unknown };
    const rpcCode = typeof code === "number" ? code : JSON_RPC_ERROR_CODES.internalError;
    return data === undefined || data === null
      ? { code: rpcCode, message: error.message }
      : { code: rpcCode, message: error.message, data };
  }
  return { code: JSON_RPC_ERROR_CODES.internalError, message: String(error) };
}
