// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// The part of UniswapV3Pool (v3-core 1.0.1) the lens reads.
interface IUniswapV3PoolTicks {
    function tickBitmap(int16 wordPosition) external view returns (uint256);
    function ticks(int24 tick)
        external
        view
        returns (uint128 liquidityGross, int128 liquidityNet, uint256, uint256, int56, uint160, uint32, bool);
}

/// Never deployed. The engine's initial sync (engine/chain/snapshot.py) runs it with
/// eth_call and a state override that puts this runtime code at an unused address,
/// so that one call returns what would otherwise take one eth_call per bitmap word
/// and per initialized tick. The compiled runtime is embedded in engine/chain/lens.py;
/// tests/test_chain_lens.py checks it against this source.
contract PoolLens {
    struct Tick {
        int24 tick;
        uint128 liquidityGross;
        int128 liquidityNet;
    }

    /// Every initialized tick of `pool` whose bitmap word lies in [fromWord, toWord],
    /// ascending, with its liquidityGross and liquidityNet.
    function initializedTicks(address pool, int24 tickSpacing, int16 fromWord, int16 toWord)
        external
        view
        returns (Tick[] memory found)
    {
        IUniswapV3PoolTicks p = IUniswapV3PoolTicks(pool);
        uint256 span = uint256(int256(toWord) - int256(fromWord) + 1);
        uint256[] memory words = new uint256[](span);
        uint256 count = 0;
        for (uint256 i = 0; i < span; i++) {
            uint256 word = p.tickBitmap(int16(int256(fromWord) + int256(i)));
            words[i] = word;
            while (word != 0) {
                word &= word - 1;
                count++;
            }
        }
        found = new Tick[](count);
        uint256 n = 0;
        for (uint256 i = 0; i < span; i++) {
            uint256 word = words[i];
            for (uint256 bit = 0; word != 0; bit++) {
                if (word & 1 != 0) {
                    int24 tick = int24((int256(fromWord) + int256(i)) * 256 + int256(bit)) * tickSpacing;
                    (uint128 gross, int128 net,,,,,,) = p.ticks(tick);
                    found[n++] = Tick(tick, gross, net);
                }
                word >>= 1;
            }
        }
    }
}
