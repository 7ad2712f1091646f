// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Forwarder
/// @notice Test helper: calls any target with any data. As a relay's target it tries to start a relay from inside
///         a relay; installed as the code of the sequencer's account it stands for an EIP-7702 delegation.
contract Forwarder {
    /// @notice Thrown when the forwarded call reverts; returnData is the target's revert data.
    error ForwardFailed(bytes returnData);

    /// @notice Calls a target with some data.
    /// @param _target  Contract to call.
    /// @param _data    Calldata of the call.
    /// @return returnData_ What the target returned.
    function forward(address _target, bytes calldata _data) external returns (bytes memory returnData_) {
        bool success;
        (success, returnData_) = _target.call(_data);
        if (!success) revert ForwardFailed(returnData_);
    }
}
