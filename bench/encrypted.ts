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

type Policy = "fcfs" | "encrypted";

/** The transfers of a run, signed for the rollup and encrypted to the committee key of the devnet it was made for. */
interface Workload {
  chainId: number;
  publicKey: Hex;
  signed: Hex[][];
  encrypted: Hex[][];
}

/**
 * The same pre-signed transfers through the sequencer under `fcfs` (plain
 * submissions) and under `encrypted` (each encrypted to the committee key
 * before the clock starts; the sequencer commits the order, gathers
 * threshold shares, decrypts, then executes). One in flight per sender.
 * `rounds` runs of each policy, interleaved so that both see the same noise
 * of a shared machine; each policy's best run (by throughput) is returned.
 */
export async function encryptedAgainstFcfs(senders: number, perSender: number, rounds = 3): Promise<{ fcfs: PolicyRun; encrypted: PolicyRun }> {
  const runs: Record<Policy, PolicyRun[]> = { fcfs: [], encrypted: [] };
  let workload: Workload | undefined;
  for (let round = 0; round < rounds; round++) {
    for (const policy of ["fcfs", "encrypted"] as const) {
      const devnet = await startDevnet({ rollups: 2, policy });
      try {
        const rollup = devnet.rollups[0]!;
        const { sequencer } = devnet;
        const { publicKey } = sequencer.committeeKey;
        // Every devnet of the same configuration has the same chain ids and committee: sign and encrypt once.
        if (workload === undefined || workload.chainId !== rollup.chainId || workload.publicKey !== publicKey) {
          const signed = await signTransfers(rollup.chainId, senders, perSender);
          const encrypted = signed.map((list) => list.map((raw) => encryptTransaction(publicKey, raw)));
          workload = { chainId: rollup.chainId, publicKey, signed, encrypted };
        }
        const submit =
          policy === "encrypted" ? (item: Hex) => sequencer.submitEncrypted(item) : (item: Hex) => sequencer.submitRawTransaction(rollup.chainId, item);
        runs[policy].push(await measure(policy === "encrypted" ? workload.encrypted : workload.signed, submit));
      } finally {
        await devnet.stop();
      }
    }
  }
  const best = (list: PolicyRun[]) => list.reduce((a, b) => (b.tps > a.tps ? b : a));
  return { fcfs: best(runs.fcfs), encrypted: best(runs.encrypted) };
}

/** Sends each sender's list in order, one in flight per sender, all senders at once. */
async function measure(submissions: Hex[][], submit: (item: Hex) => Promise<unknown>): Promise<PolicyRun> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    submissions.map(async (list) => {
      for (const item of list) {
        const sent = performance.now();
        await submit(item);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { tps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
