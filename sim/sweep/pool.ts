/**
 * Runs a sweep's runs on worker processes (`child_process.fork` of
 * `worker.ts`), each taking the next run as soon as it is free.
 *
 * Failures are values: a run whose scenario throws, or whose worker dies
 * under it (a crash, the out-of-memory killer), becomes a failed record with
 * the message, a dead worker is replaced, and the other runs go on. Only a
 * worker that cannot start at all, or an abort, stops the sweep; then every
 * worker is killed, so the pool never leaves a process behind or hangs.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ScenarioResult } from "../report/types.ts";
import { SweepInterruptedError, SweepWorkerError } from "./errors.ts";
import type { SweepRun } from "./grid.ts";
import type { JsonObject } from "./path.ts";
import type { SweepRecord } from "./records.ts";

/** What the parent sends a worker: one run's scenario. */
export interface WorkerRequest {
  run: number;
  scenario: JsonObject;
}

/** What a worker sends back: that it has loaded, then one answer per run. */
export type WorkerReply = { type: "ready" } | { type: "result"; run: number; result: ScenarioResult } | { type: "error"; run: number; error: string };

/** Parameters of {@link runInWorkers}. */
export interface RunInWorkersParameters {
  /** The runs, in the order they are handed out. */
  runs: readonly SweepRun[];
  /** Worker processes at once (at most one per run). */
  jobs: number;
  /** Stops the sweep: the workers are killed and the promise rejects with {@link SweepInterruptedError}. */
  signal?: AbortSignal;
  /** Called as each run finishes or fails, with how many have. */
  onSettled?: (record: SweepRecord, done: number, total: number) => void;
}

// In a checkout the sources are TypeScript, loaded by tsx; the installed package runs the JavaScript in dist/.
const WORKER_FILE = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url));

/**
 * A worker's young generation, in MB per semi-space (V8's default is 16 on
 * 64-bit). A run allocates a great deal of short-lived garbage (chains,
 * RLP, JSON-RPC); with room for more of it between scavenges, less of it is
 * promoted to the old generation: 21 one-slot runs in one process took
 * 15-20% less time, and its peak RSS was 357 MB instead of 620-632 MB.
 */
const SEMI_SPACE_MB = 32;

/** Node options for a worker: its heap, and the TypeScript loader when the worker is TypeScript (resolved from here, whatever the working directory). */
function workerExecArgv(): string[] {
  const heap = [`--max-semi-space-size=${SEMI_SPACE_MB}`];
  return WORKER_FILE.endsWith(".ts") ? [...heap, "--import", import.meta.resolve("tsx")] : heap;
}

/** How long a worker has to exit once told to, before it is killed outright. */
const KILL_AFTER_MS = 5_000;

function how(code: number | null, signal: NodeJS.Signals | null): string {
  return signal === null ? `exit code ${code}` : `signal ${signal}`;
}

/**
 * Runs every run on up to `jobs` worker processes and resolves with one
 * record per run, in the order of `runs` (whatever order they finish in),
 * once every worker has exited.
 *
 * @throws {SweepWorkerError} if a worker cannot start or talks nonsense.
 * @throws {SweepInterruptedError} if `signal` aborts.
 * @example
 * ```ts
 * const records = await runInWorkers({ runs: expandRuns(sweep), jobs: 2 });
 * ```
 */
