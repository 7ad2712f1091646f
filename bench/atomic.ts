import { encodeFunctionData, getContractAddress } from "viem";
import { artifact } from "../contracts/artifacts.ts";
import { startDevnet } from "../devnet/devnet.ts";
import { devAccounts } from "../rollups/accounts.ts";
import { percentile, sendAll, signCalls, type SenderWorkload } from "./workload.ts";

/**
 * Atomic cross-rollup messages per second in instant mode: every sender
 * sends triggers on its rollup (senders spread over the rollups), each
 * sending one message to the next rollup that runs there; a trigger is
 * answered once it and its relay are included. The baseline is plain
 * transfers from the same senders on the same devnet.
 */
export async function atomicMessages(rollups: number, senders: number, perSender: number) {
  const devnet = await startDevnet({ rollups, rpc: { port: 0 } });
  try {
    const { abi, bytecode } = artifact("MessageRelayChain");
    const deployer = devAccounts().at(-1)!;
    for (const rollup of devnet.rollups) await rollup.walletClient.deployContract({ abi, bytecode, account: deployer.address });
    const contract = getContractAddress({ from: deployer.address, nonce: 0n });
    // The deployer's nonces are taken by the deployments; it does not send the workload.
    const accounts = devAccounts().slice(0, Math.min(senders, devAccounts().length - 1));
    const workload = async (call: (index: number) => { to: `0x${string}`; data?: `0x${string}`; value?: bigint; gas: bigint }, firstNonce: number) =>
      (
        await Promise.all(
          accounts.map(async (account, index) => {
            const rollup = devnet.rollups[index % rollups]!;
            const [transactions] = await signCalls(rollup.chainId, [account], perSender, call(index), firstNonce);
            return { url: rollup.rpcUrl!, transactions: transactions! } satisfies SenderWorkload;
          }),
        )
      );
    const transfers = await workload(() => ({ to: deployer.address, value: 1n, gas: 21_000n }), 0);
    const baseline = await sendAll(transfers);
    const triggers = await workload((index) => {
      const next = devnet.rollups[(index + 1) % rollups]!;
      return { to: contract, data: encodeFunctionData({ abi, functionName: "start", args: [[BigInt(next.chainId)], false] }), gas: 300_000n };
    }, perSender);
    const { tps, latenciesMs } = await sendAll(triggers);
    return { perSecond: tps, p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99), baselineTps: baseline.tps };
  } finally {
    await devnet.stop();
  }
}
