import { existsSync } from "node:fs";
import type { HardhatConfig } from "hardhat/types/config";
import type { DevnetUserConfig } from "../../devnet/config.ts";
import { XrollupError } from "../../errors/base.ts";
import type { XrollupTestOptions } from "../types.ts";

/** Thrown when the project's Hardhat config does not include the plugin. */
export class XrollupPluginMissingError extends XrollupError {
  override name = "XrollupPluginMissingError";
  constructor() {
    super("The xrollup Hardhat plugin is not in this project's config, so it has no xrollup networks or devnet options.", {
      details: ['Add it in hardhat.config.ts: import xrollup from "xrollup/hardhat"; … plugins: [xrollup].'],
    });
  }
}

/**
 * The options a project's devnet starts with: its `xrollup` section (the
 * ports its networks name), the project's artifacts (their ABIs decode the
 * project's revert reasons), then the caller's `overrides`.
 *
 * @throws {XrollupPluginMissingError} when the config has no `xrollup` section resolved by the plugin.
 */
export function projectDevnetOptions(config: HardhatConfig, overrides: XrollupTestOptions = {}): DevnetUserConfig {
  const resolved: HardhatConfig["xrollup"] | undefined = config.xrollup;
  if (resolved === undefined) throw new XrollupPluginMissingError();
  // Before the project's first build there is nothing to decode with.
  const artifacts = existsSync(config.paths.artifacts) ? { artifacts: config.paths.artifacts } : {};
  return { ...resolved.devnet, ...artifacts, ...overrides };
}
