// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../rollup/Predeploys.sol";
import {ISequencedMessenger} from "../rollup/interfaces/ISequencedMessenger.sol";

/// @title MessageRelayChain
/// @notice Test helper deployed at the same address on several rollups: a message hops from rollup to rollup along a
///         route, counting hops on each, and can fail at the last one, to test that a failure at C rolls back A and B.
contract MessageRelayChain {
    /// @notice The predeployed messenger.
    ISequencedMessenger internal constant MESSENGER = ISequencedMessenger(Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER);

    /// @notice Number of hops (starts included) on this rollup.
    uint256 public hops;

    /// @notice Emitted on every hop.
    /// @param hops       The hop counter after this hop.
    /// @param source     Chain id the hop came from; zero for a start.
    /// @param remaining  Number of rollups still on the route.
    event Hopped(uint256 indexed hops, uint256 indexed source, uint256 remaining);

    /// @notice Thrown when hop is called by anyone but the messenger.
    error NotMessenger(address caller);

    /// @notice Thrown when a hop was not sent by this contract on another rollup.
    error NotFromCounterpart(address sender);

    /// @notice Thrown at the end of a route that was asked to fail.
    error FailedAtEnd();

    /// @notice Counts a hop here and sends the message along the route.
    /// @param _route      Chain ids the message visits, in order; empty for none.
    /// @param _failAtEnd  Whether the last hop reverts.
    function start(uint256[] calldata _route, bool _failAtEnd) external {
        _hop(0, _route, _failAtEnd);
    }

    /// @notice Counts a hop here, then sends the message along the rest of the route or, at its end, fails if asked.
    ///         Only through the messenger, from this contract on another rollup.
    /// @param _route      Chain ids the message still visits, in order.
    /// @param _failAtEnd  Whether the last hop reverts.
    function hop(uint256[] calldata _route, bool _failAtEnd) external {
        if (msg.sender != address(MESSENGER)) revert NotMessenger(msg.sender);
        (address sender, uint256 source) = MESSENGER.crossDomainMessageContext();
        if (sender != address(this)) revert NotFromCounterpart(sender);
        _hop(source, _route, _failAtEnd);
        if (_route.length == 0 && _failAtEnd) revert FailedAtEnd();
    }

    /// @notice Counts a hop and sends the message to the route's next rollup, if any.
    function _hop(uint256 _source, uint256[] calldata _route, bool _failAtEnd) internal {
        hops += 1;
        emit Hopped(hops, _source, _route.length);
        if (_route.length == 0) return;
        MESSENGER.sendMessage(_route[0], address(this), abi.encodeCall(this.hop, (_route[1:], _failAtEnd)));
    }
}
