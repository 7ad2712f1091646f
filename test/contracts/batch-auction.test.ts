import { expect } from "chai";
import { type Address, encodeFunctionData, type Hex, parseEventLogs, parseUnits, type TransactionReceipt } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { artifact } from "../../contracts/artifacts.ts";
import { deployMarket, type Market, readReserves } from "../../demo/market.ts";
import { type Devnet, type DevnetChain, startDevnet } from "../../devnet/devnet.ts";
import type { DevAccount } from "../../rollups/accounts.ts";
import {
  type BatchAuctionDeployment,
  type BatchClearing,
  type BatchOrder,
  clearBatch,
  deployBatchAuction,
  MAX_ORDER_AMOUNT_IN,
  MAX_ORDERS_PER_BATCH,
  REFUND_REASONS,
} from "../../sim/batch-auction.ts";
import { createRandom } from "../../sim/random.ts";
import { expectRevert } from "../support/contracts.ts";

const TOKEN = 10n ** 18n;
const RESERVE = parseUnits("1000000", 18);
/** What each trader holds of the in-token (token0) after set-up. */
const FUND_IN = parseUnits("100000", 18);
/** What each trader swaps at set-up for some of the out-token (token1), to sell it in batches. */
const BUY_OUT_WITH = parseUnits("30000", 18);
const TRADERS = 6;
/**
 * Gas limits: a slot takes transactions while their limits fit in a block
 * (30M), so an order asks for little; a clear() of a full batch needs millions.
 */
const ORDER_GAS = 200_000n;
const CLEAR_GAS = 8_000_000n;

// Uniswap v2's getAmountOut, transcribed again so that the test does not lean on the code it checks.
const uniswapAmountOut = (amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint =>
  (amountIn * 997n * reserveOut) / (reserveIn * 1000n + amountIn * 997n);

/** An order of a slot, and who submits it. */
interface PlacedOrder {
  trader: DevAccount;
  order: BatchOrder;
}

/** One rollup with a market, a batch auction in front of its pool, and six traders holding both tokens. */
interface AuctionFixture {
  devnet: Devnet;
  rollup: DevnetChain;
  market: Market;
  auction: BatchAuctionDeployment;
  traders: DevAccount[];
  /** Calls clear(), and nothing else. */
  keeper: DevAccount;
  /** Signs `data` to `to` from `account` at its next nonce. */
  sign(account: DevAccount, to: Address, data: Hex, gas: bigint): Promise<Hex>;
}

async function auctionFixture(): Promise<AuctionFixture> {
  const devnet = await startDevnet({ rollups: 1, manual: true, policy: "batch-auction" }, { onError: () => undefined });
  const rollup = devnet.rollups[0]!;
  const nonces = new Map<Address, number>();
  const sign = async (account: DevAccount, to: Address | undefined, data: Hex, gas: bigint) => {
    const nonce = nonces.get(account.address) ?? (await rollup.publicClient.getTransactionCount({ address: account.address }));
    nonces.set(account.address, nonce + 1);
    return privateKeyToAccount(account.privateKey).signTransaction({
      type: "eip1559",
      chainId: rollup.chainId,
      nonce,
      to,
      data,
      gas,
      maxPriorityFeePerGas: 1n,
      maxFeePerGas: 10_000_000_000n,
    });
  };
  // As the lab's setupSend: one transaction per slot, each must succeed.
  const send = async (_rollup: DevnetChain, account: DevAccount, request: { to?: Address; data: Hex }) => {
    const hash = await devnet.sequencer.submitRawTransaction(rollup.chainId, await sign(account, request.to, request.data, CLEAR_GAS));
    await devnet.sequencer.produceSlot();
    const receipt = await rollup.publicClient.getTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`set-up transaction ${hash} reverted`);
  };
  const traders = devnet.accounts.slice(0, TRADERS);
  const deployer = devnet.accounts[19]!;
  const market = await deployMarket(devnet, {
    deployer,
    poolRollup: 0,
    reserveIn: RESERVE,
    reserveOut: RESERVE,
    tokens: { in: ["Batch in-token", "IN"], out: ["Batch out-token", "OUT"] },
    vaultCap: 0n,
    traders: traders.map((account) => ({ account, fundIn: FUND_IN })),
    sellers: [],
    send,
  });
  const { abi: poolAbi } = artifact("ConstantProductPool");
  for (const trader of traders) {
    await send(rollup, trader, {
      to: market.pool,
      data: encodeFunctionData({ abi: poolAbi, functionName: "swap", args: [market.tokenIn, BUY_OUT_WITH, 0n, trader.address] }),
    });
  }
  const auction = await deployBatchAuction(market, { deployer, traders, send });
  return { devnet, rollup, market, auction, traders, keeper: devnet.accounts[18]!, sign };
}

