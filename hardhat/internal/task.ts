import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { formatBanner } from "../../devnet/banner.ts";
import { startDevnet } from "../../devnet/devnet.ts";
import { projectDevnetOptions } from "./devnet-options.ts";

/**
 * `npx hardhat xrollup`: compiles the project, then runs its devnet in the
 * foreground, at the ports its networks name and with its artifacts, until
 * SIGINT or SIGTERM; then stops it cleanly (draining the mempool, posting
 * the last batch).
 */
export default async function runXrollupTask(_taskArguments: Record<string, unknown>, hre: HardhatRuntimeEnvironment): Promise<void> {
  // As `hardhat test` does: the devnet decodes revert reasons with the artifacts as they are when it starts.
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  const devnet = await startDevnet(projectDevnetOptions(hre.config), {
    onError: (error) => console.error(`xrollup: ${error instanceof Error ? error.message : String(error)}`),
  });
  console.log(formatBanner(devnet));
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  console.log(`\n${signal}: stopping the devnet (draining the mempool, posting the last batch)…`);
  await devnet.stop();
}
