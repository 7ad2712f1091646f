// Memory under a steady load: how much resident memory a devnet keeps per
// 10,000 transactions, against a raw Hardhat node on the same load in the
// same run. Each chain runs in its own child process (so that neither the
// load generator nor the other chain shows in its RSS) and reports its
// memory after a full GC over IPC; this process sends the load over HTTP at
// a fixed rate and fits RSS against transactions after the warm-up. Run
// alone: `node --import tsx bench/memory.ts` (BENCH_MEMORY_SECONDS,
// BENCH_MEMORY_WARMUP_SECONDS, BENCH_MEMORY_RATE).
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Hex } from "viem";
import { startDevnet } from "../devnet/devnet.ts";
import { DEV_ACCOUNT_COUNT } from "../rollups/accounts.ts";
import { startHardhatNode, transferSigner } from "./workload.ts";

/** First argument that makes this file a served chain's process. */
const SERVE_ROLE = "serve";

/** What a child process serves: a devnet (the load goes to its first rollup), or a raw Hardhat node. */
type Served = "xrollup" | "hardhat";

/** Chain id of the Hardhat node baseline (Hardhat's own default). */
const BASELINE_CHAIN_ID = 31337;

/** How often the memory is sampled after the warm-up. */
const SAMPLE_MS = 5_000;

type ToServer = { kind: "sample" } | { kind: "stop" };
type FromServer = { kind: "ready"; url: string; chainId: number } | { kind: "sample"; rssMb: number; heapMb: number };

/** What {@link measureMemory} found for one chain. */
export interface MemoryGrowth {
  /** Slope of RSS against transactions after the warm-up (least squares), in MB per 10k transactions. */
  mbPer10k: number;
  /** The same for the JS heap (`heapUsed`). */
  heapMbPer10k: number;
  /** RSS at the first and the last sample after the warm-up, in MB. */
  fromMb: number;
  toMb: number;
  /** Transactions sent between those two samples. */
  transactions: number;
  /** Transactions per second the chain took over the whole run. */
  tps: number;
}

/** Options of {@link measureMemory}. */
export interface MemoryLoad {
  /** Seconds measured, after the warm-up. */
  seconds: number;
  /** Seconds of load before the first sample. */
  warmupSeconds: number;
  /** Transfers per second, spread evenly over the senders. */
  rate: number;
}

const MB = 2 ** 20;

/**
 * The served process: starts the chain, tells the parent where it listens,
 * then answers each `sample` with its memory after a full GC (it runs with
 * `--expose-gc`) until `stop`.
 */
async function serve(what: Served): Promise<void> {
  const send = (message: FromServer) => process.send!(message);
  let stop: () => Promise<unknown>;
  if (what === "xrollup") {
    const devnet = await startDevnet({ rollups: 2, rpc: { port: 0 } });
    const rollup = devnet.rollups[0]!;
    stop = () => devnet.stop();
    send({ kind: "ready", url: rollup.rpcUrl!, chainId: rollup.chainId });
  } else {
    const server = await startHardhatNode(BASELINE_CHAIN_ID);
    stop = () => server.close();
    send({ kind: "ready", url: server.url, chainId: BASELINE_CHAIN_ID });
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("The served process needs --expose-gc");
  process.on("message", (message: ToServer) => {
    if (message.kind === "sample") {
      gc();
      const { rss, heapUsed } = process.memoryUsage();
      send({ kind: "sample", rssMb: rss / MB, heapMb: heapUsed / MB });
    } else {
      void stop().finally(() => process.exit(0));
    }
  });
}

/** A served chain's process, and its answers one at a time. */
class ServedProcess {
  readonly #child: ChildProcess;
  readonly #waiting: { resolve: (message: FromServer) => void; reject: (error: Error) => void }[] = [];
  #exited: Error | undefined;

  constructor(what: Served) {
    this.#child = fork(fileURLToPath(import.meta.url), [SERVE_ROLE, what], { execArgv: ["--expose-gc", "--import", "tsx"] });
    this.#child.on("message", (message: FromServer) => this.#waiting.shift()?.resolve(message));
    this.#child.once("exit", (code) => {
      this.#exited = new Error(`The ${what} process exited (code ${code}) during the memory benchmark`);
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#exited);
    });
  }

  /** The next message of the child. */
  next(): Promise<FromServer> {
    if (this.#exited !== undefined) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  async sample(): Promise<{ rssMb: number; heapMb: number }> {
    const answer = this.next();
    this.#child.send({ kind: "sample" } satisfies ToServer);
    const message = await answer;
    if (message.kind !== "sample") throw new Error(`Expected a memory sample, got ${message.kind}`);
    return message;
  }

  async stop(): Promise<void> {
    if (this.#exited !== undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.send({ kind: "stop" } satisfies ToServer);
    await exited;
  }
}

/**
 * Sends transfers to `url` from every development account until `until`
 * (a `performance.now()` time), `rate` per second in all, each sender at
 * an even pace with one transaction in flight. A sender that falls behind
 * does not catch up in a burst: the load stays steady. Counts every
 * transaction the chain accepted in `sent.count`.
 */
async function steadyLoad(url: string, sign: (sender: number) => Hex, rate: number, until: number, sent: { count: number }): Promise<void> {
  const intervalMs = (1000 * DEV_ACCOUNT_COUNT) / rate;
  let id = 0;
  await Promise.all(
    Array.from({ length: DEV_ACCOUNT_COUNT }, async (_, sender) => {
      let next = performance.now() + (intervalMs * sender) / DEV_ACCOUNT_COUNT;
      while (next < until) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        next = Math.max(next + intervalMs, performance.now());
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: id++, method: "eth_sendRawTransaction", params: [sign(sender)] }),
        });
        const body = (await response.json()) as { error?: { message: string } };
        if (body.error !== undefined) throw new Error(`${url} refused a transaction: ${body.error.message}`);
        sent.count += 1;
      }
    }),
  );
}

