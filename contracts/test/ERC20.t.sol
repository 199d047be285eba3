// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {WbxFixture} from "./utils/WbxFixture.sol";
import {IWebexToken} from "../src/interfaces/IWebexToken.sol";

/// @notice The ERC-20 and EIP-2612 behaviour of WBX for traders, with the WBX gating on top.
contract ERC20Test is WbxFixture {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    uint256 internal constant FUNDED = 1000e18;
    uint256 internal constant MAX_FUND = 100_000_000e18; // the Community Rewards bucket

    function setUp() public override {
        super.setUp();
        fund(trader, FUNDED);
    }

    /*//////////////////////////////////////////////////////////////
                                TRANSFER
    //////////////////////////////////////////////////////////////*/

    function test_Transfer() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(trader, stranger, 100e18);
        vm.prank(trader);
        vm.assertTrue(token.transfer(stranger, 100e18));
        vm.assertEq(token.balanceOf(trader), FUNDED - 100e18);
        vm.assertEq(token.balanceOf(stranger), 100e18);
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY);
    }

    function test_Transfer_ToSelfKeepsBalance() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(trader, trader, 100e18);
        vm.prank(trader);
        token.transfer(trader, 100e18);
        vm.assertEq(token.balanceOf(trader), FUNDED);
    }

    function test_Transfer_ZeroAmount() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(trader, stranger, 0);
        vm.prank(trader);
        vm.assertTrue(token.transfer(stranger, 0));
        vm.assertEq(token.balanceOf(trader), FUNDED);
        vm.assertEq(token.balanceOf(stranger), 0);
    }

    function test_Transfer_WholeBalance() public {
        vm.prank(trader);
        token.transfer(stranger, FUNDED);
        vm.assertEq(token.balanceOf(trader), 0);
        vm.assertEq(token.balanceOf(stranger), FUNDED);
    }

    function test_Transfer_RecipientNeedsNoGrant() public {
        vm.prank(trader);
        token.transfer(auditor, 1e18);
        vm.assertEq(token.balanceOf(auditor), 1e18);
    }

    function test_RevertWhen_TransferZeroAmountWithoutGrant() public {
        vm.expectRevert(_unauthorized(stranger, TRADER));
        vm.prank(stranger);
        token.transfer(trader, 0);
    }

    function test_RevertWhen_TransferToZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        vm.prank(trader);
        token.transfer(address(0), 1e18);
    }

    function test_RevertWhen_TransferToToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(token)));
        vm.prank(trader);
        token.transfer(address(token), 1e18);
    }

    function test_RevertWhen_TransferFromZeroAddress() public {
        // The zero address can give no allowance, so `transferFrom(0, ...)` fails on the allowance first...
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, trader, 0, 1));
        vm.prank(trader);
        token.transferFrom(address(0), stranger, 1);
        // ...and on the zero approver for an amount of zero.
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidApprover.selector, address(0)));
        vm.prank(trader);
        token.transferFrom(address(0), stranger, 0);
    }

    function test_RevertWhen_TransferExceedsBalance() public {
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, trader, FUNDED, FUNDED + 1)
        );
        vm.prank(trader);
        token.transfer(stranger, FUNDED + 1);
    }

    function test_RevertWhen_TransferWithEmptyBalance() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, trader2, 0, 1));
        vm.prank(trader2);
        token.transfer(stranger, 1);
    }

    /*//////////////////////////////////////////////////////////////
                                APPROVE
    //////////////////////////////////////////////////////////////*/

    function test_Approve() public {
        vm.expectEmit(address(token));
        emit IERC20.Approval(trader, stranger, 100e18);
        vm.prank(trader);
        vm.assertTrue(token.approve(stranger, 100e18));
        vm.assertEq(token.allowance(trader, stranger), 100e18);
    }

    function test_Approve_Overwrites() public {
        vm.startPrank(trader);
        token.approve(stranger, 100e18);
        vm.expectEmit(address(token));
        emit IERC20.Approval(trader, stranger, 30e18);
        token.approve(stranger, 30e18);
        vm.stopPrank();
        vm.assertEq(token.allowance(trader, stranger), 30e18);
    }

    function test_Approve_MoreThanBalance() public {
        vm.prank(trader);
        token.approve(stranger, FUNDED * 10);
        vm.assertEq(token.allowance(trader, stranger), FUNDED * 10);
    }

    function test_RevertWhen_ApproveWithoutGrant() public {
        address[4] memory nonTraders = [stranger, auditor, developer, admin];
        for (uint256 i; i < nonTraders.length; ++i) {
            vm.expectRevert(_unauthorized(nonTraders[i], TRADER));
            vm.prank(nonTraders[i]);
            token.approve(trader, 1);
        }
    }

    function test_RevertWhen_ApproveWithExpiredGrant() public {
        vm.warp(START + 30 minutes);
        vm.expectRevert(
            abi.encodeWithSelector(IWebexToken.WbxGrantExpired.selector, trader, TRADER, START + 30 minutes)
        );
        vm.prank(trader);
        token.approve(stranger, 1);
    }

    function test_RevertWhen_ApproveZeroAddressSpender() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidSpender.selector, address(0)));
        vm.prank(trader);
        token.approve(address(0), 1);
    }

    function test_ApproveZero_ByAnyone() public {
        vm.expectEmit(address(token));
        emit IERC20.Approval(stranger, trader, 0);
        vm.prank(stranger);
        vm.assertTrue(token.approve(trader, 0));
        vm.assertEq(token.allowance(stranger, trader), 0);
    }

    function test_ApproveZero_WithdrawsAllowanceAfterExpiry() public {
        vm.prank(trader);
        token.approve(trader2, 100e18);
        vm.warp(START + 30 minutes);
        vm.prank(trader);
        token.approve(trader2, 0);
        vm.assertEq(token.allowance(trader, trader2), 0);
    }

    /*//////////////////////////////////////////////////////////////
                             TRANSFER FROM
    //////////////////////////////////////////////////////////////*/

    function test_TransferFrom_SpendsAllowance() public {
        vm.prank(trader);
        token.approve(trader2, 100e18);

        vm.expectEmit(address(token));
        emit IERC20.Transfer(trader, stranger, 40e18);
        vm.prank(trader2);
        vm.assertTrue(token.transferFrom(trader, stranger, 40e18));

        vm.assertEq(token.allowance(trader, trader2), 60e18);
        vm.assertEq(token.balanceOf(trader), FUNDED - 40e18);
        vm.assertEq(token.balanceOf(stranger), 40e18);
        vm.assertEq(token.balanceOf(trader2), 0);
    }

    function test_TransferFrom_WholeAllowance() public {
        vm.prank(trader);
        token.approve(trader2, 100e18);
        vm.prank(trader2);
        token.transferFrom(trader, trader2, 100e18);
        vm.assertEq(token.allowance(trader, trader2), 0);
        vm.assertEq(token.balanceOf(trader2), 100e18);
    }

    function test_TransferFrom_UnlimitedAllowanceNotDecreased() public {
        vm.prank(trader);
        token.approve(trader2, type(uint256).max);
        vm.prank(trader2);
        token.transferFrom(trader, stranger, 40e18);
        vm.assertEq(token.allowance(trader, trader2), type(uint256).max);
        vm.assertEq(token.balanceOf(stranger), 40e18);
    }

    function test_RevertWhen_TransferFromExceedsAllowance() public {
        vm.prank(trader);
        token.approve(trader2, 100e18);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, trader2, 100e18, 100e18 + 1)
        );
        vm.prank(trader2);
        token.transferFrom(trader, stranger, 100e18 + 1);
    }

    function test_RevertWhen_TransferFromWithoutAllowance() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, trader2, 0, 1));
        vm.prank(trader2);
        token.transferFrom(trader, stranger, 1);
    }

    function test_RevertWhen_TransferFromExceedsBalance() public {
        vm.prank(trader);
        token.approve(trader2, type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, trader, FUNDED, FUNDED + 1)
        );
        vm.prank(trader2);
        token.transferFrom(trader, stranger, FUNDED + 1);
    }

    function test_RevertWhen_TransferFromByNonTraderSpender() public {
        address[4] memory spenders = [stranger, auditor, developer, admin];
        for (uint256 i; i < spenders.length; ++i) {
            vm.prank(trader);
            token.approve(spenders[i], 100e18);
            vm.expectRevert(_unauthorized(spenders[i], TRADER));
            vm.prank(spenders[i]);
            token.transferFrom(trader, stranger, 1e18);
        }
        vm.assertEq(token.balanceOf(trader), FUNDED);
    }

    function test_RevertWhen_TransferFromByExpiredSpender() public {
        // The owner (trader) renews and stays active; the spender (trader2) expires at START + 1 h.
        vm.prank(trader);
        token.approve(trader2, 100e18);
        vm.warp(START + 29 minutes);
        vm.prank(trader);
        token.renew(TRADER); // until START + 59 min
        vm.warp(START + 58 minutes);
        vm.prank(trader);
        token.renew(TRADER); // until START + 88 min
        vm.warp(START + 1 hours);
        vm.expectRevert(abi.encodeWithSelector(IWebexToken.WbxGrantExpired.selector, trader2, TRADER, START + 1 hours));
        vm.prank(trader2);
        token.transferFrom(trader, stranger, 1e18);
    }

    function test_RevertWhen_TransferFromExpiredOwner() public {
        vm.prank(trader);
        token.approve(trader2, 100e18);
        vm.warp(START + 30 minutes);
        vm.expectRevert(
            abi.encodeWithSelector(IWebexToken.WbxGrantExpired.selector, trader, TRADER, START + 30 minutes)
        );
        vm.prank(trader2);
        token.transferFrom(trader, stranger, 1e18);
    }

    function test_TransferFrom_ByRegisteredPool() public {
        address router = deployPool();
        vm.prank(topAdmin);
        token.setPool(router, true);
        vm.prank(trader);
        token.approve(router, 100e18);

        vm.prank(router);
        token.transferFrom(trader, router, 100e18);
        vm.assertEq(token.balanceOf(router), 100e18);
        vm.assertEq(token.allowance(trader, router), 0);
    }

    /*//////////////////////////////////////////////////////////////
                                PERMIT
    //////////////////////////////////////////////////////////////*/

    function test_Permit_SetsAllowance() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(traderKey, trader, stranger, 100e18, 0, deadline);

        vm.expectEmit(address(token));
        emit IERC20.Approval(trader, stranger, 100e18);
        vm.prank(stranger);
        token.permit(trader, stranger, 100e18, deadline, v, r, s);

        vm.assertEq(token.allowance(trader, stranger), 100e18);
        vm.assertEq(token.nonces(trader), 1);
    }

    function test_Permit_AtDeadline() public {
        uint256 deadline = block.timestamp;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(traderKey, trader, stranger, 1e18, 0, deadline);
        token.permit(trader, stranger, 1e18, deadline, v, r, s);
        vm.assertEq(token.allowance(trader, stranger), 1e18);
    }

    function test_Permit_NonceIncrements() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(traderKey, trader, stranger, 100e18, 0, deadline);
        token.permit(trader, stranger, 100e18, deadline, v, r, s);
        (v, r, s) = _signPermit(traderKey, trader, stranger, 5e18, 1, deadline);
        token.permit(trader, stranger, 5e18, deadline, v, r, s);
        vm.assertEq(token.allowance(trader, stranger), 5e18);
        vm.assertEq(token.nonces(trader), 2);
    }

    function test_RevertWhen_PermitExpired() public {
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(traderKey, trader, stranger, 100e18, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(trader, stranger, 100e18, deadline, v, r, s);
    }

    function test_RevertWhen_PermitWrongSigner() public {
        (address other, uint256 otherKey) = makeAddrAndKey("other");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(otherKey, trader, stranger, 100e18, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, other, trader));
        token.permit(trader, stranger, 100e18, deadline, v, r, s);
        vm.assertEq(token.nonces(trader), 0);
    }

    function test_RevertWhen_PermitReplayed() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(traderKey, trader, stranger, 100e18, 0, deadline);
        token.permit(trader, stranger, 100e18, deadline, v, r, s);

        // Against nonce 1 the same signature recovers some other address.
        address recovered = ecrecover(_permitDigest(trader, stranger, 100e18, 1, deadline), v, r, s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, trader));
        token.permit(trader, stranger, 100e18, deadline, v, r, s);
    }

    function test_RevertWhen_PermitByNonTraderOwner() public {
        (address holder, uint256 holderKey) = makeAddrAndKey("holder");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(holderKey, holder, stranger, 100e18, 0, deadline);
        vm.expectRevert(_unauthorized(holder, TRADER));
        token.permit(holder, stranger, 100e18, deadline, v, r, s);
        vm.assertEq(token.nonces(holder), 0);

        // A permit of zero, like an approval of zero, needs no grant.
        (v, r, s) = _signPermit(holderKey, holder, stranger, 0, 0, deadline);
        token.permit(holder, stranger, 0, deadline, v, r, s);
        vm.assertEq(token.nonces(holder), 1);
    }

    /*//////////////////////////////////////////////////////////////
                                 FUZZ
    //////////////////////////////////////////////////////////////*/

    function testFuzz_Transfer_ConservesBalances(address to, uint256 funded, uint256 amount) public {
        vm.assume(to != address(0) && to != address(token));
        funded = bound(funded, 0, MAX_FUND - FUNDED);
        if (funded != 0) fund(trader, funded);
        uint256 balance = FUNDED + funded;
        amount = bound(amount, 0, balance);
        uint256 toBefore = token.balanceOf(to);
        uint256 sumBefore = to == trader ? balance : balance + toBefore;

        vm.prank(trader);
        token.transfer(to, amount);

        if (to == trader) {
            vm.assertEq(token.balanceOf(trader), balance);
        } else {
            vm.assertEq(token.balanceOf(trader), balance - amount);
            vm.assertEq(token.balanceOf(to), toBefore + amount);
            vm.assertEq(token.balanceOf(trader) + token.balanceOf(to), sumBefore);
        }
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY);
    }

    function testFuzz_TransferFrom_ConservesBalancesAndSpendsAllowance(address to, uint256 allowance, uint256 amount)
        public
    {
        vm.assume(to != address(0) && to != address(token));
        allowance = bound(allowance, 0, type(uint256).max);
        amount = bound(amount, 0, allowance < FUNDED ? allowance : FUNDED);
        vm.prank(trader);
        token.approve(trader2, allowance);
        uint256 toBefore = token.balanceOf(to);

        vm.prank(trader2);
        token.transferFrom(trader, to, amount);

        vm.assertEq(token.allowance(trader, trader2), allowance == type(uint256).max ? allowance : allowance - amount);
        if (to == trader) {
            vm.assertEq(token.balanceOf(trader), FUNDED);
        } else {
            vm.assertEq(token.balanceOf(trader), FUNDED - amount);
            vm.assertEq(token.balanceOf(to), toBefore + amount);
        }
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY);
    }

    function testFuzz_RevertWhen_TransferExceedsBalance(uint256 amount) public {
        amount = bound(amount, FUNDED + 1, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, trader, FUNDED, amount));
        vm.prank(trader);
        token.transfer(stranger, amount);
    }

    function testFuzz_RevertWhen_TransferFromExceedsAllowance(uint256 allowance, uint256 amount) public {
        allowance = bound(allowance, 0, type(uint256).max - 1);
        amount = bound(amount, allowance + 1, type(uint256).max);
        vm.prank(trader);
        token.approve(trader2, allowance);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, trader2, allowance, amount)
        );
        vm.prank(trader2);
        token.transferFrom(trader, stranger, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _permitDigest(address owner, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    function _signPermit(uint256 key, address owner, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        return vm.sign(key, _permitDigest(owner, spender, value, nonce, deadline));
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }
}
