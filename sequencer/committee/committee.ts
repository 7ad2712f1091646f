import type { Address, Hex } from "viem";
import type { Batch } from "../batch/builder.ts";
import type { FaultRegistry } from "../faults.ts";
import type { Clock } from "../ports.ts";
import type { SequencerKey } from "../relayer.ts";
import type { SequencedTransaction } from "../types.ts";
import {
  batchDigest,
  leaderOf,
  orderHash,
  proposalDigest,
  quorumOf,
  type Signature,
  type SigningDomain,
  signDigest,
  signerOf,
  type SlotProposal,
} from "./certificate.ts";

/** How a member stands, as `xr_getSequencerStatus` reports it. */
export type MemberStatus = "up" | "crashed" | "censoring" | "equivocating" | "removed";

/** One member as `xr_getSequencerStatus` lists it. */
export interface MemberReport {
  address: Address;
  status: MemberStatus;
}

/** Two proposals one leader signed for the same slot and view: what `SharedInbox.proveEquivocation` takes. */
export interface EquivocationEvidence {
  member: Address;
  a: { proposal: SlotProposal; signature: Signature };
  b: { proposal: SlotProposal; signature: Signature };
}

/** What a leader orders: transactions, or anything with a hash that keeps bundles whole (forced transactions). */
export type Orderable = Pick<SequencedTransaction, "hash" | "bundleId">;

/** A slot's order that a quorum voted for: the leader's proposal and the votes (its own first). */
export interface CertifiedOrder<T extends Orderable = SequencedTransaction> {
  order: readonly T[];
  proposal: SlotProposal;
  leader: Address;
  signers: Address[];
}

/** A batch with the certificate the inbox checks: signatures of a quorum over `batchDigest`, the view's leader among them. */
export interface CertifiedBatch extends Batch {
  certificate: Signature[];
  /** The members whose signatures the certificate holds, in its order (the view's leader first). */
  signers: Address[];
  /** The member that posts it to L1: the view's leader. */
  poster: Address;
}

/** What the committee needs from L1 beyond batches: removing a member that equivocated. */
export interface EquivocationProver {
  /** Sends `SharedInbox.proveEquivocation` from `from`; resolves once L1 removed the member. */
  proveEquivocation(evidence: EquivocationEvidence, from: Address): Promise<Hex>;
}

/** What the committee is made of. */
export interface CommitteeParameters {
  /** The members' keys, in rotation order (HD indexes 20, 21, … of the devnet mnemonic). */
  keys: readonly SequencerKey[];
  /** L1 and the inbox: what signatures are valid for. */
  domain: SigningDomain;
  clock: Clock;
  /** Latency of every message between members, in ms (`--gossip-ms`). */
  gossipMs: number;
  /** The faults in force; `crash`, `censor` and `equivocate` faults may name members. */
  faults: FaultRegistry;
  /** Where proofs of equivocation go; without it, equivocations are detected but not proved. */
  prover?: EquivocationProver;
  /** Errors of background work (a proof that L1 refused). */
  onError?: (error: unknown) => void;
}

/** A member's own record of the proposals it saw, to vote once per slot and view. */
interface MemberState {
  /** By `slot:view`: the proposal it voted for, and the leader's signature on it. */
  seen: Map<string, { proposal: SlotProposal; signature: Signature }>;
}

/**
 * The sequencer committee: N members, each with its own key, that take turns
 * as leader by view (`members[view mod n]`, over the members still in the
 * committee). A slot's order counts only once a quorum (n − f) of members
 * voted for the leader's proposal, and a batch goes to L1 only with a
 * certificate of a quorum's signatures.
 *
 * Members are simulated in this process: messages between them take
 * `gossipMs`, and a member's faults (crashed, censoring, equivocating) decide
 * what it does. Honest members vote once per slot and view, for a proposal
 * signed by that view's leader; they forward what they received, so that two
 * conflicting proposals of one leader meet, and the first honest member to
 * hold both proves the equivocation on L1, which removes the leader.
 */
export class SequencerCommittee {
  readonly #parameters: CommitteeParameters;
  readonly #members: readonly SequencerKey[];
  readonly #states: MemberState[];
  readonly #removed = new Set<number>();
  /** Proofs under way or done, by member index: one per equivocating member. */
  readonly #proving = new Map<number, Promise<void>>();
  #view = 0;
  #failovers = 0;
  #equivocationsProved = 0;

  constructor(parameters: CommitteeParameters) {
    this.#parameters = parameters;
    this.#members = parameters.keys;
    this.#states = parameters.keys.map(() => ({ seen: new Map() }));
  }

  /** Every member's address, in rotation order, removed ones included. */
  get addresses(): Address[] {
    return this.#members.map((member) => member.address);
  }

