// Run in a fresh process per measurement (see bench/index.ts): starts a
// devnet with N rollups, or N+1 raw Hardhat chains as the baseline, and
// prints the start-up time and resident memory as JSON.
import { startDevnet } from "../devnet/devnet.ts";
import { createChain, hardhatRuntime } from "../rollups/chain.ts";

const [what = "devnet", count = "1"] = process.argv.slice(2);
const rollups = Number(count);
await hardhatRuntime();
const before = process.memoryUsage().rss;
const started = performance.now();
let stop: () => Promise<unknown>;
if (what === "devnet") {
  const devnet = await startDevnet({ rollups, rpc: { port: 0 } }, { onError: () => undefined });
  stop = () => devnet.stop();
} else {
  const genesisTimestamp = Math.floor(Date.now() / 1000);
  const chains = await Promise.all(
    Array.from({ length: rollups + 1 }, (_, index) =>
      createChain({ name: `raw-${index}`, chainId: 900 + index, kind: index === 0 ? "l1" : "rollup", genesisTimestamp }),
    ),
  );
  stop = () => Promise.all(chains.map((chain) => chain.close()));
}
const ms = performance.now() - started;
const rssMb = (process.memoryUsage().rss - before) / 2 ** 20;
console.log(JSON.stringify({ ms, rssMb }));
await stop();
