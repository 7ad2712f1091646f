import { deployDemo } from "../demo/deploy.ts";
import { demoWentAsExpected, formatDemoReport } from "../demo/narrate.ts";
import { type DemoReport, runDemo } from "../demo/story.ts";
import { startDevnet } from "../devnet/devnet.ts";

/** Flags of `xrollup demo`. */
export interface DemoFlags {
  json?: boolean;
}

/**
 * `xrollup demo`: starts an in-process devnet of two rollups (no ports),
 * deploys the swap-and-deposit demo, runs its four scenes and prints them,
 * narrated or as JSON. Exits 1 if a scene did not go the way it was staged.
 */
export async function runDemoCommand(flags: DemoFlags): Promise<void> {
  const devnet = await startDevnet(
    { rollups: 2, rpc: false },
    { onError: (error) => console.error(`xrollup: ${error instanceof Error ? error.message : String(error)}`) },
  );
  let report: DemoReport;
  try {
    report = await runDemo(devnet, await deployDemo(devnet));
  } finally {
    await devnet.stop();
  }
  console.log(flags.json ? JSON.stringify(report, null, 2) : formatDemoReport(report));
  if (!demoWentAsExpected(report)) process.exitCode = 1;
}
