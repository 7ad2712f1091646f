import { expect } from "chai";
import { Contract, type ContractEventPayload, type Log as EthersLog, WebSocketProvider as EthersWebSocketProvider, Wallet } from "ethers";
import { type Address, createPublicClient, encodeEventTopics, encodeFunctionData, getContractAddress, type Hex, keccak256, webSocket, type WebSocketTransport } from "viem";
import { Web3, WebSocketProvider as Web3WebSocketProvider } from "web3";
import { artifact } from "../../contracts/artifacts.ts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { InterceptedEngine } from "../../sequencer/faults.ts";
import { accountAddress, devKey, labelAddress, rpcResult, signTransaction, startTestDevnet, waitUntil } from "../support/fixtures.ts";
import { type Notification, SocketClient } from "../support/websocket.ts";

const relayChain = artifact("MessageRelayChain");
const HOPPED = encodeEventTopics({ abi: relayChain.abi, eventName: "Hopped" })[0];
const DEPLOYER = 19;
/** `start([], false)`: one hop here, no message: a call that emits one `Hopped` log on any chain, L1 included. */
const HOP_HERE = encodeFunctionData({ abi: relayChain.abi, functionName: "start", args: [[], false] });

/** What a test heard from one chain, in the order it heard it. */
interface Heard {
  heads: { number: number; hash?: Hex }[];
  logs: { transactionHash: Hex; logIndex: number }[];
  pending: Hex[];
}

function nothingHeard(): Heard {
  return { heads: [], logs: [], pending: [] };
}

/** Deploys MessageRelayChain from the deployer on a chain through its in-process clients; returns its address. */
async function deployRelayChain(devnet: Devnet, chain: DevnetChain): Promise<Address> {
  const hash = await chain.walletClient.deployContract({ abi: relayChain.abi, bytecode: relayChain.bytecode, account: accountAddress(devnet, DEPLOYER) });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  return receipt.contractAddress!;
}

/**
 * Signs the three transactions every story sends from `sender`: a call
 * that logs, a transfer, another call that logs.
 */
async function signThree(devnet: Devnet, chain: DevnetChain, sender: number, contract: Address): Promise<Hex[]> {
  const nonce = await chain.publicClient.getTransactionCount({ address: accountAddress(devnet, sender), blockTag: "pending" });
  const key = devKey(devnet, sender);
  const { chainId } = chain;
  return Promise.all([
    signTransaction(key, { chainId, nonce, to: contract, data: HOP_HERE, gas: 100_000n }),
    signTransaction(key, { chainId, nonce: nonce + 1, to: labelAddress(`subscriptions ${chainId} ${sender}`), value: 1n }),
    signTransaction(key, { chainId, nonce: nonce + 2, to: contract, data: HOP_HERE, gas: 100_000n }),
  ]);
}

/**
 * Asserts that what was heard is exactly what the chain did since block
 * `from`: one header per block, in order (read back over HTTP, on the same
 * port), every log of `contract` and the transactions `sent` (their hashes), in order.
 */
async function expectExactly(chain: DevnetChain, heard: Heard, { from, contract, sent }: { from: number; contract: Address; sent: Hex[] }): Promise<void> {
  const url = chain.rpcUrl!;
  const to = Number(await rpcResult<Hex>(url, "eth_blockNumber"));
  // Everything the chain did is heard: then a moment more, for anything that should not come.
  await waitUntil(() => heard.heads.length >= to - from && heard.pending.length >= sent.length && heard.logs.length >= 2, {
    what: `${chain.name}'s notifications`,
  });
  await new Promise((resolve) => setTimeout(resolve, 150));
  const blocks = await Promise.all(
    Array.from({ length: to - from }, (_, index) => rpcResult<{ hash: Hex }>(url, "eth_getBlockByNumber", [`0x${(from + 1 + index).toString(16)}`, false])),
  );
  expect(heard.heads.map(({ number }) => number)).to.deep.equal(blocks.map((_, index) => from + 1 + index));
  const hashes = heard.heads.flatMap(({ hash }) => (hash === undefined ? [] : [hash]));
  if (hashes.length > 0) expect(hashes).to.deep.equal(blocks.map(({ hash }) => hash));
  const logs = await rpcResult<{ transactionHash: Hex; logIndex: Hex }[]>(url, "eth_getLogs", [{ address: contract, fromBlock: `0x${(from + 1).toString(16)}`, toBlock: `0x${to.toString(16)}` }]);
  expect(heard.logs).to.deep.equal(logs.map(({ transactionHash, logIndex }) => ({ transactionHash, logIndex: Number(logIndex) })));
  expect(logs).to.have.length(2);
  expect(heard.pending).to.deep.equal(sent);
}

