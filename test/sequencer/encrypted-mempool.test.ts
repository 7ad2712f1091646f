import { expect } from "chai";
import { type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devAccounts } from "../../rollups/accounts.ts";
import type { CheckedTransaction } from "../../sequencer/admission.ts";
import { NonceTooLowError } from "../../sequencer/errors.ts";
import { type DecryptionSink, EncryptedMempool } from "../../sequencer/encryption/mempool.ts";
import { createCommittee, encryptTransaction, orderCommitment, thresholdDecrypt } from "../../sequencer/encryption/threshold.ts";
import { decodeRawTransaction } from "../../sequencer/intake.ts";
import type { SequencedTransaction } from "../../sequencer/types.ts";

const CHAIN_ID = 901;
const committee = createCommittee({ threshold: 2, size: 3, seed: keccak256(toHex("encrypted mempool test")) });

/** A signed transfer from development account `sender`, encrypted to the committee. */
async function encryptedTransfer(sender: number, nonce: number): Promise<{ raw: Hex; ciphertext: Hex }> {
  const account = privateKeyToAccount(devAccounts()[sender]!.privateKey);
  const raw = await account.signTransaction({
    chainId: CHAIN_ID,
    nonce,
    to: "0x000000000000000000000000000000000000beef",
    value: 1n,
    gas: 21_000n,
    maxFeePerGas: 10n,
    maxPriorityFeePerGas: 1n,
    type: "eip1559",
  });
  return { raw, ciphertext: encryptTransaction(committee.publicKey, raw) };
}

/** `sender:nonce` of a signed transaction, by development account index. */
const label = (raw: Hex): string => {
  const { from, nonce } = decodeRawTransaction(raw);
  return `${devAccounts().findIndex(({ address }) => address.toLowerCase() === from.toLowerCase())}:${nonce}`;
};

/**
 * A sequencer stand-in whose admission checks answer only when the test says
 * so, and which admits into a list; `refuse` names transactions (by label)
 * whose check fails.
 */
function heldSink({ refuse = [] as string[] } = {}) {
  const checks: { label: string; answer: () => void }[] = [];
  const admitted: string[] = [];
  let count = 0;
  const sink: DecryptionSink = {
    check: (chainId, raw) =>
      new Promise<CheckedTransaction>((resolve, reject) => {
        const decoded = decodeRawTransaction(raw);
        const answer = () =>
          refuse.includes(label(raw))
            ? reject(new NonceTooLowError({ from: decoded.from, expected: decoded.nonce + 1, got: decoded.nonce }))
            : resolve({ decoded, chainId, chainNonce: 0 });
        checks.push({ label: label(raw), answer });
      }),
    admit: ({ decoded, chainId }, receivedAt): SequencedTransaction => {
      count += 1;
      admitted.push(label(decoded.raw));
      return { ...decoded, chainId, arrival: count, receivedAt };
    },
    admitted: () => count,
    outcome: () => new Promise(() => undefined),
  };
  /** Answers every check asked so far and not yet answered, last asked first. */
  const answerAll = async () => {
    for (let i = checks.length - 1; i >= 0; i--) checks[i]!.answer();
    await new Promise((resolve) => setImmediate(resolve));
  };
  /** Another client's transaction admitted meanwhile. */
  const admitElsewhere = () => {
    count += 1;
  };
  return { sink, checks, admitted, answerAll, admitElsewhere };
}

/** Runs a slot's decryption, answering the checks (last asked first) until it is done. */
async function decryptAll(mempool: EncryptedMempool, held: ReturnType<typeof heldSink>, between: () => void = () => undefined) {
  const done = mempool.decryptPending(held.sink);
  let finished = false;
  void done.finally(() => (finished = true));
  await new Promise((resolve) => setImmediate(resolve));
  between();
  while (!finished) await held.answerAll();
  return done;
}

