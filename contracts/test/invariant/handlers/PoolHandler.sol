// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../../utils/Test.sol";
import {WebexToken} from "../../../src/WebexToken.sol";
import {WbxPool} from "../../../src/WbxPool.sol";
import {IWbxPool} from "../../../src/interfaces/IWbxPool.sol";
import {IWebexToken} from "../../../src/interfaces/IWebexToken.sol";
import {WbxRoles} from "../../../src/libraries/WbxRoles.sol";

/// @notice Drives the pool for the invariant tests: a few traders with Extended grants swap both ways,
/// add liquidity (for themselves, each other or the developer) and remove it, lose and regain their Trader
/// grant, and a developer changes the fee and tries to withdraw. Time does not move; grants change only by
/// revocation and a new grant.
/// @dev Amounts are bounded to what the acting trader holds, and swaps whose output would round to zero
/// are skipped rather than sent to revert. Ghost variables follow every actor's shares and count the
/// swaps that broke a rule, for the invariants to require zero.
contract PoolHandler is Test {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant ACTORS = 3;
    uint256 internal constant INITIAL_WBX = 1_000_000e18;
    uint256 internal constant INITIAL_ETH = 1000 ether;
    uint256 internal constant SEED_WBX = 1_000_000e18;
    uint256 internal constant SEED_ETH = 100 ether;

    WebexToken public immutable token;
    WbxPool public immutable pool;
    address public immutable topAdmin;
    address public immutable developer;
    address[] public actors;
    /// @notice Whether each actor holds an active Trader grant, in the handler's model.
    mapping(address actor => bool) public trading;

    /// @notice Each actor's shares as the handler counted them from the pool's return values.
    mapping(address actor => uint256) public ghost_shares;
    uint256 public ghost_sumShares;
    /// @notice Swaps after which `reserveWbx * reserveEth` was lower than before.
    uint256 public ghost_kDecreases;
    /// @notice Swaps that paid out something other than the Uniswap V2 output computed here.
    uint256 public ghost_outputMismatches;
    /// @notice Deposits of funds the actor holds, by and for Traders, refused for another reason than minting
    /// nothing.
    uint256 public ghost_failedDeposits;
    /// @notice Deposits that credited shares to an account without an active Trader grant (or were made by one).
    uint256 public ghost_sharesToNonTraders;
    /// @notice Withdrawals that paid out to a caller without an active Trader grant.
    uint256 public ghost_redeemsByNonTraders;
    /// @notice Withdrawals by a Trader of shares it holds that were refused.
    uint256 public ghost_failedWithdrawals;

    constructor(WebexToken token_, WbxPool pool_, address topAdmin_, address developer_) {
        token = token_;
        pool = pool_;
        topAdmin = topAdmin_;
        developer = developer_;
        for (uint256 i; i < ACTORS; ++i) {
            address actor = makeAddr(string.concat("poolActor", vm.toString(i)));
            actors.push(actor);
            vm.startPrank(topAdmin_);
            token_.grantAccess(actor, WbxRoles.TRADER, IWebexToken.GrantKind.Extended);
            trading[actor] = true;
            token_.allocate(IWebexToken.Bucket.CommunityRewards, actor, INITIAL_WBX + (i == 0 ? SEED_WBX : 0));
            vm.stopPrank();
            vm.deal(actor, INITIAL_ETH + (i == 0 ? SEED_ETH : 0));
            vm.prank(actor);
            token_.approve(address(pool_), type(uint256).max);
        }
        // The first actor seeds the pool, so every share but the locked minimum belongs to an actor.
        vm.prank(actors[0]);
        (,, uint256 shares) = pool_.addLiquidity{value: SEED_ETH}(SEED_WBX, 0, 0, actors[0], block.timestamp);
        ghost_shares[actors[0]] = shares;
        ghost_sumShares = shares;
    }

    /*//////////////////////////////////////////////////////////////
                                 SWAPS
    //////////////////////////////////////////////////////////////*/

    function swapEthForWbx(uint256 actorSeed, uint256 toSeed, uint256 ethIn) external {
        address actor = _actor(actorSeed);
        if (actor.balance == 0 || !trading[actor]) return;
        ethIn = bound(ethIn, 1, actor.balance);
        (uint256 reserveWbx, uint256 reserveEth) = pool.getReserves();
        uint256 expected = _expectedOut(ethIn, reserveEth, reserveWbx, pool.feeBps());
        if (expected == 0) return;

        vm.prank(actor);
        uint256 out = pool.swapExactEthForWbx{value: ethIn}(0, _actor(toSeed), block.timestamp);
        _recordSwap(reserveWbx * reserveEth, out, expected);
    }

    function swapWbxForEth(uint256 actorSeed, uint256 toSeed, uint256 wbxIn) external {
        address actor = _actor(actorSeed);
        uint256 balance = token.balanceOf(actor);
        if (balance == 0 || !trading[actor]) return;
        wbxIn = bound(wbxIn, 1, balance);
        (uint256 reserveWbx, uint256 reserveEth) = pool.getReserves();
        uint256 expected = _expectedOut(wbxIn, reserveWbx, reserveEth, pool.feeBps());
        if (expected == 0) return;

        vm.prank(actor);
        uint256 out = pool.swapExactWbxForEth(wbxIn, 0, _actor(toSeed), block.timestamp);
        _recordSwap(reserveWbx * reserveEth, out, expected);
    }

    /*//////////////////////////////////////////////////////////////
                               LIQUIDITY
    //////////////////////////////////////////////////////////////*/

    /// @notice A deposit by an actor, credited to an actor or to the developer: it must succeed exactly when
    /// both the depositor and the recipient are active Traders (or be too small to mint a share).
    function addLiquidity(uint256 actorSeed, uint256 toSeed, uint256 wbxDesired, uint256 ethDesired) external {
        address actor = _actor(actorSeed);
        uint256 wbxBalance = token.balanceOf(actor);
        if (wbxBalance == 0 || actor.balance == 0) return;
        wbxDesired = bound(wbxDesired, 1, wbxBalance);
        ethDesired = bound(ethDesired, 1, actor.balance);
        address to = _holder(toSeed);
        bool allowed = trading[actor] && trading[to];

        vm.prank(actor);
        try pool.addLiquidity{value: ethDesired}(wbxDesired, 0, 0, to, block.timestamp) returns (
            uint256, uint256, uint256 shares
        ) {
            if (!allowed) ++ghost_sharesToNonTraders;
            ghost_shares[to] += shares;
            ghost_sumShares += shares;
        } catch (bytes memory reason) {
            // A deposit too small to mint a share is skipped; any other refusal of an allowed one is a failure.
            if (allowed && bytes4(reason) != IWbxPool.WbxPoolZeroAmount.selector) ++ghost_failedDeposits;
        }
    }

    /// @notice A withdrawal by an actor or the developer, paid to anyone: it must succeed exactly when the
    /// caller is an active Trader holding the shares.
    function removeLiquidity(uint256 actorSeed, uint256 toSeed, uint256 shares) external {
        address holder = _holder(actorSeed);
        uint256 held = pool.sharesOf(holder);
        if (held == 0) return;
        shares = bound(shares, 1, held);
        // The pool refuses a burn that pays nothing on either side; such a call would only waste a run.
        (uint112 rw, uint112 re) = pool.getReserves();
        uint256 total = pool.totalShares();
        if (shares * rw / total == 0 || shares * re / total == 0) return;

        vm.prank(holder);
        try pool.removeLiquidity(shares, 0, 0, _holder(toSeed), block.timestamp) {
            if (!trading[holder]) ++ghost_redeemsByNonTraders;
            ghost_shares[holder] -= shares;
            ghost_sumShares -= shares;
        } catch {
            if (trading[holder]) ++ghost_failedWithdrawals;
        }
    }

    /// @notice The top admin revokes an actor's Trader grant, or grants it again.
    function setTrader(uint256 actorSeed, bool active) external {
        address actor = _actor(actorSeed);
        if (trading[actor] == active) return;
        vm.prank(topAdmin);
        if (active) token.grantAccess(actor, WbxRoles.TRADER, IWebexToken.GrantKind.Extended);
        else token.revokeAccess(actor, WbxRoles.TRADER);
        trading[actor] = active;
    }

    function setFee(uint256 fee) external {
        fee = bound(fee, 0, pool.MAX_FEE_BPS());
        vm.prank(developer);
        // casting to 'uint16' is safe because fee <= MAX_FEE_BPS, bounded above
        // forge-lint: disable-next-line(unsafe-typecast)
        pool.setFee(uint16(fee));
    }

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    function actorCount() external pure returns (uint256) {
        return ACTORS;
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % ACTORS];
    }

    /// @dev An actor, or now and then the developer (who never trades).
    function _holder(uint256 seed) internal view returns (address) {
        uint256 i = seed % (ACTORS + 1);
        return i == ACTORS ? developer : actors[i];
    }

    function _recordSwap(uint256 kBefore, uint256 out, uint256 expected) internal {
        (uint256 reserveWbx, uint256 reserveEth) = pool.getReserves();
        if (reserveWbx * reserveEth < kBefore) ++ghost_kDecreases;
        if (out != expected) ++ghost_outputMismatches;
    }

    /// @dev Uniswap V2's output, written as the new out-reserve being the smallest that keeps the
    /// fee-adjusted product: `reserveOut - ceil(rIn * rOut * B / (rIn * B + in * (B - fee)))`.
    function _expectedOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut, uint256 fee)
        internal
        pure
        returns (uint256)
    {
        uint256 adjustedIn = reserveIn * BPS + amountIn * (BPS - fee);
        uint256 product = reserveIn * reserveOut * BPS;
        return reserveOut - (product + adjustedIn - 1) / adjustedIn;
    }
}
