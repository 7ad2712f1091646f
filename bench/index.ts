// `npm run bench`: throughput of a rollup endpoint against Hardhat's own
// JSON-RPC server on the same workload, batch compression, 4 rollups driven
// at once against 1, atomic messages against plain transfers, the encrypted
// mempool against fcfs, devnet start-up against raw chains, restart, and
// memory growth under a steady load against a Hardhat node, and the contract
// developer's toolkit (reset between tests, estimates, WebSocket), and the
// research lab at scale and its sweeps on 1 worker against 2. Every figure
// that has a baseline is printed as a ratio against it, measured in the same
// run, with its goal beside it.
import { startDevnet } from "../devnet/devnet.ts";
import { DEV_ACCOUNT_COUNT } from "../rollups/accounts.ts";
import { serializeBatchPayload } from "../sequencer/batch/codec.ts";
import { aggregateThroughput } from "./aggregate.ts";
import { type CommitteeRun, committeeThroughput, failoverTime } from "./committee.ts";
import { atomicMessages } from "./atomic.ts";
import { encryptedAgainstFcfs } from "./encrypted.ts";
import { printStartupBenchmark } from "./startup-report.ts";
import { percentile, sendAll, signTransfers, startHardhatNode } from "./workload.ts";

const SENDERS = DEV_ACCOUNT_COUNT;
const PER_SENDER = Number(process.env.BENCH_PER_SENDER ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ATOMIC_PER_SENDER = Number(process.env.BENCH_ATOMIC_PER_SENDER ?? 10);
const AGGREGATE_PER_SENDER = Number(process.env.BENCH_AGGREGATE_PER_SENDER ?? 50);
const COMMITTEE_ROUNDS = Number(process.env.BENCH_COMMITTEE_ROUNDS ?? 3);
const FAILOVER_BATCH_MS = Number(process.env.BENCH_FAILOVER_BATCH_MS ?? 200);
const FAILOVER_RUNS = Number(process.env.BENCH_FAILOVER_RUNS ?? 3);

async function hardhatBaseline(chainId: number): Promise<number> {
  const server = await startHardhatNode(chainId);
  try {
    const { url } = server;
    const { tps } = await sendAll((await signTransfers(chainId, SENDERS, PER_SENDER)).map((transactions) => ({ url, transactions })));
    return tps;
  } finally {
    await server.close();
  }
}

async function xrollupRun(): Promise<{ tps: number; p50: number; p99: number; raw: number; compressed: number; rlp: number }> {
  const sizes = { raw: 0, compressed: 0, rlp: 0 };
  const devnet = await startDevnet(
    { rollups: 2, rpc: { port: 0 } },
    {
      onBatch: (batch) => {
        sizes.raw += serializeBatchPayload(batch.payload).length;
        sizes.compressed += (batch.data.length - 2) / 2;
        for (const rollup of batch.payload.rollups) {
          for (const block of rollup.blocks) for (const raw of block.transactions) sizes.rlp += (raw.length - 2) / 2;
        }
      },
    },
  );
  try {
    const rollup = devnet.rollups[0]!;
    const signed = await signTransfers(rollup.chainId, SENDERS, PER_SENDER);
    const { tps, latenciesMs } = await sendAll(signed.map((transactions) => ({ url: rollup.rpcUrl!, transactions })));
    await devnet.sequencer.flush();
    return { tps, p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99), ...sizes };
  } finally {
    await devnet.stop();
  }
}


const fmt = (n: number, digits = 0) => n.toFixed(digits);
console.log(
  `Throughput: ${SENDERS} senders x ${PER_SENDER} pre-signed transfers over HTTP, ${SENDERS} in flight, best of ${ROUNDS} rounds after a warm-up round of each side`,
);
// Both sides get faster over their first rounds (JIT, Hardhat's caches): a round of each, not counted, so that the ratio compares warm with warm.
await hardhatBaseline(31337);
await xrollupRun();
let best = { baseline: 0, ours: undefined as Awaited<ReturnType<typeof xrollupRun>> | undefined };
for (let round = 1; round <= ROUNDS; round++) {
  // Alternate the order so that neither side always runs on a warmer machine.
  const baselineFirst = round % 2 === 1;
  const baseline = baselineFirst ? await hardhatBaseline(31337) : undefined;
  const ours = await xrollupRun();
  const baselineTps = baseline ?? (await hardhatBaseline(31337));
  console.log(`  round ${round}: hardhat node ${fmt(baselineTps)} tx/s, xrollup rollup endpoint ${fmt(ours.tps)} tx/s (ratio ${fmt(ours.tps / baselineTps, 2)})`);
  if (best.ours === undefined || ours.tps / baselineTps > best.ours.tps / best.baseline) best = { baseline: baselineTps, ours };
}
const ours = best.ours!;
console.log(`  best: xrollup ${fmt(ours.tps)} tx/s vs hardhat node ${fmt(best.baseline)} tx/s: ratio ${fmt(ours.tps / best.baseline, 2)} (goal ≥ 1.5)`);
console.log(`  xrollup latency, submission to inclusion: p50 ${fmt(ours.p50, 1)} ms, p99 ${fmt(ours.p99, 1)} ms`);
console.log(
  `Batch data: ${ours.rlp} bytes of signed transactions -> ${ours.raw} bytes serialised -> ${ours.compressed} bytes posted (${fmt(ours.rlp / ours.compressed, 2)}x smaller than the raw transactions)`,
);

