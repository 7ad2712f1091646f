/**
 * The lab's frequent batch auction: every order of a slot on one pool clears
 * at one uniform price, the two sides matched against each other and only
 * their imbalance traded through the pool, in one Uniswap v2 swap.
 *
 * {@link clearBatch} is `contracts/sim/BatchAuction.sol`'s clearing, written
 * again with bigint: the same rounds, the same search, the same floor
 * divisions, so that it gives the contract's outcome to the wei (the tests
 * check it on chain). The contract's NatSpec says what the clearing does and
 * does not guarantee; the comments here only say how the code mirrors it.
 */
import { type Address, encodeDeployData, encodeFunctionData, getContractAddress, maxUint256 } from "viem";
import { artifact } from "../contracts/artifacts.ts";
import type { Market, MarketParameters, MarketRollup } from "../demo/market.ts";
import type { DevnetChain } from "../devnet/devnet.ts";
import type { DevAccount } from "../rollups/accounts.ts";
import { AmmInputError, getAmountOut, UNISWAP_V2_FEE_BPS } from "./amm.ts";

/** Most orders one batch holds (`BatchAuction.MAX_ORDERS_PER_BATCH`): `submitOrder` reverts past it. */
export const MAX_ORDERS_PER_BATCH = 64;

/** Largest amount one order sells (`BatchAuction.MAX_AMOUNT_IN`, 2^96 - 1). */
export const MAX_ORDER_AMOUNT_IN = 2n ** 96n - 1n;

/** Basis points in one whole. */
const BPS = 10_000n;

/** An order as the contract records it: sell `amountIn` of one of the pool's tokens for at least `minOut` of the other. */
export interface BatchOrder {
  /** Whether it sells the pool's token0 (for token1), or token1 (for token0). */
  sellsToken0: boolean;
  amountIn: bigint;
  minOut: bigint;
}

/** A pool's reserves, as `ConstantProductPool.getReserves` returns them. */
export interface PoolReserves {
  reserve0: bigint;
  reserve1: bigint;
}

/**
 * Why an order was refunded, in the order of the contract's `RefundReason`
 * enum (so `REFUND_REASONS[reason]` decodes the `OrderRefunded` event).
 */
export const REFUND_REASONS = ["below-min-out", "zero-output"] as const;

/** Why an order was refunded: the price paid less than its `minOut`, or nothing at all. */
export type RefundReason = (typeof REFUND_REASONS)[number];

/**
 * What became of one order: filled with `amountOut` of the other token, or
 * refunded its `amountIn` (then `amountOut` is what the price of the round
 * that refunded it would have paid, as `OrderRefunded` says).
 */
export type OrderOutcome = { status: "filled"; amountOut: bigint } | { status: "refunded"; reason: RefundReason; amountOut: bigint };

/** The one swap through the pool: `amountIn` of token0 (or token1) for `amountOut` of the other. */
export interface NetSwap {
  sellsToken0: boolean;
  amountIn: bigint;
  amountOut: bigint;
}

/** What {@link clearBatch} comes to: exactly what `BatchAuction.clear()` does and emits. */
export interface BatchClearing {
  /** One per order, in the orders' order. */
  outcomes: OrderOutcome[];
  /** The uniform price as `token1 / token0` (token1 per token0, unreduced, as `BatchCleared` emits it); `null` when nothing filled. */
  price: { token1: bigint; token0: bigint } | null;
  /** The swap through the pool; `null` when the two sides matched without one (or nothing filled). */
  netSwap: NetSwap | null;
  /** Rounding the contract keeps, per token: less than one wei per filled order paid in that token. */
  dust: { token0: bigint; token1: bigint };
  /** Prices computed: one more than the rounds that refunded orders; 0 for an empty batch. */
  rounds: number;
  /** The pool's reserves after the net swap. */
  reserves: PoolReserves;
}

/**
 * Clears a batch of orders against a pool exactly as `BatchAuction.clear()`
 * does: finds the net swap (where one more unit to the pool would leave the
 * batch short), pays every order one uniform price (rounded down), refunds
 * the orders that price fails and prices the rest again, until none fails;
 * the rounding is left as dust. Pure.
 *
 * @param feeBps the pool's fee in basis points; the on-chain pool charges 30 (the default).
 * @throws {AmmInputError} for more than {@link MAX_ORDERS_PER_BATCH} orders, an
 * amount outside 1..{@link MAX_ORDER_AMOUNT_IN}, a negative minimum or reserve,
 * or a fee not from 0 to 9999: what the contract would not accept.
 * @example
 * ```ts
 * // One side only: one swap of the total, shared pro rata.
 * clearBatch([{ sellsToken0: true, amountIn: 1_000n, minOut: 0n }, { sellsToken0: true, amountIn: 3_000n, minOut: 0n }],
 *   { reserve0: 1_000_000n, reserve1: 1_000_000n });
 * // { outcomes: [{ status: "filled", amountOut: 993n }, { status: "filled", amountOut: 2979n }], price: { token1: 3972n, token0: 4000n }, … }
 * ```
 */
