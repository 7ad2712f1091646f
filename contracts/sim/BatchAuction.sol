// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ConstantProductPool} from "../demo/ConstantProductPool.sol";
import {IERC20} from "../demo/interfaces/IERC20.sol";

/// @notice An order of the open batch: sell amountIn of one of the pool's tokens for at least minOut of the other.
struct Order {
    address trader;
    bool sellsToken0;
    uint256 amountIn;
    uint256 minOut;
}

/// @notice Why an order was refunded rather than filled.
enum RefundReason {
    // The clearing price paid less than the order's minOut.
    BelowMinOut,
    // The clearing price paid nothing at all (the order's minOut was 0): a swap that pays nothing is no swap.
    ZeroOutput
}

/// @notice What clearing a batch comes to; see BatchAuction._computeClearing.
/// @dev amountsOut[i] is what order i is paid if filled, or what the price of the round that refunded it would have
///      paid. The price is priceNum / priceDen token1 per token0; 0 / 0 when every order is refunded. The net swap
///      sells poolIn of token0 (poolSellsToken0) or of token1 to the pool for poolOut of the other; poolIn == 0 for
///      none. dust0 and dust1 are what rounding leaves in the contract.
struct Clearing {
    uint256[] amountsOut;
    bool[] refunded;
    bool poolSellsToken0;
    uint256 poolIn;
    uint256 poolOut;
    uint256 priceNum;
    uint256 priceDen;
    uint256 dust0;
    uint256 dust1;
    uint256 rounds;
}

