import "hardhat/types/config";
import type { XrollupConfig, XrollupUserConfig } from "./types.ts";

declare module "hardhat/types/config" {
  interface HardhatUserConfig {
    /** The xrollup devnet the plugin's networks, fixture and `xrollup` task use. */
    xrollup?: XrollupUserConfig;
  }

  interface HardhatConfig {
    /** The xrollup devnet, resolved: its options and the networks the plugin added. */
    xrollup: XrollupConfig;
  }
}
