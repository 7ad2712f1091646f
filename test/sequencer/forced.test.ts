import { expect } from "chai";
import { encodeFunctionData, type Hex, keccak256, type TransactionSerializable, toHex } from "viem";
import { MESSENGER_ADDRESS } from "../../contracts/addresses.ts";
import { artifact } from "../../contracts/artifacts.ts";
import { defaultSequencerAccount, devAccounts } from "../../rollups/accounts.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { type ForcedEntry, ForcedRollupMismatchError, mineForcedBlock } from "../../sequencer/forced.ts";
import type { EngineSnapshot, OwnedRollupEngine } from "../../sequencer/ports.ts";
import type { ReasonCode } from "../../sequencer/reasons.ts";
import { signTransaction } from "../../sequencer/secp256k1.ts";
import { labelAddress, TEST_FEES } from "../support/fixtures.ts";

const CHAIN_ID = 901;
const GENESIS_TIMESTAMP = 1_700_000_000;
const BLOCK_TIMESTAMP = GENESIS_TIMESTAMP + 12;

/** A key no chain funds. */
const UNFUNDED_KEY = keccak256(toHex("forced: an account with no balance"));

/** Signs an EIP-1559 transaction for rollup 901 (unless it says otherwise) from `privateKey`. */
function sign(privateKey: Hex, fields: { nonce: number; to?: Hex; value?: bigint; data?: Hex; gas?: bigint; chainId?: number }): Hex {
  const transaction: TransactionSerializable = { type: "eip1559", chainId: CHAIN_ID, gas: 21_000n, ...TEST_FEES, ...fields };
  return signTransaction(transaction, privateKey);
}

/** The queue entries of `signedTxs` for rollup 901, indexed from 0 in this order. */
function queued(signedTxs: readonly Hex[]): ForcedEntry[] {
  return signedTxs.map((signedTx, index) => ({ index, chainId: CHAIN_ID, deadline: 100, txHash: keccak256(signedTx), signedTx }));
}

