// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ArbExecutor} from "../src/ArbExecutor.sol";
import {DexWorld} from "./utils/DexWorld.sol";

/// @notice Gas of `execute` per route shape, for the engine's gas model (figures and model in GAS.md).
///         Run: forge test --match-contract ArbExecutorGasTest -vv
///         Each test measures one trade, so every account and slot is cold as in a real transaction; nothing is
///         read from the pools before the measured call (that would warm them).
contract ArbExecutorGasTest is DexWorld {
    // Amounts of A into the V3 pool that cross 0, 1 and 5 initialized ticks (checked below).
    uint256 internal constant V3_NO_CROSSING = 0.01e18;
    uint256 internal constant V3_ONE_CROSSING = 0.6e18;
    uint256 internal constant V3_FIVE_CROSSINGS = 2.5e18;

    function test_gas_v2v2_ownBalance() public {
        _measure("V2,V2 own balance", _sushiUniRoute(), 1e18, false);
    }

    function test_gas_v2v2_flash() public {
        _measure("V2,V2 flash", _sushiUniRoute(), 1e18, true);
    }

    function test_gas_v2v2v2_ownBalance() public {
        _measure("V2,V2,V2 own balance", _triangle(), 0.5e18, false);
    }

    function test_gas_v2v2v2_flash() public {
        _measure("V2,V2,V2 flash", _triangle(), 0.5e18, true);
    }

    function test_gas_v3v2_noCrossing_ownBalance() public {
        _measureV3(V3_NO_CROSSING, false, 0);
    }

    function test_gas_v3v2_noCrossing_flash() public {
        _measureV3(V3_NO_CROSSING, true, 0);
    }

    function test_gas_v3v2_oneCrossing_ownBalance() public {
        _measureV3(V3_ONE_CROSSING, false, 1);
    }

    function test_gas_v3v2_fiveCrossings_ownBalance() public {
        _measureV3(V3_FIVE_CROSSINGS, false, 5);
    }

    function test_gas_v2v3_ownBalance() public {
        tokenB.mint(address(executor), 10e18);
        _measure(
            "V2,V3 own balance",
            _route(_v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE), _v3Hop(tokenA, tokenB)),
            0.02e18,
            false
        );
    }

    function test_gas_v2v3_flash() public {
        _measure(
            "V2,V3 flash",
            _route(_v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE), _v3Hop(tokenA, tokenB)),
            0.02e18,
            true
        );
    }

    function _measureV3(uint256 amountIn, bool flash, uint256 crossings) internal {
        ArbExecutor.Hop[] memory hops = _route(_v3Hop(tokenA, tokenB), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE));
        string memory label = string.concat(
            "V3(", vm.toString(crossings), " crossings),V2 ", flash ? "flash" : "own balance"
        );
        _measure(label, hops, amountIn, flash);
        assertEq(_crossed(_v3Tick(), address(tokenA) < address(tokenB)), crossings, "initialized ticks crossed");
    }

    function _measure(string memory label, ArbExecutor.Hop[] memory hops, uint256 amountIn, bool flash) internal {
        uint256 deadline = block.number;
        vm.prank(trader);
        uint256 gasBefore = gasleft();
        uint256 profit = executor.execute(hops, amountIn, 1, deadline, flash);
        uint256 used = gasBefore - gasleft();
        assertTrue(profit > 0, "measured a profitable trade");
        log(label, used);
    }

    /// @dev The nested positions' edges sit at base -/+ k * spacing (k = 1..5); counts those the price passed.
    function _crossed(int24 tickAfter, bool zeroForOne) internal view returns (uint256 crossed) {
        for (int24 k = 1; k <= 5; ++k) {
            if (zeroForOne ? tickAfter < v3BaseTick - k * V3_TICK_SPACING : tickAfter >= v3BaseTick + k * V3_TICK_SPACING) {
                ++crossed;
            }
        }
    }

    function _triangle() internal view returns (ArbExecutor.Hop[] memory) {
        return _route(
            _v2Hop(sushiV2, tokenA, tokenB, UNI_V2_FEE),
            _v2Hop(uniV2, tokenB, tokenC, UNI_V2_FEE),
            _v2Hop(uniV2, tokenC, tokenA, UNI_V2_FEE)
        );
    }
}
