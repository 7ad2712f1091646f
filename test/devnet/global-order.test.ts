import { expect } from "chai";
import { type Address, type Hex, keccak256 } from "viem";
import { sharedInboxArtifact } from "../../contracts/artifacts.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import { accountAddress, inboxAddress, labelAddress, readInboxState, rpc, signTransfer, startTestDevnet } from "../support/fixtures.ts";

/** Development accounts that send; each sends {@link TRANSFERS_PER_SENDER} transfers on every rollup. */
const SENDERS = [1, 2, 3, 4] as const;
const TRANSFERS_PER_SENDER = 3;
const VALUE = 1_000n;

interface Sent {
  hash: Hex;
  chainId: number;
  sender: number;
  nonce: number;
  /** How it reached the sequencer. */
  via: "provider" | "http";
}

/** A fresh address per rollup that only these transfers pay. */
function recipientOn(chainId: number): Address {
  return labelAddress(`global-order recipient ${chainId}`);
}

/**
 * Every sender sends its transfers on every rollup at once, all concurrently:
 * even senders through the in-process provider, odd ones over HTTP.
 */
async function sendConcurrently(devnet: Devnet): Promise<Sent[]> {
  const planned = devnet.rollups.flatMap((rollup) =>
    SENDERS.flatMap((sender) =>
      Array.from({ length: TRANSFERS_PER_SENDER }, (_, nonce) => ({
        rollup,
        sender,
        nonce,
        via: sender % 2 === 0 ? ("provider" as const) : ("http" as const),
      })),
    ),
  );
  const signed = await Promise.all(
    planned.map(async (plan) => ({
      ...plan,
      raw: await signTransfer(devnet, plan.rollup.chainId, plan.sender, plan.nonce, recipientOn(plan.rollup.chainId), VALUE),
    })),
  );
  return Promise.all(
    signed.map(async ({ rollup, sender, nonce, via, raw }): Promise<Sent> => {
      let hash: Hex;
      if (via === "provider") {
        hash = (await rollup.provider.request({ method: "eth_sendRawTransaction", params: [raw] })) as Hex;
      } else {
        const response = await rpc<Hex>(rollup.rpcUrl!, "eth_sendRawTransaction", [raw]);
        expect(response.error, `HTTP send of sender ${sender} nonce ${nonce}`).to.equal(undefined);
        hash = response.result!;
      }
      expect(hash).to.equal(keccak256(raw));
      return { hash, chainId: rollup.chainId, sender, nonce, via };
    }),
  );
}

