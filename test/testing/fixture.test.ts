import { expect } from "chai";
import { type Hex, parseEther } from "viem";
import { DEV_ACCOUNT_BALANCE } from "../../rollups/accounts.ts";
import { createDevnetFixture, DevnetNotStartedError, useDevnet } from "../../testing/index.ts";
import type { DevnetHandle } from "../../testing/index.ts";

/** One ether from account `from` (default 0) to account 1 on a chain of the devnet, by its dev-account signer. */
function sendEther(net: DevnetHandle, chain: DevnetHandle["l1"], from = 0): Promise<Hex> {
  return chain.walletClient.sendTransaction({ account: net.accounts[from]!.address, to: net.accounts[1]!.address, value: parseEther("1") });
}

describe("xrollup/testing", function () {
  describe("useDevnet(): one devnet for the describe(), reset before each test", function () {
    const net = useDevnet({ rollups: 2 });
    let sentOnRollup: Hex | undefined;
    let setUpOnRollup: Hex | undefined;

    // The suite's set-up: kept for every test, as contracts deployed in before() would be.
    before(async function () {
      setUpOnRollup = await sendEther(net, net.rollups[0]!, 5);
    });

    it("a test moves ether on L1 and on both rollups", async function () {
      await sendEther(net, net.l1);
      for (const rollup of net.rollups) sentOnRollup = await sendEther(net, rollup);
      expect(await net.l1.publicClient.getBalance({ address: net.accounts[1]!.address })).to.equal(DEV_ACCOUNT_BALANCE + parseEther("1"));
      expect(await net.rollups[0]!.publicClient.getBalance({ address: net.accounts[1]!.address })).to.equal(DEV_ACCOUNT_BALANCE + parseEther("2"));
      expect(await net.rollups[1]!.publicClient.getBalance({ address: net.accounts[1]!.address })).to.equal(DEV_ACCOUNT_BALANCE + parseEther("1"));
      expect(net.devnet.sequencer.transactionStatus(sentOnRollup!)?.status).to.equal("included");
    });

    it("the next test finds every chain and the sequencer as the set-up left them", async function () {
      for (const chain of [net.l1, ...net.rollups]) {
        expect(await chain.publicClient.getTransactionCount({ address: net.accounts[0]!.address })).to.equal(0);
      }
      expect(await net.l1.publicClient.getBalance({ address: net.accounts[1]!.address })).to.equal(DEV_ACCOUNT_BALANCE);
      expect(await net.rollups[0]!.publicClient.getBalance({ address: net.accounts[1]!.address })).to.equal(DEV_ACCOUNT_BALANCE + parseEther("1"));
      expect(await net.rollups[1]!.publicClient.getBalance({ address: net.accounts[1]!.address })).to.equal(DEV_ACCOUNT_BALANCE);
      expect(net.devnet.sequencer.transactionStatus(sentOnRollup!)).to.equal(null);
      expect(net.devnet.sequencer.transactionStatus(setUpOnRollup!)?.status).to.equal("included");
      // The reset is repeatable: this test's own transfer is undone before the next.
      await sendEther(net, net.rollups[0]!);
    });

    it("serves every chain over HTTP on free ports, never the devnet's defaults", async function () {
      const urls = [net.l1, ...net.rollups].map((chain) => chain.rpcUrl);
      for (const url of urls) expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/).and.not.match(/:(8545|9545|9546)$/);
      expect(new Set(urls).size).to.equal(3);
      expect(await net.rollups[0]!.publicClient.getTransactionCount({ address: net.accounts[0]!.address })).to.equal(0);
    });
  });

  describe("createDevnetFixture(): start, reset and stop, for any test runner", function () {
    it("answers only while started, resets on demand, and can start again after stop()", async function () {
      const fixture = createDevnetFixture({ rollups: 1, rpc: false });
      expect(() => fixture.rollups).to.throw(DevnetNotStartedError);
      const devnet = await fixture.start();
      expect(await fixture.start()).to.equal(devnet);
      expect(fixture.rollups[0]!.rpcUrl).to.equal(undefined);

      // The first reset marks the state to come back to; the next ones go back to it.
      await fixture.reset();
      await sendEther(fixture, fixture.rollups[0]!);
      await fixture.reset();
      expect(await fixture.rollups[0]!.publicClient.getBalance({ address: fixture.accounts[1]!.address })).to.equal(DEV_ACCOUNT_BALANCE);

      await fixture.stop();
      expect(() => fixture.devnet).to.throw(DevnetNotStartedError);
      await fixture.start();
      expect(fixture.devnet).to.not.equal(devnet);
      await fixture.stop();
    });
  });
});
