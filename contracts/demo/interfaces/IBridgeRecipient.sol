// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IBridgeRecipient
/// @notice What a contract implements to receive bridged tokens with data (BridgedToken.bridgeAndCall): the token
///         mints to it on the destination rollup, then calls onTokenBridged and nothing else. A fixed callback, not
///         arbitrary calldata, so that a bridge cannot make the token call the messenger, another token or any
///         contract that does not expect it with the token's authority (ERC-721's onERC721Received, for bridges).
/// @dev Anyone can call onTokenBridged: an implementation checks that msg.sender is the token it expects. The amount
///      is what that token has just minted to it; the data is whatever the sender on the source rollup chose.
interface IBridgeRecipient {
    /// @notice Called by the token on the destination rollup right after it minted bridged tokens to this contract.
    /// @param _from    Account whose tokens were burnt on the source rollup.
    /// @param _amount  Amount just minted to this contract.
    /// @param _data    Data the sender passed to bridgeAndCall on the source rollup.
    /// @return selector_ IBridgeRecipient.onTokenBridged.selector, to accept the tokens; anything else refuses them.
    function onTokenBridged(address _from, uint256 _amount, bytes calldata _data) external returns (bytes4 selector_);
}
