// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Minimal} from "./interfaces/IERC20Minimal.sol";
import {IUniswapV2PairMinimal} from "./interfaces/IUniswapV2PairMinimal.sol";
import {IUniswapV3PoolMinimal} from "./interfaces/IUniswapV3PoolMinimal.sol";

/// @title ArbExecutor
/// @notice Executes a cyclic route of 2-4 swaps across Uniswap-V2-style pairs and Uniswap-V3-style pools in one
///         transaction, and reverts unless the balance of the start token grew by at least `minProfit`.
///         The input comes from the contract's own balance, or from a flash swap on the first hop that is repaid
///         out of the route's proceeds, so that no capital is needed.
/// @dev Tokens move by direct transfers only (V2: pay the pair before `swap`; V3: pay in the swap callback), so the
///      contract never grants an allowance. Each hop sends its output straight to the next V2 pair when there is
///      one, saving a transfer. Trade state lives in transient storage (EIP-1153): it costs 100 gas to touch and is
///      gone when the transaction ends, so nothing stale can ever authorize a later callback.
contract ArbExecutor {
    /// @notice One swap of a route. The engine builds these; see contracts/README.md for the encoding.
    /// @param pool      the V2 pair or V3 pool to swap on
    /// @param tokenIn   token paid into the pool; the direction is `tokenIn < tokenOut` (zeroForOne)
    /// @param tokenOut  token received; must be the next hop's tokenIn (the last hop's: the first hop's tokenIn)
    /// @param factory   the whitelisted factory (V3: pool deployer) that created `pool` with CREATE2
    /// @param fee       in pips (1e-6). V2: the pair's swap fee used to quote (3000 = 0.30 %, 2500, 2000, ...).
    ///                  V3: the pool's fee tier, part of its CREATE2 salt (500, 3000, 10000, ...)
    /// @param kind      KIND_V2 or KIND_V3
    struct Hop {
        address pool;
        address tokenIn;
        address tokenOut;
        address factory;
        uint24 fee;
        uint8 kind;
    }

    uint8 public constant KIND_V2 = 0;
    uint8 public constant KIND_V3 = 1;
    uint256 private constant FEE_DENOMINATOR = 1e6;
    // TickMath.MIN_SQRT_RATIO + 1 and MAX_SQRT_RATIO - 1: no price limit, the route's profit check is the limit.
    uint160 private constant MIN_SQRT_PRICE_LIMIT = 4295128740;
    uint160 private constant MAX_SQRT_PRICE_LIMIT = 1461446703485210103287273052203988822378723970341;
    // Set in `_callback` next to the pool address when the callback must run the rest of the route.
    uint256 private constant FLASH = 1 << 160;

    address public owner;
    /// @notice A hot key that may trade but not withdraw; the owner's cold key keeps the funds.
    address public executor;
    /// @notice Factory (or V3 deployer) => the keccak256 of the creation code of its pools. Zero: not whitelisted.
    ///         Per factory, because forks and the npm builds hash differently from mainnet Uniswap's constants.
    mapping(address factory => bytes32 initCodeHash) public initCodeHashOf;

    /// @dev True while `execute` or `withdraw` runs.
    bool private transient _locked;
    /// @dev The one pool allowed to call back next (low 160 bits), plus the FLASH flag. Written just before this
    ///      contract calls that pool's `swap`, cleared as the callback starts: a callback is accepted once, from the
    ///      pool this contract is swapping on, during a trade of this contract, and never otherwise.
    uint256 private transient _callback;

    event TradeExecuted(address indexed startToken, uint256 amountIn, uint256 profit, bool flash);
    event FactorySet(address indexed factory, bytes32 initCodeHash);
    event ExecutorSet(address indexed executor);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event Withdrawn(address indexed token, address indexed to, uint256 amount);

    error Unauthorized(address caller);
    error Reentrancy();
    error DeadlineExpired(uint256 deadlineBlock, uint256 blockNumber);
    error InvalidAmountIn(uint256 amountIn);
    error InvalidRouteLength(uint256 hops);
    /// @dev Unknown kind, or a fee of 100 % or more.
    error InvalidHop(uint256 hop);
    /// @dev hop's tokenOut is not the next hop's tokenIn (for the last hop: the first hop's tokenIn).
    error BrokenRoute(uint256 hop);
    error FactoryNotWhitelisted(address factory);
    /// @dev `pool` is not the CREATE2 address of (factory, tokens, fee): not a genuine pool of that factory.
    error NotAPool(address pool);
    error UnexpectedCallback(address caller);
    error InsufficientProfit(int256 profit, uint256 minProfit);
    error TransferFailed(address token, address to, uint256 amount);
    error ZeroAddress();

    modifier onlyOwner() {
        if (msg.sender != owner) revert Unauthorized(msg.sender);
        _;
    }

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    constructor(address owner_) {
        if (owner_ == address(0)) revert ZeroAddress();
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
    }

    // ------------------------------------------------------------------ trading

    /// @notice Swap `amountIn` of hops[0].tokenIn around the route and keep the profit.
    /// @param hops          2-4 hops forming a cycle
    /// @param amountIn      input of the first hop
    /// @param minProfit     revert unless the start token balance grows by at least this much
    /// @param deadlineBlock revert if mined after this block (an opportunity is priced for one block)
    /// @param flash         borrow the first hop's output (V2 flash swap / V3 pay-in-callback) instead of
    ///                      spending this contract's balance
    /// @return profit       the realized growth of the start token balance
    function execute(Hop[] memory hops, uint256 amountIn, uint256 minProfit, uint256 deadlineBlock, bool flash)
        external
        nonReentrant
        returns (uint256 profit)
    {
        // The executor is checked first: it is the key that trades, so the common case reads one slot.
        if (msg.sender != executor && msg.sender != owner) revert Unauthorized(msg.sender);
        if (block.number > deadlineBlock) revert DeadlineExpired(deadlineBlock, block.number);
        // V3 takes the amount as int256: a larger value would turn into an exact-output swap.
        if (amountIn == 0 || amountIn > uint256(type(int256).max)) revert InvalidAmountIn(amountIn);
        _validate(hops);

        address startToken = hops[0].tokenIn;
        uint256 balanceBefore = IERC20Minimal(startToken).balanceOf(address(this));
        if (flash) {
            Hop memory first = hops[0];
            bytes memory route = abi.encode(hops, amountIn);
            // A V2 pair calls back the recipient, so a V2 flash loan must land here first.
            if (first.kind == KIND_V2) _swapV2(first, amountIn, address(this), route);
            else _swapV3(first, amountIn, _recipient(hops, 0), route, FLASH);
        } else {
            if (hops[0].kind == KIND_V2) _transfer(startToken, hops[0].pool, amountIn);
            _runHops(hops, 0, amountIn);
        }
        uint256 balanceAfter = IERC20Minimal(startToken).balanceOf(address(this));
        if (balanceAfter < balanceBefore || (profit = balanceAfter - balanceBefore) < minProfit) {
            // Balances are below 2**255 (token supplies), so the signed difference is exact.
            // forge-lint: disable-next-line(unsafe-typecast)
            revert InsufficientProfit(int256(balanceAfter) - int256(balanceBefore), minProfit);
        }
        emit TradeExecuted(startToken, amountIn, profit, flash);
    }

    // ---------------------------------------------------------------- callbacks

    /// @notice Uniswap V2 (and SushiSwap, ...) flash swap callback: run the rest of the route, repay the pair.
    function uniswapV2Call(address, uint256 amount0, uint256 amount1, bytes calldata data) external {
        _onV2FlashSwap(amount0 + amount1, data);
    }

    /// @notice PancakeSwap V2's name for the same callback.
    function pancakeCall(address, uint256 amount0, uint256 amount1, bytes calldata data) external {
        _onV2FlashSwap(amount0 + amount1, data);
    }

    /// @notice Uniswap V3 swap callback: pay the pool (after running the rest of the route on a flash hop).
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        _onV3Swap(amount0Delta, amount1Delta, data);
    }

    /// @notice PancakeSwap V3's name for the same callback (its pools are CREATE2'd by the deployer contract:
    ///         whitelist the deployer's address as the factory).
    function pancakeV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        _onV3Swap(amount0Delta, amount1Delta, data);
    }

    // -------------------------------------------------------------------- owner

    function withdraw(address token, address to, uint256 amount) external onlyOwner nonReentrant {
        _transfer(token, to, amount);
        emit Withdrawn(token, to, amount);
    }

    /// @notice Whitelist a factory with the hash of its pools' creation code; bytes32(0) removes it.
    function setFactory(address factory, bytes32 initCodeHash) external onlyOwner {
        initCodeHashOf[factory] = initCodeHash;
        emit FactorySet(factory, initCodeHash);
    }

    /// @notice Set the trading key; address(0) leaves trading to the owner alone.
    function setExecutor(address newExecutor) external onlyOwner {
        executor = newExecutor;
        emit ExecutorSet(newExecutor);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ----------------------------------------------------------------- internal

    function _validate(Hop[] memory hops) private pure {
        uint256 n = hops.length;
        if (n < 2 || n > 4) revert InvalidRouteLength(n);
        for (uint256 i; i < n; ++i) {
            Hop memory hop = hops[i];
            if (hop.kind > KIND_V3 || hop.fee >= FEE_DENOMINATOR) revert InvalidHop(i);
            if (hop.tokenOut != hops[i + 1 == n ? 0 : i + 1].tokenIn) revert BrokenRoute(i);
        }
    }

    /// @dev Swaps hops[i..] starting with `amount`. On entry the input of hops[i] is already in the pair when
    ///      that is V2, and held here when it is V3 (paid in the callback). Returns the last hop's output.
    function _runHops(Hop[] memory hops, uint256 i, uint256 amount) private returns (uint256) {
        for (uint256 n = hops.length; i < n; ++i) {
            Hop memory hop = hops[i];
            address to = _recipient(hops, i);
            amount = hop.kind == KIND_V2
                ? _swapV2(hop, amount, to, "")
                : _swapV3(hop, amount, to, abi.encode(hop.tokenIn), 0);
        }
        return amount;
    }

    /// @dev Where hop i sends its output: straight into the next pair if that is V2 (it must be prepaid),
    ///      otherwise here (a V3 pool is paid from here, and the last hop ends here).
    function _recipient(Hop[] memory hops, uint256 i) private view returns (address) {
        unchecked {
            if (i + 1 < hops.length && hops[i + 1].kind == KIND_V2) return hops[i + 1].pool;
        }
        return address(this);
    }

    /// @dev The input is already in the pair, or (flash) is repaid in the callback. Quotes from the reserves now,
    ///      with the hop's fee: the pair's own K check rejects a fee set too low.
    function _swapV2(Hop memory hop, uint256 amountIn, address to, bytes memory flashRoute)
        private
        returns (uint256 amountOut)
    {
        (uint256 reserve0, uint256 reserve1,) = IUniswapV2PairMinimal(hop.pool).getReserves();
        bool zeroForOne = hop.tokenIn < hop.tokenOut;
        (uint256 reserveIn, uint256 reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
        uint256 amountInWithFee = amountIn * (FEE_DENOMINATOR - hop.fee);
        amountOut = amountInWithFee * reserveOut / (reserveIn * FEE_DENOMINATOR + amountInWithFee);
        if (flashRoute.length != 0) {
            // Only a flash swap calls back; only then must the pair be genuine.
            _verifyPool(hop);
            _callback = uint256(uint160(hop.pool)) | FLASH;
        }
        (uint256 amount0Out, uint256 amount1Out) = zeroForOne ? (uint256(0), amountOut) : (amountOut, uint256(0));
        IUniswapV2PairMinimal(hop.pool).swap(amount0Out, amount1Out, to, flashRoute);
    }

    function _swapV3(Hop memory hop, uint256 amountIn, address to, bytes memory data, uint256 flag)
        private
        returns (uint256 amountOut)
    {
        // Every V3 swap calls back asking to be paid, so the pool must be genuine.
        _verifyPool(hop);
        _callback = uint256(uint160(hop.pool)) | flag;
        bool zeroForOne = hop.tokenIn < hop.tokenOut;
        // amountIn is below 2**255: checked in `execute` for the first hop, a pool's output for the others.
        // forge-lint: disable-next-line(unsafe-typecast)
        int256 amountSpecified = int256(amountIn);
        (int256 amount0, int256 amount1) = IUniswapV3PoolMinimal(hop.pool).swap(
            to, zeroForOne, amountSpecified, zeroForOne ? MIN_SQRT_PRICE_LIMIT : MAX_SQRT_PRICE_LIMIT, data
        );
        amountOut = uint256(-(zeroForOne ? amount1 : amount0));
    }

    /// @dev Recomputes the pool's CREATE2 address from the whitelisted factory and its init code hash: cheaper
    ///      than asking the factory, and the tokens and fee the hop claims are proven along the way.
    function _verifyPool(Hop memory hop) private view {
        bytes32 initCodeHash = initCodeHashOf[hop.factory];
        if (initCodeHash == 0) revert FactoryNotWhitelisted(hop.factory);
        (address token0, address token1) =
            hop.tokenIn < hop.tokenOut ? (hop.tokenIn, hop.tokenOut) : (hop.tokenOut, hop.tokenIn);
        bytes32 salt = hop.kind == KIND_V2
            ? keccak256(abi.encodePacked(token0, token1))
            : keccak256(abi.encode(token0, token1, hop.fee));
        address expected =
            address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), hop.factory, salt, initCodeHash)))));
        if (expected != hop.pool) revert NotAPool(hop.pool);
    }

    /// @dev Accept a callback only from the pool this contract is swapping on right now, and only once. The pool
    ///      was verified genuine before it was called, and a genuine pool calls back only the contract that called
    ///      its `swap`, so there is no need to check the `sender` argument of the V2 callback as well.
    function _acceptCallback() private returns (uint256 callback) {
        callback = _callback;
        // The low 160 bits are the pool; truncating drops the FLASH flag on purpose.
        // forge-lint: disable-next-line(unsafe-typecast)
        if (address(uint160(callback)) != msg.sender) revert UnexpectedCallback(msg.sender);
        _callback = 0;
    }

    function _onV2FlashSwap(uint256 amountOut, bytes calldata data) private {
        _acceptCallback();
        (Hop[] memory hops, uint256 amountIn) = abi.decode(data, (Hop[], uint256));
        // The borrowed output landed here; a V2 next hop must be prepaid.
        if (hops[1].kind == KIND_V2) _transfer(hops[0].tokenOut, hops[1].pool, amountOut);
        _runHops(hops, 1, amountOut);
        _transfer(hops[0].tokenIn, msg.sender, amountIn);
    }

    function _onV3Swap(int256 amount0Delta, int256 amount1Delta, bytes calldata data) private {
        uint256 callback = _acceptCallback();
        // Positive: owed to the pool; negative: already sent by the pool. The signs are checked by the branch.
        // forge-lint: disable-start(unsafe-typecast)
        (uint256 amountToPay, uint256 amountOut) = amount0Delta > 0
            ? (uint256(amount0Delta), uint256(-amount1Delta))
            : (uint256(amount1Delta), uint256(-amount0Delta));
        // forge-lint: disable-end(unsafe-typecast)
        if (callback & FLASH == 0) {
            _transfer(abi.decode(data, (address)), msg.sender, amountToPay);
            return;
        }
        (Hop[] memory hops,) = abi.decode(data, (Hop[], uint256));
        // The output already went where hops[1] needs it (see _recipient).
        _runHops(hops, 1, amountOut);
        _transfer(hops[0].tokenIn, msg.sender, amountToPay);
    }

    /// @dev ERC-20 transfer that accepts tokens returning nothing (USDT) and rejects a `false` or an address
    ///      without code (a call to it would "succeed").
    function _transfer(address token, address to, uint256 amount) private {
        (bool ok, bytes memory ret) = token.call(abi.encodeCall(IERC20Minimal.transfer, (to, amount)));
        if (!ok || (ret.length == 0 ? token.code.length == 0 : !abi.decode(ret, (bool)))) {
            revert TransferFailed(token, to, amount);
        }
    }
}
