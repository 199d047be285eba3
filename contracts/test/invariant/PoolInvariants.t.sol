// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WbxFixture} from "../utils/WbxFixture.sol";
import {PoolHandler} from "./handlers/PoolHandler.sol";

/// @notice Pool invariants under random swaps both ways, deposits, withdrawals and fee changes
/// (see {PoolHandler}).
contract PoolInvariantsTest is WbxFixture {
    PoolHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new PoolHandler(token, pool, topAdmin, developer);

        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = PoolHandler.swapEthForWbx.selector;
        selectors[1] = PoolHandler.swapWbxForEth.selector;
        selectors[2] = PoolHandler.addLiquidity.selector;
        selectors[3] = PoolHandler.removeLiquidity.selector;
        selectors[4] = PoolHandler.setFee.selector;
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

    /// @notice A trader can always deposit what it holds, unless the deposit is too small to mint a share.
    function invariant_DepositsOnlyFailWhenTooSmall() public view {
        vm.assertEq(handler.ghost_failedDeposits(), 0);
    }
}
