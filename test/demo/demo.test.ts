import { expect } from "chai";
import { getContractAddress, parseUnits } from "viem";
import { artifact } from "../../contracts/artifacts.ts";
import { DEMO_SETUP, type DemoDeployment, deployDemo } from "../../demo/deploy.ts";
import { TERMINAL_WIDTH } from "../../demo/narrate.ts";
import { DEMO_SCENE_NAMES, type DemoSceneName } from "../../demo/scenes.ts";
import { type DemoReport, type DemoScene, runDemo } from "../../demo/story.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import { type CliRun, runCli, startTestDevnet } from "../support/fixtures.ts";

const tokens = (amount: string) => parseUnits(amount, 18);

/** Uniswap v2's getAmountOut, written out with bigint. */
function amountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  return (amountIn * 997n * reserveOut) / (reserveIn * 1000n + amountIn * 997n);
}

describe("xrollup demo: the atomic swap-and-deposit", () => {
  let devnet: Devnet;
  let deployment: DemoDeployment;
  let report: DemoReport;
  const scene = (name: DemoSceneName): DemoScene => report.scenes.find((candidate) => candidate.name === name)!;

  before(async () => {
    devnet = await startTestDevnet({ rollups: 2, rpc: false });
    deployment = await deployDemo(devnet);
    report = await runDemo(deployment);
  });
  after(() => devnet?.stop());

  describe("deployment", () => {
    it("puts xUSD and SwapAndDeposit at one address on A and B: the deployer's nonces 0 and 1 on both", async () => {
      const deployer = devnet.accounts[DEMO_SETUP.deployerIndex]!.address;
      expect(deployment.addresses.bridged).to.equal(getContractAddress({ from: deployer, nonce: 0n }));
      expect(deployment.addresses.swapAndDeposit).to.equal(getContractAddress({ from: deployer, nonce: 1n }));
      for (const rollup of [deployment.a, deployment.b]) {
        for (const address of [deployment.addresses.bridged, deployment.addresses.swapAndDeposit]) {
          expect(await rollup.publicClient.getCode({ address }), `${address} on ${rollup.chainId}`).to.match(/^0x[0-9a-f]+$/);
        }
      }
      const vault = await deployment.b.publicClient.readContract({
        address: deployment.addresses.swapAndDeposit,
        abi: artifact("SwapAndDeposit").abi,
        functionName: "vault",
      });
      expect(vault).to.equal(deployment.addresses.vault);
    });

    it("finds the deployment when loaded again on the same devnet, sending nothing", async () => {
      const deployer = deployment.deployer.address;
      const nonces = () => Promise.all([deployment.a, deployment.b].map((rollup) => rollup.publicClient.getTransactionCount({ address: deployer })));
      const before = await nonces();
      const again = await deployDemo(devnet);
      expect(again.addresses).to.deep.equal(deployment.addresses);
      expect(await nonces()).to.deep.equal(before);
    });
  });

  it("runs the four scenes in order", () => {
    expect(report.scenes.map((each) => each.name)).to.deep.equal([...DEMO_SCENE_NAMES]);
  });

  describe("success: 1,000 TKA swapped on A and deposited on B", () => {
    it("moves exactly what the constant-product formula says through the pool", () => {
      const { before, after, request } = scene("success");
      const amountIn = tokens(request.amountIn);
      const reserveIn = tokens(before.a.poolReserveTokenA);
      const reserveOut = tokens(before.a.poolReserveBridged);
      expect([reserveIn, reserveOut]).to.deep.equal([DEMO_SETUP.liquidity, DEMO_SETUP.liquidity]);
      const expected = amountOut(amountIn, reserveIn, reserveOut);
      expect(tokens(request.quote)).to.equal(expected);
      expect(tokens(after.a.poolReserveTokenA)).to.equal(reserveIn + amountIn);
      expect(tokens(after.a.poolReserveBridged)).to.equal(reserveOut - expected);
      expect(tokens(after.a.userTokenA)).to.equal(tokens(before.a.userTokenA) - amountIn);
      expect(after.a.userBridged).to.equal(before.a.userBridged);
    });

    it("credits the swap's output to the user in the vault on B", () => {
      const { before, after, request } = scene("success");
      const output = amountOut(tokens(request.amountIn), DEMO_SETUP.liquidity, DEMO_SETUP.liquidity);
      expect(tokens(after.b.userVaultBalance)).to.equal(tokens(before.b.userVaultBalance) + output);
      expect(tokens(after.b.vaultTotalDeposits)).to.equal(tokens(before.b.vaultTotalDeposits) + output);
    });

    it("burns the output on A and mints it on B: xUSD supply falls on A and rises on B by the same amount", () => {
      const { before, after, request } = scene("success");
      const output = amountOut(tokens(request.amountIn), DEMO_SETUP.liquidity, DEMO_SETUP.liquidity);
      expect(tokens(before.a.bridgedTotalSupply) - tokens(after.a.bridgedTotalSupply)).to.equal(output);
      expect(tokens(after.b.bridgedTotalSupply) - tokens(before.b.bridgedTotalSupply)).to.equal(output);
    });

    it("includes the trigger on A and its relay on B with consecutive global sequence numbers", () => {
      const { outcome } = scene("success");
      if (outcome.status !== "included") expect.fail(`the success scene was dropped: ${outcome.reason}`);
      expect(outcome.trigger.chainId).to.equal(deployment.a.chainId);
      expect(outcome.relay.chainId).to.equal(deployment.b.chainId);
      expect(outcome.relay.globalSeq).to.equal(outcome.trigger.globalSeq + 1);
      expect(outcome.relay.slot).to.equal(outcome.trigger.slot);
      for (const transaction of [outcome.trigger, outcome.relay]) {
        expect(devnet.sequencer.transactionStatus(transaction.hash)).to.deep.include({
          status: "included",
          chainId: transaction.chainId,
          globalSeq: transaction.globalSeq,
        });
      }
    });
  });

  const failures: { name: DemoSceneName; rollup: "a" | "b"; error: (scene: DemoScene) => string }[] = [
    {
      name: "vault-cap-exceeded",
      rollup: "b",
      error: ({ before, request }) =>
        `DepositCapExceeded(totalAfter: ${tokens(before.b.vaultTotalDeposits) + tokens(request.quote)}, cap: ${DEMO_SETUP.vaultCap})`,
    },
    {
      name: "slippage",
      rollup: "a",
      error: ({ request }) => `InsufficientOutput(amountOut: ${tokens(request.quote)}, minOut: ${tokens(request.minOut)})`,
    },
    {
      name: "action-out-of-gas",
      rollup: "b",
      error: ({ request }) => `ActionOutOfGas(target: ${deployment.addresses.bridged}, gasLimit: ${request.actionGasLimit})`,
    },
  ];

  for (const { name, rollup, error } of failures) {
    describe(`${name}: the trigger fails, on ${rollup.toUpperCase()}`, () => {
      it("leaves every balance, reserve, supply, vault total and nonce unchanged on both rollups", () => {
        const { before, after } = scene(name);
        expect(after).to.deep.equal(before);
      });

      it("is dropped with the sequencer's reason, naming the error and where it happened", () => {
        const { outcome } = scene(name);
        if (outcome.status !== "dropped") expect.fail("the scene was included");
        const status = devnet.sequencer.transactionStatus(outcome.trigger.hash)!;
        expect(status.status).to.equal("dropped");
        expect(outcome.reason).to.equal(status.reason);
        expect(outcome.reason).to.contain(error(scene(name)));
        expect(outcome.reason).to.contain(`rollup ${deployment[rollup].chainId}`);
      });
    });
  }

  it("agrees with the chains: after the scenes, only the success scene (and the gas probe's nonce) moved anything", async () => {
    const { after } = scene("success");
    const { a, b, addresses, user } = deployment;
    const tokenA = { address: addresses.tokenA, abi: artifact("DemoToken").abi } as const;
    const bridged = { address: addresses.bridged, abi: artifact("BridgedToken").abi } as const;
    const pool = { address: addresses.pool, abi: artifact("ConstantProductPool").abi } as const;
    const vault = { address: addresses.vault, abi: artifact("Vault").abi } as const;
    const onChain = {
      userTokenA: await a.publicClient.readContract({ ...tokenA, functionName: "balanceOf", args: [user.address] }),
      reserves: await a.publicClient.readContract({ ...pool, functionName: "getReserves" }),
      supplyA: await a.publicClient.readContract({ ...bridged, functionName: "totalSupply" }),
      supplyB: await b.publicClient.readContract({ ...bridged, functionName: "totalSupply" }),
      vault: await b.publicClient.readContract({ ...vault, functionName: "balanceOf", args: [user.address] }),
      vaultTotal: await b.publicClient.readContract({ ...vault, functionName: "totalDeposits" }),
      nonces: await Promise.all([a, b].map((rollup) => rollup.publicClient.getTransactionCount({ address: user.address }))),
    };
    expect(onChain).to.deep.equal({
      userTokenA: tokens(after.a.userTokenA),
      reserves: [tokens(after.a.poolReserveTokenA), tokens(after.a.poolReserveBridged)],
      supplyA: tokens(after.a.bridgedTotalSupply),
      supplyB: tokens(after.b.bridgedTotalSupply),
      vault: tokens(after.b.userVaultBalance),
      vaultTotal: tokens(after.b.vaultTotalDeposits),
      nonces: [after.a.userNonce + 1, after.b.userNonce],
    });
  });

  it("reports positive gas for the trigger and the relay, and a verification overhead below the relay's gas", () => {
    if (report.gas === undefined) expect.fail("the report has no gas figures");
    const [trigger, relay, overhead] = [report.gas.trigger, report.gas.relay, report.gas.verificationOverheadPerMessage].map(BigInt);
    expect(trigger! > 0n && relay! > 0n && overhead! > 0n, JSON.stringify(report.gas)).to.equal(true);
    expect(overhead! < relay!).to.equal(true);
    expect(BigInt(report.gas.probe.relay.gasUsed) - BigInt(report.gas.probe.intrinsicGas)).to.equal(overhead);
  });

  it("is plain data: it survives a JSON round trip unchanged", () => {
    expect(JSON.parse(JSON.stringify(report))).to.deep.equal(report);
  });
});

