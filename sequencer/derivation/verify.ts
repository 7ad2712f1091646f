import {
  type Address,
  BaseError,
  createPublicClient,
  custom,
  decodeFunctionData,
  decodeFunctionResult,
  type EIP1193Provider,
  encodeFunctionData,
  type Hex,
  http,
  isAddressEqual,
} from "viem";
import { MESSENGER_ADDRESS } from "../../contracts/addresses.ts";
import { artifact, sharedInboxArtifact } from "../../contracts/artifacts.ts";
import { XrollupError } from "../../errors/base.ts";
import { batchHash } from "../batch/builder.ts";
import { decodeRawTransaction } from "../intake.ts";
import type { EngineBlock, GenesisEngineFactory, OwnedRollupEngine } from "../ports.ts";
import {
  batchNumberOf,
  type BatchReplay,
  checkEncryptedOrder,
  type L1BatchData,
  MAX_BLOCK_TIMESTAMP,
  planBatch,
  type PostedBatchData,
  type ReplayBlock,
  timestampProblem,
} from "./plan.ts";

/** Where derivation found the chain rebuilt from L1 to differ from what L1 commits. */
export interface DerivationMismatch {
  /** Batch number; 0 for the genesis registered at deployment. */
  batch: number;
  /** The rollup concerned; 0 when it is the batch as a whole. */
  chainId: number;
  /** The block concerned; 0 when it is the batch or the rollup as a whole. */
  blockNumber: number;
  /**
   * What differs. Besides the committed values (`blockHash`, `stateRoot`,
   * the message hashes) and the replay itself (`transactions`,
   * `encryptedOrder`), a batch that cannot be replayed at all: `payload`
   * (unreadable arguments, data that does not decode or disagrees with the
   * commitments), `blockRange` (blocks other than the ones committed) and
   * `timestamp` (a block before its predecessor or past any sane date).
   */
  field:
    | "blockHash"
    | "stateRoot"
    | "transactions"
    | "sentMessages"
    | "relayedMessages"
    | "encryptedOrder"
    | "payload"
    | "blockRange"
    | "timestamp";
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
  /** Starts a fresh engine at a rollup's genesis, one per rollup, to replay the batches on. */
  startEngine: GenesisEngineFactory;
}

/** Thrown when L1 does not hold what a `SharedInbox` always holds, so there is nothing to verify against. */
export class InboxUnreadableError extends XrollupError {
  override name = "InboxUnreadableError";
  constructor({ inbox, reason, cause }: { inbox: Address; reason: string; cause?: unknown }) {
    super(`Cannot read the inbox at ${inbox}: ${reason}.`, {
      details: ["Check that --l1 is the devnet's L1 and --inbox its SharedInbox."],
      cause,
    });
  }
}

/**
 * Re-derives every rollup from L1 alone: reads the rollups' genesis and all
 * batches from the inbox, rebuilds each rollup on a fresh engine, and checks
 * every committed block hash and state root. Stops at the first mismatch.
 *
 * Batches are hostile input: whatever one holds (bytes that are no
 * transaction, data that does not decode, absurd timestamps or block
 * ranges, arguments posted through a contract), it comes back as the
 * mismatch, and nothing out of bounds reaches the engine.
 *
 * @example
 * ```ts
 * const result = await verifyFromL1({ l1: "http://127.0.0.1:8545", inbox, startEngine: startGenesisEngine });
 * if (!result.ok) console.log(result.mismatch);
 * ```
 */
