import { type Address, type Hex, type TransactionSerializableEIP1559 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_ACCOUNT_BALANCE, DEV_ACCOUNT_COUNT, DEV_MNEMONIC, type DevAccount, devAccounts } from "../rollups/accounts.ts";
import { hardhatRuntime } from "../rollups/chain.ts";
import { signTransaction } from "../sequencer/secp256k1.ts";

/** The call every transaction of a workload makes. */
export interface WorkloadCall {
  to: Address;
  data?: Hex;
  value?: bigint;
  gas: bigint;
}

/**
 * Pre-signed transactions for one chain: `perSender` from each of the first
 * `senders` development accounts, nonces from `firstNonce`. Signed before
 * the clock starts, so only sending and executing is measured.
 */
export async function signCalls(
  chainId: number,
  senders: readonly DevAccount[],
  perSender: number,
  call: WorkloadCall,
  firstNonce = 0,
): Promise<Hex[][]> {
  return Promise.all(
    senders.map(async ({ privateKey }) => {
      const account = privateKeyToAccount(privateKey);
      const signed: Hex[] = [];
      for (let nonce = firstNonce; nonce < firstNonce + perSender; nonce++) {
        signed.push(
          await account.signTransaction({
            chainId,
            nonce,
            ...call,
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

/** Where every benchmark transfer goes. */
const TRANSFER_RECIPIENT: Address = "0x000000000000000000000000000000000000beef";

/** Pre-signed value transfers to a fixed recipient (see {@link signCalls}). */
export function signTransfers(chainId: number, senders: number, perSender: number): Promise<Hex[][]> {
  return signCalls(chainId, devAccounts().slice(0, senders), perSender, { to: TRANSFER_RECIPIENT, value: 1n, gas: 21_000n });
}


/**
 * Signs value transfers to the same recipient as {@link signTransfers} on
 * demand, nonces counted from 0 per sender (the index of a development
 * account), with libsecp256k1: tens of µs each, so a load of any length
 * signs as it goes instead of holding every transaction in memory.
 */
export function transferSigner(chainId: number): (sender: number) => Hex {
  const accounts = devAccounts();
  const nonces = accounts.map(() => 0);
  return (sender) => {
    const { privateKey } = accounts[sender]!;
    const transaction: TransactionSerializableEIP1559 = {
      type: "eip1559",
      chainId,
      nonce: nonces[sender]!++,
      to: TRANSFER_RECIPIENT,
      value: 1n,
      gas: 21_000n,
      maxFeePerGas: 10_000_000_000n,
      maxPriorityFeePerGas: 1n,
    };
    return signTransaction(transaction, privateKey);
  };
}

/** One sender's share of a workload: its signed transactions, in nonce order, and where to send them. */
export interface SenderWorkload {
  url: string;
  transactions: readonly Hex[];
}

/**
 * Sends every sender's transactions over HTTP, one in flight per sender (so
 * as many in flight as senders), and returns transactions per second and the
 * latency of each call, submission to answer.
 */
export async function sendAll(workloads: readonly SenderWorkload[]): Promise<{ tps: number; latenciesMs: number[] }> {
  let id = 0;
  const latenciesMs: number[] = [];
  const started = performance.now();
  await Promise.all(
    workloads.map(async ({ url, transactions }) => {
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
  const total = workloads.reduce((count, { transactions }) => count + transactions.length, 0);
  return { tps: total / seconds, latenciesMs };
}

/** The p-th percentile (0–100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * The baseline of every comparison: `hardhat node`'s JSON-RPC server over an
 * automining EDR chain (OP chain type, as our rollups), with the same
 * development accounts, on a free port.
 */
export async function startHardhatNode(chainId: number): Promise<{ url: string; close: () => Promise<void> }> {
  const hre = await hardhatRuntime();
  const server = await hre.network.createServer(
    {
      network: "xrollupL1",
      chainType: "op",
      override: { chainId, accounts: { mnemonic: DEV_MNEMONIC, count: DEV_ACCOUNT_COUNT, accountsBalance: DEV_ACCOUNT_BALANCE } },
    },
    "127.0.0.1",
    0,
  );
  const { address, port } = await server.listen();
  return { url: `http://${address}:${port}`, close: () => server.close() };
}
