// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestToken} from "./TestToken.sol";

/// @notice A token with a transfer hook (like ERC-777 or a malicious token): once armed, its next transfer makes
///         one arbitrary call, and records how that call ended. Tests use it to re-enter the executor mid-trade.
contract HookToken is TestToken {
    address public target;
    bytes public payload;
    bool public called;
    bool public callSucceeded;
    bytes public callResult;

    constructor(string memory symbol_) TestToken(symbol_) {}

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function _move(address from, address to, uint256 amount) internal override {
        super._move(from, to, amount);
        address callee = target;
        if (callee == address(0)) return;
        target = address(0);
        called = true;
        (callSucceeded, callResult) = callee.call(payload);
    }
}