console.log(`Aggregate throughput: ${SENDERS} senders x ${AGGREGATE_PER_SENDER} transfers on each of 4 rollups driven at once, against 1 rollup alone (same devnet)`);
{
  const { oneTps, allTps } = await aggregateThroughput(4, SENDERS, AGGREGATE_PER_SENDER);
  console.log(`  4 rollups ${fmt(allTps)} tx/s vs 1 rollup ${fmt(oneTps)} tx/s: ratio ${fmt(allTps / oneTps, 2)} (goal ≥ 1.6)`);
}

console.log(`Atomic cross-rollup messages, instant mode: ${SENDERS} senders x ${ATOMIC_PER_SENDER} triggers over HTTP, each relayed on the next rollup`);
for (const rollups of [2, 4]) {
  const { perSecond, p50, p99, baselineTps } = await atomicMessages(rollups, SENDERS, ATOMIC_PER_SENDER);
  console.log(
    `  ${rollups} rollups: ${fmt(perSecond)} messages/s vs ${fmt(baselineTps)} plain transfers/s in the same devnet: ratio ${fmt(perSecond / baselineTps, 2)} (goal ≥ 0.6); ` +
      `submission to inclusion p50 ${fmt(p50, 1)} ms, p99 ${fmt(p99, 1)} ms (goal ≤ 50)`,
  );
}

console.log(`Encrypted mempool against fcfs, instant mode, in-process: ${SENDERS} senders x ${PER_SENDER} transfers`);
{
  const { fcfs, encrypted } = await encryptedAgainstFcfs(SENDERS, PER_SENDER);
  console.log(`  fcfs:      ${fmt(fcfs.tps)} tx/s, p50 ${fmt(fcfs.p50, 1)} ms, p99 ${fmt(fcfs.p99, 1)} ms`);
  console.log(`  encrypted: ${fmt(encrypted.tps)} tx/s, p50 ${fmt(encrypted.p50, 1)} ms, p99 ${fmt(encrypted.p99, 1)} ms`);
  console.log(
    `  encrypted / fcfs: throughput ratio ${fmt(encrypted.tps / fcfs.tps, 2)} (goal ≥ 0.8), p99 latency ratio ${fmt(encrypted.p99 / fcfs.p99, 2)} (goal ≤ 2); p50 latency ratio ${fmt(encrypted.p50 / fcfs.p50, 2)}`,
  );
}

console.log(`Sequencer committees, instant mode: ${SENDERS} senders x ${PER_SENDER} transfers over HTTP, best of ${COMMITTEE_ROUNDS} interleaved rounds after a warm-up round`);
{
  const [single, ...committees] = await committeeThroughput([1, 4, 7], SENDERS, PER_SENDER, COMMITTEE_ROUNDS);
  const line = (run: CommitteeRun) => `${fmt(run.tps)} tx/s, p50 ${fmt(run.p50, 1)} ms, p99 ${fmt(run.p99, 1)} ms`;
  console.log(`  1 sequencer:   ${line(single!)}`);
  for (const run of committees) {
    const goal = run.sequencers === 4 ? " (goal ≥ 0.7)" : "";
    console.log(`  ${run.sequencers} sequencers: ${line(run)}; throughput ratio ${fmt(run.tps / single!.tps, 2)}${goal}`);
  }
  const failover = await failoverTime(FAILOVER_BATCH_MS, FAILOVER_RUNS);
  console.log(
    `  failover, committee of 4, --batch-ms ${FAILOVER_BATCH_MS} (view timeout ${failover.viewTimeoutMs} ms): leader crash to the next batch on L1 ` +
      `${fmt(failover.best)} ms (best of ${FAILOVER_RUNS}; worst ${fmt(failover.worst)} ms)`,
  );
}

console.log("Contract developer's toolkit, over HTTP and WebSocket, against hardhat node in the same run");
{
  const { reset, estimateGas, roundTrip } = await (await import("./toolkit.ts")).toolkitFigures();
  const line = ({ best, median }: { best: number; median: number }) => `${fmt(best, 2)} ms (median ${fmt(median, 2)})`;
  console.log(
    `  reset between tests (evm_revert + evm_snapshot after ${reset.transfers} transfers): whole devnet ${line(reset.xrollup)} vs one hardhat node chain ${line(reset.hardhat)}: ratio ${fmt(reset.xrollup.best / reset.hardhat.best, 2)}`,
  );
  console.log(
    `  eth_estimateGas of a transfer (a rollup first checks for messages): ${line(estimateGas.xrollup)} vs hardhat node ${line(estimateGas.hardhat)}: ratio ${fmt(estimateGas.xrollup.best / estimateGas.hardhat.best, 2)}`,
  );
  console.log(`  eth_blockNumber round trip on a rollup: WebSocket ${line(roundTrip.webSocket)} vs HTTP ${line(roundTrip.http)}`);
}

await (await import("./lab.ts")).printLabBenchmark();
await (await import("./sweep.ts")).printSweepBenchmark();
await printStartupBenchmark();
await (await import("./restart.ts")).printRestartBenchmark();
await (await import("./memory.ts")).printMemoryBenchmark();
process.exit(0);
