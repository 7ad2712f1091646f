import { type Devnet, startDevnet } from "../devnet/devnet.ts";
import { formatBanner, formatRollupsChange } from "../devnet/banner.ts";
import { writeManifest } from "../devnet/manifest.ts";
import { writeStateFile } from "../devnet/state-file.ts";

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
  /** `false` with `--no-cheats`. */
  cheats: boolean;
  seed: number;
  sequencers: number;
  gossipMs: number;
  viewTimeout?: number;
  forceInclusionDelay: number;
  dataDir?: string;
  dumpState?: string;
  loadState?: string;
  /** `--artifacts DIR`: a Hardhat project's artifacts, whose ABIs decode revert reasons. */
  artifacts?: string;
  fault: unknown[];
  manifest?: string;
  quiet?: boolean;
}

/** `xrollup devnet`: runs until SIGINT or SIGTERM, then stops cleanly. */
export async function runDevnet(flags: DevnetFlags): Promise<void> {
  // Manifest rewrites one after the other, so that the file ends as the devnet is.
  let manifestWritten: Promise<void> = Promise.resolve();
  const devnet = await startDevnet(
    {
      rollups: flags.rollups,
      l1ChainId: flags.l1ChainId,
      policy: flags.policy,
      batchMs: flags.batchMs,
      maxMessageDepth: flags.maxMessageDepth,
      seed: flags.seed,
      revertProtection: flags.revertProtection,
      cheats: flags.cheats,
      sequencers: flags.sequencers,
      gossipMs: flags.gossipMs,
      forceInclusionDelay: flags.forceInclusionDelay,
      ...(flags.viewTimeout === undefined ? {} : { viewTimeoutMs: flags.viewTimeout }),
      ...(flags.slotMs === undefined ? {} : { slotMs: flags.slotMs }),
      rpc: { host: flags.host, port: flags.port, rollupPort: flags.rollupPort },
      faults: flags.fault,
      ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
      ...(flags.loadState === undefined ? {} : { loadState: flags.loadState }),
      ...(flags.artifacts === undefined ? {} : { artifacts: flags.artifacts }),
    },
    {
      onError: (error) => console.error(`xrollup: ${error instanceof Error ? error.message : String(error)}`),
      onRollupsChanged: (change) => {
        if (!flags.quiet) console.log(formatRollupsChange(change));
        const file = flags.manifest;
        if (file === undefined) return;
        manifestWritten = manifestWritten
          .then(() => writeManifest(file, devnet.manifest()))
          .catch((error: unknown) => console.error(`xrollup: writing the manifest failed: ${error instanceof Error ? error.message : String(error)}`));
      },
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
      devnet
        .stop()
        // After the clean stop: what the drain included is in the dump.
        .then(() => (flags.dumpState === undefined ? undefined : dumpState(devnet, flags.dumpState)))
        .then(
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

/** `--dump-state FILE`: writes the stopped devnet's whole state, and says where. */
async function dumpState(devnet: Devnet, file: string): Promise<void> {
  await writeStateFile(file, await devnet.dumpState());
  console.log(`state written to ${file}`);
}
