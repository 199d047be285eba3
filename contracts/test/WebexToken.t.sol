// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {
    IAccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {WbxFixture} from "./utils/WbxFixture.sol";
import {WebexToken} from "../src/WebexToken.sol";
import {WbxPool} from "../src/WbxPool.sol";
import {IWebexToken} from "../src/interfaces/IWebexToken.sol";
import {WbxRoles} from "../src/libraries/WbxRoles.sol";

/// @notice Shared helpers of the token's bucket tests.
abstract contract BucketTestBase is WbxFixture {
    IWebexToken.Bucket internal constant PLATFORM = IWebexToken.Bucket.PlatformDevelopment;
    IWebexToken.Bucket internal constant MARKETING = IWebexToken.Bucket.MarketingPartnerships;
    IWebexToken.Bucket internal constant OPERATIONS = IWebexToken.Bucket.OperationalCosts;
    IWebexToken.Bucket internal constant COMMUNITY = IWebexToken.Bucket.CommunityRewards;
    IWebexToken.Bucket internal constant RESERVE = IWebexToken.Bucket.ReserveFund;

    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_SUPPLY = type(uint128).max;

    /// @dev The policy shares, written out independently of the contract.
    function _policyBps(uint256 i) internal pure returns (uint256) {
        return [uint256(4000), 2500, 1500, 1000, 1000][i];
    }

    function _bucket(uint256 i) internal pure returns (IWebexToken.Bucket) {
        return IWebexToken.Bucket(i);
    }

    function _issue(uint256 amount) internal {
        vm.prank(topAdmin);
        token.issue(amount);
    }

    /// @dev The documented split of one issue: each bucket but the Reserve Fund gets
    /// `floor(amount * share / 10000)`, the Reserve Fund the rest.
    function _expectedSplit(uint256 amount) internal pure returns (uint256[5] memory perBucket) {
        uint256 assigned;
        for (uint256 i; i < 4; ++i) {
            perBucket[i] = amount * _policyBps(i) / BPS;
            assigned += perBucket[i];
        }
        perBucket[4] = amount - assigned;
    }

    /// @dev For a token whose issues were each a multiple of 10,000 except perhaps the last (so the
    /// per-issue floors add up to the floors of the total): every bucket but the Reserve Fund holds
    /// exactly `floor(totalIssued * share / 10000)`, the Reserve Fund the rest, and the buckets account
    /// for the whole supply (nothing is ever burnt) and for the token's own balance.
    function _assertSplitExact(WebexToken t) internal view {
        uint256 total = t.totalSupply();
        uint256 sumIssued;
        uint256 sumRemaining;
        for (uint256 i; i < 4; ++i) {
            vm.assertEq(t.bucketIssued(_bucket(i)), total * _policyBps(i) / BPS, "bucket issued != policy share");
            sumIssued += t.bucketIssued(_bucket(i));
            sumRemaining += t.bucketRemaining(_bucket(i));
        }
        vm.assertEq(t.bucketIssued(RESERVE), total - sumIssued, "reserve != remainder");
        sumRemaining += t.bucketRemaining(RESERVE);
        vm.assertEq(t.balanceOf(address(t)), sumRemaining, "token balance != buckets remaining");
    }

    function _issuedAll() internal view returns (uint256[5] memory issued) {
        for (uint256 i; i < 5; ++i) {
            issued[i] = token.bucketIssued(_bucket(i));
        }
    }
}