/** viem's webSocket transport, telling `onSubscribed` once each `eth_subscribe` is answered: viem's watchers give no other sign. */
function observedWebSocket(url: string, onSubscribed: () => void): WebSocketTransport {
  const inner = webSocket(url);
  return ((options) => {
    const transport = inner(options);
    const { subscribe } = transport.value!;
    return {
      ...transport,
      value: {
        ...transport.value!,
        subscribe: (async (args: Parameters<typeof subscribe>[0]) => {
          const subscription = await subscribe(args);
          onSubscribed();
          return subscription;
        }) as typeof subscribe,
      },
    };
  }) as WebSocketTransport;
}

describe("eth_subscribe over WebSocket, on every endpoint of a devnet", function () {
  let devnet: Devnet;
  /** MessageRelayChain's address on each chain, by chain id. */
  const contracts = new Map<number, Address>();
  /** Each story sends from its own account, so that no two share nonces. */
  let nextSender = 1;

  before(async function () {
    devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000 });
    for (const chain of [devnet.l1, ...devnet.rollups]) contracts.set(chain.chainId, await deployRelayChain(devnet, chain));
  });
  after(() => devnet.stop());

  const chains = (): [string, () => DevnetChain][] => [
    ["a rollup", () => devnet.rollups[0]!],
    ["L1", () => devnet.l1],
  ];

  for (const [where, chainOf] of chains()) {
    it(`ethers v6 WebSocketProvider on ${where}: block, contract and filter events, pending; reads and sends through the socket`, async function () {
      const chain = chainOf();
      const contract = contracts.get(chain.chainId)!;
      // One request per message: in instant mode a rollup answers a sent transaction once it is included.
      const provider = new EthersWebSocketProvider(chain.wsUrl!, chain.chainId, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
      const heard = nothingHeard();
      const byFilter: EthersLog[] = [];
      const elsewhere: EthersLog[] = [];
      const from = await provider.getBlockNumber();
      await provider.on("block", (number: number) => heard.heads.push({ number }));
      await new Contract(contract, relayChain.abi, provider).on("Hopped", (...args: unknown[]) => {
        const { log } = args.at(-1) as ContractEventPayload;
        heard.logs.push({ transactionHash: log.transactionHash as Hex, logIndex: log.index });
      });
      await provider.on({ address: contract, topics: [HOPPED] }, (log: EthersLog) => byFilter.push(log));
      await provider.on({ address: labelAddress("nobody logs here") }, (log: EthersLog) => elsewhere.push(log));
      await provider.on("pending", (hash: string) => heard.pending.push(hash as Hex));

      const wallet = new Wallet(devKey(devnet, nextSender++), provider);
      const sent: Hex[] = [];
      for (const request of [{ to: contract, data: HOP_HERE }, { to: labelAddress("ethers over ws"), value: 1n }, { to: contract, data: HOP_HERE }]) {
        const response = await wallet.sendTransaction(request);
        await response.wait();
        sent.push(response.hash as Hex);
      }
      await expectExactly(chain, heard, { from, contract, sent });
      expect(byFilter.map((log) => log.transactionHash)).to.deep.equal(heard.logs.map(({ transactionHash }) => transactionHash));
      expect(elsewhere).to.deep.equal([]);
      await provider.destroy();
    });

    it(`viem webSocket transport on ${where}: watchBlocks, watchContractEvent, watchPendingTransactions (poll: false), sendRawTransaction over the socket`, async function () {
      const chain = chainOf();
      const contract = contracts.get(chain.chainId)!;
      let subscribed = 0;
      const client = createPublicClient({ chain: chain.chain, transport: observedWebSocket(chain.wsUrl!, () => subscribed++) });
      const heard = nothingHeard();
      const from = Number(await client.getBlockNumber());
      const unwatch = [
        client.watchBlocks({ poll: false, onBlock: (block) => heard.heads.push({ number: Number(block.number), hash: block.hash }) }),
        client.watchContractEvent({
          poll: false,
          address: contract,
          abi: relayChain.abi,
          eventName: "Hopped",
          onLogs: (logs) => heard.logs.push(...logs.map((log) => ({ transactionHash: log.transactionHash, logIndex: log.logIndex }))),
        }),
        client.watchPendingTransactions({ poll: false, onTransactions: (hashes) => heard.pending.push(...hashes) }),
      ];
      await waitUntil(() => subscribed === 3, { what: "viem's three subscriptions" });

      const sent = await signThree(devnet, chain, nextSender++, contract);
      for (const serializedTransaction of sent) {
        const hash = await client.sendRawTransaction({ serializedTransaction });
        await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      }
      await expectExactly(chain, heard, { from, contract, sent: sent.map((raw) => keccak256(raw)) });
      for (const stop of unwatch) stop();
      await client.transport.getRpcClient().then((rpcClient: { close(): void }) => rpcClient.close());
    });

    it(`web3.js v4 WebSocketProvider on ${where}: newBlockHeaders, logs with a filter, pendingTransactions`, async function () {
      const chain = chainOf();
      const contract = contracts.get(chain.chainId)!;
      const web3 = new Web3(new Web3WebSocketProvider(chain.wsUrl!));
      const heard = nothingHeard();
      const from = Number(await web3.eth.getBlockNumber());
      const heads = await web3.eth.subscribe("newBlockHeaders");
      heads.on("data", (header) => {
        heard.heads.push({ number: Number(header.number), hash: header.hash as Hex });
      });
      const logs = await web3.eth.subscribe("logs", { address: contract, topics: [HOPPED] });
      logs.on("data", (log) => {
        heard.logs.push({ transactionHash: log.transactionHash as Hex, logIndex: Number(log.logIndex) });
      });
      const pending = await web3.eth.subscribe("pendingTransactions");
      pending.on("data", (hash) => {
        heard.pending.push(hash as Hex);
      });

      const sent = await signThree(devnet, chain, nextSender++, contract);
      for (const raw of sent) await rpcResult(chain.rpcUrl!, "eth_sendRawTransaction", [raw]);
      await expectExactly(chain, heard, { from, contract, sent: sent.map((raw) => keccak256(raw)) });
      await web3.eth.clearSubscriptions();
      (web3.currentProvider as Web3WebSocketProvider).disconnect();
    });
  }

  it("notifies nothing more on the wire after eth_unsubscribe, and answers false for an id already dropped", async function () {
    const [rollup] = devnet.rollups as [DevnetChain];
    const client = await SocketClient.connect(rollup.wsUrl!);
    const ids = await Promise.all([["newHeads"], ["logs"], ["newPendingTransactions"]].map((params) => client.call<string>("eth_subscribe", params)));
    const [first, second] = await signThree(devnet, rollup, nextSender++, contracts.get(rollup.chainId)!);
    await client.call("eth_sendRawTransaction", [first]);
    await waitUntil(() => client.notifications().length === 3, { what: "a header, a log and a pending hash" });
    for (const id of ids) expect(await client.call("eth_unsubscribe", [id])).to.equal(true);
    expect(await client.call("eth_unsubscribe", [ids[0]])).to.equal(false);
    await client.call("eth_sendRawTransaction", [second]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(client.notifications()).to.have.length(3);
    client.socket.close();
  });

  it("after a revert, notifies the blocks built on the lower head as usual, on a rollup and on L1", async function () {
    const sender = nextSender++;
    const chainsToWatch = [devnet.rollups[0]!, devnet.l1];
    const clients = await Promise.all(chainsToWatch.map((chain) => SocketClient.connect(chain.wsUrl!)));
    const ids = await Promise.all(clients.map((client) => client.call<string>("eth_subscribe", ["newHeads"])));
    const send = (chain: DevnetChain, value: bigint) =>
      chain.publicClient.getTransactionCount({ address: accountAddress(devnet, sender) }).then(async (nonce) =>
        rpcResult(chain.rpcUrl!, "eth_sendRawTransaction", [await signTransaction(devKey(devnet, sender), { chainId: chain.chainId, nonce, to: labelAddress("after a revert"), value })]),
      );
    const snapshot = await devnet.snapshot();
    const heights = await Promise.all(chainsToWatch.map(async (chain) => Number(await chain.publicClient.getBlockNumber())));
    for (const chain of chainsToWatch) await send(chain, 1n);
    expect(await devnet.revert(snapshot)).to.equal(true);
    // Another value: another block at the same height.
    for (const chain of chainsToWatch) await send(chain, 2n);
    for (const [index, chain] of chainsToWatch.entries()) {
      const client = clients[index]!;
      // Other blocks may come too (L1's batch posts): the story is at the height above the snapshot's.
      const atHeight = () =>
        client
          .notifications(ids[index])
          .map(({ result }) => result as { number: Hex; hash: Hex })
          .filter(({ number }) => Number(number) === heights[index]! + 1);
      await waitUntil(() => atHeight().length >= 2, { what: `${chain.name}'s two headers at one height` });
      const [before, after] = atHeight();
      expect(after!.hash).to.not.equal(before!.hash);
      expect(after!.hash).to.equal((await chain.publicClient.getBlock({ blockNumber: BigInt(heights[index]! + 1) })).hash);
      client.socket.close();
    }
  });

  it("notifies whole pending transactions when asked with true, as eth_getTransactionByHash shows them once included", async function () {
    const rollup = devnet.rollups[1]!;
    const client = await SocketClient.connect(rollup.wsUrl!);
    const id = await client.call<string>("eth_subscribe", ["newPendingTransactions", true]);
    const [call, transfer] = await signThree(devnet, rollup, nextSender++, contracts.get(rollup.chainId)!);
    for (const raw of [call!, transfer!]) await client.call("eth_sendRawTransaction", [raw]);
    await waitUntil(() => client.notifications(id).length === 2, { what: "two whole transactions" });
    for (const { result } of client.notifications(id)) {
      const notified = result as Record<string, unknown>;
      const included = await client.call<Record<string, unknown>>("eth_getTransactionByHash", [notified.hash]);
      expect({ blockHash: notified.blockHash, blockNumber: notified.blockNumber, transactionIndex: notified.transactionIndex }).to.deep.equal({
        blockHash: null,
        blockNumber: null,
        transactionIndex: null,
      });
      for (const field of ["hash", "type", "chainId", "from", "to", "nonce", "gas", "maxFeePerGas", "maxPriorityFeePerGas", "value", "input", "accessList", "v", "r", "s"]) {
        expect(notified[field], field).to.deep.equal(included[field]);
      }
      // geth's field for typed transactions; EDR's rollup chains leave it out.
      expect(notified.yParity).to.equal(notified.v);
    }
    client.socket.close();
  });
});

