import { encodeAbiParameters, getAbiItem, type Hex, keccak256 } from "viem";
import { sharedInboxArtifact } from "../../contracts/artifacts.ts";
import type { AddedRollup, SlotResult } from "../types.ts";
import { type BatchPayload, encodeBatchPayload } from "./codec.ts";

/** A rollup's committed head, as the L1 inbox holds it. */
export interface RollupHead {
  blockNumber: number;
  blockHash: Hex;
  stateRoot: Hex;
}

/** What the L1 inbox holds after a batch: the state the next batch builds on. */
export interface InboxState {
  /** Number of the last batch (0 before the first). */
  batchNumber: number;
  /** Hash of the last batch (zero before the first). */
  batchHash: Hex;
  nextGlobalSeq: number;
  /** The first forced transaction (L1's forced-inclusion queue) no batch has processed; 0 when left out. */
  nextForced?: number;
  /** Heads of the rollups, in registration order. */
  heads: { chainId: number; head: RollupHead }[];
}

/** A batch header, as `SharedInbox.submitBatch` takes it. */
export interface BatchHeader {
  number: bigint;
  prevHash: Hex;
  globalSeqStart: bigint;
  globalSeqEnd: bigint;
  /** The view whose leader proposed the batch (`view` is a Solidity keyword). */
  viewNumber: bigint;
  /** How far into L1's forced-inclusion queue the batch has processed (exclusive, cumulative). */
  forcedEnd: bigint;
}

/** One rollup's commitment, as `SharedInbox.submitBatch` takes it. */
export interface RollupCommitment {
  chainId: bigint;
  fromBlock: bigint;
  toBlock: bigint;
  txCount: number;
  blockHash: Hex;
  stateRoot: Hex;
  /** The messenger's rolling hash of messages sent to each rollup (registration order), after `toBlock`. */
  sentMessages: readonly Hex[];
  /** The messenger's rolling hash of messages relayed from each rollup, after `toBlock`. */
  relayedMessages: readonly Hex[];
}

/** A rollup a batch registers, as `SharedInbox.submitBatchRegistering` takes it. */
export interface RollupRegistration {
  chainId: bigint;
  genesisTimestamp: bigint;
  genesisBlockHash: Hex;
  genesisStateRoot: Hex;
}

/** A batch ready to post: the call's arguments, its payload and its hash. */
export interface Batch {
  header: BatchHeader;
  /** One per rollup: those the inbox had, then those the batch registers. */
  commitments: RollupCommitment[];
  /**
   * The rollups the batch registers (the slots that added them are in it),
   * in the order they were added: posted with `submitBatchRegistering`.
   * Absent when it registers none.
   */
  registrations?: RollupRegistration[];
  payload: BatchPayload;
  /** The compressed payload, posted as calldata. */
  data: Hex;
  /** The hash the inbox computes and the next batch chains to. */
  hash: Hex;
  /** The slots it covers. */
  slots: { first: number; last: number };
}

/**
 * Builds the next batch from the slots produced since the last one, as
 * proposed in view `viewNumber`. Pure: the same slots on the same inbox
 * state in the same view give the same batch.
 */