/** Balances of both tokens (token0 = the market's tokenIn) of every account given, and the total supplies. */
async function holdings(fixture: AuctionFixture, accounts: readonly Address[]) {
  const { abi } = artifact("DemoToken");
  const { rollup, market } = fixture;
  const read = (token: Address) =>
    Promise.all([
      ...accounts.map((account) => rollup.publicClient.readContract({ address: token, abi, functionName: "balanceOf", args: [account] })),
      rollup.publicClient.readContract({ address: token, abi, functionName: "totalSupply" }),
    ]);
  const [token0, token1] = await Promise.all([read(market.tokenIn), read(market.tokenOut)]);
  return { token0, token1 };
}

/**
 * Submits the orders in one slot, in arrival order, and the keeper's clear()
 * after them; returns what clearBatch expected (from the reserves before),
 * clear()'s receipt and every account's balance change.
 */
async function clearInOneSlot(fixture: AuctionFixture, placed: readonly PlacedOrder[]) {
  const { devnet, rollup, market, auction, keeper, sign } = fixture;
  const { abi } = artifact("BatchAuction");
  const { reserveIn: reserve0, reserveOut: reserve1 } = await readReserves(market);
  const expected = clearBatch(
    placed.map(({ order }) => order),
    { reserve0, reserve1 },
  );
  const accounts = [...fixture.traders.map((trader) => trader.address), keeper.address, market.pool, auction.address];
  const before = await holdings(fixture, accounts);
  // The keeper's clear() arrives first: the batch-auction policy still runs it last in the slot.
  const clearHash = await devnet.sequencer.submitRawTransaction(
    rollup.chainId,
    await sign(keeper, auction.address, encodeFunctionData({ abi, functionName: "clear" }), CLEAR_GAS),
    { receivedAt: -1 },
  );
  const hashes: Hex[] = [];
  for (const [index, { trader, order }] of placed.entries()) {
    const tokenIn = order.sellsToken0 ? market.tokenIn : market.tokenOut;
    const data = encodeFunctionData({ abi, functionName: "submitOrder", args: [tokenIn, order.amountIn, order.minOut] });
    hashes.push(await devnet.sequencer.submitRawTransaction(rollup.chainId, await sign(trader, auction.address, data, ORDER_GAS), { receivedAt: index }));
  }
  await devnet.sequencer.produceSlot();
  const receipts = await Promise.all([...hashes, clearHash].map((hash) => rollup.publicClient.getTransactionReceipt({ hash })));
  expect(receipts.map((receipt) => receipt.status)).to.deep.equal(receipts.map(() => "success"));
  // Every order and the clear() landed in one block, the clear() last: the batch is the slot's orders.
  expect(new Set(receipts.map((receipt) => receipt.blockNumber)).size).to.equal(1);
  expect(receipts.map((receipt) => receipt.transactionIndex)).to.deep.equal(receipts.map((_, index) => index));
  const after = await holdings(fixture, accounts);
  const change = (token: "token0" | "token1") => after[token].map((balance, index) => balance - before[token][index]!);
  return { expected, clearReceipt: receipts.at(-1)!, accounts, change: { token0: change("token0"), token1: change("token1") } };
}

/** The balance changes clearBatch's outcome implies, in the order of `accounts` (then the total supply, unchanged). */
function expectedChanges(fixture: AuctionFixture, placed: readonly PlacedOrder[], clearing: BatchClearing, accounts: readonly Address[]) {
  const change = { token0: accounts.map(() => 0n).concat(0n), token1: accounts.map(() => 0n).concat(0n) };
  const add = (token: "token0" | "token1", account: Address, amount: bigint) => (change[token][accounts.indexOf(account)]! += amount);
  for (const [index, { trader, order }] of placed.entries()) {
    const outcome = clearing.outcomes[index]!;
    if (outcome.status === "refunded") continue;
    add(order.sellsToken0 ? "token0" : "token1", trader.address, -order.amountIn);
    add(order.sellsToken0 ? "token1" : "token0", trader.address, outcome.amountOut);
  }
  const { pool } = fixture.market;
  const swap = clearing.netSwap;
  if (swap !== null) {
    add(swap.sellsToken0 ? "token0" : "token1", pool, swap.amountIn);
    add(swap.sellsToken0 ? "token1" : "token0", pool, -swap.amountOut);
  }
  add("token0", fixture.auction.address, clearing.dust.token0);
  add("token1", fixture.auction.address, clearing.dust.token1);
  return change;
}

/** The auction's events in clear()'s receipt, decoded. */
function clearEvents(receipt: TransactionReceipt) {
  const logs = parseEventLogs({ abi: artifact("BatchAuction").abi, logs: receipt.logs });
  return {
    filled: logs.flatMap((log) => (log.eventName === "OrderFilled" ? [log.args] : [])),
    refunded: logs.flatMap((log) => (log.eventName === "OrderRefunded" ? [log.args] : [])),
    cleared: logs.flatMap((log) => (log.eventName === "BatchCleared" ? [log.args] : [])),
  };
}

