// Only light modules are imported up front: each command's module (which
// loads Hardhat, viem clients and the compiled contracts) is imported when
// that command runs, so `--help` and flag errors work before anything is
// compiled, and fast.
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { ensureContractsBuilt } from "../contracts/artifacts.ts";
import { DEVNET_DEFAULTS } from "../devnet/config.ts";
import { XrollupError } from "../errors/base.ts";
import { ORDERING_POLICIES } from "../sequencer/policies/index.ts";
import { SweepOptionError } from "../sim/sweep/errors.ts";
import { parseShard, type Shard } from "../sim/sweep/shard.ts";
import type { DemoFlags } from "./demo.ts";
import type { DevnetFlags } from "./devnet.ts";
import type { ScenarioFlags } from "./scenario.ts";
import type { SweepMergeFlags, SweepRunFlags } from "./sweep.ts";
import type { VerifyFlags } from "./verify.ts";

/** Parses a non-negative integer flag, with an error naming the flag. */
function integer(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} expects a whole number, got "${value}".`);
    return Number(value);
  };
}

/** Compiles the contracts if a fresh clone has not yet: every command but `--help` needs them. */
async function contractsBuilt(): Promise<void> {
  await ensureContractsBuilt({ onCompile: () => console.error("xrollup: compiling the contracts (first run only)…") });
}

/** Parses a JSON flag, with an error naming the flag. */
function jsonFlag(flag: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`${flag} expects JSON, got ${value}.`);
  }
}

const program = new Command()
  .name("xrollup")
  .description("A local devnet for cross-rollup applications: one L1, N rollups and a shared sequencer")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

program
  .command("devnet")
  .description("start an L1, N rollups and the shared sequencer, each chain served over JSON-RPC")
  .option("--rollups <n>", "number of rollups", integer("--rollups"), DEVNET_DEFAULTS.rollups)
  .option("--host <host>", "interface to listen on", DEVNET_DEFAULTS.rpc.host)
  .option("--port <port>", "L1 JSON-RPC port (0: any free port for every chain)", integer("--port"), DEVNET_DEFAULTS.rpc.port)
  .option("--rollup-port <port>", "JSON-RPC port of the first rollup; rollup i listens on this + i", integer("--rollup-port"), DEVNET_DEFAULTS.rpc.rollupPort)
  .option("--l1-chain-id <id>", "chain id of L1; rollups take the following ids", integer("--l1-chain-id"), DEVNET_DEFAULTS.l1ChainId)
  .option("--slot-ms <ms>", "slot mode: produce a block on every rollup each MS milliseconds (default: instant mode)", integer("--slot-ms"))
  .option("--batch-ms <ms>", "instant mode: post a batch to L1 every MS milliseconds when something happened", integer("--batch-ms"), DEVNET_DEFAULTS.batchMs)
  .option(
    "--policy <name>",
    `ordering policy: ${Object.keys(ORDERING_POLICIES).join(", ")}, or a module path (./my-policy.ts) whose default export is an OrderingPolicy (see sequencer/policies/types.ts)`,
    DEVNET_DEFAULTS.policy,
  )
  .option("--seed <n>", "seed of the slot seeds (fair-random) and of the encryption committee's keys", integer("--seed"), DEVNET_DEFAULTS.seed)
  .option("--max-message-depth <n>", "how deep messages sent while handling messages may nest", integer("--max-message-depth"), DEVNET_DEFAULTS.maxMessageDepth)
  .option("--sequencers <n>", "members of the sequencer committee (HD keys 20, 21, …), taking turns as leader", integer("--sequencers"), DEVNET_DEFAULTS.sequencers)
  .option("--gossip-ms <ms>", "latency of messages between committee members", integer("--gossip-ms"), DEVNET_DEFAULTS.gossipMs)
  .option("--view-timeout <ms>", "how long members wait for a view's leader before the next leads (default: twice the slot, or twice --batch-ms)", integer("--view-timeout"))
  .option("--force-inclusion-delay <blocks>", "L1 blocks a transaction queued with SharedInbox.forceInclude may wait", integer("--force-inclusion-delay"), DEVNET_DEFAULTS.forceInclusionDelay)
  .option("--no-revert-protection", "include transactions that revert (as plain chains do) instead of dropping them with their reason")
  .option("--no-cheats", "refuse the cheat methods on rollups (hardhat_setBalance, evm_mine, hardhat_impersonateAccount, …)")
  .option("--data-dir <dir>", "keep the devnet in DIR and resume it from there on the next start (survives kill -9)")
  .option("--dump-state <file>", "write the whole devnet to FILE when it stops (start it again with --load-state)")
  .option("--load-state <file>", "start from a devnet written by --dump-state or xr_dumpState (with the same chain options)")
  .option("--artifacts <dir>", "a Hardhat project's artifacts directory: its ABIs decode revert reasons in errors, statuses and traces")
  .option(
    "--fault <json>",
    'inject a fault from the start, e.g. \'{"kind":"crash","forSlots":3}\' (repeatable; see the README)',
    (value: string, previous: unknown[]) => [...previous, jsonFlag("--fault", value)],
    [] as unknown[],
  )
  .option("--manifest <file>", "write a JSON manifest of the devnet once it is ready")
  .option("--quiet", "print only the one-line ready message, not the banner")
  .action(async (flags: DevnetFlags) => {
    await contractsBuilt();
    const { runDevnet } = await import("./devnet.ts");
    await runDevnet(flags);
  });

program
  .command("verify")
  .description("re-derive every rollup from the L1 inbox alone and check every committed state root")
  .requiredOption("--l1 <url>", "L1 JSON-RPC URL")
  .option("--inbox <address>", "SharedInbox address (default: where the devnet's sequencer deploys it)")
  .option("--json", "print the result as JSON")
  .action(async (flags: VerifyFlags) => {
    await contractsBuilt();
    const { runVerify } = await import("./verify.ts");
    await runVerify(flags);
  });

program
  .command("scenario")
  .description("research scenarios: ordering policies against cross-rollup MEV")
  .command("run")
  .description("run a scenario file on in-process devnets, one per policy, and compare the policies")
  .argument("<file>", "scenario JSON file (see the README's researcher section)")
  .option("--json <file>", "write the result as JSON")
  .option("--html <file>", "write a self-contained HTML report with charts")
  .action(async (file: string, flags: ScenarioFlags) => {
    await contractsBuilt();
    const { runScenarioCommand } = await import("./scenario.ts");
    await runScenarioCommand(file, flags);
  });

/** Parses `--shard i/n`, with the sweep's own error as commander's message. */
function shardFlag(value: string): Shard {
  try {
    return parseShard(value);
  } catch (error) {
    if (error instanceof SweepOptionError) throw new InvalidArgumentError(error.shortMessage);
    throw error;
  }
}

const sweep = program.command("sweep").description("parameter sweeps: a scenario over a grid of values and seeds, on every core, in shards if need be");
sweep
  .command("run")
  .description("run every combination of a sweep file's grid values and seeds; write results.jsonl, results.csv and report.html to --out")
  .argument("<file>", 'sweep JSON file: { "base": <scenario or its path>, "grid": { "<field path>": [values…] }, "seeds": [numbers…] }')
  .requiredOption("--out <dir>", "output directory")
  .option("--jobs <n>", "worker processes at once (default: one per core)", integer("--jobs"))
  .option("--shard <i/n>", "run only shard i of n (0-based): the runs whose index is i modulo n", shardFlag)
  .action(async (file: string, flags: SweepRunFlags) => {
    await contractsBuilt();
    const { runSweepCommand } = await import("./sweep.ts");
    await runSweepCommand(file, flags);
  });
sweep
  .command("merge")
  .description("merge the output directories of a sweep's shards into what one unsharded run writes")
  .argument("<dirs...>", "the shards' output directories")
  .requiredOption("--out <dir>", "output directory")
  .action(async (dirs: string[], flags: SweepMergeFlags) => {
    const { mergeSweepCommand } = await import("./sweep.ts");
    await mergeSweepCommand(dirs, flags);
  });

program
  .command("demo")
  .description("run the atomic swap-and-deposit demo (on an in-process devnet, or a running one) and narrate each scene")
  .option("--json", "print the report as JSON")
  .option("--step", "pause before each scene until Enter (each line of input advances; at its end the rest run)")
  .option("--scene <name>", "run only this scene: success, vault-cap-exceeded, slippage or action-out-of-gas")
  .option("--rpc <url>", "run on a running devnet, given its L1 JSON-RPC URL (loads the demo app there if needed)")
  .option("--plain", "wording for students, without the jargon: order number, round, all-or-nothing")
  .action(async (flags: DemoFlags) => {
    await contractsBuilt();
    const { runDemoCommand } = await import("./demo.ts");
    await runDemoCommand(flags);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help).
    process.exitCode = error.exitCode;
  } else {
    const message = error instanceof XrollupError ? error.shortMessage : error instanceof Error ? error.message : String(error);
    console.error(`xrollup: ${message}`);
    process.exitCode = 1;
  }
}
