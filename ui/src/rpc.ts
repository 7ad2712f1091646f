/** A JSON-RPC error answered by the devnet: its code, message and data, for the page to show as they are. */
export class RpcCallError extends Error {
  override name = "RpcCallError";
  readonly code: number;
  readonly data: unknown;
  constructor(method: string, error: { code: number; message: string; data?: unknown }) {
    super(`${method}: ${error.message}`);
    this.code = error.code;
    this.data = error.data;
  }
}

interface JsonRpcAnswer {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/**
 * Calls a method of the L1 endpoint over HTTP POST on the page's own origin
 * (the devnet serves the page on the L1 port). Controls go over HTTP rather
 * than the feed's socket so that a button still works while the socket reconnects.
 */
export async function callRpc<T>(method: string, params: readonly unknown[] = []): Promise<T> {
  const response = await fetch("/", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  if (!response.ok) throw new RpcCallError(method, { code: response.status, message: `HTTP ${response.status} ${response.statusText}` });
  const answer = (await response.json()) as JsonRpcAnswer;
  if (answer.error !== undefined) throw new RpcCallError(method, answer.error);
  return answer.result as T;
}
