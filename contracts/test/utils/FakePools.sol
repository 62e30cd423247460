// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

interface IExecutorCallbacks {
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
    function pancakeCall(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
    function pancakeV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}

/// @notice A contract posing as a V3 pool: its `swap` sends nothing and asks to be paid the whole input, the
///         way a pool made by an attacker would try to drain a careless executor.
contract FakeV3Pool {
    function swap(address, bool zeroForOne, int256 amountSpecified, uint160, bytes calldata data)
        external
        returns (int256 amount0, int256 amount1)
    {
        (amount0, amount1) = zeroForOne ? (amountSpecified, int256(0)) : (int256(0), amountSpecified);
        IExecutorCallbacks(msg.sender).uniswapV3SwapCallback(amount0, amount1, data);
    }
}

/// @notice A contract posing as a V2 pair: its `getReserves` looks deep, and its `swap` calls the flash swap
///         callback without sending anything, hoping to be "repaid".
contract FakeV2Pair {
    function getReserves() external pure returns (uint112, uint112, uint32) {
        return (1e30, 1e30, 0);
    }

    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external {
        IExecutorCallbacks(to).uniswapV2Call(msg.sender, amount0Out, amount1Out, data);
    }
}

/// @notice A pool that a whitelisted (but careless) factory deployed at its genuine CREATE2 address, and whose
///         `swap` asks to be paid twice.
contract DoubleCallbackPool {
    function swap(address, bool zeroForOne, int256 amountSpecified, uint160, bytes calldata data)
        external
        returns (int256 amount0, int256 amount1)
    {
        (amount0, amount1) = zeroForOne ? (amountSpecified, int256(0)) : (int256(0), amountSpecified);
        IExecutorCallbacks(msg.sender).uniswapV3SwapCallback(amount0, amount1, data);
        IExecutorCallbacks(msg.sender).uniswapV3SwapCallback(amount0, amount1, data);
    }
}

/// @notice Deploys DoubleCallbackPool with the V3 salt, so the executor's CREATE2 check accepts it.
contract DoubleCallbackFactory {
    function deploy(address tokenA, address tokenB, uint24 fee) external returns (address) {
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        return address(new DoubleCallbackPool{salt: keccak256(abi.encode(token0, token1, fee))}());
    }
}
