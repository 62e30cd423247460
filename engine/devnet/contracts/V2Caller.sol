// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IERC20Transfer {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// The part of UniswapV2Pair (v2-core 1.0.1) the tests touch.
interface IUniswapV2PairLike {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function mint(address to) external returns (uint256 liquidity);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
    function sync() external;
}

/// Pays a V2 pair from its own balance and calls it, so that "transfer the
/// input, then swap" is one transaction (or one eth_call for a probe that
/// must revert, leaving the chain untouched).
contract V2Caller {
    /// Transfers amount0 / amount1 to the pair, then mint() (useMint) or sync():
    /// the reserves become the pair's balances.
    function fund(address pair, uint256 amount0, uint256 amount1, bool useMint) external {
        IUniswapV2PairLike p = IUniswapV2PairLike(pair);
        if (amount0 > 0) require(IERC20Transfer(p.token0()).transfer(pair, amount0), "pay0");
        if (amount1 > 0) require(IERC20Transfer(p.token1()).transfer(pair, amount1), "pay1");
        if (useMint) p.mint(address(this));
        else p.sync();
    }

    /// Pays amountIn of token0 (zeroForOne) or token1 and takes the most the pair gives
    /// (getAmountOut with feePips, computed from the reserves when the transaction runs,
    /// so several swaps on one pair can share a block). 3000 = Uniswap's 0.30 %.
    function swapIn(address pair, bool zeroForOne, uint256 amountIn, uint256 feePips)
        external
        returns (uint256 amountOut)
    {
        IUniswapV2PairLike p = IUniswapV2PairLike(pair);
        (uint256 r0, uint256 r1,) = p.getReserves();
        (uint256 reserveIn, uint256 reserveOut) = zeroForOne ? (r0, r1) : (r1, r0);
        uint256 inWithFee = amountIn * (1_000_000 - feePips);
        amountOut = (inWithFee * reserveOut) / (reserveIn * 1_000_000 + inWithFee);
        address tokenIn = zeroForOne ? p.token0() : p.token1();
        require(IERC20Transfer(tokenIn).transfer(pair, amountIn), "pay");
        if (zeroForOne) p.swap(0, amountOut, address(this), "");
        else p.swap(amountOut, 0, address(this), "");
    }

    /// Pays amountIn of token0 (zeroForOne) or token1 into the pair, then asks
    /// for amountOut of the other token.
    function swapExact(address pair, bool zeroForOne, uint256 amountIn, uint256 amountOut) external {
        IUniswapV2PairLike p = IUniswapV2PairLike(pair);
        address tokenIn = zeroForOne ? p.token0() : p.token1();
        if (amountIn > 0) require(IERC20Transfer(tokenIn).transfer(pair, amountIn), "pay");
        if (zeroForOne) p.swap(0, amountOut, address(this), "");
        else p.swap(amountOut, 0, address(this), "");
    }
}