describe("xrollup demo (the command)", () => {
  let json: CliRun;
  let text: CliRun;

  before(async () => {
    [json, text] = await Promise.all([runCli(["demo", "--json"]), runCli(["demo"])]);
  });

  it("--json exits 0 and prints the report with its four scenes", () => {
    expect(json.code, json.stderr).to.equal(0);
    const parsed = JSON.parse(json.stdout) as DemoReport;
    expect(parsed.scenes.map((each) => each.name)).to.deep.equal([...DEMO_SCENE_NAMES]);
  });

  it("narrates each scene, and says plainly that nothing moved in exactly the three failures", () => {
    expect(text.code, text.stderr).to.equal(0);
    const sections = text.stdout.split(/^== Scene /m).slice(1);
    expect(sections.map((section) => section.split(" ")[1])).to.deep.equal([...DEMO_SCENE_NAMES]);
    const nothingMoved = sections.map((section) => section.includes("Nothing moved on either rollup"));
    expect(nothingMoved).to.deep.equal([false, true, true, true]);
    expect(sections[0]).to.contain("What moved: on A");
  });

  it("fits a terminal 100 columns wide", () => {
    const long = text.stdout.split("\n").filter((line) => line.length > TERMINAL_WIDTH);
    expect(long).to.deep.equal([]);
  });
});