export function clearBatch(orders: readonly BatchOrder[], reserves: PoolReserves, feeBps: bigint = UNISWAP_V2_FEE_BPS): BatchClearing {
  checkInputs(orders, reserves, feeBps);
  const amountsOut: bigint[] = orders.map(() => 0n);
  const refunded: boolean[] = orders.map(() => false);
  let rounds = 0;
  let round: Round = { netSwap: null, priceToken1: 0n, priceToken0: 0n };
  for (let stable = orders.length === 0; !stable; ) {
    rounds += 1;
    round = priceRound(orders, refunded, reserves, feeBps);
    stable = refundFailing(orders, refunded, amountsOut, round);
  }
  const outcomes = orders.map((order, index): OrderOutcome => {
    const amountOut = amountsOut[index]!;
    if (!refunded[index]) return { status: "filled", amountOut };
    return { status: "refunded", reason: amountOut < order.minOut ? "below-min-out" : "zero-output", amountOut };
  });
  const { netSwap } = round;
  return {
    outcomes,
    price: round.priceToken0 === 0n ? null : { token1: round.priceToken1, token0: round.priceToken0 },
    netSwap,
    dust: dustOf(orders, outcomes, netSwap),
    rounds,
    reserves: reservesAfter(reserves, netSwap),
  };
}

/** One round's net swap and price (`BatchAuction._price`). */
interface Round {
  netSwap: NetSwap | null;
  priceToken1: bigint;
  priceToken0: bigint;
}

function priceRound(orders: readonly BatchOrder[], refunded: readonly boolean[], reserves: PoolReserves, feeBps: bigint): Round {
  let total0 = 0n;
  let total1 = 0n;
  for (const [index, order] of orders.entries()) {
    if (refunded[index]) continue;
    if (order.sellsToken0) total0 += order.amountIn;
    else total1 += order.amountIn;
  }
  const { reserve0, reserve1 } = reserves;
  // At most one direction can trade (the contract's _price says why), so token0's is tried first, as there.
  const sold0 = netSwapSize(total0, total1, reserve0, reserve1, feeBps);
  if (sold0 > 0n) {
    const amountOut = getAmountOut(sold0, reserve0, reserve1, feeBps);
    return { netSwap: { sellsToken0: true, amountIn: sold0, amountOut }, priceToken1: total1 + amountOut, priceToken0: total0 };
  }
  const sold1 = netSwapSize(total1, total0, reserve1, reserve0, feeBps);
  if (sold1 > 0n) {
    const amountOut = getAmountOut(sold1, reserve1, reserve0, feeBps);
    return { netSwap: { sellsToken0: false, amountIn: sold1, amountOut }, priceToken1: total1, priceToken0: total0 + amountOut };
  }
  return { netSwap: null, priceToken1: total1, priceToken0: total0 };
}

/** Pays every order not refunded yet at the round's price and refunds those it fails (`BatchAuction._refundFailing`); true if none failed. */
function refundFailing(orders: readonly BatchOrder[], refunded: boolean[], amountsOut: bigint[], round: Round): boolean {
  let stable = true;
  for (const [index, order] of orders.entries()) {
    if (refunded[index]) continue;
    // A side with an order has a positive total, so neither divisor is zero here.
    const amountOut = order.sellsToken0 ? (order.amountIn * round.priceToken1) / round.priceToken0 : (order.amountIn * round.priceToken0) / round.priceToken1;
    amountsOut[index] = amountOut;
    if (amountOut === 0n || amountOut < order.minOut) {
      refunded[index] = true;
      stable = false;
    }
  }
  return stable;
}

/**
 * The net swap selling the `offered` token (`BatchAuction._netSwap`): an x
 * with out(x) * (offered - x) >= wanted * x where x + 1 fails it (or x is all
 * of `offered`), searched from the real-valued solution x* downwards as the
 * contract does (gallop, then bisect); 0 when a reserve is empty or no
 * positive x qualifies.
 */
function netSwapSize(offered: bigint, wanted: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: bigint): bigint {
  if (reserveIn === 0n || reserveOut === 0n) return 0n;
  const paysOnePrice = (sold: bigint) => (sold === 0n ? 0n : getAmountOut(sold, reserveIn, reserveOut, feeBps)) * (offered - sold) >= wanted * sold;
  // x* = (g·rOut·offered − rIn·wanted) / (g·(rOut + wanted)), with the fee's g = (BPS − fee) / BPS scaled by BPS.
  const gain = (BPS - feeBps) * reserveOut * offered;
  const cost = BPS * wanted * reserveIn;
  if (gain <= cost) return 0n;
  let fails = (gain - cost) / ((BPS - feeBps) * (reserveOut + wanted)) + 1n;
  let sold = fails - 1n;
  for (let step = 1n; !paysOnePrice(sold); step *= 2n) {
    fails = sold;
    sold = sold > step ? sold - step : 0n;
  }
  while (fails - sold > 1n) {
    const middle = (sold + fails) / 2n;
    if (paysOnePrice(middle)) sold = middle;
    else fails = middle;
  }
  return sold;
}

