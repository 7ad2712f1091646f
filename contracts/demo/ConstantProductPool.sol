// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "./interfaces/IERC20.sol";

/// @title ConstantProductPool
/// @notice A two-token constant-product market with a 0.3% fee, priced exactly as Uniswap v2's getAmountOut.
///         Liquidity can be added but not removed: it is a demo, not an exchange.
contract ConstantProductPool {
    /// @notice First token of the pair.
    IERC20 public immutable token0;

    /// @notice Second token of the pair.
    IERC20 public immutable token1;

    /// @notice Amount of token0 the pool holds for trading.
    uint256 internal reserve0;

    /// @notice Amount of token1 the pool holds for trading.
    uint256 internal reserve1;

    /// @notice Emitted when liquidity is added.
    /// @param provider  Account that paid.
    /// @param amount0   Amount of token0 added.
    /// @param amount1   Amount of token1 added.
    event LiquidityAdded(address indexed provider, uint256 amount0, uint256 amount1);

    /// @notice Emitted when tokens are swapped.
    /// @param sender     Account that paid.
    /// @param tokenIn    Token paid in.
    /// @param amountIn   Amount paid in.
    /// @param amountOut  Amount of the other token paid out.
    /// @param to         Recipient of amountOut.
    event Swap(
        address indexed sender, address indexed tokenIn, uint256 amountIn, uint256 amountOut, address indexed to
    );

    /// @notice Emitted whenever the reserves change.
    /// @param reserve0  New reserve of token0.
    /// @param reserve1  New reserve of token1.
    event Sync(uint256 reserve0, uint256 reserve1);

    /// @notice Thrown when a swap would pay out less than the caller's minimum.
    error InsufficientOutput(uint256 amountOut, uint256 minOut);

    /// @notice Thrown when a token is neither token0 nor token1.
    error UnknownToken(address token);

    /// @notice Thrown when an amount is zero.
    error ZeroAmount();

    /// @notice Thrown when a swap is priced against an empty reserve.
    error InsufficientLiquidity();

    /// @param _token0  First token of the pair.
    /// @param _token1  Second token of the pair.
    constructor(IERC20 _token0, IERC20 _token1) {
        token0 = _token0;
        token1 = _token1;
    }

    /// @notice Returns the reserves the pool prices against.
    /// @return reserve0_ Reserve of token0.
    /// @return reserve1_ Reserve of token1.
    function getReserves() external view returns (uint256 reserve0_, uint256 reserve1_) {
        reserve0_ = reserve0;
        reserve1_ = reserve1;
    }

    /// @notice Adds both tokens to the reserves, pulled from the caller (who must have approved the pool).
    /// @param _amount0  Amount of token0.
    /// @param _amount1  Amount of token1.
    function addLiquidity(uint256 _amount0, uint256 _amount1) external {
        if (_amount0 == 0 || _amount1 == 0) revert ZeroAmount();
        reserve0 += _amount0;
        reserve1 += _amount1;
        emit LiquidityAdded(msg.sender, _amount0, _amount1);
        emit Sync(reserve0, reserve1);
        token0.transferFrom(msg.sender, address(this), _amount0);
        token1.transferFrom(msg.sender, address(this), _amount1);
    }

    /// @notice Prices a swap: Uniswap v2's getAmountOut against the current reserves.
    /// @param _tokenIn   Token paid in.
    /// @param _amountIn  Amount paid in.
    /// @return amountOut_ Amount of the other token a swap would pay out.
    function getAmountOut(address _tokenIn, uint256 _amountIn) public view returns (uint256 amountOut_) {
        if (_amountIn == 0) revert ZeroAmount();
        (uint256 reserveIn, uint256 reserveOut) = _reservesFrom(_tokenIn);
        if (reserveIn == 0 || reserveOut == 0) revert InsufficientLiquidity();
        uint256 amountInWithFee = _amountIn * 997;
        amountOut_ = amountInWithFee * reserveOut / (reserveIn * 1000 + amountInWithFee);
    }

    /// @notice Swaps an amount of one token, pulled from the caller, for the other.
    /// @param _tokenIn   Token paid in.
    /// @param _amountIn  Amount paid in.
    /// @param _minOut    Least amount out the caller accepts.
    /// @param _to        Recipient of the amount out.
    /// @return amountOut_ Amount of the other token paid out.
    function swap(address _tokenIn, uint256 _amountIn, uint256 _minOut, address _to)
        external
        returns (uint256 amountOut_)
    {
        amountOut_ = getAmountOut(_tokenIn, _amountIn);
        if (amountOut_ < _minOut) revert InsufficientOutput(amountOut_, _minOut);

        bool zeroForOne = _tokenIn == address(token0);
        if (zeroForOne) {
            reserve0 += _amountIn;
            reserve1 -= amountOut_;
        } else {
            reserve1 += _amountIn;
            reserve0 -= amountOut_;
        }
        emit Swap(msg.sender, _tokenIn, _amountIn, amountOut_, _to);
        emit Sync(reserve0, reserve1);

        IERC20(_tokenIn).transferFrom(msg.sender, address(this), _amountIn);
        (zeroForOne ? token1 : token0).transfer(_to, amountOut_);
    }

    /// @notice The reserves of a token and of the other token.
    function _reservesFrom(address _tokenIn) internal view returns (uint256 reserveIn_, uint256 reserveOut_) {
        if (_tokenIn == address(token0)) return (reserve0, reserve1);
        if (_tokenIn == address(token1)) return (reserve1, reserve0);
        revert UnknownToken(_tokenIn);
    }
}
