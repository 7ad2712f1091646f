// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice An ECDSA signature; v is 27 or 28.
struct Signature {
    uint8 v;
    bytes32 r;
    bytes32 s;
}

/// @notice A leader's proposal of a slot's transaction order: what members sign, and what proves equivocation.
/// @dev viewNumber, not view: `view` is a Solidity keyword.
struct SlotProposal {
    uint64 slot;
    uint64 viewNumber;
    bytes32 orderHash;
}

/// @title SequencerCommittee
/// @notice The sequencer committee of a SharedInbox: its members in rotation order, the leader of each view, the
///         quorum a batch certificate needs, and the removal of a member proven to have signed two orders for one
///         slot. A quorum is n - f signatures of the n active members, f = (n - 1) / 3 rounded down: with at most f
///         faulty members, two quorums always share an honest member. Members sign raw digests (no EIP-191 prefix)
///         bound to L1's chain id and the inbox's address, so a signature counts for one inbox only.
///         It does NOT stake, slash or add members: an equivocating member only loses its seat, and the committee
///         only shrinks.
abstract contract SequencerCommittee {
    /// @notice Most members a committee may have: a certificate's signers are tracked in a 64-bit bitmap.
    uint256 public constant MAX_MEMBERS = 64;

    /// @notice Largest s of a non-malleable secp256k1 signature (half the curve order, EIP-2).
    uint256 internal constant MAX_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice Domain of a batch certificate's digest.
    bytes32 internal constant BATCH_TYPEHASH = keccak256("xrollup.Batch");

    /// @notice Domain of a slot proposal's digest.
    bytes32 internal constant PROPOSAL_TYPEHASH = keccak256("xrollup.SlotProposal");

    /// @notice Active members, in rotation order.
    address[] internal activeMembers;

    /// @notice Members as deployed, in rotation order.
    address[] internal initialMembers;

    /// @notice 1 + a member's index in activeMembers; 0 for an account that is not an active member.
    mapping(address => uint256) internal memberPosition;

    /// @notice Emitted once, at deployment.
    /// @param members  The committee, in rotation order.
    event CommitteeRegistered(address[] members);

    /// @notice Emitted when a member is removed for signing two orders for one slot and view.
    /// @param member      The removed member.
    /// @param slot        Slot of the conflicting proposals.
    /// @param viewNumber  View of the conflicting proposals.
    event MemberRemoved(address indexed member, uint64 slot, uint64 viewNumber);

    /// @notice Thrown when the constructor is given no member.
    error NoMembers();

    /// @notice Thrown when the constructor is given more than MAX_MEMBERS members.
    error TooManyMembers(uint256 max, uint256 got);

    /// @notice Thrown when the constructor is given the zero address as a member.
    error ZeroMember();

    /// @notice Thrown when the constructor is given the same member twice.
    error DuplicateMember(address member);

    /// @notice Thrown when a signature's s is in the upper half of the curve order, or it recovers to no address.
    error InvalidSignature(uint256 index);

    /// @notice Thrown when a signature recovers to an account that is not an active member.
    error NotMember(address signer);

    /// @notice Thrown when a certificate carries two signatures of the same member.
    error DuplicateSigner(address signer);

    /// @notice Thrown when a certificate carries fewer signatures than the quorum.
    error InsufficientSignatures(uint256 required, uint256 got);

    /// @notice Thrown when a certificate lacks the signature of its view's leader.
    error LeaderSignatureMissing(uint64 viewNumber, address leader);

    /// @notice Thrown when an equivocation proof's two proposals have the same order hash.
    error NotConflicting();

    /// @notice Thrown when an equivocation proof's two proposals differ in slot or view.
    error DifferentSlots();

    /// @notice Thrown when an equivocation proof's two proposals are signed by different accounts.
    error DifferentSigners(address a, address b);

    /// @notice Thrown when an equivocation proof would remove the last member.
    error LastMember(address member);

    /// @notice Registers the committee.
    /// @param _members  The members, in rotation order.
    constructor(address[] memory _members) {
        if (_members.length == 0) revert NoMembers();
        if (_members.length > MAX_MEMBERS) revert TooManyMembers(MAX_MEMBERS, _members.length);
        for (uint256 i = 0; i < _members.length; i++) {
            address member = _members[i];
            if (member == address(0)) revert ZeroMember();
            if (memberPosition[member] != 0) revert DuplicateMember(member);
            memberPosition[member] = i + 1;
        }
        activeMembers = _members;
        initialMembers = _members;
        emit CommitteeRegistered(_members);
    }

    /// @notice Lists the active members in rotation order.
    /// @return members_ The members.
    function members() external view returns (address[] memory members_) {
        members_ = activeMembers;
    }

    /// @notice Lists the members as deployed, removed ones included: derivation starts from them.
    /// @return members_ The members.
    function genesisMembers() external view returns (address[] memory members_) {
        members_ = initialMembers;
    }

    /// @notice Tells whether an account is an active member.
    /// @param _account  The account.
    /// @return isMember_ Whether it is.
    function isMember(address _account) public view returns (bool isMember_) {
        isMember_ = memberPosition[_account] != 0;
    }

    /// @notice Returns how many signatures a certificate needs: n - (n - 1) / 3 of the n active members.
    /// @return quorum_ The quorum.
    function quorum() public view returns (uint256 quorum_) {
        uint256 n = activeMembers.length;
        quorum_ = n - (n - 1) / 3;
    }

    /// @notice Returns the leader of a view: active members take turns in rotation order.
    /// @param _view  The view.
    /// @return leader_ members()[_view % n].
    function leaderOf(uint64 _view) public view returns (address leader_) {
        leader_ = activeMembers[_view % activeMembers.length];
    }

    /// @notice Returns the digest members sign to certify a batch.
    /// @param _batchHash  The batch hash, see SharedInbox.submitBatch.
    /// @return digest_ keccak256(abi.encode(keccak256("xrollup.Batch"), chain id, this inbox, _batchHash)).
    function batchDigest(bytes32 _batchHash) public view returns (bytes32 digest_) {
        digest_ = keccak256(abi.encode(BATCH_TYPEHASH, block.chainid, address(this), _batchHash));
    }

    /// @notice Returns the digest a member signs to propose or vote for a slot's order.
    /// @param _proposal  The proposal.
    /// @return digest_ keccak256(abi.encode(keccak256("xrollup.SlotProposal"), chain id, this inbox, slot, view,
    ///                 orderHash)).
    function proposalDigest(SlotProposal calldata _proposal) public view returns (bytes32 digest_) {
        digest_ = keccak256(
            abi.encode(
                PROPOSAL_TYPEHASH,
                block.chainid,
                address(this),
                _proposal.slot,
                _proposal.viewNumber,
                _proposal.orderHash
            )
        );
    }

    /// @notice Removes a member that signed two different orders for the same slot and view. Anyone may call it.
    ///         The others keep their rotation order; the quorum and the leaders follow the smaller committee.
    /// @param _a     One proposal.
    /// @param _sigA  The member's signature of proposalDigest(_a).
    /// @param _b     The conflicting proposal.
    /// @param _sigB  The member's signature of proposalDigest(_b).
    function proveEquivocation(
        SlotProposal calldata _a,
        Signature calldata _sigA,
        SlotProposal calldata _b,
        Signature calldata _sigB
    ) external {
        if (_a.slot != _b.slot) revert DifferentSlots();
        if (_a.viewNumber != _b.viewNumber) revert DifferentSlots();
        if (_a.orderHash == _b.orderHash) revert NotConflicting();
        address signerA = _recover(proposalDigest(_a), _sigA, 0);
        address signerB = _recover(proposalDigest(_b), _sigB, 1);
        if (signerA != signerB) revert DifferentSigners(signerA, signerB);
        if (!isMember(signerA)) revert NotMember(signerA);
        if (activeMembers.length == 1) revert LastMember(signerA);

        _removeMember(signerA);
        emit MemberRemoved(signerA, _a.slot, _a.viewNumber);
    }

    /// @notice Checks a batch certificate: distinct active members, at least a quorum of them, the view's leader
    ///         among them, each signing batchDigest(_batchHash).
    /// @param _batchHash    The batch hash.
    /// @param _view         The view of the leader that proposed the batch.
    /// @param _certificate  The signatures.
    /// @return signers_ The signers, in certificate order.
    function _checkCertificate(bytes32 _batchHash, uint64 _view, Signature[] calldata _certificate)
        internal
        view
        returns (address[] memory signers_)
    {
        bytes32 digest = batchDigest(_batchHash);
        signers_ = new address[](_certificate.length);
        // Bit i is set once active member i has signed.
        uint256 signed = 0;
        for (uint256 i = 0; i < _certificate.length; i++) {
            address signer = _recover(digest, _certificate[i], i);
            uint256 position = memberPosition[signer];
            if (position == 0) revert NotMember(signer);
            uint256 bit = 1 << (position - 1);
            if (signed & bit != 0) revert DuplicateSigner(signer);
            signed |= bit;
            signers_[i] = signer;
        }
        uint256 required = quorum();
        if (_certificate.length < required) revert InsufficientSignatures(required, _certificate.length);
        uint256 leaderIndex = _view % activeMembers.length;
        if (signed & (1 << leaderIndex) == 0) revert LeaderSignatureMissing(_view, activeMembers[leaderIndex]);
    }

    /// @notice Recovers the signer of a digest; reverts with InvalidSignature(_index) for a malleable s or no signer.
    function _recover(bytes32 _digest, Signature calldata _signature, uint256 _index)
        internal
        pure
        returns (address signer_)
    {
        if (uint256(_signature.s) > MAX_S) revert InvalidSignature(_index);
        signer_ = ecrecover(_digest, _signature.v, _signature.r, _signature.s);
        if (signer_ == address(0)) revert InvalidSignature(_index);
    }

    /// @notice Removes an active member, shifting the ones after it down so rotation order is kept.
    function _removeMember(address _member) internal {
        uint256 count = activeMembers.length;
        for (uint256 i = memberPosition[_member]; i < count; i++) {
            address next = activeMembers[i];
            activeMembers[i - 1] = next;
            memberPosition[next] = i;
        }
        activeMembers.pop();
        delete memberPosition[_member];
    }
}
