import { expect } from "chai";
import { type Address, encodeDeployData, encodeFunctionData, type Hex, keccak256, parseAbi, toFunctionSelector } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { batchAuctionPolicy, createBatchAuctionPolicy } from "../../sequencer/policies/batch-auction.ts";
import type { SlotContext } from "../../sequencer/policies/types.ts";
import type { SequencedTransaction } from "../../sequencer/types.ts";
import { AmmInputError } from "../../sim/amm.ts";
import { type BatchClearing, type BatchOrder, clearBatch, MAX_ORDER_AMOUNT_IN, MAX_ORDERS_PER_BATCH, type PoolReserves } from "../../sim/batch-auction.ts";
import { createRandom } from "../../sim/random.ts";

// Uniswap v2's getAmountOut, transcribed again so that these tests do not lean on the code they check.
const uniswapAmountOut = (amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint =>
  (amountIn * 997n * reserveOut) / (reserveIn * 1000n + amountIn * 997n);

const sells0 = (amountIn: bigint, minOut = 0n): BatchOrder => ({ sellsToken0: true, amountIn, minOut });
const sells1 = (amountIn: bigint, minOut = 0n): BatchOrder => ({ sellsToken0: false, amountIn, minOut });
const filled = (amountOut: bigint) => ({ status: "filled", amountOut }) as const;
const MILLION: PoolReserves = { reserve0: 1_000_000n, reserve1: 1_000_000n };

/** The same batch seen from the other token: sides and reserves swapped. */
const mirror = (orders: readonly BatchOrder[]) => orders.map((order) => ({ ...order, sellsToken0: !order.sellsToken0 }));

describe("clearBatch", () => {
  const cases: { name: string; orders: BatchOrder[]; reserves: PoolReserves; expected: Omit<BatchClearing, "reserves"> }[] = [
    {
      // out(10 000) = 9 970 000 000 000 / 1 009 970 000 = 9871, shared 1:3:6 and rounded down: 987, 2961, 5922, 1 left over.
      name: "one side only is one swap of the total, shared pro rata",
      orders: [sells0(1_000n), sells0(3_000n), sells0(6_000n)],
      reserves: MILLION,
      expected: {
        outcomes: [filled(987n), filled(2961n), filled(5922n)],
        price: { token1: 9871n, token0: 10_000n },
        netSwap: { sellsToken0: true, amountIn: 10_000n, amountOut: 9871n },
        dust: { token0: 0n, token1: 1n },
        rounds: 1,
      },
    },
    {
      // 10 000 token0 against 4 000 token1: 5963 token0 go to the pool for out(5963) = 5909, and
      // out(x)·(10 000 − x) − 4 000·x is 2633 at x = 5963 but −3240 at 5964 (one more would leave the contract short).
      // Price (4 000 + 5 909) / 10 000: the token0 seller gets 9909, the token1 seller 4 000 · 10 000 / 9 909 = 4036.
      name: "both sides match at one price and only the imbalance goes to the pool",
      orders: [sells0(10_000n), sells1(4_000n)],
      reserves: MILLION,
      expected: {
        outcomes: [filled(9909n), filled(4036n)],
        price: { token1: 9909n, token0: 10_000n },
        netSwap: { sellsToken0: true, amountIn: 5963n, amountOut: 5909n },
        dust: { token0: 1n, token1: 0n },
        rounds: 1,
      },
    },
    {
      name: "the same batch seen from token1 clears the same way, into the other direction",
      orders: [sells1(10_000n), sells0(4_000n)],
      reserves: MILLION,
      expected: {
        outcomes: [filled(9909n), filled(4036n)],
        price: { token1: 10_000n, token0: 9909n },
        netSwap: { sellsToken0: false, amountIn: 5963n, amountOut: 5909n },
        dust: { token0: 0n, token1: 1n },
        rounds: 1,
      },
    },
    {
      // A price of 1 lies inside the pool's fee band (0.997 to 1/0.997): trading with the pool would only cost the fee.
      name: "two sides that meet inside the fee band match without the pool",
      orders: [sells0(1_000n), sells1(1_000n)],
      reserves: MILLION,
      expected: {
        outcomes: [filled(1_000n), filled(1_000n)],
        price: { token1: 1_000n, token0: 1_000n },
        netSwap: null,
        dust: { token0: 0n, token1: 0n },
        rounds: 1,
      },
    },
    {
      // Together: out(10 000) = 9871, 4935 each, below the second's 4950. Alone, the first gets out(5000) = 4960.
      name: "an order the price fails is refunded and the rest are priced again without it",
      orders: [sells0(5_000n), sells0(5_000n, 4_950n)],
      reserves: MILLION,
      expected: {
        outcomes: [filled(4960n), { status: "refunded", reason: "below-min-out", amountOut: 4935n }],
        price: { token1: 4960n, token0: 5_000n },
        netSwap: { sellsToken0: true, amountIn: 5_000n, amountOut: 4960n },
        dust: { token0: 0n, token1: 0n },
        rounds: 2,
      },
    },
    {
      // out(1) = 997 000 000 / 1 000 000 997 = 0: a swap that pays nothing is no swap.
      name: "an order the price pays nothing is refunded even with no minimum",
      orders: [sells0(1n)],
      reserves: MILLION,
      expected: {
        outcomes: [{ status: "refunded", reason: "zero-output", amountOut: 0n }],
        price: null,
        netSwap: null,
        dust: { token0: 0n, token1: 0n },
        rounds: 2,
      },
    },
    {
      name: "an empty pool prices nothing: one side alone is refunded",
      orders: [sells0(1_000n)],
      reserves: { reserve0: 0n, reserve1: 0n },
      expected: {
        outcomes: [{ status: "refunded", reason: "zero-output", amountOut: 0n }],
        price: null,
        netSwap: null,
        dust: { token0: 0n, token1: 0n },
        rounds: 2,
      },
    },
    {
      name: "an empty batch clears to nothing",
      orders: [],
      reserves: MILLION,
      expected: { outcomes: [], price: null, netSwap: null, dust: { token0: 0n, token1: 0n }, rounds: 0 },
    },
  ];
  for (const { name, orders, reserves, expected } of cases) {
    it(name, () => {
      const { reserves: after, ...clearing } = clearBatch(orders, reserves);
      expect(clearing).to.deep.equal(expected);
      const swap = expected.netSwap;
      const moved0 = swap === null ? 0n : swap.sellsToken0 ? swap.amountIn : -swap.amountOut;
      const moved1 = swap === null ? 0n : swap.sellsToken0 ? -swap.amountOut : swap.amountIn;
      expect(after).to.deep.equal({ reserve0: reserves.reserve0 + moved0, reserve1: reserves.reserve1 + moved1 });
    });
  }

  describe("on random batches", () => {
    const random = createRandom(12);
    const amount = (scale: bigint) => 1n + (BigInt(Math.floor(random.next() * 2 ** 40)) * scale) / 2n ** 40n;
    const batches = Array.from({ length: 300 }, () => {
      const reserves = { reserve0: amount(10n ** 24n), reserve1: amount(10n ** 24n) };
      const orders = Array.from({ length: random.int(12) }, (): BatchOrder => {
        const sellsToken0 = random.next() < 0.5;
        const amountIn = amount(10n ** 22n);
        const [reserveIn, reserveOut] = sellsToken0 ? [reserves.reserve0, reserves.reserve1] : [reserves.reserve1, reserves.reserve0];
        // Minimums from none to a slippage of 0.1% off a swap alone, so that some fail.
        const minOut = random.next() < 0.3 ? 0n : (uniswapAmountOut(amountIn, reserveIn, reserveOut) * BigInt(9_990 + random.int(60))) / 10_000n;
        return { sellsToken0, amountIn, minOut };
      });
      return { reserves, orders, clearing: clearBatch(orders, reserves) };
    });

    it("pays every filled order one price, rounded down, and at least its minimum", () => {
      for (const { orders, clearing } of batches) {
        for (const [index, order] of orders.entries()) {
          const outcome = clearing.outcomes[index]!;
          if (outcome.status === "refunded") continue;
          const { token1, token0 } = clearing.price!;
          expect(outcome.amountOut).to.equal(order.sellsToken0 ? (order.amountIn * token1) / token0 : (order.amountIn * token0) / token1);
          expect(outcome.amountOut >= order.minOut && outcome.amountOut > 0n).to.equal(true);
        }
      }
    });

    it("creates no token: what stays behind is at most one wei per filled order paid in it", () => {
      for (const { orders, clearing } of batches) {
        const paidIn = (token0: boolean) => orders.filter((order, index) => order.sellsToken0 !== token0 && clearing.outcomes[index]!.status === "filled").length;
        for (const [dust, fills] of [
          [clearing.dust.token0, paidIn(true)],
          [clearing.dust.token1, paidIn(false)],
        ] as const) {
          expect(dust >= 0n && dust <= BigInt(fills), `dust ${dust} for ${fills} fills`).to.equal(true);
        }
      }
    });

    it("trades the pool at its own price, and one unit more would leave the batch short", () => {
      let swaps = 0;
      for (const { orders, reserves, clearing } of batches) {
        const swap = clearing.netSwap;
        if (swap === null) continue;
        swaps += 1;
        const [reserveIn, reserveOut] = swap.sellsToken0 ? [reserves.reserve0, reserves.reserve1] : [reserves.reserve1, reserves.reserve0];
        expect(swap.amountOut).to.equal(uniswapAmountOut(swap.amountIn, reserveIn, reserveOut));
        const total = (token0: boolean) =>
          orders.filter((order, index) => order.sellsToken0 === token0 && clearing.outcomes[index]!.status === "filled").reduce((sum, order) => sum + order.amountIn, 0n);
        const [offered, wanted] = swap.sellsToken0 ? [total(true), total(false)] : [total(false), total(true)];
        const next = swap.amountIn + 1n;
        if (next <= offered) expect(uniswapAmountOut(next, reserveIn, reserveOut) * (offered - next) < wanted * next).to.equal(true);
      }
      expect(swaps).to.be.greaterThan(100);
    });

    it("clears the mirrored batch the same way", () => {
      for (const { orders, reserves, clearing } of batches) {
        const mirrored = clearBatch(mirror(orders), { reserve0: reserves.reserve1, reserve1: reserves.reserve0 });
        expect(mirrored.outcomes).to.deep.equal(clearing.outcomes);
        expect(mirrored.dust).to.deep.equal({ token0: clearing.dust.token1, token1: clearing.dust.token0 });
      }
    });

    it("fills a one-sided batch as one swap of its total, shared pro rata", () => {
      for (const { orders, reserves } of batches) {
        const oneSided = orders.filter((order) => order.sellsToken0).map((order) => ({ ...order, minOut: 0n }));
        if (oneSided.length === 0) continue;
        const total = oneSided.reduce((sum, order) => sum + order.amountIn, 0n);
        const out = uniswapAmountOut(total, reserves.reserve0, reserves.reserve1);
        expect(clearBatch(oneSided, reserves).outcomes).to.deep.equal(oneSided.map((order) => filled((order.amountIn * out) / total)));
      }
    });
  });

  const invalid: { name: string; orders: BatchOrder[]; reserves?: PoolReserves; parameter: string }[] = [
    { name: "more orders than a batch holds", orders: Array.from({ length: MAX_ORDERS_PER_BATCH + 1 }, () => sells0(1n)), parameter: "orders.length" },
    { name: "an order that sells nothing", orders: [sells0(1n), sells1(0n)], parameter: "orders[1].amountIn" },
    { name: "an order above the contract's cap", orders: [sells0(MAX_ORDER_AMOUNT_IN + 1n)], parameter: "orders[0].amountIn" },
    { name: "a negative minimum", orders: [sells0(1n, -1n)], parameter: "orders[0].minOut" },
    { name: "a negative reserve", orders: [], reserves: { reserve0: 1n, reserve1: -1n }, parameter: "reserve1" },
  ];
  for (const { name, orders, reserves = MILLION, parameter } of invalid) {
    it(`rejects ${name} as the contract would`, () => {
      expect(() => clearBatch(orders, reserves))
        .to.throw(AmmInputError)
        .with.property("parameter", parameter);
    });
  }
});

describe("batch-auction policy", () => {
  const KEEPER = privateKeyToAccount(keccak256("0x01"));
  const TRADER = privateKeyToAccount(keccak256("0x02"));
  const AUCTION: Address = "0x00000000000000000000000000000000000ba7c4";
  const abi = parseAbi(["function clear() returns (uint256)", "function submitOrder(address,uint256,uint256) returns (uint256)"]);
  const CONTEXT: SlotContext = { slot: 1, timestamp: 0, seed: "0x00", endMs: 1_000, auctions: [] };

  /** A signed transaction as the mempool holds it, with its arrival as its label. */
  async function pending(
    account: typeof KEEPER,
    nonce: number,
    arrival: number,
    request: { to: Address | undefined; data: Hex },
    chainId = 901,
  ): Promise<SequencedTransaction> {
    const raw = await account.signTransaction({ type: "eip1559", chainId, nonce, ...request, gas: 100_000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n });
    return { hash: keccak256(raw), chainId, from: account.address, to: request.to, nonce, raw, gas: 100_000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, arrival, receivedAt: arrival * 10 };
  }
  const clear = { to: AUCTION, data: encodeFunctionData({ abi, functionName: "clear" }) };
  const order = { to: AUCTION, data: encodeFunctionData({ abi, functionName: "submitOrder", args: [AUCTION, 1n, 0n] }) };

  it("is named batch-auction, and its factory gives the same policy", () => {
    expect(batchAuctionPolicy.name).to.equal("batch-auction");
    expect(createBatchAuctionPolicy().name).to.equal("batch-auction");
  });

  it("keeps arrival order but puts every clear() last, on every rollup, in arrival order", async () => {
    const list = [
      await pending(KEEPER, 0, 0, clear),
      await pending(TRADER, 0, 1, order),
      await pending(KEEPER, 0, 2, clear, 902),
      await pending(TRADER, 1, 3, order),
      await pending(TRADER, 0, 4, order, 902),
    ];
    const shuffled = [list[3]!, list[0]!, list[4]!, list[2]!, list[1]!];
    expect(batchAuctionPolicy.order(shuffled, CONTEXT).map((transaction) => transaction.arrival)).to.deep.equal([1, 3, 4, 0, 2]);
    expect(shuffled.map((transaction) => transaction.arrival)).to.deep.equal([3, 0, 4, 2, 1]);
  });

  it("recognises clear() by its selector only: calldata after it still counts, a deployment does not", async () => {
    const selector = toFunctionSelector("clear()");
    const padded = await pending(KEEPER, 0, 0, { to: AUCTION, data: `${selector}${"00".repeat(32)}` });
    // Init code that happens to start with the selector's bytes creates a contract; it calls nothing.
    const deployment = await pending(TRADER, 0, 1, { to: undefined, data: encodeDeployData({ abi: [], bytecode: selector }) });
    const transfer = await pending(TRADER, 1, 2, { to: AUCTION, data: "0x" });
    expect(batchAuctionPolicy.order([padded, deployment, transfer], CONTEXT).map((transaction) => transaction.arrival)).to.deep.equal([1, 2, 0]);
  });
});
