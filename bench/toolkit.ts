import { WebSocket } from "ws";
import { startDevnet } from "../devnet/devnet.ts";
import { devAccounts } from "../rollups/accounts.ts";
import { percentile, signTransfers, startHardhatNode } from "./workload.ts";

/**
 * What a contract developer's test suite pays for the toolkit, each against
 * `hardhat node` on the same workload in the same run: resetting every chain
 * between tests (a revert to a snapshot and a new snapshot, as
 * hardhat-network-helpers' `loadFixture` does), and `eth_estimateGas`, which
 * on a rollup first checks whether the call sends a message. Also the round
 * trip of a request over WebSocket against HTTP on the same endpoint.
 */

/** Best and median of one measured operation, in milliseconds. */
export interface Timing {
  best: number;
  median: number;
}

/** The toolkit's figures and their baselines. */
export interface ToolkitFigures {
  /** `evm_revert` + `evm_snapshot` after `transfers` transfers: the whole devnet (L1, 2 rollups, the sequencer) against one `hardhat node` chain. */
  reset: { xrollup: Timing; hardhat: Timing; transfers: number };
  /** One `eth_estimateGas` of a transfer over HTTP: a rollup endpoint against `hardhat node`. */
  estimateGas: { xrollup: Timing; hardhat: Timing };
  /** One `eth_blockNumber` round trip on a rollup endpoint. */
  roundTrip: { webSocket: Timing; http: Timing };
}

async function post(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

function timing(samples: readonly number[]): Timing {
  return { best: Math.min(...samples), median: percentile(samples, 50) };
}

/** Milliseconds each call of `operation` takes, `count` calls in a row. */
async function timeEach(count: number, operation: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await operation();
    samples.push(performance.now() - start);
  }
  return samples;
}

/**
 * The reset a test pays: `rounds` times, the same pre-signed transfers are
 * sent (byte-identical: the revert gave their nonces back), then the chain
 * goes back to the snapshot and a new one is taken. Only the reset is timed.
 */
async function resetSamples(url: string, transfers: readonly `0x${string}`[], rounds: number): Promise<number[]> {
  let snapshot = await post(url, "evm_snapshot");
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const raw of transfers) await post(url, "eth_sendRawTransaction", [raw]);
    const start = performance.now();
    const reverted = await post(url, "evm_revert", [snapshot]);
    snapshot = await post(url, "evm_snapshot");
    samples.push(performance.now() - start);
    if (reverted !== true) throw new Error(`evm_revert answered ${String(reverted)}`);
  }
  return samples;
}

function estimateTransfer(url: string): () => Promise<unknown> {
  const [from, to] = devAccounts();
  return () => post(url, "eth_estimateGas", [{ from: from!.address, to: to!.address, value: "0x1" }]);
}

function webSocketRoundTrips(url: string, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const samples: number[] = [];
    let start = 0;
    const next = () => {
      start = performance.now();
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: samples.length, method: "eth_blockNumber", params: [] }));
    };
    socket.on("open", next);
    socket.on("error", reject);
    socket.on("message", () => {
      samples.push(performance.now() - start);
      if (samples.length < count) next();
      else {
        socket.close();
        resolve(samples);
      }
    });
  });
}

/** Runs every measurement: `rounds` resets, and `calls` estimates and round trips per side. */
export async function toolkitFigures({ rounds = 20, calls = 300, transfers = 20 } = {}): Promise<ToolkitFigures> {
  const chainId = 901;
  const [signed] = await signTransfers(chainId, 1, transfers);
  const server = await startHardhatNode(chainId);
  const devnet = await startDevnet({ rollups: 2, rpc: { port: 0 } });
  try {
    const hardhatUrl = server.url;
    const rollup = devnet.rollups[0]!;
    const rollupUrl = rollup.rpcUrl!;
    // Warm-up of each side, not counted.
    await resetSamples(rollupUrl, signed!, 2);
    await resetSamples(hardhatUrl, signed!, 2);
    await timeEach(50, estimateTransfer(rollupUrl));
    await timeEach(50, estimateTransfer(hardhatUrl));
    const xrollupReset = await resetSamples(rollupUrl, signed!, rounds);
    const hardhatReset = await resetSamples(hardhatUrl, signed!, rounds);
    const xrollupEstimate = await timeEach(calls, estimateTransfer(rollupUrl));
    const hardhatEstimate = await timeEach(calls, estimateTransfer(hardhatUrl));
    const http = await timeEach(calls, () => post(rollupUrl, "eth_blockNumber"));
    const webSocket = await webSocketRoundTrips(rollupUrl.replace(/^http/, "ws"), calls);
    return {
      reset: { xrollup: timing(xrollupReset), hardhat: timing(hardhatReset), transfers },
      estimateGas: { xrollup: timing(xrollupEstimate), hardhat: timing(hardhatEstimate) },
      roundTrip: { webSocket: timing(webSocket), http: timing(http) },
    };
  } finally {
    await devnet.stop();
    await server.close();
  }
}
