// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {WbxFixture} from "./utils/WbxFixture.sol";
import {WbxPool} from "../src/WbxPool.sol";
import {IWbxPool} from "../src/interfaces/IWbxPool.sol";
import {IWebexToken} from "../src/interfaces/IWebexToken.sol";

/// @notice A Trader contract that re-enters the pool from `receive()` when the pool pays it ETH.
contract ReentrantTrader {
    enum Reentry {
        None,
        SwapEthForWbx,
        SwapWbxForEth,
        AddLiquidity,
        RemoveLiquidity
    }

    WbxPool private immutable _pool;
    Reentry public reentry;
    uint256 public received;

    constructor(WbxPool pool_) {
        _pool = pool_;
    }

    function setReentry(Reentry reentry_) external {
        reentry = reentry_;
    }

    function approvePool() external {
        IERC20(_pool.token()).approve(address(_pool), type(uint256).max);
    }

    function addLiquidity(uint256 wbx) external payable returns (uint256 shares) {
        (,, shares) = _pool.addLiquidity{value: msg.value}(wbx, 0, 0, address(this), block.timestamp);
    }

    function removeLiquidity(uint256 shares) external {
        _pool.removeLiquidity(shares, 0, 0, address(this), block.timestamp);
    }

    function sellWbx(uint256 wbxIn) external returns (uint256) {
        return _pool.swapExactWbxForEth(wbxIn, 0, address(this), block.timestamp);
    }

    receive() external payable {
        received += msg.value;
        Reentry r = reentry;
        if (r == Reentry.SwapEthForWbx) {
            _pool.swapExactEthForWbx{value: msg.value}(0, address(this), block.timestamp);
        } else if (r == Reentry.SwapWbxForEth) {
            _pool.swapExactWbxForEth(1e18, 0, address(this), block.timestamp);
        } else if (r == Reentry.AddLiquidity) {
            _pool.addLiquidity{value: msg.value}(1e18, 0, 0, address(this), block.timestamp);
        } else if (r == Reentry.RemoveLiquidity) {
            _pool.removeLiquidity(1, 0, 0, address(this), block.timestamp);
        }
    }
}

