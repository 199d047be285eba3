// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WbxFixture} from "../utils/WbxFixture.sol";
import {PoolHandler} from "./handlers/PoolHandler.sol";

/// @notice Pool invariants under random swaps both ways, deposits (for traders and for the developer),
/// withdrawals, Trader grants revoked and granted again, and fee changes (see {PoolHandler}).
contract PoolInvariantsTest is WbxFixture {
    PoolHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new PoolHandler(token, pool, topAdmin, developer);

        bytes4[] memory selectors = new bytes4[](6);
        selectors[0] = PoolHandler.swapEthForWbx.selector;
        selectors[1] = PoolHandler.swapWbxForEth.selector;
        selectors[2] = PoolHandler.addLiquidity.selector;
        selectors[3] = PoolHandler.removeLiquidity.selector;
        selectors[4] = PoolHandler.setFee.selector;
        selectors[5] = PoolHandler.setTrader.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice No swap ever lowered `reserveWbx * reserveEth` (liquidity changes move k on purpose and
    /// are not counted), and every swap paid exactly the Uniswap V2 output.
    function invariant_SwapsNeverDecreaseK() public view {
        vm.assertEq(handler.ghost_kDecreases(), 0, "a swap decreased k");
        vm.assertEq(handler.ghost_outputMismatches(), 0, "a swap paid off the V2 output");
    }

    /// @notice The reserves are exactly what the pool holds.
    function invariant_ReservesMatchBalances() public view {
        (uint256 reserveWbx, uint256 reserveEth) = pool.getReserves();
        vm.assertEq(reserveWbx, token.balanceOf(address(pool)), "reserveWbx != WBX balance");
        vm.assertEq(reserveEth, address(pool).balance, "reserveEth != ETH balance");
    }

    /// @notice Every share is the locked minimum or an actor's, and each actor holds what it was credited.
    function invariant_TotalSharesIsLockedPlusActorShares() public view {
        vm.assertEq(pool.totalShares(), pool.MINIMUM_LIQUIDITY() + handler.ghost_sumShares(), "total shares");
        for (uint256 i; i < handler.actorCount(); ++i) {
            address actor = handler.actors(i);
            vm.assertEq(pool.sharesOf(actor), handler.ghost_shares(actor), "actor shares");
        }
    }

    /// @notice A trader can always deposit what it holds for a trader, unless the deposit is too small to mint
    /// a share, and can always withdraw its shares.
    function invariant_DepositsOnlyFailWhenTooSmall() public view {
        vm.assertEq(handler.ghost_failedDeposits(), 0, "a deposit by and for Traders was refused");
        vm.assertEq(handler.ghost_failedWithdrawals(), 0, "a Trader's withdrawal was refused");
    }

    /// @notice Shares follow the rule of the tokens: credited only to active Traders, redeemed only by them;
    /// the developer never holds any.
    function invariant_SharesOnlyForTraders() public view {
        vm.assertEq(handler.ghost_sharesToNonTraders(), 0, "shares credited to (or by) a non-Trader");
        vm.assertEq(handler.ghost_redeemsByNonTraders(), 0, "shares redeemed by a non-Trader");
        vm.assertEq(pool.sharesOf(developer), 0, "the developer holds shares");
    }
}
