import secp256k1 from "secp256k1";
import { type Address, getAddress, type Hex, hexToBytes, keccak256, serializeTransaction, toHex, type TransactionSerializable } from "viem";

/*
 * secp256k1 on the sequencer's hot paths, with libsecp256k1 (native): it
 * recovers the sender of every transaction it accepts, signs every relay, and
 * multiplies points for every threshold decryption. The pure-JS curve costs
 * about 3 ms per recovery or point multiplication and 1 ms per signature
 * here, which capped throughput; libsecp256k1 takes tens of µs.
 */

/** The order n of secp256k1's group: valid signature scalars are in [1, n − 1]. */
export const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** An ECDSA signature with its recovery bit. */
export interface RecoverableSignature {
  r: Hex;
  s: Hex;
  yParity: number;
}

/** Recovers the address that signed `hash`. */
export function recoverAddress(hash: Hex, signature: RecoverableSignature): Address {
  const compact = new Uint8Array(64);
  compact.set(hexToBytes(signature.r, { size: 32 }), 0);
  compact.set(hexToBytes(signature.s, { size: 32 }), 32);
  const publicKey = secp256k1.ecdsaRecover(compact, signature.yParity, hexToBytes(hash), false);
  return getAddress(`0x${keccak256(publicKey.subarray(1)).slice(-40)}`);
}

/** Signs `hash` deterministically (RFC 6979), with a low `s` as Ethereum requires. */
export function signHash(hash: Hex, privateKey: Hex): RecoverableSignature {
  const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(hash), hexToBytes(privateKey));
  return { r: toHex(signature.subarray(0, 32)), s: toHex(signature.subarray(32)), yParity: recid };
}

/** Signs a transaction with libsecp256k1 and serialises it, as `eth_sendRawTransaction` takes it. */
export function signTransaction(transaction: TransactionSerializable, privateKey: Hex): Hex {
  return serializeTransaction(transaction, signHash(keccak256(serializeTransaction(transaction)), privateKey));
}

/** `scalar · point` for a 33-byte compressed point, compressed. */
export function multiplyPoint(point: Uint8Array, scalar: bigint): Uint8Array {
  return secp256k1.publicKeyTweakMul(point, hexToBytes(toHex(scalar, { size: 32 })), true);
}

/** The sum of compressed points, compressed; throws if it is the point at infinity. */
export function addPoints(points: readonly Uint8Array[]): Uint8Array {
  return secp256k1.publicKeyCombine([...points], true);
}

/** Whether `bytes` is a 33-byte compressed point on the curve. */
export function isCompressedPoint(bytes: Uint8Array): boolean {
  return bytes.length === 33 && (bytes[0] === 2 || bytes[0] === 3) && secp256k1.publicKeyVerify(bytes);
}
