// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "./Vm.sol";

/// @notice Assertions and helpers without forge-std: a failed assertion reverts with a message, which forge
///         reports as a failed test.
abstract contract TestBase {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    address private constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function assertEq(uint256 actual, uint256 expected, string memory what) internal pure {
        if (actual != expected) {
            revert(string.concat(what, ": ", vm.toString(actual), " != expected ", vm.toString(expected)));
        }
    }

    function assertEq(address actual, address expected, string memory what) internal pure {
        if (actual != expected) {
            revert(string.concat(what, ": ", vm.toString(actual), " != expected ", vm.toString(expected)));
        }
    }

    function assertEq(bytes memory actual, bytes memory expected, string memory what) internal pure {
        if (keccak256(actual) != keccak256(expected)) {
            revert(string.concat(what, ": ", vm.toString(actual), " != expected ", vm.toString(expected)));
        }
    }

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert(string.concat("assertion failed: ", what));
    }

    /// @dev Maps any fuzz input into [min, max] uniformly enough for bounded fuzzing.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + x % (max - min + 1);
    }

    /// @dev console.log(string, uint256) through forge's console address (shown with -vv).
    function log(string memory label, uint256 value) internal view {
        (bool ok,) = CONSOLE.staticcall(abi.encodeWithSignature("log(string,uint256)", label, value));
        ok;
    }
}
