import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Address, encodeFunctionData, type Hex, keccak256 } from "viem";
import { MESSENGER_ADDRESS } from "../../contracts/addresses.ts";
import { artifact } from "../../contracts/artifacts.ts";
import { DataDirError } from "../../devnet/data-dir.ts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { type DevnetState, readStateFile, StateFileError } from "../../devnet/state-file.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import type { InboxState } from "../../sequencer/batch/builder.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import type { SequencerStatus } from "../../sequencer/sequencer.ts";
import {
  accountAddress,
  devKey,
  inboxAddress,
  labelAddress,
  readInboxState,
  rpcResult,
  runCli,
  signTransaction,
  signTransfer,
  startTestDevnet,
  waitUntil,
  startCliDevnet,
  type CliDevnet,
} from "../support/fixtures.ts";

/** The development account that sends every story's transactions. */
const USER = 2;
const VALUE = 10n ** 15n;
const messenger = artifact("L2ToL2CrossDomainMessenger");

function send(chain: DevnetChain, raw: Hex): Promise<Hex> {
  return rpcResult<Hex>(chain.rpcUrl!, "eth_sendRawTransaction", [raw]);
}

/** What a user sees of a devnet that a dump and a load must keep. */
interface Seen {
  balances: bigint[];
  nonces: number[];
  blockNumbers: bigint[];
  /** Of the rollups' transactions. */
  statuses: (TransactionStatus | null)[];
  /** The block of the L1 transaction. */
  l1Block: Hex;
  inbox: InboxState;
  lastBatch: SequencerStatus["lastBatch"];
  pendingTransactions: number;
}

async function see(devnet: Devnet, recipient: Address, hashes: readonly [DevnetChain, Hex][], onL1: Hex): Promise<Seen> {
  const chains = [devnet.l1, ...devnet.rollups];
  const sender = accountAddress(devnet, USER);
  const status = await rpcResult<SequencerStatus>(devnet.l1.rpcUrl!, "xr_getSequencerStatus");
  return {
    balances: await Promise.all(chains.flatMap((chain) => [sender, recipient].map((address) => chain.publicClient.getBalance({ address })))),
    nonces: await Promise.all(chains.map((chain) => chain.publicClient.getTransactionCount({ address: sender }))),
    blockNumbers: await Promise.all(chains.map((chain) => chain.publicClient.getBlockNumber({ cacheTime: 0 }))),
    statuses: await Promise.all(hashes.map(([chain, hash]) => rpcResult<TransactionStatus | null>(chain.rpcUrl!, "xr_getTransactionStatus", [hash]))),
    l1Block: (await devnet.l1.publicClient.getTransactionReceipt({ hash: onL1 })).blockHash,
    inbox: await readInboxState(devnet),
    lastBatch: status.lastBatch,
    pendingTransactions: status.pendingTransactions,
  };
}