export function runInWorkers({ runs, jobs, signal, onSettled }: RunInWorkersParameters): Promise<SweepRecord[]> {
  return new Promise((resolve, reject) => {
    const records = new Map<number, SweepRecord>();
    const running = new Map<ChildProcess, SweepRun>();
    const alive = new Set<ChildProcess>();
    let next = 0;
    let outcome: { error: Error } | { records: SweepRecord[] } | undefined;

    const onAbort = () => finish({ error: new SweepInterruptedError({ done: records.size, total: runs.length }) });
    // Settles only once every worker has exited, so that no caller ever races a leftover process.
    const settle = () => {
      if (outcome === undefined || alive.size > 0) return;
      signal?.removeEventListener("abort", onAbort);
      if ("error" in outcome) reject(outcome.error);
      else resolve(outcome.records);
    };
    const finish = (result: NonNullable<typeof outcome>) => {
      if (outcome !== undefined) return;
      outcome = result;
      for (const worker of alive) {
        // Done: closing the channel lets each worker exit; stopped: no run in flight is worth waiting for.
        if ("records" in result && worker.connected) worker.disconnect();
        else worker.kill();
      }
      // A worker stuck in native code may outlive SIGTERM or its channel; nothing outlives SIGKILL.
      setTimeout(() => {
        for (const worker of alive) worker.kill("SIGKILL");
      }, KILL_AFTER_MS).unref();
      settle();
    };
    const record = (spec: SweepRun, answer: { result: ScenarioResult } | { error: string }) => {
      const settled: SweepRecord = { run: spec.run, params: spec.params, seed: spec.seed, ...answer };
      records.set(spec.run, settled);
      onSettled?.(settled, records.size, runs.length);
      if (records.size === runs.length) finish({ records: runs.map((run) => records.get(run.run)!) });
    };
    const dispatch = (worker: ChildProcess) => {
      const spec = runs[next];
      if (spec === undefined || outcome !== undefined) {
        // Its channel closing is the worker's cue to exit.
        if (worker.connected) worker.disconnect();
        return;
      }
      next += 1;
      running.set(worker, spec);
      const request: WorkerRequest = { run: spec.run, scenario: spec.scenario };
      // A worker that died since its last answer cannot take this: its exit fails the run (a callback keeps that from being an 'error' event).
      worker.send(request, () => undefined);
    };
    const start = () => {
      const worker = fork(WORKER_FILE, [], { execArgv: workerExecArgv(), stdio: ["ignore", "inherit", "inherit", "ipc"] });
      alive.add(worker);
      let ready = false;
      worker.on("message", (reply: WorkerReply) => {
        if (outcome !== undefined) return;
        if (reply.type === "ready") {
          ready = true;
          dispatch(worker);
          return;
        }
        const spec = running.get(worker);
        running.delete(worker);
        if (spec?.run !== reply.run) {
          finish({ error: new SweepWorkerError(`a worker answered for run ${reply.run}, which it was not running`) });
          return;
        }
        record(spec, reply.type === "result" ? { result: reply.result } : { error: reply.error });
        dispatch(worker);
      });
      worker.once("error", (error) => {
        // The process could not be spawned (or signalled): it may never report an exit.
        alive.delete(worker);
        worker.kill();
        finish({ error: new SweepWorkerError(error.message, error) });
      });
      worker.once("exit", (code, exitSignal) => {
        alive.delete(worker);
        const spec = running.get(worker);
        running.delete(worker);
        if (outcome === undefined && exitSignal === "SIGINT") {
          // Ctrl-C reaches the workers too (one process group); the sweep is interrupted, not the run failed.
          finish({ error: new SweepInterruptedError({ done: records.size, total: runs.length }) });
        } else if (outcome === undefined && !ready) {
          finish({ error: new SweepWorkerError(`a worker process exited (${how(code, exitSignal)}) before it was ready; its error, if any, is printed above`) });
        } else if (outcome === undefined) {
          if (spec !== undefined) record(spec, { error: `the worker process exited (${how(code, exitSignal)}) while running it` });
          // A new worker takes the runs not yet handed out.
          if (outcome === undefined && next < runs.length) start();
        }
        settle();
      });
    };

    if (runs.length === 0) {
      resolve([]);
      return;
    }
    if (signal?.aborted === true) {
      reject(new SweepInterruptedError({ done: 0, total: runs.length }));
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (let i = 0; i < Math.min(jobs, runs.length); i++) start();
    } catch (error) {
      finish({ error: new SweepWorkerError((error as Error).message, error) });
    }
  });
}
