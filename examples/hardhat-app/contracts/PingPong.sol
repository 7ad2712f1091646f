// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IL2ToL2CrossDomainMessenger} from "xrollup/contracts/rollup/interfaces/IL2ToL2CrossDomainMessenger.sol";
import {Predeploys} from "xrollup/contracts/rollup/Predeploys.sol";

/// @title PingPong
/// @notice Deployed at the same address on several rollups: a ping on one rollup (the trigger) is counted as a
///         pong on another (the action), in the same slot of the shared sequencer. A pong that reverts reverts
///         the ping too.
contract PingPong {
    /// @notice The cross-rollup messenger, at its predeploy address on every rollup.
    IL2ToL2CrossDomainMessenger internal constant MESSENGER =
        IL2ToL2CrossDomainMessenger(Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER);

    /// @notice The largest ball a pong accepts.
    uint256 public constant MAX_BALL = 100;

    /// @notice Pongs received, by source chain id.
    mapping(uint256 => uint256) public pongs;

    /// @notice The last ball received, by source chain id.
    mapping(uint256 => uint256) public lastBall;

    /// @notice Emitted when a ping is sent.
    /// @param destination  Chain id the ball goes to.
    /// @param ball         The ball.
    event Pinged(uint256 indexed destination, uint256 ball);

    /// @notice Emitted when a pong is counted.
    /// @param source  Chain id the ball came from.
    /// @param ball    The ball.
    event Ponged(uint256 indexed source, uint256 ball);

    /// @notice Thrown when `pong` is called by anyone but the messenger.
    error NotMessenger(address caller);

    /// @notice Thrown when a message comes from another contract than this one's counterpart.
    error NotCounterpart(address sender);

    /// @notice Thrown when a ball is larger than `MAX_BALL`.
    error BallTooBig(uint256 ball, uint256 max);

    /// @notice Trigger: sends `_ball` to this contract's counterpart on `_destination`.
    /// @param _destination  Chain id of the rollup to ping.
    /// @param _ball         The ball; more than `MAX_BALL` makes the pong, and so this ping, revert.
    function ping(uint256 _destination, uint256 _ball) external {
        MESSENGER.sendMessage(_destination, address(this), abi.encodeCall(this.pong, (_ball)));
        emit Pinged(_destination, _ball);
    }

    /// @notice Action: counts a ball from this contract's counterpart on another rollup.
    /// @param _ball  The ball.
    function pong(uint256 _ball) external {
        if (msg.sender != address(MESSENGER)) revert NotMessenger(msg.sender);
        (address sender, uint256 source) = MESSENGER.crossDomainMessageContext();
        if (sender != address(this)) revert NotCounterpart(sender);
        if (_ball > MAX_BALL) revert BallTooBig(_ball, MAX_BALL);
        pongs[source] += 1;
        lastBall[source] = _ball;
        emit Ponged(source, _ball);
    }
}
