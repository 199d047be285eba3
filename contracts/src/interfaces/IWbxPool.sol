// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IWbxPool
/// @notice A constant-product WBX/ETH pool with Uniswap V2 arithmetic. Swapping, providing and withdrawing
/// liquidity need an active Trader grant on the token (and shares are credited only to a Trader); the fee
/// and the pause switch are set by a Developer.
interface IWbxPool {
    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice A swap by `sender`, paying out to `to`. Exactly one of the inputs is non-zero, and so is
    /// the output on the other side.
    event Swap(
        address indexed sender, uint256 ethIn, uint256 wbxIn, uint256 ethOut, uint256 wbxOut, address indexed to
    );

    /// @notice The reserves after any change to them.
    event Sync(uint112 reserveWbx, uint112 reserveEth);

    /// @notice `provider` added `wbx` and `eth` for `shares` liquidity shares, credited to `to`.
    event LiquidityAdded(address indexed provider, address indexed to, uint256 wbx, uint256 eth, uint256 shares);

    /// @notice `provider` burned `shares` for `wbx` and `eth`, paid to `to`.
    event LiquidityRemoved(address indexed provider, address indexed to, uint256 wbx, uint256 eth, uint256 shares);

    /// @notice The swap fee changed from `oldFeeBps` to `newFeeBps` (basis points), set by `developer`.
    event FeeUpdated(address indexed developer, uint16 oldFeeBps, uint16 newFeeBps);

    /// @notice The pool was paused by `account` (same signature as OpenZeppelin's Pausable).
    event Paused(address account);

    /// @notice The pool was unpaused by `account` (same signature as OpenZeppelin's Pausable).
    event Unpaused(address account);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice The pool is paused (distinct from the token's `EnforcedPause`, so a client can tell which).
    error WbxPoolPaused();

    /// @notice The pool is not paused.
    error WbxPoolNotPaused();

    /// @notice The swap or liquidity `deadline` passed before the transaction was mined at `timestamp`.
    error WbxPoolExpired(uint256 deadline, uint256 timestamp);

    /// @notice The output `amountOut` is below the caller's minimum `amountOutMin`.
    error WbxPoolInsufficientOutput(uint256 amountOut, uint256 amountOutMin);

    /// @notice A liquidity side `amount` is below the caller's minimum `amountMin`.
    error WbxPoolInsufficientAmount(uint256 amount, uint256 amountMin);

    /// @notice The reserves cannot serve the trade (empty pool, or an output the reserve cannot pay).
    error WbxPoolInsufficientLiquidity(uint256 reserveIn, uint256 reserveOut);

    /// @notice An amount of zero where a positive amount is required.
    error WbxPoolZeroAmount();

    /// @notice The requested fee is above `maxFeeBps`.
    error WbxPoolFeeTooHigh(uint256 feeBps, uint256 maxFeeBps);

    /// @notice `provider` tried to burn `shares` but holds only `balance`.
    error WbxPoolInsufficientShares(address provider, uint256 balance, uint256 shares);

    /// @notice `to` may not receive pool payouts (the zero address or the pool itself).
    error WbxPoolInvalidRecipient(address to);

    /// @notice A reserve would overflow its 112-bit field.
    error WbxPoolOverflow();

    /*//////////////////////////////////////////////////////////////
                                 SWAPS
    //////////////////////////////////////////////////////////////*/

    /// @notice Sells all of `msg.value` ETH for at least `minWbxOut` WBX, paid to `to`.
    /// @return wbxOut The WBX paid out.
    function swapExactEthForWbx(uint256 minWbxOut, address to, uint256 deadline)
        external
        payable
        returns (uint256 wbxOut);

    /// @notice Sells `wbxIn` WBX (pulled from the caller with `transferFrom`) for at least `minEthOut` ETH,
    /// paid to `to`. The caller must have approved the pool.
    /// @return ethOut The ETH paid out.
    function swapExactWbxForEth(uint256 wbxIn, uint256 minEthOut, address to, uint256 deadline)
        external
        returns (uint256 ethOut);

    /// @notice Output for `amountIn` against reserves `reserveIn`/`reserveOut` at the current fee.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) external view returns (uint256);

    /// @notice Input needed for `amountOut` against reserves `reserveIn`/`reserveOut` at the current fee.
    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) external view returns (uint256);

    /// @notice WBX out for `ethIn` ETH at the current reserves and fee.
    function quoteEthForWbx(uint256 ethIn) external view returns (uint256 wbxOut);

    /// @notice ETH out for `wbxIn` WBX at the current reserves and fee.
    function quoteWbxForEth(uint256 wbxIn) external view returns (uint256 ethOut);

    /*//////////////////////////////////////////////////////////////
                               LIQUIDITY
    //////////////////////////////////////////////////////////////*/

    /// @notice Adds liquidity at the current price: up to `wbxDesired` WBX (pulled with `transferFrom`) and
    /// up to `msg.value` ETH; unused ETH is refunded. The first deposit sets the price. The caller and `to`,
    /// who is credited the shares, must both hold an active Trader grant.
    function addLiquidity(uint256 wbxDesired, uint256 wbxMin, uint256 ethMin, address to, uint256 deadline)
        external
        payable
        returns (uint256 wbx, uint256 eth, uint256 shares);

    /// @notice Burns `shares` of the caller for their part of both reserves, paid to `to`. The caller must
    /// hold an active Trader grant (`to` needs none); the pool's own pause does not stop withdrawals.
    function removeLiquidity(uint256 shares, uint256 wbxMin, uint256 ethMin, address to, uint256 deadline)
        external
        returns (uint256 wbx, uint256 eth);

    /// @notice Liquidity shares held by `provider`.
    function sharesOf(address provider) external view returns (uint256);

    /// @notice All liquidity shares, including the permanently locked minimum.
    function totalShares() external view returns (uint256);

    /*//////////////////////////////////////////////////////////////
                              STATE, CONFIG
    //////////////////////////////////////////////////////////////*/

    /// @notice The WBX token this pool trades.
    function token() external view returns (address);

    /// @notice The reserves the pool prices against.
    function getReserves() external view returns (uint112 reserveWbx, uint112 reserveEth);

    /// @notice The swap fee in basis points.
    function feeBps() external view returns (uint16);

    /// @notice Whether swaps and deposits are stopped (withdrawals are not).
    function paused() external view returns (bool);

    /// @notice Sets the swap fee, at most `MAX_FEE_BPS`. Developer only.
    function setFee(uint16 newFeeBps) external;

    /// @notice Stops swaps and deposits; withdrawals stay open. Developer only.
    function pause() external;

    /// @notice Resumes swaps and deposits. Developer only.
    function unpause() external;
}