  /** The current view: it advances after every slot and on every timeout. */
  get view(): number {
    return this.#view;
  }

  /** Indexes of the members still in the committee, in rotation order. */
  get active(): number[] {
    return this.#members.flatMap((_, index) => (this.#removed.has(index) ? [] : [index]));
  }

  /** Signatures a certificate needs now. */
  get quorum(): number {
    return quorumOf(this.active.length);
  }

  /** Views that timed out: the leader was down, or no proposal reached a quorum. */
  get failovers(): number {
    return this.#failovers;
  }

  /** Members removed from the committee by a proof of equivocation. */
  get equivocationsProved(): number {
    return this.#equivocationsProved;
  }

  /** The index of the current view's leader. */
  get leader(): number {
    return leaderOf(this.active, this.#view);
  }

  /** The key of member `index`. */
  key(index: number): SequencerKey {
    return this.#members[index]!;
  }

  /** Whether member `index` takes part: in the committee and not crashed. */
  isLive(index: number): boolean {
    return !this.#removed.has(index) && !this.#parameters.faults.nodeCrashed(index);
  }

  /** The view times out: its leader produced nothing a quorum signed, and the next member leads. */
  advanceView(): void {
    this.#view += 1;
    this.#failovers += 1;
  }

  /** The view moves on to at least `view` (after a slot, or a restart's last journaled slot). */
  restoreView(view: number): void {
    this.#view = Math.max(this.#view, view);
  }

  /** Restart: the members L1 still has; the others were removed by a proof of equivocation. */
  restoreMembers(active: readonly Address[]): void {
    const kept = new Set(active.map((address) => address.toLowerCase()));
    this.#members.forEach((member, index) => {
      if (!kept.has(member.address.toLowerCase())) this.#removed.add(index);
    });
  }

  /**
   * The current leader proposes `order` for `slot` and the members vote.
   * Resolves with the order a quorum voted for, or `undefined` when none
   * did (the leader is down, or equivocated so that no side won): the view
   * must then time out. Takes two gossip delays: proposals out, votes back.
   */
  async certifyOrder<T extends Orderable>(slot: number, order: readonly T[]): Promise<CertifiedOrder<T> | undefined> {
    const leader = this.leader;
    if (!this.isLive(leader)) return undefined;
    const { domain, faults } = this.#parameters;
    const view = this.#view;
    const key = this.#members[leader]!;
    const propose = (transactions: readonly T[]) => {
      const proposal: SlotProposal = { slot: BigInt(slot), viewNumber: BigInt(view), orderHash: orderHash(transactions) };
      const digest = proposalDigest(domain, proposal);
      const signature = signDigest(digest, key.privateKey);
      // Every member checks the leader's signature; the check is a pure function of what was sent, so it runs once per proposal.
      return { transactions, proposal, digest, signature, signedByLeader: signerOf(digest, signature) === key.address };
    };
    const honest = propose(order);
    const others = this.active.filter((index) => index !== leader && this.isLive(index));
    // An equivocating leader tells half the live members the whole order, the other half all of it but its last unit.
    const conflicting = faults.equivocates(leader) && order.length > 0 ? propose(withoutLastUnit(order)) : undefined;
    const received = new Map(others.map((index, position) => [index, conflicting !== undefined && position % 2 === 1 ? conflicting : honest]));
    await this.#gossipDelay();
    const votes = new Map<Hex, Address[]>([[honest.proposal.orderHash, [key.address]]]);
    if (conflicting !== undefined) votes.set(conflicting.proposal.orderHash, [key.address]);
    const voters: number[] = [];
    for (const [index, sent] of received) {
      if (!sent.signedByLeader || !this.#accepts(index, sent.proposal, sent.signature, key.address)) continue;
      voters.push(index);
      // The vote is the member's own signature over the proposal; the leader checks it before counting.
      const vote = signDigest(sent.digest, this.#members[index]!.privateKey);
      if (signerOf(sent.digest, vote) === this.#members[index]!.address) {
        votes.get(sent.proposal.orderHash)!.push(this.#members[index]!.address);
      }
    }
    await this.#gossipDelay();
    // Members forward what they received: two signed proposals of one leader for one slot and view expose it.
    this.#detectEquivocation(leader, voters);
    for (const candidate of conflicting === undefined ? [honest] : [honest, conflicting]) {
      const signers = votes.get(candidate.proposal.orderHash)!;
      if (signers.length >= this.quorum) return { order: candidate.transactions, proposal: candidate.proposal, leader: key.address, signers };
    }
    return undefined;
  }

  /**
   * Certifies a batch: the current leader proposes it (`build` makes it for
   * the current view) and every live member checks it against what it saw
   * (`check`), then signs. Resolves with the batch and its certificate, or
   * `undefined` when the leader is down or fewer than a quorum signed (the
   * poster tries again later).
   */
  async certifyBatch(build: (viewNumber: number) => Batch, check: (batch: Batch) => boolean): Promise<CertifiedBatch | undefined> {
    const leader = this.leader;
    if (!this.isLive(leader)) return undefined;
    const batch = build(this.#view);
    const digest = batchDigest(this.#parameters.domain, batch.hash);
    const signers: Address[] = [];
    const certificate: Signature[] = [];
    await this.#gossipDelay();
    // Each member checks the batch against its record of the slots; in this
    // process the members share one record, so the check runs once.
    if (!check(batch)) return undefined;
    // The leader first: the inbox requires its signature.
    for (const index of [leader, ...this.active.filter((other) => other !== leader)]) {
      if (!this.isLive(index)) continue;
      const member = this.#members[index]!;
      certificate.push(signDigest(digest, member.privateKey));
      signers.push(member.address);
    }
    await this.#gossipDelay();
    if (signers.length < this.quorum || signers[0] !== this.#members[leader]!.address) return undefined;
    return { ...batch, certificate, signers, poster: this.#members[leader]!.address };
  }

  /** Waits until every proof of equivocation under way has landed (or failed). */
  async settled(): Promise<void> {
    await Promise.all(this.#proving.values());
  }

  /** One entry per member, for `xr_getSequencerStatus`. */
  report(censoring: (index: number) => boolean): MemberReport[] {
    const { faults } = this.#parameters;
    return this.#members.map((member, index): MemberReport => {
      const status: MemberStatus = this.#removed.has(index)
        ? "removed"
        : faults.nodeCrashed(index)
          ? "crashed"
          : faults.equivocates(index)
            ? "equivocating"
            : censoring(index)
              ? "censoring"
              : "up";
      return { address: member.address, status };
    });
  }

  /**
   * Whether member `index` votes for `proposal`, whose signature recovered
   * to `leader`: it must be the view's leader, and this the first proposal
   * the member saw for that slot and view (it never votes for two).
   */
  #accepts(index: number, proposal: SlotProposal, signature: Signature, leader: Address): boolean {
    if (this.#members[leaderOf(this.active, Number(proposal.viewNumber))]!.address !== leader) return false;
    const key = `${proposal.slot}:${proposal.viewNumber}`;
    const seen = this.#states[index]!.seen;
    const earlier = seen.get(key);
    if (earlier !== undefined) return earlier.proposal.orderHash === proposal.orderHash;
    seen.set(key, { proposal, signature });
    // Older slots are settled: a member keeps only the recent ones it may still be asked about.
    for (const old of seen.keys()) {
      if (seen.size <= 64) break;
      seen.delete(old);
    }
    return true;
  }

  /** Compares what the voters received from `leader` in this view; on a conflict, the first voter proves it on L1. */
  #detectEquivocation(leader: number, voters: readonly number[]): void {
    if (this.#proving.has(leader)) return;
    const key = (state: MemberState) => [...state.seen.entries()].at(-1);
    const received = voters.flatMap((index) => {
      const entry = key(this.#states[index]!);
      return entry === undefined ? [] : [{ index, ...entry[1] }];
    });
    const first = received[0];
    const other = received.find((entry) => first !== undefined && entry.proposal.orderHash !== first.proposal.orderHash);
    if (first === undefined || other === undefined) return;
    const evidence: EquivocationEvidence = {
      member: this.#members[leader]!.address,
      a: { proposal: first.proposal, signature: first.signature },
      b: { proposal: other.proposal, signature: other.signature },
    };
    this.#proving.set(leader, this.#prove(leader, evidence, this.#members[first.index]!.address));
  }

  async #prove(leader: number, evidence: EquivocationEvidence, from: Address): Promise<void> {
    const { prover, onError } = this.#parameters;
    if (prover === undefined) return;
    try {
      await prover.proveEquivocation(evidence, from);
      this.#removed.add(leader);
      this.#equivocationsProved += 1;
    } catch (error) {
      this.#proving.delete(leader);
      onError?.(error);
    }
  }

  /** One message's trip between members: nothing to wait for without gossip latency. */
  #gossipDelay(): Promise<void> | undefined {
    const { gossipMs, clock } = this.#parameters;
    if (gossipMs === 0) return undefined;
    return new Promise<void>((resolve) => clock.setTimeout(resolve, gossipMs));
  }
}

/** The order without its last unit (a transaction, or a whole bundle): a different order that still keeps nonces and bundles whole. */
function withoutLastUnit<T extends Orderable>(order: readonly T[]): T[] {
  const last = order.at(-1)!;
  let end = order.length - 1;
  while (last.bundleId !== undefined && end > 0 && order[end - 1]!.bundleId === last.bundleId) end -= 1;
  return order.slice(0, end);
}
