// Run in a fresh process per measurement (see bench/startup-report.ts):
// starts a devnet with N rollups, or N+1 raw Hardhat chains as the
// baseline, and prints one JSON line: the start-up time and the CPU time it
// took, the resident memory it added and the process's total, and for a
// devnet the time until every chain's RPC endpoint has answered a request.
import { request } from "node:http";
import { startDevnet } from "../devnet/devnet.ts";
import { createChain, hardhatRuntime } from "../rollups/chain.ts";

/** What one start-up measurement printed. */
export interface StartupSample {
  /** Until `startDevnet` (or every raw chain) resolved. */
  ms: number;
  /** CPU time (user and system, every thread) of the same span: steadier than `ms` on a busy machine. */
  cpuMs: number;
  /** Resident memory added by the start, in MiB. */
  rssMb: number;
  /** The process's resident memory once started, in MiB. */
  totalRssMb: number;
  /** Until every chain's HTTP endpoint answered `eth_chainId`; devnet only. */
  servingMs?: number;
}

/** Posts `eth_chainId` over node:http (loaded already by the RPC servers; fetch would load undici in the timed span). */
function chainIdOver(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
    const call = request(url, { method: "POST", headers: { "Content-Type": "application/json" } }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      response.on("end", () => ("result" in JSON.parse(text) ? resolve() : reject(new Error(`${url} answered ${text}`))));
    });
    call.on("error", reject);
    call.end(body);
  });
}

const [what = "devnet", count = "1"] = process.argv.slice(2);
const rollups = Number(count);
await hardhatRuntime();
const before = process.memoryUsage().rss;
const cpuBefore = process.cpuUsage();
const started = performance.now();
/** The start's own figures, taken as soon as it resolved. */
function startedSample(): Omit<StartupSample, "servingMs"> {
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const rss = process.memoryUsage().rss;
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: (rss - before) / 2 ** 20, totalRssMb: rss / 2 ** 20 };
}
let sample: StartupSample;
let stop: () => Promise<unknown>;
if (what === "devnet") {
  const devnet = await startDevnet({ rollups, rpc: { port: 0 } }, { onError: () => undefined });
  stop = () => devnet.stop();
  sample = startedSample();
  await Promise.all([devnet.l1, ...devnet.rollups].map((chain) => chainIdOver(chain.rpcUrl!)));
  sample.servingMs = performance.now() - started;
} else {
  const genesisTimestamp = Math.floor(Date.now() / 1000);
  const chains = await Promise.all(
    Array.from({ length: rollups + 1 }, (_, index) =>
      createChain({ name: `raw-${index}`, chainId: 900 + index, kind: index === 0 ? "l1" : "rollup", genesisTimestamp }),
    ),
  );
  stop = () => Promise.all(chains.map((chain) => chain.close()));
  sample = startedSample();
}
console.log(JSON.stringify(sample));
await stop();
