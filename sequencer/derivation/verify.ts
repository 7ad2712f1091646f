import {
  type Address,
  createPublicClient,
  custom,
  decodeFunctionData,
  decodeFunctionResult,
  type EIP1193Provider,
  encodeFunctionData,
  type Hex,
  http,
} from "viem";
import { artifact, sharedInboxArtifact } from "../../contracts/artifacts.ts";
import { type Chain, createChain } from "../../rollups/chain.ts";
import { installPredeploys, MESSENGER_ADDRESS } from "../../rollups/predeploys.ts";
import { type BatchReplay, checkEncryptedOrder, planReplay, type PostedBatchData } from "./plan.ts";

/** Where derivation found the chain rebuilt from L1 to differ from what L1 commits. */
export interface DerivationMismatch {
  /** Batch number; 0 for the genesis registered at deployment. */
  batch: number;
  chainId: number;
  blockNumber: number;
  field: "blockHash" | "stateRoot" | "transactions" | "sentMessages" | "relayedMessages" | "encryptedOrder";
  expected: string;
  actual: string;
}

/** The result of {@link verifyFromL1}. */
export interface VerifyResult {
  ok: boolean;
  /** Batches read and replayed. */
  batches: number;
  /** Transactions replayed. */
  transactions: number;
  /** Blocks rebuilt, over all rollups. */
  blocks: number;
  /** The first mismatch; absent when `ok`. */
  mismatch?: DerivationMismatch;
}

/** Parameters of {@link verifyFromL1}. */
export interface VerifyFromL1Parameters {
  /** L1 as an HTTP URL or an EIP-1193 provider. */
  l1: string | EIP1193Provider;
  /** The `SharedInbox` address. */
  inbox: Address;
}

interface RpcBlock {
  hash: Hex;
  stateRoot: Hex;
  transactions: Hex[];
}

/**
 * Re-derives every rollup from L1 alone: reads the rollups' genesis and all
 * batches from the inbox, rebuilds each rollup on a fresh chain, and checks
 * every committed block hash and state root. Stops at the first mismatch.
 *
 * @example
 * ```ts
 * const result = await verifyFromL1({ l1: "http://127.0.0.1:8545", inbox });
 * if (!result.ok) console.log(result.mismatch);
 * ```
 */
export async function verifyFromL1({ l1, inbox }: VerifyFromL1Parameters): Promise<VerifyResult> {
  const { genesisTimestamp, sequencer, rollups, batches } = await readInbox(l1, inbox);
  const plan = planReplay(batches);
  const chains = await Promise.all(
    rollups.map(({ chainId }) => createChain({ name: `replay-${chainId}`, chainId, kind: "rollup", genesisTimestamp })),
  );
  const chainIds = rollups.map(({ chainId }) => chainId);
  await Promise.all(chains.map((chain) => installPredeploys(chain, { sequencer, chainIds })));
  try {
    for (const [index, chain] of chains.entries()) {
      const genesis = await block(chain, 0);
      const registered = rollups[index]!;
      for (const field of ["blockHash", "stateRoot"] as const) {
        const actual = field === "blockHash" ? genesis.hash : genesis.stateRoot;
        if (actual !== registered[field]) {
          return { ok: false, batches: 0, transactions: 0, blocks: 0, mismatch: { batch: 0, chainId: registered.chainId, blockNumber: 0, field, expected: registered[field], actual } };
        }
      }
    }
    return await replay(chains, plan, chainIds);
  } finally {
    await Promise.allSettled(chains.map((chain) => chain.close()));
  }
}

