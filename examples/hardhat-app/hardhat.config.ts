import { createRequire } from "node:module";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { defineConfig } from "hardhat/config";
import xrollup from "xrollup/hardhat";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatViem, hardhatMocha, xrollup],
  // The solc npm package compiles offline: no compiler download.
  solidity: { version: "0.8.30", path: require.resolve("solc/soljson.js") },
  // Networks xrollupL1, xrollup901 and xrollup902 at these ports. Not the
  // devnet's defaults (8545, 9545), so that these tests never meet a devnet
  // you are running by hand.
  xrollup: { rollups: 2, port: 18545, rollupPort: 19545 },
  test: { mocha: { timeout: 60_000 } },
});
