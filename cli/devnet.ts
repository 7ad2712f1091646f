import { startDevnet } from "../devnet/devnet.ts";
import { formatBanner } from "../devnet/banner.ts";
import { writeManifest } from "../devnet/manifest.ts";

/** Flags of `xrollup devnet`, as commander parses them. */
export interface DevnetFlags {
  rollups: number;
  host: string;
  port: number;
  rollupPort: number;
  l1ChainId: number;
  slotMs?: number;
  batchMs: number;
  policy: string;
  maxMessageDepth: number;
  revertProtection: boolean;
  seed: number;
  sequencers: number;
  gossipMs: number;
  viewTimeout?: number;
  forceInclusionDelay: number;
  dataDir?: string;
  fault: unknown[];
  manifest?: string;
  quiet?: boolean;
}

/** `xrollup devnet`: runs until SIGINT or SIGTERM, then stops cleanly. */
export async function runDevnet(flags: DevnetFlags): Promise<void> {
  const devnet = await startDevnet(
    {
      rollups: flags.rollups,
      l1ChainId: flags.l1ChainId,
      policy: flags.policy,
      batchMs: flags.batchMs,
      maxMessageDepth: flags.maxMessageDepth,
      seed: flags.seed,
      revertProtection: flags.revertProtection,
      sequencers: flags.sequencers,
      gossipMs: flags.gossipMs,
      forceInclusionDelay: flags.forceInclusionDelay,
      ...(flags.viewTimeout === undefined ? {} : { viewTimeoutMs: flags.viewTimeout }),
      ...(flags.slotMs === undefined ? {} : { slotMs: flags.slotMs }),
      rpc: { host: flags.host, port: flags.port, rollupPort: flags.rollupPort },
      faults: flags.fault,
      ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
    },
    {
      onError: (error) => console.error(`xrollup: ${error instanceof Error ? error.message : String(error)}`),
      onBatch: flags.quiet
        ? undefined
        : (batch, l1TxHash) => {
            const transactions = batch.header.globalSeqEnd - batch.header.globalSeqStart;
            const committee = devnet.config.sequencers === 1 ? "" : `, view ${batch.header.viewNumber}, leader ${batch.poster}, signed by ${batch.signers.length} (${batch.signers.join(" ")})`;
            console.log(
              `batch ${batch.header.number}: slots ${batch.slots.first}-${batch.slots.last}, ${transactions} tx, ${(batch.data.length - 2) / 2} bytes${committee}, L1 tx ${l1TxHash}`,
            );
          },
    },
  );
  if (flags.manifest !== undefined) await writeManifest(flags.manifest, devnet.manifest());
  console.log(flags.quiet ? `xrollup devnet ready: L1 ${devnet.l1.rpcUrl}` : formatBanner(devnet));
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      console.log(`\n${signal}: stopping the devnet (draining the mempool, posting the last batch)…`);
      devnet.stop().then(
        () => resolve(),
        (error: unknown) => {
          console.error(`xrollup: ${error instanceof Error ? error.message : String(error)}`);
          process.exitCode = 1;
          resolve();
        },
      );
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
}
