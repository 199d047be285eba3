// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IWbxPool} from "./interfaces/IWbxPool.sol";
import {IWebexToken} from "./interfaces/IWebexToken.sol";
import {WbxRoles} from "./libraries/WbxRoles.sol";

/// @title WbxPool
/// @notice The exchange WBX traders swap on: a constant-product WBX/ETH pool with Uniswap V2 arithmetic,
/// a fee of 0.3% by default, and non-transferable liquidity shares.
/// @dev Roles are read from the token, the one source of truth for grants: `checkGrant` reverts with the
/// token's own error (missing, expired, revoked), which bubbles up unchanged. The pool must be registered
/// on the token (`setPool`) to pay out WBX. Every state change happens before the token or ETH moves
/// (checks-effects-interactions), under a transient reentrancy guard.
///
/// Liquidity shares follow the rule of the tokens they stand for: they are minted only to an account with
/// an active Trader grant, and only such an account redeems its own (a Developer, a stranger or a lapsed
/// Trader cannot move value out of the pool; receiving the payout needs no grant, as receiving WBX needs
/// none). So every payout of the pool, swap or withdrawal, is made for a caller with a live Trader grant,
/// which is why the token lets a registered pool move WBX without a grant of its own. Withdrawals work
/// while the pool is paused, so a Developer cannot lock a provider's funds; the token's own pause (an
/// admin's emergency stop of every token movement) and unregistering the pool do stop them, as they stop
/// all WBX payouts. WBX sent to the pool by plain transfer is not counted in the reserves.
contract WbxPool is IWbxPool, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The highest fee a Developer may set, in basis points (1%).
    uint16 public constant MAX_FEE_BPS = 100;

    /// @notice Shares locked forever by the first deposit, so the share price can never be inflated
    /// from an empty pool (Uniswap V2's defence).
    uint256 public constant MINIMUM_LIQUIDITY = 1000;

    uint256 private constant _BPS = 10_000;

    /// @dev Everything a swap reads, in one slot: 112 + 112 + 16 + 8 bits. Hand-packed rather than using
    /// OpenZeppelin's Pausable (a slot of its own) because a swap then reads one slot instead of two.
    struct Slot0 {
        uint112 reserveWbx;
        uint112 reserveEth;
        uint16 feeBps;
        bool paused;
    }

    IWebexToken private immutable TOKEN;
    Slot0 private _slot0;
    uint256 private _totalShares;
    mapping(address provider => uint256) private _shares;

    /// @param token_ The WBX token.
    /// @param feeBps_ The initial swap fee in basis points (30 is 0.3%).
    constructor(IWebexToken token_, uint16 feeBps_) {
        if (feeBps_ > MAX_FEE_BPS) revert WbxPoolFeeTooHigh(feeBps_, MAX_FEE_BPS);
        TOKEN = token_;
        _slot0.feeBps = feeBps_;
    }

    /*//////////////////////////////////////////////////////////////
                                 SWAPS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWbxPool
    function swapExactEthForWbx(uint256 minWbxOut, address to, uint256 deadline)
        external
        payable
        nonReentrant
        returns (uint256 wbxOut)
    {
        Slot0 memory s = _beforeTrade(deadline, to);
        uint256 ethIn = msg.value;
        if (ethIn == 0) revert WbxPoolZeroAmount();
        wbxOut = _amountOut(ethIn, s.reserveEth, s.reserveWbx, s.feeBps);
        if (wbxOut == 0 || wbxOut < minWbxOut) revert WbxPoolInsufficientOutput(wbxOut, minWbxOut);
        // wbxOut < reserveWbx by the constant-product formula.
        _setReserves(s, s.reserveWbx - wbxOut, s.reserveEth + ethIn);
        emit Swap(msg.sender, ethIn, 0, 0, wbxOut, to);
        IERC20(address(TOKEN)).safeTransfer(to, wbxOut);
    }

    /// @inheritdoc IWbxPool
    function swapExactWbxForEth(uint256 wbxIn, uint256 minEthOut, address to, uint256 deadline)
        external
        nonReentrant
        returns (uint256 ethOut)
    {
        Slot0 memory s = _beforeTrade(deadline, to);
        if (wbxIn == 0) revert WbxPoolZeroAmount();
        ethOut = _amountOut(wbxIn, s.reserveWbx, s.reserveEth, s.feeBps);
        if (ethOut == 0 || ethOut < minEthOut) revert WbxPoolInsufficientOutput(ethOut, minEthOut);
        _setReserves(s, s.reserveWbx + wbxIn, s.reserveEth - ethOut);
        emit Swap(msg.sender, 0, wbxIn, ethOut, 0, to);
        IERC20(address(TOKEN)).safeTransferFrom(msg.sender, address(this), wbxIn);
        Address.sendValue(payable(to), ethOut);
    }

    /// @inheritdoc IWbxPool
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) external view returns (uint256) {
        return _amountOut(amountIn, reserveIn, reserveOut, _slot0.feeBps);
    }

    /// @inheritdoc IWbxPool
    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) external view returns (uint256) {
        if (amountOut == 0) revert WbxPoolZeroAmount();
        if (reserveIn == 0 || amountOut >= reserveOut) revert WbxPoolInsufficientLiquidity(reserveIn, reserveOut);
        uint256 numerator = reserveIn * amountOut * _BPS;
        uint256 denominator = (reserveOut - amountOut) * (_BPS - _slot0.feeBps);
        return numerator / denominator + 1;
    }

    /// @inheritdoc IWbxPool
    function quoteEthForWbx(uint256 ethIn) external view returns (uint256) {
        Slot0 memory s = _slot0;
        return _amountOut(ethIn, s.reserveEth, s.reserveWbx, s.feeBps);
    }

    /// @inheritdoc IWbxPool
    function quoteWbxForEth(uint256 wbxIn) external view returns (uint256) {
        Slot0 memory s = _slot0;
        return _amountOut(wbxIn, s.reserveWbx, s.reserveEth, s.feeBps);
    }

    /*//////////////////////////////////////////////////////////////
                               LIQUIDITY
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWbxPool
    function addLiquidity(uint256 wbxDesired, uint256 wbxMin, uint256 ethMin, address to, uint256 deadline)
        external
        payable
        nonReentrant
        returns (uint256 wbx, uint256 eth, uint256 shares)
    {
        Slot0 memory s = _beforeTrade(deadline, to);
        // Shares are minted only to a Trader, as only a Trader redeems them.
        if (to != msg.sender) TOKEN.checkGrant(to, WbxRoles.TRADER);
        uint256 ethDesired = msg.value;
        if (wbxDesired == 0 || ethDesired == 0) revert WbxPoolZeroAmount();
        uint256 total = _totalShares;
        if (total == 0) {
            (wbx, eth) = (wbxDesired, ethDesired);
            uint256 root = Math.sqrt(wbx * eth);
            if (root <= MINIMUM_LIQUIDITY) revert WbxPoolInsufficientAmount(root, MINIMUM_LIQUIDITY + 1);
            unchecked {
                // root > MINIMUM_LIQUIDITY, checked above.
                shares = root - MINIMUM_LIQUIDITY;
            }
            total = MINIMUM_LIQUIDITY;
        } else {
            uint256 wbxOptimal = ethDesired * s.reserveWbx / s.reserveEth;
            if (wbxOptimal <= wbxDesired) {
                (wbx, eth) = (wbxOptimal, ethDesired);
            } else {
                (wbx, eth) = (wbxDesired, wbxDesired * s.reserveEth / s.reserveWbx);
            }
            // Shares are priced from the amounts actually deposited, themselves rounded down in the pool's
            // favour (as Uniswap V2's router does): the division before this multiplication is intended.
            // slither-disable-next-line divide-before-multiply
            shares = Math.min(wbx * total / s.reserveWbx, eth * total / s.reserveEth);
            if (shares == 0) revert WbxPoolZeroAmount();
        }
        if (wbx < wbxMin) revert WbxPoolInsufficientAmount(wbx, wbxMin);
        if (eth < ethMin) revert WbxPoolInsufficientAmount(eth, ethMin);

        _totalShares = total + shares;
        _shares[to] += shares;
        _setReserves(s, s.reserveWbx + wbx, s.reserveEth + eth);
        emit LiquidityAdded(msg.sender, to, wbx, eth, shares);

        IERC20(address(TOKEN)).safeTransferFrom(msg.sender, address(this), wbx);
        if (ethDesired > eth) Address.sendValue(payable(msg.sender), ethDesired - eth);
    }

    /// @inheritdoc IWbxPool
    function removeLiquidity(uint256 shares, uint256 wbxMin, uint256 ethMin, address to, uint256 deadline)
        external
        nonReentrant
        returns (uint256 wbx, uint256 eth)
    {
        _checkDeadline(deadline);
        _checkRecipient(to);
        // Redeeming moves WBX out of the pool: the same Trader grant as moving one's own WBX.
        TOKEN.checkGrant(msg.sender, WbxRoles.TRADER);
        if (shares == 0) revert WbxPoolZeroAmount();
        uint256 balance = _shares[msg.sender];
        if (shares > balance) revert WbxPoolInsufficientShares(msg.sender, balance, shares);

        Slot0 memory s = _slot0;
        uint256 total = _totalShares;
        wbx = shares * s.reserveWbx / total;
        eth = shares * s.reserveEth / total;
        // Burning shares for nothing is a mistake, not a withdrawal (Uniswap V2 refuses it too).
        if (wbx == 0 || eth == 0) revert WbxPoolZeroAmount();
        if (wbx < wbxMin) revert WbxPoolInsufficientAmount(wbx, wbxMin);
        if (eth < ethMin) revert WbxPoolInsufficientAmount(eth, ethMin);

        unchecked {
            // shares <= balance <= total.
            _shares[msg.sender] = balance - shares;
            _totalShares = total - shares;
        }
        // wbx <= reserveWbx and eth <= reserveEth, as shares <= total.
        _setReserves(s, s.reserveWbx - wbx, s.reserveEth - eth);
        emit LiquidityRemoved(msg.sender, to, wbx, eth, shares);

        IERC20(address(TOKEN)).safeTransfer(to, wbx);
        Address.sendValue(payable(to), eth);
    }

    /// @inheritdoc IWbxPool
    function sharesOf(address provider) external view returns (uint256) {
        return _shares[provider];
    }

    /// @inheritdoc IWbxPool
    function totalShares() external view returns (uint256) {
        return _totalShares;
    }

    /*//////////////////////////////////////////////////////////////
                              STATE, CONFIG
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWbxPool
    function token() external view returns (address) {
        return address(TOKEN);
    }

    /// @inheritdoc IWbxPool
    function getReserves() external view returns (uint112 reserveWbx, uint112 reserveEth) {
        Slot0 memory s = _slot0;
        return (s.reserveWbx, s.reserveEth);
    }

    /// @inheritdoc IWbxPool
    function feeBps() external view returns (uint16) {
        return _slot0.feeBps;
    }

    /// @inheritdoc IWbxPool
    function paused() external view returns (bool) {
        return _slot0.paused;
    }

    /// @inheritdoc IWbxPool
    function setFee(uint16 newFeeBps) external {
        TOKEN.checkGrant(msg.sender, WbxRoles.DEVELOPER);
        if (newFeeBps > MAX_FEE_BPS) revert WbxPoolFeeTooHigh(newFeeBps, MAX_FEE_BPS);
        uint16 old = _slot0.feeBps;
        _slot0.feeBps = newFeeBps;
        emit FeeUpdated(msg.sender, old, newFeeBps);
    }

    /// @inheritdoc IWbxPool
    function pause() external {
        TOKEN.checkGrant(msg.sender, WbxRoles.DEVELOPER);
        if (_slot0.paused) revert WbxPoolPaused();
        _slot0.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IWbxPool
    function unpause() external {
        TOKEN.checkGrant(msg.sender, WbxRoles.DEVELOPER);
        if (!_slot0.paused) revert WbxPoolNotPaused();
        _slot0.paused = false;
        emit Unpaused(msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev The checks every swap and deposit shares: deadline, recipient, Trader grant, pause.
    function _beforeTrade(uint256 deadline, address to) private view returns (Slot0 memory s) {
        _checkDeadline(deadline);
        _checkRecipient(to);
        TOKEN.checkGrant(msg.sender, WbxRoles.TRADER);
        s = _slot0;
        if (s.paused) revert WbxPoolPaused();
    }

    function _checkDeadline(uint256 deadline) private view {
        if (block.timestamp > deadline) revert WbxPoolExpired(deadline, block.timestamp);
    }

    function _checkRecipient(address to) private view {
        if (to == address(0) || to == address(this)) revert WbxPoolInvalidRecipient(to);
    }

    function _setReserves(Slot0 memory s, uint256 reserveWbx, uint256 reserveEth) private {
        if (reserveWbx > type(uint112).max || reserveEth > type(uint112).max) revert WbxPoolOverflow();
        // casting to 'uint112' is safe because both were checked against the 112-bit maximum above
        // forge-lint: disable-next-line(unsafe-typecast)
        (uint112 wbx, uint112 eth) = (uint112(reserveWbx), uint112(reserveEth));
        // Fee and pause are written back unchanged in the same slot.
        _slot0 = Slot0({reserveWbx: wbx, reserveEth: eth, feeBps: s.feeBps, paused: s.paused});
        emit Sync(wbx, eth);
    }

    /// @dev Uniswap V2's `getAmountOut` with the fee in basis points.
    function _amountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut, uint256 fee)
        private
        pure
        returns (uint256)
    {
        if (amountIn == 0) revert WbxPoolZeroAmount();
        if (reserveIn == 0 || reserveOut == 0) revert WbxPoolInsufficientLiquidity(reserveIn, reserveOut);
        uint256 amountInWithFee = amountIn * (_BPS - fee);
        return amountInWithFee * reserveOut / (reserveIn * _BPS + amountInWithFee);
    }
}
