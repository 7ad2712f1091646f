// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "./ERC20.sol";

/// @title DemoToken
/// @notice A plain ERC-20 whose whole supply goes to its deployer.
contract DemoToken is ERC20 {
    /// @param _name           Name of the token.
    /// @param _symbol         Symbol of the token.
    /// @param _initialSupply  Amount minted to the deployer.
    constructor(string memory _name, string memory _symbol, uint256 _initialSupply) ERC20(_name, _symbol) {
        _mint(msg.sender, _initialSupply);
    }
}
