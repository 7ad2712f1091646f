// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IL2ToL2CrossDomainMessenger
/// @notice The part of the Superchain interop messenger that apps use, so that an app written for the Superchain
///         compiles unchanged against the xrollup messenger.
interface IL2ToL2CrossDomainMessenger {
    /// @notice Emitted when a message is sent.
    /// @param destination   Chain id of the destination chain.
    /// @param target        Contract the message calls on the destination chain.
    /// @param messageNonce  Nonce of the message on the source chain.
    /// @param sender        Contract that sent the message.
    /// @param message       Calldata of the call on the destination chain.
    event SentMessage(
        uint256 indexed destination, address indexed target, uint256 indexed messageNonce, address sender, bytes message
    );

    /// @notice Emitted when a message is relayed.
    /// @param source          Chain id of the source chain.
    /// @param messageNonce    Nonce of the message on the source chain.
    /// @param messageHash     Hash of the message.
    /// @param returnDataHash  keccak256 of what the target returned.
    event RelayedMessage(
        uint256 indexed source, uint256 indexed messageNonce, bytes32 indexed messageHash, bytes32 returnDataHash
    );

    /// @notice Thrown when the relay context is read outside a relay.
    error NotEntered();

    /// @notice Thrown when a message is sent to the chain it is sent from.
    error MessageDestinationSameChain();

    /// @notice Thrown when a message is relayed on a chain other than its destination.
    error MessageDestinationNotRelayChain();

    /// @notice Thrown when a message targets the messenger itself.
    error MessageTargetL2ToL2CrossDomainMessenger();

    /// @notice Thrown when a message that was already relayed is relayed again.
    error MessageAlreadyRelayed();

    /// @notice Thrown when a relay starts while another relay is in progress.
    error ReentrantCall();

    /// @notice Sends a message to a contract on another chain.
    /// @param _destination  Chain id of the destination chain.
    /// @param _target       Contract to call on the destination chain.
    /// @param _message      Calldata of that call.
    /// @return messageHash_ Hash of the message.
    function sendMessage(uint256 _destination, address _target, bytes calldata _message)
        external
        returns (bytes32 messageHash_);

    /// @notice Returns the sender of the message being relayed; reverts outside a relay.
    /// @return sender_ Contract that sent the message on the source chain.
    function crossDomainMessageSender() external view returns (address sender_);

    /// @notice Returns the source chain of the message being relayed; reverts outside a relay.
    /// @return source_ Chain id of the source chain.
    function crossDomainMessageSource() external view returns (uint256 source_);

    /// @notice Returns the sender and source chain of the message being relayed; reverts outside a relay.
    /// @return sender_ Contract that sent the message on the source chain.
    /// @return source_ Chain id of the source chain.
    function crossDomainMessageContext() external view returns (address sender_, uint256 source_);

    /// @notice Returns the nonce the next message sent from this chain will have.
    /// @return The next nonce.
    function messageNonce() external view returns (uint256);

    /// @notice Tells whether a message was relayed on this chain.
    /// @param _messageHash Hash of the message.
    /// @return Whether it was relayed.
    function successfulMessages(bytes32 _messageHash) external view returns (bool);

    /// @notice Returns the hash of a message sent from this chain.
    /// @param _nonce Nonce of the message.
    /// @return Its hash, or zero if no message has that nonce.
    function sentMessages(uint256 _nonce) external view returns (bytes32);
}
