import { expect } from "chai";
import { DEMO_SETUP, DemoDeployerUsedError, type DemoDeployment, loadDemo } from "../../demo/deploy.ts";
import { DEMO_SCENE_NAMES, runScene, UnknownSceneError } from "../../demo/scenes.ts";
import { type DemoTarget, demoTargetFromRpc } from "../../demo/target.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import { accountAddress, rpcResult, signTransfer, startTestDevnet } from "../support/fixtures.ts";

/** The deployer's nonces on A and B, as anyone reads them over HTTP. */
function deployerNonces(deployment: DemoDeployment): Promise<number[]> {
  const deployer = deployment.deployer.address;
  return Promise.all([deployment.a, deployment.b].map((rollup) => rollup.publicClient.getTransactionCount({ address: deployer })));
}

describe("the demo on a running devnet, over HTTP", () => {
  for (const mode of [{ name: "instant mode", config: {} }, { name: "slot mode", config: { slotMs: 100 } }]) {
    describe(mode.name, () => {
      let devnet: Devnet;
      let target: DemoTarget;
      let deployment: DemoDeployment;

      before(async () => {
        devnet = await startTestDevnet({ rollups: 2, ...mode.config });
        // Something else happens on the devnet first: the demo does not need it fresh.
        await rpcResult(devnet.rollups[0]!.rpcUrl!, "eth_sendRawTransaction", [
          await signTransfer(devnet, devnet.rollups[0]!.chainId, 2, 0, accountAddress(devnet, 3), 1n),
        ]);
        target = await demoTargetFromRpc(devnet.l1.rpcUrl!);
        deployment = await loadDemo(target);
      });
      after(() => devnet?.stop());

      it("reads the rollups from xr_getDevnetInfo and talks to them over HTTP", () => {
        expect(target.rollups.map((rollup) => [rollup.chainId, rollup.rpcUrl])).to.deep.equal(
          devnet.rollups.map((rollup) => [rollup.chainId, rollup.rpcUrl]),
        );
        expect(deployment.a.rpcUrl).to.equal(devnet.rollups[0]!.rpcUrl);
      });

      it("loads the demo app, funding the user with TKA", async () => {
        expect(await deployment.read.tokenABalance(deployment.user.address)).to.equal(DEMO_SETUP.userTokenA);
        expect(await deployment.read.vaultCap()).to.equal(DEMO_SETUP.vaultCap);
      });

      it("finds it when loaded again, at the same addresses, sending nothing", async () => {
        const before = await deployerNonces(deployment);
        const again = await loadDemo(await demoTargetFromRpc(devnet.l1.rpcUrl!));
        expect(again.addresses).to.deep.equal(deployment.addresses);
        expect(await deployerNonces(deployment)).to.deep.equal(before);
      });

      it("runs every scene twice, each time as staged, with reasons in token units", async () => {
        const { a, b } = deployment;
        for (const round of [1, 2]) {
          for (const name of DEMO_SCENE_NAMES) {
            const result = await runScene(target, deployment, name);
            expect(result.asExpected, `${name}, round ${round}: ${JSON.stringify(result)}`).to.equal(true);
            expect(result.outcome).to.equal(name === "success" ? "included" : "dropped");
            if (result.outcome === "included") {
              expect(result.globalSeq).to.be.a("number");
              expect(result.chains).to.deep.equal([a.chainId, b.chainId]);
            } else {
              expect(result.reasonCode).to.equal(name === "slippage" ? "reverted" : "action-reverted");
              expect(result.chains).to.deep.equal(name === "slippage" ? [a.chainId] : [a.chainId, b.chainId]);
              expect(result.reason).not.to.match(/\d{7,}/);
            }
          }
        }
      });

      it("keeps the full vault full however often the deposit succeeded before", async () => {
        for (let index = 0; index < 5; index += 1) expect((await runScene(target, deployment, "success")).outcome).to.equal("included");
        const full = await runScene(target, deployment, "vault-cap-exceeded", { plain: true });
        expect(full.asExpected).to.equal(true);
        expect(full.reason).to.match(/^The vault on chain B is full: this deposit would bring it to [\d,.]+ xUSD, but it only takes [\d,.]+ xUSD\./);
      });

      it("refuses a scene it does not have, listing the ones it has", async () => {
        const error = await runScene(target, deployment, "no-such-scene").catch((caught: unknown) => caught);
        expect(error).to.be.instanceOf(UnknownSceneError);
        expect((error as UnknownSceneError).shortMessage).to.contain(DEMO_SCENE_NAMES.join(", "));
      });
    });
  }

  it("refuses a devnet where someone else used the demo's deployer, saying so", async () => {
    const devnet = await startTestDevnet({ rollups: 2 });
    try {
      const [a] = devnet.rollups;
      await rpcResult(a!.rpcUrl!, "eth_sendRawTransaction", [
        await signTransfer(devnet, a!.chainId, DEMO_SETUP.deployerIndex, 0, accountAddress(devnet, 3), 1n),
      ]);
      const error = await loadDemo(await demoTargetFromRpc(devnet.l1.rpcUrl!)).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(DemoDeployerUsedError);
      expect((error as DemoDeployerUsedError).data).to.deep.include({ chainId: a!.chainId, nonce: 1 });
    } finally {
      await devnet.stop();
    }
  });
});