contract WbxPoolTest is WbxFixture {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant MIN_LIQUIDITY = 1000;
    uint256 internal constant SEED_WBX = 1_000_000e18;
    uint256 internal constant SEED_ETH = 100 ether;
    /// @dev sqrt(1e24 * 1e20), exact.
    uint256 internal constant SEED_ROOT = 1e22;
    /// @dev Both computed offline with Python for the seeded reserves at 30 bps:
    /// 1e18 * 9970 * 1e24 // (1e20 * 10000 + 1e18 * 9970) and 1e22 * 9970 * 1e20 // (1e24 * 10000 + 1e22 * 9970).
    uint256 internal constant WBX_OUT_FOR_1_ETH = 9_871_580_343_970_612_988_504;
    uint256 internal constant ETH_OUT_FOR_10K_WBX = 987_158_034_397_061_298;

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev The Uniswap V2 output computed another way: the out-reserve drops to the smallest balance that
    /// keeps the fee-adjusted product, `ceil(rIn * rOut * B / (rIn * B + in * (B - fee)))`.
    function _expectedOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut, uint256 fee)
        internal
        pure
        returns (uint256)
    {
        uint256 adjustedIn = reserveIn * BPS + amountIn * (BPS - fee);
        uint256 product = reserveIn * reserveOut * BPS;
        uint256 newReserveOut = (product + adjustedIn - 1) / adjustedIn;
        return reserveOut - newReserveOut;
    }

    function _reserves() internal view returns (uint256 reserveWbx, uint256 reserveEth) {
        (reserveWbx, reserveEth) = pool.getReserves();
    }

    function _k() internal view returns (uint256) {
        (uint256 reserveWbx, uint256 reserveEth) = _reserves();
        return reserveWbx * reserveEth;
    }

    function _assertReservesMatchBalances() internal view {
        (uint256 reserveWbx, uint256 reserveEth) = _reserves();
        vm.assertEq(reserveWbx, token.balanceOf(address(pool)), "reserveWbx != WBX balance");
        vm.assertEq(reserveEth, address(pool).balance, "reserveEth != ETH balance");
    }

    /// @dev Gives `who` WBX and ETH and approves the pool for the WBX (`who` must hold a Trader grant).
    function _fundTrader(address who, uint256 wbx, uint256 eth) internal {
        if (wbx != 0) fund(who, wbx);
        vm.deal(who, who.balance + eth);
        vm.prank(who);
        token.approve(address(pool), type(uint256).max);
    }

    function _setFee(uint16 fee) internal {
        vm.prank(developer);
        pool.setFee(fee);
    }

    function _pausePool() internal {
        vm.prank(developer);
        pool.pause();
    }

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    function test_Constructor() public view {
        vm.assertEq(pool.token(), address(token));
        vm.assertEq(pool.feeBps(), POOL_FEE_BPS);
        vm.assertFalse(pool.paused());
        vm.assertEq(pool.MAX_FEE_BPS(), 100);
        vm.assertEq(pool.MINIMUM_LIQUIDITY(), MIN_LIQUIDITY);
        vm.assertEq(pool.totalShares(), 0);
        (uint256 reserveWbx, uint256 reserveEth) = _reserves();
        vm.assertEq(reserveWbx, 0);
        vm.assertEq(reserveEth, 0);
    }

    function testFuzz_Constructor_AcceptsFeeUpToMax(uint16 fee) public {
        fee = uint16(bound(fee, 0, 100));
        WbxPool p = new WbxPool(IWebexToken(address(token)), fee);
        vm.assertEq(p.feeBps(), fee);
    }

    function test_RevertWhen_ConstructorFeeAboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolFeeTooHigh.selector, 101, 100));
        new WbxPool(IWebexToken(address(token)), 101);
    }

    /*//////////////////////////////////////////////////////////////
                             FIRST DEPOSIT
    //////////////////////////////////////////////////////////////*/

    function test_AddLiquidity_FirstDeposit() public {
        _fundTrader(trader, SEED_WBX, SEED_ETH);
        uint256 shares = SEED_ROOT - MIN_LIQUIDITY;

        vm.expectEmit(address(pool));
        emit IWbxPool.Sync(uint112(SEED_WBX), uint112(SEED_ETH));
        vm.expectEmit(address(pool));
        emit IWbxPool.LiquidityAdded(trader, trader, SEED_WBX, SEED_ETH, shares);
        vm.prank(trader);
        (uint256 wbx, uint256 eth, uint256 minted) =
            pool.addLiquidity{value: SEED_ETH}(SEED_WBX, SEED_WBX, SEED_ETH, trader, block.timestamp);

        vm.assertEq(wbx, SEED_WBX);
        vm.assertEq(eth, SEED_ETH);
        vm.assertEq(minted, shares);
        vm.assertEq(pool.sharesOf(trader), shares);
        // The minimum is counted in the total but belongs to no one.
        vm.assertEq(pool.totalShares(), SEED_ROOT);
        vm.assertEq(pool.totalShares() - pool.sharesOf(trader), MIN_LIQUIDITY);
        (uint256 reserveWbx, uint256 reserveEth) = _reserves();
        vm.assertEq(reserveWbx, SEED_WBX);
        vm.assertEq(reserveEth, SEED_ETH);
        vm.assertEq(token.balanceOf(trader), 0);
        vm.assertEq(trader.balance, 0);
        _assertReservesMatchBalances();
    }

    function test_AddLiquidity_CreditsRecipient() public {
        _fundTrader(trader, SEED_WBX, SEED_ETH);
        vm.prank(trader);
        (,, uint256 shares) = pool.addLiquidity{value: SEED_ETH}(SEED_WBX, 0, 0, trader2, block.timestamp);
        vm.assertEq(pool.sharesOf(trader2), shares);
        vm.assertEq(pool.sharesOf(trader), 0);
    }

    /// @dev Shares are credited only to an active Trader: a Developer, a stranger, a lapsed or revoked
    /// Trader would hold value it could not (and must not) move.
    function test_RevertWhen_AddLiquidityForNonTrader() public {
        _fundTrader(trader, SEED_WBX, SEED_ETH);
        vm.startPrank(trader);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, developer, TRADER)
        );
        pool.addLiquidity{value: SEED_ETH}(SEED_WBX, 0, 0, developer, block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, TRADER)
        );
        pool.addLiquidity{value: SEED_ETH}(SEED_WBX, 0, 0, stranger, block.timestamp);
        vm.stopPrank();

        vm.prank(topAdmin);
        token.revokeAccess(trader2, TRADER);
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxGrantRevoked.selector, trader2, TRADER, START, topAdmin));
        pool.addLiquidity{value: SEED_ETH}(SEED_WBX, 0, 0, trader2, block.timestamp);
        vm.assertEq(pool.totalShares(), 0);
    }

    function testFuzz_AddLiquidity_FirstDepositSharesAreSqrtMinusMinimum(uint256 wbx, uint256 eth) public {
        wbx = bound(wbx, 1, 1e26);
        eth = bound(eth, 1, 1e30);
        _fundTrader(trader, wbx, eth);
        vm.prank(trader);
        try pool.addLiquidity{value: eth}(wbx, 0, 0, trader, block.timestamp) returns (
            uint256, uint256, uint256 shares
        ) {
            // shares + MINIMUM_LIQUIDITY is the integer square root of wbx * eth.
            uint256 root = shares + MIN_LIQUIDITY;
            vm.assertLe(root * root, wbx * eth);
            vm.assertGt((root + 1) * (root + 1), wbx * eth);
            vm.assertEq(pool.totalShares(), root);
        } catch (bytes memory reason) {
            // Only a product whose root does not exceed the locked minimum is refused.
            vm.assertLt(wbx * eth, (MIN_LIQUIDITY + 1) * (MIN_LIQUIDITY + 1));
            (uint256 root,) = _sqrtBounds(wbx * eth);
            vm.assertEq(
                reason, abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientAmount.selector, root, MIN_LIQUIDITY + 1)
            );
        }
    }

    /// @dev The integer square root by bisection (independent of the pool's Newton iteration).
    function _sqrtBounds(uint256 x) internal pure returns (uint256 lo, uint256 hi) {
        (lo, hi) = (0, 1 << 128);
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            if (mid * mid <= x) lo = mid;
            else hi = mid;
        }
    }

    function test_AddLiquidity_FirstDepositOneAboveMinimum() public {
        // sqrt(1001 * 1001) = 1001: one share for the depositor.
        _fundTrader(trader, 1001, 1001);
        vm.prank(trader);
        (,, uint256 shares) = pool.addLiquidity{value: 1001}(1001, 0, 0, trader, block.timestamp);
        vm.assertEq(shares, 1);
        vm.assertEq(pool.totalShares(), 1001);
    }

    function test_RevertWhen_FirstDepositRootAtMinimum() public {
        _fundTrader(trader, 1000, 1000);
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientAmount.selector, 1000, 1001));
        pool.addLiquidity{value: 1000}(1000, 0, 0, trader, block.timestamp);
    }

    function test_RevertWhen_FirstDepositBelowWbxMin() public {
        _fundTrader(trader, SEED_WBX, SEED_ETH);
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientAmount.selector, SEED_WBX, SEED_WBX + 1));
        pool.addLiquidity{value: SEED_ETH}(SEED_WBX, SEED_WBX + 1, 0, trader, block.timestamp);
    }

    /*//////////////////////////////////////////////////////////////
                             LATER DEPOSITS
    //////////////////////////////////////////////////////////////*/

    function test_AddLiquidity_EthLimitedPullsOnlyTheWbxAtPrice() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 20_000e18, 1 ether);
        // 1 ETH at 10,000 WBX/ETH needs 10,000 WBX of the 20,000 offered; all the ETH is used.
        uint256 shares = SEED_ROOT / 100;

        vm.expectEmit(address(pool));
        emit IWbxPool.Sync(uint112(SEED_WBX + 10_000e18), uint112(SEED_ETH + 1 ether));
        vm.expectEmit(address(pool));
        emit IWbxPool.LiquidityAdded(trader, trader, 10_000e18, 1 ether, shares);
        vm.prank(trader);
        (uint256 wbx, uint256 eth, uint256 minted) =
            pool.addLiquidity{value: 1 ether}(20_000e18, 10_000e18, 1 ether, trader, block.timestamp);

        vm.assertEq(wbx, 10_000e18);
        vm.assertEq(eth, 1 ether);
        vm.assertEq(minted, shares);
        vm.assertEq(pool.sharesOf(trader), shares);
        vm.assertEq(pool.totalShares(), SEED_ROOT + shares);
        vm.assertEq(token.balanceOf(trader), 10_000e18);
        vm.assertEq(trader.balance, 0);
        _assertReservesMatchBalances();
    }

    function test_AddLiquidity_WbxLimitedRefundsExcessEth() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 10_000e18, 5 ether);
        address provider = makeAddr("provider");
        vm.prank(topAdmin);
        token.grantAccess(provider, TRADER, STANDARD);
        uint256 shares = SEED_ROOT / 100;

        vm.expectEmit(address(pool));
        emit IWbxPool.Sync(uint112(SEED_WBX + 10_000e18), uint112(SEED_ETH + 1 ether));
        vm.expectEmit(address(pool));
        emit IWbxPool.LiquidityAdded(trader, provider, 10_000e18, 1 ether, shares);
        vm.prank(trader);
        (uint256 wbx, uint256 eth, uint256 minted) =
            pool.addLiquidity{value: 5 ether}(10_000e18, 10_000e18, 1 ether, provider, block.timestamp);

        vm.assertEq(wbx, 10_000e18);
        vm.assertEq(eth, 1 ether);
        vm.assertEq(minted, shares);
        vm.assertEq(pool.sharesOf(provider), shares);
        // 4 of the 5 ETH come back to the sender.
        vm.assertEq(trader.balance, 4 ether);
        vm.assertEq(token.balanceOf(trader), 0);
        vm.assertEq(address(pool).balance, SEED_ETH + 1 ether);
        _assertReservesMatchBalances();
    }

    function testFuzz_AddLiquidity_AtCurrentPrice(uint256 ethSwapped, uint256 wbxDesired, uint256 ethDesired) public {
        seedPool(SEED_WBX, SEED_ETH);
        // Move the price first so the ratio is not a round number.
        ethSwapped = bound(ethSwapped, 1, 50 ether);
        vm.deal(trader, ethSwapped);
        vm.prank(trader);
        pool.swapExactEthForWbx{value: ethSwapped}(0, trader, block.timestamp);

        wbxDesired = bound(wbxDesired, 1, 1e25);
        ethDesired = bound(ethDesired, 1, 1e22);
        _fundTrader(trader2, wbxDesired, ethDesired);
        (uint256 reserveWbx, uint256 reserveEth) = _reserves();
        uint256 total = pool.totalShares();
        uint256 wbxBefore = token.balanceOf(trader2);
        uint256 ethBefore = trader2.balance;

        vm.prank(trader2);
        try pool.addLiquidity{value: ethDesired}(wbxDesired, 0, 0, trader2, block.timestamp) returns (
            uint256 wbx, uint256 eth, uint256 shares
        ) {
            vm.assertLe(wbx, wbxDesired);
            vm.assertLe(eth, ethDesired);
            // One side is taken in full, the other at the current price (rounded down).
            if (eth == ethDesired) vm.assertEq(wbx, ethDesired * reserveWbx / reserveEth);
            else vm.assertEq(eth, wbxDesired * reserveEth / reserveWbx);
            // Spent exactly what was deposited; the excess ETH came back.
            vm.assertEq(wbxBefore - token.balanceOf(trader2), wbx);
            vm.assertEq(ethBefore - trader2.balance, eth);
            // No free value: the new shares are worth at most what was paid, on both sides.
            vm.assertLe(shares * (reserveWbx + wbx) / (total + shares), wbx);
            vm.assertLe(shares * (reserveEth + eth) / (total + shares), eth);
            _assertReservesMatchBalances();
        } catch (bytes memory reason) {
            // Only a deposit too small to mint a share is refused.
            vm.assertEq(reason, abi.encodeWithSelector(IWbxPool.WbxPoolZeroAmount.selector));
        }
    }

    function test_RevertWhen_LaterDepositBelowWbxMin() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 20_000e18, 1 ether);
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientAmount.selector, 10_000e18, 10_000e18 + 1));
        pool.addLiquidity{value: 1 ether}(20_000e18, 10_000e18 + 1, 0, trader, block.timestamp);
    }

    function test_RevertWhen_LaterDepositBelowEthMin() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 10_000e18, 5 ether);
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientAmount.selector, 1 ether, 2 ether));
        pool.addLiquidity{value: 5 ether}(10_000e18, 0, 2 ether, trader, block.timestamp);
    }

    function test_RevertWhen_DepositMintsNoShares() public {
        // 1e18 WBX against 1e6 wei: one WBX unit is worth no wei and mints nothing.
        seedPool(1e18, 1e6);
        _fundTrader(trader, 1, 1);
        vm.prank(trader);
        vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
        pool.addLiquidity{value: 1}(1, 0, 0, trader, block.timestamp);
    }

    function test_RevertWhen_DepositZeroWbx() public {
        _fundTrader(trader, SEED_WBX, SEED_ETH);
        vm.prank(trader);
        vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
        pool.addLiquidity{value: SEED_ETH}(0, 0, 0, trader, block.timestamp);
    }

    function test_RevertWhen_DepositZeroEth() public {
        _fundTrader(trader, SEED_WBX, SEED_ETH);
        vm.prank(trader);
        vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
        pool.addLiquidity(SEED_WBX, 0, 0, trader, block.timestamp);
    }

    function test_RevertWhen_DepositWithoutApproval() public {
        fund(trader, SEED_WBX);
        vm.deal(trader, SEED_ETH);
        vm.prank(trader);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(pool), 0, SEED_WBX)
        );
        pool.addLiquidity{value: SEED_ETH}(SEED_WBX, 0, 0, trader, block.timestamp);
    }

    /*//////////////////////////////////////////////////////////////
                            REMOVE LIQUIDITY
    //////////////////////////////////////////////////////////////*/

    function test_RemoveLiquidity_ProRata() public {
        seedPool(SEED_WBX, SEED_ETH);
        // Trade first so the reserves are no longer the deposit.
        _fundTrader(trader, 0, 3 ether);
        vm.prank(trader);
        pool.swapExactEthForWbx{value: 3 ether}(0, trader, block.timestamp);

        uint256 shares = pool.sharesOf(trader2) / 3;
        uint256 total = pool.totalShares();
        (uint256 reserveWbx, uint256 reserveEth) = _reserves();
        uint256 wbxOut = shares * reserveWbx / total;
        uint256 ethOut = shares * reserveEth / total;

        vm.expectEmit(address(pool));
        emit IWbxPool.Sync(uint112(reserveWbx - wbxOut), uint112(reserveEth - ethOut));
        vm.expectEmit(address(pool));
        emit IWbxPool.LiquidityRemoved(trader2, stranger, wbxOut, ethOut, shares);
        vm.prank(trader2);
        (uint256 wbx, uint256 eth) = pool.removeLiquidity(shares, wbxOut, ethOut, stranger, block.timestamp);

        vm.assertEq(wbx, wbxOut);
        vm.assertEq(eth, ethOut);
        vm.assertEq(token.balanceOf(stranger), wbxOut);
        vm.assertEq(stranger.balance, ethOut);
        vm.assertEq(pool.sharesOf(trader2), SEED_ROOT - MIN_LIQUIDITY - shares);
        vm.assertEq(pool.totalShares(), total - shares);
        _assertReservesMatchBalances();
    }

    function test_RemoveLiquidity_AllLeavesTheLockedMinimum() public {
        seedPool(SEED_WBX, SEED_ETH);
        uint256 shares = pool.sharesOf(trader2);
        vm.prank(trader2);
        (uint256 wbx, uint256 eth) = pool.removeLiquidity(shares, 0, 0, trader2, block.timestamp);

        vm.assertEq(pool.sharesOf(trader2), 0);
        vm.assertEq(pool.totalShares(), MIN_LIQUIDITY);
        // 1000 / 1e22 of each reserve stays locked.
        (uint256 reserveWbx, uint256 reserveEth) = _reserves();
        vm.assertEq(reserveWbx, SEED_WBX * MIN_LIQUIDITY / SEED_ROOT);
        vm.assertEq(reserveEth, SEED_ETH * MIN_LIQUIDITY / SEED_ROOT);
        vm.assertEq(wbx + reserveWbx, SEED_WBX);
        vm.assertEq(eth + reserveEth, SEED_ETH);
        vm.assertEq(token.balanceOf(trader2), wbx);
        vm.assertEq(trader2.balance, eth);
        _assertReservesMatchBalances();
    }

    function test_RevertWhen_RemoveMoreThanShares() public {
        seedPool(SEED_WBX, SEED_ETH);
        uint256 balance = pool.sharesOf(trader2);
        vm.prank(trader2);
        vm.expectRevert(
            abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientShares.selector, trader2, balance, balance + 1)
        );
        pool.removeLiquidity(balance + 1, 0, 0, trader2, block.timestamp);
    }

    function test_RevertWhen_RemoveWithoutShares() public {
        seedPool(SEED_WBX, SEED_ETH);
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientShares.selector, trader, 0, 1));
        pool.removeLiquidity(1, 0, 0, trader, block.timestamp);
    }

    function test_RevertWhen_RemoveZeroShares() public {
        seedPool(SEED_WBX, SEED_ETH);
        vm.prank(trader2);
        vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
        pool.removeLiquidity(0, 0, 0, trader2, block.timestamp);
    }

    function test_RevertWhen_RemoveBelowWbxMin() public {
        seedPool(SEED_WBX, SEED_ETH);
        uint256 shares = SEED_ROOT / 10;
        vm.prank(trader2);
        vm.expectRevert(
            abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientAmount.selector, SEED_WBX / 10, SEED_WBX / 10 + 1)
        );
        pool.removeLiquidity(shares, SEED_WBX / 10 + 1, 0, trader2, block.timestamp);
    }

    function test_RevertWhen_RemoveBelowEthMin() public {
        seedPool(SEED_WBX, SEED_ETH);
        uint256 shares = SEED_ROOT / 10;
        vm.prank(trader2);
        vm.expectRevert(
            abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientAmount.selector, SEED_ETH / 10, SEED_ETH / 10 + 1)
        );
        pool.removeLiquidity(shares, 0, SEED_ETH / 10 + 1, trader2, block.timestamp);
    }

    function test_RemoveLiquidity_WhilePaused() public {
        seedPool(SEED_WBX, SEED_ETH);
        _pausePool();
        uint256 shares = pool.sharesOf(trader2);
        vm.prank(trader2);
        (uint256 wbx, uint256 eth) = pool.removeLiquidity(shares, 0, 0, trader2, block.timestamp);
        vm.assertGt(wbx, 0);
        vm.assertGt(eth, 0);
        vm.assertEq(pool.sharesOf(trader2), 0);
        // The reserves write keeps the pause flag packed beside them.
        vm.assertTrue(pool.paused());
        _assertReservesMatchBalances();
    }

    /// @dev Shares are redeemed under the rule of the tokens they stand for: a lapsed Trader waits for a new
    /// grant, as it would to move its WBX, and then withdraws everything.
    function test_RevertWhen_RemoveLiquidityAfterGrantExpired() public {
        seedPool(SEED_WBX, SEED_ETH);
        uint256 expiry = START + token.extendedDuration();
        vm.warp(expiry);
        uint256 shares = pool.sharesOf(trader2);
        vm.prank(trader2);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxGrantExpired.selector, trader2, TRADER, expiry));
        pool.removeLiquidity(shares, 0, 0, trader2, block.timestamp);

        vm.prank(topAdmin);
        token.grantAccess(trader2, TRADER, STANDARD);
        vm.prank(trader2);
        (uint256 wbx, uint256 eth) = pool.removeLiquidity(shares, 0, 0, trader2, block.timestamp);
        vm.assertEq(token.balanceOf(trader2), wbx);
        vm.assertEq(trader2.balance, eth);
    }

    function test_RevertWhen_RemoveLiquidityAfterGrantRevoked() public {
        seedPool(SEED_WBX, SEED_ETH);
        vm.prank(admin);
        token.revokeAccess(trader2, TRADER);
        uint256 shares = pool.sharesOf(trader2);
        vm.prank(trader2);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxGrantRevoked.selector, trader2, TRADER, START, admin));
        pool.removeLiquidity(shares, 0, 0, trader2, block.timestamp);
        vm.assertEq(pool.sharesOf(trader2), shares);
    }

    /// @dev The reproduction of the review: a former Trader that became a Developer holds shares, and tries to
    /// redeem them to a third account. A Developer never moves value: refused, nothing paid.
    function test_RevertWhen_DeveloperRemovesLiquidity() public {
        seedPool(SEED_WBX, SEED_ETH);
        uint256 shares = pool.sharesOf(trader2);
        vm.startPrank(topAdmin);
        token.revokeAccess(trader2, TRADER);
        token.grantAccess(trader2, DEVELOPER, EXTENDED);
        vm.stopPrank();
        address third = makeAddr("third");
        vm.prank(trader2);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxGrantRevoked.selector, trader2, TRADER, START, topAdmin));
        pool.removeLiquidity(shares, 0, 0, third, block.timestamp);
        vm.assertEq(token.balanceOf(third), 0);
        vm.assertEq(third.balance, 0);

        // A Developer that never traded holds no shares and cannot be credited any (see above); a stranger
        // with no grant at all is told it lacks the Trader role.
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, TRADER)
        );
        pool.removeLiquidity(1, 0, 0, stranger, block.timestamp);
    }

    /// @dev The payout of a withdrawal may go to anyone, as a transfer may: receiving needs no grant.
    function test_RemoveLiquidity_PaysAnyRecipient() public {
        seedPool(SEED_WBX, SEED_ETH);
        uint256 shares = pool.sharesOf(trader2) / 2;
        vm.prank(trader2);
        (uint256 wbx, uint256 eth) = pool.removeLiquidity(shares, 0, 0, developer, block.timestamp);
        vm.assertEq(token.balanceOf(developer), wbx);
        vm.assertEq(developer.balance, eth);
    }

    /// @dev The token's own pause stops every token movement, the pool's payouts included (documented on
    /// WbxPool); it reverts with the token's `EnforcedPause()`, distinct from the pool's `WbxPoolPaused()`.
    function test_RevertWhen_RemoveLiquidityWhileTokenPaused() public {
        seedPool(SEED_WBX, SEED_ETH);
        vm.prank(topAdmin);
        token.pause();
        uint256 shares = pool.sharesOf(trader2);
        vm.prank(trader2);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        pool.removeLiquidity(shares, 0, 0, trader2, block.timestamp);
    }

    /*//////////////////////////////////////////////////////////////
                                 SWAPS
    //////////////////////////////////////////////////////////////*/

    function test_SwapExactEthForWbx() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 0, 1 ether);
        uint256 out = WBX_OUT_FOR_1_ETH;
        // Uniswap V2's own 997/1000 form of a 0.3% fee gives the same output.
        vm.assertEq(out, 1 ether * 997 * SEED_WBX / (SEED_ETH * 1000 + 1 ether * 997));

        vm.expectEmit(address(pool));
        emit IWbxPool.Sync(uint112(SEED_WBX - out), uint112(SEED_ETH + 1 ether));
        vm.expectEmit(address(pool));
        emit IWbxPool.Swap(trader, 1 ether, 0, 0, out, stranger);
        vm.prank(trader);
        uint256 wbxOut = pool.swapExactEthForWbx{value: 1 ether}(out, stranger, block.timestamp);

        vm.assertEq(wbxOut, out);
        vm.assertEq(token.balanceOf(stranger), out);
        vm.assertEq(trader.balance, 0);
        vm.assertEq(token.balanceOf(address(pool)), SEED_WBX - out);
        vm.assertEq(address(pool).balance, SEED_ETH + 1 ether);
        (uint256 reserveWbx, uint256 reserveEth) = _reserves();
        vm.assertEq(reserveWbx, SEED_WBX - out);
        vm.assertEq(reserveEth, SEED_ETH + 1 ether);
    }

    function test_SwapExactWbxForEth() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 10_000e18, 0);
        uint256 out = ETH_OUT_FOR_10K_WBX;
        vm.assertEq(out, 10_000e18 * 997 * SEED_ETH / (SEED_WBX * 1000 + 10_000e18 * 997));

        vm.expectEmit(address(pool));
        emit IWbxPool.Sync(uint112(SEED_WBX + 10_000e18), uint112(SEED_ETH - out));
        vm.expectEmit(address(pool));
        emit IWbxPool.Swap(trader, 0, 10_000e18, out, 0, stranger);
        vm.prank(trader);
        uint256 ethOut = pool.swapExactWbxForEth(10_000e18, out, stranger, block.timestamp);

        vm.assertEq(ethOut, out);
        vm.assertEq(stranger.balance, out);
        vm.assertEq(token.balanceOf(trader), 0);
        vm.assertEq(token.balanceOf(address(pool)), SEED_WBX + 10_000e18);
        vm.assertEq(address(pool).balance, SEED_ETH - out);
        (uint256 reserveWbx, uint256 reserveEth) = _reserves();
        vm.assertEq(reserveWbx, SEED_WBX + 10_000e18);
        vm.assertEq(reserveEth, SEED_ETH - out);
    }

    function testFuzz_SwapExactEthForWbx(uint256 reserveWbx, uint256 reserveEth, uint256 ethIn, uint16 fee) public {
        reserveWbx = bound(reserveWbx, 1e4, 1e25);
        reserveEth = bound(reserveEth, 1e4, 1e30);
        ethIn = bound(ethIn, 1, 1e30);
        fee = uint16(bound(fee, 0, 100));
        seedPool(reserveWbx, reserveEth);
        _setFee(fee);
        uint256 expected = _expectedOut(ethIn, reserveEth, reserveWbx, fee);
        vm.assume(expected != 0);
        _fundTrader(trader, 0, ethIn);
        uint256 kBefore = _k();

        vm.assertEq(pool.quoteEthForWbx(ethIn), expected);
        vm.prank(trader);
        uint256 out = pool.swapExactEthForWbx{value: ethIn}(expected, trader, block.timestamp);

        vm.assertEq(out, expected);
        vm.assertEq(token.balanceOf(trader), out);
        vm.assertGe(_k(), kBefore, "k decreased");
        (uint256 newWbx, uint256 newEth) = _reserves();
        vm.assertEq(newWbx, reserveWbx - out);
        vm.assertEq(newEth, reserveEth + ethIn);
        _assertReservesMatchBalances();
    }

    function testFuzz_SwapExactWbxForEth(uint256 reserveWbx, uint256 reserveEth, uint256 wbxIn, uint16 fee) public {
        reserveWbx = bound(reserveWbx, 1e4, 1e25);
        reserveEth = bound(reserveEth, 1e4, 1e30);
        wbxIn = bound(wbxIn, 1, 1e25);
        fee = uint16(bound(fee, 0, 100));
        seedPool(reserveWbx, reserveEth);
        _setFee(fee);
        uint256 expected = _expectedOut(wbxIn, reserveWbx, reserveEth, fee);
        vm.assume(expected != 0);
        _fundTrader(trader, wbxIn, 0);
        uint256 kBefore = _k();

        vm.assertEq(pool.quoteWbxForEth(wbxIn), expected);
        vm.prank(trader);
        uint256 out = pool.swapExactWbxForEth(wbxIn, expected, trader, block.timestamp);

        vm.assertEq(out, expected);
        vm.assertEq(trader.balance, out);
        vm.assertEq(token.balanceOf(trader), 0);
        vm.assertGe(_k(), kBefore, "k decreased");
        (uint256 newWbx, uint256 newEth) = _reserves();
        vm.assertEq(newWbx, reserveWbx + wbxIn);
        vm.assertEq(newEth, reserveEth - out);
        _assertReservesMatchBalances();
    }

    function test_Swap_UsesTheUpdatedFee() public {
        seedPool(SEED_WBX, SEED_ETH);
        _setFee(0);
        uint256 noFee = pool.quoteEthForWbx(1 ether);
        vm.assertEq(noFee, 1 ether * SEED_WBX / (SEED_ETH + 1 ether));
        _setFee(100);
        uint256 maxFee = pool.quoteEthForWbx(1 ether);
        vm.assertEq(maxFee, _expectedOut(1 ether, SEED_ETH, SEED_WBX, 100));
        vm.assertLt(maxFee, WBX_OUT_FOR_1_ETH);
        vm.assertLt(WBX_OUT_FOR_1_ETH, noFee);

        _fundTrader(trader, 0, 1 ether);
        vm.prank(trader);
        vm.assertEq(pool.swapExactEthForWbx{value: 1 ether}(0, trader, block.timestamp), maxFee);
    }

    function test_RevertWhen_SwapEthOutputBelowMinimum() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 0, 1 ether);
        vm.prank(trader);
        vm.expectRevert(
            abi.encodeWithSelector(
                IWbxPool.WbxPoolInsufficientOutput.selector, WBX_OUT_FOR_1_ETH, WBX_OUT_FOR_1_ETH + 1
            )
        );
        pool.swapExactEthForWbx{value: 1 ether}(WBX_OUT_FOR_1_ETH + 1, trader, block.timestamp);
    }

    function test_RevertWhen_SwapWbxOutputBelowMinimum() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 10_000e18, 0);
        vm.prank(trader);
        vm.expectRevert(
            abi.encodeWithSelector(
                IWbxPool.WbxPoolInsufficientOutput.selector, ETH_OUT_FOR_10K_WBX, ETH_OUT_FOR_10K_WBX + 1
            )
        );
        pool.swapExactWbxForEth(10_000e18, ETH_OUT_FOR_10K_WBX + 1, trader, block.timestamp);
    }

    function test_RevertWhen_SwapOutputRoundsToZero() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 1, 0);
        // One WBX unit is worth 1e-4 wei: the output rounds to zero even with no minimum.
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientOutput.selector, 0, 0));
        pool.swapExactWbxForEth(1, 0, trader, block.timestamp);
    }

    function test_Swap_DeadlineEqualToTimestampIsValid() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 10_000e18, 1 ether);
        vm.startPrank(trader);
        pool.swapExactEthForWbx{value: 1 ether}(0, trader, block.timestamp);
        pool.swapExactWbxForEth(10_000e18, 0, trader, block.timestamp);
        vm.stopPrank();
    }

    function test_RevertWhen_SwapEthAfterDeadline() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 0, 1 ether);
        uint256 deadline = block.timestamp;
        vm.warp(deadline + 1);
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolExpired.selector, deadline, deadline + 1));
        pool.swapExactEthForWbx{value: 1 ether}(0, trader, deadline);
    }

    function test_RevertWhen_SwapWbxAfterDeadline() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 10_000e18, 0);
        uint256 deadline = block.timestamp - 1;
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolExpired.selector, deadline, block.timestamp));
        pool.swapExactWbxForEth(10_000e18, 0, trader, deadline);
    }

    function test_RevertWhen_AddLiquidityAfterDeadline() public {
        _fundTrader(trader, SEED_WBX, SEED_ETH);
        uint256 deadline = block.timestamp - 1;
        vm.prank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolExpired.selector, deadline, block.timestamp));
        pool.addLiquidity{value: SEED_ETH}(SEED_WBX, 0, 0, trader, deadline);
    }

    function test_RevertWhen_RemoveLiquidityAfterDeadline() public {
        seedPool(SEED_WBX, SEED_ETH);
        uint256 deadline = block.timestamp - 1;
        vm.prank(trader2);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolExpired.selector, deadline, block.timestamp));
        pool.removeLiquidity(1, 0, 0, trader2, deadline);
    }

    function test_Liquidity_DeadlineEqualToTimestampIsValid() public {
        _fundTrader(trader, SEED_WBX, SEED_ETH);
        vm.startPrank(trader);
        (,, uint256 shares) = pool.addLiquidity{value: SEED_ETH}(SEED_WBX, 0, 0, trader, block.timestamp);
        pool.removeLiquidity(shares, 0, 0, trader, block.timestamp);
        vm.stopPrank();
    }

    function test_RevertWhen_SwapOnEmptyPool() public {
        _fundTrader(trader, 10_000e18, 1 ether);
        vm.startPrank(trader);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientLiquidity.selector, 0, 0));
        pool.swapExactEthForWbx{value: 1 ether}(0, trader, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientLiquidity.selector, 0, 0));
        pool.swapExactWbxForEth(10_000e18, 0, trader, block.timestamp);
        vm.stopPrank();
    }

    function test_RevertWhen_SwapZeroEth() public {
        seedPool(SEED_WBX, SEED_ETH);
        vm.prank(trader);
        vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
        pool.swapExactEthForWbx(0, trader, block.timestamp);
    }

    function test_RevertWhen_SwapZeroWbx() public {
        seedPool(SEED_WBX, SEED_ETH);
        vm.prank(trader);
        vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
        pool.swapExactWbxForEth(0, 0, trader, block.timestamp);
    }

    function test_RevertWhen_SwapReserveOverflows() public {
        seedPool(SEED_WBX, SEED_ETH);
        uint256 ethIn = type(uint112).max - SEED_ETH + 1;
        vm.deal(trader, ethIn);
        vm.prank(trader);
        vm.expectRevert(IWbxPool.WbxPoolOverflow.selector);
        pool.swapExactEthForWbx{value: ethIn}(0, trader, block.timestamp);
    }

    function test_RevertWhen_RecipientIsZeroOrPool() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 20_000e18, 2 ether);
        address[2] memory invalid = [address(0), address(pool)];
        vm.startPrank(trader);
        for (uint256 i; i < invalid.length; ++i) {
            bytes memory err = abi.encodeWithSelector(IWbxPool.WbxPoolInvalidRecipient.selector, invalid[i]);
            vm.expectRevert(err);
            pool.swapExactEthForWbx{value: 1 ether}(0, invalid[i], block.timestamp);
            vm.expectRevert(err);
            pool.swapExactWbxForEth(10_000e18, 0, invalid[i], block.timestamp);
            vm.expectRevert(err);
            pool.addLiquidity{value: 1 ether}(10_000e18, 0, 0, invalid[i], block.timestamp);
        }
        vm.stopPrank();
        vm.startPrank(trader2);
        for (uint256 i; i < invalid.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInvalidRecipient.selector, invalid[i]));
            pool.removeLiquidity(1, 0, 0, invalid[i], block.timestamp);
        }
        vm.stopPrank();
    }

    /*//////////////////////////////////////////////////////////////
                              TRADER GRANT
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_StrangerSwapsOrDeposits() public {
        seedPool(SEED_WBX, SEED_ETH);
        fund(stranger, 10_000e18);
        vm.deal(stranger, 2 ether);
        bytes memory err =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, TRADER);
        vm.startPrank(stranger);
        vm.expectRevert(err);
        pool.swapExactEthForWbx{value: 1 ether}(0, stranger, block.timestamp);
        vm.expectRevert(err);
        pool.swapExactWbxForEth(10_000e18, 0, stranger, block.timestamp);
        vm.expectRevert(err);
        pool.addLiquidity{value: 1 ether}(10_000e18, 0, 0, stranger, block.timestamp);
        vm.stopPrank();
    }

    function test_RevertWhen_DeveloperSwaps() public {
        seedPool(SEED_WBX, SEED_ETH);
        vm.deal(developer, 1 ether);
        vm.prank(developer);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, developer, TRADER)
        );
        pool.swapExactEthForWbx{value: 1 ether}(0, developer, block.timestamp);
    }

    function test_RevertWhen_TraderGrantExpired() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 10_000e18, 2 ether);
        uint256 expiresAt = block.timestamp + token.standardDuration();
        vm.warp(expiresAt);
        bytes memory err = abi.encodeWithSelector(IWebexToken.WbxGrantExpired.selector, trader, TRADER, expiresAt);
        vm.startPrank(trader);
        vm.expectRevert(err);
        pool.swapExactEthForWbx{value: 1 ether}(0, trader, block.timestamp);
        vm.expectRevert(err);
        pool.swapExactWbxForEth(10_000e18, 0, trader, block.timestamp);
        vm.expectRevert(err);
        pool.addLiquidity{value: 1 ether}(10_000e18, 0, 0, trader, block.timestamp);
        vm.stopPrank();
    }

    function test_Swap_LastSecondOfGrant() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 0, 1 ether);
        vm.warp(block.timestamp + token.standardDuration() - 1);
        vm.prank(trader);
        vm.assertEq(pool.swapExactEthForWbx{value: 1 ether}(0, trader, block.timestamp), WBX_OUT_FOR_1_ETH);
    }

    function test_RevertWhen_TraderGrantRevoked() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 0, 1 ether);
        vm.warp(block.timestamp + 60);
        vm.prank(admin);
        token.revokeAccess(trader, TRADER);
        vm.prank(trader);
        vm.expectRevert(
            abi.encodeWithSelector(IWebexToken.WbxGrantRevoked.selector, trader, TRADER, block.timestamp, admin)
        );
        pool.swapExactEthForWbx{value: 1 ether}(0, trader, block.timestamp);
    }

    function test_RevertWhen_SellWithoutApproval() public {
        seedPool(SEED_WBX, SEED_ETH);
        fund(trader, 10_000e18);
        vm.prank(trader);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(pool), 0, 10_000e18)
        );
        pool.swapExactWbxForEth(10_000e18, 0, trader, block.timestamp);
    }

    /*//////////////////////////////////////////////////////////////
                                 QUOTES
    //////////////////////////////////////////////////////////////*/

    function test_Quotes() public {
        seedPool(SEED_WBX, SEED_ETH);
        vm.assertEq(pool.quoteEthForWbx(1 ether), WBX_OUT_FOR_1_ETH);
        vm.assertEq(pool.quoteWbxForEth(10_000e18), ETH_OUT_FOR_10K_WBX);
        vm.assertEq(pool.getAmountOut(1 ether, SEED_ETH, SEED_WBX), WBX_OUT_FOR_1_ETH);
        vm.assertEq(pool.getAmountOut(10_000e18, SEED_WBX, SEED_ETH), ETH_OUT_FOR_10K_WBX);
    }

    function testFuzz_GetAmountOut_IsTheLargestOutputKeepingK(
        uint256 amountIn,
        uint256 reserveIn,
        uint256 reserveOut,
        uint16 fee
    ) public {
        reserveIn = bound(reserveIn, 1, type(uint112).max);
        reserveOut = bound(reserveOut, 1, type(uint112).max);
        amountIn = bound(amountIn, 1, type(uint112).max);
        fee = uint16(bound(fee, 0, 100));
        _setFee(fee);
        uint256 out = pool.getAmountOut(amountIn, reserveIn, reserveOut);

        vm.assertLt(out, reserveOut);
        // The fee-adjusted product never decreases with `out`, and would with `out + 1`.
        uint256 adjustedIn = reserveIn * BPS + amountIn * (BPS - fee);
        vm.assertGe(adjustedIn * (reserveOut - out), reserveIn * reserveOut * BPS);
        vm.assertLt(adjustedIn * (reserveOut - out - 1), reserveIn * reserveOut * BPS);
    }

    function testFuzz_GetAmountIn_RoundTripGivesAtLeastTheRequestedOut(
        uint256 amountOut,
        uint256 reserveIn,
        uint256 reserveOut,
        uint16 fee
    ) public {
        reserveIn = bound(reserveIn, 1, type(uint112).max);
        reserveOut = bound(reserveOut, 2, type(uint112).max);
        amountOut = bound(amountOut, 1, reserveOut - 1);
        fee = uint16(bound(fee, 0, 100));
        _setFee(fee);
        uint256 amountIn = pool.getAmountIn(amountOut, reserveIn, reserveOut);
        vm.assume(amountIn <= type(uint112).max);

        vm.assertGe(pool.getAmountOut(amountIn, reserveIn, reserveOut), amountOut);
        // Near-minimal: getAmountIn rounds up and adds one, so two less never suffices.
        if (amountIn > 2) vm.assertLt(pool.getAmountOut(amountIn - 2, reserveIn, reserveOut), amountOut);
    }

    function test_RevertWhen_QuoteOnEmptyPool() public {
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientLiquidity.selector, 0, 0));
        pool.quoteEthForWbx(1 ether);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientLiquidity.selector, 0, 0));
        pool.quoteWbxForEth(1 ether);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientLiquidity.selector, 0, 5));
        pool.getAmountOut(1, 0, 5);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientLiquidity.selector, 5, 0));
        pool.getAmountOut(1, 5, 0);
    }

    function test_RevertWhen_QuoteZeroAmount() public {
        seedPool(SEED_WBX, SEED_ETH);
        vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
        pool.quoteEthForWbx(0);
        vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
        pool.quoteWbxForEth(0);
        vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
        pool.getAmountOut(0, 1, 1);
        vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
        pool.getAmountIn(0, 1, 1);
    }

    function test_RevertWhen_GetAmountInCannotBeServed() public {
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientLiquidity.selector, 10, 5));
        pool.getAmountIn(5, 10, 5);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolInsufficientLiquidity.selector, 0, 5));
        pool.getAmountIn(1, 0, 5);
    }

    /*//////////////////////////////////////////////////////////////
                              FEE, PAUSE
    //////////////////////////////////////////////////////////////*/

    function test_SetFee() public {
        vm.expectEmit(address(pool));
        emit IWbxPool.FeeUpdated(developer, POOL_FEE_BPS, 100);
        vm.prank(developer);
        pool.setFee(100);
        vm.assertEq(pool.feeBps(), 100);
    }

    function test_SetFee_KeepsReservesAndPause() public {
        seedPool(SEED_WBX, SEED_ETH);
        _pausePool();
        _setFee(7);
        vm.assertTrue(pool.paused());
        (uint256 reserveWbx, uint256 reserveEth) = _reserves();
        vm.assertEq(reserveWbx, SEED_WBX);
        vm.assertEq(reserveEth, SEED_ETH);
    }

    function test_RevertWhen_SetFeeAboveMax() public {
        vm.prank(developer);
        vm.expectRevert(abi.encodeWithSelector(IWbxPool.WbxPoolFeeTooHigh.selector, 101, 100));
        pool.setFee(101);
    }

    function test_RevertWhen_NonDeveloperConfigures() public {
        address[4] memory others = [stranger, trader, admin, topAdmin];
        for (uint256 i; i < others.length; ++i) {
            bytes memory err =
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, others[i], DEVELOPER);
            vm.startPrank(others[i]);
            vm.expectRevert(err);
            pool.setFee(10);
            vm.expectRevert(err);
            pool.pause();
            vm.expectRevert(err);
            pool.unpause();
            vm.stopPrank();
        }
    }

    function test_RevertWhen_DeveloperGrantExpired() public {
        uint256 expiresAt = block.timestamp + token.standardDuration();
        vm.warp(expiresAt);
        vm.prank(developer);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxGrantExpired.selector, developer, DEVELOPER, expiresAt));
        pool.setFee(10);
    }

    function test_PauseAndUnpause() public {
        vm.expectEmit(address(pool));
        emit IWbxPool.Paused(developer);
        vm.prank(developer);
        pool.pause();
        vm.assertTrue(pool.paused());

        vm.expectEmit(address(pool));
        emit IWbxPool.Unpaused(developer);
        vm.prank(developer);
        pool.unpause();
        vm.assertFalse(pool.paused());
    }

    function test_RevertWhen_PauseTwice() public {
        _pausePool();
        vm.prank(developer);
        vm.expectRevert(IWbxPool.WbxPoolPaused.selector);
        pool.pause();
    }

    function test_RevertWhen_UnpauseNotPaused() public {
        vm.prank(developer);
        vm.expectRevert(IWbxPool.WbxPoolNotPaused.selector);
        pool.unpause();
    }

    function test_RevertWhen_TradingWhilePaused() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 20_000e18, 2 ether);
        _pausePool();
        vm.startPrank(trader);
        vm.expectRevert(IWbxPool.WbxPoolPaused.selector);
        pool.swapExactEthForWbx{value: 1 ether}(0, trader, block.timestamp);
        vm.expectRevert(IWbxPool.WbxPoolPaused.selector);
        pool.swapExactWbxForEth(10_000e18, 0, trader, block.timestamp);
        vm.expectRevert(IWbxPool.WbxPoolPaused.selector);
        pool.addLiquidity{value: 1 ether}(10_000e18, 0, 0, trader, block.timestamp);
        vm.stopPrank();

        vm.prank(developer);
        pool.unpause();
        vm.prank(trader);
        vm.assertEq(pool.swapExactEthForWbx{value: 1 ether}(0, trader, block.timestamp), WBX_OUT_FOR_1_ETH);
    }

    function test_RevertWhen_SwapWhileTokenPaused() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 10_000e18, 1 ether);
        vm.prank(topAdmin);
        token.pause();
        // The pool itself is not paused: the revert is the token's `EnforcedPause`, not `WbxPoolPaused`.
        vm.assertFalse(pool.paused());
        vm.startPrank(trader);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        pool.swapExactEthForWbx{value: 1 ether}(0, trader, block.timestamp);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        pool.swapExactWbxForEth(10_000e18, 0, trader, block.timestamp);
        vm.stopPrank();
    }

    /*//////////////////////////////////////////////////////////////
                          UNREGISTERED POOL
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_UnregisteredPoolPaysOutWbx() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 0, 1 ether);
        vm.prank(topAdmin);
        token.setPool(address(pool), false);
        vm.prank(trader);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(pool), TRADER)
        );
        pool.swapExactEthForWbx{value: 1 ether}(0, trader, block.timestamp);
    }

    function test_RevertWhen_UnregisteredPoolPullsWbx() public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader, 10_000e18, 0);
        vm.prank(topAdmin);
        token.setPool(address(pool), false);
        // The pool, as the spender of transferFrom, would itself need a Trader grant.
        vm.prank(trader);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(pool), TRADER)
        );
        pool.swapExactWbxForEth(10_000e18, 0, trader, block.timestamp);
    }

    /// @dev Documents a limit of "withdrawals work while the pool is paused": unregistering the pool locks its
    /// providers' WBX (and with it their ETH) until it is registered again.
    function test_RevertWhen_RemoveLiquidityFromUnregisteredPool() public {
        seedPool(SEED_WBX, SEED_ETH);
        vm.prank(topAdmin);
        token.setPool(address(pool), false);
        uint256 shares = pool.sharesOf(trader2);
        vm.prank(trader2);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(pool), TRADER)
        );
        pool.removeLiquidity(shares, 0, 0, trader2, block.timestamp);
    }

    /*//////////////////////////////////////////////////////////////
                               REENTRANCY
    //////////////////////////////////////////////////////////////*/

    function _deployAttacker() internal returns (ReentrantTrader attacker) {
        attacker = new ReentrantTrader(pool);
        vm.prank(topAdmin);
        token.grantAccess(address(attacker), TRADER, EXTENDED);
        attacker.approvePool();
        fund(address(attacker), 20_000e18);
        vm.deal(address(attacker), 10 ether);
    }

    function test_ReentrantTrader_SellsWithoutReentering() public {
        seedPool(SEED_WBX, SEED_ETH);
        ReentrantTrader attacker = _deployAttacker();
        uint256 out = attacker.sellWbx(10_000e18);
        vm.assertEq(out, ETH_OUT_FOR_10K_WBX);
        vm.assertEq(attacker.received(), out);
    }

    function test_RevertWhen_RecipientReentersDuringWbxSale() public {
        seedPool(SEED_WBX, SEED_ETH);
        ReentrantTrader attacker = _deployAttacker();
        ReentrantTrader.Reentry[4] memory reentries = [
            ReentrantTrader.Reentry.SwapEthForWbx,
            ReentrantTrader.Reentry.SwapWbxForEth,
            ReentrantTrader.Reentry.AddLiquidity,
            ReentrantTrader.Reentry.RemoveLiquidity
        ];
        for (uint256 i; i < reentries.length; ++i) {
            attacker.setReentry(reentries[i]);
            vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
            attacker.sellWbx(10_000e18);
        }
        _assertReservesMatchBalances();
    }

    function test_RevertWhen_RecipientReentersDuringWithdrawal() public {
        seedPool(SEED_WBX, SEED_ETH);
        ReentrantTrader attacker = _deployAttacker();
        uint256 shares = attacker.addLiquidity{value: 1 ether}(10_000e18);
        attacker.setReentry(ReentrantTrader.Reentry.SwapEthForWbx);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        attacker.removeLiquidity(shares);
        vm.assertEq(pool.sharesOf(address(attacker)), shares);
    }

    /*//////////////////////////////////////////////////////////////
                             FUZZED SEQUENCES
    //////////////////////////////////////////////////////////////*/

    /// @dev Each step: the low two bits pick the operation, the rest the amount (bounded to what is possible).
    function testFuzz_ReservesMatchBalancesAfterAnySequence(uint256[12] calldata steps) public {
        seedPool(SEED_WBX, SEED_ETH);
        _fundTrader(trader2, 1_000_000e18, 1000 ether);
        vm.startPrank(trader2);
        for (uint256 i; i < steps.length; ++i) {
            uint256 amount = steps[i] >> 2;
            uint256 op = steps[i] & 3;
            uint256 kBefore = _k();
            if (op == 0) {
                if (trader2.balance == 0) continue;
                amount = bound(amount, 1, trader2.balance);
                if (pool.quoteEthForWbx(amount) == 0) continue;
                pool.swapExactEthForWbx{value: amount}(0, trader2, block.timestamp);
                vm.assertGe(_k(), kBefore, "k decreased");
            } else if (op == 1) {
                if (token.balanceOf(trader2) == 0) continue;
                amount = bound(amount, 1, token.balanceOf(trader2));
                if (pool.quoteWbxForEth(amount) == 0) continue;
                pool.swapExactWbxForEth(amount, 0, trader2, block.timestamp);
                vm.assertGe(_k(), kBefore, "k decreased");
            } else if (op == 2) {
                if (trader2.balance == 0) continue;
                amount = bound(amount, 1, trader2.balance);
                try pool.addLiquidity{value: amount}(token.balanceOf(trader2), 0, 0, trader2, block.timestamp) {}
                catch (bytes memory reason) {
                    vm.assertEq(reason, abi.encodeWithSelector(IWbxPool.WbxPoolZeroAmount.selector));
                }
            } else {
                uint256 shares = pool.sharesOf(trader2);
                if (shares == 0) continue;
                uint256 burn = bound(amount, 1, shares);
                (uint112 rw, uint112 re) = pool.getReserves();
                uint256 total = pool.totalShares();
                // Burning shares for nothing on either side is refused.
                if (burn * rw / total == 0 || burn * re / total == 0) {
                    vm.expectRevert(IWbxPool.WbxPoolZeroAmount.selector);
                }
                pool.removeLiquidity(burn, 0, 0, trader2, block.timestamp);
            }
            _assertReservesMatchBalances();
        }
        vm.stopPrank();
        vm.assertEq(pool.totalShares(), MIN_LIQUIDITY + pool.sharesOf(trader2));
    }
}
