import { deflateRawSync, inflateRawSync } from "node:zlib";
import { bytesToHex, type Hex, hexToBigInt, hexToBytes, numberToHex } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import type { StateOperation } from "../cheats.ts";

/** One rollup block as the batch carries it: enough to rebuild it exactly. */
export interface PayloadBlock {
  slot: number;
  /** Unix timestamp (seconds). */
  timestamp: number;
  /**
   * Signed transactions in block order. A transaction from an impersonated
   * account carries EDR's impersonation signature (r = s = its sender, see
   * `impersonatedTransaction` in `intake.ts`): its unsigned fields and its
   * sender, in the form the chain holds it.
   */
  transactions: Hex[];
  /** State operations (cheats) applied before the transactions; absent when none. */
  operations?: StateOperation[];
}

/** One rollup's blocks in a batch; block numbers run on from `fromBlock`. */
export interface PayloadRollup {
  chainId: number;
  fromBlock: number;
  blocks: PayloadBlock[];
}

/**
 * One slot's encrypted mempool: the committed order of its ciphertexts and,
 * revealed after the slot, the secret that decrypts each.
 */
export interface PayloadEncryptedSlot {
  slot: number;
  /** `orderCommitment` of the ciphertexts, fixed before any was decrypted. */
  commitment: Hex;
  entries: { ciphertext: Hex; sharedSecret: Hex }[];
}

/**
 * The transaction data of a batch: every rollup's blocks, the global order
 * that interleaves their transactions (so that each transaction's global
 * sequence number follows from L1 alone), and the encrypted mempool's
 * committed orders.
 */
export interface BatchPayload {
  rollups: PayloadRollup[];
  /** For each transaction in global order, the index of its rollup in `rollups`. */
  globalOrder: number[];
  encrypted: PayloadEncryptedSlot[];
}

