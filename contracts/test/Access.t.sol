// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {
    IAccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";

import {Vm} from "./utils/Test.sol";
import {WbxFixture} from "./utils/WbxFixture.sol";
import {IWebexToken} from "../src/interfaces/IWebexToken.sol";

/// @notice Time-limited grants: granting, expiry, renewal (own, signed, by keeper), revocation, the
/// role rules around them, and the top admin's two-step transfer.
contract AccessTest is WbxFixture {
    bytes32 internal constant DEFAULT_ADMIN = bytes32(0);
    bytes32 internal constant RENEWAL_TYPEHASH =
        keccak256("Renewal(address account,bytes32 role,uint256 nonce,uint256 deadline)");

    IWebexToken.GrantKind internal constant NONE = IWebexToken.GrantKind.None;
    IWebexToken.GrantStatus internal constant S_NONE = IWebexToken.GrantStatus.None;
    IWebexToken.GrantStatus internal constant S_ACTIVE = IWebexToken.GrantStatus.Active;
    IWebexToken.GrantStatus internal constant S_EXPIRED = IWebexToken.GrantStatus.Expired;
    IWebexToken.GrantStatus internal constant S_REVOKED = IWebexToken.GrantStatus.Revoked;

    /*//////////////////////////////////////////////////////////////
                              GRANT ACCESS
    //////////////////////////////////////////////////////////////*/

    function test_GrantAccess_EmitsAccessGranted() public {
        vm.warp(START + 100);
        vm.expectEmit(address(token));
        emit IWebexToken.AccessGranted(stranger, AUDITOR, admin, STANDARD, START + 100 + 30 minutes);
        vm.prank(admin);
        token.grantAccess(stranger, AUDITOR, STANDARD);
    }

    function test_GrantAccess_RecordsGrant() public {
        vm.warp(START + 100);
        vm.prank(admin);
        token.grantAccess(stranger, AUDITOR, STANDARD);

        IWebexToken.GrantInfo memory g = token.grantOf(stranger, AUDITOR);
        _assertKind(g.kind, STANDARD);
        _assertStatus(g.status, S_ACTIVE);
        vm.assertEq(g.grantedAt, START + 100);
        vm.assertEq(g.expiresAt, START + 100 + 30 minutes);
        vm.assertEq(g.renewals, 0);
        vm.assertEq(g.grantedBy, admin);
        vm.assertEq(g.renewedBy, address(0));
        vm.assertEq(g.revokedAt, 0);
        vm.assertEq(g.revokedBy, address(0));
        vm.assertTrue(token.hasRole(AUDITOR, stranger));
    }

    function test_GrantAccess_StandardLasts30Minutes() public view {
        IWebexToken.GrantInfo memory g = token.grantOf(trader, TRADER);
        _assertKind(g.kind, STANDARD);
        vm.assertEq(g.grantedAt, START);
        vm.assertEq(g.expiresAt, START + 30 minutes);
        vm.assertEq(g.grantedBy, topAdmin);
    }

    function test_GrantAccess_ExtendedLastsOneHour() public view {
        IWebexToken.GrantInfo memory g = token.grantOf(trader2, TRADER);
        _assertKind(g.kind, EXTENDED);
        vm.assertEq(g.grantedAt, START);
        vm.assertEq(g.expiresAt, START + 1 hours);
    }

    function test_GrantOf_NeverGranted() public view {
        IWebexToken.GrantInfo memory g = token.grantOf(stranger, TRADER);
        _assertKind(g.kind, NONE);
        _assertStatus(g.status, S_NONE);
        vm.assertEq(g.grantedAt, 0);
        vm.assertEq(g.expiresAt, 0);
        vm.assertEq(g.renewals, 0);
        vm.assertEq(g.grantedBy, address(0));
        vm.assertFalse(token.hasRole(TRADER, stranger));
    }

    function test_GrantAccess_ReplacesActiveGrant() public {
        vm.warp(START + 10 minutes);
        vm.prank(trader);
        token.renew(TRADER);

        vm.prank(admin);
        token.grantAccess(trader, TRADER, EXTENDED);
        IWebexToken.GrantInfo memory g = token.grantOf(trader, TRADER);
        _assertKind(g.kind, EXTENDED);
        vm.assertEq(g.grantedAt, START + 10 minutes);
        vm.assertEq(g.expiresAt, START + 10 minutes + 1 hours);
        vm.assertEq(g.renewals, 0);
        vm.assertEq(g.renewedBy, address(0));
        vm.assertEq(g.grantedBy, admin);
    }

    function test_RevertWhen_GrantAccessKindNone() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidGrantKind.selector, AUDITOR, NONE));
        vm.prank(admin);
        token.grantAccess(stranger, AUDITOR, NONE);
    }

    /// @dev Admin power is Standard only: a keeper never keeps it alive, its holder re-authenticates.
    function test_RevertWhen_GrantAdminExtended() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidGrantKind.selector, ADMIN, EXTENDED));
        vm.prank(topAdmin);
        token.grantAccess(stranger, ADMIN, EXTENDED);
        _assertKind(token.grantOf(stranger, ADMIN).kind, NONE);
    }

    /// @dev The other timed roles may still be Extended.
    function test_GrantAccess_ExtendedForEveryOtherTimedRole() public {
        bytes32[3] memory roles = [TRADER, AUDITOR, DEVELOPER];
        for (uint256 i; i < roles.length; ++i) {
            address account = makeAddr(string.concat("extended", vm.toString(i)));
            vm.prank(topAdmin);
            token.grantAccess(account, roles[i], EXTENDED);
            _assertKind(token.grantOf(account, roles[i]).kind, EXTENDED);
        }
    }

    /// @dev An admin keeps its power only by renewing it itself, by transaction or by a signature it made.
    function test_Admin_RenewsOwnGrantByTransactionOrSignature() public {
        vm.warp(START + 20 minutes);
        vm.prank(admin);
        token.renew(ADMIN);
        vm.assertEq(token.grantOf(admin, ADMIN).expiresAt, START + 50 minutes);

        (address admin2, uint256 admin2Key) = makeAddrAndKey("admin2");
        vm.prank(topAdmin);
        token.grantAccess(admin2, ADMIN, STANDARD);
        vm.warp(START + 40 minutes);
        bytes memory sig = _signRenewal(admin2Key, admin2, ADMIN, 0, block.timestamp);
        vm.prank(stranger);
        token.renewWithSig(admin2, ADMIN, block.timestamp, sig);
        vm.assertEq(token.grantOf(admin2, ADMIN).expiresAt, START + 70 minutes);
        vm.assertEq(token.grantOf(admin2, ADMIN).renewedBy, admin2);
    }

    /// @dev The keeper cannot keep an admin grant alive, alone or in a batch.
    function test_Keeper_CannotRenewAdminGrants() public {
        vm.warp(START + 20 minutes);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxWrongGrantKind.selector, admin, ADMIN, STANDARD));
        vm.prank(keeper);
        token.renewFor(admin, ADMIN);
        address[] memory accounts = new address[](1);
        accounts[0] = admin;
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(ADMIN, accounts), 0);
        vm.assertEq(token.grantOf(admin, ADMIN).expiresAt, START + 30 minutes);
        vm.assertEq(token.grantOf(admin, ADMIN).renewals, 0);
    }

    function test_RevertWhen_GrantAccessToZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidAccount.selector, address(0)));
        vm.prank(admin);
        token.grantAccess(address(0), AUDITOR, STANDARD);
    }

    function test_RevertWhen_GrantAccessNotTimedRole() public {
        bytes32[3] memory roles = [KEEPER, DEFAULT_ADMIN, keccak256("SOMETHING_ELSE")];
        for (uint256 i; i < roles.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxNotTimedRole.selector, roles[i]));
            vm.prank(topAdmin);
            token.grantAccess(stranger, roles[i], EXTENDED);
        }
    }

    function test_RevertWhen_RevokeAccessNotTimedRole() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxNotTimedRole.selector, KEEPER));
        vm.prank(topAdmin);
        token.revokeAccess(keeper, KEEPER);
    }

    function test_IsTimedRole() public view {
        vm.assertTrue(token.isTimedRole(ADMIN));
        vm.assertTrue(token.isTimedRole(TRADER));
        vm.assertTrue(token.isTimedRole(AUDITOR));
        vm.assertTrue(token.isTimedRole(DEVELOPER));
        vm.assertFalse(token.isTimedRole(KEEPER));
        vm.assertFalse(token.isTimedRole(DEFAULT_ADMIN));
    }

    /*//////////////////////////////////////////////////////////////
                                EXPIRY
    //////////////////////////////////////////////////////////////*/

    function test_Expiry_BoundaryStandard() public {
        _assertExpiryBoundary(trader, TRADER, START + 30 minutes);
    }

    function test_Expiry_BoundaryExtended() public {
        _assertExpiryBoundary(trader2, TRADER, START + 1 hours);
    }

    function test_Expiry_BoundaryAdmin() public {
        _assertExpiryBoundary(admin, ADMIN, START + 30 minutes);
        vm.assertFalse(token.isAdmin(admin));
    }

    function test_Expiry_TransferBoundary() public {
        fund(trader, 10e18);
        uint256 t = token.grantOf(trader, TRADER).expiresAt;

        vm.warp(t - 1);
        vm.prank(trader);
        token.transfer(stranger, 1e18);
        vm.assertEq(token.balanceOf(stranger), 1e18);

        vm.warp(t);
        vm.expectRevert(_expired(trader, TRADER, t));
        vm.prank(trader);
        token.transfer(stranger, 1e18);

        vm.warp(t + 1);
        vm.expectRevert(_expired(trader, TRADER, t));
        vm.prank(trader);
        token.transfer(stranger, 1e18);
        vm.assertEq(token.balanceOf(trader), 9e18);
    }

    function test_RevertWhen_ExpiredAdminIssues() public {
        uint256 t = START + 30 minutes;
        vm.warp(t - 1);
        vm.prank(admin);
        token.issue(1e18);

        vm.warp(t);
        vm.expectRevert(_expired(admin, ADMIN, t));
        vm.prank(admin);
        token.issue(1e18);
    }

    function test_RevertWhen_ExpiredAdminGrants() public {
        vm.warp(START + 30 minutes);
        vm.expectRevert(_expired(admin, ADMIN, START + 30 minutes));
        vm.prank(admin);
        token.grantAccess(stranger, TRADER, STANDARD);
    }

    /*//////////////////////////////////////////////////////////////
                                 RENEW
    //////////////////////////////////////////////////////////////*/

    function test_Renew_ExtendsOwnStandardGrant() public {
        vm.warp(START + 10 minutes);
        uint256 expected = START + 10 minutes + 30 minutes;
        vm.expectEmit(address(token));
        emit IWebexToken.AccessRenewed(trader, TRADER, trader, expected);
        vm.prank(trader);
        token.renew(TRADER);

        IWebexToken.GrantInfo memory g = token.grantOf(trader, TRADER);
        vm.assertEq(g.expiresAt, expected);
        vm.assertEq(g.renewals, 1);
        vm.assertEq(g.renewedBy, trader);
        // Slot 1 is untouched by a renewal.
        vm.assertEq(g.grantedAt, START);
        vm.assertEq(g.grantedBy, topAdmin);
        _assertKind(g.kind, STANDARD);

        // Authorised past the original expiry.
        vm.warp(START + 30 minutes);
        vm.assertTrue(token.hasRole(TRADER, trader));
        vm.warp(expected);
        vm.assertFalse(token.hasRole(TRADER, trader));
    }

    function test_Renew_AtLastSecond() public {
        vm.warp(START + 30 minutes - 1);
        vm.prank(trader);
        token.renew(TRADER);
        vm.assertEq(token.grantOf(trader, TRADER).expiresAt, START + 60 minutes - 1);
    }

    function test_Renew_NeverStacks() public {
        vm.warp(START + 5 minutes);
        vm.startPrank(trader);
        token.renew(TRADER);
        token.renew(TRADER);
        vm.stopPrank();
        IWebexToken.GrantInfo memory g = token.grantOf(trader, TRADER);
        vm.assertEq(g.expiresAt, START + 5 minutes + 30 minutes);
        vm.assertEq(g.renewals, 2);
        vm.assertEq(g.renewedBy, trader);
    }

    function test_RevertWhen_RenewExtendedGrant() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxWrongGrantKind.selector, trader2, TRADER, EXTENDED));
        vm.prank(trader2);
        token.renew(TRADER);
    }

    function test_RevertWhen_RenewExpiredGrant() public {
        vm.warp(START + 30 minutes);
        vm.expectRevert(_expired(trader, TRADER, START + 30 minutes));
        vm.prank(trader);
        token.renew(TRADER);
    }

    function test_RevertWhen_RenewNeverGranted() public {
        vm.expectRevert(_unauthorized(stranger, TRADER));
        vm.prank(stranger);
        token.renew(TRADER);
    }

    function test_RevertWhen_RenewRevokedGrant() public {
        vm.prank(admin);
        token.revokeAccess(trader, TRADER);
        vm.expectRevert(_revoked(trader, TRADER, START, admin));
        vm.prank(trader);
        token.renew(TRADER);
    }

    function test_RevertWhen_RenewNonTimedRole() public {
        vm.expectRevert(_unauthorized(keeper, KEEPER));
        vm.prank(keeper);
        token.renew(KEEPER);
    }

    /*//////////////////////////////////////////////////////////////
                            RENEW WITH SIG
    //////////////////////////////////////////////////////////////*/

    function test_DomainSeparator() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Webex Token"),
                keccak256("1"),
                block.chainid,
                address(token)
            )
        );
        vm.assertEq(token.DOMAIN_SEPARATOR(), expected);
    }

    function test_RenewWithSig_RelayedByStranger() public {
        vm.warp(START + 10 minutes);
        uint256 deadline = block.timestamp + 1 minutes;
        bytes memory sig = _signRenewal(traderKey, trader, TRADER, 0, deadline);
        uint256 expected = block.timestamp + 30 minutes;

        vm.expectEmit(address(token));
        emit IWebexToken.AccessRenewed(trader, TRADER, trader, expected);
        vm.prank(stranger);
        token.renewWithSig(trader, TRADER, deadline, sig);

        IWebexToken.GrantInfo memory g = token.grantOf(trader, TRADER);
        vm.assertEq(g.expiresAt, expected);
        vm.assertEq(g.renewals, 1);
        vm.assertEq(g.renewedBy, trader);
        vm.assertEq(token.renewalNonce(trader), 1);
    }

    function test_RenewWithSig_AtDeadline() public {
        uint256 deadline = block.timestamp;
        bytes memory sig = _signRenewal(traderKey, trader, TRADER, 0, deadline);
        vm.prank(stranger);
        token.renewWithSig(trader, TRADER, deadline, sig);
        vm.assertEq(token.grantOf(trader, TRADER).renewals, 1);
    }

    function test_RenewWithSig_SecondSignatureWithNextNonce() public {
        bytes memory sig0 = _signRenewal(traderKey, trader, TRADER, 0, START + 1 days);
        bytes memory sig1 = _signRenewal(traderKey, trader, TRADER, 1, START + 1 days);
        vm.startPrank(stranger);
        token.renewWithSig(trader, TRADER, START + 1 days, sig0);
        token.renewWithSig(trader, TRADER, START + 1 days, sig1);
        vm.stopPrank();
        vm.assertEq(token.renewalNonce(trader), 2);
        vm.assertEq(token.grantOf(trader, TRADER).renewals, 2);
    }

    function test_RevertWhen_RenewWithSigReplayed() public {
        uint256 deadline = START + 1 days;
        bytes memory sig = _signRenewal(traderKey, trader, TRADER, 0, deadline);
        vm.prank(stranger);
        token.renewWithSig(trader, TRADER, deadline, sig);

        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidRenewalSignature.selector, trader));
        vm.prank(stranger);
        token.renewWithSig(trader, TRADER, deadline, sig);
        vm.assertEq(token.renewalNonce(trader), 1);
    }

    function test_RevertWhen_RenewWithSigExpired() public {
        uint256 deadline = block.timestamp - 1;
        bytes memory sig = _signRenewal(traderKey, trader, TRADER, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxRenewalSignatureExpired.selector, deadline));
        vm.prank(stranger);
        token.renewWithSig(trader, TRADER, deadline, sig);
    }

    function test_RevertWhen_RenewWithSigWrongSigner() public {
        (, uint256 otherKey) = makeAddrAndKey("other");
        uint256 deadline = START + 1 days;
        bytes memory sig = _signRenewal(otherKey, trader, TRADER, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidRenewalSignature.selector, trader));
        vm.prank(stranger);
        token.renewWithSig(trader, TRADER, deadline, sig);
        vm.assertEq(token.renewalNonce(trader), 0);
    }

    function test_RevertWhen_RenewWithSigForAnotherRole() public {
        vm.prank(admin);
        token.grantAccess(trader, AUDITOR, STANDARD);
        uint256 deadline = START + 1 days;
        bytes memory sig = _signRenewal(traderKey, trader, TRADER, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidRenewalSignature.selector, trader));
        vm.prank(stranger);
        token.renewWithSig(trader, AUDITOR, deadline, sig);
    }

    function test_RevertWhen_RenewWithSigForAnotherDeadline() public {
        bytes memory sig = _signRenewal(traderKey, trader, TRADER, 0, START + 1 days);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidRenewalSignature.selector, trader));
        vm.prank(stranger);
        token.renewWithSig(trader, TRADER, START + 2 days, sig);
    }

    function test_RevertWhen_RenewWithSigExtendedGrant() public {
        (address ext, uint256 extKey) = makeAddrAndKey("extendedTrader");
        vm.prank(admin);
        token.grantAccess(ext, TRADER, EXTENDED);
        uint256 deadline = START + 1 days;
        bytes memory sig = _signRenewal(extKey, ext, TRADER, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxWrongGrantKind.selector, ext, TRADER, EXTENDED));
        vm.prank(stranger);
        token.renewWithSig(ext, TRADER, deadline, sig);
    }

    function test_RevertWhen_RenewWithSigExpiredGrant() public {
        uint256 deadline = START + 1 days;
        bytes memory sig = _signRenewal(traderKey, trader, TRADER, 0, deadline);
        vm.warp(START + 30 minutes);
        vm.expectRevert(_expired(trader, TRADER, START + 30 minutes));
        vm.prank(stranger);
        token.renewWithSig(trader, TRADER, deadline, sig);
        vm.assertEq(token.renewalNonce(trader), 0);
    }

    /*//////////////////////////////////////////////////////////////
                        RENEW FOR, RENEW BATCH
    //////////////////////////////////////////////////////////////*/

    function test_RenewFor_ExtendsExtendedGrant() public {
        vm.warp(START + 40 minutes);
        uint256 expected = START + 40 minutes + 1 hours;
        vm.expectEmit(address(token));
        emit IWebexToken.AccessRenewed(trader2, TRADER, keeper, expected);
        vm.prank(keeper);
        token.renewFor(trader2, TRADER);

        IWebexToken.GrantInfo memory g = token.grantOf(trader2, TRADER);
        vm.assertEq(g.expiresAt, expected);
        vm.assertEq(g.renewals, 1);
        vm.assertEq(g.renewedBy, keeper);
        _assertKind(g.kind, EXTENDED);
        vm.assertEq(g.grantedBy, topAdmin);
    }

    function test_RenewFor_NeverStacks() public {
        vm.startPrank(keeper);
        token.renewFor(trader2, TRADER);
        token.renewFor(trader2, TRADER);
        vm.stopPrank();
        IWebexToken.GrantInfo memory g = token.grantOf(trader2, TRADER);
        vm.assertEq(g.expiresAt, START + 1 hours);
        vm.assertEq(g.renewals, 2);
    }

    function test_RevertWhen_RenewForStandardGrant() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxWrongGrantKind.selector, trader, TRADER, STANDARD));
        vm.prank(keeper);
        token.renewFor(trader, TRADER);
    }

    function test_RevertWhen_RenewForExpiredGrant() public {
        vm.warp(START + 1 hours);
        vm.expectRevert(_expired(trader2, TRADER, START + 1 hours));
        vm.prank(keeper);
        token.renewFor(trader2, TRADER);
    }

    function test_RevertWhen_RenewForRevokedGrant() public {
        vm.prank(admin);
        token.revokeAccess(trader2, TRADER);
        vm.expectRevert(_revoked(trader2, TRADER, START, admin));
        vm.prank(keeper);
        token.renewFor(trader2, TRADER);
    }

    function test_RevertWhen_RenewForNeverGranted() public {
        vm.expectRevert(_unauthorized(stranger, TRADER));
        vm.prank(keeper);
        token.renewFor(stranger, TRADER);
    }

    function test_RevertWhen_RenewForByNonKeeper() public {
        vm.expectRevert(_unauthorized(topAdmin, KEEPER));
        vm.prank(topAdmin);
        token.renewFor(trader2, TRADER);
    }

    function test_RenewBatch_SkipsIneligibleAccounts() public {
        address expiredExt = makeAddr("expiredExt");
        address revokedExt = makeAddr("revokedExt");
        address freshExt = makeAddr("freshExt");
        vm.startPrank(topAdmin);
        token.grantAccess(expiredExt, TRADER, EXTENDED); // expires at START + 1 h
        token.grantAccess(revokedExt, TRADER, EXTENDED);
        vm.stopPrank();

        vm.warp(START + 30 minutes);
        vm.startPrank(topAdmin);
        token.grantAccess(freshExt, TRADER, EXTENDED); // expires at START + 90 min
        token.revokeAccess(revokedExt, TRADER);
        vm.stopPrank();
        vm.prank(keeper);
        token.renewFor(trader2, TRADER); // expires at START + 90 min

        vm.warp(START + 1 hours);
        address[] memory accounts = new address[](6);
        accounts[0] = trader2; // active Extended: renewed
        accounts[1] = trader; // Standard (and expired by now): skipped
        accounts[2] = revokedExt; // revoked: skipped
        accounts[3] = expiredExt; // expired this very second: skipped
        accounts[4] = stranger; // never granted: skipped
        accounts[5] = freshExt; // active Extended: renewed

        uint256 expected = START + 2 hours;
        address[] memory renewedAccounts = new address[](2);
        (renewedAccounts[0], renewedAccounts[1]) = (trader2, freshExt);

        vm.recordLogs();
        vm.prank(keeper);
        uint256 renewed = token.renewBatch(TRADER, accounts);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        vm.assertEq(renewed, 2);
        // Exactly one batch log, listing only the renewed accounts, and no per-grant renewal logs.
        uint256 batchLogs;
        for (uint256 i; i < logs.length; ++i) {
            vm.assertTrue(logs[i].topics[0] != IWebexToken.AccessRenewed.selector, "unexpected AccessRenewed");
            if (logs[i].topics[0] != IWebexToken.AccessRenewedBatch.selector) continue;
            ++batchLogs;
            vm.assertEq(logs[i].emitter, address(token));
            vm.assertEq(logs[i].topics[1], TRADER);
            vm.assertEq(logs[i].topics[2], bytes32(uint256(uint160(keeper))));
            (uint256 expiresAt, address[] memory listed) = abi.decode(logs[i].data, (uint256, address[]));
            vm.assertEq(expiresAt, expected);
            vm.assertEq(listed, renewedAccounts);
        }
        vm.assertEq(batchLogs, 1);

        // The renewed grants: slot 0 rewritten, slot 1 intact.
        _assertRenewedByKeeper(trader2, expected, 2, START, topAdmin);
        _assertRenewedByKeeper(freshExt, expected, 1, START + 30 minutes, topAdmin);
        // The skipped ones are unchanged.
        vm.assertEq(token.grantOf(trader, TRADER).expiresAt, START + 30 minutes);
        vm.assertEq(token.grantOf(trader, TRADER).renewals, 0);
        vm.assertEq(token.grantOf(revokedExt, TRADER).expiresAt, START + 30 minutes);
        _assertStatus(token.grantOf(revokedExt, TRADER).status, S_REVOKED);
        vm.assertEq(token.grantOf(expiredExt, TRADER).expiresAt, START + 1 hours);
        vm.assertEq(token.grantOf(expiredExt, TRADER).renewals, 0);
        _assertKind(token.grantOf(stranger, TRADER).kind, NONE);
    }

    function test_RenewBatch_EmitsBatchEvent() public {
        address[] memory accounts = new address[](1);
        accounts[0] = trader2;
        vm.warp(START + 10 minutes);
        vm.expectEmit(address(token));
        emit IWebexToken.AccessRenewedBatch(TRADER, keeper, START + 70 minutes, accounts);
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(TRADER, accounts), 1);
    }

    /// @dev An account listed more than once is renewed once: one more renewal, listed once in the event.
    function test_RenewBatch_DuplicateAccountsRenewOnce() public {
        address other = makeAddr("otherExtended");
        vm.prank(topAdmin);
        token.grantAccess(other, TRADER, EXTENDED);
        address[] memory accounts = new address[](5);
        (accounts[0], accounts[1], accounts[2], accounts[3], accounts[4]) = (trader2, trader2, other, trader2, other);
        address[] memory listed = new address[](2);
        (listed[0], listed[1]) = (trader2, other);

        vm.warp(START + 10 minutes);
        vm.expectEmit(address(token));
        emit IWebexToken.AccessRenewedBatch(TRADER, keeper, START + 70 minutes, listed);
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(TRADER, accounts), 2);
        vm.assertEq(token.grantOf(trader2, TRADER).renewals, 1);
        vm.assertEq(token.grantOf(other, TRADER).renewals, 1);
        vm.assertEq(token.grantOf(trader2, TRADER).expiresAt, START + 70 minutes);

        // A second batch in the same second renews nothing more.
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(TRADER, accounts), 0);
        vm.assertEq(token.grantOf(trader2, TRADER).renewals, 1);
    }

    /// @dev After the Extended duration was shortened, a batch does not cut a longer grant short.
    function test_RenewBatch_NeverShortensAGrant() public {
        vm.prank(topAdmin);
        token.setGrantDurations(30 minutes, 10 minutes);
        address[] memory accounts = new address[](1);
        accounts[0] = trader2;
        vm.warp(START + 5 minutes);
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(TRADER, accounts), 0);
        vm.assertEq(token.grantOf(trader2, TRADER).expiresAt, START + 1 hours);
        vm.warp(START + 55 minutes);
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(TRADER, accounts), 1);
        vm.assertEq(token.grantOf(trader2, TRADER).expiresAt, START + 65 minutes);
    }

    function test_RenewBatch_Empty() public {
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(TRADER, new address[](0)), 0);
    }

    function test_RenewBatch_OnlyStandardGrantsRenewsNothing() public {
        address[] memory accounts = new address[](3);
        (accounts[0], accounts[1], accounts[2]) = (trader, auditor, developer);
        vm.prank(keeper);
        vm.assertEq(token.renewBatch(TRADER, accounts), 0);
        vm.assertEq(token.grantOf(trader, TRADER).renewals, 0);
    }

    function test_RenewBatch_RepeatedRenewalsKeepOtherFields() public {
        // Many renewals keep every other field of the grant intact.
        address[] memory accounts = new address[](1);
        accounts[0] = trader2;
        vm.startPrank(keeper);
        for (uint256 i = 1; i <= 20; ++i) {
            vm.warp(START + i * 10 minutes);
            token.renewBatch(TRADER, accounts);
        }
        vm.stopPrank();
        IWebexToken.GrantInfo memory g = token.grantOf(trader2, TRADER);
        vm.assertEq(g.renewals, 20);
        vm.assertEq(g.expiresAt, START + 200 minutes + 1 hours);
        _assertKind(g.kind, EXTENDED);
        vm.assertEq(g.renewedBy, keeper);
        vm.assertEq(g.grantedBy, topAdmin);
        vm.assertEq(g.grantedAt, START);
        vm.assertEq(g.revokedAt, 0);
    }

    /// @dev The batch renewal rewrites slot 0 of the grant by hand: a counter at its 32-bit maximum
    /// wraps to zero without spilling into `renewedBy`, as the Solidity path of `renewFor` does.
    function test_RenewBatch_RenewalCounterWrapsWithinItsField() public {
        _setRenewals(trader2, TRADER, type(uint32).max);
        vm.assertEq(token.grantOf(trader2, TRADER).renewals, type(uint32).max);

        address[] memory accounts = new address[](1);
        accounts[0] = trader2;
        vm.warp(START + 10 minutes);
        vm.prank(keeper);
        token.renewBatch(TRADER, accounts);

        IWebexToken.GrantInfo memory g = token.grantOf(trader2, TRADER);
        vm.assertEq(g.renewals, 0);
        vm.assertEq(g.renewedBy, keeper);
        vm.assertEq(g.expiresAt, START + 70 minutes);
        _assertKind(g.kind, EXTENDED);
        _assertStatus(g.status, S_ACTIVE);
    }

    function test_RenewFor_RenewalCounterWrapsWithinItsField() public {
        _setRenewals(trader2, TRADER, type(uint32).max);
        vm.prank(keeper);
        token.renewFor(trader2, TRADER);
        IWebexToken.GrantInfo memory g = token.grantOf(trader2, TRADER);
        vm.assertEq(g.renewals, 0);
        vm.assertEq(g.renewedBy, keeper);
        _assertKind(g.kind, EXTENDED);
    }

    function test_RevertWhen_RenewBatchByNonKeeper() public {
        vm.expectRevert(_unauthorized(admin, KEEPER));
        vm.prank(admin);
        token.renewBatch(TRADER, new address[](0));
    }

    /*//////////////////////////////////////////////////////////////
                                REVOKE
    //////////////////////////////////////////////////////////////*/

    function test_RevokeAccess_IsImmediate() public {
        fund(trader, 10e18);
        vm.warp(START + 5 minutes);
        vm.prank(trader);
        token.transfer(stranger, 1e18);

        vm.expectEmit(address(token));
        emit IWebexToken.AccessRevoked(trader, TRADER, admin);
        vm.prank(admin);
        token.revokeAccess(trader, TRADER);

        // Same block, same second.
        vm.expectRevert(_revoked(trader, TRADER, START + 5 minutes, admin));
        vm.prank(trader);
        token.transfer(stranger, 1e18);

        IWebexToken.GrantInfo memory g = token.grantOf(trader, TRADER);
        _assertStatus(g.status, S_REVOKED);
        vm.assertEq(g.revokedAt, START + 5 minutes);
        vm.assertEq(g.revokedBy, admin);
        vm.assertEq(g.expiresAt, START + 5 minutes);
        vm.assertFalse(token.hasRole(TRADER, trader));

        // Still revoked, not expired, long after the original expiry.
        vm.warp(START + 2 days);
        vm.expectRevert(_revoked(trader, TRADER, START + 5 minutes, admin));
        vm.prank(trader);
        token.transfer(stranger, 1e18);
    }

    function test_RevertWhen_RevokeExpiredGrant() public {
        vm.warp(START + 30 minutes);
        vm.expectRevert(_expired(trader, TRADER, START + 30 minutes));
        vm.prank(topAdmin);
        token.revokeAccess(trader, TRADER);
    }

    function test_RevertWhen_RevokeTwice() public {
        vm.startPrank(topAdmin);
        token.revokeAccess(trader, TRADER);
        vm.expectRevert(_revoked(trader, TRADER, START, topAdmin));
        token.revokeAccess(trader, TRADER);
        vm.stopPrank();
    }

    function test_RevertWhen_RevokeNeverGranted() public {
        vm.expectRevert(_unauthorized(stranger, TRADER));
        vm.prank(topAdmin);
        token.revokeAccess(stranger, TRADER);
    }

    function test_Regrant_AfterRevoke() public {
        vm.prank(admin);
        token.revokeAccess(trader, TRADER);
        vm.warp(START + 1 minutes);
        vm.prank(admin);
        token.grantAccess(trader, TRADER, STANDARD);

        IWebexToken.GrantInfo memory g = token.grantOf(trader, TRADER);
        _assertStatus(g.status, S_ACTIVE);
        vm.assertEq(g.revokedAt, 0);
        vm.assertEq(g.revokedBy, address(0));
        vm.assertEq(g.grantedAt, START + 1 minutes);
        vm.assertEq(g.expiresAt, START + 31 minutes);
        vm.assertEq(g.grantedBy, admin);

        fund(trader, 1e18);
        vm.prank(trader);
        token.transfer(stranger, 1e18);
        vm.assertEq(token.balanceOf(stranger), 1e18);
    }

    function test_Regrant_AfterExpiry() public {
        vm.warp(START + 45 minutes);
        _assertStatus(token.grantOf(trader, TRADER).status, S_EXPIRED);
        vm.prank(topAdmin);
        token.grantAccess(trader, TRADER, STANDARD);
        IWebexToken.GrantInfo memory g = token.grantOf(trader, TRADER);
        _assertStatus(g.status, S_ACTIVE);
        vm.assertEq(g.expiresAt, START + 75 minutes);
        vm.assertTrue(token.hasRole(TRADER, trader));
    }

    /*//////////////////////////////////////////////////////////////
                            RENOUNCE ROLE
    //////////////////////////////////////////////////////////////*/

    function test_RenounceRole_TimedRoleRevokesOwnGrant() public {
        vm.warp(START + 1 minutes);
        vm.expectEmit(address(token));
        emit IWebexToken.AccessRevoked(trader, TRADER, trader);
        vm.prank(trader);
        token.renounceRole(TRADER, trader);

        IWebexToken.GrantInfo memory g = token.grantOf(trader, TRADER);
        _assertStatus(g.status, S_REVOKED);
        vm.assertEq(g.revokedAt, START + 1 minutes);
        vm.assertEq(g.revokedBy, trader);
        vm.assertFalse(token.hasRole(TRADER, trader));
    }

    function test_RenounceRole_AdminLosesPowers() public {
        vm.prank(admin);
        token.renounceRole(ADMIN, admin);
        vm.assertFalse(token.isAdmin(admin));
        vm.expectRevert(_revoked(admin, ADMIN, START, admin));
        vm.prank(admin);
        token.issue(1);
    }

    function test_RevertWhen_RenounceRoleForAnotherAccount() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlBadConfirmation.selector));
        vm.prank(admin);
        token.renounceRole(TRADER, trader);
        vm.assertTrue(token.hasRole(TRADER, trader));
    }

    function test_RevertWhen_RenounceExpiredGrant() public {
        vm.warp(START + 30 minutes);
        vm.expectRevert(_expired(trader, TRADER, START + 30 minutes));
        vm.prank(trader);
        token.renounceRole(TRADER, trader);
    }

    function test_RenounceRole_Keeper() public {
        vm.prank(keeper);
        token.renounceRole(KEEPER, keeper);
        vm.assertFalse(token.hasRole(KEEPER, keeper));
        vm.expectRevert(_unauthorized(keeper, KEEPER));
        vm.prank(keeper);
        token.renewFor(trader2, TRADER);
    }

    /*//////////////////////////////////////////////////////////////
                    GRANT ROLE, REVOKE ROLE, AUTHORITY
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_GrantRoleOnTimedRole() public {
        bytes32[4] memory roles = [ADMIN, TRADER, AUDITOR, DEVELOPER];
        for (uint256 i; i < roles.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxTimedRole.selector, roles[i]));
            vm.prank(topAdmin);
            token.grantRole(roles[i], stranger);
        }
    }

    function test_RevertWhen_RevokeRoleOnTimedRole() public {
        bytes32[4] memory roles = [ADMIN, TRADER, AUDITOR, DEVELOPER];
        address[4] memory holders = [admin, trader, auditor, developer];
        for (uint256 i; i < roles.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxTimedRole.selector, roles[i]));
            vm.prank(topAdmin);
            token.revokeRole(roles[i], holders[i]);
            vm.assertTrue(token.hasRole(roles[i], holders[i]));
        }
    }

    function test_GrantRole_Keeper() public {
        vm.expectEmit(address(token));
        emit IAccessControl.RoleGranted(KEEPER, stranger, topAdmin);
        vm.prank(topAdmin);
        token.grantRole(KEEPER, stranger);
        vm.assertTrue(token.hasRole(KEEPER, stranger));

        vm.prank(topAdmin);
        token.revokeRole(KEEPER, stranger);
        vm.assertFalse(token.hasRole(KEEPER, stranger));
    }

    function test_RevertWhen_TimedAdminGrantsKeeper() public {
        vm.expectRevert(_unauthorized(admin, DEFAULT_ADMIN));
        vm.prank(admin);
        token.grantRole(KEEPER, stranger);
    }

    function test_TopAdminGrantsAndRevokesAdmin() public {
        vm.prank(topAdmin);
        token.grantAccess(stranger, ADMIN, STANDARD);
        vm.assertTrue(token.isAdmin(stranger));
        vm.prank(stranger);
        token.issue(1e18);

        vm.prank(topAdmin);
        token.revokeAccess(stranger, ADMIN);
        vm.assertFalse(token.isAdmin(stranger));
        vm.expectRevert(_revoked(stranger, ADMIN, START, topAdmin));
        vm.prank(stranger);
        token.issue(1e18);
    }

    function test_RevertWhen_TimedAdminGrantsAdmin() public {
        vm.expectRevert(_unauthorized(admin, DEFAULT_ADMIN));
        vm.prank(admin);
        token.grantAccess(stranger, ADMIN, STANDARD);
    }

    function test_RevertWhen_TimedAdminRevokesAdmin() public {
        vm.prank(topAdmin);
        token.grantAccess(stranger, ADMIN, STANDARD);
        vm.expectRevert(_unauthorized(admin, DEFAULT_ADMIN));
        vm.prank(admin);
        token.revokeAccess(stranger, ADMIN);
        vm.assertTrue(token.isAdmin(stranger));
    }

    function test_TimedAdminGrantsAndRevokesOtherRoles() public {
        vm.startPrank(admin);
        token.grantAccess(stranger, AUDITOR, STANDARD);
        vm.assertTrue(token.hasRole(AUDITOR, stranger));
        token.revokeAccess(stranger, AUDITOR);
        vm.assertFalse(token.hasRole(AUDITOR, stranger));
        token.revokeAccess(developer, DEVELOPER);
        vm.assertFalse(token.hasRole(DEVELOPER, developer));
        vm.stopPrank();
    }

    /*//////////////////////////////////////////////////////////////
                         SEPARATION OF DUTIES
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_GrantTraderToActiveDeveloper() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxConflictingRole.selector, developer, TRADER, DEVELOPER));
        vm.prank(admin);
        token.grantAccess(developer, TRADER, EXTENDED);
    }

    function test_RevertWhen_GrantDeveloperToActiveTrader() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxConflictingRole.selector, trader, DEVELOPER, TRADER));
        vm.prank(topAdmin);
        token.grantAccess(trader, DEVELOPER, STANDARD);
    }

    function test_GrantTrader_AfterDeveloperExpired() public {
        vm.warp(START + 30 minutes - 1);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxConflictingRole.selector, developer, TRADER, DEVELOPER));
        vm.prank(topAdmin);
        token.grantAccess(developer, TRADER, STANDARD);

        vm.warp(START + 30 minutes);
        vm.prank(topAdmin);
        token.grantAccess(developer, TRADER, STANDARD);
        vm.assertTrue(token.hasRole(TRADER, developer));
        vm.assertFalse(token.hasRole(DEVELOPER, developer));
    }

    function test_GrantDeveloper_AfterTraderRevoked() public {
        vm.startPrank(admin);
        token.revokeAccess(trader, TRADER);
        token.grantAccess(trader, DEVELOPER, STANDARD);
        vm.stopPrank();
        vm.assertTrue(token.hasRole(DEVELOPER, trader));
    }

    function test_OtherRolesCombine() public {
        vm.startPrank(topAdmin);
        token.grantAccess(trader, AUDITOR, STANDARD);
        token.grantAccess(developer, AUDITOR, STANDARD);
        token.grantAccess(trader, ADMIN, STANDARD);
        vm.stopPrank();
        vm.assertTrue(token.hasRole(AUDITOR, trader) && token.hasRole(TRADER, trader));
        vm.assertTrue(token.hasRole(AUDITOR, developer) && token.hasRole(DEVELOPER, developer));
        vm.assertTrue(token.isAdmin(trader));
    }

    /*//////////////////////////////////////////////////////////////
                        CHECK GRANT, IS ADMIN
    //////////////////////////////////////////////////////////////*/

    function test_CheckGrant_Active() public view {
        token.checkGrant(trader, TRADER);
        token.checkGrant(admin, ADMIN);
        token.checkGrant(keeper, KEEPER);
        token.checkGrant(topAdmin, DEFAULT_ADMIN);
    }

    function test_RevertWhen_CheckGrantNeverGranted() public {
        vm.expectRevert(_unauthorized(stranger, TRADER));
        token.checkGrant(stranger, TRADER);
    }

    function test_RevertWhen_CheckGrantExpired() public {
        vm.warp(START + 30 minutes);
        vm.expectRevert(_expired(auditor, AUDITOR, START + 30 minutes));
        token.checkGrant(auditor, AUDITOR);
    }

    function test_RevertWhen_CheckGrantRevoked() public {
        vm.prank(admin);
        token.revokeAccess(auditor, AUDITOR);
        vm.expectRevert(_revoked(auditor, AUDITOR, START, admin));
        token.checkGrant(auditor, AUDITOR);
    }

    function test_RevertWhen_CheckGrantNonTimedRole() public {
        vm.expectRevert(_unauthorized(stranger, KEEPER));
        token.checkGrant(stranger, KEEPER);
    }

    function test_IsAdmin() public {
        vm.assertTrue(token.isAdmin(topAdmin));
        vm.assertTrue(token.isAdmin(admin));
        vm.assertFalse(token.isAdmin(trader));
        vm.assertFalse(token.isAdmin(keeper));
        vm.assertFalse(token.isAdmin(stranger));
        vm.warp(START + 1 hours);
        vm.assertFalse(token.isAdmin(admin));
        vm.assertTrue(token.isAdmin(topAdmin));
    }

    /*//////////////////////////////////////////////////////////////
                          TOP ADMIN TRANSFER
    //////////////////////////////////////////////////////////////*/

    function test_DefaultAdminTransfer_TwoStepWithDelay() public {
        address newTop = makeAddr("newTop");
        uint48 schedule = uint48(START + ADMIN_DELAY);

        vm.expectEmit(address(token));
        emit IAccessControlDefaultAdminRules.DefaultAdminTransferScheduled(newTop, schedule);
        vm.prank(topAdmin);
        token.beginDefaultAdminTransfer(newTop);
        (address pending, uint48 pendingSchedule) = token.pendingDefaultAdmin();
        vm.assertEq(pending, newTop);
        vm.assertEq(uint256(pendingSchedule), schedule);

        // Too early, and at the schedule itself: the delay must have fully passed.
        vm.expectRevert(_delayNotPassed(schedule));
        vm.prank(newTop);
        token.acceptDefaultAdminTransfer();
        vm.warp(schedule);
        vm.expectRevert(_delayNotPassed(schedule));
        vm.prank(newTop);
        token.acceptDefaultAdminTransfer();

        vm.warp(uint256(schedule) + 1);
        vm.prank(newTop);
        token.acceptDefaultAdminTransfer();

        vm.assertEq(token.defaultAdmin(), newTop);
        vm.assertTrue(token.isAdmin(newTop));
        vm.assertFalse(token.isAdmin(topAdmin));
        vm.assertFalse(token.hasRole(DEFAULT_ADMIN, topAdmin));

        // The new top admin rules; the old one is a stranger.
        vm.prank(newTop);
        token.grantAccess(stranger, ADMIN, STANDARD);
        vm.expectRevert(_unauthorized(topAdmin, ADMIN));
        vm.prank(topAdmin);
        token.issue(1e18);
        vm.expectRevert(_unauthorized(topAdmin, DEFAULT_ADMIN));
        vm.prank(topAdmin);
        token.grantAccess(stranger, ADMIN, STANDARD);
    }

    function test_RevertWhen_AcceptDefaultAdminTransferByOther() public {
        address newTop = makeAddr("newTop");
        vm.prank(topAdmin);
        token.beginDefaultAdminTransfer(newTop);
        vm.warp(START + ADMIN_DELAY + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, stranger)
        );
        vm.prank(stranger);
        token.acceptDefaultAdminTransfer();
    }

    function test_RevertWhen_TimedAdminBeginsDefaultAdminTransfer() public {
        vm.expectRevert(_unauthorized(admin, DEFAULT_ADMIN));
        vm.prank(admin);
        token.beginDefaultAdminTransfer(admin);
    }

    function test_RevertWhen_GrantRoleDefaultAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector)
        );
        vm.prank(topAdmin);
        token.grantRole(DEFAULT_ADMIN, stranger);
    }

    /*//////////////////////////////////////////////////////////////
                          SUPPORTS INTERFACE
    //////////////////////////////////////////////////////////////*/

    function test_SupportsInterface() public view {
        vm.assertTrue(token.supportsInterface(type(IWebexToken).interfaceId));
        vm.assertTrue(token.supportsInterface(type(IAccessControl).interfaceId));
        vm.assertTrue(token.supportsInterface(type(IAccessControlDefaultAdminRules).interfaceId));
        vm.assertTrue(token.supportsInterface(type(IERC165).interfaceId));
        vm.assertFalse(token.supportsInterface(0xffffffff));
        vm.assertFalse(token.supportsInterface(0x12345678));
    }

    /*//////////////////////////////////////////////////////////////
                                 FUZZ
    //////////////////////////////////////////////////////////////*/

    function testFuzz_HasRole_ActiveIffBeforeExpiry(uint256 offset) public {
        offset = bound(offset, 0, 3 days);
        vm.warp(START + offset);
        _assertActiveIff(trader, TRADER, offset < 30 minutes);
        _assertActiveIff(auditor, AUDITOR, offset < 30 minutes);
        _assertActiveIff(developer, DEVELOPER, offset < 30 minutes);
        _assertActiveIff(trader2, TRADER, offset < 1 hours);
        _assertActiveIff(admin, ADMIN, offset < 30 minutes);
        vm.assertEq(token.isAdmin(admin), offset < 30 minutes);
    }

    function testFuzz_HasRole_CustomDuration(uint256 duration, uint256 offset) public {
        duration = bound(duration, 5 minutes, 1 days);
        offset = bound(offset, 0, 2 days);
        vm.prank(topAdmin);
        token.setGrantDurations(duration, duration);
        vm.prank(topAdmin);
        token.grantAccess(stranger, AUDITOR, STANDARD);
        vm.warp(START + offset);
        _assertActiveIff(stranger, AUDITOR, offset < duration);
    }

    function testFuzz_ExpiredOrRevokedGrantNeverAuthorisesTransfer(
        bool revoke,
        uint256 revokeAfter,
        uint256 later,
        uint256 amount
    ) public {
        // A registered pool the trader approved: even a pool cannot pull from an inactive trader.
        address router = deployPool();
        vm.prank(topAdmin);
        token.setPool(router, true);
        fund(trader, 100e18);
        vm.prank(trader);
        token.approve(router, type(uint256).max);

        amount = bound(amount, 0, 100e18);
        bytes memory reason;
        if (revoke) {
            revokeAfter = bound(revokeAfter, 0, 30 minutes - 1);
            vm.warp(START + revokeAfter);
            vm.prank(admin);
            token.revokeAccess(trader, TRADER);
            vm.warp(START + revokeAfter + bound(later, 0, 30 days));
            reason = _revoked(trader, TRADER, START + revokeAfter, admin);
        } else {
            vm.warp(START + bound(later, 30 minutes, 30 days));
            reason = _expired(trader, TRADER, START + 30 minutes);
        }

        vm.expectRevert(reason);
        vm.prank(trader);
        token.transfer(stranger, amount);

        vm.expectRevert(reason);
        vm.prank(router);
        token.transferFrom(trader, router, amount);

        vm.expectRevert(reason);
        vm.prank(trader);
        token.approve(stranger, amount + 1);

        vm.assertEq(token.balanceOf(trader), 100e18);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _assertExpiryBoundary(address account, bytes32 role, uint256 t) internal {
        vm.assertEq(token.grantOf(account, role).expiresAt, t);
        vm.warp(t - 1);
        _assertActiveIff(account, role, true);
        vm.warp(t);
        _assertActiveIff(account, role, false);
        vm.warp(t + 1);
        _assertActiveIff(account, role, false);
    }

    /// @dev hasRole, grantOf's status and checkGrant agree with `active`.
    function _assertActiveIff(address account, bytes32 role, bool active) internal {
        vm.assertEq(token.hasRole(role, account), active, "hasRole");
        IWebexToken.GrantInfo memory g = token.grantOf(account, role);
        _assertStatus(g.status, active ? S_ACTIVE : S_EXPIRED);
        if (!active) vm.expectRevert(_expired(account, role, g.expiresAt));
        token.checkGrant(account, role);
    }

    function _assertRenewedByKeeper(
        address account,
        uint256 expiresAt,
        uint256 renewals,
        uint256 grantedAt,
        address grantedBy
    ) internal view {
        IWebexToken.GrantInfo memory g = token.grantOf(account, TRADER);
        vm.assertEq(g.expiresAt, expiresAt);
        vm.assertEq(g.renewals, renewals);
        vm.assertEq(g.renewedBy, keeper);
        _assertKind(g.kind, EXTENDED);
        _assertStatus(g.status, S_ACTIVE);
        vm.assertEq(g.grantedAt, grantedAt);
        vm.assertEq(g.grantedBy, grantedBy);
    }

    /// @dev Sets the renewal counter of a grant in storage. Slot 0 of the grant is the one slot `hasRole`
    /// reads; the counter sits in bits 48-79 (after the 40-bit expiry and the 8-bit kind).
    function _setRenewals(address account, bytes32 role, uint32 renewals) internal {
        vm.record();
        token.hasRole(role, account);
        (bytes32[] memory reads,) = vm.accesses(address(token));
        vm.assertEq(reads.length, 1, "hasRole reads one slot");
        uint256 word = uint256(vm.load(address(token), reads[0]));
        word = (word & ~(uint256(type(uint32).max) << 48)) | (uint256(renewals) << 48);
        vm.store(address(token), reads[0], bytes32(word));
    }

    function _signRenewal(uint256 key, address account, bytes32 role, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(abi.encode(RENEWAL_TYPEHASH, account, role, nonce, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _assertKind(IWebexToken.GrantKind actual, IWebexToken.GrantKind expected) internal pure {
        vm.assertEq(uint256(actual), uint256(expected), "grant kind");
    }

    function _assertStatus(IWebexToken.GrantStatus actual, IWebexToken.GrantStatus expected) internal pure {
        vm.assertEq(uint256(actual), uint256(expected), "grant status");
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

    function _delayNotPassed(uint48 schedule) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(
            IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule
        );
    }
}