/// @title BatchAuction
/// @notice A frequent batch auction in front of one ConstantProductPool: orders to sell either of the pool's tokens
///         collect in an open batch, and clear() fills them all at one uniform price. Orders on the two sides are
///         matched against each other at that price, and only the imbalance between them is traded through the pool,
///         in one swap (Uniswap v2 integer math), at the price that swap itself sets.
///
///         The price: with A token0 and B token1 offered and the net swap selling x of one token for y of the other,
///         the uniform price is (B + y) / A token1 per token0 when token0 is sold to the pool (or none is), and
///         B / (A + y) when token1 is. Every token0 seller gets amountIn * price (rounded down), every token1 seller
///         amountIn / price (rounded down). x is an amount (_netSwap) at which the pool's output keeps the contract
///         solvent at that price, y * (A - x) >= B * x for token0 sold, and one more unit would not. With real numbers
///         that is the unique price equal to the pool's average price on the net swap: the side that trades with the
///         pool gets that average (better than a swap of its whole total would), and the other side gets more than
///         the pool would pay it. With integers the price is within the pool's rounding of that one.
///         No swap is made when the two sides meet inside the pool's fee band: then the price is B / A, every unit
///         offered is matched, and the pool is not touched.
///
///         An order the price pays less than its minOut, or nothing, is refunded in full (OrderRefunded says why),
///         and the price is computed again without it, until no order fails: each round but the last refunds at least
///         one order, so there are at most MAX_ORDERS_PER_BATCH + 1 rounds, each O(orders) plus a search that starts at
///         the real-valued solution and takes a few steps, O(log2(amount)) at worst.
///         Every payout rounds down; the rounding dust stays in this contract and is emitted in BatchCleared, so that
///         every token is accounted for and none is created or lost. Because one more unit to the pool would make the
///         contract insolvent, the dust of each token is at most one wei per filled order paid in it.
///
///         It does NOT: match orders beyond the net swap (no order-book crossing, no partial fills: an order is filled
///         in full or refunded); reconsider an order once refunded, even if the final price would have met its minOut;
///         protect the net swap from swaps made on the pool directly before it (a front-run moves the price the
///         batch clears at; only minOut bounds it), nor place clear() in the block (the batch-auction ordering policy
///         puts it last in the slot); collect any fee of its own; support tokens that take a fee on
///         transfer or call back. It never reverts on a batch the pool can price: the amounts are capped
///         (MAX_AMOUNT_IN, MAX_ORDERS_PER_BATCH) so that nothing overflows while both reserves are below 2^140.
contract BatchAuction {
    /// @notice Most orders one batch holds: bounds the work of clear() (see the contract's notice).
    uint256 public constant MAX_ORDERS_PER_BATCH = 64;

    /// @notice Largest amountIn of one order: with at most MAX_ORDERS_PER_BATCH of them, a side totals below 2^102.
    uint256 public constant MAX_AMOUNT_IN = type(uint96).max;

    /// @notice The pool the net imbalance is traded through.
    ConstantProductPool public immutable pool;

    /// @notice The pool's first token.
    IERC20 public immutable token0;

    /// @notice The pool's second token.
    IERC20 public immutable token1;

    /// @notice Number of the open batch: the number of non-empty batches cleared so far.
    uint256 public batchNumber;

    /// @notice Id the next order gets; ids start at 0 and never repeat.
    uint256 public nextOrderId;

    /// @notice Id of the open batch's first order; the open batch is [openBatchStart, nextOrderId).
    uint256 public openBatchStart;

    /// @notice Every order submitted, by id (kept after clearing, for reading).
    mapping(uint256 => Order) internal orders;

    /// @notice Emitted when an order joins the open batch.
    /// @param orderId      Id of the order.
    /// @param batchNumber  Batch it joins.
    /// @param trader       Account that submitted it, paid in it and is paid out.
    /// @param tokenIn      Token it sells.
    /// @param amountIn     Amount it sells, now held by this contract.
    /// @param minOut       Least amount of the other token it accepts.
    event OrderSubmitted(
        uint256 indexed orderId,
        uint256 indexed batchNumber,
        address indexed trader,
        address tokenIn,
        uint256 amountIn,
        uint256 minOut
    );

    /// @notice Emitted when clear() fills an order.
    /// @param orderId      Id of the order.
    /// @param batchNumber  Batch it cleared in.
    /// @param trader       Account paid.
    /// @param amountOut    Amount of the other token paid.
    event OrderFilled(uint256 indexed orderId, uint256 indexed batchNumber, address indexed trader, uint256 amountOut);

    /// @notice Emitted when clear() refunds an order.
    /// @param orderId      Id of the order.
    /// @param batchNumber  Batch it was refunded from.
    /// @param trader       Account refunded.
    /// @param amountIn     Amount given back, in the token it sold.
    /// @param amountOut    What the price of the round that refunded it would have paid.
    /// @param minOut       The order's minimum.
    /// @param reason       Why.
    event OrderRefunded(
        uint256 indexed orderId,
        uint256 indexed batchNumber,
        address indexed trader,
        uint256 amountIn,
        uint256 amountOut,
        uint256 minOut,
        RefundReason reason
    );

    /// @notice Emitted by every clear(), for an empty batch too (then with zeros, and the batch stays open).
    /// @param batchNumber      Batch cleared.
    /// @param orders           Orders in it.
    /// @param filled           Orders filled; the rest were refunded.
    /// @param poolSellsToken0  Whether the net swap sold token0 (true) or token1 (false) to the pool; false for none.
    /// @param poolIn           Amount the net swap sold to the pool; 0 for no swap.
    /// @param poolOut          Amount the pool paid for it.
    /// @param priceNum         Uniform price, token1 per token0: priceNum / priceDen; 0 / 0 if nothing filled.
    /// @param priceDen         See priceNum.
    /// @param dust0            Token0 rounding left in this contract.
    /// @param dust1            Token1 rounding left in this contract.
    /// @param rounds           Prices computed (one more than the rounds that refunded orders).
    event BatchCleared(
        uint256 indexed batchNumber,
        uint256 orders,
        uint256 filled,
        bool poolSellsToken0,
        uint256 poolIn,
        uint256 poolOut,
        uint256 priceNum,
        uint256 priceDen,
        uint256 dust0,
        uint256 dust1,
        uint256 rounds
    );

    /// @notice Thrown when an order sells a token that is neither of the pool's.
    error UnknownToken(address token);

    /// @notice Thrown when an order sells nothing.
    error ZeroAmount();

    /// @notice Thrown when an order sells more than MAX_AMOUNT_IN.
    error AmountTooLarge(uint256 max, uint256 got);

    /// @notice Thrown when the open batch already holds MAX_ORDERS_PER_BATCH orders: clear() first.
    error BatchFull(uint256 max);

    /// @notice Thrown when the pool paid other than its own formula gave for the net swap (a pool that is not a
    ///         ConstantProductPool): nothing is paid, the whole clear() reverts.
    error PoolOutputMismatch(uint256 expected, uint256 got);

    /// @notice Sets the pool and lets it pull both its tokens from this contract, for the net swap.
    /// @param _pool  The pool the net imbalance is traded through.
    constructor(ConstantProductPool _pool) {
        pool = _pool;
        token0 = _pool.token0();
        token1 = _pool.token1();
        token0.approve(address(_pool), type(uint256).max);
        token1.approve(address(_pool), type(uint256).max);
    }

    /// @notice Returns an order.
    /// @param _orderId  Id of the order.
    /// @return order_ The order; all zeros for an id not yet given.
    function getOrder(uint256 _orderId) external view returns (Order memory order_) {
        order_ = orders[_orderId];
    }

    /// @notice Adds an order to the open batch, pulling amountIn of tokenIn from the caller (who must have approved
    ///         this contract). The caller is paid, or refunded, by the next clear().
    /// @param _tokenIn   Token sold: the pool's token0 or token1.
    /// @param _amountIn  Amount sold: from 1 to MAX_AMOUNT_IN.
    /// @param _minOut    Least amount of the other token accepted; the order is refunded below it.
    /// @return orderId_ Id of the order.
    function submitOrder(address _tokenIn, uint256 _amountIn, uint256 _minOut) external returns (uint256 orderId_) {
        bool sellsToken0 = _tokenIn == address(token0);
        if (!sellsToken0 && _tokenIn != address(token1)) revert UnknownToken(_tokenIn);
        if (_amountIn == 0) revert ZeroAmount();
        if (_amountIn > MAX_AMOUNT_IN) revert AmountTooLarge(MAX_AMOUNT_IN, _amountIn);
        orderId_ = nextOrderId;
        if (orderId_ - openBatchStart >= MAX_ORDERS_PER_BATCH) revert BatchFull(MAX_ORDERS_PER_BATCH);

        nextOrderId = orderId_ + 1;
        orders[orderId_] = Order({trader: msg.sender, sellsToken0: sellsToken0, amountIn: _amountIn, minOut: _minOut});
        emit OrderSubmitted(orderId_, batchNumber, msg.sender, _tokenIn, _amountIn, _minOut);
        IERC20(_tokenIn).transferFrom(msg.sender, address(this), _amountIn);
    }

    /// @notice Clears the open batch at one uniform price (see the contract's notice) and opens the next. Anyone may
    ///         call it; with no open order it moves nothing and changes nothing, but still emits BatchCleared.
    /// @return filled_ Number of orders filled.
    function clear() external returns (uint256 filled_) {
        uint256 number = batchNumber;
        uint256 first = openBatchStart;
        uint256 end = nextOrderId;
        if (first == end) {
            emit BatchCleared(number, 0, 0, false, 0, 0, 0, 0, 0, 0, 0);
            return 0;
        }
        openBatchStart = end;
        batchNumber = number + 1;

        Order[] memory batch = new Order[](end - first);
        for (uint256 i = 0; i < batch.length; i++) {
            batch[i] = orders[first + i];
        }
        (uint256 reserve0, uint256 reserve1) = pool.getReserves();
        Clearing memory clearing = _computeClearing(batch, reserve0, reserve1);

        if (clearing.poolIn > 0) {
            IERC20 sold = clearing.poolSellsToken0 ? token0 : token1;
            uint256 paid = pool.swap(address(sold), clearing.poolIn, clearing.poolOut, address(this));
            if (paid != clearing.poolOut) revert PoolOutputMismatch(clearing.poolOut, paid);
        }
        for (uint256 i = 0; i < batch.length; i++) {
            filled_ += _settle(first + i, number, batch[i], clearing.amountsOut[i], clearing.refunded[i]);
        }
        emit BatchCleared(
            number,
            batch.length,
            filled_,
            clearing.poolSellsToken0,
            clearing.poolIn,
            clearing.poolOut,
            clearing.priceNum,
            clearing.priceDen,
            clearing.dust0,
            clearing.dust1,
            clearing.rounds
        );
    }

    /// @notice Pays a filled order, or refunds a refunded one, and says so.
    /// @return filled_ 1 if the order was filled, else 0.
    function _settle(uint256 _orderId, uint256 _batchNumber, Order memory _order, uint256 _amountOut, bool _refunded)
        internal
        returns (uint256 filled_)
    {
        (IERC20 tokenIn, IERC20 tokenOut) = _order.sellsToken0 ? (token0, token1) : (token1, token0);
        if (_refunded) {
            RefundReason reason = _amountOut < _order.minOut ? RefundReason.BelowMinOut : RefundReason.ZeroOutput;
            emit OrderRefunded(_orderId, _batchNumber, _order.trader, _order.amountIn, _amountOut, _order.minOut, reason);
            tokenIn.transfer(_order.trader, _order.amountIn);
            return 0;
        }
        emit OrderFilled(_orderId, _batchNumber, _order.trader, _amountOut);
        tokenOut.transfer(_order.trader, _amountOut);
        return 1;
    }

    /// @notice The clearing of a batch against the given reserves: the price rounds, then the dust (see the
    ///         contract's notice). Pure, so that sim/batch-auction.ts's clearBatch can mirror it to the wei.
    function _computeClearing(Order[] memory _batch, uint256 _reserve0, uint256 _reserve1)
        internal
        pure
        returns (Clearing memory clearing_)
    {
        clearing_.amountsOut = new uint256[](_batch.length);
        clearing_.refunded = new bool[](_batch.length);
        bool stable = false;
        while (!stable) {
            clearing_.rounds += 1;
            _price(clearing_, _batch, _reserve0, _reserve1);
            stable = _refundFailing(clearing_, _batch);
        }
        _dust(clearing_, _batch);
    }

    /// @notice Sets the net swap and the uniform price for the orders not refunded yet.
    function _price(Clearing memory _clearing, Order[] memory _batch, uint256 _reserve0, uint256 _reserve1)
        internal
        pure
    {
        uint256 total0 = 0;
        uint256 total1 = 0;
        for (uint256 i = 0; i < _batch.length; i++) {
            if (_clearing.refunded[i]) continue;
            if (_batch[i].sellsToken0) total0 += _batch[i].amountIn;
            else total1 += _batch[i].amountIn;
        }
        // At most one direction can trade: each needs the batch's own price to lie beyond the pool's price
        // net of the fee on its side, and the fee band between those two prices is never empty.
        uint256 sold0 = _netSwap(total0, total1, _reserve0, _reserve1);
        uint256 sold1 = sold0 == 0 ? _netSwap(total1, total0, _reserve1, _reserve0) : 0;
        _clearing.poolSellsToken0 = sold0 > 0;
        if (sold0 > 0) {
            _clearing.poolIn = sold0;
            _clearing.poolOut = _getAmountOut(sold0, _reserve0, _reserve1);
            _clearing.priceNum = total1 + _clearing.poolOut;
            _clearing.priceDen = total0;
        } else if (sold1 > 0) {
            _clearing.poolIn = sold1;
            _clearing.poolOut = _getAmountOut(sold1, _reserve1, _reserve0);
            _clearing.priceNum = total1;
            _clearing.priceDen = total0 + _clearing.poolOut;
        } else {
            _clearing.poolIn = 0;
            _clearing.poolOut = 0;
            _clearing.priceNum = total1;
            _clearing.priceDen = total0;
        }
    }

    /// @notice Prices every order not refunded yet and refunds those the price fails.
    /// @return stable_ Whether every order passed, so that the price stands.
    function _refundFailing(Clearing memory _clearing, Order[] memory _batch) internal pure returns (bool stable_) {
        stable_ = true;
        for (uint256 i = 0; i < _batch.length; i++) {
            if (_clearing.refunded[i]) continue;
            // A side with an order has a positive total, so the divisor here is never zero (see _price).
            uint256 amountOut = _batch[i].sellsToken0
                ? _batch[i].amountIn * _clearing.priceNum / _clearing.priceDen
                : _batch[i].amountIn * _clearing.priceDen / _clearing.priceNum;
            _clearing.amountsOut[i] = amountOut;
            if (amountOut == 0 || amountOut < _batch[i].minOut) {
                _clearing.refunded[i] = true;
                stable_ = false;
            }
        }
    }

    /// @notice Sets the rounding left in the contract once the price stands. Checked arithmetic makes this the
    ///         solvency check: an underflow would mean paying out more than the batch and the pool brought in.
    function _dust(Clearing memory _clearing, Order[] memory _batch) internal pure {
        uint256 held0 = 0;
        uint256 held1 = 0;
        uint256 paid0 = 0;
        uint256 paid1 = 0;
        for (uint256 i = 0; i < _batch.length; i++) {
            if (_clearing.refunded[i]) continue;
            if (_batch[i].sellsToken0) {
                held0 += _batch[i].amountIn;
                paid1 += _clearing.amountsOut[i];
            } else {
                held1 += _batch[i].amountIn;
                paid0 += _clearing.amountsOut[i];
            }
        }
        if (_clearing.poolSellsToken0) {
            held0 -= _clearing.poolIn;
            held1 += _clearing.poolOut;
        } else {
            held1 -= _clearing.poolIn;
            held0 += _clearing.poolOut;
        }
        _clearing.dust0 = held0 - paid0;
        _clearing.dust1 = held1 - paid1;
    }

    /// @notice The net swap selling the offered token: an x in [0, _offered] with
    ///         amountOut(x) * (_offered - x) >= _wanted * x (the pool's output, shared with the other side's _wanted,
    ///         still pays both sides one price) where x + 1 fails it (or x == _offered). 0 when either reserve is empty
    ///         (no price) or when no positive x qualifies.
    /// @dev With real numbers, amountOut(x) = 997x * rOut / (1000 rIn + 997x) makes the condition hold exactly up to
    ///      x* = (997 rOut _offered - 1000 _wanted rIn) / (997 (rOut + _wanted)), and the pool's rounding down only
    ///      lowers amountOut: no x above x* qualifies. So the search starts at floor(x*), gallops down (1, 2, 4, ...
    ///      below it) to one that qualifies (0 always does), then bisects between that one and the last that did not.
    ///      The rounding costs at most one unit of output, so the answer is usually within a few steps of floor(x*);
    ///      at worst it takes 2 log2(_offered) + 2 steps.
    /// @param _offered      Total offered of the token sold to the pool.
    /// @param _wanted       Total offered of the other token (what the sellers of the first are matched against).
    /// @param _reserveIn    Pool reserve of the token sold.
    /// @param _reserveOut   Pool reserve of the other.
    /// @return sold_ Amount to sell to the pool.
    function _netSwap(uint256 _offered, uint256 _wanted, uint256 _reserveIn, uint256 _reserveOut)
        internal
        pure
        returns (uint256 sold_)
    {
        if (_reserveIn == 0 || _reserveOut == 0) return 0;
        uint256 gain = 997 * _reserveOut * _offered;
        uint256 cost = 1000 * _wanted * _reserveIn;
        if (gain <= cost) return 0;
        uint256 fails = (gain - cost) / (997 * (_reserveOut + _wanted)) + 1;
        uint256 step = 1;
        sold_ = fails - 1;
        while (!_paysOnePrice(sold_, _offered, _wanted, _reserveIn, _reserveOut)) {
            fails = sold_;
            sold_ = sold_ > step ? sold_ - step : 0;
            step *= 2;
        }
        while (fails - sold_ > 1) {
            uint256 middle = (sold_ + fails) / 2;
            if (_paysOnePrice(middle, _offered, _wanted, _reserveIn, _reserveOut)) sold_ = middle;
            else fails = middle;
        }
    }

    /// @notice Whether selling _sold of the offered token to the pool leaves enough to pay both sides one price:
    ///         amountOut(_sold) * (_offered - _sold) >= _wanted * _sold (see _netSwap).
    function _paysOnePrice(uint256 _sold, uint256 _offered, uint256 _wanted, uint256 _reserveIn, uint256 _reserveOut)
        internal
        pure
        returns (bool shares_)
    {
        shares_ = _getAmountOut(_sold, _reserveIn, _reserveOut) * (_offered - _sold) >= _wanted * _sold;
    }

    /// @notice ConstantProductPool.getAmountOut's formula (Uniswap v2's, 0.3% fee), computed here rather than called
    ///         on every step of the search; clear() checks that the pool paid exactly this.
    function _getAmountOut(uint256 _amountIn, uint256 _reserveIn, uint256 _reserveOut)
        internal
        pure
        returns (uint256 amountOut_)
    {
        uint256 amountInWithFee = _amountIn * 997;
        amountOut_ = amountInWithFee * _reserveOut / (_reserveIn * 1000 + amountInWithFee);
    }
}
