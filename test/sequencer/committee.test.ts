import { expect } from "chai";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { sequencerAccounts } from "../../rollups/accounts.ts";
import type { Batch } from "../../sequencer/batch/builder.ts";
import { batchDigest, leaderOf, orderHash, proposalDigest, quorumOf, signerOf, type SigningDomain } from "../../sequencer/committee/certificate.ts";
import { type EquivocationEvidence, SequencerCommittee } from "../../sequencer/committee/committee.ts";
import { systemClock } from "../../sequencer/clock.ts";
import { FaultRegistry } from "../../sequencer/faults.ts";

const DOMAIN: SigningDomain = { l1ChainId: 900, inbox: "0x6D8da4B12D658a36909ec1C75F81E54B8DB4eBf9" };

/** Stand-ins for transactions: the committee orders anything with a hash. */
function order(...labels: string[]) {
  return labels.map((label) => ({ hash: keccak256(toHex(label)) as Hex }));
}

/** A committee of `size` in this process, with its faults and the proofs it sends to L1. */
function committee(size: number) {
  const faults = new FaultRegistry();
  const proofs: { evidence: EquivocationEvidence; from: Address }[] = [];
  const members = new SequencerCommittee({
    keys: sequencerAccounts(size),
    domain: DOMAIN,
    clock: systemClock,
    gossipMs: 0,
    faults,
    prover: {
      proveEquivocation: async (evidence, from) => {
        proofs.push({ evidence, from });
        return `0x${"11".repeat(32)}`;
      },
    },
  });
  return { members, faults, proofs, addresses: sequencerAccounts(size).map((key) => key.address) };
}

describe("the sequencer committee (no chain)", () => {
  it("needs n − ⌊(n − 1)/3⌋ votes, and rotates leaders by view", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10].map(quorumOf)).to.deep.equal([1, 2, 3, 3, 4, 5, 5, 7]);
    expect([0, 1, 2, 3, 4].map((view) => leaderOf(["a", "b", "c"], view))).to.deep.equal(["a", "b", "c", "a", "b"]);
  });

  it("certifies an honest leader's order with every member's vote, the leader's first", async () => {
    const { members, addresses } = committee(4);
    const proposed = order("t1", "t2");
    const certified = await members.certifyOrder(1, proposed);
    expect(certified?.order).to.equal(proposed);
    expect(certified?.signers).to.deep.equal(addresses);
    expect(certified?.proposal).to.deep.equal({ slot: 1n, viewNumber: 0n, orderHash: orderHash(proposed) });
  });

  it("certifies nothing once fewer members are up than the quorum", async () => {
    const { members, faults } = committee(4);
    faults.inject({ kind: "crash", node: 2 });
    expect((await members.certifyOrder(1, order("t1")))?.signers).to.have.length(3);
    faults.inject({ kind: "crash", node: 3 });
    expect(await members.certifyOrder(2, order("t2"))).to.equal(undefined);
  });

  it("has members vote once per slot and view: a second order for the same slot and view gets no quorum", async () => {
    const { members } = committee(4);
    expect(await members.certifyOrder(1, order("t1", "t2"))).to.not.equal(undefined);
    expect(await members.certifyOrder(1, order("t1"))).to.equal(undefined);
    members.advanceView();
    expect(await members.certifyOrder(1, order("t1"))).to.not.equal(undefined);
  });

  for (const size of [4, 7]) {
    it(`never certifies both orders of an equivocating leader (${size} members), and an honest member proves it with the leader's two signatures`, async () => {
      const { members, faults, proofs, addresses } = committee(size);
      faults.inject({ kind: "equivocate", node: 0 });
      const proposed = order("t1", "t2", "t3");
      const certified = await members.certifyOrder(1, proposed);
      // One side at most: the whole order, or all but its last unit.
      expect(certified === undefined || certified.order.length === 3 || certified.order.length === 2).to.equal(true);
      await members.settled();
      expect(proofs).to.have.length(1);
      const { evidence, from } = proofs[0]!;
      expect(evidence.member).to.equal(addresses[0]);
      expect(addresses.slice(1)).to.include(from);
      expect(evidence.a.proposal.slot).to.equal(evidence.b.proposal.slot);
      expect(evidence.a.proposal.viewNumber).to.equal(evidence.b.proposal.viewNumber);
      expect(evidence.a.proposal.orderHash).to.not.equal(evidence.b.proposal.orderHash);
      for (const side of [evidence.a, evidence.b]) expect(signerOf(proposalDigest(DOMAIN, side.proposal), side.signature)).to.equal(addresses[0]);
      // The member is gone: the quorum and the rotation follow the smaller committee.
      expect(members.active).to.deep.equal(addresses.slice(1).map((_, index) => index + 1));
      expect(members.quorum).to.equal(quorumOf(size - 1));
      expect(members.report(() => false)[0]).to.deep.equal({ address: addresses[0], status: "removed" });
    });
  }

  it("certifies a batch with a quorum of signatures over the inbox's digest, the view's leader first", async () => {
    const { members, faults, addresses } = committee(4);
    faults.inject({ kind: "crash", node: 3 });
    members.advanceView();
    const batch = { hash: keccak256(toHex("batch")) } as Batch;
    const certified = await members.certifyBatch(
      () => batch,
      () => true,
    );
    expect(certified?.signers).to.deep.equal([addresses[1], addresses[0], addresses[2]]);
    expect(certified?.poster).to.equal(addresses[1]);
    certified!.certificate.forEach((signature, index) => expect(signerOf(batchDigest(DOMAIN, batch.hash), signature)).to.equal(certified!.signers[index]));
    // A batch the members' records do not match is not signed.
    expect(
      await members.certifyBatch(
        () => batch,
        () => false,
      ),
    ).to.equal(undefined);
  });
});
