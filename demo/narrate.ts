import { isDeepStrictEqual } from "node:util";
import { type Hex, parseUnits } from "viem";
import { explainReason } from "./explain.ts";
import { wentAsStaged } from "./scenes.ts";
import type { DemoBalances, DemoReport, DemoScene } from "./story.ts";

/** How the narration is worded. */
export interface NarrationOptions {
  /** For students: "order number" for globalSeq, "round" for slot, "all-or-nothing" for revert protection. */
  plain?: boolean;
}

/** Width the text output is laid out for. */
export const TERMINAL_WIDTH = 100;

const DECIMALS = 18;

/**
 * A token amount (a decimal string with up to 18 decimals) for people:
 * thousands separators, rounded to `fractionDigits`. A non-zero amount that
 * rounds to zero shows as `<0.000001`, so that nothing that moved looks still.
 */
export function displayTokens(amount: string | bigint, fractionDigits = 6): string {
  const value = typeof amount === "bigint" ? amount : parseUnits(amount, DECIMALS);
  const sign = value < 0n ? "-" : "";
  const magnitude = value < 0n ? -value : value;
  const unit = 10n ** BigInt(DECIMALS - fractionDigits);
  const rounded = (magnitude + unit / 2n) / unit;
  if (rounded === 0n && magnitude !== 0n) return `${sign}<${(1 / 10 ** fractionDigits).toFixed(fractionDigits)}`;
  const scale = 10n ** BigInt(fractionDigits);
  const whole = (rounded / scale).toLocaleString("en-US");
  return fractionDigits === 0 ? `${sign}${whole}` : `${sign}${whole}.${(rounded % scale).toString().padStart(fractionDigits, "0")}`;
}

/** One line of the before/after table. */
interface Row {
  rollup: "A" | "B";
  label: string;
  value: (balances: DemoBalances) => string | number;
}

const ROWS: readonly Row[] = [
  { rollup: "A", label: "user TKA", value: (s) => s.a.userTokenA },
  { rollup: "A", label: "user xUSD", value: (s) => s.a.userBridged },
  { rollup: "A", label: "pool reserve TKA", value: (s) => s.a.poolReserveTokenA },
  { rollup: "A", label: "pool reserve xUSD", value: (s) => s.a.poolReserveBridged },
  { rollup: "A", label: "xUSD total supply", value: (s) => s.a.bridgedTotalSupply },
  { rollup: "A", label: "user nonce", value: (s) => s.a.userNonce },
  { rollup: "B", label: "user vault balance", value: (s) => s.b.userVaultBalance },
  { rollup: "B", label: "vault total deposits", value: (s) => s.b.vaultTotalDeposits },
  { rollup: "B", label: "xUSD total supply", value: (s) => s.b.bridgedTotalSupply },
  { rollup: "B", label: "user nonce", value: (s) => s.b.userNonce },
];

/** A row's value, exact: token amounts in wei, nonces as they are. */
function exact(value: string | number): bigint {
  return typeof value === "number" ? BigInt(value) : parseUnits(value, DECIMALS);
}

function display(value: string | number): string {
  return typeof value === "number" ? value.toString() : displayTokens(value);
}

function displayChange(row: Row, before: DemoBalances, after: DemoBalances): string | undefined {
  const [from, to] = [row.value(before), row.value(after)];
  const change = exact(to) - exact(from);
  if (change === 0n) return undefined;
  const sign = change > 0n ? "+" : "";
  return typeof from === "number" ? `${sign}${change}` : `${sign}${displayTokens(change)}`;
}

/** Whether a scene went the way it was staged, and the line that says so. */
export function sceneVerdict(scene: DemoScene): { ok: boolean; line: string } {
  const { outcome, expectedFailure } = scene;
  if (expectedFailure === null) {
    return outcome.status === "included"
      ? { ok: true, line: "As expected: included, the action on B right after the trigger on A." }
      : { ok: false, line: "NOT as expected: this scene should have been included." };
  }
  const where = `${expectedFailure.error} on rollup ${expectedFailure.chainId}`;
  if (outcome.status !== "dropped") return { ok: false, line: `NOT as expected: included, but it should have failed with ${where}.` };
  return wentAsStaged(expectedFailure, outcome)
    ? { ok: true, line: `As expected: dropped, because of ${where}.` }
    : { ok: false, line: `NOT as expected: dropped, but not because of ${where}.` };
}

