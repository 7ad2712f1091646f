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
  keccak256,
} from "viem";
import { MESSENGER_ADDRESS } from "../../contracts/addresses.ts";
import { artifact, sharedInboxArtifact } from "../../contracts/artifacts.ts";
import { XrollupError } from "../../errors/base.ts";
import { type BatchHeader, batchHash, type RollupRegistration } from "../batch/builder.ts";
import { type ForcedBlock, type ForcedEntry, mineForcedBlock } from "../forced.ts";
import { decodeBlockTransaction } from "../intake.ts";
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
  /**
   * Batch number; 0 for the genesis registered at deployment, and the last
   * batch's for forced transactions derived after it.
   */
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
   * commitments, state operations the chain cannot apply), `blockRange` (blocks other than the ones committed) and
   * `timestamp` (a block before its predecessor or past any sane date); and
   * `forced`: a batch whose forced transactions (see `sequencer/forced.ts`)
   * are not the first block of their rollup, or whose header's `forcedEnd`
   * goes back or past the end of L1's forced-inclusion queue.
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
    | "timestamp"
    | "forced";
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
  /** What became of the forced transactions derived. */
  forced: ForcedSummary;
  /** The first mismatch; absent when `ok`. */
  mismatch?: DerivationMismatch;
}

/**
 * The forced transactions (L1's forced-inclusion queue) derivation ran:
 * those in the queue ranges the batches processed, and those
 * `forceInclusion` took after the last batch.
 */
export interface ForcedSummary {
  /** Forced transactions run, counting `pendingInclusion`; `included + dropped`. */
  processed: number;
  /** Of those, the ones in a block. */
  included: number;
  /** Of those, the ones left out (`forced-invalid`, `forced-message`). */
  dropped: number;
  /**
   * Of `processed`, the ones `forceInclusion` took after the last batch:
   * derived at the time of the L1 block that took them, with no committed
   * root to compare with until a batch commits them.
   */
  pendingInclusion: number;
}

/** A `forceInclusion` call on L1: it marked the queue entries up to `toIndex` (exclusive) processed. */
export interface L1ForcedInclusion {
  toIndex: number;
  /** Timestamp (Unix seconds) of the L1 block it ran in. */
  timestamp: number;
}

/** What verification counts as it goes. */
type Totals = Omit<VerifyResult, "ok" | "mismatch">;

