import { startDevnet } from "../devnet/devnet.ts";
import { percentile, sendAll, signTransfers, transferSigner } from "./workload.ts";

/** Throughput and latency of one devnet whose sequencer is a committee of `sequencers`. */
export interface CommitteeRun {
  sequencers: number;
  tps: number;
  p50: number;
  p99: number;
}

/**
 * Throughput over HTTP with a committee of `sequencers` members (each slot's
 * order voted by a quorum, each batch certified), `senders` × `perSender`
 * transfers in instant mode; the first round of each size warms up and is
 * not counted, then `rounds` rounds, sizes interleaved, best of each.
 */
export async function committeeThroughput(sizes: readonly number[], senders: number, perSender: number, rounds: number): Promise<CommitteeRun[]> {
  const best = new Map<number, CommitteeRun>();
  for (let round = 0; round <= rounds; round++) {
    for (const sequencers of round % 2 === 0 ? sizes : [...sizes].reverse()) {
      const devnet = await startDevnet({ rollups: 2, sequencers, rpc: { port: 0 } });
      try {
        const rollup = devnet.rollups[0]!;
        const signed = await signTransfers(rollup.chainId, senders, perSender);
        const { tps, latenciesMs } = await sendAll(signed.map((transactions) => ({ url: rollup.rpcUrl!, transactions })));
        await devnet.sequencer.flush();
        const run = { sequencers, tps, p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99) };
        if (round > 0 && tps > (best.get(sequencers)?.tps ?? 0)) best.set(sequencers, run);
      } finally {
        await devnet.stop();
      }
    }
  }
  return sizes.map((sequencers) => best.get(sequencers)!);
}

/**
 * Failover: a committee of 4 in instant mode (`batchMs`, view timeout twice
 * that) under a steady trickle of transfers; the leader crashes, and the
 * time until L1 accepts the next batch is measured. Best of `runs`, with the
 * spread.
 */
export async function failoverTime(batchMs: number, runs: number): Promise<{ best: number; worst: number; viewTimeoutMs: number }> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    let crashedAt: number | undefined;
    let nextBatchAt: number | undefined;
    const devnet = await startDevnet(
      { rollups: 2, sequencers: 4, batchMs },
      {
        onBatch: () => {
          if (crashedAt !== undefined && nextBatchAt === undefined) nextBatchAt = performance.now();
        },
      },
    );
    try {
      const rollup = devnet.rollups[0]!;
      const sign = transferSigner(rollup.chainId);
      const send = (sender: number) => rollup.provider.request({ method: "eth_sendRawTransaction", params: [sign(sender)] });
      await send(0);
      await devnet.sequencer.flush();
      crashedAt = performance.now();
      devnet.sequencer.injectFault({ kind: "crash", node: "leader" });
      for (let sender = 1; nextBatchAt === undefined; sender = (sender % 19) + 1) {
        await Promise.all([send(sender), new Promise((resolve) => setTimeout(resolve, 10))]);
      }
      times.push(nextBatchAt - crashedAt);
    } finally {
      await devnet.stop();
    }
  }
  return { best: Math.min(...times), worst: Math.max(...times), viewTimeoutMs: 2 * batchMs };
}