/** Whether every scene of the report went the way it was staged. */
export function demoWentAsExpected(report: DemoReport): boolean {
  return report.scenes.every((scene) => sceneVerdict(scene).ok);
}

/**
 * The report as text for a terminal {@link TERMINAL_WIDTH} columns wide: the
 * set-up, then each scene (narration, before/after table, outcome, and
 * whether anything moved), then the gas figures. Pure.
 */
export function formatDemoReport(report: DemoReport, options: NarrationOptions = {}): string {
  const lines = [formatDemoIntro(report)];
  for (const [index, scene] of report.scenes.entries()) lines.push("", formatDemoScene(report, scene, index, report.scenes.length, options));
  if (report.gas !== undefined) lines.push("", formatDemoGas(report.gas));
  return lines.join("\n");
}

/** The opening of the narration: the two rollups, the contracts and the user. Pure. */
export function formatDemoIntro(report: Pick<DemoReport, "setup" | "rollups" | "accounts" | "contracts">): string {
  const { a, b } = report.rollups;
  const c = report.contracts;
  return [
    "xrollup demo: an atomic swap-and-deposit across two rollups",
    "",
    ...wrap(
      `Rollup A is ${a.name} (chain ${a.chainId}): Token A (TKA) at ${c.tokenA} and a TKA/xUSD pool at ${c.pool}, ` +
        `seeded with ${displayTokens(report.setup.poolLiquidity, 0)} of each.`,
    ),
    ...wrap(
      `Rollup B is ${b.name} (chain ${b.chainId}): a vault for xUSD at ${c.vault}, ` +
        `capped at ${displayTokens(report.setup.vaultCap, 0)} in total.`,
    ),
    ...wrap(
      `On both, at the same address: xUSD at ${c.bridged} (it moves by being burnt on A and minted on B) ` +
        `and SwapAndDeposit at ${c.swapAndDeposit}, the app the user calls on A and the messenger calls on B. ` +
        "They share an address because one deployer created them with the same nonces on both rollups" +
        (c.vault === c.tokenA ? " (which is also why Token A on A and the vault on B share one)." : "."),
    ),
    ...wrap(
      `The user ${report.accounts.user} starts with ${displayTokens(report.setup.userTokenA, 0)} TKA on A and has ` +
        "approved SwapAndDeposit once, as set-up. Each scene is then one transaction from the user on A.",
    ),
    ...wrap("Amounts are rounded to 6 decimals here; --json gives them exactly."),
  ].join("\n");
}

/** One scene: its narration, the before/after table, what the sequencer did and whether anything moved. Pure. */
export function formatDemoScene(
  report: Pick<DemoReport, "rollups">,
  scene: DemoScene,
  index: number,
  count: number,
  { plain = false }: NarrationOptions = {},
): string {
  const heading = `== Scene ${index + 1}/${count}: ${scene.name} -- ${scene.title} `;
  const lines = [heading.padEnd(TERMINAL_WIDTH, "="), ""];
  lines.push(...wrap(scene.narration.action), ...wrap(`Expected: ${scene.narration.expectation}`), "");
  lines.push(...formatTable(scene.before, scene.after), "");
  const { outcome } = scene;
  if (outcome.status === "included") {
    const { trigger, relay } = outcome;
    const sameSlot = relay.slot === trigger.slot;
    lines.push(
      ...wrap(
        plain
          ? `Included: the user's transaction ${short(trigger.hash)} on chain A got order number ${trigger.globalSeq} in round ` +
              `${trigger.slot}; the deposit ${short(relay.hash)} on chain B came right after it (order number ${relay.globalSeq}), ` +
              `${sameSlot ? "in the same round" : `in round ${relay.slot}`}.`
          : `Included: the trigger ${short(trigger.hash)} on rollup ${trigger.chainId} got globalSeq ${trigger.globalSeq} in slot ` +
              `${trigger.slot}; its relay ${short(relay.hash)} on rollup ${relay.chainId} got globalSeq ${relay.globalSeq} in ` +
              `${sameSlot ? "the same slot" : `slot ${relay.slot}`}.`,
      ),
    );
  } else {
    const { a, b } = report.rollups;
    const chainLabels = { [a.chainId]: "A", [b.chainId]: "B" };
    lines.push(...wrap(plain ? `Dropped (transaction ${short(outcome.trigger.hash)}):` : `Dropped by the sequencer (trigger ${short(outcome.trigger.hash)}). Reason:`));
    lines.push(...wrap(explainReason(outcome.reasonCode, outcome.reason, outcome.failedLeg, { plain, chainLabels }), "  "));
  }
  lines.push(...formatMoved(scene.before, scene.after), ...wrap(sceneVerdict(scene).line));
  return lines.join("\n");
}

