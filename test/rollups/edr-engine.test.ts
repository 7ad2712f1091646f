import { expect } from "chai";
import type { Address, Hex } from "viem";
import { devAccounts } from "../../rollups/accounts.ts";
import { CACHED_STATES_PER_CHAIN, type Chain, createChain } from "../../rollups/chain.ts";
import { EdrRollupEngine } from "../../rollups/edr-engine.ts";
import { signTransaction } from "../support/fixtures.ts";

const RECIPIENT: Address = "0x000000000000000000000000000000000000beef";
const CHAIN_ID = 901;

/** A fresh rollup chain, its engine, and transfers of 1 wei to {@link RECIPIENT} mined one per block. */
async function rollupEngine() {
  const chain = await createChain({ name: "engine-test", chainId: CHAIN_ID, kind: "rollup", genesisTimestamp: 1_700_000_000 });
  const engine = new EdrRollupEngine(chain);
  let nonce = 0;
  let timestamp = 1_700_000_000;
  const mineTransfer = async () => {
    const raw = await signTransaction(devAccounts()[0]!.privateKey, { chainId: CHAIN_ID, nonce: nonce++, to: RECIPIENT, value: 1n });
    const { block, outcomes } = await engine.mineBlock([raw], ++timestamp);
    expect(outcomes.map(({ kind }) => kind)).to.deep.equal(["included"]);
    return block;
  };
  return { chain, engine, mineTransfer };
}

/** Whether EDR still holds snapshot `id`: asked by reverting to it, so only for the end of a test's story. */
async function edrHolds(chain: Chain, id: unknown): Promise<boolean> {
  return (await chain.provider.request({ method: "evm_revert", params: [id] })) as boolean;
}

describe("EDR rollup engine: snapshots the sequencer releases leave nothing behind", function () {
  let setup: Awaited<ReturnType<typeof rollupEngine>>;

  beforeEach(async function () {
    setup = await rollupEngine();
  });

  afterEach(async function () {
    await setup?.chain.close();
  });

  it("drops every snapshot from EDR once all are released, and the chain stays at its head", async function () {
    const { chain, engine, mineTransfer } = setup;
    const slot = await engine.snapshot();
    await mineTransfer();
    const unit = await engine.snapshot();
    const head = await mineTransfer();

    await engine.release(unit);
    await engine.release(slot);

    expect(await engine.latestBlock()).to.deep.equal(head);
    expect(await engine.balanceOf(RECIPIENT)).to.equal(2n);
    expect(await edrHolds(chain, unit.id)).to.equal(false);
    expect(await edrHolds(chain, slot.id)).to.equal(false);
    expect(await engine.latestBlock()).to.deep.equal(head);
  });

  it("keeps a snapshot not yet released: a slot still goes back to its start after a unit was released", async function () {
    const { engine, mineTransfer } = setup;
    const genesis = await engine.latestBlock();
    const slot = await engine.snapshot();
    await mineTransfer();
    const unit = await engine.snapshot();
    await mineTransfer();

    await engine.release(unit);
    await engine.revert(slot);

    expect(await engine.latestBlock()).to.deep.equal(genesis);
    expect(await engine.balanceOf(RECIPIENT)).to.equal(0n);
  });

  it("drops the snapshots left after a revert once they are released", async function () {
    const { chain, engine, mineTransfer } = setup;
    const slot = await engine.snapshot();
    const first = await mineTransfer();
    const unit = await engine.snapshot();
    await mineTransfer();

    await engine.revert(unit);
    await engine.release(slot);

    expect(await engine.latestBlock()).to.deep.equal(first);
    expect(await edrHolds(chain, slot.id)).to.equal(false);
    expect(await engine.latestBlock()).to.deep.equal(first);
  });

  it("takes the next snapshot after a release as usual, and goes back to it", async function () {
    const { engine, mineTransfer } = setup;
    await engine.release(await engine.snapshot());
    const head = await mineTransfer();
    const next = await engine.snapshot();
    await mineTransfer();

    await engine.revert(next);

    expect(await engine.latestBlock()).to.deep.equal(head);
  });

  it("resolves a release of a handle it never made, and of one already used up", async function () {
    const { engine, mineTransfer } = setup;
    const used = await engine.snapshot();
    await mineTransfer();
    await engine.revert(used);

    await engine.release({ id: "not an EDR snapshot" });
    await engine.release(used);

    expect((await engine.latestBlock()).number).to.equal(0);
  });
});

describe("EDR chains keep a bounded number of states in memory", function () {
  it("rebuilds the state of a block older than the cache, and leaves the process environment as it was", async function () {
    const before = process.env.__EDR_MAX_CACHED_STATES;
    const { chain, engine, mineTransfer } = await rollupEngine();
    try {
      expect(process.env.__EDR_MAX_CACHED_STATES).to.equal(before);
      const blocks: number[] = [];
      for (let index = 0; index < CACHED_STATES_PER_CHAIN + 20; index++) blocks.push((await mineTransfer()).number);
      const balanceAt = async (block: number) =>
        BigInt((await chain.provider.request({ method: "eth_getBalance", params: [RECIPIENT, `0x${block.toString(16)}`] })) as Hex);

      expect(await balanceAt(blocks[0]!)).to.equal(1n);
      expect(await balanceAt(blocks[9]!)).to.equal(10n);
      expect(await engine.balanceOf(RECIPIENT)).to.equal(BigInt(blocks.length));
    } finally {
      await chain.close();
    }
  });
});