/** Totals before anything is replayed. */
function noTotals(): Totals {
  return { batches: 0, transactions: 0, blocks: 0, forced: { processed: 0, included: 0, dropped: 0, pendingInclusion: 0 } };
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
 * Re-derives every rollup from L1 alone: reads the rollups' genesis, all
 * batches and the forced-inclusion queue from the inbox, rebuilds each
 * rollup on a fresh engine, and checks every committed block hash and state
 * root. Stops at the first mismatch.
 *
 * Forced transactions follow the rule of `sequencer/forced.ts`: those a
 * batch processed run first, as the first block of their rollup in the
 * batch; those `forceInclusion` took after the last batch run last, one
 * block per rollup at the time of the L1 block that took them, and are
 * counted in `forced.pendingInclusion` (no root commits them yet).
 *
 * Batches are hostile input: whatever one holds (bytes that are no
 * transaction, data that does not decode, absurd timestamps or block
 * ranges, arguments posted through a contract), it comes back as the
 * mismatch, and nothing out of bounds reaches the engine. So is the forced
 * queue, which holds whatever bytes anyone queued.
 *
 * @example
 * ```ts
 * const result = await verifyFromL1({ l1: "http://127.0.0.1:8545", inbox, startEngine: startGenesisEngine });
 * if (!result.ok) console.log(result.mismatch);
 * ```
 */
export async function verifyFromL1({ l1, inbox, startEngine }: VerifyFromL1Parameters): Promise<VerifyResult> {
  const { genesisTimestamp, committee, rollups, batches, registrations, forcedQueue, forcedInclusions } = await readInbox(l1, inbox);
  const chainIds = rollups.map(({ chainId }) => chainId);
  const badGenesisTime = timestampProblem(0, genesisTimestamp);
  if (badGenesisTime !== undefined) {
    const mismatch: DerivationMismatch = { batch: 0, chainId: 0, blockNumber: 0, field: "timestamp", expected: `a genesis timestamp up to ${MAX_BLOCK_TIMESTAMP}`, actual: String(genesisTimestamp) };
    return { ok: false, ...noTotals(), mismatch };
  }
  const engines = await startEngines(startEngine, chainIds.map((chainId) => ({ chainId, genesisTimestamp, committee, chainIds })));
  try {
    const heads: EngineBlock[] = [];
    for (const [index, engine] of engines.entries()) {
      const genesis = (await engine.block(0))!;
      const mismatch = genesisMismatch(0, rollups[index]!, genesis);
      if (mismatch !== undefined) return { ok: false, ...noTotals(), mismatch };
      heads.push(genesis);
    }
    const totals = noTotals();
    const rollupsAdded = { startEngine, committee, genesisChainIds: [...chainIds], registrations, engines, heads, chainIds };
    const replayed = await replay(engines, heads, batches, chainIds, forcedQueue, totals, (batch) => startAddedRollups(rollupsAdded, batch));
    if (replayed.kind === "mismatch") return { ok: false, ...totals, mismatch: replayed.mismatch };
    const pending = forcedInclusions.filter(({ toIndex }) => toIndex > replayed.forcedEnd);
    const mismatch = await derivePendingInclusion(engines, heads, forcedQueue, pending, replayed.forcedEnd, totals);
    return mismatch === undefined ? { ok: true, ...totals } : { ok: false, ...totals, mismatch };
  } finally {
    await Promise.allSettled(engines.map((engine) => engine.close()));
  }
}

/** Where a fresh rollup's block 0 differs from the genesis L1 registered for it (in `batch`: 0 at the inbox's deployment). */
function genesisMismatch(batch: number, registered: { chainId: number; blockHash: Hex; stateRoot: Hex }, genesis: EngineBlock): DerivationMismatch | undefined {
  for (const field of ["blockHash", "stateRoot"] as const) {
    const actual = field === "blockHash" ? genesis.hash : genesis.stateRoot;
    if (actual !== registered[field]) return { batch, chainId: registered.chainId, blockNumber: 0, field, expected: registered[field], actual };
  }
  return undefined;
}

/** What derivation needs to start the rollups batches register, and the replay's state they join. */
interface RollupsAdded {
  startEngine: GenesisEngineFactory;
  committee: readonly Address[];
  /** The rollups the inbox was deployed with. */
  genesisChainIds: readonly number[];
  /** The rollups each batch that registers some registers, by batch number. */
  registrations: ReadonlyMap<number, readonly RollupRegistration[]>;
  /** The replay's engines, heads and chain ids, in registration order: a started rollup joins them. */
  engines: OwnedRollupEngine[];
  heads: EngineBlock[];
  chainIds: number[];
}

/**
 * Starts the rollups batch `batch` registers, each on a fresh engine at the
 * genesis the batch gives (its timestamp; its messenger knowing the rollups
 * registered up to it, as the devnet installed it), and has them join the
 * replay before the batch is replayed. Returns where a genesis differs from
 * the registered one, or a chain id or genesis timestamp no engine may be
 * given (the inbox takes any uint64 from the committee).
 */
async function startAddedRollups(added: RollupsAdded, batch: number): Promise<DerivationMismatch | undefined> {
  for (const { chainId: id, genesisTimestamp, genesisBlockHash, genesisStateRoot } of added.registrations.get(batch) ?? []) {
    if (id < 1n || id > BigInt(Number.MAX_SAFE_INTEGER)) {
      return { batch, chainId: 0, blockNumber: 0, field: "payload", expected: `a rollup chain id from 1 to ${Number.MAX_SAFE_INTEGER}`, actual: `rollup ${id} registered` };
    }
    const chainId = Number(id);
    const timestamp = Number(genesisTimestamp);
    const late = timestampProblem(0, timestamp);
    if (late !== undefined) {
      return { batch, chainId, blockNumber: 0, field: "timestamp", expected: `a genesis timestamp up to ${MAX_BLOCK_TIMESTAMP}`, actual: `${genesisTimestamp}, ${late}` };
    }
    const addedChainIds = [...added.chainIds.filter((known) => !added.genesisChainIds.includes(known)), chainId];
    const engine = await added.startEngine({ chainId, genesisTimestamp: timestamp, committee: added.committee, chainIds: added.genesisChainIds, addedChainIds });
    added.engines.push(engine);
    const genesis = (await engine.block(0))!;
    const mismatch = genesisMismatch(batch, { chainId, blockHash: genesisBlockHash, stateRoot: genesisStateRoot }, genesis);
    if (mismatch !== undefined) return mismatch;
    added.heads.push(genesis);
    added.chainIds.push(chainId);
  }
  return undefined;
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

/** How far the batches replayed took the forced queue, or where they went wrong. */
type Replayed = { kind: "replayed"; forcedEnd: number } | { kind: "mismatch"; mismatch: DerivationMismatch };

/**
 * Replays the batches in order, counting into `totals`; `heads` holds each
 * engine's latest block and moves on with it. Before each batch,
 * `startRegistered` has the rollups it registers join `engines`, `heads`
 * and `chainIds`.
 */
async function replay(
  engines: readonly OwnedRollupEngine[],
  heads: EngineBlock[],
  batches: readonly L1BatchData[],
  chainIds: readonly number[],
  forcedQueue: readonly ForcedEntry[],
  totals: Totals,
  startRegistered: (batch: number) => Promise<DerivationMismatch | undefined>,
): Promise<Replayed> {
  const mismatch = (found: DerivationMismatch): Replayed => ({ kind: "mismatch", mismatch: found });
  // The batch before the first processed the queue up to entry 0.
  let forcedEnd = 0;
  for (const posted of batches) {
    const registered = await startRegistered(Number(batchNumberOf(posted)));
    if (registered !== undefined) return mismatch(registered);
    const plan = planBatch(posted);
    if (!plan.ok) return mismatch({ batch: Number(batchNumberOf(posted)), ...plan.problem });
    const batch = plan.replay;
    if (batch.rollups.length !== engines.length) {
      return mismatch({ batch: batch.number, chainId: 0, blockNumber: 0, field: "payload", expected: `${engines.length} rollups`, actual: `${batch.rollups.length} rollups` });
    }
    const misordered = checkEncryptedOrder(batch);
    if (misordered !== undefined) {
      return mismatch({ batch: batch.number, chainId: 0, blockNumber: 0, field: "encryptedOrder", expected: "execution in committed order", actual: misordered });
    }
    // planBatch refuses an unreadable batch, so this one has its header.
    const range = forcedRangeOf((posted as PostedBatchData).header, forcedEnd, forcedQueue.length);
    if ("expected" in range) return mismatch({ batch: batch.number, chainId: 0, blockNumber: 0, field: "forced", ...range });
    const forced = forcedQueue.slice(range.start, range.end);
    const replays = await Promise.all(
      batch.rollups.map(async (rollup, index) => {
        const engine = engines[index]!;
        const ownForced = forced.filter((entry) => entry.chainId === engine.chainId);
        const result = await replayRollup(engine, heads[index]!, batch, rollup, chainIds, ownForced);
        if (result.kind === "matched") heads[index] = result.head;
        return result;
      }),
    );
    const first = replays.find((result) => result.kind === "mismatch");
    if (first !== undefined) return mismatch(first.mismatch);
    const misplaced = ordinaryBlockInForcedSlot(batch, engines, replays);
    if (misplaced !== undefined) return mismatch(misplaced);
    totals.batches += 1;
    for (const { blocks } of batch.rollups) {
      totals.blocks += blocks.length;
      for (const replayBlock of blocks) totals.transactions += replayBlock.transactions.length;
    }
    for (const result of replays) if (result.kind === "matched") countForced(totals, result.forced);
    forcedEnd = range.end;
  }
  return { kind: "replayed", forcedEnd };
}

/**
 * The forced-queue entries `[start, end)` a batch processed, from its
 * header's cumulative `forcedEnd` and the previous batch's; or, when the
 * header cannot be right (the inbox refuses both cases, but L1 is not
 * trusted for it), what is wrong.
 */
function forcedRangeOf(header: BatchHeader, previousEnd: number, queueLength: number): { start: number; end: number } | Pick<DerivationMismatch, "expected" | "actual"> {
  if (header.forcedEnd < BigInt(previousEnd)) {
    return { expected: `forcedEnd at least ${previousEnd}, where the previous batch left the forced queue`, actual: `forcedEnd ${header.forcedEnd}, which goes back` };
  }
  if (header.forcedEnd > BigInt(queueLength)) {
    return { expected: `forcedEnd at most ${queueLength}, the forced queue's length`, actual: `forcedEnd ${header.forcedEnd}, past the end of the queue` };
  }
  return { start: previousEnd, end: Number(header.forcedEnd) };
}

/** Adds what {@link mineForcedBlock} did on one rollup to the totals. */
function countForced(totals: Totals, { included, dropped }: Pick<ForcedBlock, "included" | "dropped">, pendingInclusion = false): void {
  const count = included.length + dropped.length;
  totals.forced.processed += count;
  totals.forced.included += included.length;
  totals.forced.dropped += dropped.length;
  if (pendingInclusion) totals.forced.pendingInclusion += count;
}

/**
 * Derives the forced transactions `forceInclusion` took after the last
 * batch (`inclusions`, in L1 order; entries from `forcedEnd` on): one block
 * per rollup and call, at the time of its L1 block (at least the rollup
 * head's), counted into `totals`. No root commits these blocks yet, so the
 * only thing that can be wrong is a timestamp no engine may be given.
 */
async function derivePendingInclusion(
  engines: readonly OwnedRollupEngine[],
  heads: EngineBlock[],
  forcedQueue: readonly ForcedEntry[],
  inclusions: readonly L1ForcedInclusion[],
  forcedEnd: number,
  totals: Totals,
): Promise<DerivationMismatch | undefined> {
  let start = forcedEnd;
  for (const { toIndex, timestamp } of inclusions) {
    const taken = forcedQueue.slice(start, Math.min(toIndex, forcedQueue.length));
    start = Math.max(start, toIndex);
    const mismatches = await Promise.all(
      engines.map(async (engine, index) => {
        const own = taken.filter((entry) => entry.chainId === engine.chainId);
        if (own.length === 0) return undefined;
        const head = heads[index]!;
        const blockTimestamp = Math.max(head.timestamp, timestamp);
        const late = timestampProblem(head.timestamp, blockTimestamp);
        if (late !== undefined) {
          const mismatch: DerivationMismatch = { batch: totals.batches, chainId: engine.chainId, blockNumber: head.number + 1, field: "timestamp", expected: `from ${head.timestamp} to ${MAX_BLOCK_TIMESTAMP}`, actual: `${blockTimestamp} (the L1 block of forceInclusion), ${late}` };
          return mismatch;
        }
        const forced = await mineForcedBlock(engine, own, blockTimestamp);
        countForced(totals, forced, true);
        if (forced.mined !== undefined) {
          heads[index] = forced.mined.block;
          totals.blocks += 1;
          totals.transactions += forced.included.length;
        }
        return undefined;
      }),
    );
    const first = mismatches.find((found) => found !== undefined);
    if (first !== undefined) return first;
  }
  return undefined;
}

type RollupReplay =
  | {
      kind: "matched";
      head: EngineBlock;
      forced: Pick<ForcedBlock, "included" | "dropped">;
      /** The slot of the rollup's block of forced transactions, when it has one. */
      forcedSlot?: number;
      /** The rollup's first ordinary block in the batch, when it has one. */
      firstOrdinary?: { number: number; slot: number };
    }
  | { kind: "mismatch"; mismatch: DerivationMismatch };

/**
 * Replays one rollup's part of a batch on its engine, its forced
 * transactions (`forced`, in queue order) first, and checks what the batch
 * commits to.
 */
async function replayRollup(
  engine: OwnedRollupEngine,
  previous: EngineBlock,
  batch: BatchReplay,
  { commitment, blocks }: BatchReplay["rollups"][number],
  chainIds: readonly number[],
  forced: readonly ForcedEntry[],
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
  let ordinary = blocks;
  let forcedBlock: Pick<ForcedBlock, "included" | "dropped"> = { included: [], dropped: [] };
  let forcedSlot: number | undefined;
  // The block whose state operations are applied already: the first, when forced transactions ran after them.
  let operationsApplied: ReplayBlock | undefined;
  if (forced.length > 0) {
    const first = blocks[0];
    // Everything is checked before the engine sees it: a hostile batch must not be able to crash or wedge it.
    const refusal = first === undefined ? undefined : checkBlock(head, first);
    if (refusal !== undefined) return fail(head.number + 1, refusal.field, refusal.expected, refusal.actual);
    // The sequencer ran the forced transactions on the state the cheats before them left.
    if (first !== undefined) {
      const unapplied = await applyOperations(engine, first);
      if (unapplied !== undefined) return fail(first.number, "payload", "state operations the chain applies", unapplied);
      operationsApplied = first;
    }
    // Without a block in the batch, the head's timestamp serves to find out whether one was due: that is a mismatch anyway.
    const { mined, included, dropped } = await mineForcedBlock(engine, forced, first?.timestamp ?? head.timestamp);
    forcedBlock = { included, dropped };
    if (mined !== undefined) {
      const expected = `block ${head.number + 1} with the forced transactions that run, and only them: ${forcedList(included.map(({ entry }) => entry))}`;
      if (first === undefined) return fail(head.number + 1, "forced", expected, "no block of the rollup in the batch");
      const raws = included.map(({ transaction }) => transaction.raw.toLowerCase());
      if (first.transactions.length !== raws.length || first.transactions.some((raw, position) => raw.toLowerCase() !== raws[position])) {
        return fail(first.number, "forced", expected, `block ${first.number} with ${transactionList(first.transactions)}`);
      }
      head = mined.block;
      ordinary = blocks.slice(1);
      forcedSlot = first.slot;
    }
  }
  for (const block of ordinary) {
    // Everything is checked before the engine sees it: a hostile batch must not be able to crash or wedge it.
    const refusal = checkBlock(head, block);
    if (refusal !== undefined) return fail(head.number + 1, refusal.field, refusal.expected, refusal.actual);
    const unapplied = block === operationsApplied ? undefined : await applyOperations(engine, block);
    if (unapplied !== undefined) return fail(block.number, "payload", "state operations the chain applies", unapplied);
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
  const firstOrdinary = ordinary[0] === undefined ? {} : { firstOrdinary: { number: ordinary[0].number, slot: ordinary[0].slot } };
  return { kind: "matched", head, forced: forcedBlock, ...(forcedSlot === undefined ? {} : { forcedSlot }), ...firstOrdinary };
}

/**
 * The slot of forced transactions holds them alone: no rollup has an
 * ordinary block in it (say, one the sequencer filled with a transaction
 * the rule leaves out). Returns the first rollup that does, as a mismatch.
 */
function ordinaryBlockInForcedSlot(batch: BatchReplay, engines: readonly OwnedRollupEngine[], replays: readonly RollupReplay[]): DerivationMismatch | undefined {
  const forcedSlot = replays.find((result) => result.kind === "matched" && result.forcedSlot !== undefined);
  if (forcedSlot?.kind !== "matched") return undefined;
  for (const [index, result] of replays.entries()) {
    const ordinary = result.kind === "matched" ? result.firstOrdinary : undefined;
    if (ordinary === undefined || ordinary.slot !== forcedSlot.forcedSlot) continue;
    return {
      batch: batch.number,
      chainId: engines[index]!.chainId,
      blockNumber: ordinary.number,
      field: "forced",
      expected: `no block in slot ${ordinary.slot} but the forced transactions that run`,
      actual: `block ${ordinary.number} in slot ${ordinary.slot}, with transactions the rule does not put there`,
    };
  }
  return undefined;
}

/** Forced-queue entries in words: their queue indexes and transaction hashes. */
function forcedList(entries: readonly ForcedEntry[]): string {
  return `queue entries ${entries.map(({ index, txHash }) => `${index} (${txHash})`).join(", ")}`;
}

/** A block's transactions in words: their count and hashes. */
function transactionList(raws: readonly Hex[]): string {
  if (raws.length === 0) return "no transaction";
  return `${raws.length} transaction${raws.length === 1 ? "" : "s"}: ${raws.map((raw) => keccak256(raw)).join(", ")}`;
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
      decodeBlockTransaction(raw);
    } catch (error) {
      const reason = error instanceof XrollupError ? error.shortMessage : String(error);
      return { field: "transactions", expected: "signed or impersonated transactions", actual: `${abbreviate(raw)}: ${reason}` };
    }
  }
  return undefined;
}

/**
 * Applies a block's state operations (cheats) to the engine before the block
 * is mined, as the sequencer had before it mined it. Returns why they could
 * not be applied, or `undefined`.
 */
async function applyOperations(engine: OwnedRollupEngine, block: ReplayBlock): Promise<string | undefined> {
  const operations = block.operations ?? [];
  if (operations.length === 0) return undefined;
  if (engine.applyOperations === undefined) return "this engine cannot apply state operations";
  try {
    await engine.applyOperations(operations);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
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
 * Everything derivation needs, read from the L1 inbox alone, as of its
 * latest block: the genesis of the rollups the inbox was deployed with
 * (`rollups`), the batches and the rollups each registers
 * (`registrations`, by batch number), the forced-inclusion queue (whatever
 * bytes its entries hold) and the `forceInclusion` calls with their L1
 * block's timestamp. Batches are found by their `BatchSubmitted` events; a
 * batch whose transaction is not a direct `submitBatch` (or
 * `submitBatchRegistering`) call on the inbox comes back unreadable, not
 * thrown.
 *
 * @throws {InboxUnreadableError} when the inbox does not register its rollups as a `SharedInbox` does.
 */
export async function readInbox(l1: string | EIP1193Provider, inbox: Address) {
  const { abi } = sharedInboxArtifact();
  const client = createPublicClient({ transport: typeof l1 === "string" ? http(l1) : custom(l1) });
  const contract = { address: inbox, abi } as const;
  const unreadable = (cause: unknown): never => {
    // viem's message spans many lines (URL, request body, call arguments); its first line says what failed.
    const reason = cause instanceof BaseError ? cause.shortMessage : cause instanceof Error ? cause.message : String(cause);
    throw new InboxUnreadableError({ inbox, reason: `L1 did not answer as a SharedInbox does (${reason.replace(/\.$/, "")})`, cause });
  };
  // Everything is read as of one L1 block, so that the queue and the batches that process it agree.
  const head = await client.getBlockNumber().catch(unreadable);
  const [genesisTimestamp, chainIds, committee, forcedQueueLength] = await Promise.all([
    client.readContract({ ...contract, functionName: "genesisTimestamp", blockNumber: head }),
    client.readContract({ ...contract, functionName: "rollupChainIds", blockNumber: head }),
    client.readContract({ ...contract, functionName: "genesisMembers", blockNumber: head }),
    client.readContract({ ...contract, functionName: "forcedQueueLength", blockNumber: head }),
  ]).catch(unreadable);
  const registered = await inChunks(head, (fromBlock, toBlock) =>
    client.getContractEvents({ ...contract, eventName: "RollupRegistered", fromBlock, toBlock }),
  );
  const submitted = await inChunks(head, (fromBlock, toBlock) =>
    client.getContractEvents({ ...contract, eventName: "BatchSubmitted", fromBlock, toBlock }),
  );
  // A rollup registered by a batch (its event is in the batch's transaction) starts at that batch, not at genesis.
  const batchTransactions = new Set(submitted.map((log) => log.transactionHash));
  const atDeployment = chainIds.filter((chainId) => registered.some((log) => log.args.chainId === chainId && !batchTransactions.has(log.transactionHash)));
  const rollups = atDeployment.map((chainId) => {
    const event = registered.find((log) => log.args.chainId === chainId);
    if (event?.args.genesisBlockHash === undefined || event.args.genesisStateRoot === undefined) {
      throw new InboxUnreadableError({ inbox, reason: `rollup ${chainId} has no RollupRegistered event` });
    }
    return { chainId: Number(chainId), blockHash: event.args.genesisBlockHash, stateRoot: event.args.genesisStateRoot };
  });
  const registrations = new Map<number, readonly RollupRegistration[]>();
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
      if (call.functionName !== "submitBatch" && call.functionName !== "submitBatchRegistering") {
        return unreadable(`calls ${call.functionName}, not submitBatch`);
      }
      const [header, commitments, data] = call.args;
      const registered = call.functionName === "submitBatchRegistering" ? call.args[4] : [];
      const posted: PostedBatchData = { header, commitments, data, l1TxHash: log.transactionHash };
      // A direct call is what the inbox ran; the hash the inbox logged says so, whatever the L1 node answers.
      if (header.number !== number || batchHash(header, commitments, data, registered) !== log.args.batchHash) {
        return unreadable("carries arguments other than the batch the inbox logged");
      }
      if (registered.length > 0) registrations.set(Number(number), registered);
      return posted;
    }),
  );
  const forcedQueue = await inGroups(Number(forcedQueueLength), async (index): Promise<ForcedEntry> => {
    const [chainId, deadline, txHash, signedTx] = await client.readContract({ ...contract, functionName: "forcedTransaction", args: [BigInt(index)], blockNumber: head });
    return { index, chainId: Number(chainId), deadline: Number(deadline), txHash, signedTx };
  });
  const inclusionLogs = await inChunks(head, (fromBlock, toBlock) =>
    client.getContractEvents({ ...contract, eventName: "ForcedInclusion", fromBlock, toBlock }),
  );
  const blockTimes = new Map<bigint, Promise<bigint>>();
  const timeOf = (blockNumber: bigint) => {
    const time = blockTimes.get(blockNumber) ?? client.getBlock({ blockNumber }).then((block) => block.timestamp);
    blockTimes.set(blockNumber, time);
    return time;
  };
  const forcedInclusions = await Promise.all(
    inclusionLogs.map(async (log): Promise<L1ForcedInclusion> => ({ toIndex: Number(log.args.toIndex ?? 0n), timestamp: Number(await timeOf(log.blockNumber)) })),
  );
  return { genesisTimestamp: Number(genesisTimestamp), committee, rollups, batches, registrations, forcedQueue, forcedInclusions };
}

/** Reads at most this many forced-queue entries at once: enough to overlap round trips, few enough for any endpoint. */
const FORCED_READS_AT_ONCE = 32;

/** Runs `read` for 0..count-1, {@link FORCED_READS_AT_ONCE} at a time, and returns the results in order. */
async function inGroups<T>(count: number, read: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += FORCED_READS_AT_ONCE) {
    const indexes = Array.from({ length: Math.min(FORCED_READS_AT_ONCE, count - start) }, (_, offset) => start + offset);
    results.push(...(await Promise.all(indexes.map(read))));
  }
  return results;
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
