// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "./interfaces/IERC20.sol";

/// @title Vault
/// @notice Holds deposits of one token for users, up to a cap, and can be paused by its owner: the conditions a
///         cross-rollup deposit can fail on.
contract Vault {
    /// @notice The token deposited.
    IERC20 public immutable token;

    /// @notice The account that can pause the vault and change its cap.
    address public immutable owner;

    /// @notice Most the vault holds in total.
    uint256 public cap;

    /// @notice Whether deposits are refused.
    bool public paused;

    /// @notice Sum of all deposits.
    uint256 public totalDeposits;

    /// @notice Deposits credited to each user.
    mapping(address => uint256) public balanceOf;

    /// @notice Emitted when a deposit is credited.
    /// @param user    Account credited.
    /// @param payer   Account the tokens came from.
    /// @param amount  Amount deposited.
    event Deposited(address indexed user, address indexed payer, uint256 amount);

    /// @notice Emitted when the owner pauses or unpauses the vault.
    /// @param paused  Whether deposits are now refused.
    event PausedSet(bool paused);

    /// @notice Emitted when the owner changes the cap.
    /// @param cap  New cap.
    event CapSet(uint256 cap);

    /// @notice Thrown when a deposit is made while the vault is paused.
    error Paused();

    /// @notice Thrown when a deposit would take the total over the cap.
    error DepositCapExceeded(uint256 totalAfter, uint256 cap);

    /// @notice Thrown when anyone but the owner calls an owner-only function.
    error NotOwner(address caller);

    /// @param _token  The token deposited.
    /// @param _cap    Most the vault holds in total.
    constructor(IERC20 _token, uint256 _cap) {
        token = _token;
        owner = msg.sender;
        cap = _cap;
    }

    /// @notice Deposits tokens pulled from the caller, credited to a user.
    /// @param _user    Account credited.
    /// @param _amount  Amount deposited.
    function depositFor(address _user, uint256 _amount) external {
        if (paused) revert Paused();
        uint256 totalAfter = totalDeposits + _amount;
        if (totalAfter > cap) revert DepositCapExceeded(totalAfter, cap);

        totalDeposits = totalAfter;
        balanceOf[_user] += _amount;
        emit Deposited(_user, msg.sender, _amount);
        token.transferFrom(msg.sender, address(this), _amount);
    }

    /// @notice Pauses or unpauses deposits. Owner only.
    /// @param _paused  Whether deposits are refused.
    function setPaused(bool _paused) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        paused = _paused;
        emit PausedSet(_paused);
    }

    /// @notice Changes the cap. Owner only.
    /// @param _cap  New cap.
    function setCap(uint256 _cap) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        cap = _cap;
        emit CapSet(_cap);
    }
}
