import { expect } from "chai";
import {
  type Address,
  type Hex,
  BaseError,
  encodeAbiParameters,
  encodeErrorResult,
  encodeFunctionData,
  hashMessage,
  hexToBigInt,
  getAddress,
  keccak256,
  parseAbiParameters,
  parseEventLogs,
  toHex,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { COMMITTEE_ROLLUP_BALANCE } from "../../rollups/predeploys.ts";
import { relayGasLimit, relayHash } from "../../sequencer/relayer.ts";
import { signHash } from "../../sequencer/secp256k1.ts";
import {
  type RelayedMessage,
  type RelaySignature,
  MESSENGER_ADDRESS,
  closeChains,
  expectRevert,
  malleable,
  messageHashOf,
  openChain,
  predeployMessenger,
  revertedWith,
  signRelay,
} from "../support/contracts.ts";

/** The chain under test plays rollup 901 of a devnet with rollups 901, 902 and 903. */
const CHAIN_ID = 901n;
const OTHER_CHAIN_ID = 902n;
const THIRD_CHAIN_ID = 903n;
const ROLLUPS = [CHAIN_ID, OTHER_CHAIN_ID, THIRD_CHAIN_ID];
/** The sequencer committee: MEMBER relays by default, OTHER_MEMBER is the second member. */
const MEMBER_KEY = keccak256(toHex("xrollup test committee member 0"));
const MEMBER = privateKeyToAccount(MEMBER_KEY).address;
const OTHER_MEMBER_KEY = keccak256(toHex("xrollup test committee member 1"));
const OTHER_MEMBER = privateKeyToAccount(OTHER_MEMBER_KEY).address;
const COMMITTEE = [MEMBER, OTHER_MEMBER] as const;
/** Slot of the messenger's `isRelayer` mapping, as solc lays out its storage. */
const IS_RELAYER_SLOT = 5n;
const IMPOSTOR_KEY = keccak256(toHex("xrollup test impostor"));
const DEFAULT_GAS_LIMIT = 1_000_000n;

/** The rolling hash the messenger keeps per rollup: keccak256(abi.encode(previous, messageHash)). */
function rolled(previous: Hex, messageHash: Hex): Hex {
  return keccak256(encodeAbiParameters(parseAbiParameters("bytes32, bytes32"), [previous, messageHash]));
}

afterEach(closeChains);

/**
 * Rollup 901 with its predeploys installed as the devnet installs them (the messenger, the committee as its relayers
 * and their balances), and a MessageRelayChain, which also stands for its twin on 902.
 */
async function messengerFixture() {
  const connection = await openChain(Number(CHAIN_ID));
  const { viem } = connection;
  const publicClient = await viem.getPublicClient();
  const messenger = await predeployMessenger(connection, {
    committee: COMMITTEE,
    firstChainId: CHAIN_ID,
    chainCount: BigInt(ROLLUPS.length),
  });
  // The members' keys are not the chain's accounts: the chain takes their transactions unsigned.
  await Promise.all(
    COMMITTEE.map((member) => connection.provider.request({ method: "hardhat_impersonateAccount", params: [member] })),
  );
  const relayChain = await viem.deployContract("MessageRelayChain");
  const relayChainAddress = getAddress(relayChain.address);

  /** A message from MessageRelayChain on 902 calling `hop(route, failAtEnd)` on its twin here. */
  function hopMessage(route: bigint[], failAtEnd: boolean, change: Partial<RelayedMessage> = {}): RelayedMessage {
    return {
      destination: CHAIN_ID,
      source: OTHER_CHAIN_ID,
      nonce: 0n,
      sender: relayChainAddress,
      target: relayChainAddress,
      message: encodeFunctionData({ abi: relayChain.abi, functionName: "hop", args: [route, failAtEnd] }),
      gasLimit: DEFAULT_GAS_LIMIT,
      ...change,
    };
  }

  /**
   * Relays `message` with `signature` (MEMBER's by default) from `from` (MEMBER's account by default) and waits for
   * the receipt.
   */
  async function relay(
    message: RelayedMessage,
    { signature, gas, from = MEMBER }: { signature?: RelaySignature; gas?: bigint; from?: Address } = {},
  ) {
    const [v, r, s] = signature ?? (await signRelay(MEMBER_KEY, message));
    const hash = await messenger.write.relayMessage([message, v, r, s], { account: from, ...(gas === undefined ? {} : { gas }) });
    return publicClient.waitForTransactionReceipt({ hash });
  }

  /** Whether the message left any trace: relayed flag, relayed hash from 902, hops. */
  async function traces(message: RelayedMessage) {
    return {
      relayed: await messenger.read.successfulMessages([messageHashOf(message)]),
      relayedFrom902: await messenger.read.relayedMessagesHash([OTHER_CHAIN_ID]),
      hops: await relayChain.read.hops(),
    };
  }
  const noTrace = { relayed: false, relayedFrom902: zeroHash, hops: 0n };

  return { connection, viem, publicClient, messenger, relayChain, relayChainAddress, hopMessage, relay, traces, noTrace };
}

describe("L2ToL2CrossDomainMessenger", () => {
  describe("predeploy", () => {
    it("the runtime code at the predeploy address knows the rollups and the committee, and starts empty", async () => {
      const { publicClient, messenger, relayChainAddress } = await messengerFixture();

      for (const member of COMMITTEE) {
        expect(await messenger.read.isRelayer([member])).to.equal(true);
        // isRelayer[member] is where Solidity puts it, keccak256(abi.encode(member, 5)): the predeploy's
        // hardhat_setStorageAt wrote the slot the compiled getter reads.
        const slot = keccak256(encodeAbiParameters(parseAbiParameters("address, uint256"), [member, IS_RELAYER_SLOT]));
        const word = await publicClient.getStorageAt({ address: MESSENGER_ADDRESS, slot });
        expect(word === undefined ? undefined : hexToBigInt(word)).to.equal(1n);
        expect(await publicClient.getBalance({ address: member })).to.equal(COMMITTEE_ROLLUP_BALANCE);
      }
      expect(await messenger.read.isRelayer([relayChainAddress])).to.equal(false);
      expect(await messenger.read.FIRST_CHAIN_ID()).to.equal(CHAIN_ID);
      expect(await messenger.read.CHAIN_COUNT()).to.equal(3n);
      expect(await messenger.read.DEFAULT_GAS_LIMIT()).to.equal(DEFAULT_GAS_LIMIT);
      expect(await messenger.read.messageNonce()).to.equal(0n);
      expect(await messenger.read.messageHashes([ROLLUPS])).to.deep.equal([
        [zeroHash, zeroHash, zeroHash],
        [zeroHash, zeroHash, zeroHash],
      ]);
    });

    const getters = ["crossDomainMessageSender", "crossDomainMessageSource", "crossDomainMessageContext"] as const;
    for (const getter of getters) {
      it(`${getter} outside a relay reverts with NotEntered`, async () => {
        const { messenger } = await messengerFixture();
        await expectRevert(messenger.read[getter](), messenger.abi, "NotEntered", []);
      });
    }
  });

  describe("sending", () => {
    const refusals: { name: string; destination: bigint; target?: Address; error: string; args: unknown[] }[] = [
      { name: "to its own chain", destination: CHAIN_ID, error: "MessageDestinationSameChain", args: [] },
      { name: "to a chain below the devnet's", destination: 900n, error: "UnknownDestination", args: [900n] },
      { name: "to a chain above the devnet's", destination: 904n, error: "UnknownDestination", args: [904n] },
      {
        name: "to the messenger",
        destination: OTHER_CHAIN_ID,
        target: MESSENGER_ADDRESS,
        error: "MessageTargetL2ToL2CrossDomainMessenger",
        args: [],
      },
    ];
    for (const refusal of refusals) {
      it(`a message ${refusal.name} reverts with ${refusal.error}`, async () => {
        const { messenger, relayChainAddress } = await messengerFixture();
        const target = refusal.target ?? relayChainAddress;
        await expectRevert(
          messenger.write.sendMessage([refusal.destination, target, "0x"]),
          messenger.abi,
          refusal.error,
          refusal.args,
        );
        expect(await messenger.read.messageNonce()).to.equal(0n);
      });
    }

    it("a contract's message gets the next nonce, is recorded and rolled into its destination's hash", async () => {
      const { publicClient, messenger, relayChain, relayChainAddress } = await messengerFixture();
      const hop = encodeFunctionData({ abi: relayChain.abi, functionName: "hop", args: [[], false] });
      const expectedHash = messageHashOf({
        destination: OTHER_CHAIN_ID,
        source: CHAIN_ID,
        nonce: 0n,
        sender: relayChainAddress,
        target: relayChainAddress,
        message: hop,
      });

      const receipt = await publicClient.waitForTransactionReceipt({
        hash: await relayChain.write.start([[OTHER_CHAIN_ID], false]),
      });

      const sent = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "SentMessage" });
      expect(sent.map((log) => log.args)).to.deep.equal([
        {
          destination: OTHER_CHAIN_ID,
          target: relayChainAddress,
          messageNonce: 0n,
          sender: relayChainAddress,
          message: hop,
        },
      ]);
      const gasLimits = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "MessageGasLimit" });
      expect(gasLimits.map((log) => log.args)).to.deep.equal([
        { messageHash: expectedHash, gasLimit: DEFAULT_GAS_LIMIT },
      ]);
      expect(await messenger.read.messageNonce()).to.equal(1n);
      expect(await messenger.read.sentMessages([0n])).to.equal(expectedHash);
      expect(await messenger.read.sentMessagesHash([OTHER_CHAIN_ID])).to.equal(rolled(zeroHash, expectedHash));
      expect(await relayChain.read.hops()).to.equal(1n);
    });

    it("each message rolls into its own destination's hash, with the gas limit its sender chose", async () => {
      const { viem, publicClient, messenger, relayChainAddress } = await messengerFixture();
      const [sender] = await viem.getWalletClients();
      if (sender === undefined) throw new Error("expected an account");
      const from = getAddress(sender.account.address);
      const messages = [
        { destination: OTHER_CHAIN_ID, message: "0x01", gasLimit: 50_000n },
        { destination: THIRD_CHAIN_ID, message: "0x02", gasLimit: 2_000_000n },
        { destination: OTHER_CHAIN_ID, message: "0x03", gasLimit: 100_000n },
      ] as const;
      const hashes: Hex[] = [];

      for (const [nonce, { destination, message, gasLimit }] of messages.entries()) {
        const hash = await messenger.write.sendMessageWithGasLimit([destination, relayChainAddress, message, gasLimit]);
        const receipt = await publicClient.waitForTransactionReceipt({ hash });
        const expectedHash = messageHashOf({
          destination,
          source: CHAIN_ID,
          nonce: BigInt(nonce),
          sender: from,
          target: relayChainAddress,
          message,
        });
        const gasLimits = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "MessageGasLimit" });
        expect(gasLimits.map((log) => log.args)).to.deep.equal([{ messageHash: expectedHash, gasLimit }]);
        hashes.push(expectedHash);
      }

      const [first, second, third] = hashes as [Hex, Hex, Hex];
      expect(await messenger.read.messageNonce()).to.equal(3n);
      expect(await messenger.read.sentMessages([1n])).to.equal(second);
      expect(await messenger.read.messageHashes([ROLLUPS])).to.deep.equal([
        [zeroHash, rolled(rolled(zeroHash, first), third), rolled(zeroHash, second)],
        [zeroHash, zeroHash, zeroHash],
      ]);
    });
  });

  describe("relaying", () => {
    it("a relay signed by the member that sends it calls the target with the context and rolls the relayed hash", async () => {
      const { messenger, relayChain, relayChainAddress, hopMessage, relay } = await messengerFixture();
      // The hop forwards to 903 from inside the relay: B's part of an A → B → C route.
      const message = hopMessage([THIRD_CHAIN_ID], false);
      const messageHash = messageHashOf(message);

      const forwardedHash = messageHashOf({
        ...hopMessage([], false),
        destination: THIRD_CHAIN_ID,
        source: CHAIN_ID,
        nonce: 0n,
      });

      const receipt = await relay(message);

      expect(await messenger.read.successfulMessages([messageHash])).to.equal(true);
      expect(await messenger.read.relayedMessagesHash([OTHER_CHAIN_ID])).to.equal(rolled(zeroHash, messageHash));
      expect(await messenger.read.messageHashes([ROLLUPS])).to.deep.equal([
        [zeroHash, zeroHash, rolled(zeroHash, forwardedHash)],
        [zeroHash, rolled(zeroHash, messageHash), zeroHash],
      ]);
      const relayed = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "RelayedMessage" });
      expect(relayed.map((log) => log.args)).to.deep.equal([
        { source: OTHER_CHAIN_ID, messageNonce: 0n, messageHash, returnDataHash: keccak256("0x") },
      ]);
      // hop accepted the call (the sender is its twin) and saw the source chain: the context was visible.
      expect(await relayChain.read.hops()).to.equal(1n);
      const hopped = parseEventLogs({ abi: relayChain.abi, logs: receipt.logs, eventName: "Hopped" });
      expect(hopped.map((log) => log.args)).to.deep.equal([{ hops: 1n, source: OTHER_CHAIN_ID, remaining: 1n }]);
      const forwarded = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "SentMessage" });
      expect(forwarded.map((log) => [log.args.destination, log.args.sender])).to.deep.equal([
        [THIRD_CHAIN_ID, relayChainAddress],
      ]);
      // The context is gone once the relay is over.
      await expectRevert(messenger.read.crossDomainMessageContext(), messenger.abi, "NotEntered", []);
    });

    it("the same relay again reverts with MessageAlreadyRelayed", async () => {
      const { messenger, hopMessage, relay, traces } = await messengerFixture();
      const message = hopMessage([], false);
      const signature = await signRelay(MEMBER_KEY, message);
      await relay(message, { signature });
      const before = await traces(message);

      await expectRevert(relay(message, { signature }), messenger.abi, "MessageAlreadyRelayed", []);

      expect(await traces(message)).to.deep.equal(before);
    });

    it("every committee member relays, each with its own signature, into the same rolling hash", async () => {
      const { messenger, relayChain, hopMessage, relay } = await messengerFixture();
      const first = hopMessage([], false);
      const second = hopMessage([], false, { nonce: 1n });

      await relay(first);
      await relay(second, { from: OTHER_MEMBER, signature: await signRelay(OTHER_MEMBER_KEY, second) });

      expect(await relayChain.read.hops()).to.equal(2n);
      expect(await messenger.read.relayedMessagesHash([OTHER_CHAIN_ID])).to.equal(
        rolled(rolled(zeroHash, messageHashOf(first)), messageHashOf(second)),
      );
    });

    it("a member sending another member's signature reverts with InvalidSequencerSignature naming the signer", async () => {
      const { messenger, hopMessage, relay, traces, noTrace } = await messengerFixture();
      const message = hopMessage([], false);
      // Both are members and the signature is valid: a relay must carry its own sender's signature, so that each
      // member answers for the relays it sends.
      const signature = await signRelay(OTHER_MEMBER_KEY, message);

      await expectRevert(relay(message, { signature }), messenger.abi, "InvalidSequencerSignature", [OTHER_MEMBER]);
      expect(await traces(message)).to.deep.equal(noTrace);
      await relay(message, { from: OTHER_MEMBER, signature });
      expect(await messenger.read.successfulMessages([messageHashOf(message)])).to.equal(true);
    });

    it("a relay signed by another key reverts with InvalidSequencerSignature naming the signer", async () => {
      const { messenger, hopMessage, relay, traces, noTrace } = await messengerFixture();
      const message = hopMessage([], false);
      const impostor = privateKeyToAccount(IMPOSTOR_KEY).address;

      await expectRevert(
        relay(message, { signature: await signRelay(IMPOSTOR_KEY, message) }),
        messenger.abi,
        "InvalidSequencerSignature",
        [impostor],
      );
      expect(await traces(message)).to.deep.equal(noTrace);
    });

    it("the member's signature with the malleable s reverts with InvalidSequencerSignature", async () => {
      const { messenger, hopMessage, relay, traces, noTrace } = await messengerFixture();
      const message = hopMessage([], false);
      const signature = malleable(await signRelay(MEMBER_KEY, message));

      // ecrecover accepts it and recovers the member: only the s bound refuses it.
      await expectRevert(relay(message, { signature }), messenger.abi, "InvalidSequencerSignature", [MEMBER]);
      expect(await traces(message)).to.deep.equal(noTrace);
    });

    it("a message changed after the member signed it reverts with InvalidSequencerSignature", async () => {
      const { messenger, hopMessage, relay } = await messengerFixture();
      const signed = hopMessage([], false);
      const changed = { ...signed, nonce: 1n };

      const revert = await revertedWith(relay(changed, { signature: await signRelay(MEMBER_KEY, signed) }), messenger.abi);

      expect(revert.errorName).to.equal("InvalidSequencerSignature");
      expect(revert.args).to.not.deep.equal([MEMBER]);
    });

    it("a relay signed for one gas limit and sent with another reverts with InvalidSequencerSignature", async () => {
      const { messenger, hopMessage, relay, traces, noTrace } = await messengerFixture();
      // The gas limit is not in the message hash: without it in the signed relay hash, anyone could starve the
      // action of gas (make it fail) or give it more than the sender asked for.
      const signed = hopMessage([], false, { gasLimit: 500_000n });
      const starved = { ...signed, gasLimit: 20_000n };
      expect(messageHashOf(starved)).to.equal(messageHashOf(signed));

      const revert = await revertedWith(relay(starved, { signature: await signRelay(MEMBER_KEY, signed) }), messenger.abi);

      expect(revert.errorName).to.equal("InvalidSequencerSignature");
      expect(revert.args).to.not.deep.equal([MEMBER]);
      expect(await traces(signed)).to.deep.equal(noTrace);
      // The relay as signed still goes through.
      await relay(signed);
      expect(await messenger.read.successfulMessages([messageHashOf(signed)])).to.equal(true);
    });

    it("a relay from an account outside the committee reverts with NotSequencer, even signed by a member", async () => {
      const { viem, messenger, hopMessage, relay, traces, noTrace } = await messengerFixture();
      const [user] = await viem.getWalletClients();
      if (user === undefined) throw new Error("expected an account");
      const from = getAddress(user.account.address);
      // The members' keys are public on the devnet: a user can sign a relay of a message nobody sent.
      const forged = hopMessage([], false, { nonce: 1_000n });

      await expectRevert(relay(forged, { from }), messenger.abi, "NotSequencer", [from]);
      expect(await traces(forged)).to.deep.equal(noTrace);
      // The signature itself was valid: only the sender stopped it.
      await relay(forged);
      expect(await messenger.read.successfulMessages([messageHashOf(forged)])).to.equal(true);
    });

    it("a 120 kB message relays with a member's relay hash signature and relay gas limit", async () => {
      const { messenger, relayChain, hopMessage, relay } = await messengerFixture();
      // hop ignores calldata past its arguments: 120 kB of it make the relay's calldata cost dominate.
      const hop = encodeFunctionData({ abi: relayChain.abi, functionName: "hop", args: [[], false] });
      const padding = keccak256(toHex("padding")).slice(2).repeat(3_750);
      const message = hopMessage([], false, { message: `${hop}${padding}` });
      // Signed as sequencer/relayer.ts signs: the EIP-191 digest of relayHash(messageHash, gasLimit).
      const signature = signHash(hashMessage({ raw: relayHash(messageHashOf(message), message.gasLimit) }), MEMBER_KEY);
      const args = [message, 27 + signature.yParity, signature.r, signature.s] as const;
      const data = encodeFunctionData({ abi: messenger.abi, functionName: "relayMessage", args });
      const signed: RelaySignature = [args[1], args[2], args[3]];
      // The execution estimate alone is under the EIP-7623 calldata floor: the node refuses the transaction.
      const execution = 200_000n + (message.gasLimit * 64n) / 63n + BigInt((data.length - 2) / 2) * 16n;
      const refusal = await relay(message, { signature: signed, gas: execution }).then(
        () => expect.fail("expected the node to refuse a relay under the calldata floor"),
        (error: unknown) => error,
      );
      expect(refusal).to.be.instanceOf(BaseError);
      expect((refusal as BaseError).walk((e) => (e as { code?: unknown }).code === -32000)).to.not.equal(null);

      const receipt = await relay(message, { signature: signed, gas: relayGasLimit(data, message.gasLimit) });

      expect(receipt.status).to.equal("success");
      expect(await relayChain.read.hops()).to.equal(1n);
      expect(await messenger.read.successfulMessages([messageHashOf(message)])).to.equal(true);
    });

    it("a relay on a chain other than the destination reverts with MessageDestinationNotRelayChain", async () => {
      const { messenger, hopMessage, relay } = await messengerFixture();
      const message = hopMessage([], false, { destination: THIRD_CHAIN_ID });
      await expectRevert(relay(message), messenger.abi, "MessageDestinationNotRelayChain", []);
    });

    it("a relay targeting the messenger reverts with MessageTargetL2ToL2CrossDomainMessenger", async () => {
      const { messenger, hopMessage, relay } = await messengerFixture();
      const message = hopMessage([], false, { target: MESSENGER_ADDRESS });
      await expectRevert(relay(message), messenger.abi, "MessageTargetL2ToL2CrossDomainMessenger", []);
    });

    it("a target that reverts makes the relay revert with TargetCallFailed and its revert data", async () => {
      const { messenger, relayChain, relayChainAddress, hopMessage, relay, traces, noTrace } = await messengerFixture();
      const message = hopMessage([], true);

      await expectRevert(relay(message), messenger.abi, "TargetCallFailed", [
        relayChainAddress,
        encodeErrorResult({ abi: relayChain.abi, errorName: "FailedAtEnd" }),
      ]);
      expect(await traces(message)).to.deep.equal(noTrace);
    });

    it("a target that uses up its gas limit makes the relay revert with ActionOutOfGas", async () => {
      const { messenger, relayChainAddress, hopMessage, relay, traces, noTrace } = await messengerFixture();
      // hop's first store alone (a zero slot made non-zero) costs 22,100.
      const message = hopMessage([], false, { gasLimit: 20_000n });

      await expectRevert(relay(message), messenger.abi, "ActionOutOfGas", [relayChainAddress, 20_000n]);
      expect(await traces(message)).to.deep.equal(noTrace);
    });

    it("a target that reverts without data with gas to spare is TargetCallFailed, not ActionOutOfGas", async () => {
      const { messenger, relayChainAddress, hopMessage, relay } = await messengerFixture();
      // MessageRelayChain has no fallback: an unknown selector reverts at once with no data.
      const message = hopMessage([], false, { message: "0xdeadbeef" });

      await expectRevert(relay(message), messenger.abi, "TargetCallFailed", [relayChainAddress, "0x"]);
    });

    it("a relay transaction with too little gas for the action's limit reverts with InsufficientRelayGas", async () => {
      const { messenger, hopMessage, relay, traces, noTrace } = await messengerFixture();
      const message = hopMessage([], false);

      const revert = await revertedWith(relay(message, { gas: 500_000n }), messenger.abi);

      expect(revert.errorName).to.equal("InsufficientRelayGas");
      expect(revert.args[0]).to.equal(DEFAULT_GAS_LIMIT);
      expect(await traces(message)).to.deep.equal(noTrace);
    });

    /**
     * A Forwarder, and a message calling `forward(messenger, relayMessage(inner))` on `target` (the Forwarder by
     * default): a relay started from inside a relay.
     */
    async function nestedRelay(fixture: Awaited<ReturnType<typeof messengerFixture>>, target?: Address) {
      const { viem, messenger, hopMessage } = fixture;
      const forwarder = await viem.deployContract("Forwarder");
      const inner = hopMessage([], false);
      const [v, r, s] = await signRelay(MEMBER_KEY, inner);
      const reenter = encodeFunctionData({ abi: messenger.abi, functionName: "relayMessage", args: [inner, v, r, s] });
      const forward = encodeFunctionData({ abi: forwarder.abi, functionName: "forward", args: [MESSENGER_ADDRESS, reenter] });
      const outer = hopMessage([], false, { target: target ?? getAddress(forwarder.address), message: forward });
      return { forwarder, inner, outer };
    }

    it("a relay started from inside a relay reverts with NotSequencer: the call comes from a contract", async () => {
      const fixture = await messengerFixture();
      const { messenger, relay, traces, noTrace } = fixture;
      const { forwarder, inner, outer } = await nestedRelay(fixture);
      const forwarderAddress = getAddress(forwarder.address);

      const revert = await revertedWith(relay(outer), messenger.abi);

      const notSequencer = encodeErrorResult({ abi: messenger.abi, errorName: "NotSequencer", args: [forwarderAddress] });
      const forwardFailed = encodeErrorResult({ abi: forwarder.abi, errorName: "ForwardFailed", args: [notSequencer] });
      expect(revert).to.deep.equal({ errorName: "TargetCallFailed", args: [forwarderAddress, forwardFailed] });
      expect(await traces(inner)).to.deep.equal(noTrace);
      expect(await messenger.read.successfulMessages([messageHashOf(outer)])).to.equal(false);
    });

    it("a relay started from inside a relay by a member account with code reverts with ReentrantCall", async () => {
      const fixture = await messengerFixture();
      const { connection, messenger, relay, traces, noTrace } = fixture;
      // The member's account runs Forwarder's code, as an EIP-7702 delegation would make it: the nested call
      // comes from the member, so only the reentrancy guard stands in its way.
      const { forwarder, inner, outer } = await nestedRelay(fixture, MEMBER);
      const code = await connection.viem.getPublicClient().then((client) => client.getCode({ address: forwarder.address }));
      if (code === undefined) throw new Error("expected Forwarder's code");
      await connection.provider.request({ method: "hardhat_setCode", params: [MEMBER, code] });

      const revert = await revertedWith(relay(outer), messenger.abi);

      const reentrant = encodeErrorResult({ abi: messenger.abi, errorName: "ReentrantCall" });
      const forwardFailed = encodeErrorResult({ abi: forwarder.abi, errorName: "ForwardFailed", args: [reentrant] });
      expect(revert).to.deep.equal({ errorName: "TargetCallFailed", args: [MEMBER, forwardFailed] });
      expect(await traces(inner)).to.deep.equal(noTrace);
      expect(await messenger.read.successfulMessages([messageHashOf(outer)])).to.equal(false);
    });
  });
});
