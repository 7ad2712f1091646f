// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ISequencedMessenger} from "./interfaces/ISequencedMessenger.sol";

/// @title L2ToL2CrossDomainMessenger
/// @notice Sends and relays messages between the devnet's rollups. A message sent on rollup A is relayed on rollup
///         B by a member of the sequencer committee, in the same slot, with the member's signature as the proof that
///         A sent it: a relay must be sent by a committee member and carry that same member's signature. A relay
///         whose call fails reverts as a whole, so the sequencer can roll back the sending transaction and
///         everything it caused: a message is either relayed or leaves no trace. Each rollup keeps a rolling hash of
///         the messages it sent to and relayed from every other rollup; the L1 inbox checks that they match.
///         The committee is fixed at the rollup's genesis: a member the L1 inbox later removes (for equivocation)
///         still relays here, but no batch it builds can get a certificate from the honest members, and the inbox's
///         shared-validity check still pairs every relay with its send.
///         The destinations are the devnet's rollups: those of its genesis (the immutable range), and those added
///         at runtime (isAddedChain), which a committee member announces with addChain in the slot that adds one.
/// @dev Predeployed with hardhat_setCode: nothing runs at construction but the immutables, so the committee is
///      written into isRelayer (storage slot 5), and on a rollup added at runtime the rollups added up to it into
///      isAddedChain (slot 6), with hardhat_setStorageAt (rollups/predeploys.ts).
contract L2ToL2CrossDomainMessenger is ISequencedMessenger {
    /// @notice Gas limit of the call on the destination rollup for messages sent with sendMessage.
    uint256 public constant DEFAULT_GAS_LIMIT = 1_000_000;

    /// @notice Gas a relay keeps on top of the call's gas limit and its 1/64 (EIP-150): the CALL itself (2,600 for
    ///         a cold target, plus copying the calldata to memory) and the work after it (copying the return data,
    ///         hashing it, RelayedMessage at ~2,100, three transient stores). That is under 10,000 for messages and
    ///         return data of a few hundred bytes; 40,000 leaves room for a few kilobytes of each.
    uint256 internal constant RELAY_GAS_RESERVE = 40_000;

    /// @notice Largest s of a non-malleable secp256k1 signature (half the curve order, EIP-2).
    uint256 internal constant MAX_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice Chain id of the devnet's first rollup.
    uint256 public immutable FIRST_CHAIN_ID;

    /// @notice Number of the rollups the devnet started with: their chain ids are
    ///         [FIRST_CHAIN_ID, FIRST_CHAIN_ID + CHAIN_COUNT).
    uint256 public immutable CHAIN_COUNT;

    /// @notice Nonce of the next message sent from this rollup.
    uint256 public messageNonce;

    /// @notice Hash of each message sent from this rollup, by nonce.
    mapping(uint256 => bytes32) public sentMessages;

    /// @notice Whether a message was relayed on this rollup, by hash.
    mapping(bytes32 => bool) public successfulMessages;

    /// @notice Rolling hash of the messages sent from this rollup to each rollup.
    mapping(uint256 => bytes32) public sentMessagesHash;

    /// @notice Rolling hash of the messages relayed on this rollup from each rollup.
    mapping(uint256 => bytes32) public relayedMessagesHash;

    /// @notice Whether an account is a member of the sequencer committee, which relays messages and signs them.
    /// @dev Slot 5, after the mappings above; transient variables take no storage slot.
    mapping(address => bool) public isRelayer;

    /// @notice Whether a rollup added to the devnet after its genesis is a destination, by chain id.
    /// @dev Slot 6.
    mapping(uint256 => bool) public isAddedChain;

    /// @notice Whether a relay is in progress.
    bool internal transient entered;

    /// @notice Sender of the message being relayed.
    address internal transient contextSender;

    /// @notice Source chain of the message being relayed.
    uint256 internal transient contextSource;

    /// @notice Fixes the rollups the devnet starts with.
    /// @param _firstChainId  Chain id of the devnet's first rollup.
    /// @param _chainCount    Number of the rollups the devnet starts with.
    constructor(uint256 _firstChainId, uint256 _chainCount) {
        FIRST_CHAIN_ID = _firstChainId;
        CHAIN_COUNT = _chainCount;
    }

    /// @notice Sends a message to a contract on another rollup; the call there gets DEFAULT_GAS_LIMIT.
    /// @param _destination  Chain id of the destination rollup.
    /// @param _target       Contract to call on the destination rollup.
    /// @param _message      Calldata of that call.
    /// @return messageHash_ Hash of the message.
    function sendMessage(uint256 _destination, address _target, bytes calldata _message)
        external
        returns (bytes32 messageHash_)
    {
        messageHash_ = _send(_destination, _target, _message, DEFAULT_GAS_LIMIT);
    }

    /// @notice Sends a message to a contract on another rollup, choosing the gas the call there gets.
    /// @param _destination  Chain id of the destination rollup.
    /// @param _target       Contract to call on the destination rollup.
    /// @param _message      Calldata of that call.
    /// @param _gasLimit     Gas the call on the destination rollup gets.
    /// @return messageHash_ Hash of the message.
    function sendMessageWithGasLimit(uint256 _destination, address _target, bytes calldata _message, uint256 _gasLimit)
        external
        returns (bytes32 messageHash_)
    {
        messageHash_ = _send(_destination, _target, _message, _gasLimit);
    }

    /// @notice Relays a message sent to this rollup, as signed by the committee member that sends the relay;
    ///         reverts if the call reverts. Only members' accounts relay: their keys are devnet keys anyone can read,
    ///         so a valid signature alone would let a user include a relay of a message nobody sent, which L1 then
    ///         refuses.
    /// @param _message  The message.
    /// @param _v        Recovery id of the relaying member's EIP-191 signature of the relay hash,
    ///                  keccak256(abi.encode(messageHash, gasLimit)): the gas limit is signed too.
    /// @param _r        r of the signature.
    /// @param _s        s of the signature, in the lower half of the curve order.
    /// @return returnData_ What the target returned.
    function relayMessage(Message calldata _message, uint8 _v, bytes32 _r, bytes32 _s)
        external
        returns (bytes memory returnData_)
    {
        if (!isRelayer[msg.sender]) revert NotSequencer(msg.sender);
        if (_message.destination != block.chainid) revert MessageDestinationNotRelayChain();
        if (_message.target == address(this)) revert MessageTargetL2ToL2CrossDomainMessenger();
        bytes32 messageHash = _hash(
            _message.destination, _message.source, _message.nonce, _message.sender, _message.target, _message.message
        );
        // The gas limit is not part of the message hash (the Superchain's), but whether the action succeeds depends
        // on it: signing it keeps anyone from relaying a member's relay with another gas limit.
        bytes32 relayHash = keccak256(abi.encode(messageHash, _message.gasLimit));
        bytes32 digest = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", relayHash));
        address recovered = ecrecover(digest, _v, _r, _s);
        if (recovered == address(0)) revert InvalidSequencerSignature(recovered);
        if (recovered != msg.sender) revert InvalidSequencerSignature(recovered);
        if (uint256(_s) > MAX_S) revert InvalidSequencerSignature(recovered);
        if (successfulMessages[messageHash]) revert MessageAlreadyRelayed();
        // A call made during a relay comes from a contract, never a member's account, so NotSequencer already
        // refuses a nested relay; this stays for a member account that has code (EIP-7702 delegation).
        if (entered) revert ReentrantCall();

        successfulMessages[messageHash] = true;
        relayedMessagesHash[_message.source] = keccak256(abi.encode(relayedMessagesHash[_message.source], messageHash));
        entered = true;
        contextSender = _message.sender;
        contextSource = _message.source;

        returnData_ = _call(_message.target, _message.message, _message.gasLimit);

        entered = false;
        contextSender = address(0);
        contextSource = 0;
        emit RelayedMessage(_message.source, _message.nonce, messageHash, keccak256(returnData_));
    }

    /// @notice Makes a rollup added to the devnet a destination. Only a committee member sends it, as a transaction of
    ///         the slot that adds the rollup, on every rollup that was there before.
    /// @param _chainId  Chain id of the added rollup.
    function addChain(uint256 _chainId) external {
        if (!isRelayer[msg.sender]) revert NotSequencer(msg.sender);
        if (isChain(_chainId)) revert ChainAlreadyKnown(_chainId);
        isAddedChain[_chainId] = true;
        emit ChainAdded(_chainId);
    }

    /// @notice Returns whether a chain id is one of the devnet's rollups: one it started with, or one added since.
    /// @param _chainId  The chain id.
    /// @return known_ Whether it is.
    function isChain(uint256 _chainId) public view returns (bool known_) {
        known_ = (_chainId >= FIRST_CHAIN_ID && _chainId < FIRST_CHAIN_ID + CHAIN_COUNT) || isAddedChain[_chainId];
    }

    /// @notice Returns the sender of the message being relayed; reverts outside a relay.
    /// @return sender_ Contract that sent the message on the source rollup.
    function crossDomainMessageSender() external view returns (address sender_) {
        if (!entered) revert NotEntered();
        sender_ = contextSender;
    }

    /// @notice Returns the source rollup of the message being relayed; reverts outside a relay.
    /// @return source_ Chain id of the source rollup.
    function crossDomainMessageSource() external view returns (uint256 source_) {
        if (!entered) revert NotEntered();
        source_ = contextSource;
    }

    /// @notice Returns the sender and source rollup of the message being relayed; reverts outside a relay.
    /// @return sender_ Contract that sent the message on the source rollup.
    /// @return source_ Chain id of the source rollup.
    function crossDomainMessageContext() external view returns (address sender_, uint256 source_) {
        if (!entered) revert NotEntered();
        sender_ = contextSender;
        source_ = contextSource;
    }

    /// @notice Returns the rolling hashes of the messages sent to and relayed from each given rollup.
    /// @param _chainIds  Chain ids of the rollups.
    /// @return sent_     sentMessagesHash of each rollup.
    /// @return relayed_  relayedMessagesHash of each rollup.
    function messageHashes(uint256[] calldata _chainIds)
        external
        view
        returns (bytes32[] memory sent_, bytes32[] memory relayed_)
    {
        sent_ = new bytes32[](_chainIds.length);
        relayed_ = new bytes32[](_chainIds.length);
        for (uint256 i = 0; i < _chainIds.length; i++) {
            sent_[i] = sentMessagesHash[_chainIds[i]];
            relayed_[i] = relayedMessagesHash[_chainIds[i]];
        }
    }

    /// @notice Records a message and announces it to the sequencer committee.
    function _send(uint256 _destination, address _target, bytes calldata _message, uint256 _gasLimit)
        internal
        returns (bytes32 messageHash_)
    {
        if (_destination == block.chainid) revert MessageDestinationSameChain();
        if (!isChain(_destination)) revert UnknownDestination(_destination);
        if (_target == address(this)) revert MessageTargetL2ToL2CrossDomainMessenger();

        uint256 nonce = messageNonce++;
        messageHash_ = _hash(_destination, block.chainid, nonce, msg.sender, _target, _message);
        sentMessages[nonce] = messageHash_;
        sentMessagesHash[_destination] = keccak256(abi.encode(sentMessagesHash[_destination], messageHash_));
        emit SentMessage(_destination, _target, nonce, msg.sender, _message);
        emit MessageGasLimit(messageHash_, _gasLimit);
    }

    /// @notice Calls the target with exactly its gas limit; reverts with the reason if the call fails.
    function _call(address _target, bytes calldata _data, uint256 _gasLimit) internal returns (bytes memory) {
        // EIP-150 forwards at most 63/64 of what is left: with gasLimit + gasLimit / 63 left, the call gets all of
        // gasLimit, so whether the action succeeds does not depend on the relay transaction's gas.
        uint256 gasNeeded = _gasLimit + _gasLimit / 63 + RELAY_GAS_RESERVE;
        if (gasleft() < gasNeeded) revert InsufficientRelayGas(_gasLimit, gasleft());
        uint256 gasBefore = gasleft();
        (bool success, bytes memory returnData) = _target.call{gas: _gasLimit}(_data);
        if (success) return returnData;
        // The call had all of gasLimit; having used it up and returned nothing, it ran out of gas.
        if (returnData.length == 0 && gasBefore - gasleft() >= _gasLimit) revert ActionOutOfGas(_target, _gasLimit);
        revert TargetCallFailed(_target, returnData);
    }

    /// @notice The Superchain's Hashing.hashL2toL2CrossDomainMessage.
    function _hash(
        uint256 _destination,
        uint256 _source,
        uint256 _nonce,
        address _sender,
        address _target,
        bytes calldata _message
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(_destination, _source, _nonce, _sender, _target, _message));
    }
}