/** Thrown when batch data read back from L1 is not a valid payload. */
export class BatchDecodeError extends XrollupError {
  override name = "BatchDecodeError";
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Cannot decode batch payload: ${reason}.`, { cause, code: JSON_RPC_ERROR_CODES.invalidInput });
  }
}

/** The layout without state operations: every batch of a devnet whose rollups saw no state cheat. */
const PAYLOAD_VERSION = 1;

/** The layout with each block's state operations. */
const PAYLOAD_VERSION_WITH_OPERATIONS = 2;

/** A state operation's kind byte in the payload. */
const OPERATION_KINDS = { setBalance: 1, setCode: 2, setStorageAt: 3 } as const satisfies Record<StateOperation["kind"], number>;

/** Bytes of an address, and of a storage word or a balance. */
const ADDRESS_BYTES = 20;
const WORD_BYTES = 32;

/**
 * Most bytes a payload may inflate to. Anyone can post calldata that
 * DEFLATE expands about a thousandfold; past this, decoding stops instead of
 * exhausting memory. Far above what one L1 transaction's calldata carries
 * uncompressed.
 */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** A combined decryption secret: a compressed secp256k1 point. */
const SHARED_SECRET_BYTES = 33;

/**
 * Encodes a batch payload as posted to L1: {@link serializeBatchPayload},
 * then raw DEFLATE (signed transactions of one rollup share much: addresses,
 * chain id, fee fields). Deterministic: equal payloads give equal bytes.
 */
export function encodeBatchPayload(payload: BatchPayload): Hex {
  return bytesToHex(deflateRawSync(serializeBatchPayload(payload), { level: 9 }));
}

/**
 * The uncompressed binary form of a batch payload.
 *
 * Layout (big-endian): u8 version · u16 rollups · per rollup: u64 chainId,
 * u64 fromBlock, u32 blocks · per block: u64 slot, u64 timestamp,
 * [version 2: u32 operations · per operation: u8 kind, 20-byte address,
 * then for setBalance (1) the 32-byte value, for setCode (2) u32 length and
 * the code, for setStorageAt (3) the 32-byte slot and the 32-byte value] ·
 * u32 transactions · per transaction: u32 length, bytes · u32 n · n × u16
 * rollup index (the global order) · u32 encrypted slots · per slot: u64 slot,
 * 32-byte commitment, u32 entries · per entry: u32 length, ciphertext,
 * 33-byte shared secret.
 *
 * Version 1 has no operations, and is written whenever no block has any, so
 * a devnet without state cheats posts the same bytes as before them. State
 * operations are not transactions: they take no global sequence number and
 * count in no commitment's `txCount`.
 */
export function serializeBatchPayload(payload: BatchPayload): Uint8Array {
  const writer = new ByteWriter();
  const withOperations = payload.rollups.some((rollup) => rollup.blocks.some((block) => (block.operations?.length ?? 0) > 0));
  writer.u8(withOperations ? PAYLOAD_VERSION_WITH_OPERATIONS : PAYLOAD_VERSION);
  writer.u16(payload.rollups.length);
  for (const rollup of payload.rollups) {
    writer.u64(rollup.chainId);
    writer.u64(rollup.fromBlock);
    writer.u32(rollup.blocks.length);
    for (const block of rollup.blocks) {
      writer.u64(block.slot);
      writer.u64(block.timestamp);
      if (withOperations) writeOperations(writer, block.operations ?? []);
      writer.u32(block.transactions.length);
      for (const transaction of block.transactions) {
        const bytes = hexToBytes(transaction);
        writer.u32(bytes.length);
        writer.bytes(bytes);
      }
    }
  }
  writer.u32(payload.globalOrder.length);
  for (const index of payload.globalOrder) writer.u16(index);
  writer.u32(payload.encrypted.length);
  for (const section of payload.encrypted) {
    writer.u64(section.slot);
    writer.bytes(hexToBytes(section.commitment, { size: 32 }));
    writer.u32(section.entries.length);
    for (const { ciphertext, sharedSecret } of section.entries) {
      const bytes = hexToBytes(ciphertext);
      writer.u32(bytes.length);
      writer.bytes(bytes);
      writer.bytes(hexToBytes(sharedSecret, { size: SHARED_SECRET_BYTES }));
    }
  }
  return writer.finish();
}

function writeOperations(writer: ByteWriter, operations: readonly StateOperation[]): void {
  writer.u32(operations.length);
  for (const operation of operations) {
    writer.u8(OPERATION_KINDS[operation.kind]);
    writer.bytes(hexToBytes(operation.address, { size: ADDRESS_BYTES }));
    switch (operation.kind) {
      case "setBalance":
        writer.bytes(hexToBytes(numberToHex(operation.value, { size: WORD_BYTES })));
        break;
      case "setCode": {
        const code = hexToBytes(operation.code);
        writer.u32(code.length);
        writer.bytes(code);
        break;
      }
      case "setStorageAt":
        writer.bytes(hexToBytes(operation.slot, { size: WORD_BYTES }));
        writer.bytes(hexToBytes(operation.value, { size: WORD_BYTES }));
        break;
    }
  }
}

/** Reads what {@link writeOperations} wrote; an unknown kind is a decode error. */
function readOperations(reader: ByteReader): StateOperation[] {
  const operations: StateOperation[] = [];
  for (let n = reader.u32(); n > 0; n--) {
    const at = reader.offset;
    const kind = reader.u8();
    const address = bytesToHex(reader.bytes(ADDRESS_BYTES));
    if (kind === OPERATION_KINDS.setBalance) {
      operations.push({ kind: "setBalance", address, value: hexToBigInt(bytesToHex(reader.bytes(WORD_BYTES))) });
    } else if (kind === OPERATION_KINDS.setCode) {
      operations.push({ kind: "setCode", address, code: bytesToHex(reader.bytes(reader.u32())) });
    } else if (kind === OPERATION_KINDS.setStorageAt) {
      const slot = bytesToHex(reader.bytes(WORD_BYTES));
      operations.push({ kind: "setStorageAt", address, slot, value: bytesToHex(reader.bytes(WORD_BYTES)) });
    } else {
      throw new BatchDecodeError({ reason: `unknown state operation kind ${kind} at byte ${at}` });
    }
  }
  return operations;
}

/**
 * Decodes what {@link encodeBatchPayload} wrote. The data comes from L1,
 * so anything may be there: whatever it is, this either returns a payload
 * or throws {@link BatchDecodeError}, in time and memory bounded by
 * {@link MAX_PAYLOAD_BYTES}. Every number comes back exactly as written.
 *
 * @throws {BatchDecodeError} for data that is not a payload of a known version.
 */
export function decodeBatchPayload(data: Hex): BatchPayload {
  let bytes: Uint8Array;
  try {
    bytes = inflateRawSync(hexToBytes(data), { maxOutputLength: MAX_PAYLOAD_BYTES });
  } catch (cause) {
    const tooLarge = cause instanceof Error && (cause as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
    throw new BatchDecodeError({
      reason: tooLarge ? `the data inflates past ${MAX_PAYLOAD_BYTES} bytes` : "the data is not DEFLATE-compressed",
      cause,
    });
  }
  const reader = new ByteReader(bytes);
  const version = reader.u8();
  if (version !== PAYLOAD_VERSION && version !== PAYLOAD_VERSION_WITH_OPERATIONS) {
    throw new BatchDecodeError({ reason: `unknown payload version ${version}` });
  }
  const rollups: PayloadRollup[] = [];
  for (let r = reader.u16(); r > 0; r--) {
    const chainId = reader.u64();
    const fromBlock = reader.u64();
    const blocks: PayloadBlock[] = [];
    for (let b = reader.u32(); b > 0; b--) {
      const slot = reader.u64();
      const timestamp = reader.u64();
      const operations = version === PAYLOAD_VERSION_WITH_OPERATIONS ? readOperations(reader) : [];
      const transactions: Hex[] = [];
      for (let t = reader.u32(); t > 0; t--) transactions.push(bytesToHex(reader.bytes(reader.u32())));
      blocks.push({ slot, timestamp, transactions, ...(operations.length === 0 ? {} : { operations }) });
    }
    rollups.push({ chainId, fromBlock, blocks });
  }
  const globalOrder: number[] = [];
  for (let n = reader.u32(); n > 0; n--) globalOrder.push(reader.u16());
  const encrypted: PayloadEncryptedSlot[] = [];
  for (let n = reader.u32(); n > 0; n--) {
    const slot = reader.u64();
    const commitment = bytesToHex(reader.bytes(32));
    const entries: PayloadEncryptedSlot["entries"] = [];
    for (let e = reader.u32(); e > 0; e--) {
      const ciphertext = bytesToHex(reader.bytes(reader.u32()));
      entries.push({ ciphertext, sharedSecret: bytesToHex(reader.bytes(SHARED_SECRET_BYTES)) });
    }
    encrypted.push({ slot, commitment, entries });
  }
  reader.expectEnd();
  return { rollups, globalOrder, encrypted };
}

class ByteWriter {
  #buffer = new Uint8Array(1024);
  #view = new DataView(this.#buffer.buffer);
  #length = 0;

  u8(value: number): void {
    this.#reserve(1).setUint8(this.#length - 1, value);
  }
  u16(value: number): void {
    this.#reserve(2).setUint16(this.#length - 2, value);
  }
  u32(value: number): void {
    this.#reserve(4).setUint32(this.#length - 4, value);
  }
  u64(value: number): void {
    this.#reserve(8).setBigUint64(this.#length - 8, BigInt(value));
  }
  bytes(value: Uint8Array): void {
    this.#reserve(value.length);
    this.#buffer.set(value, this.#length - value.length);
  }
  finish(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }
  #reserve(size: number): DataView {
    if (this.#length + size > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + size));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length += size;
    return this.#view;
  }
}

class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(): number {
    return this.#view.getUint8(this.#advance(1));
  }
  u16(): number {
    return this.#view.getUint16(this.#advance(2));
  }
  u32(): number {
    return this.#view.getUint32(this.#advance(4));
  }
  u64(): number {
    const start = this.#advance(8);
    const value = this.#view.getBigUint64(start);
    // A number holds every u64 the encoder writes; one it cannot hold exactly would compare equal to another.
    if (BigInt(Number(value)) !== value) {
      throw new BatchDecodeError({ reason: `the u64 at byte ${start} (${value}) has no exact JavaScript number` });
    }
    return Number(value);
  }
  bytes(length: number): Uint8Array {
    const start = this.#advance(length);
    return this.#bytes.subarray(start, start + length);
  }
  /** Where the next read starts, for error messages. */
  get offset(): number {
    return this.#offset;
  }
  expectEnd(): void {
    if (this.#offset !== this.#bytes.length) {
      throw new BatchDecodeError({ reason: `${this.#bytes.length - this.#offset} unexpected bytes after the payload` });
    }
  }
  #advance(size: number): number {
    const start = this.#offset;
    if (start + size > this.#bytes.length) {
      throw new BatchDecodeError({ reason: `truncated at byte ${start} (needed ${size} more)` });
    }
    this.#offset += size;
    return start;
  }
}