/** What rounding leaves in the contract (`BatchAuction._dust`): what the fills and the pool brought in, less what was paid out. */
function dustOf(orders: readonly BatchOrder[], outcomes: readonly OrderOutcome[], netSwap: NetSwap | null): BatchClearing["dust"] {
  let held0 = 0n;
  let held1 = 0n;
  for (const [index, order] of orders.entries()) {
    const outcome = outcomes[index]!;
    if (outcome.status === "refunded") continue;
    if (order.sellsToken0) {
      held0 += order.amountIn;
      held1 -= outcome.amountOut;
    } else {
      held1 += order.amountIn;
      held0 -= outcome.amountOut;
    }
  }
  if (netSwap !== null) {
    held0 += netSwap.sellsToken0 ? -netSwap.amountIn : netSwap.amountOut;
    held1 += netSwap.sellsToken0 ? netSwap.amountOut : -netSwap.amountIn;
  }
  return { token0: held0, token1: held1 };
}

function reservesAfter({ reserve0, reserve1 }: PoolReserves, netSwap: NetSwap | null): PoolReserves {
  if (netSwap === null) return { reserve0, reserve1 };
  return netSwap.sellsToken0
    ? { reserve0: reserve0 + netSwap.amountIn, reserve1: reserve1 - netSwap.amountOut }
    : { reserve0: reserve0 - netSwap.amountOut, reserve1: reserve1 + netSwap.amountIn };
}

/** Rejects what the contract would: `submitOrder`'s checks, and a fee the AMM math cannot price with. */
function checkInputs(orders: readonly BatchOrder[], reserves: PoolReserves, feeBps: bigint): void {
  if (orders.length > MAX_ORDERS_PER_BATCH) {
    throw new AmmInputError({ parameter: "orders.length", reason: `must be at most ${MAX_ORDERS_PER_BATCH}`, value: BigInt(orders.length) });
  }
  for (const [index, { amountIn, minOut }] of orders.entries()) {
    if (amountIn <= 0n || amountIn > MAX_ORDER_AMOUNT_IN) {
      throw new AmmInputError({ parameter: `orders[${index}].amountIn`, reason: `must be from 1 to ${MAX_ORDER_AMOUNT_IN}`, value: amountIn });
    }
    if (minOut < 0n) throw new AmmInputError({ parameter: `orders[${index}].minOut`, reason: "must not be negative", value: minOut });
  }
  for (const [parameter, value] of Object.entries(reserves)) {
    if (value < 0n) throw new AmmInputError({ parameter, reason: "must not be negative", value });
  }
  if (feeBps < 0n || feeBps >= BPS) throw new AmmInputError({ parameter: "feeBps", reason: "must be from 0 to 9999", value: feeBps });
}

/** What {@link deployBatchAuction} needs besides the market. */
export interface DeployBatchAuctionParameters<R extends MarketRollup = DevnetChain> {
  /** Deploys the auction, from its next nonce (any account; the market's deployer will do). */
  deployer: DevAccount;
  /** Accounts that will submit orders: each approves the auction for both of the pool's tokens. */
  traders: readonly DevAccount[];
  /** Runs one transaction to inclusion, as `deployMarket`'s `send` (`contract` and `expected` name a deployment). */
  send: MarketParameters<R>["send"];
}

/** A batch auction deployed in front of a market's pool. */
export interface BatchAuctionDeployment<R extends MarketRollup = DevnetChain> {
  /** The `BatchAuction` contract, on the market's rollup. */
  address: Address;
  market: Market<R>;
}

/**
 * Deploys a `BatchAuction` in front of a market's pool, on the pool's rollup,
 * and has every trader approve it for both tokens (the pool's token0 is the
 * market's `tokenIn`, token1 its `tokenOut`). The auction approves the pool
 * itself, in its constructor. Traders still need the tokens they sell:
 * `deployMarket` funds them with `tokenIn` only.
 *
 * @example
 * ```ts
 * const auction = await deployBatchAuction(market, { deployer, traders: [alice, bob], send: setupSend });
 * ```
 */
export async function deployBatchAuction<R extends MarketRollup = DevnetChain>(
  market: Market<R>,
  parameters: DeployBatchAuctionParameters<R>,
): Promise<BatchAuctionDeployment<R>> {
  const { deployer, traders, send } = parameters;
  const auction = artifact("BatchAuction");
  const nonce = await market.rollup.publicClient.getTransactionCount({ address: deployer.address });
  const address = getContractAddress({ from: deployer.address, nonce: BigInt(nonce) });
  await send(market.rollup, deployer, { data: encodeDeployData({ ...auction, args: [market.pool] }), contract: "BatchAuction", expected: address });
  const { abi } = artifact("DemoToken");
  const approve = encodeFunctionData({ abi, functionName: "approve", args: [address, maxUint256] });
  for (const trader of traders) {
    for (const token of [market.tokenIn, market.tokenOut]) await send(market.rollup, trader, { to: token, data: approve });
  }
  return { address, market };
}
