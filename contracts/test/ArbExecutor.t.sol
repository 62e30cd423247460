// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ArbExecutor} from "../src/ArbExecutor.sol";
import {DexWorld, IUniswapV2FactoryForTests, IUniswapV3FactoryForTests} from "./utils/DexWorld.sol";
import {TestToken} from "./utils/TestToken.sol";

/// @notice Profitable routes execute on the real Uniswap V2 / V3 and PancakeSwap bytecode, from the executor's
///         balance and flash-funded, and the realized profit is exactly what the pool state predicts.
contract ArbExecutorRoutesTest is DexWorld {
    // Mainnet Uniswap's constants. The npm builds reproduce them; forks (PancakeSwap) do not, hence the
    // per-factory configuration.
    bytes32 internal constant MAINNET_V2_PAIR_HASH = 0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f;
    bytes32 internal constant MAINNET_V3_POOL_HASH = 0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54;

    function test_initCodeHashes_reproduceTheFactoriesAddresses() public view {
        (address t0, address t1) = _sorted(address(tokenA), address(tokenB));
        address[3] memory v2Factories = [uniV2, sushiV2, pancakeV2];
        for (uint256 i; i < 3; ++i) {
            address pair = IUniswapV2FactoryForTests(v2Factories[i]).getPair(address(tokenA), address(tokenB));
            bytes32 salt = keccak256(abi.encodePacked(t0, t1));
            assertEq(_create2(v2Factories[i], salt, executor.initCodeHashOf(v2Factories[i])), pair, "V2 pair address");
        }
        address pool = IUniswapV3FactoryForTests(uniV3).getPool(t0, t1, V3_FEE);
        bytes32 v3Salt = keccak256(abi.encode(t0, t1, V3_FEE));
        assertEq(_create2(uniV3, v3Salt, executor.initCodeHashOf(uniV3)), pool, "V3 pool address");
        assertTrue(executor.initCodeHashOf(uniV2) == MAINNET_V2_PAIR_HASH, "npm V2 pair hash is mainnet's");
        assertTrue(executor.initCodeHashOf(uniV3) == MAINNET_V3_POOL_HASH, "npm V3 pool hash is mainnet's");
        assertTrue(executor.initCodeHashOf(pancakeV2) != MAINNET_V2_PAIR_HASH, "the fork hashes differently");
    }

    // ------------------------------------------------------------ two V2 DEXes

    function test_v2v2_ownBalance_profitIsTheClosedForm() public {
        _checkV2Route(_sushiUniRoute(), 1e18, false);
    }

    function test_v2v2_flash_needsNoCapital() public {
        vm.prank(owner);
        executor.withdraw(address(tokenA), owner, EXECUTOR_FUNDS);
        uint256 profit = _checkV2Route(_sushiUniRoute(), 1e18, true);
        assertEq(tokenA.balanceOf(address(executor)), profit, "flash profit kept from a zero balance");
    }

    function test_v2v2_emitsTradeExecutedWithTheProfit() public {
        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        uint256 expected = _expectedV2Out(hops, 2e18) - 2e18;
        vm.expectEmit(true, false, false, true, address(executor));
        emit ArbExecutor.TradeExecuted(address(tokenA), 2e18, expected, true);
        _execute(hops, 2e18, 0, true);
    }

    /// @dev PancakeSwap's real bytecode: 0.20 % fee and the `pancakeCall` flash callback.
    function test_pancakeFork_ownBalanceAndFlash() public {
        ArbExecutor.Hop[] memory hops =
            _route(_v2Hop(pancakeV2, tokenA, tokenB, PANCAKE_FEE), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE));
        _checkV2Route(hops, 0.3e18, false);
        _checkV2Route(hops, 0.3e18, true);
    }

    function test_threeHopV2_ownBalanceAndFlash() public {
        ArbExecutor.Hop[] memory hops = _triangleV2();
        _checkV2Route(hops, 0.5e18, false);
        _checkV2Route(hops, 0.5e18, true);
    }

    // ------------------------------------------------------------------- V2/V3

    function test_v3v2_ownBalanceAndFlash() public {
        ArbExecutor.Hop[] memory hops =
            _route(_v3Hop(tokenA, tokenB), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE));
        _checkMixedRoute(hops, 2e18, false);
        _checkMixedRoute(hops, 2e18, true);
    }

    /// @dev V2 first: a V2 flash loan lands in the executor, which then pays the V3 pool in its callback.
    function test_v2v3_ownBalanceAndFlash() public {
        tokenB.mint(address(executor), 10e18);
        ArbExecutor.Hop[] memory hops =
            _route(_v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE), _v3Hop(tokenA, tokenB));
        _checkMixedRoute(hops, 2e18, false);
        _checkMixedRoute(hops, 2e18, true);
    }

    function test_threeHopMixed_ownBalanceAndFlash() public {
        ArbExecutor.Hop[] memory hops = _route(
            _v3Hop(tokenA, tokenB), _v2Hop(uniV2, tokenB, tokenC, UNI_V2_FEE), _v2Hop(uniV2, tokenC, tokenA, UNI_V2_FEE)
        );
        _checkMixedRoute(hops, 0.5e18, false);
        _checkMixedRoute(hops, 0.5e18, true);
    }

    function test_fourHops() public {
        // A -V3-> B -uni-> A -sushi-> B -uni-> A: two profitable legs chained.
        ArbExecutor.Hop[] memory hops = new ArbExecutor.Hop[](4);
        hops[0] = _v3Hop(tokenA, tokenB);
        hops[1] = _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE);
        hops[2] = _v2Hop(sushiV2, tokenA, tokenB, UNI_V2_FEE);
        hops[3] = _v2Hop(pancakeV2, tokenB, tokenA, PANCAKE_FEE);
        uint256 amountIn = 1e18;
        uint256 out = _v3AmountOut(hops[0], amountIn);
        out = _v2AmountOut(hops[1], out, 997);
        out = _v2AmountOut(hops[2], out, 997);
        out = _v2AmountOut(hops[3], out, 998);
        assertEq(_execute(hops, amountIn, out - amountIn, true), out - amountIn, "4-hop profit");
    }

    // ------------------------------------------------------------ unprofitable

    function test_unprofitableRoute_revertsWithTheLoss() public {
        // The gap traded the wrong way: A -uni-> B -sushi-> A.
        ArbExecutor.Hop[] memory hops =
            _route(_v2Hop(uniV2, tokenA, tokenB, UNI_V2_FEE), _v2Hop(sushiV2, tokenB, tokenA, UNI_V2_FEE));
        uint256 out = _expectedV2Out(hops, 1e18);
        int256 loss = int256(out) - 1e18;
        assertTrue(loss < 0, "route loses");
        for (uint256 flash; flash < 2; ++flash) {
            vm.expectRevert(abi.encodeWithSelector(ArbExecutor.InsufficientProfit.selector, loss, 0));
            _execute(hops, 1e18, 0, flash == 1);
        }
    }

    function test_profitBelowMinProfit_reverts() public {
        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        uint256 profit = _expectedV2Out(hops, 1e18) - 1e18;
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.InsufficientProfit.selector, int256(profit), profit + 1));
        _execute(hops, 1e18, profit + 1, false);
    }

    /// @dev Without capital a losing flash route cannot repay the pair: the repayment transfer fails.
    function test_unprofitableFlash_withoutFunds_cannotRepay() public {
        vm.prank(owner);
        executor.withdraw(address(tokenA), owner, EXECUTOR_FUNDS);
        ArbExecutor.Hop[] memory hops =
            _route(_v2Hop(uniV2, tokenA, tokenB, UNI_V2_FEE), _v2Hop(sushiV2, tokenB, tokenA, UNI_V2_FEE));
        vm.expectRevert(
            abi.encodeWithSelector(ArbExecutor.TransferFailed.selector, address(tokenA), hops[0].pool, 1e18)
        );
        _execute(hops, 1e18, 0, true);
    }

    /// @dev The hop's fee is what the executor quotes with: claiming less than the pair charges breaks its K check.
    function test_v2FeeBelowThePairs_isRejectedByThePair() public {
        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        hops[0].fee = 2500;
        vm.expectRevert(bytes("UniswapV2: K"));
        _execute(hops, 1e18, 0, false);
    }

    // -------------------------------------------------------------------- fuzz

    function testFuzz_v2v2_profitOrRevert(uint256 amountIn, bool flash) public {
        amountIn = bound(amountIn, 1e9, 60e18);
        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        _expectExactOutcome(hops, amountIn, _expectedV2Out(hops, amountIn), flash);
    }

    function testFuzz_threeHopV2_profitOrRevert(uint256 amountIn, bool flash) public {
        amountIn = bound(amountIn, 1e9, 60e18);
        ArbExecutor.Hop[] memory hops = _triangleV2();
        _expectExactOutcome(hops, amountIn, _expectedV2Out(hops, amountIn), flash);
    }

    function testFuzz_v3v2_profitOrRevert(uint256 amountIn, bool flash) public {
        amountIn = bound(amountIn, 1e9, 60e18);
        ArbExecutor.Hop[] memory hops =
            _route(_v3Hop(tokenA, tokenB), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE));
        _expectExactOutcome(hops, amountIn, _expectedMixedOut(hops, amountIn), flash);
    }

    function testFuzz_minProfit(uint256 amountIn, uint256 minProfit) public {
        amountIn = bound(amountIn, 1e15, 2e18);
        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        uint256 profit = _expectedV2Out(hops, amountIn) - amountIn;
        minProfit = bound(minProfit, 0, 2 * profit);
        if (minProfit > profit) {
            vm.expectRevert(
                abi.encodeWithSelector(ArbExecutor.InsufficientProfit.selector, int256(profit), minProfit)
            );
        }
        _execute(hops, amountIn, minProfit, false);
    }

    // ----------------------------------------------------------------- helpers

    function _triangleV2() internal view returns (ArbExecutor.Hop[] memory) {
        return _route(
            _v2Hop(sushiV2, tokenA, tokenB, UNI_V2_FEE),
            _v2Hop(uniV2, tokenB, tokenC, UNI_V2_FEE),
            _v2Hop(uniV2, tokenC, tokenA, UNI_V2_FEE)
        );
    }

    function _feeNumerator(ArbExecutor.Hop memory hop) internal view returns (uint256) {
        return hop.factory == pancakeV2 ? 998 : 997;
    }

    function _expectedV2Out(ArbExecutor.Hop[] memory hops, uint256 amount) internal view returns (uint256) {
        for (uint256 i; i < hops.length; ++i) {
            amount = _v2AmountOut(hops[i], amount, _feeNumerator(hops[i]));
        }
        return amount;
    }

    /// @dev Each pool appears once in these routes, so each hop can be priced on the current state.
    function _expectedMixedOut(ArbExecutor.Hop[] memory hops, uint256 amount) internal returns (uint256) {
        for (uint256 i; i < hops.length; ++i) {
            amount = hops[i].kind == 1 ? _v3AmountOut(hops[i], amount) : _v2AmountOut(hops[i], amount, _feeNumerator(hops[i]));
        }
        return amount;
    }

    function _checkV2Route(ArbExecutor.Hop[] memory hops, uint256 amountIn, bool flash)
        internal
        returns (uint256 profit)
    {
        return _checkProfit(hops, amountIn, _expectedV2Out(hops, amountIn), flash);
    }

    function _checkMixedRoute(ArbExecutor.Hop[] memory hops, uint256 amountIn, bool flash)
        internal
        returns (uint256 profit)
    {
        return _checkProfit(hops, amountIn, _expectedMixedOut(hops, amountIn), flash);
    }

    /// @dev Runs the route with minProfit set to exactly the expected profit and checks the balance moved by it.
    function _checkProfit(ArbExecutor.Hop[] memory hops, uint256 amountIn, uint256 expectedOut, bool flash)
        internal
        returns (uint256 profit)
    {
        assertTrue(expectedOut > amountIn, "the route is profitable");
        uint256 expected = expectedOut - amountIn;
        TestToken start = TestToken(hops[0].tokenIn);
        uint256 balanceBefore = start.balanceOf(address(executor));
        profit = _execute(hops, amountIn, expected, flash);
        assertEq(profit, expected, "returned profit");
        assertEq(start.balanceOf(address(executor)) - balanceBefore, expected, "balance grew by the profit");
    }

    function _expectExactOutcome(ArbExecutor.Hop[] memory hops, uint256 amountIn, uint256 expectedOut, bool flash)
        internal
    {
        if (expectedOut > amountIn) {
            assertEq(_execute(hops, amountIn, expectedOut - amountIn, flash), expectedOut - amountIn, "profit");
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ArbExecutor.InsufficientProfit.selector, int256(expectedOut) - int256(amountIn), 0
                )
            );
            _execute(hops, amountIn, 0, flash);
        }
    }

    function _sorted(address a, address b) internal pure returns (address, address) {
        return a < b ? (a, b) : (b, a);
    }

    function _create2(address factory, bytes32 salt, bytes32 initCodeHash) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), factory, salt, initCodeHash)))));
    }
}