contract WebexTokenTest is BucketTestBase {
    /*//////////////////////////////////////////////////////////////
                               METADATA
    //////////////////////////////////////////////////////////////*/

    function test_Name() public view {
        vm.assertEq(token.name(), "Webex Token");
    }

    function test_Symbol() public view {
        vm.assertEq(token.symbol(), "WBX");
    }

    function test_Decimals() public view {
        vm.assertEq(token.decimals(), 18);
    }

    function test_Version() public view {
        vm.assertEq(token.version(), "1.2.0");
        vm.assertEq(token.VERSION(), "1.2.0");
    }

    function test_Constants() public view {
        vm.assertEq(token.MAX_SUPPLY(), MAX_SUPPLY);
        vm.assertEq(token.MIN_GRANT_DURATION(), 5 minutes);
        vm.assertEq(token.MAX_GRANT_DURATION(), 1 days);
        vm.assertEq(token.ADMIN_ROLE(), keccak256("ADMIN_ROLE"));
        vm.assertEq(token.TRADER_ROLE(), keccak256("TRADER_ROLE"));
        vm.assertEq(token.AUDITOR_ROLE(), keccak256("AUDITOR_ROLE"));
        vm.assertEq(token.DEVELOPER_ROLE(), keccak256("DEVELOPER_ROLE"));
        vm.assertEq(token.KEEPER_ROLE(), keccak256("KEEPER_ROLE"));
        vm.assertEq(WbxRoles.ADMIN, token.ADMIN_ROLE());
    }

    function test_BucketShareBps() public view {
        uint256 sum;
        for (uint256 i; i < 5; ++i) {
            vm.assertEq(token.bucketShareBps(_bucket(i)), _policyBps(i));
            sum += token.bucketShareBps(_bucket(i));
        }
        vm.assertEq(sum, BPS);
    }

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    function test_Constructor_MintsInitialSupplyToToken() public view {
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY);
        vm.assertEq(token.balanceOf(address(token)), INITIAL_SUPPLY);
    }

    function test_Constructor_SplitsIntoBuckets() public view {
        vm.assertEq(token.bucketIssued(PLATFORM), 400_000_000e18);
        vm.assertEq(token.bucketIssued(MARKETING), 250_000_000e18);
        vm.assertEq(token.bucketIssued(OPERATIONS), 150_000_000e18);
        vm.assertEq(token.bucketIssued(COMMUNITY), 100_000_000e18);
        vm.assertEq(token.bucketIssued(RESERVE), 100_000_000e18);
        for (uint256 i; i < 5; ++i) {
            vm.assertEq(token.bucketReleased(_bucket(i)), 0);
            vm.assertEq(token.bucketRemaining(_bucket(i)), token.bucketIssued(_bucket(i)));
        }
    }

    function test_Constructor_RemainderGoesToReserveFund() public {
        // 99 = 39.6 + 24.75 + 14.85 + 9.9 + 9.9: the four floors are 39, 24, 14, 9 and the Reserve Fund takes 13.
        WebexToken t = new WebexToken(99, topAdmin, ADMIN_DELAY);
        vm.assertEq(t.bucketIssued(PLATFORM), 39);
        vm.assertEq(t.bucketIssued(MARKETING), 24);
        vm.assertEq(t.bucketIssued(OPERATIONS), 14);
        vm.assertEq(t.bucketIssued(COMMUNITY), 9);
        vm.assertEq(t.bucketIssued(RESERVE), 13);
        vm.assertEq(t.balanceOf(address(t)), 99);
        _assertSplitExact(t);
    }

    function test_Constructor_EmitsTransferAndSupplyIssued() public {
        uint256[5] memory perBucket = [uint256(40), 25, 15, 10, 10];
        address next = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectEmit(next);
        emit IERC20.Transfer(address(0), next, 100);
        vm.expectEmit(next);
        emit IWebexToken.SupplyIssued(address(this), 100, perBucket);
        WebexToken t = new WebexToken(100, topAdmin, ADMIN_DELAY);
        vm.assertEq(address(t), next);
    }

    function test_Constructor_ZeroSupply() public {
        WebexToken t = new WebexToken(0, topAdmin, ADMIN_DELAY);
        vm.assertEq(t.totalSupply(), 0);
        for (uint256 i; i < 5; ++i) {
            vm.assertEq(t.bucketIssued(_bucket(i)), 0);
        }
    }

    function test_Constructor_SetsTopAdmin() public view {
        vm.assertEq(token.defaultAdmin(), topAdmin);
        vm.assertEq(uint256(token.defaultAdminDelay()), ADMIN_DELAY);
        vm.assertTrue(token.hasRole(bytes32(0), topAdmin));
        vm.assertTrue(token.isAdmin(topAdmin));
    }

    function test_Constructor_DefaultGrantDurations() public view {
        vm.assertEq(token.standardDuration(), 30 minutes);
        vm.assertEq(token.extendedDuration(), 1 hours);
    }

    function test_Constructor_UpToCap() public {
        WebexToken t = new WebexToken(MAX_SUPPLY, topAdmin, ADMIN_DELAY);
        vm.assertEq(t.totalSupply(), MAX_SUPPLY);
        _assertSplitExact(t);
    }

    function test_RevertWhen_ConstructorSupplyAboveCap() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxSupplyCapExceeded.selector, MAX_SUPPLY + 1, MAX_SUPPLY));
        new WebexToken(MAX_SUPPLY + 1, topAdmin, ADMIN_DELAY);
    }

    function test_RevertWhen_ConstructorAdminIsZero() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0)
            )
        );
        new WebexToken(INITIAL_SUPPLY, address(0), ADMIN_DELAY);
    }

    /*//////////////////////////////////////////////////////////////
                                 ISSUE
    //////////////////////////////////////////////////////////////*/

    function test_Issue_SplitsByPolicy() public {
        uint256[5] memory before = _issuedAll();
        _issue(1000e18);
        vm.assertEq(token.bucketIssued(PLATFORM) - before[0], 400e18);
        vm.assertEq(token.bucketIssued(MARKETING) - before[1], 250e18);
        vm.assertEq(token.bucketIssued(OPERATIONS) - before[2], 150e18);
        vm.assertEq(token.bucketIssued(COMMUNITY) - before[3], 100e18);
        vm.assertEq(token.bucketIssued(RESERVE) - before[4], 100e18);
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY + 1000e18);
        vm.assertEq(token.balanceOf(address(token)), INITIAL_SUPPLY + 1000e18);
        _assertSplitExact(token);
    }

    function test_Issue_ByTimedAdmin() public {
        vm.prank(admin);
        token.issue(1e18);
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY + 1e18);
    }

    function test_Issue_EmitsTransferAndSupplyIssued() public {
        // Total after: 1e27 + 1000e18 + 7. Floors of 40 %, 25 %, 15 %, 10 % of the 7 extra units: 2, 1, 1, 0.
        uint256 amount = 1000e18 + 7;
        uint256[5] memory perBucket = [uint256(400e18 + 2), 250e18 + 1, 150e18 + 1, 100e18, 100e18 + 3];
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), address(token), amount);
        vm.expectEmit(address(token));
        emit IWebexToken.SupplyIssued(admin, amount, perBucket);
        vm.prank(admin);
        token.issue(amount);
        uint256[5] memory issued = _issuedAll();
        vm.assertEq(issued[0], 400_000_000e18 + perBucket[0]);
        vm.assertEq(issued[4], 100_000_000e18 + perBucket[4]);
    }

    function test_Issue_OneThenNine_EachIssueSplitOnItsOwn() public {
        uint256[5] memory base = _issuedAll();

        vm.expectEmit(address(token));
        emit IWebexToken.SupplyIssued(topAdmin, 1, [uint256(0), 0, 0, 0, 1]);
        _issue(1);

        // 9 = 3.6 + 2.25 + 1.35 + 0.9 + 0.9: floors 3, 2, 1, 0 and the Reserve Fund takes 3.
        vm.expectEmit(address(token));
        emit IWebexToken.SupplyIssued(topAdmin, 9, [uint256(3), 2, 1, 0, 3]);
        _issue(9);

        uint256[5] memory issued = _issuedAll();
        vm.assertEq(issued[0] - base[0], 3);
        vm.assertEq(issued[1] - base[1], 2);
        vm.assertEq(issued[2] - base[2], 1);
        vm.assertEq(issued[3] - base[3], 0);
        vm.assertEq(issued[4] - base[4], 4);
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY + 10);
        vm.assertEq(token.balanceOf(address(token)), INITIAL_SUPPLY + 10);
    }

    /// @dev Regression: with the earlier cumulative split, issue(9) then issue(1) underflowed (Panic 0x11).
    function test_Issue_NineThenOne() public {
        uint256[5] memory base = _issuedAll();
        _issue(9);
        vm.expectEmit(address(token));
        emit IWebexToken.SupplyIssued(topAdmin, 1, [uint256(0), 0, 0, 0, 1]);
        _issue(1);
        uint256[5] memory issued = _issuedAll();
        vm.assertEq(issued[0] - base[0], 3);
        vm.assertEq(issued[4] - base[4], 4);
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY + 10);
    }

    /// @dev The largest remainder: 9,999 = 3999.6 + 2499.75 + 1499.85 + 999.9 + 999.9, so the Reserve Fund
    /// gets its 999 and 4 more units.
    function test_Issue_RemainderAtMostFourUnits() public {
        vm.expectEmit(address(token));
        emit IWebexToken.SupplyIssued(topAdmin, 9999, [uint256(3999), 2499, 1499, 999, 1003]);
        _issue(9999);
    }

    /// @dev Documented: the remainders are not carried over, they accumulate in the Reserve Fund.
    function test_Issue_RemaindersAccumulateInReserveFund() public {
        uint256[5] memory base = _issuedAll();
        for (uint256 i; i < 10; ++i) {
            _issue(1);
        }
        uint256[5] memory issued = _issuedAll();
        for (uint256 i; i < 4; ++i) {
            vm.assertEq(issued[i], base[i]);
        }
        vm.assertEq(issued[4] - base[4], 10);
    }

    function test_Issue_UpToCap() public {
        _issue(MAX_SUPPLY - INITIAL_SUPPLY);
        vm.assertEq(token.totalSupply(), MAX_SUPPLY);
        _assertSplitExact(token);

        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxSupplyCapExceeded.selector, 1, MAX_SUPPLY));
        _issue(1);
    }

    function test_RevertWhen_IssueExceedsCap() public {
        uint256 amount = MAX_SUPPLY - INITIAL_SUPPLY + 1;
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxSupplyCapExceeded.selector, amount, MAX_SUPPLY));
        _issue(amount);
    }

    function test_RevertWhen_IssueHugeAmount() public {
        vm.expectRevert(
            abi.encodeWithSelector(IWebexToken.WbxSupplyCapExceeded.selector, type(uint256).max, MAX_SUPPLY)
        );
        _issue(type(uint256).max);
    }

    function test_RevertWhen_IssueZero() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxZeroAmount.selector));
        _issue(0);
    }

    function test_RevertWhen_IssueWhilePaused() public {
        vm.prank(topAdmin);
        token.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _issue(1e18);
    }

    /*//////////////////////////////////////////////////////////////
                               ALLOCATE
    //////////////////////////////////////////////////////////////*/

    function test_Allocate_ReleasesFromBucket() public {
        vm.prank(topAdmin);
        token.allocate(PLATFORM, stranger, 100e18);

        vm.assertEq(token.balanceOf(stranger), 100e18);
        vm.assertEq(token.balanceOf(address(token)), INITIAL_SUPPLY - 100e18);
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY);
        vm.assertEq(token.bucketIssued(PLATFORM), 400_000_000e18);
        vm.assertEq(token.bucketReleased(PLATFORM), 100e18);
        vm.assertEq(token.bucketRemaining(PLATFORM), 400_000_000e18 - 100e18);
        // The other buckets are untouched.
        for (uint256 i = 1; i < 5; ++i) {
            vm.assertEq(token.bucketReleased(_bucket(i)), 0);
        }
    }

    function test_Allocate_EmitsTransferAndAllocated() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(token), stranger, 5e18);
        vm.expectEmit(address(token));
        emit IWebexToken.Allocated(MARKETING, stranger, admin, 5e18);
        vm.prank(admin);
        token.allocate(MARKETING, stranger, 5e18);
    }

    function test_Allocate_WholeBucket() public {
        uint256 all = token.bucketRemaining(OPERATIONS);
        vm.prank(topAdmin);
        token.allocate(OPERATIONS, stranger, all);
        vm.assertEq(token.bucketRemaining(OPERATIONS), 0);
        vm.assertEq(token.bucketReleased(OPERATIONS), all);
        vm.assertEq(token.balanceOf(stranger), all);

        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInsufficientBucket.selector, OPERATIONS, 0, 1));
        vm.prank(topAdmin);
        token.allocate(OPERATIONS, stranger, 1);
    }

    function test_RevertWhen_AllocateExceedsBucket() public {
        // The token holds far more than the bucket: the bucket, not the balance, is the limit.
        uint256 remaining = token.bucketRemaining(COMMUNITY);
        vm.expectRevert(
            abi.encodeWithSelector(IWebexToken.WbxInsufficientBucket.selector, COMMUNITY, remaining, remaining + 1)
        );
        vm.prank(topAdmin);
        token.allocate(COMMUNITY, stranger, remaining + 1);
    }

    function test_RevertWhen_AllocateZero() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxZeroAmount.selector));
        vm.prank(topAdmin);
        token.allocate(PLATFORM, stranger, 0);
    }

    function test_RevertWhen_AllocateToToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(token)));
        vm.prank(topAdmin);
        token.allocate(PLATFORM, address(token), 1e18);
    }

    function test_RevertWhen_AllocateToZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        vm.prank(topAdmin);
        token.allocate(PLATFORM, address(0), 1e18);
    }

    function test_Buckets_View() public {
        vm.startPrank(topAdmin);
        token.allocate(PLATFORM, stranger, 7e18);
        token.allocate(RESERVE, trader, 3e18);
        vm.stopPrank();

        IWebexToken.BucketInfo[5] memory info = token.buckets();
        for (uint256 i; i < 5; ++i) {
            vm.assertEq(info[i].shareBps, _policyBps(i));
            vm.assertEq(info[i].issued, token.bucketIssued(_bucket(i)));
            vm.assertEq(info[i].released, token.bucketReleased(_bucket(i)));
            vm.assertEq(info[i].remaining, token.bucketRemaining(_bucket(i)));
            vm.assertEq(info[i].remaining, info[i].issued - info[i].released);
        }
        vm.assertEq(info[0].released, 7e18);
        vm.assertEq(info[4].released, 3e18);
        vm.assertEq(info[4].remaining, 100_000_000e18 - 3e18);
    }

    /*//////////////////////////////////////////////////////////////
                            ALLOCATE BATCH
    //////////////////////////////////////////////////////////////*/

    function test_AllocateBatch() public {
        address[] memory to = new address[](3);
        (to[0], to[1], to[2]) = (stranger, trader, auditor);
        uint256[] memory amounts = new uint256[](3);
        (amounts[0], amounts[1], amounts[2]) = (1e18, 2e18, 3e18);

        for (uint256 i; i < 3; ++i) {
            vm.expectEmit(address(token));
            emit IERC20.Transfer(address(token), to[i], amounts[i]);
            vm.expectEmit(address(token));
            emit IWebexToken.Allocated(COMMUNITY, to[i], admin, amounts[i]);
        }
        vm.prank(admin);
        token.allocateBatch(COMMUNITY, to, amounts, keccak256("batch 1"));

        vm.assertEq(token.balanceOf(stranger), 1e18);
        vm.assertEq(token.balanceOf(trader), 2e18);
        vm.assertEq(token.balanceOf(auditor), 3e18);
        vm.assertEq(token.bucketReleased(COMMUNITY), 6e18);
        vm.assertEq(token.bucketRemaining(COMMUNITY), 100_000_000e18 - 6e18);
        vm.assertEq(token.balanceOf(address(token)), INITIAL_SUPPLY - 6e18);
    }

    function test_AllocateBatch_SameRecipientTwice() public {
        address[] memory to = new address[](2);
        (to[0], to[1]) = (stranger, stranger);
        uint256[] memory amounts = new uint256[](2);
        (amounts[0], amounts[1]) = (1e18, 2e18);
        vm.prank(topAdmin);
        token.allocateBatch(RESERVE, to, amounts, keccak256("batch 2"));
        vm.assertEq(token.balanceOf(stranger), 3e18);
        vm.assertEq(token.bucketReleased(RESERVE), 3e18);
    }

    function test_RevertWhen_AllocateBatchLengthMismatch() public {
        address[] memory to = new address[](2);
        (to[0], to[1]) = (stranger, trader);
        uint256[] memory amounts = new uint256[](3);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxLengthMismatch.selector, 2, 3));
        vm.prank(topAdmin);
        token.allocateBatch(PLATFORM, to, amounts, keccak256("batch 3"));
    }

    function test_RevertWhen_AllocateBatchEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxZeroAmount.selector));
        vm.prank(topAdmin);
        token.allocateBatch(PLATFORM, new address[](0), new uint256[](0), keccak256("batch 4"));
    }

    function test_RevertWhen_AllocateBatchAllZero() public {
        address[] memory to = new address[](2);
        (to[0], to[1]) = (stranger, trader);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxZeroAmount.selector));
        vm.prank(topAdmin);
        token.allocateBatch(PLATFORM, to, new uint256[](2), keccak256("batch 5"));
    }

    function test_RevertWhen_AllocateBatchExceedsBucket() public {
        uint256 remaining = token.bucketRemaining(OPERATIONS);
        address[] memory to = new address[](2);
        (to[0], to[1]) = (stranger, trader);
        uint256[] memory amounts = new uint256[](2);
        // Each fits on its own, the sum does not.
        (amounts[0], amounts[1]) = (remaining, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IWebexToken.WbxInsufficientBucket.selector, OPERATIONS, remaining, remaining + 1)
        );
        vm.prank(topAdmin);
        token.allocateBatch(OPERATIONS, to, amounts, keccak256("batch 6"));
    }

    function test_RevertWhen_AllocateBatchToToken() public {
        address[] memory to = new address[](2);
        (to[0], to[1]) = (stranger, address(token));
        uint256[] memory amounts = new uint256[](2);
        (amounts[0], amounts[1]) = (1e18, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(token)));
        vm.prank(topAdmin);
        token.allocateBatch(PLATFORM, to, amounts, keccak256("batch 7"));
    }

    function test_RevertWhen_AllocateBatchMoreRecipientsThanAmounts() public {
        // The other direction of the length check: without it, the loop would read past `amounts`.
        address[] memory to = new address[](3);
        (to[0], to[1], to[2]) = (stranger, trader, auditor);
        uint256[] memory amounts = new uint256[](2);
        (amounts[0], amounts[1]) = (1e18, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxLengthMismatch.selector, 3, 2));
        vm.prank(topAdmin);
        token.allocateBatch(PLATFORM, to, amounts, keccak256("mismatch"));
    }

    function testFuzz_RevertWhen_AllocateBatchLengthMismatch(uint8 recipients, uint8 amounts) public {
        vm.assume(recipients != amounts);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxLengthMismatch.selector, recipients, amounts));
        vm.prank(topAdmin);
        token.allocateBatch(PLATFORM, new address[](recipients), new uint256[](amounts), keccak256("mismatch"));
    }

    /*//////////////////////////////////////////////////////////////
                           PAID EXACTLY ONCE
    //////////////////////////////////////////////////////////////*/

    function _batch(uint256 n, uint256 each) internal view returns (address[] memory to, uint256[] memory amounts) {
        to = new address[](n);
        amounts = new uint256[](n);
        address[3] memory who = [stranger, trader, auditor];
        for (uint256 i; i < n; ++i) {
            (to[i], amounts[i]) = (who[i % 3], each);
        }
    }

    function test_AllocateBatch_RecordsItsPaymentId() public {
        (address[] memory to, uint256[] memory amounts) = _batch(3, 2e18);
        bytes32 id = keccak256("rewards.csv batch 0");
        vm.roll(77);
        vm.expectEmit(address(token));
        emit IWebexToken.PaymentRecorded(id, COMMUNITY, admin, 3, 6e18);
        vm.prank(admin);
        token.allocateBatch(COMMUNITY, to, amounts, id);
        vm.assertEq(token.paymentBlock(id), 77);
        vm.assertEq(token.paymentBlock(keccak256("rewards.csv batch 1")), 0);
    }

    function test_RevertWhen_AllocateBatchIdAlreadyPaid() public {
        (address[] memory to, uint256[] memory amounts) = _batch(3, 1e18);
        bytes32 id = keccak256("rewards.csv batch 0");
        vm.roll(10);
        vm.prank(admin);
        token.allocateBatch(COMMUNITY, to, amounts, id);
        uint256 released = token.bucketReleased(COMMUNITY);

        // The same batch again, later, by another admin: refused, naming the id and where it was paid.
        vm.roll(11);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxAlreadyPaid.selector, id, 10));
        vm.prank(topAdmin);
        token.allocateBatch(COMMUNITY, to, amounts, id);
        // Whatever the second batch holds and whichever bucket it names.
        (to, amounts) = _batch(1, 5e18);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxAlreadyPaid.selector, id, 10));
        vm.prank(admin);
        token.allocateBatch(RESERVE, to, amounts, id);
        vm.assertEq(token.bucketReleased(COMMUNITY), released);
        vm.assertEq(token.balanceOf(stranger), 1e18);
    }

    function test_RevertWhen_AllocateBatchZeroPaymentId() public {
        (address[] memory to, uint256[] memory amounts) = _batch(1, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxZeroPaymentId.selector));
        vm.prank(admin);
        token.allocateBatch(COMMUNITY, to, amounts, bytes32(0));
    }

    function test_AllocateBatch_FailedBatchLeavesItsIdUnpaid() public {
        // A batch that reverts records nothing: its id can still be paid once it fits.
        (address[] memory to, uint256[] memory amounts) = _batch(2, token.bucketRemaining(OPERATIONS));
        bytes32 id = keccak256("too big");
        vm.prank(admin);
        vm.expectRevert();
        token.allocateBatch(OPERATIONS, to, amounts, id);
        vm.assertEq(token.paymentBlock(id), 0);
        (to, amounts) = _batch(2, 1e18);
        vm.prank(admin);
        token.allocateBatch(OPERATIONS, to, amounts, id);
        vm.assertEq(token.paymentBlock(id), block.number);
    }

    function test_AllocateWithRef() public {
        bytes32 ref = bytes32("INV-2041");
        vm.expectEmit(address(token));
        emit IWebexToken.Allocated(COMMUNITY, stranger, admin, 250e18);
        vm.expectEmit(address(token));
        emit IWebexToken.PaymentRecorded(ref, COMMUNITY, admin, 1, 250e18);
        vm.prank(admin);
        token.allocateWithRef(COMMUNITY, stranger, 250e18, ref);
        vm.assertEq(token.balanceOf(stranger), 250e18);
        vm.assertEq(token.paymentBlock(ref), block.number);

        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxAlreadyPaid.selector, ref, block.number));
        vm.prank(admin);
        token.allocateWithRef(COMMUNITY, stranger, 250e18, ref);
        vm.assertEq(token.balanceOf(stranger), 250e18);
    }

    function test_RevertWhen_AllocateWithZeroRef() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxZeroPaymentId.selector));
        vm.prank(admin);
        token.allocateWithRef(COMMUNITY, stranger, 1e18, bytes32(0));
    }

    function test_PaymentIdsShareOneNamespace() public {
        // A batch id cannot be reused as a single payment's reference, nor the other way round.
        bytes32 id = keccak256("shared");
        vm.prank(admin);
        token.allocateWithRef(COMMUNITY, stranger, 1e18, id);
        (address[] memory to, uint256[] memory amounts) = _batch(1, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxAlreadyPaid.selector, id, block.number));
        vm.prank(admin);
        token.allocateBatch(COMMUNITY, to, amounts, id);
    }

    function test_PaymentBlocks() public {
        bytes32[] memory ids = new bytes32[](3);
        (ids[0], ids[1], ids[2]) = (keccak256("a"), keccak256("b"), keccak256("c"));
        vm.roll(5);
        vm.prank(admin);
        token.allocateWithRef(COMMUNITY, stranger, 1e18, ids[0]);
        vm.roll(9);
        vm.prank(admin);
        token.allocateWithRef(COMMUNITY, stranger, 1e18, ids[2]);
        uint256[] memory blocks = token.paymentBlocks(ids);
        vm.assertEq(blocks.length, 3);
        (uint256 a, uint256 b, uint256 c) = (blocks[0], blocks[1], blocks[2]);
        vm.assertEq(a, 5);
        vm.assertEq(b, 0);
        vm.assertEq(c, 9);
    }

    /*//////////////////////////////////////////////////////////////
                                 PAUSE
    //////////////////////////////////////////////////////////////*/

    function test_Pause_EmitsPaused() public {
        vm.expectEmit(address(token));
        emit Pausable.Paused(admin);
        vm.prank(admin);
        token.pause();
        vm.assertTrue(token.paused());
    }

    function test_Unpause_EmitsUnpausedAndRestoresTransfers() public {
        fund(trader, 10e18);
        vm.prank(topAdmin);
        token.pause();

        vm.expectEmit(address(token));
        emit Pausable.Unpaused(topAdmin);
        vm.prank(topAdmin);
        token.unpause();
        vm.assertFalse(token.paused());

        vm.prank(trader);
        token.transfer(stranger, 1e18);
        vm.assertEq(token.balanceOf(stranger), 1e18);
    }

    function test_RevertWhen_TransferWhilePaused() public {
        fund(trader, 10e18);
        vm.prank(admin);
        token.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(trader);
        token.transfer(stranger, 1e18);
    }

    function test_RevertWhen_TransferFromWhilePaused() public {
        fund(trader, 10e18);
        vm.prank(trader);
        token.approve(trader2, 5e18);
        vm.prank(admin);
        token.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(trader2);
        token.transferFrom(trader, stranger, 1e18);
    }

    function test_RevertWhen_AllocateWhilePaused() public {
        vm.prank(admin);
        token.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(topAdmin);
        token.allocate(PLATFORM, stranger, 1e18);
    }

    function test_Pause_ApprovalsStillWork() public {
        vm.prank(admin);
        token.pause();
        vm.prank(trader);
        token.approve(stranger, 1e18);
        vm.assertEq(token.allowance(trader, stranger), 1e18);
    }

    function test_RevertWhen_PauseTwice() public {
        vm.startPrank(admin);
        token.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        token.pause();
        vm.stopPrank();
    }

    function test_RevertWhen_UnpauseNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(admin);
        token.unpause();
    }

    /*//////////////////////////////////////////////////////////////
                                SET POOL
    //////////////////////////////////////////////////////////////*/

    function test_SetPool_Registers() public {
        address newPool = deployPool();
        vm.assertFalse(token.isPool(newPool));
        vm.expectEmit(address(token));
        emit IWebexToken.PoolRegistered(newPool, true, topAdmin);
        vm.prank(topAdmin);
        token.setPool(newPool, true);
        vm.assertTrue(token.isPool(newPool));
    }

    function test_SetPool_Unregisters() public {
        vm.expectEmit(address(token));
        emit IWebexToken.PoolRegistered(address(pool), false, topAdmin);
        vm.prank(topAdmin);
        token.setPool(address(pool), false);
        vm.assertFalse(token.isPool(address(pool)));
    }

    function test_Pools_ListsEveryRegisteredPool() public {
        address second = deployPool();
        vm.startPrank(topAdmin);
        token.setPool(second, true);
        address[] memory listed = token.pools();
        vm.assertEq(listed.length, 2);
        vm.assertEq(listed[0], address(pool));
        vm.assertEq(listed[1], second);
        token.setPool(address(pool), false);
        vm.stopPrank();
        listed = token.pools();
        vm.assertEq(listed.length, 1);
        vm.assertEq(listed[0], second);
    }

    function test_RevertWhen_SetPoolAlreadyRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxPoolRegistration.selector, address(pool), true));
        vm.prank(topAdmin);
        token.setPool(address(pool), true);
    }

    function test_RevertWhen_SetPoolNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxPoolRegistration.selector, stranger, false));
        vm.prank(topAdmin);
        token.setPool(stranger, false);
    }

    /// @dev A timed Admin grant does not register pools: the top admin does.
    function test_RevertWhen_SetPoolByTimedAdmin() public {
        address newPool = deployPool();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, bytes32(0))
        );
        vm.prank(admin);
        token.setPool(newPool, true);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, bytes32(0))
        );
        vm.prank(admin);
        token.setPool(address(pool), false);
    }

    /// @dev An ordinary wallet is no pool, not even for the top admin.
    function test_RevertWhen_SetPoolAccountWithoutCode() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidPool.selector, developer));
        vm.prank(topAdmin);
        token.setPool(developer, true);
        vm.assertFalse(token.isPool(developer));
    }

    function test_RevertWhen_SetPoolOfAnotherToken() public {
        WebexToken other = new WebexToken(INITIAL_SUPPLY, topAdmin, ADMIN_DELAY);
        address otherPool = address(new WbxPool(IWebexToken(address(other)), POOL_FEE_BPS));
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidPool.selector, otherPool));
        vm.prank(topAdmin);
        token.setPool(otherPool, true);
    }

    /// @dev A contract without `token()` (here the token itself) is refused with the same error, not an
    /// undecodable revert.
    function test_RevertWhen_SetPoolContractWithoutTokenView() public {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidPool.selector, address(token)));
        vm.prank(topAdmin);
        token.setPool(address(token), true);
    }

    function test_SetPool_RegisteredPoolMovesWithoutGrant() public {
        address router = deployPool();
        fund(router, 10e18);
        vm.prank(topAdmin);
        token.setPool(router, true);

        vm.prank(router);
        token.transfer(stranger, 4e18);
        vm.assertEq(token.balanceOf(stranger), 4e18);

        vm.prank(topAdmin);
        token.setPool(router, false);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, router, TRADER)
        );
        vm.prank(router);
        token.transfer(stranger, 1e18);
    }

    /// @dev A registration does not expire, and does not depend on the grants of whoever made it.
    function test_SetPool_RegistrationOutlivesEveryGrant() public {
        address router = deployPool();
        fund(router, 10e18);
        vm.prank(topAdmin);
        token.setPool(router, true);
        vm.warp(START + 30 days);
        vm.prank(router);
        token.transfer(stranger, 1e18);
        vm.assertTrue(token.isPool(router));
    }

    /*//////////////////////////////////////////////////////////////
                            GRANT DURATIONS
    //////////////////////////////////////////////////////////////*/

    function test_SetGrantDurations() public {
        vm.expectEmit(address(token));
        emit IWebexToken.GrantDurationsUpdated(10 minutes, 2 hours);
        vm.prank(admin);
        token.setGrantDurations(10 minutes, 2 hours);
        vm.assertEq(token.standardDuration(), 10 minutes);
        vm.assertEq(token.extendedDuration(), 2 hours);
    }

    function test_SetGrantDurations_Bounds() public {
        vm.startPrank(topAdmin);
        token.setGrantDurations(5 minutes, 1 days);
        vm.assertEq(token.standardDuration(), 5 minutes);
        vm.assertEq(token.extendedDuration(), 1 days);
        token.setGrantDurations(1 days, 5 minutes);
        vm.assertEq(token.standardDuration(), 1 days);
        vm.assertEq(token.extendedDuration(), 5 minutes);
        vm.stopPrank();
    }

    function test_RevertWhen_StandardDurationTooShort() public {
        _expectInvalidDuration(5 minutes - 1);
        vm.prank(topAdmin);
        token.setGrantDurations(5 minutes - 1, 1 hours);
    }

    function test_RevertWhen_StandardDurationTooLong() public {
        _expectInvalidDuration(1 days + 1);
        vm.prank(topAdmin);
        token.setGrantDurations(1 days + 1, 1 hours);
    }

    function test_RevertWhen_ExtendedDurationTooShort() public {
        _expectInvalidDuration(0);
        vm.prank(topAdmin);
        token.setGrantDurations(30 minutes, 0);
    }

    function test_RevertWhen_ExtendedDurationTooLong() public {
        _expectInvalidDuration(type(uint256).max);
        vm.prank(topAdmin);
        token.setGrantDurations(30 minutes, type(uint256).max);
    }

    function test_SetGrantDurations_AffectsNewGrantsAndRenewalsOnly() public {
        vm.warp(START + 5 minutes);
        vm.prank(topAdmin);
        token.setGrantDurations(10 minutes, 2 hours);

        // Existing grants keep their expiry.
        vm.assertEq(token.grantOf(trader, TRADER).expiresAt, START + 30 minutes);
        vm.assertEq(token.grantOf(trader2, TRADER).expiresAt, START + 1 hours);
        vm.assertEq(token.grantOf(admin, ADMIN).expiresAt, START + 30 minutes);

        // New grants use the new durations.
        vm.startPrank(topAdmin);
        token.grantAccess(stranger, AUDITOR, STANDARD);
        token.grantAccess(stranger, TRADER, EXTENDED);
        vm.stopPrank();
        vm.assertEq(token.grantOf(stranger, AUDITOR).expiresAt, block.timestamp + 10 minutes);
        vm.assertEq(token.grantOf(stranger, TRADER).expiresAt, block.timestamp + 2 hours);

        // Renewals too: by the holder, by a keeper one at a time and in a batch.
        vm.warp(START + 7 minutes);
        vm.prank(trader);
        token.renew(TRADER);
        vm.assertEq(token.grantOf(trader, TRADER).expiresAt, START + 7 minutes + 10 minutes);

        vm.prank(keeper);
        token.renewFor(trader2, TRADER);
        vm.assertEq(token.grantOf(trader2, TRADER).expiresAt, START + 7 minutes + 2 hours);

        address[] memory accounts = new address[](1);
        accounts[0] = stranger;
        vm.prank(keeper);
        token.renewBatch(TRADER, accounts);
        vm.assertEq(token.grantOf(stranger, TRADER).expiresAt, START + 7 minutes + 2 hours);
    }

    /*//////////////////////////////////////////////////////////////
                                 FUZZ
    //////////////////////////////////////////////////////////////*/

    function testFuzz_Issue_SplitsByPolicy(uint256 amount) public {
        amount = bound(amount, 1, MAX_SUPPLY - INITIAL_SUPPLY);
        uint256[5] memory before = _issuedAll();
        _issue(amount);

        uint256 total = INITIAL_SUPPLY + amount;
        vm.assertEq(token.totalSupply(), total);
        uint256[5] memory issued = _issuedAll();
        uint256 added;
        for (uint256 i; i < 5; ++i) {
            vm.assertGe(issued[i], before[i], "a bucket shrank");
            added += issued[i] - before[i];
        }
        vm.assertEq(added, amount, "split does not add up");
        uint256[5] memory expected = _expectedSplit(amount);
        for (uint256 i; i < 5; ++i) {
            vm.assertEq(issued[i] - before[i], expected[i], "bucket off its share");
        }
        _assertSplitExact(token);
    }

    /// @dev Any sequence of issues within the cap succeeds; each issue is split on its own, the Reserve
    /// Fund taking at most 4 units beyond its share per issue; the buckets account for the whole supply.
    function testFuzz_Issue_SequenceOfIssues(uint256[4] memory amounts) public {
        uint256 total = INITIAL_SUPPLY;
        for (uint256 i; i < amounts.length; ++i) {
            // Mostly small amounts, where rounding matters, and sometimes large ones.
            amounts[i] = amounts[i] % 3 == 0 ? bound(amounts[i], 1, 1e30) : bound(amounts[i], 1, 100);
            uint256[5] memory before = _issuedAll();
            uint256[5] memory expected = _expectedSplit(amounts[i]);

            vm.expectEmit(address(token));
            emit IWebexToken.SupplyIssued(topAdmin, amounts[i], expected);
            _issue(amounts[i]);
            total += amounts[i];

            uint256[5] memory issued = _issuedAll();
            uint256 sum;
            for (uint256 b; b < 5; ++b) {
                vm.assertEq(issued[b] - before[b], expected[b]);
                sum += issued[b];
            }
            vm.assertLe(expected[4] - amounts[i] * 1000 / BPS, 4, "remainder above 4 units");
            vm.assertEq(sum, total);
            vm.assertEq(token.totalSupply(), total);
            vm.assertEq(token.balanceOf(address(token)), total);
        }
    }

    function testFuzz_SetGrantDurations(uint256 standard, uint256 extended) public {
        bool standardOk = standard >= 5 minutes && standard <= 1 days;
        bool extendedOk = extended >= 5 minutes && extended <= 1 days;
        if (!standardOk) _expectInvalidDuration(standard);
        else if (!extendedOk) _expectInvalidDuration(extended);
        vm.prank(topAdmin);
        token.setGrantDurations(standard, extended);
        if (standardOk && extendedOk) {
            vm.assertEq(token.standardDuration(), standard);
            vm.assertEq(token.extendedDuration(), extended);
        } else {
            vm.assertEq(token.standardDuration(), 30 minutes);
            vm.assertEq(token.extendedDuration(), 1 hours);
        }
    }

    function testFuzz_Allocate(uint256 bucketSeed, address to, uint256 amount) public {
        vm.assume(to != address(0) && to != address(token));
        IWebexToken.Bucket bucket = _bucket(bound(bucketSeed, 0, 4));
        uint256 remaining = token.bucketRemaining(bucket);
        amount = bound(amount, 1, remaining);
        uint256 toBefore = token.balanceOf(to);
        uint256[5] memory releasedBefore;
        for (uint256 i; i < 5; ++i) {
            releasedBefore[i] = token.bucketReleased(_bucket(i));
        }

        vm.expectEmit(address(token));
        emit IWebexToken.Allocated(bucket, to, topAdmin, amount);
        vm.prank(topAdmin);
        token.allocate(bucket, to, amount);

        vm.assertEq(token.balanceOf(to), toBefore + amount);
        vm.assertEq(token.balanceOf(address(token)), INITIAL_SUPPLY - amount);
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY);
        vm.assertEq(token.bucketRemaining(bucket), remaining - amount);
        for (uint256 i; i < 5; ++i) {
            uint256 expected = releasedBefore[i] + (uint256(bucket) == i ? amount : 0);
            vm.assertEq(token.bucketReleased(_bucket(i)), expected);
        }
    }

    function testFuzz_RevertWhen_AllocateExceedsBucket(uint256 bucketSeed, uint256 amount) public {
        IWebexToken.Bucket bucket = _bucket(bound(bucketSeed, 0, 4));
        uint256 remaining = token.bucketRemaining(bucket);
        amount = bound(amount, remaining + 1, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInsufficientBucket.selector, bucket, remaining, amount));
        vm.prank(admin);
        token.allocate(bucket, stranger, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _expectInvalidDuration(uint256 duration) internal {
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxInvalidDuration.selector, duration, 5 minutes, 1 days));
    }
}
