import { expect } from "chai";
import { isError, type JsonRpcProvider, Wallet } from "ethers";
import { type Address, encodeDeployData, encodeFunctionData, getContractAddress, type Hex, keccak256, zeroHash } from "viem";
import { MESSENGER_ADDRESS } from "../../contracts/addresses.ts";
import { artifact } from "../../contracts/artifacts.ts";
import { type DemoDeployment, deployDemo } from "../../demo/deploy.ts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { JSON_RPC_ERROR_CODES } from "../../errors/base.ts";
import { defaultSequencerAccount } from "../../rollups/accounts.ts";
import { startGenesisEngine } from "../../rollups/edr-engine.ts";
import { verifyFromL1 } from "../../sequencer/derivation/verify.ts";
import { GasLimitTooHighError, InvalidBundleError } from "../../sequencer/errors.ts";
import type { TransactionStatus } from "../../sequencer/records.ts";
import {
  ethersProvider,
  rpcErrorBody,
  rpcErrorOf,
  sendRaw,
  sequencerStatus,
  signWith,
  transactionStatus,
  waitForStatus,
} from "../support/ethers.ts";
import { accountAddress, devKey, inboxAddress, labelAddress, readInboxState, startTestDevnet, TEST_FEES } from "../support/fixtures.ts";

const relayChain = artifact("MessageRelayChain");
const demoToken = artifact("DemoToken");
const messenger = artifact("L2ToL2CrossDomainMessenger");
const bridgedToken = artifact("BridgedToken");
const RECIPIENT = labelAddress("findings recipient");
/** Fees raised by exactly the 10% a replacement must pay. */
const BUMPED = { maxFeePerGas: (TEST_FEES.maxFeePerGas * 110n) / 100n, maxPriorityFeePerGas: (TEST_FEES.maxPriorityFeePerGas * 110n) / 100n };

function tokenTransfer(to: Address, amount: bigint): Hex {
  return encodeFunctionData({ abi: demoToken.abi, functionName: "transfer", args: [to, amount] });
}

function startCall(route: readonly number[], failAtEnd: boolean): Hex {
  return encodeFunctionData({ abi: relayChain.abi, functionName: "start", args: [route.map(BigInt), failAtEnd] });
}

/** `hop` takes calls only from the messenger: from a user, it reverts. */
const REVERTING_HOP = encodeFunctionData({ abi: relayChain.abi, functionName: "hop", args: [[], false] });

async function tokenBalance(provider: JsonRpcProvider, token: Address, owner: Address): Promise<bigint> {
  return BigInt(await provider.call({ to: token, data: encodeFunctionData({ abi: demoToken.abi, functionName: "balanceOf", args: [owner] }) }));
}

/** The statuses of every transaction in every block of a rollup, read over HTTP (concurrently: ethers batches them). */
async function everyTransactionStatus(provider: JsonRpcProvider): Promise<(TransactionStatus & { hash: Hex })[]> {
  const latest = await provider.getBlockNumber();
  const blocks = await Promise.all(
    Array.from({ length: latest }, async (_, index) => {
      const block = (await provider.send("eth_getBlockByNumber", [`0x${(index + 1).toString(16)}`, false])) as { transactions: Hex[] };
      return block.transactions;
    }),
  );
  return Promise.all(blocks.flat().map(async (hash) => ({ hash, ...(await transactionStatus(provider, hash))! })));
}

