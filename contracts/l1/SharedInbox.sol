// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ForcedInclusionQueue} from "./ForcedInclusionQueue.sol";
import {SequencerCommittee, Signature} from "./SequencerCommittee.sol";

/// @notice A rollup's committed head: its last committed block and the state after it.
struct RollupHead {
    uint64 blockNumber;
    bytes32 blockHash;
    bytes32 stateRoot;
}

/// @notice One rollup's part of a batch: the blocks [fromBlock, toBlock] and where they lead.
/// @dev toBlock == fromBlock - 1 means "no block for this rollup in this batch". sentMessages[j] and
///      relayedMessages[j] are the rollup's messenger's rolling hashes of the messages sent to and relayed from
///      registered rollup j (registration order) after block toBlock.
struct RollupCommitment {
    uint64 chainId;
    uint64 fromBlock;
    uint64 toBlock;
    uint32 txCount;
    bytes32 blockHash;
    bytes32 stateRoot;
    bytes32[] sentMessages;
    bytes32[] relayedMessages;
}

/// @notice A rollup a batch registers: its chain id and its block 0, from which derivation rebuilds it.
/// @dev genesisTimestamp is the timestamp of block 0, which the block hash commits to; L1 keeps it only in the
///      calldata of the batch that registers the rollup, where derivation reads it.
struct RollupRegistration {
    uint64 chainId;
    uint64 genesisTimestamp;
    bytes32 genesisBlockHash;
    bytes32 genesisStateRoot;
}

/// @notice What links a batch to the one before it, who proposed it, and how far it processed the forced queue.
/// @dev globalSeqEnd is one past the last global sequence number; == globalSeqStart for no transaction.
///      viewNumber is the view of the leader that proposed the batch (`view` is a Solidity keyword). forcedEnd is
///      the forced-queue index the batch has processed up to: exclusive, cumulative over batches.
struct BatchHeader {
    uint64 number;
    bytes32 prevHash;
    uint64 globalSeqStart;
    uint64 globalSeqEnd;
    uint64 viewNumber;
    uint64 forcedEnd;
}

