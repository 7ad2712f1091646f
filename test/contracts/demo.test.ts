import { expect } from "chai";
import {
  type Address,
  type Hash,
  type Hex,
  encodeAbiParameters,
  encodeErrorResult,
  encodeFunctionData,
  getAddress,
  keccak256,
  parseEther,
  parseEventLogs,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  type RelayedMessage,
  MESSENGER_ADDRESS,
  closeChains,
  expectRevert,
  impersonate,
  messageHashOf,
  openChain,
  predeployMessenger,
  signRelay,
} from "../support/contracts.ts";

/**
 * One chain, 901, plays both rollups: A where the user swaps and B where the vault is. SwapAndDeposit is deployed
 * once with both the pool (A's part) and the vault (B's part), as its twins are at the same address on A and B;
 * a relay "from 902" stands for the message A sent.
 */
const CHAIN_ID = 901n;
const OTHER_CHAIN_ID = 902n;
const SEQUENCER_KEY = keccak256(toHex("xrollup test sequencer"));
const SEQUENCER = privateKeyToAccount(SEQUENCER_KEY).address;
const SUPPLY = parseEther("1000000");
const LIQUIDITY_IN = parseEther("100000");
const LIQUIDITY_BRIDGED = parseEther("50000");
const USER_FUNDS = parseEther("10000");
const CAP = parseEther("1000");
const ACTION_GAS_LIMIT = 300_000n;

/** The data SwapAndDeposit bridges with: the user its twin deposits for. */
function depositData(user: Address): Hex {
  return encodeAbiParameters([{ type: "address" }], [user]);
}

/** Uniswap v2's getAmountOut, written out with bigint. */
function uniswapAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  const amountInWithFee = amountIn * 997n;
  return (amountInWithFee * reserveOut) / (reserveIn * 1000n + amountInWithFee);
}

afterEach(closeChains);

/** Tokens, a funded pool, a vault and SwapAndDeposit on 901, with the messenger predeployed; a user with tokenIn. */
async function demoFixture() {
  const connection = await openChain(Number(CHAIN_ID));
  const { viem } = connection;
  const publicClient = await viem.getPublicClient();
  const [deployer, user] = await viem.getWalletClients();
  if (deployer === undefined || user === undefined) throw new Error("expected two accounts");
  const messenger = await predeployMessenger(connection, {
    committee: [SEQUENCER],
    firstChainId: CHAIN_ID,
    chainCount: 2n,
  });
  await impersonate(connection, SEQUENCER);
  const tokenIn = await viem.deployContract("DemoToken", ["Token In", "TIN", SUPPLY]);
  const bridged = await viem.deployContract("BridgedToken", ["Bridged", "BRG", SUPPLY]);
  const pool = await viem.deployContract("ConstantProductPool", [tokenIn.address, bridged.address]);
  const vault = await viem.deployContract("Vault", [bridged.address, CAP]);
  const swapAndDeposit = await viem.deployContract("SwapAndDeposit", [
    pool.address,
    tokenIn.address,
    bridged.address,
    vault.address,
  ]);

  async function mined(hash: Hash) {
    return publicClient.waitForTransactionReceipt({ hash });
  }
  await mined(await tokenIn.write.approve([pool.address, LIQUIDITY_IN]));
  await mined(await bridged.write.approve([pool.address, LIQUIDITY_BRIDGED]));
  await mined(await pool.write.addLiquidity([LIQUIDITY_IN, LIQUIDITY_BRIDGED]));
  await mined(await tokenIn.write.transfer([user.account.address, USER_FUNDS]));

  /** Relays `message` signed by the sequencer from its account and waits for the receipt. */
  async function relay(message: RelayedMessage) {
    const [v, r, s] = await signRelay(SEQUENCER_KEY, message);
    return mined(await messenger.write.relayMessage([message, v, r, s], { account: SEQUENCER }));
  }

  /** A message from BridgedToken on 902 to its twin here, calling relayMint. */
  function relayMintMessage(from: Address, to: Address, amount: bigint, data: Hex): RelayedMessage {
    return {
      destination: CHAIN_ID,
      source: OTHER_CHAIN_ID,
      nonce: 0n,
      sender: getAddress(bridged.address),
      target: getAddress(bridged.address),
      message: encodeFunctionData({ abi: bridged.abi, functionName: "relayMint", args: [from, to, amount, data] }),
      gasLimit: ACTION_GAS_LIMIT,
    };
  }

  return {
    viem,
    deployer: getAddress(deployer.account.address),
    user: getAddress(user.account.address),
    userAccount: user.account,
    messenger,
    tokenIn,
    bridged,
    pool,
    vault,
    swapAndDeposit,
    mined,
    relay,
    relayMintMessage,
  };
}