export async function verifyFromL1({ l1, inbox, startEngine }: VerifyFromL1Parameters): Promise<VerifyResult> {
  const { genesisTimestamp, sequencer, rollups, batches } = await readInbox(l1, inbox);
  const chainIds = rollups.map(({ chainId }) => chainId);
  const badGenesisTime = timestampProblem(0, genesisTimestamp);
  if (badGenesisTime !== undefined) {
    const mismatch: DerivationMismatch = { batch: 0, chainId: 0, blockNumber: 0, field: "timestamp", expected: `a genesis timestamp up to ${MAX_BLOCK_TIMESTAMP}`, actual: String(genesisTimestamp) };
    return { ok: false, batches: 0, transactions: 0, blocks: 0, mismatch };
  }
  const engines = await startEngines(startEngine, chainIds.map((chainId) => ({ chainId, genesisTimestamp, sequencer, chainIds })));
  try {
    const heads: EngineBlock[] = [];
    for (const [index, engine] of engines.entries()) {
      const genesis = (await engine.block(0))!;
      const registered = rollups[index]!;
      for (const field of ["blockHash", "stateRoot"] as const) {
        const actual = field === "blockHash" ? genesis.hash : genesis.stateRoot;
        if (actual !== registered[field]) {
          return { ok: false, batches: 0, transactions: 0, blocks: 0, mismatch: { batch: 0, chainId: registered.chainId, blockNumber: 0, field, expected: registered[field], actual } };
        }
      }
      heads.push(genesis);
    }
    return await replay(engines, heads, batches, chainIds);
  } finally {
    await Promise.allSettled(engines.map((engine) => engine.close()));
  }
}

/** Starts one engine per rollup; if any fails to start, closes the others and rethrows. */
async function startEngines(startEngine: GenesisEngineFactory, specs: Parameters<GenesisEngineFactory>[0][]): Promise<OwnedRollupEngine[]> {
  const started = await Promise.allSettled(specs.map((spec) => startEngine(spec)));
  const engines = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result) => result.status === "rejected");
  if (failed !== undefined) {
    await Promise.allSettled(engines.map((engine) => engine.close()));
    throw failed.reason;
  }
  return engines;
}

