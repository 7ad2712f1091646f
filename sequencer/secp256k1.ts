import secp256k1 from "secp256k1";
import { type Address, getAddress, type Hex, hexToBytes, keccak256, toHex } from "viem";

/*
 * Signing and recovery with libsecp256k1 (native). The sequencer recovers
 * the sender of every transaction it accepts and signs every relay; viem's
 * pure-JS secp256k1 costs about 3 ms per recovery and 1 ms per signature
 * here, which capped throughput, while libsecp256k1 takes tens of µs.
 */

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
