import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devAccounts } from "../rollups/accounts.ts";

/**
 * Pre-signed transfers for one chain: `perSender` transactions from each
 * development account, nonces from 0, to a fixed recipient. Signed before the
 * clock starts, so only sending and executing is measured.
 */
export async function signTransfers(chainId: number, senders: number, perSender: number): Promise<Hex[][]> {
  const recipient = "0x000000000000000000000000000000000000beef";
  return Promise.all(
    devAccounts()
      .slice(0, senders)
      .map(async ({ privateKey }) => {
        const account = privateKeyToAccount(privateKey);
        const signed: Hex[] = [];
        for (let nonce = 0; nonce < perSender; nonce++) {
          signed.push(
            await account.signTransaction({
              chainId,
              nonce,
              to: recipient,
              value: 1n,
              gas: 21_000n,
              maxFeePerGas: 10_000_000_000n,
              maxPriorityFeePerGas: 1n,
              type: "eip1559",
            }),
          );
        }
        return signed;
      }),
  );
}

/**
 * Sends every sender's transactions over HTTP, one in flight per sender (so
 * as many in flight as senders), and returns transactions per second and the
 * latency of each call, submission to answer.
 */
export async function sendAll(url: string, bySender: readonly Hex[][]): Promise<{ tps: number; latenciesMs: number[] }> {
  let id = 0;
  const latenciesMs: number[] = [];
  const started = performance.now();
  await Promise.all(
    bySender.map(async (transactions) => {
      for (const raw of transactions) {
        const sent = performance.now();
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: id++, method: "eth_sendRawTransaction", params: [raw] }),
        });
        const body = (await response.json()) as { error?: { message: string } };
        if (body.error !== undefined) throw new Error(`${url} refused a transaction: ${body.error.message}`);
        latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const total = bySender.reduce((count, list) => count + list.length, 0);
  return { tps: total / seconds, latenciesMs };
}

/** The p-th percentile (0–100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
