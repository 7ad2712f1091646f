// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IL2ToL2CrossDomainMessenger} from "./IL2ToL2CrossDomainMessenger.sol";

/// @title ISequencedMessenger
/// @notice The xrollup additions to the Superchain messenger: a member of the sequencer committee relays each message
///         in the slot that sent it, with its own signature as the proof that the message was sent, and every batch
///         commits the rolling hashes of the messages each rollup sent and relayed so that L1 can check they match.
interface ISequencedMessenger is IL2ToL2CrossDomainMessenger {
    /// @notice A message as a committee member relays it.
    /// @param destination  Chain id of the destination chain.
    /// @param source       Chain id of the source chain.
    /// @param nonce        Nonce of the message on the source chain.
    /// @param sender       Contract that sent the message.
    /// @param target       Contract the message calls.
    /// @param message      Calldata of that call.
    /// @param gasLimit     Gas the call gets; not part of the message hash, but signed with it (the relay hash).
    struct Message {
        uint256 destination;
        uint256 source;
        uint256 nonce;
        address sender;
        address target;
        bytes message;
        uint256 gasLimit;
    }

    /// @notice Emitted with SentMessage: the gas the sender asked the call on the destination chain to get.
    /// @param messageHash  Hash of the message.
    /// @param gasLimit     Gas limit of the call on the destination chain.
    event MessageGasLimit(bytes32 indexed messageHash, uint256 gasLimit);

    /// @notice Emitted when a rollup added to the devnet becomes a destination.
    /// @param chainId  Chain id of the added rollup.
    event ChainAdded(uint256 indexed chainId);

    /// @notice Thrown when a message is sent to a chain id that is not one of the devnet's rollups.
    error UnknownDestination(uint256 destination);

    /// @notice Thrown when addChain is given a rollup the messenger already knows.
    error ChainAlreadyKnown(uint256 chainId);

    /// @notice Thrown when an account that is not a committee member relays a message.
    error NotSequencer(address caller);

    /// @notice Thrown when a relay's signature is not its sender's, or is malleable.
    error InvalidSequencerSignature(address recovered);

    /// @notice Thrown when the relay transaction has too little gas left to give the call its gas limit.
    error InsufficientRelayGas(uint256 gasLimit, uint256 gasLeft);

    /// @notice Thrown when the relayed call used all its gas and reverted without data.
    error ActionOutOfGas(address target, uint256 gasLimit);

    /// @notice Thrown when the relayed call reverted; returnData is the target's revert data.
    error TargetCallFailed(address target, bytes returnData);

    /// @notice Sends a message to a contract on another rollup, choosing the gas the call there gets.
    /// @param _destination  Chain id of the destination rollup.
    /// @param _target       Contract to call on the destination rollup.
    /// @param _message      Calldata of that call.
    /// @param _gasLimit     Gas the call on the destination rollup gets.
    /// @return messageHash_ Hash of the message.
    function sendMessageWithGasLimit(uint256 _destination, address _target, bytes calldata _message, uint256 _gasLimit)
        external
        returns (bytes32 messageHash_);

    /// @notice Relays a message sent to this rollup, as signed by the committee member that sends the relay; reverts
    ///         if the call reverts. Only committee members' accounts may call it.
    /// @param _message  The message.
    /// @param _v        Recovery id of the relaying member's EIP-191 signature of the relay hash,
    ///                  keccak256(abi.encode(messageHash, gasLimit)).
    /// @param _r        r of the signature.
    /// @param _s        s of the signature, in the lower half of the curve order.
    /// @return returnData_ What the target returned.
    function relayMessage(Message calldata _message, uint8 _v, bytes32 _r, bytes32 _s)
        external
        returns (bytes memory returnData_);

    /// @notice Returns the rolling hashes of the messages sent to and relayed from each given rollup.
    /// @param _chainIds  Chain ids of the rollups.
    /// @return sent_     sentMessagesHash of each rollup.
    /// @return relayed_  relayedMessagesHash of each rollup.
    function messageHashes(uint256[] calldata _chainIds)
        external
        view
        returns (bytes32[] memory sent_, bytes32[] memory relayed_);

    /// @notice Returns the rolling hash of the messages sent from this rollup to a rollup.
    /// @param _destination Chain id of the destination rollup.
    /// @return The rolling hash, zero before the first message.
    function sentMessagesHash(uint256 _destination) external view returns (bytes32);

    /// @notice Returns the rolling hash of the messages relayed on this rollup from a rollup.
    /// @param _source Chain id of the source rollup.
    /// @return The rolling hash, zero before the first message.
    function relayedMessagesHash(uint256 _source) external view returns (bytes32);

    /// @notice Returns whether an account is a member of the sequencer committee, which relays messages and signs them.
    /// @param _account  The account.
    /// @return Whether it relays.
    function isRelayer(address _account) external view returns (bool);

    /// @notice Makes a rollup added to the devnet a destination; only committee members' accounts may call it.
    /// @param _chainId  Chain id of the added rollup.
    function addChain(uint256 _chainId) external;

    /// @notice Returns whether a chain id is one of the devnet's rollups: one it started with, or one added since.
    /// @param _chainId  The chain id.
    /// @return known_ Whether it is.
    function isChain(uint256 _chainId) external view returns (bool known_);

    /// @notice Returns whether a rollup added to the devnet after its genesis is a destination.
    /// @param _chainId  The chain id.
    /// @return Whether it is.
    function isAddedChain(uint256 _chainId) external view returns (bool);

    /// @notice Returns the chain id of the devnet's first rollup.
    /// @return The chain id.
    function FIRST_CHAIN_ID() external view returns (uint256);

    /// @notice Returns the number of the rollups the devnet started with, whose chain ids follow FIRST_CHAIN_ID.
    /// @return The count.
    function CHAIN_COUNT() external view returns (uint256);

    /// @notice Returns the gas limit sendMessage gives the call on the destination rollup.
    /// @return The gas limit.
    function DEFAULT_GAS_LIMIT() external view returns (uint256);
}