/** Clears `placed` in one slot and checks every balance, the reserves and the events against clearBatch, to the wei. */
async function expectClearsLikeClearBatch(fixture: AuctionFixture, placed: readonly PlacedOrder[]): Promise<BatchClearing> {
  const { expected, clearReceipt, accounts, change } = await clearInOneSlot(fixture, placed);
  expect(change).to.deep.equal(expectedChanges(fixture, placed, expected, accounts));
  // Conservation: the total supplies did not move, and what left one account reached another.
  for (const token of ["token0", "token1"] as const) expect(change[token].reduce((sum, amount) => sum + amount, 0n)).to.equal(0n);
  const { reserveIn, reserveOut } = await readReserves(fixture.market);
  expect({ reserve0: reserveIn, reserve1: reserveOut }).to.deep.equal(expected.reserves);

  const events = clearEvents(clearReceipt);
  const outcomes = expected.outcomes;
  expect(events.filled.map(({ amountOut }) => amountOut)).to.deep.equal(outcomes.flatMap((outcome) => (outcome.status === "filled" ? [outcome.amountOut] : [])));
  expect(events.refunded.map(({ amountOut, reason }) => ({ amountOut, reason: REFUND_REASONS[reason] }))).to.deep.equal(
    outcomes.flatMap((outcome) => (outcome.status === "refunded" ? [{ amountOut: outcome.amountOut, reason: outcome.reason }] : [])),
  );
  const [cleared] = events.cleared;
  expect(cleared).to.deep.include({
    orders: BigInt(placed.length),
    filled: BigInt(events.filled.length),
    poolSellsToken0: expected.netSwap?.sellsToken0 ?? false,
    poolIn: expected.netSwap?.amountIn ?? 0n,
    poolOut: expected.netSwap?.amountOut ?? 0n,
    priceNum: expected.price?.token1 ?? 0n,
    priceDen: expected.price?.token0 ?? 0n,
    dust0: expected.dust.token0,
    dust1: expected.dust.token1,
    rounds: BigInt(expected.rounds),
  });
  return expected;
}