describe("the encrypted mempool's slot", () => {
  it("asks for every check at once, and admits in committed order whatever order the answers come in", async () => {
    const mempool = new EncryptedMempool(committee);
    const transfers = await Promise.all([encryptedTransfer(1, 0), encryptedTransfer(2, 0), encryptedTransfer(3, 0)]);
    // Arrival times 30, 10, 20: the committed order is senders 2, 3, 1.
    transfers.forEach(({ ciphertext }, i) => mempool.submit(ciphertext, [30, 10, 20][i]!));
    const held = heldSink();
    const done = mempool.decryptPending(held.sink);
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.checks.map((check) => check.label)).to.deep.equal(["2:0", "3:0", "1:0"]);
    expect(held.admitted).to.deep.equal([]);
    await held.answerAll();
    const section = (await done)!;
    expect(held.admitted).to.deep.equal(["2:0", "3:0", "1:0"]);
    const committed = [transfers[1]!, transfers[2]!, transfers[0]!].map(({ ciphertext }) => ciphertext);
    expect(section.commitment).to.equal(orderCommitment(committed));
    expect(section.entries).to.deep.equal(committed.map((ciphertext) => ({ ciphertext, sharedSecret: thresholdDecrypt(committee, ciphertext).sharedSecret })));
  });

  it("checks a sender's later transaction again once its earlier one of the slot is admitted", async () => {
    const mempool = new EncryptedMempool(committee);
    for (const [i, { ciphertext }] of (await Promise.all([encryptedTransfer(1, 0), encryptedTransfer(1, 1), encryptedTransfer(2, 0)])).entries()) {
      mempool.submit(ciphertext, i);
    }
    const held = heldSink();
    await decryptAll(mempool, held);
    expect(held.checks.map((check) => check.label)).to.deep.equal(["1:0", "1:1", "2:0", "1:1"]);
    expect(held.admitted).to.deep.equal(["1:0", "1:1", "2:0"]);
  });

  it("checks every transaction again when another client's was admitted while the slot decrypted", async () => {
    const mempool = new EncryptedMempool(committee);
    for (const [i, { ciphertext }] of (await Promise.all([encryptedTransfer(1, 0), encryptedTransfer(2, 0)])).entries()) mempool.submit(ciphertext, i);
    const held = heldSink();
    await decryptAll(mempool, held, held.admitElsewhere);
    expect(held.checks.map((check) => check.label)).to.deep.equal(["1:0", "2:0", "1:0", "2:0"]);
    expect(held.admitted).to.deep.equal(["1:0", "2:0"]);
  });

  it("drops what does not decrypt and what admission refuses, with their reason codes, and publishes every secret it has", async () => {
    const mempool = new EncryptedMempool(committee);
    const [good, refused, tampered] = await Promise.all([encryptedTransfer(1, 0), encryptedTransfer(2, 0), encryptedTransfer(3, 0)]);
    const flipped = `${tampered!.ciphertext.slice(0, -2)}${tampered!.ciphertext.endsWith("00") ? "01" : "00"}` as Hex;
    // R = 0x02‖0…0 is no point on the curve, so the committee has no share of it, and no secret.
    const notAPoint = `0x0102${"00".repeat(32)}${good!.ciphertext.slice(2 + 2 * 34)}` as Hex;
    const ids = [good!.ciphertext, refused!.ciphertext, flipped, notAPoint].map((ciphertext, i) => mempool.submit(ciphertext, i).id);
    const held = heldSink({ refuse: ["2:0"] });
    const section = (await decryptAll(mempool, held))!;
    expect(held.admitted).to.deep.equal(["1:0"]);
    const statuses = ids.map((id) => mempool.status(id, () => null)!);
    expect(statuses.map(({ status, reasonCode }) => [status, reasonCode])).to.deep.equal([
      ["pending", undefined],
      ["dropped", "decryption-failed"],
      ["dropped", "decryption-failed"],
      ["dropped", "decryption-failed"],
    ]);
    expect(statuses[1]!.reason).to.match(/nonce/i);
    expect(section.entries.map(({ sharedSecret }) => sharedSecret)).to.deep.equal([
      thresholdDecrypt(committee, good!.ciphertext).sharedSecret,
      thresholdDecrypt(committee, refused!.ciphertext).sharedSecret,
      thresholdDecrypt(committee, tampered!.ciphertext).sharedSecret,
      `0x${"00".repeat(33)}`,
    ]);
  });
});
