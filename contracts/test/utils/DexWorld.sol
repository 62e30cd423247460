// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ArbExecutor} from "../../src/ArbExecutor.sol";
import {TestBase} from "./TestBase.sol";
import {TestToken} from "./TestToken.sol";
import {HookToken} from "./HookToken.sol";
import {V3Helper, IUniswapV3PoolForTests} from "./V3Helper.sol";

interface IUniswapV2FactoryForTests {
    function createPair(address tokenA, address tokenB) external returns (address pair);
    function getPair(address tokenA, address tokenB) external view returns (address pair);
}

interface IPancakeFactoryForTests is IUniswapV2FactoryForTests {
    function INIT_CODE_PAIR_HASH() external view returns (bytes32);
}

interface IUniswapV2PairForTests {
    function token0() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function mint(address to) external returns (uint256 liquidity);
}

interface IUniswapV3FactoryForTests {
    function createPool(address tokenA, address tokenB, uint24 fee) external returns (address pool);
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address pool);
}

/// @notice A small market on real DEX bytecode from npm: two deployments of the Uniswap V2 factory ("uni" and
///         "sushi", the same protocol at different addresses), PancakeSwap V2 (a fork: 0.20 % fee, `pancakeCall`,
///         its own init code hash) and Uniswap V3, with price gaps between them, and an ArbExecutor to trade them.
///
///         Prices (B per A): uni 2.0, sushi 2.2, pancake 2.1, V3 (0.30 %) 2.4. A triangle A->B->C->A is
///         mispriced through sushi (2.2 * 1 * 0.5). R is a hook token, 10 % cheaper on sushi than on uni.
abstract contract DexWorld is TestBase {
    string internal constant V2_FACTORY_JSON = "../node_modules/@uniswap/v2-core/build/UniswapV2Factory.json";
    string internal constant V2_PAIR_JSON = "../node_modules/@uniswap/v2-core/build/UniswapV2Pair.json";
    string internal constant V3_FACTORY_JSON =
        "../node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json";
    string internal constant V3_POOL_JSON =
        "../node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json";
    // @pancakeswap-libs/pancake-swap-core@0.1.0's factory bytecode, fetched by `make npm` (npm cannot
    // install the package itself: its package.json pulls truffle). GPL-3.0, used only inside tests.
    string internal constant PANCAKE_FACTORY_JSON = "../.cache/pancake-swap-core/PancakeFactory.json";

    uint24 internal constant UNI_V2_FEE = 3000; // pips
    uint24 internal constant PANCAKE_FEE = 2000;
    uint24 internal constant V3_FEE = 3000;
    int24 internal constant V3_TICK_SPACING = 60;
    int24 internal constant FULL_RANGE_TICK = 887220; // TickMath.MAX_TICK rounded down to the spacing
    uint256 internal constant NESTED_POSITIONS = 5;
    uint256 internal constant EXECUTOR_FUNDS = 100e18;

    address internal owner = address(uint160(uint256(keccak256("owner"))));
    address internal trader = address(uint160(uint256(keccak256("trader"))));
    address internal stranger = address(uint160(uint256(keccak256("stranger"))));

    TestToken internal tokenA;
    TestToken internal tokenB;
    TestToken internal tokenC;
    HookToken internal tokenR;

    address internal uniV2;
    address internal sushiV2;
    address internal pancakeV2;
    address internal uniV3;
    address internal v3PoolAB;
    int24 internal v3BaseTick; // the V3 pool's initial tick, rounded down to the tick spacing

    V3Helper internal v3Helper;
    ArbExecutor internal executor;

    function setUp() public virtual {
        tokenA = new TestToken("A");
        tokenB = new TestToken("B");
        tokenC = new TestToken("C");
        tokenR = new HookToken("R");
        v3Helper = new V3Helper();

        uniV2 = _deployFromArtifact(V2_FACTORY_JSON, abi.encode(address(this)));
        sushiV2 = _deployFromArtifact(V2_FACTORY_JSON, abi.encode(address(this)));
        pancakeV2 = _deployFromArtifact(PANCAKE_FACTORY_JSON, abi.encode(address(this)));
        uniV3 = _deployFromArtifact(V3_FACTORY_JSON, "");

        _addV2(uniV2, tokenA, 100e18, tokenB, 200e18);
        _addV2(uniV2, tokenB, 200e18, tokenC, 200e18);
        _addV2(uniV2, tokenC, 200e18, tokenA, 100e18);
        _addV2(uniV2, tokenR, 100e18, tokenA, 100e18);
        _addV2(sushiV2, tokenA, 100e18, tokenB, 220e18);
        _addV2(sushiV2, tokenR, 110e18, tokenA, 100e18);
        _addV2(pancakeV2, tokenA, 100e18, tokenB, 210e18);
        v3PoolAB = _addV3(tokenA, tokenB, 24, 10);

        executor = new ArbExecutor(owner);
        bytes32 v2PairHash = keccak256(_artifactBytecode(V2_PAIR_JSON));
        vm.startPrank(owner);
        executor.setFactory(uniV2, v2PairHash);
        executor.setFactory(sushiV2, v2PairHash);
        // PancakeSwap publishes its hash; asking the factory is the other way to learn it.
        executor.setFactory(pancakeV2, IPancakeFactoryForTests(pancakeV2).INIT_CODE_PAIR_HASH());
        executor.setFactory(uniV3, keccak256(_artifactBytecode(V3_POOL_JSON)));
        executor.setExecutor(trader);
        vm.stopPrank();
        tokenA.mint(address(executor), EXECUTOR_FUNDS);

        vm.label(address(executor), "ArbExecutor");
        vm.label(address(tokenA), "A");
        vm.label(address(tokenB), "B");
        vm.label(address(tokenC), "C");
        vm.label(address(tokenR), "R");
    }

    // ------------------------------------------------------------------ routes

    function _v2Hop(address factory, TestToken tokenIn, TestToken tokenOut, uint24 fee)
        internal
        view
        returns (ArbExecutor.Hop memory)
    {
        address pair = IUniswapV2FactoryForTests(factory).getPair(address(tokenIn), address(tokenOut));
        return ArbExecutor.Hop(pair, address(tokenIn), address(tokenOut), factory, fee, 0);
    }

    function _v3Hop(TestToken tokenIn, TestToken tokenOut) internal view returns (ArbExecutor.Hop memory) {
        address pool = IUniswapV3FactoryForTests(uniV3).getPool(address(tokenIn), address(tokenOut), V3_FEE);
        return ArbExecutor.Hop(pool, address(tokenIn), address(tokenOut), uniV3, V3_FEE, 1);
    }

    function _route(ArbExecutor.Hop memory h0, ArbExecutor.Hop memory h1)
        internal
        pure
        returns (ArbExecutor.Hop[] memory hops)
    {
        hops = new ArbExecutor.Hop[](2);
        (hops[0], hops[1]) = (h0, h1);
    }

    function _route(ArbExecutor.Hop memory h0, ArbExecutor.Hop memory h1, ArbExecutor.Hop memory h2)
        internal
        pure
        returns (ArbExecutor.Hop[] memory hops)
    {
        hops = new ArbExecutor.Hop[](3);
        (hops[0], hops[1], hops[2]) = (h0, h1, h2);
    }

    /// @dev A over sushi to B, back over uni: about +10 % before fees and slippage.
    function _sushiUniRoute() internal view returns (ArbExecutor.Hop[] memory) {
        return _route(
            _v2Hop(sushiV2, tokenA, tokenB, UNI_V2_FEE), _v2Hop(uniV2, tokenB, tokenA, UNI_V2_FEE)
        );
    }

    function _execute(ArbExecutor.Hop[] memory hops, uint256 amountIn, uint256 minProfit, bool flash)
        internal
        returns (uint256)
    {
        vm.prank(trader);
        return executor.execute(hops, amountIn, minProfit, block.number, flash);
    }

    // -------------------------------------------------------- expected amounts

    /// @dev The Uniswap V2 closed form (UniswapV2Library.getAmountOut), written independently of the executor:
    ///      feeNumerator 997 for 0.30 %, 998 for PancakeSwap's 0.20 %.
    function _v2AmountOut(ArbExecutor.Hop memory hop, uint256 amountIn, uint256 feeNumerator)
        internal
        view
        returns (uint256)
    {
        (uint256 reserve0, uint256 reserve1,) = IUniswapV2PairForTests(hop.pool).getReserves();
        (uint256 reserveIn, uint256 reserveOut) =
            IUniswapV2PairForTests(hop.pool).token0() == hop.tokenIn ? (reserve0, reserve1) : (reserve1, reserve0);
        uint256 amountInWithFee = amountIn * feeNumerator;
        return amountInWithFee * reserveOut / (reserveIn * 1000 + amountInWithFee);
    }

    /// @dev What the real V3 pool pays for `amountIn` now: swap, read, roll the state back.
    function _v3AmountOut(ArbExecutor.Hop memory hop, uint256 amountIn) internal returns (uint256 amountOut) {
        uint256 snapshot = vm.snapshotState();
        amountOut = v3Helper.swap(hop.pool, hop.tokenIn < hop.tokenOut, amountIn, address(v3Helper));
        vm.revertToState(snapshot);
    }

    function _v3Tick() internal view returns (int24 tick) {
        (, tick,,,,,) = IUniswapV3PoolForTests(v3PoolAB).slot0();
    }

    // ------------------------------------------------------------------- setup

    function _artifactBytecode(string memory path) internal view returns (bytes memory) {
        return vm.parseJsonBytes(vm.readFile(path), ".bytecode");
    }

    function _deployFromArtifact(string memory path, bytes memory constructorArgs) internal returns (address addr) {
        bytes memory initCode = bytes.concat(_artifactBytecode(path), constructorArgs);
        assembly ("memory-safe") {
            addr := create(0, add(initCode, 0x20), mload(initCode))
        }
        assertTrue(addr != address(0), string.concat("deploy ", path));
    }

    function _addV2(address factory, TestToken token0, uint256 amount0, TestToken token1, uint256 amount1)
        internal
        returns (address pair)
    {
        pair = IUniswapV2FactoryForTests(factory).createPair(address(token0), address(token1));
        token0.mint(pair, amount0);
        token1.mint(pair, amount1);
        IUniswapV2PairForTests(pair).mint(address(this));
    }

    /// @dev A pool priced at `num / den` of tokenY per tokenX, with full-range liquidity and NESTED_POSITIONS
    ///      narrow positions around the price whose edges are 1, 2, ... tick spacings away on each side, so that
    ///      a swap crosses a known number of initialized ticks.
    function _addV3(TestToken tokenX, TestToken tokenY, uint256 num, uint256 den) internal returns (address pool) {
        pool = IUniswapV3FactoryForTests(uniV3).createPool(address(tokenX), address(tokenY), V3_FEE);
        (uint256 priceNum, uint256 priceDen) = address(tokenX) < address(tokenY) ? (num, den) : (den, num);
        IUniswapV3PoolForTests(pool).initialize(uint160(_sqrt((priceNum << 192) / priceDen)));
        (, int24 tick,,,,,) = IUniswapV3PoolForTests(pool).slot0();
        int24 base = tick / V3_TICK_SPACING * V3_TICK_SPACING;
        if (tick < 0 && base != tick) base -= V3_TICK_SPACING;
        v3BaseTick = base;
        v3Helper.mint(pool, -FULL_RANGE_TICK, FULL_RANGE_TICK, 100e18);
        for (int24 k = 1; k <= int24(int256(NESTED_POSITIONS)); ++k) {
            v3Helper.mint(pool, base - k * V3_TICK_SPACING, base + k * V3_TICK_SPACING, 20e18);
        }
    }

    function _sqrt(uint256 x) internal pure returns (uint256 y) {
        if (x == 0) return 0;
        y = x;
        uint256 z = (x >> 1) + 1;
        while (z < y) {
            y = z;
            z = (x / z + z) >> 1;
        }
    }
}