/** Replays the batches in order; `heads` holds each engine's latest block and moves on with it. */
async function replay(
  engines: readonly OwnedRollupEngine[],
  heads: EngineBlock[],
  batches: readonly L1BatchData[],
  chainIds: readonly number[],
): Promise<VerifyResult> {
  const totals = { batches: 0, transactions: 0, blocks: 0 };
  for (const posted of batches) {
    const plan = planBatch(posted);
    if (!plan.ok) {
      return { ok: false, ...totals, mismatch: { batch: Number(batchNumberOf(posted)), ...plan.problem } };
    }
    const batch = plan.replay;
    if (batch.rollups.length !== engines.length) {
      const mismatch: DerivationMismatch = { batch: batch.number, chainId: 0, blockNumber: 0, field: "payload", expected: `${engines.length} rollups`, actual: `${batch.rollups.length} rollups` };
      return { ok: false, ...totals, mismatch };
    }
    const misordered = checkEncryptedOrder(batch);
    if (misordered !== undefined) {
      const mismatch: DerivationMismatch = { batch: batch.number, chainId: 0, blockNumber: 0, field: "encryptedOrder", expected: "execution in committed order", actual: misordered };
      return { ok: false, ...totals, mismatch };
    }
    const mismatches = await Promise.all(
      batch.rollups.map(async (rollup, index) => {
        const engine = engines[index]!;
        const result = await replayRollup(engine, heads[index]!, batch, rollup, chainIds);
        if (result.kind === "mismatch") return result.mismatch;
        heads[index] = result.head;
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

type RollupReplay = { kind: "matched"; head: EngineBlock } | { kind: "mismatch"; mismatch: DerivationMismatch };

/** Replays one rollup's part of a batch on its engine and checks what the batch commits to. */
async function replayRollup(
  engine: OwnedRollupEngine,
  previous: EngineBlock,
  batch: BatchReplay,
  { commitment, blocks }: BatchReplay["rollups"][number],
  chainIds: readonly number[],
): Promise<RollupReplay> {
  const fail = (blockNumber: number, field: DerivationMismatch["field"], expected: string | number | bigint, actual: string | number | bigint): RollupReplay => ({
    kind: "mismatch",
    mismatch: { batch: batch.number, chainId: engine.chainId, blockNumber, field, expected: oneLine(expected), actual: oneLine(actual) },
  });
  if (commitment.chainId !== BigInt(engine.chainId)) {
    return fail(0, "payload", `rollup ${engine.chainId}`, `rollup ${commitment.chainId}`);
  }
  if (commitment.fromBlock !== BigInt(previous.number + 1)) {
    return fail(previous.number + 1, "blockRange", `blocks from ${previous.number + 1}`, `blocks from ${commitment.fromBlock}`);
  }
  let head = previous;
  for (const block of blocks) {
    // Everything is checked before the engine sees it: a hostile batch must not be able to crash or wedge it.
    const refusal = checkBlock(head, block);
    if (refusal !== undefined) return fail(head.number + 1, refusal.field, refusal.expected, refusal.actual);
    const mined = await engine.mineBlock(block.transactions, block.timestamp);
    const refused = mined.outcomes.find((outcome) => outcome.kind === "refused");
    if (refused !== undefined) {
      return fail(block.number, "transactions", "every transaction accepted", `${refused.hash} refused: ${refused.reason}`);
    }
    if (mined.block.transactionHashes.length !== block.transactions.length) {
      return fail(block.number, "transactions", block.transactions.length, mined.block.transactionHashes.length);
    }
    head = mined.block;
  }
  // The plan checked toBlock = fromBlock + blocks - 1, so the committed block is the head now.
  if (head.hash !== commitment.blockHash) return fail(head.number, "blockHash", commitment.blockHash, head.hash);
  if (head.stateRoot !== commitment.stateRoot) return fail(head.number, "stateRoot", commitment.stateRoot, head.stateRoot);
  const hashes = await messageHashes(engine, chainIds, head.number);
  for (const field of ["sentMessages", "relayedMessages"] as const) {
    const actual = hashes.kind === "read" ? (field === "sentMessages" ? hashes.sent : hashes.relayed).join(",") : hashes.reason;
    if (actual !== commitment[field].join()) return fail(head.number, field, commitment[field].join(","), actual);
  }
  return { kind: "matched", head };
}

/** Why `block` may not be mined after `head`, or `undefined`: the bounds every block must be within. */
function checkBlock(head: EngineBlock, block: ReplayBlock): Pick<DerivationMismatch, "field" | "expected" | "actual"> | undefined {
  if (block.number !== head.number + 1) {
    return { field: "blockRange", expected: `block ${head.number + 1}`, actual: `block ${block.number}` };
  }
  const late = timestampProblem(head.timestamp, block.timestamp);
  if (late !== undefined) {
    // As a bigint: a number past 2^53 prints rounded, and the payload holds it exactly.
    const exact = Number.isInteger(block.timestamp) ? BigInt(block.timestamp) : block.timestamp;
    return { field: "timestamp", expected: `from ${head.timestamp} to ${MAX_BLOCK_TIMESTAMP}`, actual: `${exact}, ${late}` };
  }
  for (const raw of block.transactions) {
    try {
      decodeRawTransaction(raw);
    } catch (error) {
      const reason = error instanceof XrollupError ? error.shortMessage : String(error);
      return { field: "transactions", expected: "signed transactions", actual: `${abbreviate(raw)}: ${reason}` };
    }
  }
  return undefined;
}

/** The messenger's rolling message hashes on a rebuilt engine after block `number`. */
async function messageHashes(engine: OwnedRollupEngine, chainIds: readonly number[], number: number) {
  const { abi } = artifact("L2ToL2CrossDomainMessenger");
  const data = encodeFunctionData({ abi, functionName: "messageHashes", args: [chainIds.map(BigInt)] });
  const result = await engine.call({ to: MESSENGER_ADDRESS, data }, number);
  if (result.kind === "reverted") return { kind: "unread", reason: `messageHashes reverted: ${result.message}` } as const;
  const [sent, relayed] = decodeFunctionResult({ abi, functionName: "messageHashes", data: result.data });
  return { kind: "read", sent, relayed } as const;
}

/** A value as one line: reasons from the engine may span several. */
function oneLine(value: string | number | bigint): string {
  return String(value).replace(/\s*\n\s*/g, " ");
}

/** The start of a long hex value, enough to recognise it. */
function abbreviate(raw: Hex): string {
  return raw.length <= 34 ? raw : `${raw.slice(0, 34)}…`;
}

/**
 * Everything derivation needs, read from the L1 inbox alone. Batches are
 * found by their `BatchSubmitted` events; a batch whose transaction is not a
 * direct `submitBatch` call on the inbox comes back unreadable, not thrown.
 *
 * @throws {InboxUnreadableError} when the inbox does not register its rollups as a `SharedInbox` does.
 */
export async function readInbox(l1: string | EIP1193Provider, inbox: Address) {
  const { abi } = sharedInboxArtifact();
  const client = createPublicClient({ transport: typeof l1 === "string" ? http(l1) : custom(l1) });
  const contract = { address: inbox, abi } as const;
  const [genesisTimestamp, chainIds, sequencer] = await Promise.all([
    client.readContract({ ...contract, functionName: "genesisTimestamp" }),
    client.readContract({ ...contract, functionName: "rollupChainIds" }),
    client.readContract({ ...contract, functionName: "sequencer" }),
  ]).catch((cause: unknown) => {
    // viem's message spans many lines (URL, request body, call arguments); its first line says what failed.
    const reason = cause instanceof BaseError ? cause.shortMessage : cause instanceof Error ? cause.message : String(cause);
    throw new InboxUnreadableError({ inbox, reason: `L1 did not answer as a SharedInbox does (${reason.replace(/\.$/, "")})`, cause });
  });
  const head = await client.getBlockNumber();
  const registered = await inChunks(head, (fromBlock, toBlock) =>
    client.getContractEvents({ ...contract, eventName: "RollupRegistered", fromBlock, toBlock }),
  );
  const rollups = chainIds.map((chainId) => {
    const event = registered.find((log) => log.args.chainId === chainId);
    if (event?.args.genesisBlockHash === undefined || event.args.genesisStateRoot === undefined) {
      throw new InboxUnreadableError({ inbox, reason: `rollup ${chainId} has no RollupRegistered event` });
    }
    return { chainId: Number(chainId), blockHash: event.args.genesisBlockHash, stateRoot: event.args.genesisStateRoot };
  });
  const submitted = await inChunks(head, (fromBlock, toBlock) =>
    client.getContractEvents({ ...contract, eventName: "BatchSubmitted", fromBlock, toBlock }),
  );
  const batches = await Promise.all(
    submitted.map(async (log): Promise<L1BatchData> => {
      const number = log.args.number ?? 0n;
      const unreadable = (reason: string): L1BatchData => ({ number, l1TxHash: log.transactionHash, unreadable: `L1 transaction ${log.transactionHash} ${reason}` });
      const transaction = await client.getTransaction({ hash: log.transactionHash });
      if (transaction.to === null || !isAddressEqual(transaction.to, inbox)) return unreadable(`calls ${transaction.to ?? "no address"}, not the inbox`);
      let call: ReturnType<typeof decodeFunctionData<typeof abi>>;
      try {
        call = decodeFunctionData({ abi, data: transaction.input });
      } catch {
        return unreadable("is not a submitBatch call");
      }
      if (call.functionName !== "submitBatch") return unreadable(`calls ${call.functionName}, not submitBatch`);
      const [header, commitments, data] = call.args;
      const posted: PostedBatchData = { header, commitments, data, l1TxHash: log.transactionHash };
      // A direct call is what the inbox ran; the hash the inbox logged says so, whatever the L1 node answers.
      if (header.number !== number || batchHash(header, commitments, data) !== log.args.batchHash) {
        return unreadable("carries arguments other than the batch the inbox logged");
      }
      return posted;
    }),
  );
  return { genesisTimestamp: Number(genesisTimestamp), sequencer, rollups, batches };
}

/**
 * Blocks per `eth_getLogs` query: L1 endpoints, the devnet's own included,
 * refuse ranges much larger than this (as geth and hosted providers do).
 */
const LOG_QUERY_BLOCKS = 10_000n;

/** Runs a log query over blocks 0..head in ranges an endpoint accepts, and joins the results in order. */
async function inChunks<T>(head: bigint, query: (fromBlock: bigint, toBlock: bigint) => Promise<T[]>): Promise<T[]> {
  const results: T[] = [];
  for (let fromBlock = 0n; fromBlock <= head; fromBlock += LOG_QUERY_BLOCKS) {
    const toBlock = fromBlock + LOG_QUERY_BLOCKS - 1n < head ? fromBlock + LOG_QUERY_BLOCKS - 1n : head;
    results.push(...(await query(fromBlock, toBlock)));
  }
  return results;
}
