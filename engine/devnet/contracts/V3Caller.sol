// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IERC20Like {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// The part of UniswapV3Pool (v3-core 1.0.1) the tests touch.
interface IUniswapV3PoolLike {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function tickSpacing() external view returns (int24);
    function slot0()
        external
        view
        returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool);
    function liquidity() external view returns (uint128);
    function tickBitmap(int16 wordPosition) external view returns (uint256);
    function ticks(int24 tick)
        external
        view
        returns (
            uint128 liquidityGross,
            int128 liquidityNet,
            uint256,
            uint256,
            int56,
            uint160,
            uint32,
            bool initialized
        );
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
    function burn(int24 tickLower, int24 tickUpper, uint128 amount)
        external
        returns (uint256 amount0, uint256 amount1);
    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1);
}

/// Mints positions and swaps on real UniswapV3Pool bytecode, paying from its
/// own token balance in the callbacks; also reads a pool's whole state
/// (slot0, liquidity and every initialized tick) in one eth_call.
contract V3Caller {
    int24 internal constant MIN_TICK = -887272;
    int24 internal constant MAX_TICK = 887272;
    uint160 internal constant MIN_SQRT_RATIO = 4295128739;
    uint160 internal constant MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342;

    function mint(address pool, int24 tickLower, int24 tickUpper, uint128 amount)
        external
        returns (uint256 amount0, uint256 amount1)
    {
        return IUniswapV3PoolLike(pool).mint(address(this), tickLower, tickUpper, amount, "");
    }

    function burn(address pool, int24 tickLower, int24 tickUpper, uint128 amount)
        external
        returns (uint256 amount0, uint256 amount1)
    {
        return IUniswapV3PoolLike(pool).burn(tickLower, tickUpper, amount);
    }

    function swap(address pool, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96)
        external
        returns (int256 amount0, int256 amount1)
    {
        return IUniswapV3PoolLike(pool).swap(address(this), zeroForOne, amountSpecified, sqrtPriceLimitX96, "");
    }

    /// Swaps until the price has moved by `sqrtFactorX96 / 2**96` from where it is when the
    /// transaction runs (below 2**96 for zeroForOne, above otherwise), or the amount is used
    /// up: a limit relative to the current price, so that swaps sharing a block never revert.
    function swapByFactor(address pool, bool zeroForOne, int256 amountSpecified, uint256 sqrtFactorX96)
        external
        returns (int256 amount0, int256 amount1)
    {
        (uint160 sqrtPriceX96,,,,,,) = IUniswapV3PoolLike(pool).slot0();
        uint256 limit = (uint256(sqrtPriceX96) * sqrtFactorX96) >> 96;
        if (limit <= MIN_SQRT_RATIO) limit = MIN_SQRT_RATIO + 1;
        if (limit >= MAX_SQRT_RATIO) limit = MAX_SQRT_RATIO - 1;
        if (zeroForOne ? limit >= sqrtPriceX96 : limit <= sqrtPriceX96) return (0, 0); // at the bound
        return IUniswapV3PoolLike(pool).swap(address(this), zeroForOne, amountSpecified, uint160(limit), "");
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        IUniswapV3PoolLike pool = IUniswapV3PoolLike(msg.sender);
        if (amount0Owed > 0) require(IERC20Like(pool.token0()).transfer(msg.sender, amount0Owed), "pay0");
        if (amount1Owed > 0) require(IERC20Like(pool.token1()).transfer(msg.sender, amount1Owed), "pay1");
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        IUniswapV3PoolLike pool = IUniswapV3PoolLike(msg.sender);
        if (amount0Delta > 0) require(IERC20Like(pool.token0()).transfer(msg.sender, uint256(amount0Delta)), "pay0");
        if (amount1Delta > 0) require(IERC20Like(pool.token1()).transfer(msg.sender, uint256(amount1Delta)), "pay1");
    }

    /// slot0's price and tick and the in-range liquidity.
    function readState(address pool) external view returns (uint160 sqrtPriceX96, int24 tick, uint128 liquidity) {
        (sqrtPriceX96, tick,,,,,) = IUniswapV3PoolLike(pool).slot0();
        liquidity = IUniswapV3PoolLike(pool).liquidity();
    }

    struct TickInfo {
        int24 tick;
        int128 liquidityNet;
        uint128 liquidityGross;
    }

    /// Every initialized tick, found by walking every tickBitmap word the
    /// pool's spacing allows, with its liquidityNet and liquidityGross
    /// (read from ticks(), so a tick whose liquidityNet is 0 is listed too).
    function readTicks(address pool) external view returns (TickInfo[] memory out) {
        IUniswapV3PoolLike p = IUniswapV3PoolLike(pool);
        int24 spacing = p.tickSpacing();
        int256 firstWord = int256(_compress(MIN_TICK, spacing) >> 8);
        uint256 wordCount = uint256(int256(_compress(MAX_TICK, spacing) >> 8) - firstWord + 1);
        uint256[] memory words = new uint256[](wordCount);
        uint256 count;
        for (uint256 i = 0; i < wordCount; i++) {
            uint256 word = p.tickBitmap(int16(firstWord + int256(i)));
            words[i] = word;
            while (word != 0) {
                word &= word - 1;
                count++;
            }
        }
        out = new TickInfo[](count);
        uint256 n;
        for (uint256 i = 0; i < wordCount; i++) {
            if (words[i] == 0) continue;
            n = _readWord(p, (firstWord + int256(i)) * 256, words[i], spacing, out, n);
        }
    }

    function _readWord(
        IUniswapV3PoolLike p,
        int256 firstCompressed,
        uint256 word,
        int24 spacing,
        TickInfo[] memory out,
        uint256 n
    ) private view returns (uint256) {
        for (uint256 bit = 0; bit < 256; bit++) {
            if (word & (uint256(1) << bit) == 0) continue;
            int24 tick = int24((firstCompressed + int256(bit)) * int256(spacing));
            (uint128 gross, int128 net,,,,,,) = p.ticks(tick);
            out[n] = TickInfo(tick, net, gross);
            n++;
        }
        return n;
    }

    function _compress(int24 tick, int24 spacing) private pure returns (int24 compressed) {
        compressed = tick / spacing;
        if (tick < 0 && tick % spacing != 0) compressed--;
    }
}
