// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { IL2ToL2CrossDomainMessenger } from "../rollup/interfaces/IL2ToL2CrossDomainMessenger.sol";
import { Predeploys } from "../rollup/Predeploys.sol";

/// @title Greeter
/// @notice The README's example of a trigger and its action: greet the same contract on another rollup.
///         Deployed at one address on every rollup (same deployer, same nonce).
contract Greeter {
    IL2ToL2CrossDomainMessenger internal constant MESSENGER =
        IL2ToL2CrossDomainMessenger(Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER);

    /// @notice The last greeting received from each source rollup.
    mapping(uint256 => string) public greetingFrom;

    /// @notice Emitted when a greeting from another rollup is stored.
    event Greeted(uint256 indexed source, string text);

    /// @notice Thrown when the action is not relayed by the messenger.
    error NotMessenger(address caller);

    /// @notice Thrown when the message was not sent by this contract on its source rollup.
    error NotCounterpart(address sender);

    /// @notice Thrown for an empty greeting; it reverts the trigger on the source rollup too.
    error EmptyGreeting();

    /// @notice Trigger: greets this contract on `_destination`.
    /// @param _destination Chain id of the rollup to greet.
    /// @param _text        The greeting.
    function greet(uint256 _destination, string calldata _text) external {
        MESSENGER.sendMessage(_destination, address(this), abi.encodeCall(this.receiveGreeting, (_text)));
    }

    /// @notice Action: stores a greeting relayed from this contract on another rollup.
    /// @param _text The greeting.
    function receiveGreeting(string calldata _text) external {
        if (msg.sender != address(MESSENGER)) revert NotMessenger(msg.sender);
        (address sender, uint256 source) = MESSENGER.crossDomainMessageContext();
        if (sender != address(this)) revert NotCounterpart(sender);
        if (bytes(_text).length == 0) revert EmptyGreeting();
        greetingFrom[source] = _text;
        emit Greeted(source, _text);
    }
}
