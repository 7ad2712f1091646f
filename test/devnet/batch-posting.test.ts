import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { type Hex, toHex } from "viem";
import type { Devnet } from "../../devnet/devnet.ts";
import { defaultSequencerAccount } from "../../rollups/accounts.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { BatchRejectedError } from "../../sequencer/inbox.ts";
import { devKey, labelAddress, signTransaction, signTransfer, startTestDevnet } from "../support/fixtures.ts";

describe("batch posting", () => {
  let devnet: Devnet;
  const errors: unknown[] = [];

  before(async () => {
    devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000, rpc: false }, { onError: (error) => errors.push(error) });
  });
  after(() => devnet.stop());

  const setSequencerBalance = (wei: bigint) =>
    devnet.l1.provider.request({
      method: "hardhat_setBalance",
      params: [defaultSequencerAccount().address, `0x${wei.toString(16)}`],
    } as never);

  it("keeps the slots of a batch L1 refused and posts them, in order, once L1 accepts again", async () => {
    const [a, b] = devnet.rollups;
    const first = (await a!.provider.request({
      method: "eth_sendRawTransaction",
      params: [await signTransfer(devnet, a!.chainId, 0, 0, labelAddress("posting"), 1n)],
    } as never)) as `0x${string}`;
    await setSequencerBalance(0n);
    await devnet.sequencer.flush();
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(BatchRejectedError);
    expect(devnet.sequencer.batches).to.have.length(0);
    expect(devnet.sequencer.transactionStatus(first)?.batch).to.equal(null);

    await setSequencerBalance(10n ** 21n);
    const second = (await b!.provider.request({
      method: "eth_sendRawTransaction",
      params: [await signTransfer(devnet, b!.chainId, 0, 0, labelAddress("posting"), 1n)],
    } as never)) as `0x${string}`;
    await devnet.sequencer.flush();
    expect(devnet.sequencer.batches.map((batch) => batch.number)).to.deep.equal([1]);
    expect(devnet.sequencer.transactionStatus(first)?.batch?.number).to.equal(1);
    expect(devnet.sequencer.transactionStatus(second)?.batch?.number).to.equal(1);
    const verified = await verifyFromL1({ l1: devnet.l1.provider, inbox: devnet.l1.contracts.SharedInbox!, startEngine: startGenesisEngine });
    expect(verified).to.include({ ok: true, batches: 1, transactions: 2 });
  });

  it("posts a backlog too large for one L1 transaction as several batches that L1 accepts and derivation replays", async () => {
    const [a] = devnet.rollups;
    const before = devnet.sequencer.batches.length;
    // Six transactions of 100 KB of random calldata, which does not compress: about twice what one batch may carry.
    const hashes: Hex[] = [];
    for (let nonce = 0; nonce < 6; nonce++) {
      const raw = await signTransaction(devKey(devnet, 3), {
        chainId: a!.chainId,
        nonce,
        to: labelAddress("posting backlog"),
        data: toHex(randomBytes(100_000)),
        gas: 4_100_000n,
      });
      hashes.push((await a!.provider.request({ method: "eth_sendRawTransaction", params: [raw] } as never)) as Hex);
    }
    await devnet.sequencer.flush();
    const posted = devnet.sequencer.batches.slice(before);
    expect(posted.length).to.be.greaterThan(1);
    for (const hash of hashes) expect(devnet.sequencer.transactionStatus(hash)?.batch).to.not.equal(null);
    const verified = await verifyFromL1({ l1: devnet.l1.provider, inbox: devnet.l1.contracts.SharedInbox!, startEngine: startGenesisEngine });
    expect(verified).to.include({ ok: true, batches: before + posted.length });
  });
});
