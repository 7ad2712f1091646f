import { startDevnet } from "../devnet/devnet.ts";
import { sendAll, signTransfers } from "./workload.ts";

/**
 * Aggregate throughput of one devnet with `rollups` rollups, every rollup
 * driven at once over HTTP (`senders` × `perSender` transfers each, one in
 * flight per sender), against the same devnet driving one rollup alone.
 * Shows how far rollups run in parallel.
 */
export async function aggregateThroughput(rollups: number, senders: number, perSender: number): Promise<{ oneTps: number; allTps: number }> {
  const devnet = await startDevnet({ rollups, rpc: { port: 0 } });
  try {
    // Nonces 0.. drive one rollup alone; nonces perSender.. drive every rollup at once.
    const [first] = devnet.rollups;
    const alone = await signTransfers(first!.chainId, senders, perSender);
    const one = await sendAll(alone.map((transactions) => ({ url: first!.rpcUrl!, transactions })));
    const together = await Promise.all(
      devnet.rollups.map(async (rollup) => {
        const signed = await signTransfers(rollup.chainId, senders, rollup === first ? 2 * perSender : perSender);
        return signed.map((transactions) => ({ url: rollup.rpcUrl!, transactions: rollup === first ? transactions.slice(perSender) : transactions }));
      }),
    );
    const all = await sendAll(together.flat());
    return { oneTps: one.tps, allTps: all.tps };
  } finally {
    await devnet.stop();
  }
}
