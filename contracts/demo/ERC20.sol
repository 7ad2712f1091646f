// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "./interfaces/IERC20.sol";

/// @title ERC20
/// @notice A minimal ERC-20 token with 18 decimals; contracts built on it mint and burn.
abstract contract ERC20 is IERC20 {
    /// @notice Name of the token.
    string public name;

    /// @notice Symbol of the token.
    string public symbol;

    /// @notice Decimals of the token's amounts.
    uint8 public constant decimals = 18;

    /// @inheritdoc IERC20
    uint256 public totalSupply;

    /// @inheritdoc IERC20
    mapping(address => uint256) public balanceOf;

    /// @inheritdoc IERC20
    mapping(address => mapping(address => uint256)) public allowance;

    /// @notice Thrown when an account has fewer tokens than it moves.
    error InsufficientBalance(address account, uint256 balance, uint256 needed);

    /// @notice Thrown when a spender's allowance is smaller than what it spends.
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);

    /// @param _name    Name of the token.
    /// @param _symbol  Symbol of the token.
    constructor(string memory _name, string memory _symbol) {
        name = _name;
        symbol = _symbol;
    }

    /// @inheritdoc IERC20
    function transfer(address _to, uint256 _value) external returns (bool success_) {
        _transfer(msg.sender, _to, _value);
        success_ = true;
    }

    /// @inheritdoc IERC20
    function approve(address _spender, uint256 _value) external returns (bool success_) {
        allowance[msg.sender][_spender] = _value;
        emit Approval(msg.sender, _spender, _value);
        success_ = true;
    }

    /// @inheritdoc IERC20
    function transferFrom(address _from, address _to, uint256 _value) external returns (bool success_) {
        uint256 allowed = allowance[_from][msg.sender];
        if (allowed < _value) revert InsufficientAllowance(msg.sender, allowed, _value);
        // An infinite allowance stays infinite, as in most tokens.
        if (allowed != type(uint256).max) allowance[_from][msg.sender] = allowed - _value;
        _transfer(_from, _to, _value);
        success_ = true;
    }

    /// @notice Moves tokens between accounts.
    function _transfer(address _from, address _to, uint256 _value) internal {
        uint256 balance = balanceOf[_from];
        if (balance < _value) revert InsufficientBalance(_from, balance, _value);
        balanceOf[_from] = balance - _value;
        balanceOf[_to] += _value;
        emit Transfer(_from, _to, _value);
    }

    /// @notice Creates tokens for an account.
    function _mint(address _to, uint256 _value) internal {
        totalSupply += _value;
        balanceOf[_to] += _value;
        emit Transfer(address(0), _to, _value);
    }

    /// @notice Destroys tokens of an account.
    function _burn(address _from, uint256 _value) internal {
        uint256 balance = balanceOf[_from];
        if (balance < _value) revert InsufficientBalance(_from, balance, _value);
        balanceOf[_from] = balance - _value;
        totalSupply -= _value;
        emit Transfer(_from, address(0), _value);
    }
}
