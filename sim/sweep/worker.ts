/**
 * A sweep's worker process: started by the pool with `child_process.fork`,
 * it runs one scenario at a time as the parent asks over IPC and sends each
 * result (or the error that ended the run) back. The scenario runner uses
 * EDR, a native module, so each worker is a process of its own rather than
 * a thread. This file is an entry point: its top level starts serving.
 */
import { runScenario } from "../scenario/run.ts";
import { parseScenario } from "../scenario/schema.ts";
import type { WorkerReply, WorkerRequest } from "./pool.ts";

function reply(message: WorkerReply): void {
  // A send after the parent has gone fails; the disconnect handler below ends the process.
  process.send?.(message, undefined, {}, () => undefined);
}

async function serve({ run, scenario }: WorkerRequest): Promise<void> {
  try {
    reply({ type: "result", run, result: await runScenario(parseScenario(scenario)) });
  } catch (error) {
    reply({ type: "error", run, error: error instanceof Error ? error.message : String(error) });
  }
}

if (process.send === undefined) {
  console.error("sim/sweep/worker.ts serves a sweep's runs over IPC; it is started by `xrollup sweep run`, not by hand.");
  process.exit(1);
}
process.on("message", (request: WorkerRequest) => void serve(request));
// The parent is done with it, or gone (finished, interrupted, killed): nothing more will come.
process.on("disconnect", () => process.exit(0));
reply({ type: "ready" });
