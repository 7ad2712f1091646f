import type { Hex } from "viem";
import { startDevnet } from "../devnet/devnet.ts";
import { encryptTransaction } from "../sequencer/encryption/threshold.ts";
import { percentile, signTransfers } from "./workload.ts";

/** Throughput and latency of one policy's run, through the sequencer in-process (instant mode). */
export interface PolicyRun {
  tps: number;
  p50: number;
  p99: number;
}

/**
 * The same pre-signed transfers through the sequencer under `fcfs` (plain
 * submissions) and under `encrypted` (each encrypted to the committee key
 * before the clock starts; the sequencer commits the order, gathers
 * threshold shares, decrypts, then executes). One in flight per sender.
 */
export async function encryptedAgainstFcfs(senders: number, perSender: number): Promise<{ fcfs: PolicyRun; encrypted: PolicyRun }> {
  return {
    fcfs: await run("fcfs", senders, perSender),
    encrypted: await run("encrypted", senders, perSender),
  };
}

async function run(policy: "fcfs" | "encrypted", senders: number, perSender: number): Promise<PolicyRun> {
  const devnet = await startDevnet({ rollups: 2, policy });
  try {
    const rollup = devnet.rollups[0]!;
    const { sequencer } = devnet;
    const signed = await signTransfers(rollup.chainId, senders, perSender);
    const { publicKey } = sequencer.committeeKey;
    const submissions: Hex[][] =
      policy === "encrypted" ? signed.map((list) => list.map((raw) => encryptTransaction(publicKey, raw))) : signed;
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      submissions.map(async (list) => {
        for (const item of list) {
          const sent = performance.now();
          if (policy === "encrypted") await sequencer.submitEncrypted(item);
          else await sequencer.submitRawTransaction(rollup.chainId, item);
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { tps: (senders * perSender) / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await devnet.stop();
  }
}
