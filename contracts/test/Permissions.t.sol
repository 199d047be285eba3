// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {WbxFixture} from "./utils/WbxFixture.sol";
import {IWebexToken} from "../src/interfaces/IWebexToken.sol";

/// @notice The role-by-function permission matrix of the token and the pool.
///
/// Every row calls one state-changing function once per role account of the fixture, each time from the
/// same state (the state is restored after each call), and checks that exactly the roles marked `Y`
/// succeed while every other caller reverts with `AccessControlUnauthorizedAccount(caller, deniedRole)`,
/// compared byte for byte. The columns of every pattern are, in order:
///
///     topAdmin  admin  trader  auditor  developer  keeper  stranger
///
/// The policy: Admin (top admin or timed admin grant) issues, allocates, grants and revokes access,
/// pauses, sets grant durations and registers pools; Trader transfers, approves, swaps and adds pool
/// liquidity; Auditor nothing; Developer the pool's fee and pause switch only; Keeper renews Extended
/// grants only; Stranger nothing. Only the top admin makes and unmakes admins and keepers.
contract PermissionsTest is WbxFixture {
    bytes32 internal constant DEFAULT_ADMIN = bytes32(0);
    IWebexToken.Bucket internal constant COMMUNITY = IWebexToken.Bucket.CommunityRewards;

    address[7] internal callers;
    string[7] internal names = ["topAdmin", "admin", "trader", "auditor", "developer", "keeper", "stranger"];
    address internal newcomer;
    address internal newPool;

    /// @dev Every caller holds WBX, ETH and an allowance from `trader2`, so that a denied call can only
    /// be denied for its permission, never for a missing balance or allowance.
    function setUp() public override {
        super.setUp();
        callers = [topAdmin, admin, trader, auditor, developer, keeper, stranger];
        newcomer = makeAddr("newcomer");
        newPool = makeAddr("newPool");

        seedPool(100_000e18, 100 ether);
        fund(trader2, 1000e18);
        for (uint256 i; i < callers.length; ++i) {
            fund(callers[i], 1000e18);
            vm.deal(callers[i], 10 ether);
            vm.prank(trader2);
            token.approve(callers[i], 1000e18);
        }
        vm.prank(trader);
        token.approve(address(pool), type(uint256).max);
    }

    /*//////////////////////////////////////////////////////////////
                              TOKEN: ADMIN
    //////////////////////////////////////////////////////////////*/

    function test_Token_Issue() public {
        _row("issue", address(token), abi.encodeCall(token.issue, (1e18)), "YY-----", ADMIN);
    }

    function test_Token_Allocate() public {
        _row("allocate", address(token), abi.encodeCall(token.allocate, (COMMUNITY, newcomer, 1e18)), "YY-----", ADMIN);
    }

    function test_Token_AllocateWithRef() public {
        _row(
            "allocateWithRef",
            address(token),
            abi.encodeCall(token.allocateWithRef, (COMMUNITY, newcomer, 1e18, bytes32("INV-1"))),
            "YY-----",
            ADMIN
        );
    }

    function test_Token_AllocateBatch() public {
        address[] memory to = new address[](1);
        to[0] = newcomer;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 1e18;
        _row(
            "allocateBatch",
            address(token),
            abi.encodeCall(token.allocateBatch, (COMMUNITY, to, amounts, keccak256("matrix batch"))),
            "YY-----",
            ADMIN
        );
    }

    function test_Token_GrantAccess() public {
        _row(
            "grantAccess",
            address(token),
            abi.encodeCall(token.grantAccess, (newcomer, AUDITOR, STANDARD)),
            "YY-----",
            ADMIN
        );
    }

    function test_Token_GrantAccessAdmin() public {
        bytes memory data = abi.encodeCall(token.grantAccess, (newcomer, ADMIN, STANDARD));
        _row("grantAccess(ADMIN)", address(token), data, "Y------", DEFAULT_ADMIN);
    }

    function test_Token_RevokeAccess() public {
        _row("revokeAccess", address(token), abi.encodeCall(token.revokeAccess, (auditor, AUDITOR)), "YY-----", ADMIN);
    }

    function test_Token_RevokeAccessAdmin() public {
        bytes memory data = abi.encodeCall(token.revokeAccess, (admin, ADMIN));
        _row("revokeAccess(ADMIN)", address(token), data, "Y------", DEFAULT_ADMIN);
    }

    function test_Token_Pause() public {
        _row("pause", address(token), abi.encodeCall(token.pause, ()), "YY-----", ADMIN);
    }

    function test_Token_Unpause() public {
        vm.prank(topAdmin);
        token.pause();
        _row("unpause", address(token), abi.encodeCall(token.unpause, ()), "YY-----", ADMIN);
    }

    function test_Token_SetGrantDurations() public {
        bytes memory data = abi.encodeCall(token.setGrantDurations, (10 minutes, 2 hours));
        _row("setGrantDurations", address(token), data, "YY-----", ADMIN);
    }

    function test_Token_SetPool() public {
        _row("setPool", address(token), abi.encodeCall(token.setPool, (newPool, true)), "YY-----", ADMIN);
    }

    function test_Token_GrantRoleKeeper() public {
        _row(
            "grantRole(KEEPER)",
            address(token),
            abi.encodeCall(token.grantRole, (KEEPER, newcomer)),
            "Y------",
            DEFAULT_ADMIN
        );
    }

    function test_Token_RevokeRoleKeeper() public {
        _row(
            "revokeRole(KEEPER)",
            address(token),
            abi.encodeCall(token.revokeRole, (KEEPER, keeper)),
            "Y------",
            DEFAULT_ADMIN
        );
    }

    function test_Token_BeginDefaultAdminTransfer() public {
        bytes memory data = abi.encodeCall(token.beginDefaultAdminTransfer, (newcomer));
        _row("beginDefaultAdminTransfer", address(token), data, "Y------", DEFAULT_ADMIN);
    }

    /*//////////////////////////////////////////////////////////////
                             TOKEN: KEEPER
    //////////////////////////////////////////////////////////////*/

    function test_Token_RenewFor() public {
        _row("renewFor", address(token), abi.encodeCall(token.renewFor, (trader2, TRADER)), "-----Y-", KEEPER);
    }

    function test_Token_RenewBatch() public {
        address[] memory accounts = new address[](1);
        accounts[0] = trader2;
        _row("renewBatch", address(token), abi.encodeCall(token.renewBatch, (TRADER, accounts)), "-----Y-", KEEPER);
    }

    function test_Keeper_CannotRenewStandardGrants() public {
        _expect(
            keeper,
            address(token),
            0,
            abi.encodeCall(token.renewFor, (trader, TRADER)),
            abi.encodeWithSelector(IWebexToken.WbxWrongGrantKind.selector, trader, TRADER, STANDARD)
        );
        address[] memory accounts = new address[](1);
        accounts[0] = trader;
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(TRADER, accounts), 0);
        vm.assertEq(token.grantOf(trader, TRADER).renewals, 0);
    }

    /// @dev Noteworthy: the keeper can keep an Extended *Admin* grant alive indefinitely (it cannot create one).
    function test_Keeper_RenewsExtendedAdminGrant() public {
        vm.warp(START + 50 minutes);
        vm.prank(keeper);
        token.renewFor(admin, ADMIN);
        vm.assertEq(token.grantOf(admin, ADMIN).expiresAt, START + 50 minutes + 1 hours);
    }

    /*//////////////////////////////////////////////////////////////
                             TOKEN: TRADER
    //////////////////////////////////////////////////////////////*/

    function test_Token_Transfer() public {
        _row("transfer", address(token), abi.encodeCall(token.transfer, (newcomer, 1e18)), "--Y----", TRADER);
    }

    function test_Token_Approve() public {
        _row("approve", address(token), abi.encodeCall(token.approve, (newcomer, 1e18)), "--Y----", TRADER);
    }

    function test_Token_TransferFrom() public {
        bytes memory data = abi.encodeCall(token.transferFrom, (trader2, newcomer, 1e18));
        _row("transferFrom", address(token), data, "--Y----", TRADER);
    }

    /*//////////////////////////////////////////////////////////////
                            POOL: DEVELOPER
    //////////////////////////////////////////////////////////////*/

    function test_Pool_SetFee() public {
        _row("pool.setFee", address(pool), abi.encodeCall(pool.setFee, (50)), "----Y--", DEVELOPER);
    }

    function test_Pool_Pause() public {
        _row("pool.pause", address(pool), abi.encodeCall(pool.pause, ()), "----Y--", DEVELOPER);
    }

    function test_Pool_Unpause() public {
        vm.prank(developer);
        pool.pause();
        _row("pool.unpause", address(pool), abi.encodeCall(pool.unpause, ()), "----Y--", DEVELOPER);
    }

    /*//////////////////////////////////////////////////////////////
                              POOL: TRADER
    //////////////////////////////////////////////////////////////*/

    function test_Pool_SwapExactEthForWbx() public {
        bytes memory data = abi.encodeCall(pool.swapExactEthForWbx, (0, newcomer, block.timestamp));
        _row("pool.swapExactEthForWbx", address(pool), 1 ether, data, "--Y----", TRADER);
    }

    function test_Pool_SwapExactWbxForEth() public {
        bytes memory data = abi.encodeCall(pool.swapExactWbxForEth, (10e18, 0, newcomer, block.timestamp));
        _row("pool.swapExactWbxForEth", address(pool), 0, data, "--Y----", TRADER);
    }

    function test_Pool_AddLiquidity() public {
        bytes memory data = abi.encodeCall(pool.addLiquidity, (1000e18, 0, 0, newcomer, block.timestamp));
        _row("pool.addLiquidity", address(pool), 1 ether, data, "--Y----", TRADER);
    }

    /*//////////////////////////////////////////////////////////////
                           EXPIRED AND REVOKED
    //////////////////////////////////////////////////////////////*/

    /// @dev Once every timed grant has lapsed, only the top admin (and the keeper's permanent role) remain,
    /// and each former holder is told its grant expired.
    function test_ExpiredGrantsAuthoriseNothing() public {
        vm.warp(START + 1 hours);
        uint256 standardEnd = START + 30 minutes;
        uint256 extendedEnd = START + 1 hours;

        _expect(admin, address(token), 0, abi.encodeCall(token.issue, (1)), _expired(admin, ADMIN, extendedEnd));
        _expect(admin, address(token), 0, abi.encodeCall(token.pause, ()), _expired(admin, ADMIN, extendedEnd));
        _expect(
            trader,
            address(token),
            0,
            abi.encodeCall(token.transfer, (newcomer, 1)),
            _expired(trader, TRADER, standardEnd)
        );
        _expect(
            trader,
            address(pool),
            1 ether,
            abi.encodeCall(pool.swapExactEthForWbx, (0, newcomer, block.timestamp)),
            _expired(trader, TRADER, standardEnd)
        );
        _expect(
            developer, address(pool), 0, abi.encodeCall(pool.setFee, (50)), _expired(developer, DEVELOPER, standardEnd)
        );
        _expect(
            keeper,
            address(token),
            0,
            abi.encodeCall(token.renewFor, (trader2, TRADER)),
            _expired(trader2, TRADER, extendedEnd)
        );
        _expect(topAdmin, address(token), 0, abi.encodeCall(token.issue, (1)), "");
    }

    function test_RevokedGrantsAuthoriseNothing() public {
        vm.startPrank(topAdmin);
        token.revokeAccess(admin, ADMIN);
        token.revokeAccess(trader, TRADER);
        token.revokeAccess(developer, DEVELOPER);
        vm.stopPrank();

        _expect(admin, address(token), 0, abi.encodeCall(token.issue, (1)), _revoked(admin, ADMIN, START, topAdmin));
        _expect(
            trader,
            address(token),
            0,
            abi.encodeCall(token.approve, (newcomer, 1)),
            _revoked(trader, TRADER, START, topAdmin)
        );
        _expect(
            developer, address(pool), 0, abi.encodeCall(pool.pause, ()), _revoked(developer, DEVELOPER, START, topAdmin)
        );
    }

    /// @dev A Developer never moves tokens, even holding a balance and an allowance (see the rows above),
    /// and cannot become a Trader while its Developer grant is active.
    function test_Developer_CannotBecomeTrader() public {
        _expect(
            admin,
            address(token),
            0,
            abi.encodeCall(token.grantAccess, (developer, TRADER, EXTENDED)),
            abi.encodeWithSelector(IWebexToken.WbxConflictingRole.selector, developer, TRADER, DEVELOPER)
        );
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _row(string memory fn, address target, bytes memory data, string memory allowed, bytes32 deniedRole)
        internal
    {
        _row(fn, target, 0, data, allowed, deniedRole);
    }

    /// @dev One row of the matrix: `allowed[i]` is `Y` if `callers[i]` may make the call, `-` if it must
    /// revert with `AccessControlUnauthorizedAccount(callers[i], deniedRole)`.
    function _row(
        string memory fn,
        address target,
        uint256 value,
        bytes memory data,
        string memory allowed,
        bytes32 deniedRole
    ) internal {
        bytes memory pattern = bytes(allowed);
        require(pattern.length == callers.length, "pattern: one column per caller");
        for (uint256 i; i < callers.length; ++i) {
            require(pattern[i] == "Y" || pattern[i] == "-", "pattern: Y or -");
            bytes memory expected = pattern[i] == "Y" ? bytes("") : _unauthorized(callers[i], deniedRole);
            _expect(string.concat(fn, " by ", names[i]), callers[i], target, value, data, expected);
        }
    }

    function _expect(address caller, address target, uint256 value, bytes memory data, bytes memory expectedRevert)
        internal
    {
        _expect("call", caller, target, value, data, expectedRevert);
    }

    /// @dev Calls `target` as `caller` and checks the outcome: success if `expectedRevert` is empty, else a
    /// revert with exactly `expectedRevert`. The state is restored afterwards.
    function _expect(
        string memory label,
        address caller,
        address target,
        uint256 value,
        bytes memory data,
        bytes memory expectedRevert
    ) internal {
        uint256 snapshot = vm.snapshotState();
        vm.prank(caller);
        (bool success, bytes memory returned) = target.call{value: value}(data);
        if (expectedRevert.length == 0) {
            // On failure this prints the unexpected revert data.
            if (!success) vm.assertEq(returned, expectedRevert, string.concat(label, ": should succeed"));
        } else {
            vm.assertFalse(success, string.concat(label, ": should revert"));
            vm.assertEq(returned, expectedRevert, string.concat(label, ": wrong revert"));
        }
        vm.revertToState(snapshot);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    function _expired(address account, bytes32 role, uint256 at) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IWebexToken.WbxGrantExpired.selector, account, role, at);
    }

    function _revoked(address account, bytes32 role, uint256 at, address by) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IWebexToken.WbxGrantRevoked.selector, account, role, at, by);
    }
}
