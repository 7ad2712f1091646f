// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { IL2ToL2CrossDomainMessenger } from "../rollup/interfaces/IL2ToL2CrossDomainMessenger.sol";
import { Predeploys } from "../rollup/Predeploys.sol";

/// @title SeatBooking
/// @notice Test contract standing for a developer's own app: deliberately not among the contracts whose errors
///         xrollup decodes by itself (contracts/artifacts.ts), so that only its project's artifacts (--artifacts)
///         decode SoldOut. The trigger on rollup A books seats on rollup B; the action takes them, or reverts.
///         Deployed at one address on every rollup (same deployer, same nonce, same seats).
contract SeatBooking {
    IL2ToL2CrossDomainMessenger internal constant MESSENGER =
        IL2ToL2CrossDomainMessenger(Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER);

    /// @notice Seats still free on this rollup.
    uint256 public available;

    /// @notice Seats booked on this rollup, by holder.
    mapping(address => uint256) public seatsOf;

    /// @notice Emitted when seats are booked.
    event Booked(address indexed holder, uint256 seats);

    /// @notice Thrown when more seats are asked for than are free; it reverts the trigger on the source rollup too.
    error SoldOut(address holder, uint256 requested, uint256 available);

    /// @notice Thrown when the action is not relayed by the messenger from this contract on its source rollup.
    error NotCounterpart(address sender);

    /// @notice Opens the booking.
    /// @param _seats Seats free at the start.
    constructor(uint256 _seats) {
        available = _seats;
    }

    /// @notice Trigger: books seats on `_destination` for the caller.
    /// @param _destination Chain id of the rollup to book on.
    /// @param _seats       Seats to book.
    /// @return messageHash_ Hash of the message sent.
    function book(uint256 _destination, uint256 _seats) external returns (bytes32 messageHash_) {
        messageHash_ = MESSENGER.sendMessage(_destination, address(this), abi.encodeCall(this.take, (msg.sender, _seats)));
    }

    /// @notice Action: takes seats for a holder, relayed from this contract on another rollup.
    /// @param _holder Who booked.
    /// @param _seats  Seats booked.
    /// @return left_ Seats still free.
    function take(address _holder, uint256 _seats) external returns (uint256 left_) {
        if (msg.sender != address(MESSENGER)) revert NotCounterpart(msg.sender);
        (address sender,) = MESSENGER.crossDomainMessageContext();
        if (sender != address(this)) revert NotCounterpart(sender);
        if (_seats > available) revert SoldOut(_holder, _seats, available);
        available -= _seats;
        seatsOf[_holder] += _seats;
        emit Booked(_holder, _seats);
        left_ = available;
    }
}
