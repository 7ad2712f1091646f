// Restart time from a data directory (`--data-dir`) after kill -9, per
// 10,000 transactions. A child process starts a devnet on a fresh directory,
// submits N transfers in instant mode and is killed with SIGKILL right after
// the last one is acknowledged: the directory is left exactly as a crash
// leaves it. This process then times `startDevnet` on copies of it until it
// resolves (ready), against a fresh start on an empty directory in the same
// run. Run alone: `node --import tsx bench/restart.ts`
// (BENCH_RESTART_TRANSACTIONS, BENCH_RESTART_RUNS).
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Hex, TransactionSerializableEIP1559 } from "viem";
import { startDevnet } from "../devnet/devnet.ts";
import { devAccounts } from "../rollups/accounts.ts";
import { hardhatRuntime } from "../rollups/chain.ts";
import { signTransaction } from "../sequencer/secp256k1.ts";

/** Ready line of the load process: the directory holds every acknowledged transaction. */
const LOADED = "loaded";

/** First argument that makes this file the load process. */
const LOAD_ROLE = "load";

/** What {@link measureRestart} found. */
export interface RestartMeasurement {
  /** Transactions acknowledged before the kill. */
  transactions: number;
  /** Size of the data directory after the kill, in bytes. */
  journalBytes: number;
  /** Each timed restart, in ms, in run order. */
  restartsMs: number[];
  /** A fresh start on an empty data directory in the same process, in ms: the part of a restart that is not replay. */
  freshMs: number;
}

/**
 * Signed transfers, `perSender` from each development account on each of
 * `chainIds`, signed with libsecp256k1 (viem's pure-JS signer would take
 * longer than the load).
 */
function signTransfers(chainIds: readonly number[], perSender: number): { chainId: number; transactions: Hex[] }[] {
  const recipient = "0x000000000000000000000000000000000000beef";
  return chainIds.flatMap((chainId) =>
    devAccounts().map(({ privateKey }) => {
      const transactions: Hex[] = [];
      for (let nonce = 0; nonce < perSender; nonce++) {
        const transaction: TransactionSerializableEIP1559 = {
          type: "eip1559",
          chainId,
          nonce,
          to: recipient,
          value: 1n,
          gas: 21_000n,
          maxFeePerGas: 10_000_000_000n,
          maxPriorityFeePerGas: 1n,
        };
        transactions.push(signTransaction(transaction, privateKey));
      }
      return { chainId, transactions };
    }),
  );
}

/**
 * The load process: a devnet on `dir`, `transactions` transfers over its
 * rollups (one in flight per sender and rollup, as clients would), then the
 * {@link LOADED} line, then it waits to be killed.
 */
async function load(dir: string, transactions: number): Promise<void> {
  const devnet = await startDevnet({ dataDir: dir, rpc: false }, { onError: () => undefined });
  const senders = signTransfers(
    devnet.rollups.map((rollup) => rollup.chainId),
    Math.ceil(transactions / (devAccounts().length * devnet.rollups.length)),
  );
  await Promise.all(
    senders.map(async ({ chainId, transactions: raws }) => {
      for (const raw of raws) await devnet.sequencer.submitRawTransaction(chainId, raw);
    }),
  );
  const acknowledged = senders.reduce((count, { transactions: raws }) => count + raws.length, 0);
  console.log(`${LOADED} ${acknowledged}`);
  // Keep running (the batch timer, a last post) until the parent kills this process.
  setInterval(() => undefined, 60_000);
}

/** Runs the load process on `dir` and kills it with SIGKILL as soon as it reports; resolves with the acknowledged count. */
async function loadAndKill(dir: string, transactions: number): Promise<number> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ["--import", "tsx", script, LOAD_ROLE, dir, String(transactions)], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const acknowledged = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const line = new RegExp(`^${LOADED} (\\d+)$`, "m").exec(stdout);
      if (line === null) return;
      child.kill("SIGKILL");
      resolve(Number(line[1]));
    });
    void exited.then(() => reject(new Error(`The load process exited before it reported: ${stderr}`)));
  });
  await exited;
  return acknowledged;
}

