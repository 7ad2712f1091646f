import { expect } from "chai";
import { type Address, getContractAddress, type Hex, isAddressEqual, keccak256, toHex } from "viem";
import { zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { defaultSequencerAccount } from "../../rollups/accounts.ts";
import { buildBatch } from "../../sequencer/batch/builder.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { type VerifyResult, verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { InboxConflictError } from "../../sequencer/batch/queue.ts";
import { BatchPoster, BatchRejectedError, inboxAddressOf } from "../../sequencer/inbox.ts";
import type { SlotResult } from "../../sequencer/types.ts";
import {
  accountAddress,
  ANSWER_CONTRACT,
  certifiedByFirstMember,
  devKey,
  inboxAddress,
  labelAddress,
  NOTHING_FORCED,
  readInboxState,
  runCli,
  signTransaction,
  signTransfer,
  startTestDevnet,
} from "../support/fixtures.ts";

const RECIPIENT = labelAddress("derivation recipient");
/** Development account that deploys and calls the contract. */
const DEPLOYER = 3;

/** One transaction as a round sends it on every rollup. */
interface Planned {
  from: number;
  nonce: number;
  to?: Address;
  value?: bigint;
  data?: Hex;
  gas?: bigint;
}

/** Sends signed transactions concurrently, each on its rollup; resolves once all are included. */
async function sendAll(sends: readonly { rollup: DevnetChain; raw: Hex }[]): Promise<Hex[]> {
  return Promise.all(
    sends.map(async ({ rollup, raw }) => (await rollup.provider.request({ method: "eth_sendRawTransaction", params: [raw] })) as Hex),
  );
}

describe("derivation: every rollup re-derived from L1 alone", function () {
  let devnet: Devnet;
  /** Errors of the sequencer's background work (batch posting). */
  const backgroundErrors: unknown[] = [];
  let sent: Hex[] = [];

  before(async function () {
    // Batches only when the test flushes: one per round.
    devnet = await startTestDevnet({ rollups: 2, batchMs: 3_600_000 }, { onError: (error) => backgroundErrors.push(error) });
    const contract = deployedAddress();
    const rounds: Planned[][] = [
      // Transfers from two senders.
      [
        { from: 1, nonce: 0, to: RECIPIENT, value: 1_000n },
        { from: 2, nonce: 0, to: RECIPIENT, value: 1_000n },
      ],
      // The contract's deployment, and a transfer.
      [
        { from: DEPLOYER, nonce: 0, data: ANSWER_CONTRACT.initCode, gas: 100_000n },
        { from: 2, nonce: 1, to: RECIPIENT, value: 2_000n },
      ],
      // A call to the contract (it logs), and a transfer.
      [
        { from: DEPLOYER, nonce: 1, to: contract, data: "0x", gas: 50_000n },
        { from: 1, nonce: 1, to: RECIPIENT, value: 3_000n },
      ],
    ];
    for (const round of rounds) {
      const signed = await Promise.all(
        devnet.rollups.flatMap((rollup) =>
          round.map(async ({ from, ...transaction }) => ({
            rollup,
            raw: await signTransaction(devKey(devnet, from), { chainId: rollup.chainId, ...transaction }),
          })),
        ),
      );
      sent = [...sent, ...(await sendAll(signed))];
      await devnet.sequencer.flush();
    }
  });

  after(async function () {
    await devnet?.stop();
  });

  /** Where DEPLOYER's nonce-0 deployment lands: the same address on every rollup. */
  function deployedAddress(): Address {
    return getContractAddress({ from: accountAddress(devnet, DEPLOYER), nonce: 0n });
  }

  it("ran every round on both rollups: transfers paid, the contract deployed and called, one batch per round", async function () {
    for (const rollup of devnet.rollups) {
      expect(await rollup.publicClient.getBalance({ address: RECIPIENT })).to.equal(2n * 1_000n + 2_000n + 3_000n);
      expect(await rollup.publicClient.getCode({ address: deployedAddress() })).to.equal(ANSWER_CONTRACT.runtime);
      const logs = await rollup.publicClient.getLogs({ address: deployedAddress(), fromBlock: 0n });
      expect(logs.map((log) => log.data)).to.deep.equal([ANSWER_CONTRACT.answer]);
    }
    for (const hash of sent) expect(devnet.sequencer.transactionStatus(hash)?.status).to.equal("included");
    expect(devnet.sequencer.batches.map((batch) => batch.number)).to.deep.equal([1, 2, 3]);
  });

  it("verifyFromL1 rebuilds every block of every batch and finds every state root", async function () {
    const result = await verifyFromL1({ l1: devnet.l1.provider, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
    const blocks = await Promise.all(devnet.rollups.map((rollup) => rollup.publicClient.getBlockNumber({ cacheTime: 0 })));
    expect(result).to.deep.equal({
      ok: true,
      batches: 3,
      transactions: sent.length,
      blocks: blocks.reduce((sum, count) => sum + Number(count), 0),
      forced: NOTHING_FORCED,
    });
  });

  it("`xrollup verify --l1 URL --json` finds the inbox on its own and exits 0 with the same result", async function () {
    expect(isAddressEqual(inboxAddressOf(defaultSequencerAccount().address), inboxAddress(devnet))).to.equal(true);
    const run = await runCli(["verify", "--l1", devnet.l1.rpcUrl!, "--json"]);
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as VerifyResult;
    expect(result).to.deep.equal(await verifyFromL1({ l1: devnet.l1.provider, inbox: inboxAddress(devnet), startEngine: startGenesisEngine }));
  });

  describe("after the sequencer's key posts a batch with a forged state root", function () {
    const forgedRoot = keccak256(toHex("forged state root"));
    let rollup: DevnetChain;
    let blockNumber: number;
    let realRoot: Hex;
    let forgedBatch: number;

    before(async function () {
      rollup = devnet.rollups[0]!;
      const raw = await signTransfer(devnet, rollup.chainId, 4, 0, RECIPIENT, 4_000n);
      const [hash] = await sendAll([{ rollup, raw }]);
      // The transaction runs in its own slot; the sequencer holds it for its next batch.
      const status = devnet.sequencer.transactionStatus(hash!)!;
      const block = await rollup.publicClient.getBlock({ blockNumber: BigInt(status.blockNumber!) });
      expect(block.transactions).to.deep.equal([hash]);
      blockNumber = Number(block.number);
      realRoot = block.stateRoot;
      // The very batch the sequencer would post next, rebuilt from the chain, but lying about the state root.
      const slot: SlotResult = {
        slot: status.slot!,
        timestamp: Number(block.timestamp),
        included: [
          {
            transaction: {
              hash: hash!,
              chainId: rollup.chainId,
              from: accountAddress(devnet, 4),
              to: undefined,
              nonce: 0,
              raw,
              gas: 21_000n,
              maxFeePerGas: 10_000_000_000n,
              maxPriorityFeePerGas: 1_000_000_000n,
              arrival: 0,
              receivedAt: 0,
            },
            inclusion: { globalSeq: status.globalSeq!, blockNumber, blockHash: block.hash, slot: status.slot! },
          },
        ],
        dropped: [],
        blocks: [
          {
            chainId: rollup.chainId,
            number: blockNumber,
            hash: block.hash,
            stateRoot: forgedRoot,
            timestamp: Number(block.timestamp),
            transactions: [raw],
          },
        ],
        messageHashes: devnet.rollups.map(() => {
          const none = devnet.rollups.map((): Hex => zeroHash);
          return { sent: none, relayed: none };
        }),
        randomness: { commitment: zeroHash, seed: zeroHash },
      };
      const batch = buildBatch([slot], await readInboxState(devnet));
      forgedBatch = Number(batch.header.number);
      const sequencerKey = privateKeyToAccount(defaultSequencerAccount().privateKey);
      await new BatchPoster(devnet.l1.provider, [sequencerKey], inboxAddress(devnet)).postBatch(certifiedByFirstMember(devnet, batch));
    });

    it("the inbox accepts it: it checks the batch chain, not the execution", async function () {
      const inbox = await readInboxState(devnet);
      expect(inbox.batchNumber).to.equal(4);
      expect(forgedBatch).to.equal(4);
      const head = inbox.heads.find(({ chainId }) => chainId === rollup.chainId)!.head;
      expect(head).to.deep.include({ blockNumber, stateRoot: forgedRoot });
      expect(realRoot).to.not.equal(forgedRoot);
    });

    it("verifyFromL1 fails, naming the batch, the rollup, the block and the state root", async function () {
      const result = await verifyFromL1({ l1: devnet.l1.provider, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
      expect(result.ok).to.equal(false);
      expect(result.batches).to.equal(3);
      expect(result.mismatch).to.deep.equal({
        batch: forgedBatch,
        chainId: rollup.chainId,
        blockNumber,
        field: "stateRoot",
        expected: forgedRoot,
        actual: realRoot,
      });
    });

    it("`xrollup verify` exits 1 and prints the mismatch", async function () {
      const run = await runCli(["verify", "--l1", devnet.l1.rpcUrl!]);
      expect(run.code, run.stderr).to.equal(1);
      const lines = run.stdout.trim().split("\n");
      expect(lines[0]).to.equal(`MISMATCH in batch ${forgedBatch}, rollup ${rollup.chainId}, block ${blockNumber}: stateRoot`);
      expect(lines.slice(1).map((line) => line.trim().split(/\s+/).at(-1))).to.deep.equal([forgedRoot, realRoot]);
    });

    it("the honest sequencer's own next batch is then refused by the inbox; the sequencer notices and stops posting", async function () {
      await devnet.sequencer.flush();
      expect(devnet.sequencer.batches).to.have.length(3);
      expect(backgroundErrors.map((error) => (error as Error).constructor)).to.deep.equal([BatchRejectedError, InboxConflictError]);
      const status = devnet.sequencer.status();
      expect(status.healthy).to.equal(false);
      expect(status.inboxConflict?.expected.batchCount).to.equal(3);
      expect(status.inboxConflict?.actual.batchCount).to.equal(4);
      await devnet.sequencer.flush();
      expect(backgroundErrors).to.have.length(2);
    });
  });
});
