// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

interface IMintableToken {
    function mint(address to, uint256 amount) external;
    function transfer(address to, uint256 amount) external returns (bool);
}

interface IUniswapV3PoolForTests {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function slot0()
        external
        view
        returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool);
    function initialize(uint160 sqrtPriceX96) external;
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
    function swap(address recipient, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96, bytes calldata)
        external
        returns (int256 amount0, int256 amount1);
}

/// @notice Adds liquidity to and swaps on real V3 pools for the tests, paying in the callbacks with freshly
///         minted test tokens (a V3 pool pulls nothing: whoever calls mint or swap must pay in its callback).
contract V3Helper {
    uint160 internal constant MIN_SQRT_PRICE_LIMIT = 4295128740;
    uint160 internal constant MAX_SQRT_PRICE_LIMIT = 1461446703485210103287273052203988822378723970341;

    function mint(address pool, int24 tickLower, int24 tickUpper, uint128 liquidity) external {
        IUniswapV3PoolForTests(pool).mint(address(this), tickLower, tickUpper, liquidity, "");
    }

    /// @notice Exact-input swap; the output goes to `recipient`.
    function swap(address pool, bool zeroForOne, uint256 amountIn, address recipient)
        external
        returns (uint256 amountOut)
    {
        (int256 amount0, int256 amount1) = IUniswapV3PoolForTests(pool).swap(
            recipient, zeroForOne, int256(amountIn), zeroForOne ? MIN_SQRT_PRICE_LIMIT : MAX_SQRT_PRICE_LIMIT, ""
        );
        amountOut = uint256(-(zeroForOne ? amount1 : amount0));
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        _pay(msg.sender, amount0Owed, amount1Owed);
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        _pay(msg.sender, amount0Delta > 0 ? uint256(amount0Delta) : 0, amount1Delta > 0 ? uint256(amount1Delta) : 0);
    }

    function _pay(address pool, uint256 amount0, uint256 amount1) private {
        if (amount0 > 0) _mintTo(IUniswapV3PoolForTests(pool).token0(), pool, amount0);
        if (amount1 > 0) _mintTo(IUniswapV3PoolForTests(pool).token1(), pool, amount1);
    }

    function _mintTo(address token, address to, uint256 amount) private {
        IMintableToken(token).mint(to, amount);
    }
}