for (const rollupCount of [2, 3]) {
  describe(`global order across ${rollupCount} rollups (instant mode)`, function () {
    let devnet: Devnet;
    let sent: Sent[];
    const status = (hash: Hex): TransactionStatus => {
      const found = devnet.sequencer.transactionStatus(hash);
      expect(found, `status of ${hash}`).to.not.equal(null);
      return found!;
    };

    before(async function () {
      devnet = await startTestDevnet({ rollups: rollupCount });
      sent = await sendConcurrently(devnet);
    });

    after(async function () {
      await devnet?.stop();
    });

    it("includes every transaction sent concurrently, in-process and over HTTP", async function () {
      expect(sent).to.have.length(rollupCount * SENDERS.length * TRANSFERS_PER_SENDER);
      expect(new Set(sent.map((s) => s.via))).to.have.keys("provider", "http");
      for (const { hash, chainId } of sent) {
        const { status: state, chainId: statusChain } = status(hash);
        expect(state).to.equal("included");
        expect(statusChain).to.equal(chainId);
      }
      for (const rollup of devnet.rollups) {
        expect(await rollup.publicClient.getBalance({ address: recipientOn(rollup.chainId) })).to.equal(
          VALUE * BigInt(SENDERS.length * TRANSFERS_PER_SENDER),
        );
        for (const sender of SENDERS) {
          const nonce = await rollup.publicClient.getTransactionCount({ address: accountAddress(devnet, sender) });
          expect(nonce, `nonce of sender ${sender} on ${rollup.chainId}`).to.equal(TRANSFERS_PER_SENDER);
        }
      }
    });

    it("numbers them 0..n-1 across all rollups, without gap or repeat, slot after slot", function () {
      const inOrder = sent.map(({ hash }) => status(hash)).sort((a, b) => a.globalSeq! - b.globalSeq!);
      expect(inOrder.map(({ globalSeq }) => globalSeq)).to.deep.equal(Array.from({ length: sent.length }, (_, index) => index));
      const slots = inOrder.map(({ slot }) => slot!);
      expect(slots).to.deep.equal([...slots].sort((a, b) => a - b));
    });

    it("orders each rollup's blocks as the global order: a later globalSeq is in a later or equal block, at a later position", async function () {
      for (const rollup of devnet.rollups) {
        const ours = sent
          .filter((s) => s.chainId === rollup.chainId)
          .map((s) => ({ ...s, globalSeq: status(s.hash).globalSeq! }))
          .sort((a, b) => a.globalSeq - b.globalSeq);
        const receipts = await Promise.all(ours.map(({ hash }) => rollup.publicClient.getTransactionReceipt({ hash })));
        for (const [index, receipt] of receipts.entries()) {
          expect(receipt.status).to.equal("success");
          expect(Number(receipt.blockNumber)).to.equal(status(ours[index]!.hash).blockNumber);
          if (index === 0) continue;
          const previous = receipts[index - 1]!;
          expect(receipt.blockNumber >= previous.blockNumber, `block of globalSeq ${ours[index]!.globalSeq}`).to.equal(true);
          if (receipt.blockNumber === previous.blockNumber) {
            expect(receipt.transactionIndex).to.be.greaterThan(previous.transactionIndex);
          }
        }
        // A sender's nonces run in global order too.
        for (const sender of SENDERS) {
          const nonces = ours.filter((s) => s.sender === sender).map((s) => s.nonce);
          expect(nonces).to.deep.equal([...nonces].sort((a, b) => a - b));
        }
      }
    });

    it("names the L1 batch of every transaction after a flush, and every batch succeeded on L1", async function () {
      await devnet.sequencer.flush();
      for (const { hash } of sent) {
        const { batch } = status(hash);
        expect(batch, `batch of ${hash}`).to.not.equal(null);
        const posted = devnet.sequencer.batches.find((candidate) => candidate.number === batch!.number);
        expect(posted?.l1TxHash).to.equal(batch!.l1TxHash);
      }
      for (const posted of devnet.sequencer.batches) {
        const receipt = await devnet.l1.publicClient.getTransactionReceipt({ hash: posted.l1TxHash });
        expect(receipt.status, `L1 receipt of batch ${posted.number}`).to.equal("success");
        expect(receipt.to?.toLowerCase()).to.equal(inboxAddress(devnet).toLowerCase());
      }
      expect(devnet.sequencer.batches.map((posted) => posted.number)).to.deep.equal(
        devnet.sequencer.batches.map((_, index) => index + 1),
      );
    });

    it("leaves the inbox at n transactions, with every rollup's latest block as its head", async function () {
      const { abi } = sharedInboxArtifact();
      const address = inboxAddress(devnet);
      const nextGlobalSeq = await devnet.l1.publicClient.readContract({ address, abi, functionName: "nextGlobalSeq" });
      expect(nextGlobalSeq).to.equal(BigInt(sent.length));
      const state = await readInboxState(devnet);
      expect(state.batchNumber).to.equal(devnet.sequencer.batches.length);
      expect(state.batchHash).to.equal(devnet.sequencer.batches.at(-1)!.hash);
      for (const rollup of devnet.rollups) {
        const latest = await rollup.publicClient.getBlock({ blockTag: "latest" });
        const head = await devnet.l1.publicClient.readContract({
          address,
          abi,
          functionName: "head",
          args: [BigInt(rollup.chainId)],
        });
        expect(head.blockNumber).to.equal(latest.number);
        expect(head.blockHash).to.equal(latest.hash);
        expect(head.stateRoot).to.equal(latest.stateRoot);
      }
    });
  });
}
