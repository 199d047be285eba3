// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {WebexToken} from "../../src/WebexToken.sol";
import {WbxPool} from "../../src/WbxPool.sol";
import {IWebexToken} from "../../src/interfaces/IWebexToken.sol";
import {WbxRoles} from "../../src/libraries/WbxRoles.sol";

/// @notice A deployed token and pool with one account per role, shared by the unit tests.
/// @dev `setUp` only arranges state; it asserts nothing.
abstract contract WbxFixture is Test {
    uint256 internal constant INITIAL_SUPPLY = 1_000_000_000e18;
    uint48 internal constant ADMIN_DELAY = 2 days;
    uint16 internal constant POOL_FEE_BPS = 30;
    uint256 internal constant START = 1_750_000_000;

    bytes32 internal constant ADMIN = WbxRoles.ADMIN;
    bytes32 internal constant TRADER = WbxRoles.TRADER;
    bytes32 internal constant AUDITOR = WbxRoles.AUDITOR;
    bytes32 internal constant DEVELOPER = WbxRoles.DEVELOPER;
    bytes32 internal constant KEEPER = WbxRoles.KEEPER;

    IWebexToken.GrantKind internal constant STANDARD = IWebexToken.GrantKind.Standard;
    IWebexToken.GrantKind internal constant EXTENDED = IWebexToken.GrantKind.Extended;

    WebexToken internal token;
    WbxPool internal pool;

    address internal topAdmin;
    address internal admin; // holds a timed (Standard) Admin grant
    address internal trader; // Standard Trader grant
    address internal trader2; // Extended Trader grant
    address internal auditor;
    address internal developer;
    address internal keeper;
    address internal stranger; // no role at all
    uint256 internal traderKey;

    function setUp() public virtual {
        vm.warp(START);
        topAdmin = makeAddr("topAdmin");
        admin = makeAddr("admin");
        (trader, traderKey) = makeAddrAndKey("trader");
        trader2 = makeAddr("trader2");
        auditor = makeAddr("auditor");
        developer = makeAddr("developer");
        keeper = makeAddr("keeper");
        stranger = makeAddr("stranger");

        token = new WebexToken(INITIAL_SUPPLY, topAdmin, ADMIN_DELAY);
        pool = new WbxPool(IWebexToken(address(token)), POOL_FEE_BPS);

        vm.startPrank(topAdmin);
        token.grantAccess(admin, ADMIN, STANDARD);
        token.grantAccess(trader, TRADER, STANDARD);
        token.grantAccess(trader2, TRADER, EXTENDED);
        token.grantAccess(auditor, AUDITOR, STANDARD);
        token.grantAccess(developer, DEVELOPER, STANDARD);
        token.grantRole(KEEPER, keeper);
        token.setPool(address(pool), true);
        vm.stopPrank();
    }

    /// @dev Deploys another pool of this token (not registered): the one kind of contract `setPool` accepts.
    function deployPool() internal returns (address) {
        return address(new WbxPool(IWebexToken(address(token)), POOL_FEE_BPS));
    }

    /// @dev Releases `amount` from the Community Rewards bucket to `to`.
    function fund(address to, uint256 amount) internal {
        vm.prank(topAdmin);
        token.allocate(IWebexToken.Bucket.CommunityRewards, to, amount);
    }

    /// @dev Seeds the pool with `wbx` and `eth` from a funded trader.
    function seedPool(uint256 wbx, uint256 eth) internal {
        fund(trader2, wbx);
        vm.deal(trader2, eth);
        vm.startPrank(trader2);
        token.approve(address(pool), wbx);
        pool.addLiquidity{value: eth}(wbx, 0, 0, trader2, block.timestamp);
        vm.stopPrank();
    }
}