/// @title SharedInbox
/// @notice L1 inbox of a shared sequencer committee: one batch commits new heads for every registered rollup at once.
///         Rollups are registered at deployment, and later by the batch that first commits to them
///         (submitBatchRegistering), at most MAX_ROLLUPS in all; a rollup is never unregistered.
///         The inbox guarantees that batches form a single hash chain (numbers without gap or repeat, each
///         naming its predecessor's hash), that global sequence numbers are contiguous across batches and
///         match the transaction counts, that every rollup's blocks are contiguous, at most
///         MAX_BLOCKS_PER_BATCH of them per batch (so no single batch can park a head at the last block number),
///         that only an active committee member can submit, and only a batch certified by a quorum of active
///         members including the leader of the batch's view (SequencerCommittee), that every message a rollup sent
///         to another was relayed there and nothing else was (shared validity: the messengers' rolling hashes
///         match pairwise), and that no batch leaves an overdue forced transaction unprocessed
///         (ForcedInclusionQueue).
///         It does NOT re-execute transactions: the block hashes, state roots and message hashes are the
///         committee's claims, checked off-chain by re-deriving the rollups from L1 (`xrollup verify`); a quorum
///         of faulty members can certify a wrong claim. It does NOT check that views increase from batch to batch,
///         nor that the leader is the member that submits, nor that the committee posts at all: if it stops, only
///         forceInclusion moves on.
contract SharedInbox is SequencerCommittee, ForcedInclusionQueue {
    /// @notice Most blocks one batch commits for one rollup. Without a bound, a head of block 2^64 - 1 would leave
    ///         the rollup unable to ever advance (its next fromBlock overflows); the sequencer spreads longer runs
    ///         of blocks over several batches.
    uint64 public constant MAX_BLOCKS_PER_BATCH = 65_536;

    /// @notice Most rollups the inbox registers: every batch carries one commitment per rollup, each with a message
    ///         hash per rollup, so a batch's calldata and its shared-validity check grow with the square of the count.
    uint256 public constant MAX_ROLLUPS = 64;

    /// @notice Timestamp of the genesis blocks of the rollups registered at deployment (a rollup a batch registers
    ///         carries its own, RollupRegistration.genesisTimestamp).
    uint64 public immutable genesisTimestamp;

    /// @notice Number of batches submitted so far (the number of the last batch).
    uint64 public batchCount;

    /// @notice Hash of the last batch; bytes32(0) before the first batch.
    bytes32 public lastBatchHash;

    /// @notice Global sequence number of the first transaction of the next batch.
    uint64 public nextGlobalSeq;

    /// @notice Hash of each submitted batch, by batch number.
    mapping(uint64 => bytes32) public batchHashes;

    /// @notice Registered chain ids, in registration order (the order of a batch's commitments).
    uint64[] internal chainIds;

    /// @notice Whether a chain id is registered.
    mapping(uint64 => bool) internal registered;

    /// @notice Current head of each registered rollup.
    mapping(uint64 => RollupHead) internal heads;

    /// @notice Emitted once per rollup, when it is registered: at deployment or by a batch.
    /// @param chainId           Chain id of the rollup.
    /// @param genesisBlockHash  Hash of the rollup's block 0.
    /// @param genesisStateRoot  State root of the rollup's block 0.
    event RollupRegistered(uint64 indexed chainId, bytes32 genesisBlockHash, bytes32 genesisStateRoot);

    /// @notice Emitted when a batch moves a rollup's head forward.
    /// @param chainId      Chain id of the rollup.
    /// @param batchNumber  Number of the batch that committed the new head.
    /// @param blockNumber  New head block number.
    /// @param blockHash    New head block hash.
    /// @param stateRoot    State root after the new head block.
    event RollupHeadUpdated(
        uint64 indexed chainId, uint64 indexed batchNumber, uint64 blockNumber, bytes32 blockHash, bytes32 stateRoot
    );

    /// @notice Emitted when a batch is accepted.
    /// @param number            Batch number.
    /// @param batchHash         Hash of the batch, see submitBatch.
    /// @param globalSeqStart    First global sequence number in the batch.
    /// @param globalSeqEnd      One past the last global sequence number in the batch.
    /// @param transactionsHash  keccak256 of the compressed transaction payload.
    event BatchSubmitted(
        uint64 indexed number,
        bytes32 indexed batchHash,
        uint64 globalSeqStart,
        uint64 globalSeqEnd,
        bytes32 transactionsHash
    );

    /// @notice Emitted with BatchSubmitted: the members that certified the batch.
    /// @param number      Batch number.
    /// @param viewNumber  View of the leader that proposed the batch.
    /// @param signers     The certificate's signers, in certificate order.
    event BatchCertified(uint64 indexed number, uint64 viewNumber, address[] signers);

    /// @notice Thrown when the constructor's per-rollup arrays differ in length.
    error LengthMismatch();

    /// @notice Thrown when the constructor, or submitBatchRegistering, is given no rollup.
    error NoRollups();

    /// @notice Thrown when a chain id to register is registered already.
    error DuplicateRollup(uint64 chainId);

    /// @notice Thrown when registering a rollup would take the inbox past MAX_ROLLUPS.
    error TooManyRollups(uint256 max, uint256 got);

    /// @notice Thrown when a chain id is not registered.
    error UnknownRollup(uint64 chainId);

    /// @notice Thrown when an account that is not an active committee member submits a batch.
    error NotSequencer(address caller);

    /// @notice Thrown when a batch number is not the last batch number + 1.
    error BatchOutOfOrder(uint64 expected, uint64 got);

    /// @notice Thrown when a batch does not name the last batch's hash as its predecessor.
    error PrevHashMismatch(bytes32 expected, bytes32 got);

    /// @notice Thrown when a batch's first global sequence number does not follow the last batch's.
    error GlobalSeqGap(uint64 expected, uint64 got);

    /// @notice Thrown when a batch's global sequence range ends before it starts.
    error InvalidGlobalSeqRange(uint64 start, uint64 end);

    /// @notice Thrown when a batch does not carry one commitment per registered rollup.
    error RollupCountMismatch(uint256 expected, uint256 got);

    /// @notice Thrown when a batch's commitments are not in registration order.
    error RollupOrderMismatch(uint256 index, uint64 expected, uint64 got);

    /// @notice Thrown when a rollup's range does not start right after its head.
    error BlockRangeGap(uint64 chainId, uint64 expectedFrom, uint64 got);

    /// @notice Thrown when a rollup's range ends more than one block before it starts.
    error InvalidBlockRange(uint64 chainId, uint64 fromBlock, uint64 toBlock);

    /// @notice Thrown when a rollup's range has more blocks than MAX_BLOCKS_PER_BATCH.
    error BlockRangeTooLarge(uint64 chainId, uint64 maxBlocks, uint64 blocks);

    /// @notice Thrown when a rollup's empty range carries transactions or a different head.
    error EmptyRangeChangedHead(uint64 chainId);

    /// @notice Thrown when the commitments' transaction counts do not add up to the global sequence range.
    error TxCountMismatch(uint64 expected, uint64 got);

    /// @notice Thrown when a commitment does not carry one sent and one relayed hash per registered rollup.
    error MessageHashesLength(uint64 chainId);

    /// @notice Thrown when what a rollup sent to another differs from what the other relayed from it.
    error MessagesMismatch(uint64 source, uint64 destination);

    /// @notice Registers the committee, and the rollups at their genesis blocks.
    /// @param _members              The committee, in rotation order: non-empty, no zero address, no duplicate, at
    ///                              most MAX_MEMBERS.
    /// @param _genesisTimestamp     Timestamp of the rollups' genesis blocks.
    /// @param _forceInclusionDelay  L1 blocks a forced transaction may wait; at least 1.
    /// @param _chainIds             Chain ids of the rollups, in the order batches list them: distinct, at most
    ///                              MAX_ROLLUPS.
    /// @param _genesisBlockHashes   Hash of each rollup's block 0.
    /// @param _genesisStateRoots    State root of each rollup's block 0.
    constructor(
        address[] memory _members,
        uint64 _genesisTimestamp,
        uint64 _forceInclusionDelay,
        uint64[] memory _chainIds,
        bytes32[] memory _genesisBlockHashes,
        bytes32[] memory _genesisStateRoots
    ) SequencerCommittee(_members) ForcedInclusionQueue(_forceInclusionDelay) {
        if (_chainIds.length != _genesisBlockHashes.length) revert LengthMismatch();
        if (_chainIds.length != _genesisStateRoots.length) revert LengthMismatch();
        if (_chainIds.length == 0) revert NoRollups();

        genesisTimestamp = _genesisTimestamp;
        for (uint256 i = 0; i < _chainIds.length; i++) {
            _register(_chainIds[i], _genesisBlockHashes[i], _genesisStateRoots[i]);
        }
    }

    /// @notice Lists the registered chain ids in registration order.
    /// @return chainIds_ The chain ids.
    function rollupChainIds() external view returns (uint64[] memory chainIds_) {
        chainIds_ = chainIds;
    }

    /// @notice Returns a rollup's last committed head.
    /// @param _chainId Chain id of the rollup.
    /// @return head_ The head.
    function head(uint64 _chainId) external view returns (RollupHead memory head_) {
        _requireRollup(_chainId);
        head_ = heads[_chainId];
    }

    /// @notice Commits the next batch: new heads for every rollup and the transactions that lead there.
    /// @dev All checks run before any write: the header, the commitments, shared validity (_checkMessages), the
    ///      forced queue, then the certificate; the commitments' chain ids are distinct, so checking one does not
    ///      depend on another's new head.
    /// @param _header        Links the batch to the previous one, gives its global sequence range, its view and
    ///                       how far it processed the forced queue.
    /// @param _rollups       One commitment per registered rollup, in registration order.
    /// @param _transactions  Compressed transaction payload. Only hashed here: it is in the calldata so that
    ///                       anyone can re-derive every rollup from L1 calldata alone.
    /// @param _certificate   Signatures of batchDigest(batchHash_) by a quorum of active members, the leader of
    ///                       _header.viewNumber among them.
    /// @return batchHash_ keccak256(abi.encode(_header, _rollups, keccak256(_transactions))).
    function submitBatch(
        BatchHeader calldata _header,
        RollupCommitment[] calldata _rollups,
        bytes calldata _transactions,
        Signature[] calldata _certificate
    ) external returns (bytes32 batchHash_) {
        _checkLink(_header);
        bytes32 transactionsHash = keccak256(_transactions);
        batchHash_ = keccak256(abi.encode(_header, _rollups, transactionsHash));
        _accept(_header, _rollups, transactionsHash, batchHash_, _certificate);
    }

    /// @notice Commits the next batch as submitBatch does, after registering new rollups at their genesis blocks: the
    ///         batch's commitments and its shared-validity check cover them from this batch on, the new ones last,
    ///         in the order given. The certificate covers the registrations (they are part of the batch hash).
    /// @dev The registrations are written before the commitments are checked, since those build on the new
    ///      rollups' genesis heads; a batch that fails any check reverts them with everything else.
    /// @param _header         As for submitBatch.
    /// @param _rollups        One commitment per rollup registered once _registrations are, in registration order.
    /// @param _transactions   As for submitBatch.
    /// @param _certificate    As for submitBatch, over this batch's hash.
    /// @param _registrations  The new rollups, in registration order: at least one, none registered yet, at most
    ///                        MAX_ROLLUPS registered in all.
    /// @return batchHash_ keccak256(abi.encode(_header, _rollups, keccak256(_transactions), _registrations)).
    function submitBatchRegistering(
        BatchHeader calldata _header,
        RollupCommitment[] calldata _rollups,
        bytes calldata _transactions,
        Signature[] calldata _certificate,
        RollupRegistration[] calldata _registrations
    ) external returns (bytes32 batchHash_) {
        _checkLink(_header);
        if (_registrations.length == 0) revert NoRollups();
        for (uint256 i = 0; i < _registrations.length; i++) {
            _register(_registrations[i].chainId, _registrations[i].genesisBlockHash, _registrations[i].genesisStateRoot);
        }
        bytes32 transactionsHash = keccak256(_transactions);
        batchHash_ = keccak256(abi.encode(_header, _rollups, transactionsHash, _registrations));
        _accept(_header, _rollups, transactionsHash, batchHash_, _certificate);
    }

    /// @notice Checks who submits a batch and how its header follows the last batch.
    /// @param _header  The batch's header.
    function _checkLink(BatchHeader calldata _header) internal view {
        if (!isMember(msg.sender)) revert NotSequencer(msg.sender);
        if (_header.number != batchCount + 1) revert BatchOutOfOrder(batchCount + 1, _header.number);
        if (_header.prevHash != lastBatchHash) revert PrevHashMismatch(lastBatchHash, _header.prevHash);
        if (_header.globalSeqStart != nextGlobalSeq) revert GlobalSeqGap(nextGlobalSeq, _header.globalSeqStart);
        if (_header.globalSeqEnd < _header.globalSeqStart) {
            revert InvalidGlobalSeqRange(_header.globalSeqStart, _header.globalSeqEnd);
        }
    }

    /// @notice Checks a batch's commitments, shared validity, forced queue and certificate, then commits it.
    /// @param _header            The batch's header, already checked by _checkLink.
    /// @param _rollups           One commitment per registered rollup, in registration order.
    /// @param _transactionsHash  keccak256 of the compressed transaction payload.
    /// @param _batchHash         The batch hash the certificate signs and the next batch names.
    /// @param _certificate       The committee's signatures of batchDigest(_batchHash).
    function _accept(
        BatchHeader calldata _header,
        RollupCommitment[] calldata _rollups,
        bytes32 _transactionsHash,
        bytes32 _batchHash,
        Signature[] calldata _certificate
    ) internal {
        if (_rollups.length != chainIds.length) revert RollupCountMismatch(chainIds.length, _rollups.length);

        uint64 txSum = 0;
        for (uint256 i = 0; i < _rollups.length; i++) {
            RollupCommitment calldata c = _rollups[i];
            if (c.chainId != chainIds[i]) revert RollupOrderMismatch(i, chainIds[i], c.chainId);
            RollupHead storage h = heads[c.chainId];
            if (c.fromBlock != h.blockNumber + 1) revert BlockRangeGap(c.chainId, h.blockNumber + 1, c.fromBlock);
            // fromBlock >= 1 here, so fromBlock - 1 cannot underflow, whereas toBlock + 1 could overflow.
            if (c.toBlock < c.fromBlock - 1) revert InvalidBlockRange(c.chainId, c.fromBlock, c.toBlock);
            uint64 blocks = c.toBlock - (c.fromBlock - 1);
            if (blocks > MAX_BLOCKS_PER_BATCH) revert BlockRangeTooLarge(c.chainId, MAX_BLOCKS_PER_BATCH, blocks);
            bool empty = c.toBlock == h.blockNumber; // i.e. toBlock == fromBlock - 1
            if (empty && (c.txCount != 0 || c.blockHash != h.blockHash || c.stateRoot != h.stateRoot)) {
                revert EmptyRangeChangedHead(c.chainId);
            }
            txSum += c.txCount;
        }
        uint64 seqCount = _header.globalSeqEnd - _header.globalSeqStart;
        if (txSum != seqCount) revert TxCountMismatch(seqCount, txSum);
        _checkMessages(_rollups);
        _checkForcedQueue(_header.forcedEnd);
        address[] memory signers = _checkCertificate(_batchHash, _header.viewNumber, _certificate);

        for (uint256 i = 0; i < _rollups.length; i++) {
            RollupCommitment calldata c = _rollups[i];
            if (c.toBlock == heads[c.chainId].blockNumber) continue;
            heads[c.chainId] = RollupHead(c.toBlock, c.blockHash, c.stateRoot);
            emit RollupHeadUpdated(c.chainId, _header.number, c.toBlock, c.blockHash, c.stateRoot);
        }
        batchHashes[_header.number] = _batchHash;
        lastBatchHash = _batchHash;
        batchCount = _header.number;
        nextGlobalSeq = _header.globalSeqEnd;
        nextForced = _header.forcedEnd;
        emit BatchSubmitted(_header.number, _batchHash, _header.globalSeqStart, _header.globalSeqEnd, _transactionsHash);
        emit BatchCertified(_header.number, _header.viewNumber, signers);
    }

    /// @notice Registers a rollup at its genesis block: from now on every batch carries a commitment for it.
    /// @param _chainId    Chain id of the rollup: not registered yet.
    /// @param _blockHash  Hash of the rollup's block 0.
    /// @param _stateRoot  State root of the rollup's block 0.
    function _register(uint64 _chainId, bytes32 _blockHash, bytes32 _stateRoot) internal {
        if (registered[_chainId]) revert DuplicateRollup(_chainId);
        if (chainIds.length >= MAX_ROLLUPS) revert TooManyRollups(MAX_ROLLUPS, chainIds.length + 1);
        registered[_chainId] = true;
        chainIds.push(_chainId);
        heads[_chainId] = RollupHead(0, _blockHash, _stateRoot);
        emit RollupRegistered(_chainId, _blockHash, _stateRoot);
    }

    /// @notice Checks shared validity: for every pair of rollups, the rolling hash of the messages i sent to j equals
    ///         the rolling hash of the messages j relayed from i. A message sent but not relayed, relayed but never
    ///         sent, or relayed in another order makes the pair differ.
    /// @param _rollups  The batch's commitments, already checked to be one per rollup in registration order.
    function _checkMessages(RollupCommitment[] calldata _rollups) internal pure {
        uint256 count = _rollups.length;
        for (uint256 i = 0; i < count; i++) {
            if (_rollups[i].sentMessages.length != count) revert MessageHashesLength(_rollups[i].chainId);
            if (_rollups[i].relayedMessages.length != count) revert MessageHashesLength(_rollups[i].chainId);
        }
        for (uint256 i = 0; i < count; i++) {
            for (uint256 j = 0; j < count; j++) {
                if (i == j) continue;
                if (_rollups[i].sentMessages[j] != _rollups[j].relayedMessages[i]) {
                    revert MessagesMismatch(_rollups[i].chainId, _rollups[j].chainId);
                }
            }
        }
    }

    /// @notice Reverts with UnknownRollup unless _chainId is registered.
    function _requireRollup(uint64 _chainId) internal view override {
        if (!registered[_chainId]) revert UnknownRollup(_chainId);
    }
}