describe("findings, reproduced over HTTP with ethers", function () {
  describe("manual mode", function () {
    let devnet: Devnet;
    let a: DevnetChain;
    let b: DevnetChain;
    let l1: JsonRpcProvider;
    let onA: JsonRpcProvider;
    let onB: JsonRpcProvider;
    let relayContract: Address;
    let token: Address;
    let stopped = false;

    /** Development accounts by story. */
    const DEPLOYER = 19;
    const TOKEN_OWNER = 18;
    const RESENDER = 17;
    const NONCE_DROPPER = 16;
    const LOW_FEE = 15;
    const TRIGGERER = 14;
    const RELAY_CALLER = 13;
    const BUNDLER = 12;
    /** The mixed load's senders. */
    const LOAD_SENDERS = [1, 2, 3, 4, 5, 6, 7, 8];

    function providerOf(rollup: DevnetChain): JsonRpcProvider {
      return rollup === a ? onA : onB;
    }

    async function sign(index: number, rollup: DevnetChain, fields: Omit<Parameters<typeof signWith>[2], "nonce"> & { nonce?: number }): Promise<Hex> {
      const signer = new Wallet(devKey(devnet, index), providerOf(rollup));
      return signWith(signer, rollup.chainId, { nonce: await signer.getNonce("pending"), ...fields });
    }

    async function produceSlot() {
      const result = await devnet.sequencer.produceSlot();
      expect(result, "the slot succeeds").to.not.equal(undefined);
      return result!;
    }

    before(async function () {
      devnet = await startTestDevnet({ rollups: 2, manual: true });
      [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
      l1 = ethersProvider(devnet.l1.rpcUrl, devnet.l1.chainId);
      onA = ethersProvider(a.rpcUrl, a.chainId);
      onB = ethersProvider(b.rpcUrl, b.chainId);
      relayContract = getContractAddress({ from: accountAddress(devnet, DEPLOYER), nonce: 0n });
      token = getContractAddress({ from: accountAddress(devnet, TOKEN_OWNER), nonce: 0n });
      for (const rollup of [a, b]) {
        await sendRaw(providerOf(rollup), await sign(DEPLOYER, rollup, { data: relayChain.bytecode as Hex, gasLimit: 3_000_000n }));
      }
      const tokenCode = encodeDeployData({ abi: demoToken.abi, bytecode: demoToken.bytecode as Hex, args: ["Finding", "FND", 1_000_000n] });
      await sendRaw(onA, await sign(TOKEN_OWNER, a, { data: tokenCode, gasLimit: 3_000_000n }));
      await produceSlot();
      for (const provider of [onA, onB]) expect(await provider.getCode(relayContract)).to.not.equal("0x");
      expect(await tokenBalance(onA, token, accountAddress(devnet, TOKEN_OWNER))).to.equal(1_000_000n);
    });

    after(async function () {
      for (const provider of [l1, onA, onB]) provider?.destroy();
      if (!stopped) await devnet?.stop();
    });

    it("runs a dropped transaction afresh when it is sent again byte-identical after the cause is fixed, and lists the earlier attempt", async function () {
      const resender = accountAddress(devnet, RESENDER);
      // A token transfer from an account without tokens reverts: under revert protection it is dropped.
      const raw = await sign(RESENDER, a, { to: token, data: tokenTransfer(RECIPIENT, 100n), gasLimit: 100_000n });
      const hash = keccak256(raw);
      expect(await sendRaw(onA, raw)).to.equal(hash);
      await produceSlot();
      const dropped = (await transactionStatus(onA, hash))!;
      expect(dropped).to.deep.include({ status: "dropped", reasonCode: "reverted", globalSeq: null });
      expect(dropped.attempts).to.equal(undefined);
      expect(await onA.getTransactionCount(resender)).to.equal(0);

      // The cause, fixed: the account gets the tokens.
      await sendRaw(onA, await sign(TOKEN_OWNER, a, { to: token, data: tokenTransfer(resender, 100n), gasLimit: 100_000n }));
      await produceSlot();

      expect(await sendRaw(onA, raw)).to.equal(hash);
      expect(await transactionStatus(onA, hash)).to.deep.include({ status: "pending" });
      await produceSlot();
      const included = (await transactionStatus(onA, hash))!;
      expect(included).to.deep.include({ status: "included", chainId: a.chainId });
      expect(included.globalSeq).to.be.a("number");
      expect(included.attempts).to.deep.equal([{ status: "dropped", reason: dropped.reason, reasonCode: "reverted" }]);
      expect((await onA.getTransactionReceipt(hash))?.status).to.equal(1);
      expect(await tokenBalance(onA, token, RECIPIENT)).to.equal(100n);
      expect(await onA.getTransactionCount(resender)).to.equal(1);

      // Included now: the same bytes a third time use a nonce already used, as geth and hardhat node answer (ethers: NONCE_EXPIRED).
      const again = await rpcErrorOf(sendRaw(onA, raw));
      expect(again.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
      expect(again.message).to.match(/^Nonce too low/);
      expect((await transactionStatus(onA, hash))?.status).to.equal("included");
    });

    it("gives every drop a stable reasonCode: reverted, nonce-dropped, fee-too-low, action-reverted", async function () {
      const reverts = await sign(NONCE_DROPPER, b, { nonce: 0, to: relayContract, data: REVERTING_HOP, gasLimit: 300_000n });
      const follows = await sign(NONCE_DROPPER, b, { nonce: 1, to: RECIPIENT, value: 1n });
      const lowFee = await sign(LOW_FEE, a, { to: RECIPIENT, value: 1n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n });
      const actionFails = await sign(TRIGGERER, a, { to: relayContract, data: startCall([b.chainId], true), gasLimit: 1_000_000n });
      const cases: [story: string, provider: JsonRpcProvider, raw: Hex, reasonCode: string][] = [
        ["a call that reverts", onB, reverts, "reverted"],
        ["the next nonce of a dropped transaction", onB, follows, "nonce-dropped"],
        ["a max fee below the base fee", onA, lowFee, "fee-too-low"],
        ["a trigger whose action reverts on B", onA, actionFails, "action-reverted"],
      ];
      for (const [, provider, raw] of cases) expect(await sendRaw(provider, raw)).to.equal(keccak256(raw));
      const hopsBefore = await Promise.all([onA, onB].map((provider) => provider.call({ to: relayContract, data: encodeFunctionData({ abi: relayChain.abi, functionName: "hops" }) })));
      await produceSlot();
      for (const [story, provider, raw, reasonCode] of cases) {
        const status = await transactionStatus(provider, keccak256(raw));
        expect(status, story).to.deep.include({ status: "dropped", reasonCode, globalSeq: null, blockNumber: null });
        expect(status?.reason, story).to.be.a("string").and.not.equal("");
      }
      const hopsAfter = await Promise.all([onA, onB].map((provider) => provider.call({ to: relayContract, data: encodeFunctionData({ abi: relayChain.abi, functionName: "hops" }) })));
      expect(hopsAfter).to.deep.equal(hopsBefore);
      for (const [index, provider] of [[NONCE_DROPPER, onB], [LOW_FEE, onA], [TRIGGERER, onA]] as const) {
        expect(await provider.getTransactionCount(accountAddress(devnet, index))).to.equal(0);
      }
    });

    it("refuses a transaction from the sequencer's own key, and a user's call of the messenger's relayMessage", async function () {
      const fromSequencer = await signWith(new Wallet(defaultSequencerAccount().privateKey, onA), a.chainId, { nonce: 0, to: RECIPIENT, value: 1n });
      const sequencerKey = await rpcErrorOf(sendRaw(onA, fromSequencer));
      expect(sequencerKey.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
      expect(sequencerKey.data).to.deep.equal({ refused: "sequencer-key" });

      const message = {
        destination: BigInt(b.chainId),
        source: BigInt(a.chainId),
        nonce: 0n,
        sender: relayContract,
        target: relayContract,
        message: encodeFunctionData({ abi: relayChain.abi, functionName: "hop", args: [[], false] }),
        gasLimit: 500_000n,
      };
      const relayCall = encodeFunctionData({ abi: messenger.abi, functionName: "relayMessage", args: [message, 27, zeroHash, zeroHash] });
      const relay = await sign(RELAY_CALLER, b, { to: MESSENGER_ADDRESS, data: relayCall, gasLimit: 1_000_000n });
      const relayRefusal = await rpcErrorOf(sendRaw(onB, relay));
      expect(relayRefusal.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
      expect(relayRefusal.data).to.deep.equal({ refused: "relay-call" });

      for (const [provider, raw] of [[onA, fromSequencer], [onB, relay]] as const) expect(await transactionStatus(provider, keccak256(raw))).to.equal(null);
      expect((await sequencerStatus(l1)).pendingTransactions).to.equal(0);
    });

    it("refuses at intake a bundle of two 16M-gas transactions on one rollup (over the block gas limit), and keeps answering", async function () {
      const sender = accountAddress(devnet, BUNDLER);
      const signer = new Wallet(devKey(devnet, BUNDLER), onA);
      const nonce = await signer.getNonce("pending");
      const raws = await Promise.all(
        [nonce, nonce + 1].map((n) => signWith(signer, a.chainId, { nonce: n, to: RECIPIENT, value: 1n, gasLimit: 16_000_000n })),
      );
      const refusal = await rpcErrorOf(onA.send("xr_sendBundle", [raws]));
      expect(refusal.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
      // In process, the same refusal by class: the bundle is invalid because its gas exceeds a block.
      const inProcess = await devnet.sequencer.submitBundle(raws).then(
        () => expect.fail("the bundle was accepted"),
        (error: unknown) => error,
      );
      expect(inProcess).to.be.instanceOf(InvalidBundleError);
      expect((inProcess as InvalidBundleError).cause).to.be.instanceOf(GasLimitTooHighError);
      for (const raw of raws) expect(await transactionStatus(onA, keccak256(raw))).to.equal(null);
      expect(await signer.getNonce("pending")).to.equal(nonce);

      // Still answering: reads, and each transaction alone fits a block.
      expect(await onA.getBlockNumber()).to.be.a("number");
      for (const raw of raws) await sendRaw(onA, raw);
      // 32M gas do not fit one 30M block: the second waits for the next slot.
      await produceSlot();
      await produceSlot();
      const statuses = await Promise.all(raws.map((raw) => transactionStatus(onA, keccak256(raw))));
      expect(statuses.map((status) => status?.status)).to.deep.equal(["included", "included"]);
      expect(statuses[1]!.blockNumber).to.be.greaterThan(statuses[0]!.blockNumber!);
      expect(await onA.getTransactionCount(sender)).to.equal(nonce + 2);
    });

    it("accounts for 500 mixed transactions over 2 rollups: accepted = included + dropped, gap-free global order, L1 re-derives it", async function () {
      this.timeout(300_000);
      /** Successful eth_sendRawTransaction answers per hash: each is one accepted attempt. */
      const accepted = new Map<Hex, number>();
      let acceptedCount = 0;
      const refusals: number[] = [];
      let sent = 0;
      const send = async ({ provider, raw }: { provider: JsonRpcProvider; raw: Hex }): Promise<void> => {
        sent += 1;
        try {
          expect(await sendRaw(provider, raw)).to.equal(keccak256(raw));
        } catch (error) {
          refusals.push(rpcErrorBody(error).code);
          return;
        }
        acceptedCount += 1;
        accepted.set(keccak256(raw), (accepted.get(keccak256(raw)) ?? 0) + 1);
      };
      const rollups = [a, b];
      let previous: { provider: JsonRpcProvider; raw: Hex }[] = [];
      for (let round = 0; sent < 500; round++) {
        // Resends, byte-identical, in nonce order: what the last slot dropped for the first time is accepted again,
        // and two it included are refused: their nonces are used.
        const statuses = await Promise.all(previous.map(({ provider, raw }) => transactionStatus(provider, keccak256(raw))));
        const droppedOnce = previous.filter((_, index) => statuses[index]?.status === "dropped" && statuses[index]?.attempts === undefined);
        const included = previous.filter((_, index) => statuses[index]?.status === "included").slice(0, 2);
        for (const resend of [...droppedOnce, ...included]) await send(resend);

        // Three new transactions per sender and rollup, signed concurrently (ethers batches the nonce reads).
        const perSender = await Promise.all(
          LOAD_SENDERS.flatMap((index, senderIndex) =>
            rollups.map(async (rollup) => {
              const provider = providerOf(rollup);
              const signer = new Wallet(devKey(devnet, index), provider);
              // The pending nonce is the first one missing: a gap left last round is filled now.
              let nonce = await signer.getNonce("pending");
              const signed: { provider: JsonRpcProvider; raw: Hex }[] = [];
              for (let step = 0; step < 3; step++) {
                const kind = (round + senderIndex + step + rollup.chainId) % 7;
                // One in 7 skips a nonce: it waits for the gap (filled next round, or dropped at stop).
                if (kind === 6) nonce += 1;
                const fields =
                  kind === 1
                    ? { to: relayContract, data: REVERTING_HOP, gasLimit: 300_000n }
                    : kind === 3
                      ? { to: relayContract, data: startCall([rollups.find((other) => other !== rollup)!.chainId], false), gasLimit: 1_000_000n }
                      : { to: RECIPIENT, value: BigInt(round + 1) };
                signed.push({ provider, raw: await signWith(signer, rollup.chainId, { nonce, ...fields }) });
                nonce += 1;
              }
              return signed;
            }),
          ),
        );
        const sends = perSender.flat();
        await Promise.all(sends.map(send));
        previous = sends;
        await produceSlot();
      }
      expect(sent).to.be.at.least(500);
      // Some were accepted twice (resent after a drop), and the resends of included ones were refused.
      expect([...accepted.values()].some((times) => times > 1)).to.equal(true);
      expect(refusals.length).to.be.greaterThan(0);
      expect(new Set(refusals)).to.deep.equal(new Set([JSON_RPC_ERROR_CODES.transactionRejected]));

      // Everything produced is on L1, and L1 alone re-derives both rollups.
      await devnet.sequencer.flush();
      const verified = await verifyFromL1({ l1: devnet.l1.rpcUrl!, inbox: inboxAddress(devnet), startEngine: startGenesisEngine });
      expect(verified.mismatch).to.equal(undefined);
      expect(verified.ok).to.equal(true);

      // Every transaction in every block has its place in one global order, 0..n-1, and the inbox counts n.
      const inBlocks = [...(await everyTransactionStatus(onA)), ...(await everyTransactionStatus(onB))];
      const globalSeqs = inBlocks.map((status) => status.globalSeq!).sort((x, y) => x - y);
      expect(globalSeqs).to.deep.equal(globalSeqs.map((_, index) => index));
      expect((await readInboxState(devnet)).nextGlobalSeq).to.equal(globalSeqs.length);
      const batchesBeforeStop = devnet.sequencer.batches.length;

      stopped = true;
      await devnet.stop();
      expect(devnet.sequencer.batches.length).to.equal(batchesBeforeStop);
      // Counted from the sequencer's records alone: each hash's latest outcome plus its earlier (dropped) attempts.
      let included = 0;
      let dropped = 0;
      const reasonCodes = new Set<string>();
      for (const [hash, times] of accepted) {
        const status = devnet.sequencer.transactionStatus(hash)!;
        expect(status.status, hash).to.not.equal("pending");
        const earlier = status.attempts ?? [];
        expect(earlier.length + 1, `${hash}: one outcome per acceptance`).to.equal(times);
        if (status.status === "included") included += 1;
        else dropped += 1;
        dropped += earlier.length;
        for (const reasonCode of [status.reasonCode, ...earlier.map((attempt) => attempt.reasonCode)]) {
          if (reasonCode !== undefined) reasonCodes.add(reasonCode);
        }
      }
      expect(included + dropped).to.equal(acceptedCount);
      expect(acceptedCount).to.be.at.least(400);
      expect(reasonCodes).to.include.members(["reverted", "nonce-dropped"]);
      const inBlock = new Set(inBlocks.map((status) => status.hash));
      for (const [hash] of accepted) {
        expect(inBlock.has(hash), hash).to.equal(devnet.sequencer.transactionStatus(hash)!.status === "included");
      }
    });
  });

  describe("slot mode", function () {
    let devnet: Devnet;
    let a: DevnetChain;
    let onA: JsonRpcProvider;
    const REPLACER = 1;

    before(async function () {
      devnet = await startTestDevnet({ rollups: 1, slotMs: 100 });
      [a] = devnet.rollups as [DevnetChain];
      onA = ethersProvider(a.rpcUrl, a.chainId);
    });

    after(async function () {
      onA?.destroy();
      await devnet?.stop();
    });

    it("refuses a same-fee transaction for a pending nonce as underpriced; +10% fees replace it, and the gap's filling includes both", async function () {
      const signer = new Wallet(devKey(devnet, REPLACER), onA);
      // Nonce 1 while nonce 0 is missing: A waits in the mempool.
      const first = await signWith(signer, a.chainId, { nonce: 1, to: RECIPIENT, value: 1n });
      expect(await sendRaw(onA, first)).to.equal(keccak256(first));

      const sameFees = await signWith(signer, a.chainId, { nonce: 1, to: RECIPIENT, value: 2n });
      const underpriced = await onA.broadcastTransaction(sameFees).then(
        () => expect.fail("the same-fee replacement was accepted"),
        (error: unknown) => error,
      );
      // ethers itself recognises the answer, as it does geth's.
      expect(isError(underpriced, "REPLACEMENT_UNDERPRICED")).to.equal(true);
      const body = await rpcErrorOf(sendRaw(onA, sameFees));
      expect(body.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
      expect(body.data).to.deep.equal({ pending: keccak256(first) });
      // Raising only the max fee is not enough: both fees must rise by 10%.
      const halfBumped = await signWith(signer, a.chainId, { nonce: 1, to: RECIPIENT, value: 2n, maxFeePerGas: BUMPED.maxFeePerGas });
      expect((await rpcErrorOf(sendRaw(onA, halfBumped))).data).to.deep.equal({ pending: keccak256(first) });
      for (const raw of [sameFees, halfBumped]) expect(await transactionStatus(onA, keccak256(raw))).to.equal(null);

      const replacement = await signWith(signer, a.chainId, { nonce: 1, to: RECIPIENT, value: 2n, ...BUMPED });
      expect(await sendRaw(onA, replacement)).to.equal(keccak256(replacement));
      expect(await transactionStatus(onA, keccak256(first))).to.deep.include({ status: "dropped", reasonCode: "replaced" });
      expect(await transactionStatus(onA, keccak256(replacement))).to.deep.include({ status: "pending" });

      const gap = await signWith(signer, a.chainId, { nonce: 0, to: RECIPIENT, value: 4n });
      await sendRaw(onA, gap);
      const [zero, one] = await Promise.all([gap, replacement].map((raw) => waitForStatus(onA, keccak256(raw), "included")));
      expect(zero!.globalSeq!).to.be.lessThan(one!.globalSeq!);
      expect(await onA.getBalance(RECIPIENT)).to.equal(6n);
      expect(await onA.getTransactionCount(signer.address)).to.equal(2);
      expect((await transactionStatus(onA, keccak256(first)))?.status).to.equal("dropped");
    });
  });

  describe("slot mode, stopped with work pending", function () {
    let devnet: Devnet;
    let a: DevnetChain;
    let b: DevnetChain;
    let onA: JsonRpcProvider;
    let onB: JsonRpcProvider;
    let stopped = false;
    /** Statuses, after stop, of the transactions that waited for a missing nonce. */
    const waitingAtStop: TransactionStatus[] = [];

    before(async function () {
      // Slots far apart: nothing runs before the test stops the devnet, so the stop drains all of it.
      devnet = await startTestDevnet({ rollups: 2, slotMs: 3_600_000 });
      [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
      onA = ethersProvider(a.rpcUrl, a.chainId);
      onB = ethersProvider(b.rpcUrl, b.chainId);
    });

    after(async function () {
      for (const provider of [onA, onB]) provider?.destroy();
      if (!stopped) await devnet?.stop();
    });

    it("drains what it accepted when stopped at once: ~300 transfers included, only those waiting for a missing nonce dropped", async function () {
      const senders = [2, 3, 4, 5, 6, 7];
      const sends: { provider: JsonRpcProvider; raw: Hex }[] = [];
      for (const index of senders) {
        for (const [rollup, provider] of [[a, onA], [b, onB]] as const) {
          const signer = new Wallet(devKey(devnet, index), provider);
          for (let nonce = 0; nonce < 25; nonce++) sends.push({ provider, raw: await signWith(signer, rollup.chainId, { nonce, to: RECIPIENT, value: 1n }) });
        }
      }
      // Waiting for a missing nonce: 8 on A after 0..4 (5 is missing), and nonce 1 on B (0 is missing).
      const gapped = new Wallet(devKey(devnet, 8), onA);
      for (const nonce of [0, 1, 2, 3, 4]) sends.push({ provider: onA, raw: await signWith(gapped, a.chainId, { nonce, to: RECIPIENT, value: 1n }) });
      const waiting = [
        { provider: onA, raw: await signWith(gapped, a.chainId, { nonce: 6, to: RECIPIENT, value: 1n }) },
        { provider: onA, raw: await signWith(gapped, a.chainId, { nonce: 7, to: RECIPIENT, value: 1n }) },
        { provider: onB, raw: await signWith(new Wallet(devKey(devnet, 9), onB), b.chainId, { nonce: 1, to: RECIPIENT, value: 1n }) },
      ];
      const hashes = await Promise.all([...sends, ...waiting].map(({ provider, raw }) => sendRaw(provider, raw)));
      expect(hashes).to.have.length(308);

      expect(devnet.sequencer.pendingCount).to.equal(308);
      stopped = true;
      await devnet.stop();
      const waitingHashes = new Set(waiting.map(({ raw }) => keccak256(raw)));
      const included: number[] = [];
      for (const hash of hashes) {
        const status = devnet.sequencer.transactionStatus(hash)!;
        if (waitingHashes.has(hash)) {
          expect(status.status, hash).to.equal("dropped");
          waitingAtStop.push(status);
        } else {
          expect(status.status, hash).to.equal("included");
          included.push(status.globalSeq!);
        }
      }
      // The only transactions of this devnet: numbered 0..304, without gaps.
      expect(included.sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 305 }, (_, index) => index));
      expect(devnet.sequencer.pendingCount).to.equal(0);
      expect(devnet.sequencer.status().state).to.equal("stopped");
    });

    it("drops those waiting for a missing nonce at stop with reasonCode nonce-gap", function () {
      expect(waitingAtStop).to.have.length(3);
      for (const status of waitingAtStop) expect(status).to.deep.include({ status: "dropped", reasonCode: "nonce-gap" });
    });
  });

  describe("instant mode", function () {
    let devnet: Devnet;
    let a: DevnetChain;
    let onA: JsonRpcProvider;

    before(async function () {
      devnet = await startTestDevnet({ rollups: 1, batchMs: 3_600_000 });
      [a] = devnet.rollups as [DevnetChain];
      onA = ethersProvider(a.rpcUrl, a.chainId, { batch: false });
    });

    after(async function () {
      onA?.destroy();
      await devnet?.stop();
    });

    it("answers a waiting eth_sendRawTransaction with an error when a replacement takes its place (it does not hang)", async function () {
      const signer = new Wallet(devKey(devnet, 1), onA);
      const first = await signWith(signer, a.chainId, { nonce: 1, to: RECIPIENT, value: 1n });
      // In instant mode the answer waits for inclusion, which waits for nonce 0.
      const firstAnswer = rpcErrorOf(sendRaw(onA, first));
      await waitForStatus(onA, keccak256(first), "pending");

      const replacement = await signWith(signer, a.chainId, { nonce: 1, to: RECIPIENT, value: 2n, ...BUMPED });
      const replacementAnswer = sendRaw(onA, replacement);
      const replaced = await firstAnswer;
      expect(replaced.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
      expect(replaced.data).to.deep.include({ hash: keccak256(first), chainId: a.chainId, reasonCode: "replaced" });

      const gap = await signWith(signer, a.chainId, { nonce: 0, to: RECIPIENT, value: 4n });
      expect(await sendRaw(onA, gap)).to.equal(keccak256(gap));
      expect(await replacementAnswer).to.equal(keccak256(replacement));
      expect(await onA.getBalance(RECIPIENT)).to.equal(6n);
      expect((await transactionStatus(onA, keccak256(first)))?.reasonCode).to.equal("replaced");
    });
  });

  describe("the demo's bridge, attacked as a user would", function () {
    let devnet: Devnet;
    let demo: DemoDeployment;
    let onA: JsonRpcProvider;
    let onB: JsonRpcProvider;

    before(async function () {
      devnet = await startTestDevnet({ rollups: 2 });
      demo = await deployDemo(devnet);
      onA = ethersProvider(demo.a.rpcUrl, demo.a.chainId, { batch: false });
      onB = ethersProvider(demo.b.rpcUrl, demo.b.chainId, { batch: false });
    });

    after(async function () {
      onA?.destroy();
      onB?.destroy();
      await devnet?.stop();
    });

    it("cannot make the token send a message in its own name: bridging to the messenger mints no 10^30 xUSD anywhere", async function () {
      const token = demo.addresses.bridged;
      const attacker = new Wallet(devKey(devnet, 7), onA);
      const attackerAddress = attacker.address as Address;
      const supplies = async () => [await demo.read.bridgedTotalSupply("a"), await demo.read.bridgedTotalSupply("b")];
      const before = await supplies();
      // The attack needs no xUSD at all: bridge 0 to the messenger on B, with data that has the token there send its
      // twin on A a relayMint of 10^30 to the attacker, which the twin would trust as the token's own message.
      const mintToAttacker = encodeFunctionData({
        abi: bridgedToken.abi,
        functionName: "relayMint",
        args: [attackerAddress, attackerAddress, 10n ** 30n, "0x"],
      });
      const sendAsToken = encodeFunctionData({ abi: messenger.abi, functionName: "sendMessage", args: [BigInt(demo.a.chainId), token, mintToAttacker] });
      const attack = await signWith(attacker, demo.a.chainId, {
        nonce: 0,
        to: token,
        data: encodeFunctionData({
          abi: bridgedToken.abi,
          functionName: "bridgeAndCall",
          args: [BigInt(demo.b.chainId), MESSENGER_ADDRESS, 0n, sendAsToken, 300_000n],
        }),
        gasLimit: 500_000n,
      });
      const refused = await rpcErrorOf(sendRaw(onA, attack));
      expect(refused.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
      expect(refused.data).to.deep.include({ hash: keccak256(attack), reasonCode: "action-reverted" });
      expect(await supplies()).to.deep.equal(before);
      expect(await tokenBalance(onA, token, attackerAddress)).to.equal(0n);
      expect(await tokenBalance(onB, token, attackerAddress)).to.equal(0n);
      expect(await onA.getTransactionCount(attackerAddress)).to.equal(0);
    });
  });
});
