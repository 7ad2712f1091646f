import { expect } from "chai";
import { type Hex, keccak256 } from "viem";
import type { Devnet } from "../../devnet/devnet.ts";
import { checkEncryptedOrder, planReplay } from "../../sequencer/derivation/plan.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { encryptTransaction, orderCommitment } from "../../sequencer/encryption/threshold.ts";
import { readInbox } from "../../sequencer/derivation/verify.ts";
import { inboxAddress, labelAddress, rpc, signTransfer, startTestDevnet } from "../support/fixtures.ts";

describe("the encrypted mempool", () => {
  let devnet: Devnet;
  let url: string;

  before(async () => {
    // Manual mode: the test decides when the slot closes, so both ciphertexts share one.
    devnet = await startTestDevnet({ rollups: 2, policy: "encrypted", manual: true });
    url = devnet.rollups[0]!.rpcUrl!;
  });
  after(() => devnet.stop());

  const publicKey = async () => (await rpc<{ publicKey: Hex; threshold: number; size: number }>(url, "xr_getCommitteeKey")).result!;

  it("publishes the committee's key and threshold", async () => {
    expect(await publicKey()).to.deep.include({ threshold: 2, size: 3 });
  });

  it("includes transactions sent as ciphertexts in their committed order, each sender's in nonce order", async () => {
    const { publicKey: key } = await publicKey();
    const rollup = devnet.rollups[0]!;
    const to = labelAddress("encrypted");
    // Sender 6's second transaction arrives before its first; sender 8's last.
    const raws = [
      await signTransfer(devnet, rollup.chainId, 6, 1, to, 5n),
      await signTransfer(devnet, rollup.chainId, 6, 0, to, 5n),
      await signTransfer(devnet, rollup.chainId, 8, 0, to, 5n),
    ];
    const ids: Hex[] = [];
    for (const raw of raws) ids.push((await rpc<Hex>(url, "xr_sendEncryptedTransaction", [encryptTransaction(key, raw)])).result!);
    await devnet.sequencer.produceSlot();
    const statuses = await Promise.all(
      ids.map(async (id) => (await rpc<{ status: string; transactionHash: Hex; transaction: { globalSeq: number } }>(url, "xr_getEncryptedTransactionStatus", [id])).result!),
    );
    expect(statuses.map((status) => status.status)).to.deep.equal(["included", "included", "included"]);
    expect(statuses.map((status) => status.transactionHash)).to.deep.equal(raws.map((raw) => keccak256(raw)));
    const [late, early, other] = statuses.map((status) => status.transaction.globalSeq);
    expect([early! < late!, late! < other!]).to.deep.equal([true, true]);
    expect(await rollup.publicClient.getBalance({ address: to })).to.equal(15n);
  });

  it("drops a ciphertext that does not decrypt, with the reason, and nothing else", async () => {
    const { publicKey: key } = await publicKey();
    const raw = await signTransfer(devnet, devnet.rollups[0]!.chainId, 7, 0, labelAddress("tampered"), 5n);
    const ciphertext = encryptTransaction(key, raw);
    const tampered = `${ciphertext.slice(0, -2)}${ciphertext.endsWith("00") ? "01" : "00"}` as Hex;
    const response = await rpc(url, "xr_sendEncryptedTransaction", [tampered]);
    expect(response.result).to.equal(keccak256(tampered));
    await devnet.sequencer.produceSlot();
    const status = (await rpc<{ status: string; reason: string; transactionHash: Hex | null }>(url, "xr_getEncryptedTransactionStatus", [keccak256(tampered)])).result!;
    expect(status.status).to.equal("dropped");
    expect(status.reason).to.match(/decrypt/i);
    expect(status.transactionHash).to.equal(null);
    expect(await devnet.rollups[0]!.publicClient.getBalance({ address: labelAddress("tampered") })).to.equal(0n);
  });

  it("refuses something that is not a ciphertext at all", async () => {
    expect((await rpc(url, "xr_sendEncryptedTransaction", ["not hex"])).error?.code).to.equal(-32602);
  });

  describe("on L1", () => {
    before(() => devnet.sequencer.flush());

    it("lets anyone check that execution followed the committed order", async () => {
      const result = await verifyFromL1({ l1: devnet.l1.provider, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
      expect(result.ok, JSON.stringify(result.mismatch)).to.equal(true);
    });

    it("rejects a batch whose transactions ran out of their committed order", async () => {
      const { batches } = await readInbox(devnet.l1.provider, inboxAddress(devnet));
      const [batch] = planReplay(batches).filter((replay) => replay.encrypted.some((slot) => slot.entries.length === 3));
      expect(batch, "the batch with the three encrypted transfers").to.not.equal(undefined);
      expect(checkEncryptedOrder(batch!)).to.equal(undefined);
      // Forge the commitment: the same ciphertexts committed in another order, one that puts another sender first.
      const forged = structuredClone(batch!);
      const section = forged.encrypted.find((slot) => slot.entries.length === 3)!;
      section.entries.push(section.entries.shift()!);
      section.commitment = orderCommitment(section.entries.map((entry) => entry.ciphertext));
      expect(checkEncryptedOrder(forged)).to.match(/ran out of its committed place/);
      // And a commitment that does not match its ciphertexts.
      const recommitted = structuredClone(batch!);
      recommitted.encrypted[0]!.entries.reverse();
      expect(checkEncryptedOrder(recommitted)).to.match(/commitment does not match/);
    });
  });
});
