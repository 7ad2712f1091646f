import { createRequire } from "node:module";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/**
 * Hardhat configuration shared by the build (`hardhat build`) and by every
 * in-process chain the devnet creates. Solidity compiles offline with the
 * `solc` npm package, since this machine cannot download compilers.
 */
export default defineConfig({
  plugins: [hardhatViem],
  solidity: {
    version: "0.8.30",
    path: require.resolve("solc/soljson.js"),
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" },
  },
  paths: { sources: "contracts" },
});