describe("demo app", () => {
  describe("ConstantProductPool", () => {
    it("adding liquidity pulls both tokens and sets the reserves", async () => {
      const { tokenIn, bridged, pool } = await demoFixture();
      expect(await pool.read.getReserves()).to.deep.equal([LIQUIDITY_IN, LIQUIDITY_BRIDGED]);
      expect(await tokenIn.read.balanceOf([pool.address])).to.equal(LIQUIDITY_IN);
      expect(await bridged.read.balanceOf([pool.address])).to.equal(LIQUIDITY_BRIDGED);
    });

    it("every swap pays exactly Uniswap v2's getAmountOut and moves the reserves by what went in and out", async () => {
      const { deployer, user, tokenIn, bridged, pool, mined } = await demoFixture();
      await mined(await tokenIn.write.approve([pool.address, SUPPLY]));
      await mined(await bridged.write.approve([pool.address, SUPPLY]));
      const swaps = [
        { token: tokenIn, amountIn: parseEther("10") },
        { token: bridged, amountIn: parseEther("123.456789") },
        { token: tokenIn, amountIn: 1_000n },
        { token: tokenIn, amountIn: parseEther("25000") },
        { token: bridged, amountIn: parseEther("7") },
      ];

      for (const { token, amountIn } of swaps) {
        const zeroForOne = token === tokenIn;
        const tokenOut = zeroForOne ? bridged : tokenIn;
        const [reserve0, reserve1] = await pool.read.getReserves();
        const [reserveIn, reserveOut] = zeroForOne ? [reserve0, reserve1] : [reserve1, reserve0];
        const expected = uniswapAmountOut(amountIn, reserveIn, reserveOut);
        expect(await pool.read.getAmountOut([token.address, amountIn])).to.equal(expected);
        const paidBefore = await token.read.balanceOf([deployer]);
        const receivedBefore = await tokenOut.read.balanceOf([user]);

        const receipt = await mined(await pool.write.swap([token.address, amountIn, expected, user]));

        expect(await token.read.balanceOf([deployer])).to.equal(paidBefore - amountIn);
        expect(await tokenOut.read.balanceOf([user])).to.equal(receivedBefore + expected);
        const after = zeroForOne
          ? [reserve0 + amountIn, reserve1 - expected]
          : [reserve0 - expected, reserve1 + amountIn];
        expect(await pool.read.getReserves()).to.deep.equal(after);
        const swapped = parseEventLogs({ abi: pool.abi, logs: receipt.logs, eventName: "Swap" });
        expect(swapped.map((log) => log.args)).to.deep.equal([
          { sender: deployer, tokenIn: getAddress(token.address), amountIn, amountOut: expected, to: user },
        ]);
        const synced = parseEventLogs({ abi: pool.abi, logs: receipt.logs, eventName: "Sync" });
        expect(synced.map((log) => [log.args.reserve0, log.args.reserve1])).to.deep.equal([after]);
      }
    });

    it("a swap paying less than the caller's minimum reverts with InsufficientOutput and moves nothing", async () => {
      const { deployer, tokenIn, pool, mined } = await demoFixture();
      await mined(await tokenIn.write.approve([pool.address, SUPPLY]));
      const amountIn = parseEther("10");
      const expected = uniswapAmountOut(amountIn, LIQUIDITY_IN, LIQUIDITY_BRIDGED);
      const balanceBefore = await tokenIn.read.balanceOf([deployer]);

      await expectRevert(
        pool.write.swap([tokenIn.address, amountIn, expected + 1n, deployer]),
        pool.abi,
        "InsufficientOutput",
        [expected, expected + 1n],
      );

      expect(await pool.read.getReserves()).to.deep.equal([LIQUIDITY_IN, LIQUIDITY_BRIDGED]);
      expect(await tokenIn.read.balanceOf([deployer])).to.equal(balanceBefore);
    });

    it("a swap of a token outside the pair reverts with UnknownToken, of nothing with ZeroAmount", async () => {
      const { deployer, tokenIn, pool, vault } = await demoFixture();
      const stranger = getAddress(vault.address);
      await expectRevert(pool.write.swap([stranger, 1n, 0n, deployer]), pool.abi, "UnknownToken", [stranger]);
      await expectRevert(pool.write.swap([tokenIn.address, 0n, 0n, deployer]), pool.abi, "ZeroAmount", []);
    });
  });

  describe("Vault", () => {
    /** The vault with the deployer's bridged tokens approved to it. */
    async function vaultFixture() {
      const fixture = await demoFixture();
      await fixture.mined(await fixture.bridged.write.approve([fixture.vault.address, SUPPLY]));
      return fixture;
    }

    it("a deposit is credited to the user and paid by the caller", async () => {
      const { deployer, user, bridged, vault, mined } = await vaultFixture();
      const amount = parseEther("400");

      const receipt = await mined(await vault.write.depositFor([user, amount]));

      expect(await vault.read.balanceOf([user])).to.equal(amount);
      expect(await vault.read.balanceOf([deployer])).to.equal(0n);
      expect(await vault.read.totalDeposits()).to.equal(amount);
      expect(await bridged.read.balanceOf([vault.address])).to.equal(amount);
      const deposited = parseEventLogs({ abi: vault.abi, logs: receipt.logs, eventName: "Deposited" });
      expect(deposited.map((log) => log.args)).to.deep.equal([{ user, payer: deployer, amount }]);
    });

    it("a deposit over the cap reverts with DepositCapExceeded until the owner raises the cap", async () => {
      const { user, vault, mined } = await vaultFixture();
      await mined(await vault.write.depositFor([user, parseEther("600")]));

      await expectRevert(vault.write.depositFor([user, parseEther("500")]), vault.abi, "DepositCapExceeded", [
        parseEther("1100"),
        CAP,
      ]);
      expect(await vault.read.totalDeposits()).to.equal(parseEther("600"));

      await mined(await vault.write.setCap([parseEther("1100")]));
      await mined(await vault.write.depositFor([user, parseEther("500")]));
      expect(await vault.read.balanceOf([user])).to.equal(parseEther("1100"));
    });

    it("a deposit while paused reverts with Paused until the owner unpauses", async () => {
      const { user, vault, mined } = await vaultFixture();
      await mined(await vault.write.setPaused([true]));

      await expectRevert(vault.write.depositFor([user, 1n]), vault.abi, "Paused", []);
      expect(await vault.read.totalDeposits()).to.equal(0n);

      await mined(await vault.write.setPaused([false]));
      await mined(await vault.write.depositFor([user, 1n]));
      expect(await vault.read.balanceOf([user])).to.equal(1n);
    });

    it("only the owner pauses or changes the cap: anyone else gets NotOwner", async () => {
      const { user, userAccount, vault } = await vaultFixture();
      await expectRevert(vault.write.setPaused([true], { account: userAccount }), vault.abi, "NotOwner", [user]);
      await expectRevert(vault.write.setCap([0n], { account: userAccount }), vault.abi, "NotOwner", [user]);
      expect(await vault.read.paused()).to.equal(false);
      expect(await vault.read.cap()).to.equal(CAP);
    });
  });

  describe("BridgedToken", () => {
    it("bridgeAndCall burns the tokens here and sends relayMint to its twin with the chosen gas", async () => {
      const { deployer, user, messenger, bridged, mined } = await demoFixture();
      const amount = parseEther("5");
      const supplyBefore = await bridged.read.totalSupply();
      const balanceBefore = await bridged.read.balanceOf([deployer]);

      const receipt = await mined(await bridged.write.bridgeAndCall([OTHER_CHAIN_ID, user, amount, "0x", 80_000n]));

      expect(await bridged.read.balanceOf([deployer])).to.equal(balanceBefore - amount);
      expect(await bridged.read.totalSupply()).to.equal(supplyBefore - amount);
      const body = encodeFunctionData({
        abi: bridged.abi,
        functionName: "relayMint",
        args: [deployer, user, amount, "0x"],
      });
      const token = getAddress(bridged.address);
      const sent = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "SentMessage" });
      expect(sent.map((log) => log.args)).to.deep.equal([
        { destination: OTHER_CHAIN_ID, target: token, messageNonce: 0n, sender: token, message: body },
      ]);
      const messageHash = messageHashOf({
        destination: OTHER_CHAIN_ID,
        source: CHAIN_ID,
        nonce: 0n,
        sender: token,
        target: token,
        message: body,
      });
      const gasLimits = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "MessageGasLimit" });
      expect(gasLimits.map((log) => log.args)).to.deep.equal([{ messageHash, gasLimit: 80_000n }]);
      const bridgedEvents = parseEventLogs({ abi: bridged.abi, logs: receipt.logs, eventName: "Bridged" });
      expect(bridgedEvents.map((log) => log.args)).to.deep.equal([
        { from: deployer, to: user, amount, destination: OTHER_CHAIN_ID },
      ]);
    });

    it("relayMint called directly, not by the messenger, reverts with NotMessenger", async () => {
      const { deployer, user, bridged } = await demoFixture();
      await expectRevert(bridged.write.relayMint([deployer, user, 1n, "0x"]), bridged.abi, "NotMessenger", [
        deployer,
      ]);
      expect(await bridged.read.balanceOf([user])).to.equal(0n);
    });

    it("a relayed relayMint sent by another contract than the token's twin fails with NotFromCounterpart", async () => {
      const { user, messenger, bridged, vault, relay, relayMintMessage } = await demoFixture();
      const impostor = getAddress(vault.address);
      const message = { ...relayMintMessage(user, user, 1n, "0x"), sender: impostor };

      await expectRevert(relay(message), messenger.abi, "TargetCallFailed", [
        getAddress(bridged.address),
        encodeErrorResult({ abi: bridged.abi, errorName: "NotFromCounterpart", args: [impostor] }),
      ]);
      expect(await bridged.read.balanceOf([user])).to.equal(0n);
    });

    it("a relayed relayMint from the twin mints to the recipient", async () => {
      const { deployer, user, bridged, relay, relayMintMessage } = await demoFixture();
      const supplyBefore = await bridged.read.totalSupply();

      const receipt = await relay(relayMintMessage(deployer, user, 7n, "0x"));

      expect(await bridged.read.balanceOf([user])).to.equal(7n);
      expect(await bridged.read.totalSupply()).to.equal(supplyBefore + 7n);
      const minted = parseEventLogs({ abi: bridged.abi, logs: receipt.logs, eventName: "RelayMinted" });
      expect(minted.map((log) => log.args)).to.deep.equal([
        { from: deployer, to: user, amount: 7n, source: OTHER_CHAIN_ID },
      ]);
    });

    it("bridging to the messenger with a sendMessage of relayMint as data mints nothing anywhere", async () => {
      const { user, userAccount, messenger, bridged, mined, relay, relayMintMessage } = await demoFixture();
      const token = getAddress(bridged.address);
      await mined(await bridged.write.transfer([user, 1n]));
      // The attack: have the token itself send its twin on a third rollup a relayMint of 10^30 to the attacker,
      // which the twin would trust as the token's own message.
      const mintToAttacker = encodeFunctionData({
        abi: bridged.abi,
        functionName: "relayMint",
        args: [user, user, 10n ** 30n, "0x"],
      });
      const sendAsToken = encodeFunctionData({
        abi: messenger.abi,
        functionName: "sendMessage",
        args: [OTHER_CHAIN_ID, token, mintToAttacker],
      });
      // On A the bridge goes out: the attacker pays 1 wei of the token.
      const receipt = await mined(
        await bridged.write.bridgeAndCall([OTHER_CHAIN_ID, MESSENGER_ADDRESS, 1n, sendAsToken, 200_000n], {
          account: userAccount,
        }),
      );
      const [sent] = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "SentMessage" });
      if (sent === undefined) throw new Error("expected the bridge's message");
      const supplyBefore = await bridged.read.totalSupply();
      const nonceBefore = await messenger.read.messageNonce();

      // On B the token calls only onTokenBridged, which the messenger does not have: the relay fails whole.
      const message = { ...relayMintMessage(user, MESSENGER_ADDRESS, 1n, sendAsToken), gasLimit: 200_000n };
      expect(message.message).to.equal(sent.args.message);
      await expectRevert(relay(message), messenger.abi, "TargetCallFailed", [
        token,
        encodeErrorResult({ abi: bridged.abi, errorName: "CallFailed", args: [MESSENGER_ADDRESS, "0x"] }),
      ]);

      expect(await messenger.read.messageNonce()).to.equal(nonceBefore);
      expect(await bridged.read.totalSupply()).to.equal(supplyBefore);
      expect(await bridged.read.balanceOf([user])).to.equal(0n);
      expect(await bridged.read.balanceOf([MESSENGER_ADDRESS])).to.equal(0n);
    });

    it("a bridge with data to an account that is not an IBridgeRecipient fails with NotBridgeRecipient", async () => {
      const { user, messenger, bridged, relay, relayMintMessage } = await demoFixture();
      const supplyBefore = await bridged.read.totalSupply();

      // An account without code answers any call with success and nothing: it did not accept the tokens.
      await expectRevert(relay(relayMintMessage(user, user, 7n, "0x01")), messenger.abi, "TargetCallFailed", [
        getAddress(bridged.address),
        encodeErrorResult({ abi: bridged.abi, errorName: "NotBridgeRecipient", args: [user, "0x"] }),
      ]);

      expect(await bridged.read.balanceOf([user])).to.equal(0n);
      expect(await bridged.read.totalSupply()).to.equal(supplyBefore);
    });
  });

  describe("SwapAndDeposit", () => {
    /** The user's swapAndDeposit of `amountIn` on A, approved and mined; returns the receipt and the bridged amount. */
    async function triggered(fixture: Awaited<ReturnType<typeof demoFixture>>, amountIn: bigint) {
      const { userAccount, tokenIn, swapAndDeposit, mined } = fixture;
      await mined(await tokenIn.write.approve([swapAndDeposit.address, amountIn], { account: userAccount }));
      const amountOut = uniswapAmountOut(amountIn, LIQUIDITY_IN, LIQUIDITY_BRIDGED);
      const receipt = await mined(
        await swapAndDeposit.write.swapAndDeposit([amountIn, amountOut, OTHER_CHAIN_ID, ACTION_GAS_LIMIT], {
          account: userAccount,
        }),
      );
      return { receipt, amountOut };
    }

    /** The action SwapAndDeposit on A sends for `user` and `amount`: relayMint to itself, with the user as data. */
    function actionBody(fixture: Awaited<ReturnType<typeof demoFixture>>, amount: bigint) {
      const { user, bridged, swapAndDeposit } = fixture;
      const self = getAddress(swapAndDeposit.address);
      return encodeFunctionData({ abi: bridged.abi, functionName: "relayMint", args: [self, self, amount, depositData(user)] });
    }

    it("on A, the trigger swaps the user's tokens, burns the proceeds and sends the deposit to B", async () => {
      const fixture = await demoFixture();
      const { user, messenger, tokenIn, bridged, pool, swapAndDeposit } = fixture;
      const supplyBefore = await bridged.read.totalSupply();

      const { receipt, amountOut } = await triggered(fixture, parseEther("100"));

      expect(await tokenIn.read.balanceOf([user])).to.equal(USER_FUNDS - parseEther("100"));
      expect(await pool.read.getReserves()).to.deep.equal([
        LIQUIDITY_IN + parseEther("100"),
        LIQUIDITY_BRIDGED - amountOut,
      ]);
      // The proceeds left A: burnt, not held by SwapAndDeposit.
      expect(await bridged.read.balanceOf([swapAndDeposit.address])).to.equal(0n);
      expect(await bridged.read.totalSupply()).to.equal(supplyBefore - amountOut);
      const token = getAddress(bridged.address);
      const body = actionBody(fixture, amountOut);
      const messageHash = messageHashOf({
        destination: OTHER_CHAIN_ID,
        source: CHAIN_ID,
        nonce: 0n,
        sender: token,
        target: token,
        message: body,
      });
      const sent = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "SentMessage" });
      expect(sent.map((log) => log.args.message)).to.deep.equal([body]);
      const gasLimits = parseEventLogs({ abi: messenger.abi, logs: receipt.logs, eventName: "MessageGasLimit" });
      expect(gasLimits.map((log) => log.args)).to.deep.equal([{ messageHash, gasLimit: ACTION_GAS_LIMIT }]);
      const started = parseEventLogs({
        abi: swapAndDeposit.abi,
        logs: receipt.logs,
        eventName: "SwapAndDepositStarted",
      });
      expect(started.map((log) => log.args)).to.deep.equal([
        { user, amountIn: parseEther("100"), amountOut, destination: OTHER_CHAIN_ID, messageHash },
      ]);
    });

    it("on A, a swap under the user's minimum reverts the trigger with the pool's InsufficientOutput", async () => {
      const { user, userAccount, messenger, tokenIn, pool, swapAndDeposit, mined } = await demoFixture();
      const amountIn = parseEther("100");
      const expected = uniswapAmountOut(amountIn, LIQUIDITY_IN, LIQUIDITY_BRIDGED);
      await mined(await tokenIn.write.approve([swapAndDeposit.address, amountIn], { account: userAccount }));

      await expectRevert(
        swapAndDeposit.write.swapAndDeposit([amountIn, expected + 1n, OTHER_CHAIN_ID, ACTION_GAS_LIMIT], {
          account: userAccount,
        }),
        pool.abi,
        "InsufficientOutput",
        [expected, expected + 1n],
      );

      expect(await tokenIn.read.balanceOf([user])).to.equal(USER_FUNDS);
      expect(await messenger.read.messageNonce()).to.equal(0n);
    });

    it("on B, the relayed action mints to SwapAndDeposit, which deposits into the vault for the user", async () => {
      const fixture = await demoFixture();
      const { user, bridged, vault, swapAndDeposit, relay, relayMintMessage } = fixture;
      const { amountOut } = await triggered(fixture, parseEther("100"));
      const self = getAddress(swapAndDeposit.address);
      // The message A sent, as B receives it: here the same chain stands for both.
      const message = relayMintMessage(self, self, amountOut, depositData(user));
      expect(message.message).to.equal(actionBody(fixture, amountOut));

      const receipt = await relay(message);

      expect(await vault.read.balanceOf([user])).to.equal(amountOut);
      expect(await vault.read.totalDeposits()).to.equal(amountOut);
      expect(await bridged.read.balanceOf([vault.address])).to.equal(amountOut);
      expect(await bridged.read.balanceOf([self])).to.equal(0n);
      const deposited = parseEventLogs({ abi: vault.abi, logs: receipt.logs, eventName: "Deposited" });
      expect(deposited.map((log) => log.args)).to.deep.equal([{ user, payer: self, amount: amountOut }]);
      const depositedFor = parseEventLogs({ abi: swapAndDeposit.abi, logs: receipt.logs, eventName: "DepositedFor" });
      expect(depositedFor.map((log) => log.args)).to.deep.equal([{ user, amount: amountOut }]);
    });

    it("on B, a deposit over the cap fails the relay with the vault's reason inside; nothing is minted", async () => {
      const fixture = await demoFixture();
      const { user, messenger, bridged, vault, swapAndDeposit, relay, relayMintMessage } = fixture;
      const self = getAddress(swapAndDeposit.address);
      const amount = CAP + 1n;
      const supplyBefore = await bridged.read.totalSupply();

      const vaultError = encodeErrorResult({ abi: vault.abi, errorName: "DepositCapExceeded", args: [amount, CAP] });
      await expectRevert(relay(relayMintMessage(self, self, amount, depositData(user))), messenger.abi, "TargetCallFailed", [
        getAddress(bridged.address),
        encodeErrorResult({ abi: bridged.abi, errorName: "CallFailed", args: [self, vaultError] }),
      ]);

      expect(await bridged.read.totalSupply()).to.equal(supplyBefore);
      expect(await bridged.read.balanceOf([self])).to.equal(0n);
      expect(await vault.read.balanceOf([user])).to.equal(0n);
    });

    it("onTokenBridged called by anyone but the bridged token reverts with NotBridgedToken", async () => {
      const { deployer, user, swapAndDeposit } = await demoFixture();
      await expectRevert(
        swapAndDeposit.write.onTokenBridged([user, 1n, depositData(user)]),
        swapAndDeposit.abi,
        "NotBridgedToken",
        [deployer],
      );
    });
  });
});