describe("eth_subscribe on rollups: only the blocks of committed slots", function () {
  let devnet: Devnet;
  /** Blocks each rollup's engine mined, by chain id: those of failed attempts too. */
  const mined = new Map<number, number>();
  let contract: Address;
  let stopped = false;

  before(async function () {
    devnet = await startTestDevnet(
      { rollups: 2, manual: true },
      { wrapEngine: (engine) => new InterceptedEngine(engine, (step) => step === "mine" && mined.set(engine.chainId, (mined.get(engine.chainId) ?? 0) + 1)) },
    );
    const deployer = devKey(devnet, DEPLOYER);
    for (const rollup of devnet.rollups) {
      await devnet.sequencer.accept(rollup.chainId, await signTransaction(deployer, { chainId: rollup.chainId, nonce: 0, data: relayChain.bytecode, gas: 3_000_000n }));
    }
    await devnet.sequencer.produceSlot();
    // The same deployer and nonce: the same address on both rollups.
    contract = getContractAddress({ from: accountAddress(devnet, DEPLOYER), nonce: 0n });
  });
  after(async () => {
    if (!stopped) await devnet.stop();
  });

  it("notifies no block of a slot attempt that failed and was run again: a message whose action reverts, among successes", async function () {
    const [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
    const clients = await Promise.all([a, b].map((rollup) => SocketClient.connect(rollup.wsUrl!)));
    const subscriptions = await Promise.all(
      clients.map(async (client) => ({
        heads: await client.call<string>("eth_subscribe", ["newHeads"]),
        logs: await client.call<string>("eth_subscribe", ["logs", { address: contract }]),
        pending: await client.call<string>("eth_subscribe", ["newPendingTransactions"]),
      })),
    );
    const from = await Promise.all([a, b].map(async (rollup) => Number(await rollup.publicClient.getBlockNumber())));
    const minedBefore = [a, b].map((rollup) => mined.get(rollup.chainId) ?? 0);

    const start = (route: number[], failAtEnd: boolean) => encodeFunctionData({ abi: relayChain.abi, functionName: "start", args: [route.map(BigInt), failAtEnd] });
    const sends: [DevnetChain, number, Hex][] = [
      [a, 1, start([b.chainId], false)],
      [a, 2, start([b.chainId], true)],
      [b, 3, start([], false)],
      [a, 4, start([b.chainId], false)],
    ];
    const accepted = new Map<number, Hex[]>([[a.chainId, []], [b.chainId, []]]);
    for (const [rollup, sender, data] of sends) {
      const nonce = await devnet.sequencer.pendingNonce(rollup.chainId, accountAddress(devnet, sender));
      const raw = await signTransaction(devKey(devnet, sender), { chainId: rollup.chainId, nonce, to: contract, data, gas: 500_000n });
      accepted.get(rollup.chainId)!.push((await devnet.sequencer.accept(rollup.chainId, raw)).hash);
    }
    const slot = (await devnet.sequencer.produceSlot())!;
    // Only the trigger whose action reverts on B is dropped; the slot ran again around it.
    expect(slot.dropped.map(({ transaction }) => transaction.hash)).to.deep.equal([accepted.get(a.chainId)![1]]);

    for (const [index, rollup] of [a, b].entries()) {
      const client = clients[index]!;
      const { heads, logs, pending } = subscriptions[index]!;
      const to = Number(await rollup.publicClient.getBlockNumber());
      // The failed attempt mined blocks that were taken back: more than the chain kept.
      expect((mined.get(rollup.chainId) ?? 0) - minedBefore[index]!).to.be.greaterThan(to - from[index]!);
      await waitUntil(() => client.notifications(heads).length >= to - from[index]!, { what: `${rollup.name}'s headers` });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const blocks = await Promise.all(Array.from({ length: to - from[index]! }, (_, offset) => rollup.publicClient.getBlock({ blockNumber: BigInt(from[index]! + 1 + offset) })));
      const notified = (of: string) => client.notifications(of).map(({ result }: Notification) => result as Record<string, Hex>);
      expect(notified(heads).map(({ hash }) => hash)).to.deep.equal(blocks.map(({ hash }) => hash));
      const kept = await rollup.publicClient.getLogs({ address: contract, fromBlock: BigInt(from[index]! + 1) });
      expect(notified(logs).map(({ transactionHash, logIndex }) => [transactionHash, Number(logIndex)])).to.deep.equal(kept.map((log) => [log.transactionHash, log.logIndex]));
      expect(notified(pending)).to.deep.equal(accepted.get(rollup.chainId));
    }
    for (const client of clients) client.socket.close();
  });

  it("disconnects WebSocket clients when the devnet stops", async function () {
    const client = await SocketClient.connect(devnet.l1.wsUrl!);
    await client.call("eth_subscribe", ["newHeads"]);
    const closed = client.closed();
    stopped = true;
    await devnet.stop();
    expect(await closed).to.equal(1006);
  });
});

describe("eth_subscribe in slot mode", function () {
  it("notifies one header per rollup per slot, each the chain's block, in order", async function () {
    const devnet = await startTestDevnet({ rollups: 2, slotMs: 200 });
    try {
      const clients = await Promise.all(devnet.rollups.map((rollup) => SocketClient.connect(rollup.wsUrl!)));
      const ids = await Promise.all(clients.map((client) => client.call<string>("eth_subscribe", ["newHeads"])));
      await waitUntil(() => clients.every((client, index) => client.notifications(ids[index]).length >= 5), { what: "five slots", timeoutMs: 20_000 });
      const heads = clients.map((client, index) => client.notifications(ids[index]).map(({ result }) => result as { number: Hex; hash: Hex; timestamp: Hex }));
      for (const [index, rollup] of devnet.rollups.entries()) {
        const numbers = heads[index]!.map(({ number }) => Number(number));
        expect(numbers).to.deep.equal(numbers.map((_, offset) => numbers[0]! + offset));
        for (const { number, hash } of heads[index]!) expect((await rollup.publicClient.getBlock({ blockNumber: BigInt(number) })).hash).to.equal(hash);
      }
      // Every slot makes one block on each rollup: the same number on both, at the slot's timestamp.
      const [a, b] = heads as [typeof heads[0], typeof heads[0]];
      const common = a.filter(({ number }) => b.some((head) => head.number === number));
      expect(common.length).to.be.greaterThanOrEqual(4);
      for (const head of common) expect(b.find(({ number }) => number === head.number)!.timestamp).to.equal(head.timestamp);
      for (const client of clients) client.socket.close();
    } finally {
      await devnet.stop();
    }
  });
});
