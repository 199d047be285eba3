// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {WbxFixture} from "./utils/WbxFixture.sol";
import {WebexToken} from "../src/WebexToken.sol";
import {WbxPool} from "../src/WbxPool.sol";
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
/// pauses and sets grant durations; Trader transfers, approves, swaps, adds pool liquidity (credited to a
/// Trader only) and withdraws it; Auditor nothing; Developer the pool's fee and pause switch only; Keeper
/// renews Extended grants only, never an Admin grant (which is Standard only); Stranger nothing. Only the
/// top admin makes and unmakes admins and keepers, and registers pools (contracts that are pools of this
/// token; a wallet never).
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
        newPool = deployPool();
        // The trader holds liquidity shares, so that a withdrawal can only be denied for its permission.
        fund(trader, 1000e18);
        vm.prank(trader);
        pool.addLiquidity{value: 1 ether}(1000e18, 0, 0, trader, block.timestamp);
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

    /// @dev Registering a pool is a top-admin act: a timed Admin grant is not enough.
    function test_Token_SetPool() public {
        _row("setPool", address(token), abi.encodeCall(token.setPool, (newPool, true)), "Y------", DEFAULT_ADMIN);
    }

    function test_Token_UnsetPool() public {
        bytes memory data = abi.encodeCall(token.setPool, (address(pool), false));
        _row("setPool(false)", address(token), data, "Y------", DEFAULT_ADMIN);
    }

    /// @dev Not even the top admin registers an account that is not a pool of this token: a wallet (each role
    /// account of the matrix), another token's pool, a contract without `token()`.
    function test_Token_SetPoolRefusesWhatIsNotAPoolOfThisToken() public {
        for (uint256 i; i < callers.length; ++i) {
            _expect(
                string.concat("setPool(", names[i], ")"),
                topAdmin,
                address(token),
                0,
                abi.encodeCall(token.setPool, (callers[i], true)),
                abi.encodeWithSelector(IWebexToken.WbxInvalidPool.selector, callers[i])
            );
        }
        address foreign = address(new WbxPool(IWebexToken(address(new WebexToken(1e18, topAdmin, 1 days))), 30));
        _expect(
            topAdmin,
            address(token),
            0,
            abi.encodeCall(token.setPool, (foreign, true)),
            abi.encodeWithSelector(IWebexToken.WbxInvalidPool.selector, foreign)
        );
        _expect(
            topAdmin,
            address(token),
            0,
            abi.encodeCall(token.setPool, (address(token), true)),
            abi.encodeWithSelector(IWebexToken.WbxInvalidPool.selector, address(token))
        );
    }

    /// @dev Admin grants are Standard only, whoever asks; the other timed roles may be Extended.
    function test_Token_GrantAccessAdminExtended() public {
        bytes memory data = abi.encodeCall(token.grantAccess, (newcomer, ADMIN, EXTENDED));
        for (uint256 i; i < callers.length; ++i) {
            bytes memory expected = callers[i] == topAdmin
                ? abi.encodeWithSelector(IWebexToken.WbxInvalidGrantKind.selector, ADMIN, EXTENDED)
                : _unauthorized(callers[i], DEFAULT_ADMIN);
            _expect(
                string.concat("grantAccess(ADMIN, EXTENDED) by ", names[i]),
                callers[i],
                address(token),
                0,
                data,
                expected
            );
        }
        _row(
            "grantAccess(EXTENDED)",
            address(token),
            abi.encodeCall(token.grantAccess, (newcomer, AUDITOR, EXTENDED)),
            "YY-----",
            ADMIN
        );
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

    /// @dev The keeper cannot keep admin power alive: an Admin grant is Standard, renewed by its holder only.
    function test_Keeper_CannotRenewAdminGrants() public {
        vm.warp(START + 20 minutes);
        _expect(
            keeper,
            address(token),
            0,
            abi.encodeCall(token.renewFor, (admin, ADMIN)),
            abi.encodeWithSelector(IWebexToken.WbxWrongGrantKind.selector, admin, ADMIN, STANDARD)
        );
        address[] memory accounts = new address[](1);
        accounts[0] = admin;
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(ADMIN, accounts), 0);
        vm.assertEq(token.grantOf(admin, ADMIN).expiresAt, START + 30 minutes);
        // Its holder renews it.
        _row("renew(ADMIN)", address(token), abi.encodeCall(token.renew, (ADMIN)), "-Y-----", ADMIN);
    }

    /// @dev A batch naming one account many times renews it once.
    function test_Keeper_RenewBatchWithDuplicatesRenewsOnce() public {
        address[] memory accounts = new address[](3);
        (accounts[0], accounts[1], accounts[2]) = (trader2, trader2, trader2);
        vm.warp(START + 50 minutes);
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(TRADER, accounts), 1);
        vm.assertEq(token.grantOf(trader2, TRADER).renewals, 1);
        vm.assertEq(token.grantOf(trader2, TRADER).expiresAt, START + 50 minutes + 1 hours);
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
        bytes memory data = abi.encodeCall(pool.addLiquidity, (1000e18, 0, 0, trader2, block.timestamp));
        _row("pool.addLiquidity", address(pool), 1 ether, data, "--Y----", TRADER);
    }

    /// @dev Shares are credited only to a Trader: a trader adding liquidity for each role account in turn.
    function test_Pool_AddLiquidityRecipient() public {
        for (uint256 i; i < callers.length; ++i) {
            bytes memory data = abi.encodeCall(pool.addLiquidity, (1000e18, 0, 0, callers[i], block.timestamp));
            bytes memory expected = callers[i] == trader ? bytes("") : _unauthorized(callers[i], TRADER);
            _expect(string.concat("pool.addLiquidity for ", names[i]), trader, address(pool), 1 ether, data, expected);
        }
    }

    /// @dev Redeeming shares moves WBX out of the pool: a Trader grant, as moving one's own WBX needs.
    function test_Pool_RemoveLiquidity() public {
        uint256 shares = pool.sharesOf(trader) / 2;
        bytes memory data = abi.encodeCall(pool.removeLiquidity, (shares, 0, 0, newcomer, block.timestamp));
        _row("pool.removeLiquidity", address(pool), 0, data, "--Y----", TRADER);
    }

    /*//////////////////////////////////////////////////////////////
                         MOVERS: POOLS AND GRANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev A registered pool moves WBX without a grant, as its code checks its callers' grants; unregistered,
    /// it is a holder like any other.
    function test_Token_TransferByRegisteredPool() public {
        fund(newPool, 10e18);
        _expect(
            newPool, address(token), 0, abi.encodeCall(token.transfer, (newcomer, 1e18)), _unauthorized(newPool, TRADER)
        );
        vm.prank(topAdmin);
        token.setPool(newPool, true);
        _expect(newPool, address(token), 0, abi.encodeCall(token.transfer, (newcomer, 1e18)), "");
        // Its registration outlives every timed grant, the top admin's power does not expire either.
        vm.warp(START + 30 days);
        _expect(newPool, address(token), 0, abi.encodeCall(token.transfer, (newcomer, 1e18)), "");
    }

    /*//////////////////////////////////////////////////////////////
                       THE REVIEW'S REPRODUCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @dev A timed Admin registered a Developer's wallet as a pool, which then moved WBX after every grant had
    /// expired. Now the Admin is refused (top admin only), the top admin too (a wallet is no pool), and the
    /// wallet never moves a token.
    function test_Repro_WalletRegisteredAsPool() public {
        _expect(
            admin,
            address(token),
            0,
            abi.encodeCall(token.setPool, (developer, true)),
            _unauthorized(admin, DEFAULT_ADMIN)
        );
        _expect(
            topAdmin,
            address(token),
            0,
            abi.encodeCall(token.setPool, (developer, true)),
            abi.encodeWithSelector(IWebexToken.WbxInvalidPool.selector, developer)
        );
        vm.warp(START + 2 hours);
        _expect(
            developer,
            address(token),
            0,
            abi.encodeCall(token.transfer, (newcomer, 1e18)),
            _unauthorized(developer, TRADER)
        );
    }

    /// @dev A trader added liquidity for a Developer, who then removed it to a third account. Now the deposit
    /// is refused, so the Developer never holds shares, and could not redeem them if it did.
    function test_Repro_DeveloperMovesValueOutOfThePool() public {
        _expect(
            trader,
            address(pool),
            1 ether,
            abi.encodeCall(pool.addLiquidity, (1000e18, 0, 0, developer, block.timestamp)),
            _unauthorized(developer, TRADER)
        );
        _expect(
            developer,
            address(pool),
            0,
            abi.encodeCall(pool.removeLiquidity, (1, 0, 0, newcomer, block.timestamp)),
            _unauthorized(developer, TRADER)
        );
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

        _expect(admin, address(token), 0, abi.encodeCall(token.issue, (1)), _expired(admin, ADMIN, standardEnd));
        _expect(admin, address(token), 0, abi.encodeCall(token.pause, ()), _expired(admin, ADMIN, standardEnd));
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