const COLUMNS = { label: 26, value: 20 } as const;

function formatTable(before: DemoBalances, after: DemoBalances): string[] {
  const line = (label: string, ...values: string[]) =>
    `  ${label.padEnd(COLUMNS.label)}${values.map((value) => value.padStart(COLUMNS.value)).join("")}`.trimEnd();
  return [
    line("", "before", "after", "change"),
    ...ROWS.map((row) =>
      line(
        `${row.rollup}  ${row.label}`,
        display(row.value(before)),
        display(row.value(after)),
        displayChange(row, before, after) ?? "unchanged",
      ),
    ),
  ];
}

/** The computed line about what moved: nothing on either rollup, or each change. */
function formatMoved(before: DemoBalances, after: DemoBalances): string[] {
  if (isDeepStrictEqual(before, after)) {
    return wrap(
      "Nothing moved on either rollup: every balance, reserve, supply, vault total and nonce on A and on B is exactly as before.",
    );
  }
  const moved = (rollup: Row["rollup"]) =>
    ROWS.filter((row) => row.rollup === rollup).flatMap((row) => {
      const change = displayChange(row, before, after);
      return change === undefined ? [] : [`${row.label} ${change}`];
    });
  const parts = (["A", "B"] as const).flatMap((rollup) => {
    const changes = moved(rollup);
    return changes.length === 0 ? [] : [`on ${rollup}, ${changes.join(", ")}`];
  });
  return wrap(`What moved: ${parts.join("; ")}.`);
}

/** The gas figures and how the overhead was measured. Pure. */
export function formatDemoGas(gas: NonNullable<DemoReport["gas"]>): string {
  const { probe } = gas;
  const row = (label: string, value: string) => `  ${label.padEnd(70)}${BigInt(value).toLocaleString("en-US").padStart(12)}`;
  return [
    "== Gas ".padEnd(TERMINAL_WIDTH, "="),
    "",
    row("trigger: swapAndDeposit on A (success scene)", gas.trigger),
    row("relay: relayMessage on B, running relayMint and the deposit", gas.relay),
    row("verification overhead per message (the messenger's own cost)", gas.verificationOverheadPerMessage),
    "",
    ...wrap(
      `The overhead is measured on an empty message to an account without code (${probe.target}), sent ` +
        `with sendMessage on A: its relay on B used ${BigInt(probe.relay.gasUsed).toLocaleString("en-US")} gas, of which ` +
        `${BigInt(probe.intrinsicGas).toLocaleString("en-US")} is the intrinsic gas of its ${probe.calldataBytes} bytes of calldata ` +
        "(21,000 + 16 per non-zero byte + 4 per zero byte). The rest is the signature check, replay protection, " +
        "the rolling message hash, the event and the call itself.",
    ),
  ].join("\n");
}

function short(hash: Hex): string {
  return `${hash.slice(0, 10)}…${hash.slice(-6)}`;
}

/** Wraps text at word boundaries to {@link TERMINAL_WIDTH}; words longer than a line are cut. */
function wrap(text: string, indent = ""): string[] {
  const width = TERMINAL_WIDTH - indent.length;
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/).filter((part) => part.length > 0)) {
    let rest = word;
    while (rest.length > width) {
      if (current.length > 0) lines.push(current);
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
      current = "";
    }
    if (current.length === 0) current = rest;
    else if (current.length + 1 + rest.length <= width) current += ` ${rest}`;
    else {
      lines.push(current);
      current = rest;
    }
  }
  if (current.length > 0) lines.push(current);
  return lines.map((line) => `${indent}${line}`);
}