function directoryBytes(dir: string): number {
  return readdirSync(dir).reduce((total, name) => total + statSync(path.join(dir, name)).size, 0);
}

/** Starts a devnet on `dataDir`, in this process, and returns how long it took to be ready. */
async function timedStart(dataDir: string, expectedNonceSum?: number): Promise<number> {
  const started = performance.now();
  const devnet = await startDevnet({ dataDir, rpc: false }, { onError: () => undefined });
  const ms = performance.now() - started;
  try {
    if (expectedNonceSum !== undefined) {
      // A restart that lost transactions would be fast and worthless: check that every one is back.
      let nonces = 0;
      for (const rollup of devnet.rollups) {
        for (const { address } of devnet.accounts) nonces += await rollup.publicClient.getTransactionCount({ address });
      }
      if (nonces !== expectedNonceSum) throw new Error(`The restarted devnet holds ${nonces} transactions, ${expectedNonceSum} were acknowledged`);
    }
  } finally {
    await devnet.stop();
  }
  return ms;
}

/**
 * Loads `transactions` transfers into a devnet with a data directory, kills
 * it with SIGKILL, and times `runs` restarts, each on a fresh copy of the
 * crashed directory.
 */
export async function measureRestart(transactions: number, runs: number): Promise<RestartMeasurement> {
  const root = mkdtempSync(path.join(tmpdir(), "xrollup-bench-restart-"));
  try {
    const crashed = path.join(root, "crashed");
    const acknowledged = await loadAndKill(crashed, transactions);
    const journalBytes = directoryBytes(crashed);
    // Module loading, Hardhat's runtime and the artifacts are paid once per process, not per restart: a first start pays them.
    await hardhatRuntime();
    await timedStart(path.join(root, "warm-up"));
    const freshMs = await timedStart(path.join(root, "fresh"));
    const restartsMs: number[] = [];
    for (let run = 0; run < runs; run++) {
      const copy = path.join(root, `restart-${run}`);
      cpSync(crashed, copy, { recursive: true });
      restartsMs.push(await timedStart(copy, acknowledged));
      rmSync(copy, { recursive: true, force: true });
    }
    return { transactions: acknowledged, journalBytes, restartsMs, freshMs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Measures and prints restart time per 10k transactions:
 * BENCH_RESTART_TRANSACTIONS transfers (default 10,000), best of
 * BENCH_RESTART_RUNS restarts (default 3) with the spread, against a fresh
 * start in the same run.
 */
export async function printRestartBenchmark(): Promise<void> {
  const requested = Number(process.env.BENCH_RESTART_TRANSACTIONS ?? 10_000);
  const runs = Number(process.env.BENCH_RESTART_RUNS ?? 3);
  console.log(`Restart from --data-dir after kill -9: ${requested} transfers in instant mode in a child process, SIGKILL, then restarts timed in-process until ready`);
  const { transactions, journalBytes, restartsMs, freshMs } = await measureRestart(requested, runs);
  const seconds = (ms: number) => (ms / 1000).toFixed(2);
  const best = Math.min(...restartsMs);
  console.log(
    `  restart: ${seconds(best * (10_000 / transactions))} s per 10k transactions (${transactions} transactions, journal ${(journalBytes / 2 ** 20).toFixed(1)} MB)`,
  );
  console.log(
    `  best of ${runs}: ${seconds(best)} s, spread ${seconds(best)}-${seconds(Math.max(...restartsMs))} s; fresh start in the same run ${seconds(freshMs)} s (restart / fresh ${(best / freshMs).toFixed(1)}x)`,
  );
}

// Run as a script (not imported by bench/index.ts): the load process, or the benchmark alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [role, dir, count] = process.argv.slice(2);
  if (role === LOAD_ROLE) {
    await load(dir!, Number(count));
  } else {
    await printRestartBenchmark();
    process.exit(0);
  }
}
