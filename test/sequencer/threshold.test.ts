import { invert, mod } from "@noble/curves/abstract/modular";
import { secp256k1 } from "@noble/curves/secp256k1";
import { expect } from "chai";
import { bytesToHex, concat, type Hex, hexToBytes, keccak256, toHex } from "viem";
import {
  type Committee,
  ciphertextId,
  combineShares,
  createCommittee,
  DecryptionFailedError,
  decryptionShare,
  decryptWithSecret,
  encryptTransaction,
  InvalidCommitteeError,
  InvalidEncryptionInputError,
  MalformedCiphertextError,
  MalformedShareError,
  NotEnoughSharesError,
  orderCommitment,
  thresholdDecrypt,
} from "../../sequencer/encryption/threshold.ts";

const seed = keccak256(toHex("threshold test committee"));
const randomness = keccak256(toHex("threshold test randomness"));
const plaintext = toHex("0x02f8 a signed EIP-1559 transaction, for instance");
const ORDER = secp256k1.Point.Fn.ORDER;

const sharesOf = (committee: Committee, indices: readonly number[], ciphertext: Hex) =>
  indices.map((index) => ({ index, share: decryptionShare(committee.members[index - 1]!, ciphertext) }));

/** Flips the lowest bit of byte `at` (negative counts from the end). */
const flip = (hex: Hex, at: number): Hex => {
  const bytes = hexToBytes(hex);
  const position = at < 0 ? bytes.length + at : at;
  bytes[position]! ^= 1;
  return bytesToHex(bytes);
};

/** The committee secret f(0), interpolated here from every member's share, independently of the module. */
const interpolateSecret = (committee: Committee): bigint => {
  const xs = committee.members.map(({ index }) => BigInt(index));
  return committee.members.reduce((sum, { secretShare }, i) => {
    const lambda = xs.reduce((acc, xj, j) => (j === i ? acc : mod(acc * xj * invert(mod(xj - xs[i]!, ORDER), ORDER), ORDER)), 1n);
    return mod(sum + lambda * secretShare, ORDER);
  }, 0n);
};

