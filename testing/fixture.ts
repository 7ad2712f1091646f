import type { Hex } from "viem";
import type { DevnetUserConfig } from "../devnet/config.ts";
import type { Devnet, DevnetChain, StartDevnetHooks } from "../devnet/devnet.ts";
import { XrollupError } from "../errors/base.ts";
import type { DevAccount } from "../rollups/accounts.ts";

/** What a test reads from a running devnet. */
export interface DevnetHandle {
  /** The running devnet. */
  readonly devnet: Devnet;
  /** Its L1. */
  readonly l1: DevnetChain;
  /** Its rollups, in chain id order. */
  readonly rollups: readonly DevnetChain[];
  /** The 20 prefunded development accounts, the same on every chain. */
  readonly accounts: readonly DevAccount[];
}

/**
 * A devnet that a suite of tests starts once, resets between tests, and
 * stops at the end. The getters throw {@link DevnetNotStartedError} outside
 * `start()`…`stop()`.
 */
export interface DevnetFixture extends DevnetHandle {
  /** Starts the devnet (once; later calls answer the same one). */
  start(): Promise<Devnet>;
  /**
   * Called before each test. The first call takes a snapshot of the whole
   * devnet (`xr_snapshot`): the state the suite's set-up left, contracts
   * deployed in before-all hooks included. Every later call puts every chain
   * and the sequencer back to it (`xr_revert`).
   */
  reset(): Promise<void>;
  /** Stops the devnet; `start()` may start a new one afterwards, and `reset()` then snapshots afresh. */
  stop(): Promise<void>;
}

/** Thrown when a fixture's devnet is read before `start()` or after `stop()`. */
export class DevnetNotStartedError extends XrollupError {
  override name = "DevnetNotStartedError";
  constructor({ property }: { property: string }) {
    super(`The test devnet is not running, so it has no ${property}; read it inside a test or hook, after the fixture started.`, {
      details: ["With useDevnet(), call it inside describe() and read its getters in it(), beforeEach() or later before() hooks."],
    });
  }
}

/** Thrown when the devnet refused to go back to the fixture's snapshot. */
export class DevnetResetError extends XrollupError {
  override name = "DevnetResetError";
  constructor({ snapshot }: { snapshot: Hex }) {
    super(`The devnet refused to revert to snapshot ${snapshot}: it is unknown or was used up.`, {
      details: ["Something else reverted the devnet past it (an xr_revert or evm_revert in the test); the fixture cannot reset on its own any more."],
    });
  }
}

/**
 * The fixture behind `createDevnetFixture` and both `useDevnet`s. Options
 * are resolved when it starts, not when it is made: the Hardhat plugin's
 * come from the Hardhat runtime, which is loaded only then.
 */
export function fixtureWith(resolveOptions: () => DevnetUserConfig | Promise<DevnetUserConfig>, hooks: StartDevnetHooks = {}): DevnetFixture {
  /** The started devnet, and the snapshot `reset()` goes back to once it took one. */
  let running: { devnet: Devnet; snapshot: Hex | undefined } | undefined;
  let starting: Promise<Devnet> | undefined;
  const current = (property: string): { devnet: Devnet; snapshot: Hex | undefined } => {
    if (running === undefined) throw new DevnetNotStartedError({ property });
    return running;
  };
  return {
    get devnet() {
      return current("devnet").devnet;
    },
    get l1() {
      return current("l1").devnet.l1;
    },
    get rollups() {
      return current("rollups").devnet.rollups;
    },
    get accounts() {
      return current("accounts").devnet.accounts;
    },
    start() {
      starting ??= (async () => {
        // Loaded here: the Hardhat plugin imports this module from the
        // user's hardhat.config.ts, which must not pay for the devnet.
        const { startDevnet } = await import("../devnet/devnet.ts");
        const devnet = await startDevnet(await resolveOptions(), hooks);
        running = { devnet, snapshot: undefined };
        return devnet;
      })().catch((error: unknown) => {
        starting = undefined;
        throw error;
      });
      return starting;
    },
    async reset() {
      const { devnet, snapshot } = current("devnet");
      if (snapshot !== undefined && !(await devnet.revert(snapshot))) throw new DevnetResetError({ snapshot });
      // As in Hardhat, a revert uses its snapshot up: take the next one.
      running = { devnet, snapshot: await devnet.snapshot() };
    },
    async stop() {
      // A start under way finishes first, so that its devnet is stopped too.
      const devnet = await starting?.catch(() => undefined);
      running = undefined;
      starting = undefined;
      await devnet?.stop();
    },
  };
}

/**
 * A devnet fixture for any test runner: `start()` in a before-all hook,
 * `reset()` before each test (each test then starts from the state the
 * before-all hooks left), `stop()` in an after-all hook. The devnet
 * serves HTTP on free ports unless `options.rpc` says otherwise, so test
 * files and projects running at once never collide.
 *
 * @param options what `startDevnet` takes.
 * @param hooks `startDevnet`'s hooks (`onError`, `onBatch`, `wrapEngine`).
 *
 * @example
 * ```ts
 * import { after, before, beforeEach, it } from "node:test";
 * import { createDevnetFixture } from "xrollup/testing";
 *
 * const fixture = createDevnetFixture({ rollups: 2 });
 * before(() => fixture.start());
 * beforeEach(() => fixture.reset());
 * after(() => fixture.stop());
 *
 * it("sends on rollup A", async () => {
 *   const [a] = fixture.rollups;
 *   await a.walletClient.sendTransaction({ account: fixture.accounts[0].address, to: fixture.accounts[1].address, value: 1n });
 * });
 * ```
 */
export function createDevnetFixture(options: DevnetUserConfig = {}, hooks: StartDevnetHooks = {}): DevnetFixture {
  return fixtureWith(() => ({ rpc: { port: 0 }, ...options }), hooks);
}
