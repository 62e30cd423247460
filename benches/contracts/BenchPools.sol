// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Creates many funded pools per transaction for the 1,000-pool sync benchmark
/// (benches/pools_1000.py): real UniswapV2Factory / UniswapV3Factory calls, so
/// every pool is the real contract with its real storage. Liquidity is paid by
/// minting the devnet's TestTokens (open mint) straight to the pool.

interface IMintable {
    function mint(address to, uint256 amount) external;
}

interface IV2Factory {
    function createPair(address tokenA, address tokenB) external returns (address pair);
}

interface IV2Pair {
    function mint(address to) external returns (uint256 liquidity);
}

interface IV3Factory {
    function createPool(address tokenA, address tokenB, uint24 fee) external returns (address pool);
}

interface IV3Pool {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function initialize(uint160 sqrtPriceX96) external;
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
}

contract BenchPools {
    struct V2Pair {
        address factory;
        address token0;
        address token1;
        uint256 amount0;
        uint256 amount1;
    }

    struct Position {
        int24 tickLower;
        int24 tickUpper;
        uint128 liquidity;
    }

    struct V3Pool {
        address factory;
        address token0;
        address token1;
        uint24 fee;
        uint160 sqrtPriceX96;
        Position[] positions;
    }

    function createV2(V2Pair[] calldata pairs) external {
        for (uint256 i = 0; i < pairs.length; i++) {
            V2Pair calldata p = pairs[i];
            address pair = IV2Factory(p.factory).createPair(p.token0, p.token1);
            IMintable(p.token0).mint(pair, p.amount0);
            IMintable(p.token1).mint(pair, p.amount1);
            IV2Pair(pair).mint(address(this));
        }
    }

    function createV3(V3Pool[] calldata pools) external {
        for (uint256 i = 0; i < pools.length; i++) {
            V3Pool calldata p = pools[i];
            address pool = IV3Factory(p.factory).createPool(p.token0, p.token1, p.fee);
            IV3Pool(pool).initialize(p.sqrtPriceX96);
            for (uint256 j = 0; j < p.positions.length; j++) {
                Position calldata pos = p.positions[j];
                IV3Pool(pool).mint(address(this), pos.tickLower, pos.tickUpper, pos.liquidity, "");
            }
        }
    }

    /// Pays what the pool asks for by minting it (a bench chain: any pool may call).
    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        if (amount0Owed > 0) IMintable(IV3Pool(msg.sender).token0()).mint(msg.sender, amount0Owed);
        if (amount1Owed > 0) IMintable(IV3Pool(msg.sender).token1()).mint(msg.sender, amount1Owed);
    }
}
