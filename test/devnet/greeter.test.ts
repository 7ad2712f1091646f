import { expect } from "chai";
import { encodeFunctionData, getContractAddress, type Hex, keccak256 } from "viem";
import { artifact } from "../../contracts/artifacts.ts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { accountAddress, devKey, rpc, signTransaction, startTestDevnet } from "../support/fixtures.ts";

const greeter = artifact("Greeter");

describe("the README's Greeter example", () => {
  let devnet: Devnet;
  let a: DevnetChain;
  let b: DevnetChain;
  let address: `0x${string}`;

  before(async () => {
    devnet = await startTestDevnet({ rollups: 2 });
    [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
    const deployer = accountAddress(devnet, 19);
    for (const rollup of devnet.rollups) {
      await rollup.walletClient.deployContract({ abi: greeter.abi, bytecode: greeter.bytecode, account: deployer });
    }
    address = getContractAddress({ from: deployer, nonce: 0n });
  });
  after(() => devnet.stop());

  const greet = async (text: string) => {
    const nonce = await a.publicClient.getTransactionCount({ address: accountAddress(devnet, 2) });
    const data = encodeFunctionData({ abi: greeter.abi, functionName: "greet", args: [BigInt(b.chainId), text] });
    const raw = await signTransaction(devKey(devnet, 2), { chainId: a.chainId, nonce, to: address, data, gas: 300_000n });
    return { hash: keccak256(raw) as Hex, response: await rpc<Hex>(a.rpcUrl!, "eth_sendRawTransaction", [raw]) };
  };
  const greetingOnB = () => b.publicClient.readContract({ address, abi: greeter.abi, functionName: "greetingFrom", args: [BigInt(a.chainId)] });

  it("delivers a greeting from A to B in the trigger's slot", async () => {
    const { response } = await greet("hello from A");
    expect(response.error).to.equal(undefined);
    expect(await greetingOnB()).to.equal("hello from A");
  });

  it("drops an empty greeting on A, with the reason the README gives", async () => {
    const nonce = await a.publicClient.getTransactionCount({ address: accountAddress(devnet, 2) });
    const { response } = await greet("");
    expect(response.error?.code).to.equal(-32003);
    expect(response.error?.message).to.contain(`the action on rollup ${b.chainId} (target ${address}) failed: reverted with EmptyGreeting()`);
    expect(await greetingOnB()).to.equal("hello from A");
    expect(await a.publicClient.getTransactionCount({ address: accountAddress(devnet, 2) })).to.equal(nonce);
  });
});
