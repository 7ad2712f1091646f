import { createInterface } from "node:readline";
import { loadDemo } from "../demo/deploy.ts";
import { demoWentAsExpected, formatDemoGas, formatDemoIntro, formatDemoScene } from "../demo/narrate.ts";
import { sceneName } from "../demo/scenes.ts";
import { demoSetupOf, type DemoReport, runDemo } from "../demo/story.ts";
import { demoTargetFromRpc, demoTargetOf } from "../demo/target.ts";
import { startDevnet } from "../devnet/devnet.ts";

/** Flags of `xrollup demo`. */
export interface DemoFlags {
  json?: boolean;
  /** Pause before each scene until a line of input (Enter). */
  step?: boolean;
  /** Run only this scene. */
  scene?: string;
  /** The L1 URL of a running devnet to run against, instead of an in-process one. */
  rpc?: string;
  /** Wording for students, without the jargon. */
  plain?: boolean;
}

/**
 * `xrollup demo`: on an in-process devnet of two rollups (no ports), or on
 * a running devnet (`--rpc`), loads the swap-and-deposit demo, runs its
 * scenes (or one, `--scene`) and prints each as soon as it has run,
 * narrated or, at the end, as JSON. `--step` waits for Enter before each
 * scene. Exits 1 if a scene did not go the way it was staged.
 */
export async function runDemoCommand(flags: DemoFlags): Promise<void> {
  // Checked before anything starts, so that a typo fails at once.
  const scenes = flags.scene === undefined ? undefined : [sceneName(flags.scene)];
  const plain = flags.plain ?? false;
  const devnet =
    flags.rpc === undefined
      ? await startDevnet(
          { rollups: 2, rpc: false },
          { onError: (error) => console.error(`xrollup: ${error instanceof Error ? error.message : String(error)}`) },
        )
      : undefined;
  const gate = flags.step ? lineGate(process.stdin) : undefined;
  // The narration goes to stdout; with --json, stdout is the report alone and prompts go to stderr.
  const say = (text: string) => (flags.json ? undefined : console.log(text));
  const prompt = (text: string) => (flags.json ? console.error(text) : console.log(text));
  let report: DemoReport;
  try {
    const target = devnet === undefined ? await demoTargetFromRpc(flags.rpc!) : demoTargetOf(devnet);
    const deployment = await loadDemo(target);
    const setup = demoSetupOf(deployment);
    say(formatDemoIntro(setup));
    report = await runDemo(deployment, {
      ...(scenes === undefined ? {} : { scenes }),
      plain,
      ...(gate === undefined
        ? {}
        : {
            beforeScene: async ({ index, count, title }) => {
              prompt(`\nPress Enter for scene ${index + 1} of ${count}: ${title}`);
              await gate.next();
            },
          }),
      onScene: (scene, index, count) => say(`\n${formatDemoScene(setup, scene, index, count, { plain })}`),
    });
  } finally {
    gate?.close();
    await devnet?.stop();
  }
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else if (report.gas !== undefined) say(`\n${formatDemoGas(report.gas)}`);
  if (!demoWentAsExpected(report)) process.exitCode = 1;
}

/**
 * Lines of input as a gate: `next()` resolves on the next line, one line
 * per call (lines typed ahead count), and at once for good when the input
 * ends, so `--step` with a closed or exhausted stdin runs the rest.
 */
function lineGate(input: NodeJS.ReadableStream): { next(): Promise<void>; close(): void } {
  const lines = createInterface({ input, terminal: false });
  let typedAhead = 0;
  let ended = false;
  const waiting: (() => void)[] = [];
  lines.on("line", () => {
    const wake = waiting.shift();
    if (wake === undefined) typedAhead += 1;
    else wake();
  });
  lines.on("close", () => {
    ended = true;
    for (const wake of waiting.splice(0)) wake();
  });
  return {
    next() {
      if (typedAhead > 0) {
        typedAhead -= 1;
        return Promise.resolve();
      }
      return ended ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve));
    },
    close: () => lines.close(),
  };
}
