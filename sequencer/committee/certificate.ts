import { type Address, concat, encodeAbiParameters, type Hex, keccak256, toHex } from "viem";
import { CURVE_ORDER, recoverAddress, signHash } from "../secp256k1.ts";
import type { SequencedTransaction } from "../types.ts";

/*
 * What committee members sign, computed exactly as `SharedInbox` computes it
 * (`proposalDigest`, `batchDigest`), so that a signature checked here is one
 * the inbox accepts. Pure.
 */

/** A signature as the inbox takes it: `v` is 27 or 28. */
export interface Signature {
  v: number;
  r: Hex;
  s: Hex;
}

/** A leader's proposal of a slot's order: what members vote on, and what an equivocation proof carries. */
export interface SlotProposal {
  slot: bigint;
  /** The view (`view` is a Solidity keyword). */
  viewNumber: bigint;
  /** {@link orderHash} of the proposed transactions. */
  orderHash: Hex;
}

/** What makes signatures valid for one inbox only: L1's chain id and the inbox's address. */
export interface SigningDomain {
  l1ChainId: number;
  inbox: Address;
}

const PROPOSAL_TYPE = keccak256(toHex("xrollup.SlotProposal"));
const BATCH_TYPE = keccak256(toHex("xrollup.Batch"));

/** The hash of a proposed order: its transactions' hashes, in order. */
export function orderHash(order: readonly Pick<SequencedTransaction, "hash">[]): Hex {
  return keccak256(order.length === 0 ? "0x" : concat(order.map((transaction) => transaction.hash)));
}

/** `SharedInbox.proposalDigest`: what a leader signs to propose, and a member to vote. */
export function proposalDigest(domain: SigningDomain, proposal: SlotProposal): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "uint64" }, { type: "uint64" }, { type: "bytes32" }],
      [PROPOSAL_TYPE, BigInt(domain.l1ChainId), domain.inbox, proposal.slot, proposal.viewNumber, proposal.orderHash],
    ),
  );
}

/** `SharedInbox.batchDigest`: what a member signs to certify a batch. */
export function batchDigest(domain: SigningDomain, batchHash: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "bytes32" }],
      [BATCH_TYPE, BigInt(domain.l1ChainId), domain.inbox, batchHash],
    ),
  );
}

/** Signs a digest as the inbox checks it: raw ECDSA, no EIP-191 prefix. */
export function signDigest(digest: Hex, privateKey: Hex): Signature {
  const { r, s, yParity } = signHash(digest, privateKey);
  return { v: 27 + yParity, r, s };
}

/**
 * The member that signed `digest`, or `undefined` for a signature the inbox
 * refuses (a high `s`, a bad `v`, or no recovery).
 */
export function signerOf(digest: Hex, signature: Signature): Address | undefined {
  if (signature.v !== 27 && signature.v !== 28) return undefined;
  if (BigInt(signature.s) > CURVE_ORDER / 2n) return undefined;
  try {
    return recoverAddress(digest, { r: signature.r, s: signature.s, yParity: signature.v - 27 });
  } catch {
    return undefined;
  }
}

/** Faults a committee of `size` tolerates: f = ⌊(size − 1) / 3⌋. */
export function faultTolerance(size: number): number {
  return Math.floor((size - 1) / 3);
}

/** Signatures a certificate needs in a committee of `size`: size − f, as `SharedInbox.quorum`. */
export function quorumOf(size: number): number {
  return size - faultTolerance(size);
}

/** The leader of a view: members rotate, `members[view mod n]`, as `SharedInbox.leaderOf`. */
export function leaderOf<T>(members: readonly T[], view: number): T {
  return members[view % members.length]!;
}
