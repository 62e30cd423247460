// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ArbExecutor} from "../src/ArbExecutor.sol";
import {DexWorld} from "./utils/DexWorld.sol";
import {DoubleCallbackFactory, DoubleCallbackPool, FakeV2Pair, FakeV3Pool} from "./utils/FakePools.sol";
import {TestToken} from "./utils/TestToken.sol";

/// @notice Each safety property of the executor, each test failing if its check were removed.
contract ArbExecutorSafetyTest is DexWorld {
    // -------------------------------------------------------------------- roles

    function test_execute_rejectsStrangers() public {
        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        uint256 deadline = block.number;
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.Unauthorized.selector, stranger));
        executor.execute(hops, 1e18, 0, deadline, false);
    }

    function test_execute_allowsOwnerAndExecutorRole() public {
        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        uint256 deadline = block.number;
        vm.prank(owner);
        executor.execute(hops, 1e18, 0, deadline, false);
        vm.prank(trader);
        executor.execute(hops, 1e18, 0, deadline, false);
    }

    function test_setExecutor_revokesThePreviousKey() public {
        vm.prank(owner);
        executor.setExecutor(address(0));
        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        uint256 deadline = block.number;
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.Unauthorized.selector, trader));
        executor.execute(hops, 1e18, 0, deadline, false);
    }

    /// @dev The trading key is hot; only the owner moves funds out.
    function test_withdraw_onlyOwner() public {
        address[2] memory callers = [stranger, trader];
        for (uint256 i; i < 2; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(ArbExecutor.Unauthorized.selector, callers[i]));
            executor.withdraw(address(tokenA), callers[i], 1);
        }
        vm.prank(owner);
        executor.withdraw(address(tokenA), stranger, 5e18);
        assertEq(tokenA.balanceOf(stranger), 5e18, "owner withdrew");
    }

    function test_adminFunctions_onlyOwner() public {
        address[2] memory callers = [stranger, trader];
        for (uint256 i; i < 2; ++i) {
            bytes memory unauthorized = abi.encodeWithSelector(ArbExecutor.Unauthorized.selector, callers[i]);
            vm.startPrank(callers[i]);
            vm.expectRevert(unauthorized);
            executor.setFactory(callers[i], bytes32(uint256(1)));
            vm.expectRevert(unauthorized);
            executor.setExecutor(callers[i]);
            vm.expectRevert(unauthorized);
            executor.transferOwnership(callers[i]);
            vm.stopPrank();
        }
        vm.prank(owner);
        executor.transferOwnership(stranger);
        assertEq(executor.owner(), stranger, "new owner");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.Unauthorized.selector, owner));
        executor.withdraw(address(tokenA), owner, 1);
    }

    // ---------------------------------------------------------------- callbacks

    /// @dev Contracts posing as pools call every callback directly, with data that would pay them.
    function test_callbacks_rejectFakePoolsCallingDirectly() public {
        address fake = address(new FakeV3Pool());
        _expectAllCallbacksRejected(fake);
        assertEq(tokenA.balanceOf(address(executor)), EXECUTOR_FUNDS, "nothing paid");
    }

    /// @dev Even a genuine pool is refused when this contract is not swapping on it.
    function test_callbacks_rejectGenuinePoolsOutsideATrade() public {
        _expectAllCallbacksRejected(v3PoolAB);
        _expectAllCallbacksRejected(_sushiUniRoute()[0].pool);
    }

    /// @dev Mid-trade (a V2 flash swap in progress), a token's transfer hook calls the callbacks.
    function test_callbacks_rejectOthersDuringATrade() public {
        bytes[3] memory payloads = [
            abi.encodeCall(executor.uniswapV3SwapCallback, (int256(10e18), int256(0), abi.encode(address(tokenA)))),
            abi.encodeCall(executor.uniswapV2Call, (address(executor), 0, 0, "")),
            abi.encodeCall(executor.pancakeCall, (address(executor), 0, 0, ""))
        ];
        for (uint256 i; i < 3; ++i) {
            tokenR.arm(address(executor), payloads[i]);
            _execute(_hookTokenRoute(), 0.2e18, 0, true);
            _assertHookCallRevertedWith(abi.encodeWithSelector(ArbExecutor.UnexpectedCallback.selector, tokenR));
        }
    }

    /// @dev Even a pool that passes the CREATE2 check is paid once per swap: the callback slot is one-shot.
    function test_callbacks_acceptOneCallbackPerSwap() public {
        DoubleCallbackFactory factory = new DoubleCallbackFactory();
        address pool = factory.deploy(address(tokenA), address(tokenB), V3_FEE);
        vm.prank(owner);
        executor.setFactory(address(factory), keccak256(type(DoubleCallbackPool).creationCode));
        ArbExecutor.Hop[] memory hops = _route(
            ArbExecutor.Hop(pool, address(tokenA), address(tokenB), address(factory), V3_FEE, 1),
            _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE)
        );
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.UnexpectedCallback.selector, pool));
        _execute(hops, 1e18, 0, false);
    }

    /// @dev A V3 "pool" not made by the whitelisted factory would be paid whatever it asks in its callback.
    function test_route_rejectsFakeV3Pool() public {
        ArbExecutor.Hop[] memory hops = _route(_v3Hop(tokenA, tokenB), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE));
        address fake = address(new FakeV3Pool());
        hops[0].pool = fake;
        for (uint256 flash; flash < 2; ++flash) {
            vm.expectRevert(abi.encodeWithSelector(ArbExecutor.NotAPool.selector, fake));
            _execute(hops, 1e18, 0, flash == 1);
        }
    }

    /// @dev A V2 "pair" used as a flash source would call back and be "repaid" without lending anything.
    function test_flash_rejectsFakeV2Pair() public {
        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        address fake = address(new FakeV2Pair());
        hops[0].pool = fake;
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.NotAPool.selector, fake));
        _execute(hops, 1e18, 0, true);
    }

    /// @dev A genuine pool whose tokens the hop misstates does not pass either (the salt proves the tokens).
    function test_route_rejectsMisstatedPoolTokens() public {
        ArbExecutor.Hop[] memory hops = _route(_v3Hop(tokenA, tokenB), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE));
        hops[0].fee = 500;
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.NotAPool.selector, v3PoolAB));
        _execute(hops, 1e18, 0, false);
    }

    function test_route_rejectsFactoriesNotWhitelisted() public {
        vm.prank(owner);
        executor.setFactory(uniV3, bytes32(0));
        ArbExecutor.Hop[] memory hops = _route(_v3Hop(tokenA, tokenB), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE));
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.FactoryNotWhitelisted.selector, uniV3));
        _execute(hops, 1e18, 0, false);

        vm.prank(owner);
        executor.setFactory(sushiV2, bytes32(0));
        hops = _sushiUniRoute();
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.FactoryNotWhitelisted.selector, sushiV2));
        _execute(hops, 1e18, 0, true);
    }

    /// @dev The hash is per factory: under Uniswap's hash, PancakeSwap's genuine pairs do not check out.
    function test_route_rejectsPoolsUnderAnotherFactorysInitCodeHash() public {
        bytes32 uniswapHash = executor.initCodeHashOf(uniV2);
        vm.prank(owner);
        executor.setFactory(pancakeV2, uniswapHash);
        ArbExecutor.Hop[] memory hops =
            _route(_v2Hop(pancakeV2, tokenA, tokenB, PANCAKE_FEE), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE));
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.NotAPool.selector, hops[0].pool));
        _execute(hops, 0.3e18, 0, true);
    }

    // --------------------------------------------------------------- reentrancy

    /// @dev The hook token holds the executor role and starts a second, otherwise valid and profitable, trade
    ///      in the middle of the first one.
    function test_reentrancy_isBlocked() public {
        vm.prank(owner);
        executor.setExecutor(address(tokenR));
        bytes memory inner = abi.encodeCall(executor.execute, (_sushiUniRoute(), 1e18, 0, block.number, false));
        tokenR.arm(address(executor), inner);
        ArbExecutor.Hop[] memory outer = _hookTokenRoute();
        vm.prank(owner);
        executor.execute(outer, 1e18, 0, block.number, false);
        _assertHookCallRevertedWith(abi.encodeWithSelector(ArbExecutor.Reentrancy.selector));

        // The same call outside a trade goes through: the lock, not the route, stopped it.
        vm.prank(address(tokenR));
        (bool ok,) = address(executor).call(inner);
        assertTrue(ok, "the inner trade is valid on its own");
    }

    function test_withdraw_isBlockedDuringATrade() public {
        vm.prank(owner);
        executor.transferOwnership(address(tokenR));
        vm.prank(address(tokenR));
        executor.setExecutor(trader);
        tokenR.arm(address(executor), abi.encodeCall(executor.withdraw, (address(tokenA), stranger, 1)));
        _execute(_hookTokenRoute(), 1e18, 0, false);
        _assertHookCallRevertedWith(abi.encodeWithSelector(ArbExecutor.Reentrancy.selector));
    }

    // ----------------------------------------------------------------- deadline

    function test_deadline_expiredBlockReverts() public {
        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        uint256 deadline = block.number + 3;
        vm.roll(deadline);
        vm.prank(trader);
        executor.execute(hops, 1e18, 0, deadline, false);
        vm.roll(deadline + 1);
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.DeadlineExpired.selector, deadline, deadline + 1));
        executor.execute(hops, 1e18, 0, deadline, false);
    }

    // ---------------------------------------------------------------- approvals

    /// @dev After every kind of trade no pool may pull anything from the executor.
    function test_noApprovalIsLeftBehind() public {
        ArbExecutor.Hop[] memory v3v2 = _route(_v3Hop(tokenA, tokenB), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE));
        ArbExecutor.Hop[] memory pancake =
            _route(_v2Hop(pancakeV2, tokenA, tokenB, PANCAKE_FEE), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE));
        _execute(pancake, 1e18, 0, true);
        _execute(_sushiUniRoute(), 1e18, 0, false);
        _execute(_sushiUniRoute(), 1e18, 0, true);
        _execute(v3v2, 1e18, 0, false);
        _execute(v3v2, 1e18, 0, true);
        address[4] memory spenders = [v3PoolAB, v3v2[1].pool, _sushiUniRoute()[0].pool, pancake[0].pool];
        TestToken[2] memory tokens = [tokenA, tokenB];
        for (uint256 t; t < 2; ++t) {
            for (uint256 s; s < 4; ++s) {
                assertEq(tokens[t].allowance(address(executor), spenders[s]), 0, "allowance");
            }
        }
        // And none can appear: the runtime code never pushes the approve(address,uint256) selector.
        assertTrue(!_containsPush4(address(executor).code, 0x095ea7b3), "no approve call in the bytecode");
    }

    // -------------------------------------------------------------- route input

    function test_routeValidation_customErrors() public {
        ArbExecutor.Hop[] memory one = new ArbExecutor.Hop[](1);
        one[0] = _sushiUniRoute()[0];
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.InvalidRouteLength.selector, 1));
        _execute(one, 1e18, 0, false);

        ArbExecutor.Hop[] memory five = new ArbExecutor.Hop[](5);
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.InvalidRouteLength.selector, 5));
        _execute(five, 1e18, 0, false);

        ArbExecutor.Hop[] memory hops = _sushiUniRoute();
        hops[1].tokenOut = address(tokenC);
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.BrokenRoute.selector, 1));
        _execute(hops, 1e18, 0, false);

        hops = _sushiUniRoute();
        hops[1].kind = 2;
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.InvalidHop.selector, 1));
        _execute(hops, 1e18, 0, false);

        hops = _sushiUniRoute();
        hops[0].fee = 1e6;
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.InvalidHop.selector, 0));
        _execute(hops, 1e18, 0, false);

        hops = _sushiUniRoute();
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.InvalidAmountIn.selector, 0));
        _execute(hops, 0, 0, false);
        uint256 tooLarge = uint256(type(int256).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.InvalidAmountIn.selector, tooLarge));
        _execute(hops, tooLarge, 0, false);
    }

    function test_constructorAndOwnership_rejectZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.ZeroAddress.selector));
        new ArbExecutor(address(0));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(ArbExecutor.ZeroAddress.selector));
        executor.transferOwnership(address(0));
    }

    // ----------------------------------------------------------------- helpers

    /// @dev A over sushi to R (R's transfer hook fires here), back over uni: profitable.
    function _hookTokenRoute() internal view returns (ArbExecutor.Hop[] memory) {
        return _route(_v2Hop(sushiV2, tokenA, tokenR, UNI_V2_FEE), _v2Hop(uniV2, tokenR, tokenA, UNI_V2_FEE));
    }

    function _assertHookCallRevertedWith(bytes memory expected) internal view {
        assertTrue(tokenR.called(), "the hook ran mid-trade");
        assertTrue(!tokenR.callSucceeded(), "the hook's call was refused");
        assertEq(tokenR.callResult(), expected, "revert data");
    }

    function _expectAllCallbacksRejected(address caller) internal {
        bytes memory pay = abi.encode(address(tokenA));
        bytes memory route = abi.encode(_sushiUniRoute(), uint256(1e18));
        bytes memory unexpected = abi.encodeWithSelector(ArbExecutor.UnexpectedCallback.selector, caller);
        vm.startPrank(caller);
        vm.expectRevert(unexpected);
        executor.uniswapV3SwapCallback(10e18, -1, pay);
        vm.expectRevert(unexpected);
        executor.pancakeV3SwapCallback(-1, 10e18, pay);
        vm.expectRevert(unexpected);
        executor.uniswapV2Call(address(executor), 1e18, 0, route);
        vm.expectRevert(unexpected);
        executor.pancakeCall(address(executor), 0, 1e18, route);
        vm.stopPrank();
    }

    /// @dev Walks the code opcode by opcode (skipping push data) looking for PUSH4 `selector`.
    function _containsPush4(bytes memory code, bytes4 selector) internal pure returns (bool) {
        for (uint256 i; i < code.length; ++i) {
            uint8 op = uint8(code[i]);
            if (op == 0x63 && i + 4 < code.length) {
                if (bytes4(bytes.concat(code[i + 1], code[i + 2], code[i + 3], code[i + 4])) == selector) return true;
            }
            if (op >= 0x60 && op <= 0x7f) i += op - 0x5f;
        }
        return false;
    }
}
