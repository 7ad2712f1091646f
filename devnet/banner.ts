import { formatEther } from "viem";
import { DEV_ACCOUNT_BALANCE } from "../rollups/accounts.ts";
import type { Devnet, DevnetChain } from "./devnet.ts";
import { uiUrl } from "./view/static.ts";

/** The banner `xrollup devnet` prints once ready: every chain and the accounts, as `hardhat node` does. */
export function formatBanner(devnet: Devnet): string {
  const { mode, policy } = devnet.config;
  const modeText =
    mode.kind === "instant"
      ? `instant mode, a batch every ${mode.batchMs} ms`
      : mode.kind === "slots"
        ? `slot mode, ${mode.slotMs} ms slots`
        : "manual mode";
  const row = (chain: DevnetChain) =>
    `  ${chain.name.padEnd(12)} ${String(chain.chainId).padEnd(9)} ${chain.rpcUrl ?? "(in-process)"}`;
  const lines = [
    `xrollup devnet: L1 and ${devnet.rollups.length} rollup(s), shared sequencer in ${modeText}, policy ${policy}`,
    "",
    `  ${"Chain".padEnd(12)} ${"Chain id".padEnd(9)} JSON-RPC (HTTP; WebSocket on the same port, ws://)`,
    row(devnet.l1),
    ...devnet.rollups.map(row),
    "",
    `  SharedInbox (L1): ${devnet.l1.contracts.SharedInbox}`,
    ...(devnet.l1.rpcUrl === undefined ? [] : [`  Classroom view: ${uiUrl(devnet.l1.rpcUrl)} (open it in a browser)`]),
    ...committeeLines(devnet),
    "",
    `Accounts (${formatEther(DEV_ACCOUNT_BALANCE)} ETH each, on every chain)`,
    "========",
    ...devnet.accounts.flatMap((account, index) => [
      `Account #${index}: ${account.address}`,
      `Private Key: ${account.privateKey}`,
      "",
    ]),
    "WARNING: These accounts, and their private keys, are publicly known. Never use them outside this devnet.",
  ];
  return lines.join("\n");
}

/** The sequencer committee, when there is one: its members in rotation order, the quorum, the view timeout and the gossip latency. */
function committeeLines(devnet: Devnet): string[] {
  const { sequencers, viewTimeoutMs, gossipMs } = devnet.config;
  if (sequencers === 1) return [];
  const { quorum, members } = devnet.sequencer.status();
  return [
    `  Sequencer committee: ${sequencers} members, quorum ${quorum}, view timeout ${viewTimeoutMs} ms, gossip ${gossipMs} ms`,
    ...members.map(({ address }, index) => `    member ${index}: ${address}`),
  ];
}

/** The log line of rollups joining or leaving the running devnet (`xr_addRollup`, or a revert to before it). */
export function formatRollupsChange({ added, removed }: { added: readonly DevnetChain[]; removed: readonly DevnetChain[] }): string {
  return [
    ...added.map((chain) => `rollup added: ${chain.name}, chain id ${chain.chainId}, ${chain.rpcUrl ?? "(in-process)"}; the next batch registers it on L1`),
    ...removed.map((chain) => `rollup removed: ${chain.name}, chain id ${chain.chainId} (reverted to a snapshot taken before it was added)`),
  ].join("\n");
}
