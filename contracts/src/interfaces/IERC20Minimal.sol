// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The two ERC-20 calls the executor makes. It never calls `approve`.
interface IERC20Minimal {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
}
