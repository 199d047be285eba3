// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WbxFixture} from "../utils/WbxFixture.sol";
import {IWbxPool} from "../../src/interfaces/IWbxPool.sol";
import {IWebexToken} from "../../src/interfaces/IWebexToken.sol";
import {TokenHandler} from "./handlers/TokenHandler.sol";

/// @notice Supply, bucket, grant and pool invariants of the token under random grants, renewals (batches with
/// repeated names among them), revocations, expiries, moves, issues, allocations, Admin grants of both kinds
/// and pool registrations (see {TokenHandler}).
contract TokenInvariantsTest is WbxFixture {
    TokenHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new TokenHandler(token, address(pool), topAdmin, keeper);

        bytes4[] memory selectors = new bytes4[](18);
        selectors[0] = TokenHandler.grant.selector;
        selectors[1] = TokenHandler.revoke.selector;
        selectors[2] = TokenHandler.renew.selector;
        selectors[3] = TokenHandler.keeperRenew.selector;
        selectors[4] = TokenHandler.keeperRenewBatch.selector;
        selectors[5] = TokenHandler.setDurations.selector;
        selectors[6] = TokenHandler.warp.selector;
        selectors[7] = TokenHandler.transfer.selector;
        selectors[8] = TokenHandler.approve.selector;
        selectors[9] = TokenHandler.transferFrom.selector;
        selectors[10] = TokenHandler.issue.selector;
        selectors[11] = TokenHandler.allocate.selector;
        selectors[12] = TokenHandler.allocateBatch.selector;
        selectors[13] = TokenHandler.allocateWithRef.selector;
        selectors[14] = TokenHandler.grantAdmin.selector;
        selectors[15] = TokenHandler.keeperRenewAdmin.selector;
        selectors[16] = TokenHandler.setPool.selector;
        selectors[17] = TokenHandler.poolTransfer.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @dev Invariants run at the handler's clock, the one its grant model uses.
    modifier atHandlerTime() {
        vm.warp(handler.currentTime());
        _;
    }

    /// @notice The actors, the buckets (the token's own balance) and the pool hold the whole supply (the
    /// other registration candidates hold nothing: nothing is sent to them).
    function invariant_BalancesSumToTotalSupply() public view {
        uint256 sum = token.balanceOf(address(token)) + token.balanceOf(address(pool));
        for (uint256 i; i < handler.actorCount(); ++i) {
            sum += token.balanceOf(handler.actors(i));
        }
        vm.assertEq(sum, token.totalSupply());
    }

    /// @notice The token contract holds exactly what the five buckets have left.
    function invariant_TokenBalanceIsBucketsRemaining() public view {
        uint256 remaining;
        for (uint256 i; i < 5; ++i) {
            remaining += token.bucketRemaining(IWebexToken.Bucket(i));
        }
        vm.assertEq(token.balanceOf(address(token)), remaining);
    }

    function invariant_ReleasedNeverExceedsIssued() public view {
        for (uint256 i; i < 5; ++i) {
            IWebexToken.Bucket bucket = IWebexToken.Bucket(i);
            vm.assertLe(token.bucketReleased(bucket), token.bucketIssued(bucket));
        }
    }

    /// @notice Every issue is split by the policy shares on its own (rounded down, remainder to the Reserve
    /// Fund), so each bucket holds exactly the sum of its shares of the issues, and no bucket is ever more
    /// than one unit per issue below its share of everything issued.
    function invariant_BucketsFollowPolicyShares() public view {
        uint256 totalIssued = handler.ghost_issued();
        vm.assertEq(token.totalSupply(), totalIssued, "supply != issued");
        uint256 issues = handler.ghost_issues();
        uint256 sum;
        for (uint256 i; i < 5; ++i) {
            IWebexToken.Bucket bucket = IWebexToken.Bucket(i);
            uint256 issued = token.bucketIssued(bucket);
            vm.assertEq(issued, handler.ghost_bucketIssued(i), "bucket off its split");
            uint256 exactShare = totalIssued * token.bucketShareBps(bucket) / 10_000;
            if (i < 4) {
                vm.assertLe(issued, exactShare, "bucket above its share");
                vm.assertLe(exactShare - issued, issues, "bucket drifted below its share");
            } else {
                vm.assertGe(issued, exactShare, "reserve below its share");
            }
            sum += issued;
        }
        vm.assertEq(sum, totalIssued, "buckets do not add up to the supply");
    }

    /// @notice An expired or revoked grant never moved a token nor approved a spender.
    function invariant_InactiveGrantNeverAuthorises() public view {
        vm.assertEq(handler.ghost_inactiveMoves(), 0, "inactive grant moved tokens");
        vm.assertEq(handler.ghost_inactiveApprovals(), 0, "inactive grant approved");
    }

    /// @notice A keeper never extended a revoked, expired or Standard grant, alone or in a batch, and a
    /// holder never renewed anything but its own active Standard grant.
    function invariant_RenewalsOnlyExtendEligibleGrants() public view {
        vm.assertEq(handler.ghost_ineligibleKeeperRenewals(), 0, "keeper renewed an ineligible grant");
        vm.assertEq(handler.ghost_ineligibleBatchRenewals(), 0, "batch renewed an ineligible grant");
        vm.assertEq(handler.ghost_batchCountMismatches(), 0, "batch miscounted");
        vm.assertEq(handler.ghost_ineligibleSelfRenewals(), 0, "holder renewed an ineligible grant");
        vm.assertEq(handler.ghost_batchRenewedTwice(), 0, "a batch renewed a grant twice");
    }

    /// @notice An Admin grant is never Extended and a keeper never renewed one: admin power lasts only while
    /// its holder renews it.
    function invariant_AdminGrantsAreStandardOnly() public view {
        vm.assertEq(handler.ghost_extendedAdminGrants(), 0, "an Extended Admin grant was made");
        vm.assertEq(handler.ghost_keeperAdminRenewals(), 0, "a keeper renewed an Admin grant");
        for (uint256 i; i < handler.actorCount(); ++i) {
            IWebexToken.GrantKind kind = token.grantOf(handler.actors(i), ADMIN).kind;
            vm.assertTrue(kind != IWebexToken.GrantKind.Extended, "an Admin grant is Extended");
        }
    }

    /// @notice Only the top admin registered pools, and only pools of this token: every registered account is
    /// one, the token's list is the model's, and no unregistered account moved a token without a grant.
    function invariant_OnlyPoolsOfThisTokenAreRegistered() public view {
        vm.assertEq(handler.ghost_badRegistrations(), 0, "a registration that should have been refused");
        vm.assertEq(handler.ghost_unregisteredPoolMoves(), 0, "an unregistered account moved tokens");
        uint256 registered;
        for (uint256 i; i < handler.candidateCount(); ++i) {
            address candidate = handler.candidates(i);
            vm.assertEq(token.isPool(candidate), handler.ghost_registered(candidate), "registration model");
            if (token.isPool(candidate)) {
                ++registered;
                vm.assertTrue(handler.isPoolOfToken(candidate), "a registered account is no pool of this token");
            }
        }
        address[] memory listed = token.pools();
        vm.assertEq(listed.length, registered, "pools() lists another set");
        for (uint256 i; i < listed.length; ++i) {
            vm.assertTrue(handler.ghost_registered(listed[i]), "pools() lists an unregistered account");
            vm.assertGt(listed[i].code.length, 0, "a registered pool has no code");
            vm.assertEq(IWbxPool(listed[i]).token(), address(token), "a registered pool trades another token");
        }
    }

    /// @notice The model the two invariants above rely on agrees with the token, and the token refused
    /// nothing the model allowed (so the campaign exercises the authorised paths too).
    function invariant_GrantModelMatchesToken() public atHandlerTime {
        for (uint256 i; i < handler.actorCount(); ++i) {
            address actor = handler.actors(i);
            (IWebexToken.GrantKind kind, uint256 expiresAt, bool revoked) = handler.ghostGrant(actor);
            bool active = handler.isActive(actor);
            IWebexToken.GrantStatus status = revoked
                ? IWebexToken.GrantStatus.Revoked
                : active ? IWebexToken.GrantStatus.Active : IWebexToken.GrantStatus.Expired;
            IWebexToken.GrantInfo memory info = token.grantOf(actor, TRADER);
            vm.assertEq(uint256(info.kind), uint256(kind), "kind");
            vm.assertEq(uint256(info.status), uint256(status), "status");
            vm.assertEq(info.expiresAt, expiresAt, "expiry");
            vm.assertEq(token.hasRole(TRADER, actor), active, "active");
        }
        vm.assertEq(handler.ghost_authorisedRefusals(), 0, "authorised action refused");
    }

    /// @notice Every payment id was paid exactly once: the token refused every replay, and records each
    /// paid id (with its block) and no other.
    function invariant_PaymentIdsPayOnce() public view {
        vm.assertEq(handler.ghost_secondPayments(), 0, "an id was paid twice");
        uint256 n = handler.paidIdCount();
        bytes32[] memory ids = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = handler.ghost_paidIds(i);
        }
        uint256[] memory blocks = token.paymentBlocks(ids);
        for (uint256 i; i < n; ++i) {
            vm.assertGt(blocks[i], 0, "a paid id is not recorded");
        }
        vm.assertEq(token.paymentBlock(keccak256("never paid")), 0, "an unpaid id is recorded");
    }
}
