// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A transaction anyone queued on L1 for a rollup, which batches must process by its deadline.
struct ForcedTransaction {
    uint64 chainId;
    uint64 deadline;
    bytes32 txHash;
    bytes signedTx;
}

/// @title ForcedInclusionQueue
/// @notice The forced-inclusion queue of a SharedInbox: anyone can queue a signed rollup transaction on L1, and once
///         forceInclusionDelay L1 blocks have passed, no batch may leave it unprocessed. Each batch states how far into
///         the queue it has processed (its forcedEnd), and nextForced follows it. If the committee stops posting, or
///         posts only batches that stop short of an overdue transaction (which the inbox refuses), anyone may call
///         forceInclusion to mark every overdue transaction processed, in queue order.
///         It does NOT parse or execute the transactions: whether a rollup applied them, where derivation says it
///         must, is checked off-chain by re-deriving the rollups from L1.
abstract contract ForcedInclusionQueue {
    /// @notice Largest signed transaction the queue takes, in bytes. Storing it costs about 720 gas a byte, so this
    ///         keeps forceInclude well under a transaction's 2^24 gas cap (EIP-7825): about 12M gas at the limit.
    uint256 public constant MAX_FORCED_TRANSACTION_SIZE = 16_384;

    /// @notice L1 blocks a queued transaction may wait before batches must have processed it.
    uint64 public immutable forceInclusionDelay;

    /// @notice Index of the first queued transaction no batch (nor forceInclusion) has processed.
    uint64 public nextForced;

    /// @notice The queue, in the order transactions were queued; deadlines never decrease along it.
    ForcedTransaction[] internal forcedQueue;

    /// @notice Emitted when a transaction is queued.
    /// @param index     Its position in the queue.
    /// @param chainId   Chain id of the rollup it is for.
    /// @param txHash    keccak256 of the signed transaction.
    /// @param deadline  Last L1 block at which a batch may still leave it unprocessed.
    event ForcedTransactionQueued(uint256 indexed index, uint256 indexed chainId, bytes32 txHash, uint256 deadline);

    /// @notice Emitted when forceInclusion marks the overdue transactions [fromIndex, toIndex) processed.
    /// @param fromIndex  The first one.
    /// @param toIndex    One past the last one.
    event ForcedInclusion(uint256 fromIndex, uint256 toIndex);

    /// @notice Thrown when the constructor is given a zero forced-inclusion delay.
    error ZeroForceInclusionDelay();

    /// @notice Thrown when an empty transaction is queued.
    error EmptyForcedTransaction();

    /// @notice Thrown when a transaction larger than MAX_FORCED_TRANSACTION_SIZE is queued.
    error ForcedTransactionTooLarge(uint256 max, uint256 got);

    /// @notice Thrown when a batch's forcedEnd is below nextForced: it would unprocess queued transactions.
    error ForcedQueueRewound(uint64 expected, uint64 got);

    /// @notice Thrown when a batch's forcedEnd is past the end of the queue.
    error ForcedQueueOverrun(uint64 length, uint64 got);

    /// @notice Thrown when a batch leaves unprocessed the queued transaction at index, which is overdue.
    error ForcedInclusionOverdue(uint256 index);

    /// @notice Thrown when forceInclude is given a chain id no rollup can have (rollup chain ids are 64-bit).
    error ChainIdTooLarge(uint256 chainId);

    /// @notice Thrown when forceInclusion is called while the next unprocessed transaction is not overdue, or there
    ///         is none.
    error NothingOverdue();

    /// @notice Fixes the delay.
    /// @param _forceInclusionDelay  L1 blocks a queued transaction may wait; at least 1.
    constructor(uint64 _forceInclusionDelay) {
        if (_forceInclusionDelay == 0) revert ZeroForceInclusionDelay();
        forceInclusionDelay = _forceInclusionDelay;
    }

    /// @notice Queues a signed transaction for a rollup. Anyone may call it.
    /// @param _chainId   Chain id of the rollup; must be registered.
    /// @param _signedTx  The signed transaction, as eth_sendRawTransaction takes it; not parsed here.
    /// @return index_ Its position in the queue.
    function forceInclude(uint256 _chainId, bytes calldata _signedTx) external returns (uint256 index_) {
        if (_chainId > type(uint64).max) revert ChainIdTooLarge(_chainId);
        uint64 chainId = uint64(_chainId);
        _requireRollup(chainId);
        if (_signedTx.length == 0) revert EmptyForcedTransaction();
        if (_signedTx.length > MAX_FORCED_TRANSACTION_SIZE) {
            revert ForcedTransactionTooLarge(MAX_FORCED_TRANSACTION_SIZE, _signedTx.length);
        }

        index_ = forcedQueue.length;
        uint64 deadline = uint64(block.number) + forceInclusionDelay;
        bytes32 txHash = keccak256(_signedTx);
        forcedQueue.push(ForcedTransaction(chainId, deadline, txHash, _signedTx));
        emit ForcedTransactionQueued(index_, chainId, txHash, deadline);
    }

    /// @notice Returns how many transactions were ever queued.
    /// @return length_ The queue's length.
    function forcedQueueLength() external view returns (uint256 length_) {
        length_ = forcedQueue.length;
    }

    /// @notice Returns a queued transaction; reverts (panic 0x32) past the end of the queue.
    /// @param _index  Its position in the queue.
    /// @return chainId_   Chain id of the rollup it is for.
    /// @return deadline_  Last L1 block at which a batch may still leave it unprocessed.
    /// @return txHash_    keccak256 of the signed transaction.
    /// @return signedTx_  The signed transaction.
    function forcedTransaction(uint256 _index)
        external
        view
        returns (uint64 chainId_, uint64 deadline_, bytes32 txHash_, bytes memory signedTx_)
    {
        ForcedTransaction storage entry = forcedQueue[_index];
        chainId_ = entry.chainId;
        deadline_ = entry.deadline;
        txHash_ = entry.txHash;
        signedTx_ = entry.signedTx;
    }

    /// @notice Marks every overdue queued transaction processed, so that batches may go on without them having
    ///         been posted by the committee. Anyone may call it once the next unprocessed transaction is overdue.
    /// @return fromIndex_ The first transaction marked processed (nextForced before the call).
    /// @return toIndex_   One past the last one (nextForced after the call).
    function forceInclusion() external returns (uint64 fromIndex_, uint64 toIndex_) {
        fromIndex_ = nextForced;
        if (fromIndex_ == forcedQueue.length) revert NothingOverdue();
        if (!_isOverdue(fromIndex_)) revert NothingOverdue();

        // Deadlines never decrease along the queue, so the overdue transactions are a prefix: binary search for the
        // first one that is not overdue (or the end), in O(log n) reads however long the queue has grown.
        uint256 low = fromIndex_ + 1;
        uint256 high = forcedQueue.length;
        while (low < high) {
            uint256 middle = (low + high) / 2;
            if (_isOverdue(middle)) low = middle + 1;
            else high = middle;
        }
        toIndex_ = uint64(low);
        nextForced = toIndex_;
        emit ForcedInclusion(fromIndex_, toIndex_);
    }

    /// @notice Checks a batch's forcedEnd: not behind nextForced, not past the queue, and not short of an overdue
    ///         transaction.
    /// @param _forcedEnd  Queue index the batch has processed up to (exclusive).
    function _checkForcedQueue(uint64 _forcedEnd) internal view {
        if (_forcedEnd < nextForced) revert ForcedQueueRewound(nextForced, _forcedEnd);
        if (_forcedEnd > forcedQueue.length) revert ForcedQueueOverrun(uint64(forcedQueue.length), _forcedEnd);
        if (_forcedEnd < forcedQueue.length && _isOverdue(_forcedEnd)) revert ForcedInclusionOverdue(_forcedEnd);
    }

    /// @notice Whether the queued transaction at _index is past its deadline.
    function _isOverdue(uint256 _index) internal view returns (bool overdue_) {
        overdue_ = block.number > forcedQueue[_index].deadline;
    }

    /// @notice Reverts unless _chainId is a registered rollup.
    function _requireRollup(uint64 _chainId) internal view virtual;
}
