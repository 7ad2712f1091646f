// `xrollup/hardhat`: the Hardhat 3 plugin. It adds the devnet's chains as
// networks, a fixture that runs the devnet under a project's tests, and the
// `xrollup` task. This module is imported by the project's hardhat.config.ts
// on every Hardhat command, so it only defines: the devnet, Hardhat's runtime
// and the hooks' code are loaded when used.
import { task } from "hardhat/config";
import { definePlugin } from "hardhat/plugins";
import type { StartDevnetHooks } from "../devnet/devnet.ts";
import { type DevnetHandle, fixtureWith } from "../testing/fixture.ts";
import { useFixture } from "../testing/mocha.ts";
import type { XrollupTestOptions } from "./types.ts";

export type * from "./type-extensions.ts";
export type { XrollupConfig, XrollupNetwork, XrollupTestOptions, XrollupUserConfig } from "./types.ts";
export type { DevnetHandle } from "../testing/fixture.ts";
export { XrollupPluginMissingError } from "./internal/devnet-options.ts";

/**
 * The xrollup plugin. With it in `plugins`, the project gets:
 * - networks `xrollupL1` (`chainType: "l1"`) and `xrollup901`, `xrollup902`, …
 *   (`chainType: "op"`), over HTTP at the devnet's ports, with `remote` accounts;
 * - `useDevnet()` from this module, which runs the devnet under a test suite;
 * - `npx hardhat xrollup`, which runs it in the foreground.
 *
 * @example
 * ```ts
 * import hardhatViem from "@nomicfoundation/hardhat-viem";
 * import { defineConfig } from "hardhat/config";
 * import xrollup from "xrollup/hardhat";
 *
 * export default defineConfig({
 *   plugins: [hardhatViem, xrollup],
 *   xrollup: { rollups: 2 },
 * });
 * ```
 */
const xrollupPlugin = definePlugin({
  id: "xrollup",
  npmPackage: "xrollup",
  hookHandlers: {
    config: () => import("./internal/config.ts"),
  },
  tasks: [
    task("xrollup", "Run the xrollup devnet (an L1, its rollups and the shared sequencer) at the ports of the xrollup networks")
      .setAction(() => import("./internal/task.ts"))
      .build(),
  ],
});

export default xrollupPlugin;

/**
 * Runs the project's devnet under the enclosing mocha `describe()`: started
 * before its first test at the ports of the `xrollup…` networks (with the
 * project's artifacts, whose ABIs decode its revert reasons), every chain
 * reset before each test to the state the suite's before-all hooks left,
 * stopped after the last.
 * Tests reach it with `network.getOrCreate("xrollup901")` as any network.
 *
 * Files run one after another (mocha's default): each starts and stops its
 * own devnet on the same ports.
 *
 * @param options devnet options for this suite (`slotMs`, `policy`, …); chain ids and ports come from the config.
 * @param hooks `startDevnet`'s hooks (`onError`, `onBatch`, `wrapEngine`).
 * @returns getters for the running devnet, its `l1`, `rollups` and `accounts`.
 * @throws {XrollupPluginMissingError} (when the devnet starts) if the plugin is not in the config.
 *
 * @example
 * ```ts
 * import { network } from "hardhat";
 * import { useDevnet } from "xrollup/hardhat";
 *
 * describe("Greeter", function () {
 *   useDevnet();
 *
 *   it("greets rollup 902 from 901", async function () {
 *     const { viem } = await network.getOrCreate("xrollup901");
 *     const greeter = await viem.deployContract("Greeter");
 *     // …
 *   });
 * });
 * ```
 */
export function useDevnet(options: XrollupTestOptions = {}, hooks: StartDevnetHooks = {}): DevnetHandle {
  return useFixture(
    fixtureWith(async () => {
      // Hardhat's runtime of this process: the one `npx hardhat test` made.
      const [{ default: hre }, { projectDevnetOptions }] = await Promise.all([import("hardhat"), import("./internal/devnet-options.ts")]);
      return projectDevnetOptions(hre.config, options);
    }, hooks),
  );
}
