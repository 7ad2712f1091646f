import { writeFile } from "node:fs/promises";
import cliProgress from "cli-progress";
import { formatTable, writeHtmlReport } from "../sim/report/index.ts";
import { runScenario } from "../sim/scenario/run.ts";
import { loadScenario } from "../sim/scenario/schema.ts";

/** Flags of `xrollup scenario run`. */
export interface ScenarioFlags {
  json?: string;
  html?: string;
}

/** `xrollup scenario run FILE`: runs every policy of the scenario, prints the side-by-side table, writes the reports. */
export async function runScenarioCommand(file: string, flags: ScenarioFlags): Promise<void> {
  const scenario = await loadScenario(file);
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {percentage}% | {value}/{total} | {label}", stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0, { label: "starting" });
  let result;
  try {
    result = await runScenario(scenario, (done, total, label) => {
      bar.setTotal(total);
      bar.update(done, { label });
    });
  } finally {
    bar.stop();
  }
  console.log(formatTable(result));
  if (flags.json !== undefined) {
    await writeFile(flags.json, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`JSON result written to ${flags.json}`);
  }
  if (flags.html !== undefined) {
    await writeHtmlReport(flags.html, result);
    console.log(`HTML report written to ${flags.html}`);
  }
}
