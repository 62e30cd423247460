// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ArbExecutor} from "../src/ArbExecutor.sol";

/// @notice The forge cheatcodes this script uses (no forge-std here; see test/utils/Vm.sol).
interface ScriptVm {
    function envOr(string calldata name, address defaultValue) external view returns (address);
    function startBroadcast() external;
    function stopBroadcast() external;
}

/// @notice Deploys the executor owned by $ARB_EXECUTOR_OWNER (default: the broadcasting account).
///         tools/forge script script/DeployArbExecutor.s.sol --rpc-url $RPC --private-key $KEY --broadcast
///         The owner then whitelists each factory: setFactory(factory, initCodeHash), and sets the trading key:
///         setExecutor(trader) (see README.md).
contract DeployArbExecutor {
    ScriptVm private constant vm = ScriptVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    function run() external returns (ArbExecutor executor) {
        address owner = vm.envOr("ARB_EXECUTOR_OWNER", msg.sender);
        vm.startBroadcast();
        executor = new ArbExecutor(owner);
        vm.stopBroadcast();
    }
}
