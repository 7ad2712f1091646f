import assert from "node:assert/strict";
import type { ContractReturnType } from "@nomicfoundation/hardhat-viem/types";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { BaseError, ContractFunctionRevertedError } from "viem";
import { useDevnet } from "xrollup/hardhat";

/** What the devnet answers for a dropped transaction, under viem's error. */
interface DroppedError extends Error {
  data: { reason: string; reasonCode: string };
}

describe("PingPong across two rollups", function () {
  // One devnet for this describe(); before each test, back to the state the before() below left.
  const devnet = useDevnet();
  let a: NetworkConnection;
  let pingPongA: ContractReturnType<"PingPong">;
  let pingPongB: ContractReturnType<"PingPong">;

  before(async function () {
    a = await network.getOrCreate("xrollup901");
    const b = await network.getOrCreate("xrollup902");
    pingPongA = await a.viem.deployContract("PingPong");
    pingPongB = await b.viem.deployContract("PingPong");
    // The same deployer and nonce give the same address on both rollups: each PingPong's counterpart.
    assert.equal(pingPongA.address, pingPongB.address);
  });

  it("a ping on rollup 901 is ponged on 902 in the same slot", async function () {
    const hash = await pingPongA.write.ping([902n, 7n]);
    const publicClient = await a.viem.getPublicClient();
    assert.equal((await publicClient.getTransactionReceipt({ hash })).status, "success");
    // The fixture's handle reaches the devnet itself: here, the sequencer's record of the ping.
    assert.equal(devnet.devnet.sequencer.transactionStatus(hash)?.status, "included");
    assert.equal(await pingPongB.read.pongs([901n]), 1n);
    assert.equal(await pingPongB.read.lastBall([901n]), 7n);
  });

  it("a ping whose pong would revert is refused before it is sent, with the pong's custom error", async function () {
    // viem estimates the gas first; the devnet runs the pong too, and answers with its revert.
    await assert.rejects(pingPongA.write.ping([902n, 1000n]), (error: unknown) => {
      assert.ok(error instanceof BaseError);
      const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
      assert.ok(reverted instanceof ContractFunctionRevertedError);
      assert.equal(reverted.data?.errorName, "BallTooBig");
      assert.deepEqual(reverted.data?.args, [1000n, 100n]);
      return true;
    });
  });

  it("sent anyway, it is dropped on 901 with the pong's reason, and nothing moves", async function () {
    const publicClient = await a.viem.getPublicClient();
    const [sender] = await a.viem.getWalletClients();
    const nonce = await publicClient.getTransactionCount({ address: sender!.account.address });

    // With the gas given, viem sends it without an estimate: the shared sequencer runs it and drops it.
    await assert.rejects(pingPongA.write.ping([902n, 1000n], { gas: 300_000n }), (error: unknown) => {
      // The JSON-RPC error (-32003) under viem's carries the reason, and a stable code to match.
      assert.ok(error instanceof BaseError);
      const dropped = error.walk((cause) => (cause as Partial<DroppedError>).data?.reasonCode !== undefined) as DroppedError | null;
      assert.ok(dropped !== null);
      assert.equal(dropped.data.reasonCode, "action-reverted");
      // The devnet decodes the pong's custom error with this project's ABIs (its artifacts).
      assert.match(dropped.data.reason, /^the action on rollup 902 .* failed: reverted with BallTooBig/);
      return true;
    });

    assert.equal(await publicClient.getTransactionCount({ address: sender!.account.address }), nonce);
    assert.equal(await pingPongB.read.pongs([901n]), 0n);
  });

  it("each test starts from the set-up: the contracts are there, what earlier tests did is gone", async function () {
    const publicClient = await a.viem.getPublicClient();
    const [deployer] = await a.viem.getWalletClients();
    // One transaction so far: the deployment in before(); the first test's ping was undone.
    assert.equal(await publicClient.getTransactionCount({ address: deployer!.account.address }), 1);
    assert.notEqual(await publicClient.getCode({ address: pingPongA.address }), undefined);
    assert.equal(await pingPongB.read.pongs([901n]), 0n);
    assert.equal(await pingPongB.read.lastBall([901n]), 0n);
  });
});
