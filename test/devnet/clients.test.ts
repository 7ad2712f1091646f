import { expect } from "chai";
import { Contract, JsonRpcProvider, Wallet } from "ethers";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { Web3 } from "web3";
import { sharedInboxArtifact } from "../../contracts/artifacts.ts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { accountAddress, ANSWER_CONTRACT, devKey, inboxAddress, labelAddress, startTestDevnet } from "../support/fixtures.ts";

const ONE_ETHER = 10n ** 18n;
const VALUE = ONE_ETHER / 100n;

/** A fresh address that only one story pays. */
function recipient(story: string): Address {
  return labelAddress(`clients ${story}`);
}

/**
 * A plain transfer's estimate: EDR answers 21001 rather than 21000 (on L1
 * too), which is the chain's own estimator, not the sequencer.
 */
function expectTransferGas(estimate: bigint): void {
  expect(Number(estimate)).to.be.within(21_000, 21_100);
}

describe("clients over HTTP", function () {
  let devnet: Devnet;
  let a: DevnetChain;
  let b: DevnetChain;

  before(async function () {
    devnet = await startTestDevnet({ rollups: 2 });
    [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
  });

  after(async function () {
    await devnet?.stop();
  });

  /** The sequencer saw the transaction and gave it a place in the global order. */
  function expectSequenced(hash: string, chainId: number): void {
    const status = devnet.sequencer.transactionStatus(hash as Hex);
    expect(status?.status).to.equal("included");
    expect(status?.chainId).to.equal(chainId);
    expect(status?.globalSeq).to.be.a("number");
  }

  describe("ethers v6 on a rollup", function () {
    let provider: JsonRpcProvider;

    before(function () {
      // cacheTimeout -1: ethers otherwise answers a repeated call (a balance, a pending nonce) from a 250 ms cache.
      provider = new JsonRpcProvider(a.rpcUrl, a.chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    });

    after(function () {
      provider?.destroy();
    });

    it("reads chain id, block number, balance, pending nonce, a gas estimate and fee data", async function () {
      const sender = accountAddress(devnet, 1);
      expect((await provider.getNetwork()).chainId).to.equal(BigInt(a.chainId));
      expect(await provider.getBlockNumber()).to.equal(Number(await a.publicClient.getBlockNumber({ cacheTime: 0 })));
      expect(await provider.getBalance(sender)).to.equal(10_000n * ONE_ETHER);
      expect(await provider.getTransactionCount(sender, "pending")).to.equal(0);
      expectTransferGas(await provider.estimateGas({ from: sender, to: recipient("ethers"), value: VALUE }));
      const fees = await provider.getFeeData();
      expect(fees.gasPrice).to.be.a("bigint");
      expect(fees.maxFeePerGas! > 0n).to.equal(true);
      expect(fees.maxPriorityFeePerGas! > 0n).to.equal(true);
    });

    it("sends a transaction a Wallet signs and waits for its receipt", async function () {
      const wallet = new Wallet(devKey(devnet, 1), provider);
      const before = await provider.getBalance(wallet.address);
      const response = await wallet.sendTransaction({ to: recipient("ethers wallet"), value: VALUE });
      const receipt = (await response.wait())!;
      expect(receipt.status).to.equal(1);
      expectSequenced(receipt.hash, a.chainId);
      expect(await provider.getBalance(recipient("ethers wallet"))).to.equal(VALUE);
      expect(await provider.getBalance(wallet.address)).to.equal(before - VALUE - receipt.gasUsed * receipt.gasPrice);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(1);
    });

    it("sends an unsigned transaction from the devnet's account with getSigner(0) (eth_sendTransaction)", async function () {
      const signer = await provider.getSigner(0);
      expect(signer.address).to.equal(accountAddress(devnet, 0));
      const response = await signer.sendTransaction({ to: recipient("ethers signer"), value: VALUE });
      const receipt = (await response.wait())!;
      expect(receipt.status).to.equal(1);
      expect(receipt.from).to.equal(signer.address);
      expectSequenced(receipt.hash, a.chainId);
      expect(await provider.getBalance(recipient("ethers signer"))).to.equal(VALUE);
    });

    it("deploys a contract, calls it and finds its log", async function () {
      const wallet = new Wallet(devKey(devnet, 1), provider);
      const deployment = await wallet.sendTransaction({ data: ANSWER_CONTRACT.initCode });
      const deployed = (await deployment.wait())!;
      const address = deployed.contractAddress!;
      expect(address).to.be.a("string");
      expect(await provider.getCode(address)).to.equal(ANSWER_CONTRACT.runtime);
      expect(await provider.call({ to: address, data: "0x" })).to.equal(ANSWER_CONTRACT.answer);

      const receipt = (await (await wallet.sendTransaction({ to: address, data: "0x" })).wait())!;
      expect(receipt.logs).to.have.length(1);
      const logs = await provider.getLogs({ address, fromBlock: 0 });
      expect(logs.map((log) => [log.transactionHash, log.data])).to.deep.equal([[receipt.hash, ANSWER_CONTRACT.answer]]);
    });
  });

  describe("ethers v6 on L1", function () {
    let provider: JsonRpcProvider;

    before(function () {
      provider = new JsonRpcProvider(devnet.l1.rpcUrl, devnet.l1.chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    });

    after(function () {
      provider?.destroy();
    });

    it("reads the inbox's batches and sends a transaction on L1", async function () {
      expect((await provider.getNetwork()).chainId).to.equal(BigInt(devnet.l1.chainId));
      await devnet.sequencer.flush();
      const inbox = new Contract(inboxAddress(devnet), sharedInboxArtifact().abi, provider);
      expect(await inbox.getFunction("batchCount")()).to.equal(BigInt(devnet.sequencer.batches.length));
      expect(devnet.sequencer.batches.length).to.be.greaterThan(0);

      const wallet = new Wallet(devKey(devnet, 6), provider);
      const receipt = (await (await wallet.sendTransaction({ to: recipient("ethers l1"), value: VALUE })).wait())!;
      expect(receipt.status).to.equal(1);
      expect(await provider.getBalance(recipient("ethers l1"))).to.equal(VALUE);
      // L1 is not sequenced: the sequencer never saw it.
      expect(devnet.sequencer.transactionStatus(receipt.hash as Hex)).to.equal(null);
    });
  });

  describe("viem on a rollup", function () {
    let publicClient: PublicClient;
    const senderIndex = 2;
    const unlockedIndex = 3;

    before(function () {
      publicClient = createPublicClient({ chain: b.chain, transport: http(b.rpcUrl), pollingInterval: 50 });
    });

    function walletOf(index: number) {
      return createWalletClient({
        chain: b.chain,
        transport: http(b.rpcUrl),
        account: privateKeyToAccount(devKey(devnet, index)),
      });
    }

    it("reads chain id, block number, balance, pending nonce, a gas estimate and fee data", async function () {
      const sender = accountAddress(devnet, senderIndex);
      expect(await publicClient.getChainId()).to.equal(b.chainId);
      expect(await publicClient.getBlockNumber()).to.equal(await b.publicClient.getBlockNumber({ cacheTime: 0 }));
      expect(await publicClient.getBalance({ address: sender })).to.equal(10_000n * ONE_ETHER);
      expect(await publicClient.getTransactionCount({ address: sender, blockTag: "pending" })).to.equal(0);
      expectTransferGas(await publicClient.estimateGas({ account: sender, to: recipient("viem"), value: VALUE }));
      const fees = await publicClient.estimateFeesPerGas();
      expect(fees.maxFeePerGas > 0n && fees.maxPriorityFeePerGas > 0n).to.equal(true);
      expect(await publicClient.getGasPrice()).to.be.a("bigint");
    });

    it("sends a transaction signed locally and waits for its receipt", async function () {
      const wallet = walletOf(senderIndex);
      const before = await publicClient.getBalance({ address: wallet.account.address });
      const hash = await wallet.sendTransaction({ to: recipient("viem local"), value: VALUE });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).to.equal("success");
      expectSequenced(hash, b.chainId);
      expect(await publicClient.getBalance({ address: recipient("viem local") })).to.equal(VALUE);
      expect(await publicClient.getBalance({ address: wallet.account.address })).to.equal(
        before - VALUE - receipt.gasUsed * receipt.effectiveGasPrice,
      );
      expect(await publicClient.getTransactionCount({ address: wallet.account.address })).to.equal(1);
    });

    it("sends an unsigned transaction from the devnet's account (eth_sendTransaction)", async function () {
      const wallet = createWalletClient({ chain: b.chain, transport: http(b.rpcUrl), account: accountAddress(devnet, unlockedIndex) });
      const hash = await wallet.sendTransaction({ to: recipient("viem json-rpc"), value: VALUE });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).to.equal("success");
      expect(receipt.from).to.equal(accountAddress(devnet, unlockedIndex).toLowerCase());
      expectSequenced(hash, b.chainId);
      expect(await publicClient.getBalance({ address: recipient("viem json-rpc") })).to.equal(VALUE);
    });

    it("deploys a contract, calls it and finds its log", async function () {
      const wallet = walletOf(senderIndex);
      const deployment = await wallet.deployContract({ abi: [], bytecode: ANSWER_CONTRACT.initCode });
      const address = (await publicClient.waitForTransactionReceipt({ hash: deployment })).contractAddress!;
      expect(await publicClient.getCode({ address })).to.equal(ANSWER_CONTRACT.runtime);
      expect((await publicClient.call({ to: address, data: "0x" })).data).to.equal(ANSWER_CONTRACT.answer);

      const hash = await wallet.sendTransaction({ to: address, data: "0x" });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.logs).to.have.length(1);
      const logs = await publicClient.getLogs({ address, fromBlock: 0n });
      expect(logs.map((log) => [log.transactionHash, log.data])).to.deep.equal([[hash, ANSWER_CONTRACT.answer]]);
    });
  });

  describe("web3.js v4 on a rollup", function () {
    let web3: Web3;
    const senderIndex = 4;
    const unlockedIndex = 5;

    before(function () {
      web3 = new Web3(a.rpcUrl);
      web3.setConfig({ transactionPollingInterval: 50, transactionReceiptPollingInterval: 50, transactionConfirmationBlocks: 1 });
    });

    it("reads chain id, block number, balance, pending nonce, a gas estimate and fee data", async function () {
      const sender = accountAddress(devnet, senderIndex);
      expect(await web3.eth.getChainId()).to.equal(BigInt(a.chainId));
      expect(await web3.eth.getBlockNumber()).to.equal(await a.publicClient.getBlockNumber({ cacheTime: 0 }));
      expect(await web3.eth.getBalance(sender)).to.equal(10_000n * ONE_ETHER);
      expect(await web3.eth.getTransactionCount(sender, "pending")).to.equal(0n);
      expectTransferGas(await web3.eth.estimateGas({ from: sender, to: recipient("web3"), value: VALUE }));
      const fees = await web3.eth.calculateFeeData();
      expect(fees.maxFeePerGas).to.be.a("bigint");
      expect(await web3.eth.getGasPrice()).to.be.a("bigint");
    });

    it("sends a transaction signed with web3.eth.accounts and waits for its receipt", async function () {
      const address = accountAddress(devnet, senderIndex);
      const privateKey = devKey(devnet, senderIndex);
      const before = await web3.eth.getBalance(address);
      const signed = await web3.eth.accounts.signTransaction(
        {
          from: address,
          to: recipient("web3 signed"),
          value: VALUE,
          gas: 21_000n,
          maxFeePerGas: 10_000_000_000n,
          maxPriorityFeePerGas: 1_000_000_000n,
          nonce: 0n,
          chainId: BigInt(a.chainId),
          type: 2n,
        },
        privateKey,
      );
      const receipt = await web3.eth.sendSignedTransaction(signed.rawTransaction);
      expect(receipt.status).to.equal(1n);
      expectSequenced(String(receipt.transactionHash), a.chainId);
      expect(await web3.eth.getBalance(recipient("web3 signed"))).to.equal(VALUE);
      expect(await web3.eth.getBalance(address)).to.equal(before - VALUE - BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice!));
      expect(await web3.eth.getTransactionCount(address)).to.equal(1n);
    });

    it("sends an unsigned transaction from the devnet's account (eth.sendTransaction)", async function () {
      const from = accountAddress(devnet, unlockedIndex);
      const receipt = await web3.eth.sendTransaction({ from, to: recipient("web3 unlocked"), value: VALUE });
      expect(receipt.status).to.equal(1n);
      expect(String(receipt.from).toLowerCase()).to.equal(from.toLowerCase());
      expectSequenced(String(receipt.transactionHash), a.chainId);
      expect(await web3.eth.getBalance(recipient("web3 unlocked"))).to.equal(VALUE);
    });

    it("deploys a contract, calls it and finds its log", async function () {
      const from = accountAddress(devnet, unlockedIndex);
      const deployed = await web3.eth.sendTransaction({ from, data: ANSWER_CONTRACT.initCode });
      const address = String(deployed.contractAddress);
      expect(await web3.eth.getCode(address)).to.equal(ANSWER_CONTRACT.runtime);
      expect(await web3.eth.call({ to: address, data: "0x" })).to.equal(ANSWER_CONTRACT.answer);

      const receipt = await web3.eth.sendTransaction({ from, to: address, data: "0x" });
      expect(receipt.logs).to.have.length(1);
      const logs = await web3.eth.getPastLogs({ address, fromBlock: 0 });
      expect(logs.map((log) => (typeof log === "string" ? log : [log.transactionHash, log.data]))).to.deep.equal([
        [receipt.transactionHash, ANSWER_CONTRACT.answer],
      ]);
    });
  });
});
