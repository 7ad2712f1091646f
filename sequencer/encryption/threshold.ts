import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { invert, mod } from "@noble/curves/abstract/modular";
import { secp256k1 } from "@noble/curves/secp256k1";
import { bytesToBigInt, bytesToHex, concat, type Hex, hexToBytes, keccak256 } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import { addPoints, isCompressedPoint, multiplyPoint } from "../secp256k1.ts";

/*
 * Threshold ECIES on secp256k1, for the encrypted mempool.
 *
 * A dealer splits the committee's secret key sk = f(0) into Shamir shares
 * sk_i = f(i) of a random polynomial f of degree t-1; PK = sk·G. A user
 * picks r, sends R = r·G and encrypts under a key derived from S = r·PK.
 * Only after the sequencer has fixed the order of the ciphertexts do t
 * members release D_i = sk_i·R; Lagrange interpolation at 0 "in the
 * exponent" gives Σ λ_i·D_i = f(0)·R = S without anyone learning sk.
 *
 * The sequencer publishes S with each ciphertext after the slot, so anyone
 * can check that the ciphertext decrypts to the transaction that ran.
 *
 * On the sequencer's own path (`committeeDecryptor`) the members taking part
 * are fixed in advance, the first t, so each releases its share already
 * weighted by its Lagrange coefficient for that set, λ_i·D_i = (λ_i·sk_i)·R,
 * and combining is one point addition: one multiplication per member per
 * ciphertext instead of two. `decryptionShare`/`combineShares` are the
 * general form, for any subset of members.
 *
 * Curve arithmetic is libsecp256k1's and AES-GCM and HKDF are OpenSSL's
 * (node:crypto): every slot decrypts all its ciphertexts between committing
 * to their order and running them, so this is on every slot's critical path.
 *
 * Limits, deliberately accepted for a devnet:
 * - a trusted dealer (createCommittee) knows every share; no DKG;
 * - no proofs that shares are valid (no Chaum–Pedersen DLEQ), so a bad share
 *   surfaces only as a GCM tag mismatch, without naming the culprit;
 * - the committee is derived from a seed so that the devnet is reproducible,
 *   which means whoever knows the seed can decrypt everything.
 */

const VERSION = 0x01;
const POINT_BYTES = 33;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + POINT_BYTES + NONCE_BYTES;
const INFO = "xrollup threshold v1";
/** HKDF's salt where none is given (RFC 5869 then uses zeros). */
const EMPTY = new Uint8Array(0);
const Point = secp256k1.Point;
const ORDER = Point.Fn.ORDER;
/** secp256k1's generator, compressed: keys and ephemeral points are computed with libsecp256k1, so a devnet's start does not wait for the pure-JS curve's tables. */
const GENERATOR = Point.BASE.toBytes(true);

/** One member of a threshold committee: its Shamir share and the public counterpart. */
export interface CommitteeMember {
  /** The member's x-coordinate on the sharing polynomial, 1..size. */
  index: number;
  /** sk_i = f(index) mod n. */
  secretShare: bigint;
  /** sk_i·G, 33-byte compressed. */
  publicShare: Hex;
}

/** A threshold committee: any `threshold` of its `size` members can decrypt. */
export interface Committee {
  threshold: number;
  size: number;
  /** sk·G, 33-byte compressed: what users encrypt to. */
  publicKey: Hex;
  members: CommitteeMember[];
}

/** Thrown when committee parameters or a committee public key are unusable. */
export class InvalidCommitteeError extends XrollupError {
  override name = "InvalidCommitteeError";
  constructor({ reason }: { reason: string }) {
    super(`Invalid threshold committee: ${reason}.`, { code: JSON_RPC_ERROR_CODES.invalidParams });
  }
}

/** Thrown when `encryptTransaction` gets a public key or randomness it cannot use. */
export class InvalidEncryptionInputError extends XrollupError {
  override name = "InvalidEncryptionInputError";
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Cannot encrypt the transaction: ${reason}.`, { cause, code: JSON_RPC_ERROR_CODES.invalidParams });
  }
}

/** Thrown when a ciphertext does not follow the layout version ‖ R ‖ nonce ‖ GCM ciphertext+tag. */
export class MalformedCiphertextError extends XrollupError {
  override name = "MalformedCiphertextError";
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Malformed threshold ciphertext: ${reason}.`, {
      cause,
      details: [`Expected 0x${VERSION.toString(16).padStart(2, "0")} ‖ R (33 bytes, compressed) ‖ nonce (12) ‖ AES-GCM ciphertext and 16-byte tag.`],
      code: JSON_RPC_ERROR_CODES.invalidParams,
    });
  }
}