export function buildBatch(slots: readonly SlotResult[], previous: InboxState, viewNumber = 0): Batch {
  if (slots.length === 0) throw new Error("A batch needs at least one slot");
  const messageHashes = slots.at(-1)!.messageHashes;
  const added = slots.flatMap((slot) => (slot.addsRollup === undefined ? [] : [slot.addsRollup]));
  const heads = [...previous.heads, ...added.map(genesisHeadOf)];
  const rollups = heads.map(({ chainId, head }, index) => {
    const blocks = slots.flatMap((slot) =>
      slot.blocks.filter((block) => block.chainId === chainId).map((block) => ({ ...block, slot: slot.slot })),
    );
    const last = blocks.at(-1);
    const commitment: RollupCommitment = {
      chainId: BigInt(chainId),
      fromBlock: BigInt(head.blockNumber + 1),
      toBlock: BigInt(last?.number ?? head.blockNumber),
      txCount: blocks.reduce((count, block) => count + block.transactions.length, 0),
      blockHash: last?.hash ?? head.blockHash,
      stateRoot: last?.stateRoot ?? head.stateRoot,
      sentMessages: messageHashes[index]!.sent,
      relayedMessages: messageHashes[index]!.relayed,
    };
    const payload = {
      chainId,
      fromBlock: head.blockNumber + 1,
      blocks: blocks.map(({ slot, timestamp, transactions, operations }) => ({ slot, timestamp, transactions, ...(operations === undefined ? {} : { operations }) })),
    };
    return { commitment, payload };
  });
  const indexOfChain = new Map(heads.map(({ chainId }, index) => [chainId, index]));
  const included = slots.flatMap((slot) => slot.included);
  const payload: BatchPayload = {
    rollups: rollups.map((rollup) => rollup.payload),
    globalOrder: included.map(({ transaction }) => indexOfChain.get(transaction.chainId)!),
    encrypted: slots.flatMap(({ slot, encrypted }) => (encrypted === undefined ? [] : [{ slot, ...encrypted }])),
  };
  const header: BatchHeader = {
    number: BigInt(previous.batchNumber + 1),
    prevHash: previous.batchHash,
    globalSeqStart: BigInt(previous.nextGlobalSeq),
    globalSeqEnd: BigInt(previous.nextGlobalSeq + included.length),
    viewNumber: BigInt(viewNumber),
    forcedEnd: BigInt(slots.findLast((slot) => slot.forcedEnd !== undefined)?.forcedEnd ?? previous.nextForced ?? 0),
  };
  const commitments = rollups.map((rollup) => rollup.commitment);
  const data = encodeBatchPayload(payload);
  const registrations = added.length === 0 ? undefined : added.map(registrationOf);
  return {
    header,
    commitments,
    ...(registrations === undefined ? {} : { registrations }),
    payload,
    data,
    hash: batchHash(header, commitments, data, registrations),
    slots: { first: slots[0]!.slot, last: slots.at(-1)!.slot },
  };
}

/** An added rollup's head before any batch: its block 0. */
function genesisHeadOf({ chainId, genesisBlockHash, genesisStateRoot }: AddedRollup): InboxState["heads"][number] {
  return { chainId, head: { blockNumber: 0, blockHash: genesisBlockHash, stateRoot: genesisStateRoot } };
}

/** An added rollup as the inbox registers it. */
function registrationOf({ chainId, genesisTimestamp, genesisBlockHash, genesisStateRoot }: AddedRollup): RollupRegistration {
  return { chainId: BigInt(chainId), genesisTimestamp: BigInt(genesisTimestamp), genesisBlockHash, genesisStateRoot };
}

/** The inbox state after `batch` is accepted. */
export function applyBatch(previous: InboxState, batch: Batch): InboxState {
  return {
    batchNumber: Number(batch.header.number),
    batchHash: batch.hash,
    nextGlobalSeq: Number(batch.header.globalSeqEnd),
    nextForced: Number(batch.header.forcedEnd),
    heads: batch.commitments.map((commitment) => ({
      chainId: Number(commitment.chainId),
      head: { blockNumber: Number(commitment.toBlock), blockHash: commitment.blockHash, stateRoot: commitment.stateRoot },
    })),
  };
}

/**
 * The batch hash, computed exactly as `SharedInbox.submitBatch` does:
 * `keccak256(abi.encode(header, commitments, keccak256(data)))`; for a
 * batch that registers rollups, as `submitBatchRegistering` does, with the
 * registrations encoded last.
 */
export function batchHash(
  header: BatchHeader,
  commitments: readonly RollupCommitment[],
  data: Hex,
  registrations: readonly RollupRegistration[] = [],
): Hex {
  const [headerParameter, commitmentsParameter, , , registrationsParameter] = getAbiItem({
    abi: sharedInboxArtifact().abi,
    name: "submitBatchRegistering",
  }).inputs;
  const parameters = [headerParameter, commitmentsParameter, { type: "bytes32" }] as const;
  if (registrations.length === 0) return keccak256(encodeAbiParameters(parameters, [header, commitments, keccak256(data)]));
  return keccak256(encodeAbiParameters([...parameters, registrationsParameter], [header, commitments, keccak256(data), registrations]));
}