describe("BatchAuction on a devnet", function () {
  this.timeout(240_000);
  let fixture: AuctionFixture;

  before(async () => {
    fixture = await auctionFixture();
  });
  after(async () => {
    await fixture?.devnet.stop();
  });

  it("clears a slot's orders from both sides at one price, every balance to the wei of clearBatch", async () => {
    const [alice, bob, carol, dave, erin, frank] = fixture.traders as [DevAccount, DevAccount, DevAccount, DevAccount, DevAccount, DevAccount];
    const { reserveIn, reserveOut } = await readReserves(fixture.market);
    const bobSells = 12_345n * TOKEN + 6789n;
    const carolSells = 3_000n * TOKEN;
    const placed: PlacedOrder[] = [
      { trader: alice, order: { sellsToken0: true, amountIn: 5_000n * TOKEN, minOut: 0n } },
      // Asks for exactly what his swap alone would pay: the batch sells more token0 than he does.
      { trader: bob, order: { sellsToken0: true, amountIn: bobSells, minOut: uniswapAmountOut(bobSells, reserveIn, reserveOut) } },
      { trader: carol, order: { sellsToken0: false, amountIn: carolSells, minOut: 1n } },
      // Wants more than the pool's price could ever give.
      { trader: dave, order: { sellsToken0: true, amountIn: 1_000n * TOKEN, minOut: 1_000n * TOKEN } },
      { trader: erin, order: { sellsToken0: false, amountIn: 777n * TOKEN + 1n, minOut: 0n } },
      // One wei buys nothing at this price.
      { trader: alice, order: { sellsToken0: true, amountIn: 1n, minOut: 0n } },
      { trader: frank, order: { sellsToken0: true, amountIn: 2_500n * TOKEN, minOut: 0n } },
    ];
    const clearing = await expectClearsLikeClearBatch(fixture, placed);
    expect(clearing.netSwap?.sellsToken0).to.equal(true);
    expect(clearing.outcomes.map((outcome) => (outcome.status === "filled" ? "filled" : outcome.reason))).to.deep.equal([
      "filled",
      "below-min-out",
      "filled",
      "below-min-out",
      "filled",
      "zero-output",
      "filled",
    ]);
    expect(clearing.rounds).to.equal(2);
    // Carol, on the short side, is matched against the token0 sellers at a better price than the pool's.
    const carolOut = clearing.outcomes[2]!.amountOut;
    expect(carolOut > uniswapAmountOut(carolSells, reserveOut, reserveIn)).to.equal(true);
    // Bob was refunded in the first round, yet the final price would have paid him his minimum: a refund is
    // never reconsidered (the contract's notice says so).
    const { token1, token0 } = clearing.price!;
    expect((bobSells * token1) / token0 >= placed[1]!.order.minOut).to.equal(true);
  });

  it("clears random batches slot after slot, to the wei of clearBatch", async () => {
    const random = createRandom(2024);
    for (let slot = 0; slot < 4; slot++) {
      const { reserveIn, reserveOut } = await readReserves(fixture.market);
      const placed = Array.from({ length: 1 + random.int(10) }, (): PlacedOrder => {
        const sellsToken0 = random.next() < 0.5;
        const amountIn = BigInt(1 + random.int(4_000)) * TOKEN + BigInt(random.int(1_000_000));
        const quote = sellsToken0 ? uniswapAmountOut(amountIn, reserveIn, reserveOut) : uniswapAmountOut(amountIn, reserveOut, reserveIn);
        const minOut = random.next() < 0.5 ? 0n : (quote * BigInt(9_950 + random.int(100))) / 10_000n;
        return { trader: fixture.traders[random.int(TRADERS)]!, order: { sellsToken0, amountIn, minOut } };
      });
      await expectClearsLikeClearBatch(fixture, placed);
    }
  });

  it("an empty clear() moves nothing and changes nothing but still says so", async () => {
    const { abi } = artifact("BatchAuction");
    const { address } = fixture.auction;
    const batchNumber = () => fixture.rollup.publicClient.readContract({ address, abi, functionName: "batchNumber" });
    const number = await batchNumber();
    const { clearReceipt, change } = await clearInOneSlot(fixture, []);
    expect(change.token0.every((amount) => amount === 0n) && change.token1.every((amount) => amount === 0n)).to.equal(true);
    expect(clearEvents(clearReceipt).cleared).to.deep.equal([
      { batchNumber: number, orders: 0n, filled: 0n, poolSellsToken0: false, poolIn: 0n, poolOut: 0n, priceNum: 0n, priceDen: 0n, dust0: 0n, dust1: 0n, rounds: 0n },
    ]);
    expect(await batchNumber()).to.equal(number);
  });

  it("refuses an order it could not clear, with the reason and the values", async () => {
    const { abi } = artifact("BatchAuction");
    const { rollup, market, auction, traders } = fixture;
    const submit = (tokenIn: Address, amountIn: bigint) =>
      rollup.publicClient.simulateContract({ account: traders[0]!.address, address: auction.address, abi, functionName: "submitOrder", args: [tokenIn, amountIn, 0n] });
    await expectRevert(submit(market.swapAndDeposit, 1n), abi, "UnknownToken", [market.swapAndDeposit]);
    await expectRevert(submit(market.tokenIn, 0n), abi, "ZeroAmount", []);
    await expectRevert(submit(market.tokenIn, MAX_ORDER_AMOUNT_IN + 1n), abi, "AmountTooLarge", [MAX_ORDER_AMOUNT_IN, MAX_ORDER_AMOUNT_IN + 1n]);
  });

  it("a full batch refuses one more order until it is cleared", async () => {
    const { abi } = artifact("BatchAuction");
    const { devnet, rollup, market, auction, traders, sign } = fixture;
    const order = encodeFunctionData({ abi, functionName: "submitOrder", args: [market.tokenIn, TOKEN, 0n] });
    for (let index = 0; index < MAX_ORDERS_PER_BATCH; index++) {
      await devnet.sequencer.submitRawTransaction(rollup.chainId, await sign(traders[index % TRADERS]!, auction.address, order, ORDER_GAS));
    }
    await devnet.sequencer.produceSlot();
    const submit = rollup.publicClient.simulateContract({ account: traders[0]!.address, address: auction.address, abi, functionName: "submitOrder", args: [market.tokenIn, TOKEN, 0n] });
    await expectRevert(submit, abi, "BatchFull", [BigInt(MAX_ORDERS_PER_BATCH)]);
    const { reserveIn, reserveOut } = await readReserves(market);
    const expected = clearBatch(
      Array.from({ length: MAX_ORDERS_PER_BATCH }, (): BatchOrder => ({ sellsToken0: true, amountIn: TOKEN, minOut: 0n })),
      { reserve0: reserveIn, reserve1: reserveOut },
    );
    // The next slot brings no order of its own: its clear() clears the full batch.
    const { clearReceipt } = await clearInOneSlot(fixture, []);
    const [cleared] = clearEvents(clearReceipt).cleared;
    expect(cleared).to.deep.include({ orders: BigInt(MAX_ORDERS_PER_BATCH), filled: BigInt(MAX_ORDERS_PER_BATCH), poolIn: expected.netSwap?.amountIn, poolOut: expected.netSwap?.amountOut });
  });
});
