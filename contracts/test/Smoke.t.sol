// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WbxFixture} from "./utils/WbxFixture.sol";

contract SmokeTest is WbxFixture {
    function test_Transfer() public {
        fund(trader, 100e18);
        vm.prank(trader);
        token.transfer(stranger, 40e18);
        vm.assertEq(token.balanceOf(stranger), 40e18);
    }

    function test_RevertWhen_StrangerTransfers() public {
        fund(stranger, 100e18);
        vm.prank(stranger);
        vm.expectRevert();
        token.transfer(trader, 1);
    }

    function testFuzz_Bound(uint256 x) public pure {
        vm.assertLe(bound(x, 5, 10), 10);
    }
}