describe("threshold encryption", () => {
  const sizes: { threshold: number; size: number }[] = [
    { threshold: 1, size: 1 },
    { threshold: 2, size: 3 },
    { threshold: 3, size: 5 },
    { threshold: 5, size: 7 },
  ];

  for (const { threshold, size } of sizes) {
    describe(`a ${threshold}-of-${size} committee`, () => {
      const committee = createCommittee({ threshold, size, seed });
      const ciphertext = encryptTransaction(committee.publicKey, plaintext);
      const first = Array.from({ length: threshold }, (_, i) => i + 1);
      // The last `threshold` members, given in reverse order: another subset, and order must not matter.
      const last = Array.from({ length: threshold }, (_, i) => size - i);

      for (const [name, indices] of [["the first", first], ["the last", last]] as const) {
        it(`decrypts with the shares of ${name} ${threshold} members (${indices.join(", ")})`, () => {
          const secret = combineShares(ciphertext, sharesOf(committee, indices, ciphertext), threshold);
          expect(decryptWithSecret(ciphertext, secret)).to.equal(plaintext);
        });
      }

      it("decrypts with more shares than the threshold", () => {
        const all = committee.members.map(({ index }) => index);
        expect(decryptWithSecret(ciphertext, combineShares(ciphertext, sharesOf(committee, all, ciphertext), threshold))).to.equal(plaintext);
      });

      it(`refuses ${threshold - 1} share(s), one short of the threshold`, () => {
        expect(() => combineShares(ciphertext, sharesOf(committee, first.slice(1), ciphertext), threshold)).to.throw(NotEnoughSharesError);
      });

      // With one share the Lagrange coefficient is 1 whatever the index, so a mislabelled share cannot be told apart.
      if (threshold >= 2) {
        it("fails to decrypt when two shares carry each other's index", () => {
          const shares = sharesOf(committee, first, ciphertext);
          const swapped = shares.map((share, i) => ({ ...share, index: i === 0 ? shares[1]!.index : i === 1 ? shares[0]!.index : share.index }));
          const secret = combineShares(ciphertext, swapped, threshold);
          expect(() => decryptWithSecret(ciphertext, secret)).to.throw(DecryptionFailedError);
        });
      }

      it("combines to sk·R, with sk interpolated independently from every share", () => {
        const sk = interpolateSecret(committee);
        expect(toHex(secp256k1.Point.BASE.multiply(sk).toBytes(true))).to.equal(committee.publicKey);
        const R = secp256k1.Point.fromBytes(hexToBytes(ciphertext).subarray(1, 34));
        const secret = toHex(R.multiply(sk).toBytes(true));
        expect(decryptWithSecret(ciphertext, secret)).to.equal(plaintext);
        expect(combineShares(ciphertext, sharesOf(committee, last, ciphertext), threshold)).to.equal(secret);
        expect(thresholdDecrypt(committee, ciphertext)).to.deep.equal({ plaintext, sharedSecret: secret });
      });
    });
  }

  it("round-trips an empty plaintext", () => {
    const committee = createCommittee({ threshold: 2, size: 3, seed });
    expect(thresholdDecrypt(committee, encryptTransaction(committee.publicKey, "0x")).plaintext).to.equal("0x");
  });

  describe("determinism", () => {
    it("derives the same committee from the same seed, and another from another seed", () => {
      const committee = createCommittee({ threshold: 3, size: 5, seed });
      expect(createCommittee({ threshold: 3, size: 5, seed })).to.deep.equal(committee);
      expect(createCommittee({ threshold: 3, size: 5, seed: keccak256(seed) }).publicKey).to.not.equal(committee.publicKey);
    });

    it("gives every member a public share matching its secret share", () => {
      for (const member of createCommittee({ threshold: 3, size: 5, seed }).members) {
        expect(toHex(secp256k1.Point.BASE.multiply(member.secretShare).toBytes(true))).to.equal(member.publicShare);
      }
    });

    it("encrypts identically with the same randomness and differently with other or no randomness", () => {
      const { publicKey } = createCommittee({ threshold: 2, size: 3, seed });
      const ciphertext = encryptTransaction(publicKey, plaintext, randomness);
      expect(encryptTransaction(publicKey, plaintext, randomness)).to.equal(ciphertext);
      expect(encryptTransaction(publicKey, plaintext, keccak256(randomness))).to.not.equal(ciphertext);
      expect(encryptTransaction(publicKey, plaintext)).to.not.equal(encryptTransaction(publicKey, plaintext));
    });

    it("refuses randomness that is not 32 bytes and a public key that is not a point", () => {
      const { publicKey } = createCommittee({ threshold: 2, size: 3, seed });
      expect(() => encryptTransaction(publicKey, plaintext, "0x1234")).to.throw(InvalidEncryptionInputError);
      expect(() => encryptTransaction(`0x02${"00".repeat(32)}`, plaintext)).to.throw(InvalidEncryptionInputError);
      expect(() => encryptTransaction(concat(["0x05", `0x${publicKey.slice(4)}`]), plaintext)).to.throw(InvalidEncryptionInputError);
    });
  });

  describe("tampering and malformed input", () => {
    const committee = createCommittee({ threshold: 2, size: 3, seed });
    const ciphertext = encryptTransaction(committee.publicKey, plaintext, randomness);
    const { sharedSecret } = thresholdDecrypt(committee, ciphertext);

    const tampered: { name: string; at: number }[] = [
      { name: "the first encrypted byte", at: 46 },
      { name: "the last byte of the tag", at: -1 },
      { name: "the nonce", at: 40 },
    ];
    for (const { name, at } of tampered) {
      it(`refuses a ciphertext with a flipped bit in ${name}`, () => {
        expect(() => decryptWithSecret(flip(ciphertext, at), sharedSecret)).to.throw(DecryptionFailedError);
      });
    }

    it("refuses the wrong shared secret", () => {
      const other = thresholdDecrypt(committee, encryptTransaction(committee.publicKey, plaintext, keccak256(randomness)));
      expect(() => decryptWithSecret(ciphertext, other.sharedSecret)).to.throw(DecryptionFailedError);
    });

    const malformed: { name: string; ciphertext: Hex }[] = [
      { name: "a wrong version byte", ciphertext: concat(["0x02", `0x${ciphertext.slice(4)}`]) },
      { name: "a ciphertext truncated inside the tag", ciphertext: bytesToHex(hexToBytes(ciphertext).subarray(0, 1 + 33 + 12 + 15)) },
      { name: "an empty ciphertext", ciphertext: "0x" },
      { name: "an R that is not on the curve", ciphertext: concat(["0x01", `0x02${"00".repeat(32)}`, `0x${ciphertext.slice(2 + 2 * 34)}`]) },
      { name: "an R with an invalid prefix", ciphertext: concat(["0x01", "0x05", `0x${ciphertext.slice(2 + 2 * 2)}`]) },
      { name: "non-hex input", ciphertext: "0xzz" as Hex },
    ];
    for (const { name, ciphertext: bad } of malformed) {
      it(`reports ${name} as malformed, whatever the operation`, () => {
        expect(() => decryptionShare(committee.members[0]!, bad)).to.throw(MalformedCiphertextError);
        expect(() => combineShares(bad, [], 2)).to.throw(MalformedCiphertextError);
        expect(() => decryptWithSecret(bad, sharedSecret)).to.throw(MalformedCiphertextError);
        expect(() => thresholdDecrypt(committee, bad)).to.throw(MalformedCiphertextError);
      });
    }

    it("refuses duplicate indices, out-of-range indices, and shares or secrets that are not points", () => {
      const [one, two] = sharesOf(committee, [1, 2], ciphertext);
      expect(() => combineShares(ciphertext, [one!, { ...two!, index: 1 }], 2)).to.throw(MalformedShareError);
      expect(() => combineShares(ciphertext, [one!, { ...two!, index: 0 }], 2)).to.throw(MalformedShareError);
      expect(() => combineShares(ciphertext, [one!, { ...two!, share: `0x02${"00".repeat(32)}` }], 2)).to.throw(MalformedShareError);
      expect(() => combineShares(ciphertext, [one!, { ...two!, share: "0x1234" }], 2)).to.throw(MalformedShareError);
      expect(() => decryptWithSecret(ciphertext, `0x02${"00".repeat(32)}`)).to.throw(MalformedShareError);
    });
  });

  describe("order commitment", () => {
    const { publicKey } = createCommittee({ threshold: 2, size: 3, seed });
    const [a, b, c] = [1, 2, 3].map((i) => encryptTransaction(publicKey, toHex(`transaction ${i}`), keccak256(toHex(i)))) as [Hex, Hex, Hex];

    it("is keccak256 of the concatenated ciphertext ids, and of empty bytes for none", () => {
      expect(ciphertextId(a)).to.equal(keccak256(a));
      expect(orderCommitment([a, b, c])).to.equal(keccak256(concat([keccak256(a), keccak256(b), keccak256(c)])));
      expect(orderCommitment([])).to.equal(keccak256("0x"));
    });

    it("changes with the order and with any ciphertext", () => {
      const commitment = orderCommitment([a, b, c]);
      expect(orderCommitment([b, a, c])).to.not.equal(commitment);
      expect(orderCommitment([a, b])).to.not.equal(commitment);
      expect(orderCommitment([a, b, flip(c, -1)])).to.not.equal(commitment);
    });
  });

  describe("createCommittee", () => {
    const invalid: { name: string; threshold: number; size: number }[] = [
      { name: "a threshold of 0", threshold: 0, size: 3 },
      { name: "a threshold above the size", threshold: 4, size: 3 },
      { name: "256 members", threshold: 2, size: 256 },
      { name: "a fractional threshold", threshold: 1.5, size: 3 },
    ];
    for (const { name, threshold, size } of invalid) {
      it(`rejects ${name}`, () => {
        expect(() => createCommittee({ threshold, size, seed })).to.throw(InvalidCommitteeError);
      });
    }

    it("accepts 255 members", () => {
      expect(createCommittee({ threshold: 1, size: 255, seed }).members).to.have.length(255);
    });
  });
});