/** Thrown when a decryption share, its index, or a shared secret is malformed. */
export class MalformedShareError extends XrollupError {
  override name = "MalformedShareError";
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Malformed decryption share: ${reason}.`, { cause, code: JSON_RPC_ERROR_CODES.invalidParams });
  }
}

/** Thrown when fewer shares than the threshold (counting distinct indices) are given. */
export class NotEnoughSharesError extends XrollupError {
  override name = "NotEnoughSharesError";
  constructor({ threshold, got }: { threshold: number; got: number }) {
    super(`Not enough decryption shares: ${got} given, the committee threshold is ${threshold}.`, {
      details: ["Ask more committee members for their shares of this ciphertext."],
      code: JSON_RPC_ERROR_CODES.invalidParams,
      data: { threshold, got },
    });
  }
}

/** Thrown when AES-GCM rejects a ciphertext: a wrong shared secret (bad shares) or a tampered ciphertext. */
export class DecryptionFailedError extends XrollupError {
  override name = "DecryptionFailedError";
  constructor({ cause }: { cause?: unknown } = {}) {
    super("Decryption failed: the GCM tag does not match, so the shared secret is wrong or the ciphertext was tampered with.", {
      details: ["Check that the shares come from the members whose indices they carry, and that the ciphertext is unmodified."],
      cause,
      code: JSON_RPC_ERROR_CODES.transactionRejected,
    });
  }
}

/**
 * Trusted-dealer key generation, deterministic from `seed` so the devnet's
 * committee is reproducible. Returns the committee with every member's share.
 *
 * @example
 * ```ts
 * const committee = createCommittee({ threshold: 2, size: 3, seed: keccak256(toHex("devnet")) });
 * ```
 */
export function createCommittee({ threshold, size, seed }: { threshold: number; size: number; seed: Hex }): Committee {
  if (!Number.isInteger(size) || size < 1 || size > 255) throw new InvalidCommitteeError({ reason: `size must be an integer from 1 to 255, got ${size}` });
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > size) {
    throw new InvalidCommitteeError({ reason: `threshold must be an integer from 1 to the size (${size}), got ${threshold}` });
  }
  const ikm = hexToBytes(seed);
  const coefficients = Array.from({ length: threshold }, (_, j) => scalarFrom(ikm, `coefficient ${j}`));
  // Horner's rule for f(x) = a_0 + a_1·x + … + a_{t-1}·x^{t-1} mod n.
  const evaluate = (x: bigint): bigint => coefficients.reduceRight((acc, a) => mod(acc * x + a, ORDER), 0n);
  const members = Array.from({ length: size }, (_, i): CommitteeMember => {
    const secretShare = evaluate(BigInt(i + 1));
    return { index: i + 1, secretShare, publicShare: bytesToHex(multiplyPoint(GENERATOR, secretShare)) };
  });
  return { threshold, size, publicKey: bytesToHex(multiplyPoint(GENERATOR, coefficients[0]!)), members };
}

/**
 * Encrypts `plaintext` to the committee key. Returns version ‖ R ‖ nonce ‖
 * GCM ciphertext+tag. With `randomness` (32 bytes) the result is
 * deterministic; without, r and the nonce come from a secure RNG.
 */
export function encryptTransaction(publicKey: Hex, plaintext: Hex, randomness?: Hex): Hex {
  const key = parsePoint(publicKey, (reason, cause) => new InvalidEncryptionInputError({ reason: `the committee public key ${reason}`, cause }));
  const seed = randomness === undefined ? randomBytes(32) : hexToBytes(randomness);
  if (seed.length !== 32) throw new InvalidEncryptionInputError({ reason: `randomness must be 32 bytes, got ${seed.length}` });
  const r = scalarFrom(seed, "ephemeral scalar");
  const nonce = hkdfSha256(seed, EMPTY, `${INFO} nonce`, NONCE_BYTES);
  const R = multiplyPoint(GENERATOR, r);
  const cipher = createCipheriv("aes-256-gcm", symmetricKey(multiplyPoint(key, r), R), nonce, { authTagLength: TAG_BYTES });
  const sealed = [cipher.update(hexToBytes(plaintext)), cipher.final(), cipher.getAuthTag()];
  return bytesToHex(concat([Uint8Array.of(VERSION), R, nonce, ...sealed]));
}

/** A member's decryption share D_i = sk_i·R, 33-byte compressed. */
export function decryptionShare(member: CommitteeMember, ciphertext: Hex): Hex {
  return bytesToHex(multiplyPoint(parseCiphertext(ciphertext).R, member.secretShare));
}

/**
 * Combines shares from distinct members by Lagrange interpolation at 0 in
 * the exponent: S = Σ λ_i·D_i. All given shares are used (with honest shares
 * any number ≥ threshold gives the same S). Returns S, 33-byte compressed.
 */
export function combineShares(ciphertext: Hex, shares: readonly { index: number; share: Hex }[], threshold: number): Hex {
  parseCiphertext(ciphertext);
  if (!Number.isInteger(threshold) || threshold < 1) throw new InvalidCommitteeError({ reason: `threshold must be a positive integer, got ${threshold}` });
  const indices = shares.map(({ index }) => index);
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 1 || index > 255) throw new MalformedShareError({ reason: `index must be an integer from 1 to 255, got ${index}` });
  }
  if (new Set(indices).size !== indices.length) throw new MalformedShareError({ reason: `each member may give one share, got indices ${indices.join(", ")}` });
  if (shares.length < threshold) throw new NotEnoughSharesError({ threshold, got: shares.length });
  const xs = indices.map(BigInt);
  const lambdas = lagrangeAtZero(xs);
  const terms = shares.map(({ share, index }, i) => {
    const D = parsePoint(share, (reason, cause) => new MalformedShareError({ reason: `the share of member ${index} ${reason}`, cause }));
    return multiplyPoint(D, lambdas[i]!);
  });
  try {
    return bytesToHex(addPoints(terms));
  } catch (cause) {
    // Only inconsistent shares can cancel out; honest ones give r·PK, never the identity.
    throw new MalformedShareError({ reason: "the shares combine to the point at infinity, so at least one is wrong", cause });
  }
}

/** Decrypts with the combined secret S (as published after the slot). Returns the plaintext. */
export function decryptWithSecret(ciphertext: Hex, sharedSecret: Hex): Hex {
  const parsed = parseCiphertext(ciphertext);
  const S = parsePoint(sharedSecret, (reason, cause) => new MalformedShareError({ reason: `the shared secret ${reason}`, cause }));
  return open(parsed, S);
}

/**
 * What the committee's decryption of one committed ciphertext gives: the
 * secret S to publish (`undefined` for a ciphertext too malformed to have
 * one), and the plaintext or, as a value, why there is none.
 */
export type CommitteeDecryption =
  | { sharedSecret: Hex; plaintext: Hex }
  | { sharedSecret: Hex | undefined; failure: MalformedCiphertextError | MalformedShareError | DecryptionFailedError };

/**
 * The sequencer's path, set up once per committee: the first `threshold`
 * members each release their share weighted by its Lagrange coefficient
 * (see the top of this file), the shares are added, and S decrypts. Returns
 * a function of one ciphertext that gives a bad ciphertext's failure as a
 * value rather than throwing it.
 */
export function committeeDecryptor(committee: Committee): (ciphertext: Hex) => CommitteeDecryption {
  const shares = weightedShares(committee);
  return (ciphertext) => {
    let parsed: ParsedCiphertext;
    try {
      parsed = parseCiphertext(ciphertext);
    } catch (failure) {
      if (failure instanceof MalformedCiphertextError) return { sharedSecret: undefined, failure };
      throw failure;
    }
    return decryptWith(parsed, weightedSecret(parsed.R, shares));
  };
}

/**
 * The sequencer's path for one ciphertext (see {@link committeeDecryptor}).
 * Returns the plaintext and the secret S to publish.
 *
 * @throws {MalformedCiphertextError} when the ciphertext is malformed.
 * @throws {DecryptionFailedError} when it does not decrypt.
 */
export function thresholdDecrypt(committee: Committee, ciphertext: Hex): { plaintext: Hex; sharedSecret: Hex } {
  const decryption = committeeDecryptor(committee)(ciphertext);
  if ("failure" in decryption) throw decryption.failure;
  return decryption;
}

/** λ_i·sk_i for the first `threshold` members: their shares weighted for that set (see the top of this file). */
function weightedShares({ threshold, members }: Committee): bigint[] {
  if (!Number.isInteger(threshold) || threshold < 1 || members.length < threshold) {
    throw new InvalidCommitteeError({ reason: `a threshold of ${threshold} needs at least that many members, got ${members.length}` });
  }
  const taking = members.slice(0, threshold);
  const lambdas = lagrangeAtZero(taking.map(({ index }) => BigInt(index)));
  return taking.map(({ secretShare }, i) => mod(lambdas[i]! * secretShare, ORDER));
}

/** S = Σ (λ_i·sk_i)·R, compressed; `null` if the sum is the point at infinity, which shares of one committee never give. */
function weightedSecret(R: Uint8Array, shares: readonly bigint[]): Uint8Array | null {
  const terms = shares.map((weighted) => multiplyPoint(R, weighted));
  try {
    return addPoints(terms);
  } catch {
    return null;
  }
}

/** The decryption of a parsed ciphertext with the committee's secret S, `null` if the shares summed to the point at infinity. */
function decryptWith(parsed: ParsedCiphertext, S: Uint8Array | null): CommitteeDecryption {
  if (S === null) {
    return { sharedSecret: undefined, failure: new MalformedShareError({ reason: "the shares combine to the point at infinity, so at least one is wrong" }) };
  }
  const sharedSecret = bytesToHex(S);
  try {
    return { sharedSecret, plaintext: open(parsed, S) };
  } catch (failure) {
    if (failure instanceof DecryptionFailedError) return { sharedSecret, failure };
    throw failure;
  }
}

/** keccak256 of the ciphertext: its id in the mempool and in the order commitment. */
export function ciphertextId(ciphertext: Hex): Hex {
  return keccak256(ciphertext);
}

/** A slot's order commitment: keccak256 of the ciphertext ids concatenated in order (of empty bytes for none). */
export function orderCommitment(ciphertexts: readonly Hex[]): Hex {
  return orderCommitmentOfIds(ciphertexts.map(ciphertextId));
}

/** {@link orderCommitment} from the ciphertext ids, for a caller that already has them. */
export function orderCommitmentOfIds(ids: readonly Hex[]): Hex {
  return keccak256(concat(ids));
}

/** A ciphertext split into its parts; R is a point on the curve. */
interface ParsedCiphertext {
  R: Uint8Array;
  nonce: Uint8Array;
  /** The GCM ciphertext followed by its tag. */
  sealed: Uint8Array;
}

/** Splits and checks a ciphertext; R is validated as a point on the curve. */
function parseCiphertext(ciphertext: Hex): ParsedCiphertext {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(ciphertext)) throw new MalformedCiphertextError({ reason: "expected 0x-prefixed hex bytes" });
  // Node's hex decoder, once the pattern has been checked: viem's is a loop in JavaScript.
  const bytes = Buffer.from(ciphertext.slice(2), "hex");
  if (bytes.length < HEADER_BYTES + TAG_BYTES) {
    throw new MalformedCiphertextError({ reason: `${bytes.length} bytes is shorter than the minimum ${HEADER_BYTES + TAG_BYTES}` });
  }
  if (bytes[0] !== VERSION) throw new MalformedCiphertextError({ reason: `unknown version byte 0x${bytes[0]!.toString(16).padStart(2, "0")}` });
  const R = bytes.subarray(1, 1 + POINT_BYTES);
  if (!isCompressedPoint(R)) throw new MalformedCiphertextError({ reason: "R is not a compressed point on secp256k1" });
  return { R, nonce: bytes.subarray(1 + POINT_BYTES, HEADER_BYTES), sealed: bytes.subarray(HEADER_BYTES) };
}

/** AES-GCM decryption under the key derived from S. Returns the plaintext; throws `DecryptionFailedError` if the tag does not match. */
function open({ R, nonce, sealed }: ParsedCiphertext, S: Uint8Array): Hex {
  try {
    const decipher = createDecipheriv("aes-256-gcm", symmetricKey(S, R), nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return `0x${Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString("hex")}`;
  } catch (error) {
    throw new DecryptionFailedError({ cause: error });
  }
}

/** The Lagrange coefficients at 0 for the distinct x-coordinates `xs`: λ_i = Π_{j≠i} x_j / (x_j − x_i) mod n. */
function lagrangeAtZero(xs: readonly bigint[]): bigint[] {
  return xs.map((xi, i) => xs.reduce((acc, xj, j) => (j === i ? acc : mod(acc * xj * invert(mod(xj - xi, ORDER), ORDER), ORDER)), 1n));
}

/** Decodes a 33-byte compressed point, throwing `fail(reason)` if it is not one. */
function parsePoint(hex: Hex, fail: (reason: string, cause?: unknown) => XrollupError): Uint8Array {
  if (!/^0x[0-9a-fA-F]*$/.test(hex) || hex.length !== 2 + 2 * POINT_BYTES) throw fail("is not 33 bytes of hex");
  const bytes = hexToBytes(hex);
  if (!isCompressedPoint(bytes)) throw fail("is not a compressed point on secp256k1");
  return bytes;
}

/** Hashes `ikm` to a nonzero scalar; 48 bytes before reduction keep the bias below 2^-128. */
function scalarFrom(ikm: Uint8Array, label: string): bigint {
  for (let counter = 0; ; counter++) {
    const scalar = mod(bytesToBigInt(hkdfSha256(ikm, EMPTY, `${INFO} ${label} ${counter}`, 48)), ORDER);
    if (scalar !== 0n) return scalar;
  }
}

/** key = HKDF-SHA256(ikm = S compressed, salt = R compressed, info = "xrollup threshold v1"). */
function symmetricKey(S: Uint8Array, R: Uint8Array): Uint8Array {
  return hkdfSha256(S, R, INFO, 32);
}

/** HKDF-SHA256 (RFC 5869); an empty salt is the RFC's default of zeros. */
function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: string, length: number): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", ikm, salt, info, length));
}
