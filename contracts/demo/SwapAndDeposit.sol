// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BridgedToken} from "./BridgedToken.sol";
import {ConstantProductPool} from "./ConstantProductPool.sol";
import {Vault} from "./Vault.sol";
import {IBridgeRecipient} from "./interfaces/IBridgeRecipient.sol";
import {IERC20} from "./interfaces/IERC20.sol";

/// @title SwapAndDeposit
/// @notice The demo's trigger: on rollup A it swaps a user's tokens into the bridged token and bridges the proceeds
///         to itself on rollup B, where the action deposits them into the vault for the user. Deployed at the same
///         address on A (pool and tokenIn set, vault zero) and on B (vault set, pool and tokenIn zero). If the
///         deposit fails on B, the sequencer rolls back the swap on A too.
contract SwapAndDeposit is IBridgeRecipient {
    /// @notice The pool that swaps tokenIn into the bridged token; zero on B.
    ConstantProductPool public immutable pool;

    /// @notice The token users pay in; zero on B.
    IERC20 public immutable tokenIn;

    /// @notice The bridged token, at the same address on A and B.
    BridgedToken public immutable bridged;

    /// @notice The vault deposits go to; zero on A.
    Vault public immutable vault;

    /// @notice Emitted on A when a user's swap is done and its proceeds are on their way to B.
    /// @param user         Account that paid and will be credited.
    /// @param amountIn     Amount of tokenIn paid.
    /// @param amountOut    Amount of the bridged token bridged.
    /// @param destination  Chain id of the vault's rollup.
    /// @param messageHash  Hash of the message that deposits on the destination.
    event SwapAndDepositStarted(
        address indexed user, uint256 amountIn, uint256 amountOut, uint256 indexed destination, bytes32 messageHash
    );

    /// @notice Emitted on B when the bridged tokens are deposited for the user.
    /// @param user    Account credited in the vault.
    /// @param amount  Amount deposited.
    event DepositedFor(address indexed user, uint256 amount);

    /// @notice Thrown when onTokenBridged is called by anyone but the bridged token.
    error NotBridgedToken(address caller);

    /// @param _pool     The pool on A; zero on B.
    /// @param _tokenIn  The token users pay in on A; zero on B.
    /// @param _bridged  The bridged token.
    /// @param _vault    The vault on B; zero on A.
    constructor(ConstantProductPool _pool, IERC20 _tokenIn, BridgedToken _bridged, Vault _vault) {
        pool = _pool;
        tokenIn = _tokenIn;
        bridged = _bridged;
        vault = _vault;
    }

    /// @notice On A: swaps the caller's tokenIn into the bridged token and sends the proceeds to B, where they are
    ///         deposited into the vault for the caller.
    /// @param _amountIn        Amount of tokenIn to pull from the caller (who must have approved this contract).
    /// @param _minOut          Least amount of the bridged token the swap must give.
    /// @param _destination     Chain id of the vault's rollup.
    /// @param _actionGasLimit  Gas for the mint and the deposit on the destination.
    /// @return amountOut_   Amount of the bridged token bridged.
    /// @return messageHash_ Hash of the message that deposits on the destination.
    function swapAndDeposit(uint256 _amountIn, uint256 _minOut, uint256 _destination, uint256 _actionGasLimit)
        external
        returns (uint256 amountOut_, bytes32 messageHash_)
    {
        tokenIn.transferFrom(msg.sender, address(this), _amountIn);
        tokenIn.approve(address(pool), _amountIn);
        amountOut_ = pool.swap(address(tokenIn), _amountIn, _minOut, address(this));
        messageHash_ =
            bridged.bridgeAndCall(_destination, address(this), amountOut_, abi.encode(msg.sender), _actionGasLimit);
        emit SwapAndDepositStarted(msg.sender, _amountIn, amountOut_, _destination, messageHash_);
    }

    /// @notice On B: deposits the bridged tokens this contract was just minted into the vault for the user named
    ///         in the data. Only the bridged token calls it, right after minting `_amount` to this contract, so the
    ///         deposit is paid by the bridge that triggered it, whoever sent it.
    /// @param _amount  Amount just minted to this contract, all of it deposited.
    /// @param _data    abi.encode(user): the account credited in the vault.
    /// @return selector_ IBridgeRecipient.onTokenBridged.selector: the tokens are accepted.
    function onTokenBridged(address, uint256 _amount, bytes calldata _data) external returns (bytes4 selector_) {
        if (msg.sender != address(bridged)) revert NotBridgedToken(msg.sender);
        address user = abi.decode(_data, (address));
        emit DepositedFor(user, _amount);
        bridged.approve(address(vault), _amount);
        vault.depositFor(user, _amount);
        selector_ = IBridgeRecipient.onTokenBridged.selector;
    }
}
