// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IERC20
/// @notice The ERC-20 token standard.
interface IERC20 {
    /// @notice Emitted when tokens move, including mints (from zero) and burns (to zero).
    /// @param from   Account the tokens leave.
    /// @param to     Account the tokens reach.
    /// @param value  Amount moved.
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice Emitted when an allowance is set.
    /// @param owner    Account whose tokens may be spent.
    /// @param spender  Account allowed to spend them.
    /// @param value    New allowance.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice Returns the amount of tokens in existence.
    /// @return The total supply.
    function totalSupply() external view returns (uint256);

    /// @notice Returns an account's balance.
    /// @param _account The account.
    /// @return Its balance.
    function balanceOf(address _account) external view returns (uint256);

    /// @notice Returns how much a spender may still spend of an owner's tokens.
    /// @param _owner    Account whose tokens may be spent.
    /// @param _spender  Account allowed to spend them.
    /// @return The remaining allowance.
    function allowance(address _owner, address _spender) external view returns (uint256);

    /// @notice Moves tokens from the caller to an account.
    /// @param _to     Recipient.
    /// @param _value  Amount.
    /// @return success_ Always true; failures revert.
    function transfer(address _to, uint256 _value) external returns (bool success_);

    /// @notice Lets a spender spend up to an amount of the caller's tokens.
    /// @param _spender  Account allowed to spend.
    /// @param _value    New allowance.
    /// @return success_ Always true.
    function approve(address _spender, uint256 _value) external returns (bool success_);

    /// @notice Moves tokens from an account to another, spending the caller's allowance.
    /// @param _from   Account the tokens leave.
    /// @param _to     Recipient.
    /// @param _value  Amount.
    /// @return success_ Always true; failures revert.
    function transferFrom(address _from, address _to, uint256 _value) external returns (bool success_);
}