/** Least-squares slope of `ys` against `xs`. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const mx = mean(xs);
  const my = mean(ys);
  let covariance = 0;
  let variance = 0;
  for (const [index, x] of xs.entries()) {
    covariance += (x - mx) * (ys[index]! - my);
    variance += (x - mx) ** 2;
  }
  return covariance / variance;
}

/**
 * Runs one chain in a child process under {@link steadyLoad} for the
 * warm-up plus the measured seconds, sampling its memory every 5 s after
 * the warm-up and once at the end.
 */
export async function measureMemory(what: Served, load: MemoryLoad): Promise<MemoryGrowth> {
  const served = new ServedProcess(what);
  try {
    const ready = await served.next();
    if (ready.kind !== "ready") throw new Error(`Expected the ${what} process to be ready, got ${ready.kind}`);
    const sign = transferSigner(ready.chainId);
    const started = performance.now();
    const end = started + (load.warmupSeconds + load.seconds) * 1000;
    const sent = { count: 0 };
    const loading = steadyLoad(ready.url, sign, load.rate, end, sent);
    const samples: { transactions: number; rssMb: number; heapMb: number }[] = [];
    const sampling = (async () => {
      for (let at = started + load.warmupSeconds * 1000; at < end; at += SAMPLE_MS) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
        const transactions = sent.count;
        samples.push({ transactions, ...(await served.sample()) });
      }
    })();
    await Promise.all([loading, sampling]);
    const seconds = (performance.now() - started) / 1000;
    samples.push({ transactions: sent.count, ...(await served.sample()) });
    const first = samples[0]!;
    const last = samples.at(-1)!;
    const xs = samples.map(({ transactions }) => transactions);
    return {
      mbPer10k: slope(xs, samples.map(({ rssMb }) => rssMb)) * 10_000,
      heapMbPer10k: slope(xs, samples.map(({ heapMb }) => heapMb)) * 10_000,
      fromMb: first.rssMb,
      toMb: last.rssMb,
      transactions: last.transactions - first.transactions,
      tps: sent.count / seconds,
    };
  } finally {
    await served.stop();
  }
}

/**
 * Measures and prints memory growth per 10k transactions of a devnet and of
 * a raw Hardhat node, side by side in the same run: BENCH_MEMORY_SECONDS
 * measured (default 120) after BENCH_MEMORY_WARMUP_SECONDS (default 20), at
 * BENCH_MEMORY_RATE transfers per second (default 200).
 */
export async function printMemoryBenchmark(): Promise<void> {
  const load: MemoryLoad = {
    seconds: Number(process.env.BENCH_MEMORY_SECONDS ?? 120),
    warmupSeconds: Number(process.env.BENCH_MEMORY_WARMUP_SECONDS ?? 20),
    rate: Number(process.env.BENCH_MEMORY_RATE ?? 200),
  };
  console.log(
    `Memory under a steady load: ${load.rate} transfers/s over HTTP from ${DEV_ACCOUNT_COUNT} senders, ${load.seconds} s after a ${load.warmupSeconds} s warm-up; ` +
      "the devnet (instant mode) and a raw Hardhat node side by side, each in its own process, RSS after a full GC",
  );
  const [ours, baseline] = await Promise.all([measureMemory("xrollup", load), measureMemory("hardhat", load)]);
  const fmt = (n: number, digits = 1) => n.toFixed(digits);
  const line = (name: string, growth: MemoryGrowth) =>
    `  ${name} memory: ${fmt(growth.mbPer10k)} MB per 10k transactions (RSS from ${fmt(growth.fromMb, 0)} to ${fmt(growth.toMb, 0)} MB over ${growth.transactions} transactions; JS heap ${fmt(growth.heapMbPer10k)} MB per 10k; ${fmt(growth.tps, 0)} tx/s)`;
  console.log(line("xrollup devnet", ours));
  console.log(line("hardhat node  ", baseline));
  console.log(`  ratio xrollup / hardhat node: ${fmt(ours.mbPer10k / baseline.mbPer10k, 2)} (lower keeps less per transaction)`);
}

// Run as a script (not imported by bench/index.ts): a served chain's process, or the benchmark alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [role, what] = process.argv.slice(2);
  if (role === SERVE_ROLE) {
    await serve(what === "hardhat" ? "hardhat" : "xrollup");
  } else {
    await printMemoryBenchmark();
    process.exit(0);
  }
}