async function replay(chains: readonly Chain[], plan: readonly BatchReplay[], chainIds: readonly number[]): Promise<VerifyResult> {
  const totals = { batches: 0, transactions: 0, blocks: 0 };
  for (const batch of plan) {
    const misordered = checkEncryptedOrder(batch);
    if (misordered !== undefined) {
      const mismatch: DerivationMismatch = { batch: batch.number, chainId: 0, blockNumber: 0, field: "encryptedOrder", expected: "execution in committed order", actual: misordered };
      return { ok: false, ...totals, mismatch };
    }
    const mismatches = await Promise.all(
      batch.rollups.map(async ({ commitment, blocks }, index) => {
        const chain = chains[index]!;
        for (const replayBlock of blocks) {
          for (const raw of replayBlock.transactions) {
            try {
              await chain.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
            } catch (error) {
              const reason = error instanceof Error ? error.message : String(error);
              return mismatch(batch, chain, replayBlock.number, "transactions", "every transaction accepted", `${raw.slice(0, 18)}… refused: ${reason}`);
            }
          }
          await chain.provider.request({ method: "evm_mine", params: [replayBlock.timestamp] });
          const rebuilt = await block(chain, replayBlock.number);
          if (rebuilt.transactions.length !== replayBlock.transactions.length) {
            return mismatch(batch, chain, replayBlock.number, "transactions", replayBlock.transactions.length, rebuilt.transactions.length);
          }
        }
        const head = await block(chain, Number(commitment.toBlock));
        if (head.hash !== commitment.blockHash) {
          return mismatch(batch, chain, Number(commitment.toBlock), "blockHash", commitment.blockHash, head.hash);
        }
        if (head.stateRoot !== commitment.stateRoot) {
          return mismatch(batch, chain, Number(commitment.toBlock), "stateRoot", commitment.stateRoot, head.stateRoot);
        }
        const hashes = await messageHashes(chain, chainIds, Number(commitment.toBlock));
        for (const field of ["sentMessages", "relayedMessages"] as const) {
          const actual = field === "sentMessages" ? hashes.sent : hashes.relayed;
          if (actual.join() !== commitment[field].join()) {
            return mismatch(batch, chain, Number(commitment.toBlock), field, commitment[field].join(","), actual.join(","));
          }
        }
        return undefined;
      }),
    );
    const first = mismatches.find((found) => found !== undefined);
    if (first !== undefined) return { ok: false, ...totals, mismatch: first };
    totals.batches += 1;
    for (const { blocks } of batch.rollups) {
      totals.blocks += blocks.length;
      for (const replayBlock of blocks) totals.transactions += replayBlock.transactions.length;
    }
  }
  return { ok: true, ...totals };
}

function mismatch(
  batch: BatchReplay,
  chain: Chain,
  blockNumber: number,
  field: DerivationMismatch["field"],
  expected: string | number,
  actual: string | number,
): DerivationMismatch {
  return { batch: batch.number, chainId: chain.spec.chainId, blockNumber, field, expected: String(expected), actual: String(actual) };
}

/** The messenger's rolling message hashes on a rebuilt chain after block `number`. */
async function messageHashes(chain: Chain, chainIds: readonly number[], number: number) {
  const { abi } = artifact("L2ToL2CrossDomainMessenger");
  const data = encodeFunctionData({ abi, functionName: "messageHashes", args: [chainIds.map(BigInt)] });
  const result = (await chain.provider.request({
    method: "eth_call",
    params: [{ to: MESSENGER_ADDRESS, data }, `0x${number.toString(16)}`],
  })) as Hex;
  const [sent, relayed] = decodeFunctionResult({ abi, functionName: "messageHashes", data: result });
  return { sent, relayed };
}

async function block(chain: Chain, number: number): Promise<RpcBlock> {
  return (await chain.provider.request({
    method: "eth_getBlockByNumber",
    params: [`0x${number.toString(16)}`, false],
  })) as RpcBlock;
}

/** Everything derivation needs, read from the L1 inbox alone. */
export async function readInbox(l1: string | EIP1193Provider, inbox: Address) {
  const { abi } = sharedInboxArtifact();
  const client = createPublicClient({ transport: typeof l1 === "string" ? http(l1) : custom(l1) });
  const contract = { address: inbox, abi } as const;
  const [genesisTimestamp, chainIds, sequencer] = await Promise.all([
    client.readContract({ ...contract, functionName: "genesisTimestamp" }),
    client.readContract({ ...contract, functionName: "rollupChainIds" }),
    client.readContract({ ...contract, functionName: "sequencer" }),
  ]);
  const registered = await client.getContractEvents({ ...contract, eventName: "RollupRegistered", fromBlock: 0n });
  const rollups = chainIds.map((chainId) => {
    const event = registered.find((log) => log.args.chainId === chainId);
    if (event?.args.genesisBlockHash === undefined || event.args.genesisStateRoot === undefined) {
      throw new Error(`The inbox registered rollup ${chainId} without a RollupRegistered event`);
    }
    return { chainId: Number(chainId), blockHash: event.args.genesisBlockHash, stateRoot: event.args.genesisStateRoot };
  });
  const submitted = await client.getContractEvents({ ...contract, eventName: "BatchSubmitted", fromBlock: 0n });
  const batches = await Promise.all(
    submitted.map(async (log): Promise<PostedBatchData> => {
      const transaction = await client.getTransaction({ hash: log.transactionHash });
      const call = decodeFunctionData({ abi, data: transaction.input });
      if (call.functionName !== "submitBatch") throw new Error(`L1 transaction ${log.transactionHash} is not a submitBatch call`);
      const [header, commitments, data] = call.args;
      return { header, commitments, data, l1TxHash: log.transactionHash };
    }),
  );
  return { genesisTimestamp: Number(genesisTimestamp), sequencer, rollups, batches };
}