async function expectVerified(devnet: Devnet, batches: number): Promise<void> {
  const result = await verifyFromL1({ l1: devnet.l1.provider, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
  expect(result.mismatch).to.equal(undefined);
  expect(result.batches).to.equal(batches);
}

/** Awaits a devnet start that must fail, and returns its error. */
async function startFailure(start: Promise<Devnet>): Promise<unknown> {
  const outcome = await start.then(
    async (devnet) => {
      await devnet.stop();
      return undefined;
    },
    (error: unknown) => ({ error }),
  );
  if (outcome === undefined) return expect.fail("expected the devnet not to start");
  return outcome.error;
}

describe("dump and load the whole devnet", function () {
  describe("xr_dumpState, then a devnet started with loadState", function () {
    const recipient = labelAddress("state: dump and load");
    let directory: string;
    let state: DevnetState;
    let hashes: [DevnetChain, Hex][];
    let onL1: Hex;
    let waiting: Hex;
    let filler: Hex;
    let dumped: Seen;
    let loaded: Devnet;

    before(async function () {
      directory = await mkdtemp(path.join(tmpdir(), "xrollup-state-"));
      const devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000 });
      try {
        const [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
        const message = encodeFunctionData({ abi: messenger.abi, functionName: "sendMessage", args: [BigInt(b.chainId), recipient, "0x"] });
        hashes = [
          [a, await send(a, await signTransfer(devnet, a.chainId, USER, 0, recipient, VALUE))],
          [b, await send(b, await signTransfer(devnet, b.chainId, USER, 0, recipient, VALUE))],
          [a, await send(a, await signTransaction(devKey(devnet, USER), { chainId: a.chainId, nonce: 1, to: MESSENGER_ADDRESS, data: message, gas: 500_000n }))],
        ];
        onL1 = await send(devnet.l1, await signTransfer(devnet, devnet.l1.chainId, USER, 0, recipient, VALUE));
        await devnet.sequencer.flush();
        // A slot not yet in a batch, and a transaction waiting for its sender's nonce 3: both outlive the dump.
        hashes.push([a, await send(a, await signTransfer(devnet, a.chainId, USER, 2, recipient, VALUE))]);
        waiting = (await devnet.sequencer.accept(a.chainId, await signTransfer(devnet, a.chainId, USER, 4, recipient, VALUE))).hash;
        filler = await signTransfer(devnet, a.chainId, USER, 3, recipient, VALUE);
        hashes.push([a, waiting]);
        state = await rpcResult<DevnetState>(devnet.l1.rpcUrl!, "xr_dumpState");
        dumped = await see(devnet, recipient, hashes, onL1);
      } finally {
        await devnet.stop();
      }
      loaded = await startTestDevnet({ rollups: 2, batchMs: 3_600_000, loadState: state });
      // The same hashes, asked of the loaded devnet's endpoints.
      hashes = hashes.map(([chain, hash]) => [loaded.rollups.find((other) => other.chainId === chain.chainId)!, hash]);
    });
    after(async function () {
      await loaded?.stop();
      await rm(directory, { recursive: true, force: true });
    });

    it("holds every chain, every transaction's status, the inbox and the pending transaction, as they were", async function () {
      expect(dumped.statuses.at(-1)?.status).to.equal("pending");
      expect(dumped.lastBatch?.number).to.equal(1);
      expect(await see(loaded, recipient, hashes, onL1)).to.deep.equal(dumped);
    });

    it("takes new transactions, runs the one that waited, and passes verify", async function () {
      const [a, b] = loaded.rollups as [DevnetChain, DevnetChain];
      await send(a, filler);
      await waitUntil(async () => loaded.sequencer.transactionStatus(waiting)?.status === "included", { what: "the waiting transaction" });
      const onB = await send(b, await signTransfer(loaded, b.chainId, USER, 1, recipient, VALUE));
      expect(loaded.sequencer.transactionStatus(onB)?.status).to.equal("included");
      await loaded.sequencer.flush();
      expect(loaded.sequencer.transactionStatus(keccak256(filler))?.batch?.number).to.equal(2);
      await expectVerified(loaded, 2);
    });

    it("goes into an empty data directory, which a restart then resumes", async function () {
      const dataDir = path.join(directory, "data");
      const first = await startTestDevnet({ rollups: 2, loadState: state, dataDir });
      const balance = await first.rollups[0]!.publicClient.getBalance({ address: recipient });
      await first.stop();
      const restarted = await startTestDevnet({ rollups: 2, dataDir });
      try {
        expect(await restarted.rollups[0]!.publicClient.getBalance({ address: recipient })).to.equal(balance);
        expect(balance).to.equal(dumped.balances[3]);
      } finally {
        await restarted.stop();
      }
      const refused = await startFailure(startTestDevnet({ rollups: 2, loadState: state, dataDir }));
      expect(refused).to.be.instanceOf(DataDirError);
      expect((refused as DataDirError).shortMessage).to.match(/already holds a devnet/);
    });

    it("refuses a state made with other chain options, or that is no devnet state", async function () {
      const otherRollups = await startFailure(startTestDevnet({ rollups: 3, loadState: state }));
      expect(otherRollups).to.be.instanceOf(StateFileError);
      expect((otherRollups as StateFileError).shortMessage).to.equal(
        "State given to startDevnet: it holds a devnet made with rollups 2, not 3; start with the same options.",
      );
      const notAState = await startFailure(startTestDevnet({ loadState: { ...state, format: "something else" } as unknown as DevnetState }));
      expect(notAState).to.be.instanceOf(StateFileError);
      const otherVersion = await startFailure(startTestDevnet({ loadState: { ...state, version: state.version + 1 } }));
      expect((otherVersion as StateFileError).shortMessage).to.match(/written by another version of xrollup/);
    });
  });

  describe("`xrollup devnet --dump-state FILE`, then `--load-state FILE`", function () {
    const recipient = labelAddress("state: cli");
    let directory: string;
    let stateFile: string;
    const children: ChildProcess[] = [];

    /** Starts `xrollup devnet --port 0 --manifest …` with `args`; resolves with its manifest once it is ready. */
    async function startCli(args: readonly string[], name: string): Promise<CliDevnet> {
      const manifestFile = path.join(directory, `${name}.json`);
      const started = await startCliDevnet(["--quiet", ...args], manifestFile);
      children.push(started.child);
      return started;
    }

    before(async function () {
      directory = await mkdtemp(path.join(tmpdir(), "xrollup-state-cli-"));
      stateFile = path.join(directory, "state.json");
    });
    after(async function () {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await rm(directory, { recursive: true, force: true });
    });

    it("writes the state on SIGINT, refuses it with other options in one line, and starts from it with the same", async function () {
      const first = await startCli(["--dump-state", stateFile], "first");
      const rollup = first.manifest.rollups[0]!;
      const user = first.manifest.accounts[USER]!;
      const raw = await signTransaction(user.privateKey, { chainId: rollup.chainId, nonce: 0, to: recipient, value: VALUE });
      const hash = await rpcResult<Hex>(rollup.rpcUrl!, "eth_sendRawTransaction", [raw]);
      first.child.kill("SIGINT");
      const run = await first.exited;
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.include(`state written to ${stateFile}`);
      const history = await readStateFile(stateFile);
      expect(history.journal.some((entry) => entry.kind === "accepted" && entry.transaction.hash === hash)).to.equal(true);

      const refused = await runCli(["devnet", "--load-state", stateFile, "--rollups", "3", "--port", "0"]);
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.equal(`xrollup: State file ${stateFile}: it holds a devnet made with rollups 2, not 3; start with the same options.\n`);

      const second = await startCli(["--load-state", stateFile], "second");
      const status = await rpcResult<TransactionStatus>(second.manifest.rollups[0]!.rpcUrl!, "xr_getTransactionStatus", [hash]);
      expect(status.status).to.equal("included");
      const balance = await rpcResult<Hex>(second.manifest.rollups[0]!.rpcUrl!, "eth_getBalance", [recipient, "latest"]);
      expect(BigInt(balance)).to.equal(VALUE);
      second.child.kill("SIGINT");
      expect((await second.exited).code).to.equal(0);
    });
  });
});
