// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "./ERC20.sol";
import {Predeploys} from "../rollup/Predeploys.sol";
import {ISequencedMessenger} from "../rollup/interfaces/ISequencedMessenger.sol";
import {IBridgeRecipient} from "./interfaces/IBridgeRecipient.sol";

/// @title BridgedToken
/// @notice An ERC-20 deployed at the same address on every rollup, that moves between rollups by being burnt on the
///         source and minted on the destination through the messenger, optionally calling the recipient there.
/// @dev The twin on every rollup trusts what this token sends, so the token never makes a call chosen by a user:
///      the only call after a mint is IBridgeRecipient.onTokenBridged on the recipient. An arbitrary call would
///      let anyone bridge to the messenger with a sendMessage of relayMint as data, a message the twins accept
///      as the token's own, and mint at will.
contract BridgedToken is ERC20 {
    /// @notice The predeployed messenger.
    ISequencedMessenger internal constant MESSENGER = ISequencedMessenger(Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER);

    /// @notice Emitted on the source rollup when tokens leave it.
    /// @param from         Account whose tokens were burnt.
    /// @param to           Recipient on the destination rollup.
    /// @param amount       Amount bridged.
    /// @param destination  Chain id of the destination rollup.
    event Bridged(address indexed from, address indexed to, uint256 amount, uint256 indexed destination);

    /// @notice Emitted on the destination rollup when bridged tokens are minted.
    /// @param from    Account whose tokens were burnt on the source rollup.
    /// @param to      Recipient.
    /// @param amount  Amount minted.
    /// @param source  Chain id of the source rollup.
    event RelayMinted(address indexed from, address indexed to, uint256 amount, uint256 indexed source);

    /// @notice Thrown when relayMint is called by anyone but the messenger.
    error NotMessenger(address caller);

    /// @notice Thrown when a relayed relayMint was not sent by this token on the source rollup.
    error NotFromCounterpart(address sender);

    /// @notice Thrown when the call to the recipient after minting fails.
    error CallFailed(address to, bytes returnData);

    /// @notice Thrown when the recipient does not answer onTokenBridged with its selector: it is not an
    ///         IBridgeRecipient (an account without code, or a contract with a fallback), or it refuses the tokens.
    error NotBridgeRecipient(address to, bytes returnData);

    /// @param _name           Name of the token.
    /// @param _symbol         Symbol of the token.
    /// @param _initialSupply  Amount minted to the deployer.
    constructor(string memory _name, string memory _symbol, uint256 _initialSupply) ERC20(_name, _symbol) {
        _mint(msg.sender, _initialSupply);
    }

    /// @notice Burns the caller's tokens here and has them minted to a recipient on another rollup, then, if there
    ///         is data, the recipient's IBridgeRecipient.onTokenBridged called with it there.
    /// @param _destination  Chain id of the destination rollup.
    /// @param _to           Recipient on the destination rollup; an IBridgeRecipient if there is data.
    /// @param _amount       Amount to bridge.
    /// @param _data         Data for the recipient's onTokenBridged after the mint; empty for no call.
    /// @param _gasLimit     Gas for the mint and the call on the destination rollup.
    /// @return messageHash_ Hash of the message to the destination rollup.
    function bridgeAndCall(uint256 _destination, address _to, uint256 _amount, bytes calldata _data, uint256 _gasLimit)
        external
        returns (bytes32 messageHash_)
    {
        _burn(msg.sender, _amount);
        emit Bridged(msg.sender, _to, _amount, _destination);
        messageHash_ = MESSENGER.sendMessageWithGasLimit(
            _destination, address(this), abi.encodeCall(this.relayMint, (msg.sender, _to, _amount, _data)), _gasLimit
        );
    }

    /// @notice Mints bridged tokens, then, if there is data, calls the recipient's onTokenBridged with it, which
    ///         must return its selector. Only through the messenger, from this token on another rollup.
    /// @param _from    Account whose tokens were burnt on the source rollup.
    /// @param _to      Recipient.
    /// @param _amount  Amount to mint.
    /// @param _data    Data for the recipient's onTokenBridged; empty for no call.
    function relayMint(address _from, address _to, uint256 _amount, bytes calldata _data) external {
        if (msg.sender != address(MESSENGER)) revert NotMessenger(msg.sender);
        (address sender, uint256 source) = MESSENGER.crossDomainMessageContext();
        if (sender != address(this)) revert NotFromCounterpart(sender);

        _mint(_to, _amount);
        emit RelayMinted(_from, _to, _amount, source);
        if (_data.length == 0) return;
        // A low-level call rather than IBridgeRecipient(_to).onTokenBridged(...), so that every failure names the
        // recipient: its revert wrapped in CallFailed, and an account without code or an answer other than the
        // selector (a fallback) NotBridgeRecipient, where a high-level call would revert bare.
        (bool success, bytes memory returnData) =
            _to.call(abi.encodeCall(IBridgeRecipient.onTokenBridged, (_from, _amount, _data)));
        if (!success) revert CallFailed(_to, returnData);
        if (returnData.length != 32) revert NotBridgeRecipient(_to, returnData);
        if (bytes32(returnData) != bytes32(IBridgeRecipient.onTokenBridged.selector)) {
            revert NotBridgeRecipient(_to, returnData);
        }
    }
}
