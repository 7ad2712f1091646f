import type { DevnetUserConfig } from "../devnet/config.ts";
import type { StartDevnetHooks } from "../devnet/devnet.ts";
import { XrollupError } from "../errors/base.ts";
import { createDevnetFixture, type DevnetFixture, type DevnetHandle } from "./fixture.ts";

/**
 * The longest each of the fixture's hooks may take, when the suite allows
 * less (mocha's default is 2 s): the first devnet of a process loads Hardhat
 * and EDR (seconds on a busy machine), and stopping drains the mempool.
 */
const HOOK_TIMEOUT_MS = 120_000;

/** The part of a mocha hook's `this` the fixture uses. */
interface MochaHookContext {
  timeout(): number;
  timeout(ms: number): unknown;
}

/** Mocha's BDD hooks, as mocha puts them on the global object while it loads test files. */
interface MochaHooks {
  before(fn: (this: MochaHookContext) => Promise<void>): void;
  beforeEach(fn: (this: MochaHookContext) => Promise<void>): void;
  after(fn: (this: MochaHookContext) => Promise<void>): void;
}

/** Thrown when `useDevnet()` runs outside mocha. */
export class MochaNotFoundError extends XrollupError {
  override name = "MochaNotFoundError";
  constructor() {
    super("useDevnet() registers mocha hooks, but mocha's before/beforeEach/after are not defined here.", {
      details: ["Call it inside describe() in a file mocha loads; with another test runner, use createDevnetFixture() and call start/reset/stop from its hooks."],
    });
  }
}

/** Mocha's hooks, or an error saying that this is not mocha. */
function mochaHooks(): MochaHooks {
  const scope = globalThis as Partial<Record<keyof MochaHooks, unknown>>;
  if (typeof scope.before !== "function" || typeof scope.beforeEach !== "function" || typeof scope.after !== "function") {
    throw new MochaNotFoundError();
  }
  return scope as MochaHooks;
}

/** Raises this hook's timeout to {@link HOOK_TIMEOUT_MS} unless the suite allows more (or has none: 0). */
function allowSlowHook(context: MochaHookContext): void {
  const current = context.timeout();
  if (current !== 0 && current < HOOK_TIMEOUT_MS) context.timeout(HOOK_TIMEOUT_MS);
}

/** Registers a fixture's hooks with mocha: start in `before`, reset in `beforeEach`, stop in `after`. */
export function useFixture(fixture: DevnetFixture): DevnetHandle {
  const { before, beforeEach, after } = mochaHooks();
  before(async function () {
    allowSlowHook(this);
    await fixture.start();
  });
  beforeEach(async function () {
    allowSlowHook(this);
    await fixture.reset();
  });
  after(async function () {
    allowSlowHook(this);
    await fixture.stop();
  });
  return fixture;
}

/**
 * One devnet for the enclosing `describe()`: started before its first test,
 * every chain and the sequencer reset before each test to the state the
 * suite's before-all hooks left (contracts they deployed stay; what a test
 * does is undone: one `xr_snapshot`/`xr_revert`), stopped after its last
 * test. The devnet serves HTTP on free ports unless `options.rpc` says otherwise.
 *
 * Call it inside `describe()`: at a file's top level, mocha would run its
 * hooks around every test of every file.
 *
 * @param options what `startDevnet` takes.
 * @param hooks `startDevnet`'s hooks (`onError`, `onBatch`, `wrapEngine`).
 * @returns getters for the running devnet, its `l1`, `rollups` and `accounts`.
 *
 * @example
 * ```ts
 * import { useDevnet } from "xrollup/testing";
 *
 * describe("transfers", function () {
 *   const net = useDevnet({ rollups: 2 });
 *
 *   it("moves one wei on rollup A", async function () {
 *     const [a] = net.rollups;
 *     await a.walletClient.sendTransaction({ account: net.accounts[0].address, to: net.accounts[1].address, value: 1n });
 *   });
 * });
 * ```
 */
export function useDevnet(options: DevnetUserConfig = {}, hooks: StartDevnetHooks = {}): DevnetHandle {
  return useFixture(createDevnetFixture(options, hooks));
}
