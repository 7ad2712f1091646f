// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Predeploys
/// @notice Addresses of the system contracts the devnet installs on every rollup at genesis.
library Predeploys {
    /// @notice The messenger that sends and relays messages between the devnet's rollups (the Superchain address).
    address internal constant L2_TO_L2_CROSS_DOMAIN_MESSENGER = 0x4200000000000000000000000000000000000023;
}