describe("mineForcedBlock", () => {
  const [alice, bob] = devAccounts();
  const recipient = labelAddress("forced recipient");
  let engine: OwnedRollupEngine;
  let clean: EngineSnapshot;

  before(async () => {
    engine = await startGenesisEngine({ chainId: CHAIN_ID, genesisTimestamp: GENESIS_TIMESTAMP, committee: [defaultSequencerAccount().address], chainIds: [901, 902] });
  });
  beforeEach(async () => {
    clean = await engine.snapshot();
  });
  afterEach(async () => {
    await engine.revert(clean);
  });
  after(async () => {
    await engine?.close();
  });

  /** The block `raws` make when mined as they are, from the state the test starts in; the engine goes back to that state. */
  async function blockOf(raws: readonly Hex[]) {
    const before = await engine.snapshot();
    const { block } = await engine.mineBlock(raws, BLOCK_TIMESTAMP);
    await engine.revert(before);
    return block;
  }

  it("includes valid transfers in queue order, as one block at the timestamp given", async () => {
    const raws = [
      sign(alice!.privateKey, { nonce: 0, to: recipient, value: 1n }),
      sign(bob!.privateKey, { nonce: 0, to: recipient, value: 2n }),
      sign(alice!.privateKey, { nonce: 1, to: recipient, value: 4n }),
    ];
    const result = await mineForcedBlock(engine, queued(raws), BLOCK_TIMESTAMP);

    expect(result.dropped).to.deep.equal([]);
    expect(result.included.map(({ entry }) => entry.index)).to.deep.equal([0, 1, 2]);
    expect(result.included.map(({ transaction }) => transaction.raw)).to.deep.equal(raws);
    expect(result.mined?.block.transactionHashes).to.deep.equal(raws.map((raw) => keccak256(raw)));
    expect(result.mined?.block).to.include({ number: 1, timestamp: BLOCK_TIMESTAMP });
    expect(await engine.balanceOf(recipient)).to.equal(7n);
    expect(await engine.nonceOf(alice!.address)).to.equal(2);
  });

  const refused: { name: string; signedTx: () => Hex }[] = [
    { name: "bytes that are no transaction", signedTx: () => "0xdeadbeef" },
    { name: "a transaction signed for another chain", signedTx: () => sign(bob!.privateKey, { nonce: 0, to: recipient, value: 8n, chainId: 902 }) },
    { name: "a nonce gap", signedTx: () => sign(bob!.privateKey, { nonce: 5, to: recipient, value: 8n }) },
    { name: "an unfunded sender", signedTx: () => sign(UNFUNDED_KEY, { nonce: 0, to: recipient, value: 8n }) },
  ];
  for (const { name, signedTx } of refused) {
    it(`leaves out ${name} (forced-invalid); the others run as if it was never queued`, async () => {
      const valid = [sign(alice!.privateKey, { nonce: 0, to: recipient, value: 1n }), sign(alice!.privateKey, { nonce: 1, to: recipient, value: 2n })];
      const expected = await blockOf(valid);
      const entries = queued([valid[0]!, signedTx(), valid[1]!]);

      const result = await mineForcedBlock(engine, entries, BLOCK_TIMESTAMP);

      expect(result.dropped.map(({ entry, reason }) => [entry.index, reason.code])).to.deep.equal([[1, "forced-invalid" satisfies ReasonCode]]);
      expect(result.included.map(({ entry }) => entry.index)).to.deep.equal([0, 2]);
      expect(result.mined?.block.hash).to.equal(expected.hash);
      expect(result.mined?.block.stateRoot).to.equal(expected.stateRoot);
      expect((await engine.latestBlock()).hash).to.equal(expected.hash);
    });
  }

  it("leaves out a sender's later nonce queued before its earlier one: at its turn, its nonce was ahead", async () => {
    const later = sign(alice!.privateKey, { nonce: 1, to: recipient, value: 1n });
    const earlier = sign(alice!.privateKey, { nonce: 0, to: recipient, value: 2n });
    const expected = await blockOf([earlier]);

    const result = await mineForcedBlock(engine, queued([later, earlier]), BLOCK_TIMESTAMP);

    expect(result.dropped.map(({ entry, reason }) => [entry.index, reason.code])).to.deep.equal([[0, "forced-invalid" satisfies ReasonCode]]);
    expect(result.included.map(({ entry }) => entry.index)).to.deep.equal([1]);
    expect(result.mined?.block.hash).to.equal(expected.hash);
    expect(await engine.balanceOf(recipient)).to.equal(2n);
  });

  it("includes a transaction that reverts, reverted", async () => {
    // Init code PUSH1 0 PUSH1 0 REVERT: the creation reverts, and the transaction pays for its gas like any other.
    const reverting = sign(alice!.privateKey, { nonce: 0, data: "0x60006000fd", gas: 100_000n });
    const transfer = sign(bob!.privateKey, { nonce: 0, to: recipient, value: 3n });

    const result = await mineForcedBlock(engine, queued([reverting, transfer]), BLOCK_TIMESTAMP);

    expect(result.dropped).to.deep.equal([]);
    expect(result.included.map(({ entry }) => entry.index)).to.deep.equal([0, 1]);
    const outcomes = result.mined?.outcomes.map((outcome) => (outcome.kind === "included" ? outcome.success : outcome.kind));
    expect(outcomes).to.deep.equal([false, true]);
    expect(await engine.nonceOf(alice!.address)).to.equal(1);
    expect(await engine.balanceOf(recipient)).to.equal(3n);
  });

  it("leaves out a transaction that sends a cross-rollup message (forced-message); the others run as if it was never queued", async () => {
    const data = encodeFunctionData({ abi: artifact("L2ToL2CrossDomainMessenger").abi, functionName: "sendMessage", args: [902n, recipient, "0x"] });
    const sending = sign(bob!.privateKey, { nonce: 0, to: MESSENGER_ADDRESS, data, gas: 300_000n });
    const transfer = sign(alice!.privateKey, { nonce: 0, to: recipient, value: 5n });
    const expected = await blockOf([transfer]);

    const result = await mineForcedBlock(engine, queued([sending, transfer]), BLOCK_TIMESTAMP);

    expect(result.dropped.map(({ entry, reason }) => [entry.index, reason.code])).to.deep.equal([[0, "forced-message" satisfies ReasonCode]]);
    expect(result.included.map(({ entry }) => entry.index)).to.deep.equal([1]);
    expect(result.mined?.block.hash).to.equal(expected.hash);
    expect(await engine.nonceOf(bob!.address)).to.equal(0);
  });

  it("mines nothing when every forced transaction is left out", async () => {
    const genesis = await engine.latestBlock();

    const result = await mineForcedBlock(engine, queued(["0x01", sign(UNFUNDED_KEY, { nonce: 0, to: recipient, value: 1n })]), BLOCK_TIMESTAMP);

    expect(result.mined).to.equal(undefined);
    expect(result.dropped.map(({ reason }) => reason.code)).to.deep.equal(["forced-invalid", "forced-invalid"]);
    expect(await engine.latestBlock()).to.deep.equal(genesis);
  });

  it("refuses entries queued for another rollup before anything runs", async () => {
    const entry = { ...queued([sign(alice!.privateKey, { nonce: 0, to: recipient, value: 1n })])[0]!, chainId: 902 };
    let thrown: unknown;
    try {
      await mineForcedBlock(engine, [entry], BLOCK_TIMESTAMP);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(ForcedRollupMismatchError);
    expect((await engine.latestBlock()).number).to.equal(0);
  });
});
