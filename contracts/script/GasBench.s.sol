// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "../test/utils/Test.sol";
import {WebexToken} from "../src/WebexToken.sol";
import {WbxPool} from "../src/WbxPool.sol";
import {IWebexToken} from "../src/interfaces/IWebexToken.sol";
import {WbxRoles} from "../src/libraries/WbxRoles.sol";
import {PlainERC20} from "../test/bench/PlainERC20.sol";
import {PlainPool} from "../test/bench/PlainPool.sol";

/// @title GasBench
/// @notice Sends every measured operation as a real transaction, WBX beside its plain baseline, so that
/// `scripts/bench-gas` can read the gas of each from the receipts (intrinsic and calldata gas included).
/// @dev For a local anvil only: it signs with anvil's well-known dev mnemonic. The measured transactions
/// are the last ones broadcast, in the order of `labels`, which the script writes to `out/gas-bench.json`.
contract GasBench {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    string private constant MNEMONIC = "test test test test test test test test test test test junk";
    uint256 private constant BATCH = 100;

    bytes32 private constant TRADER = WbxRoles.TRADER;

    WebexToken private token;
    WbxPool private pool;
    PlainERC20 private plain;
    PlainPool private plainPool;

    string[] private labels;

    function run() external {
        uint256 adminKey = vm.deriveKey(MNEMONIC, 0);
        uint256 traderKey = vm.deriveKey(MNEMONIC, 1);
        uint256 spenderKey = vm.deriveKey(MNEMONIC, 2);
        uint256 keeperKey = vm.deriveKey(MNEMONIC, 3);
        address admin = vm.addr(adminKey);
        address trader = vm.addr(traderKey);
        address spender = vm.addr(spenderKey);
        address keeper = vm.addr(keeperKey);
        address[] memory many = new address[](BATCH);
        uint256[] memory amounts = new uint256[](BATCH);
        for (uint256 i; i < BATCH; ++i) {
            // Realistic addresses: calldata pays for every non-zero byte.
            many[i] = address(uint160(uint256(keccak256(abi.encode("grantee", i)))));
            amounts[i] = 1e18;
        }

        // ---- Setup: both tokens with the same holders, both pools seeded alike. ----
        vm.startBroadcast(adminKey);
        plain = new PlainERC20(admin, 1_000_000_000e18);
        require(plain.transfer(trader, 1000e18), "transfer failed");
        require(plain.transfer(spender, 1000e18), "transfer failed");
        plainPool = new PlainPool(plain);
        plain.approve(address(plainPool), 1_000_000e18);
        plainPool.seed{value: 100 ether}(1_000_000e18);

        token = new WebexToken(1_000_000_000e18, admin, 1 days);
        pool = new WbxPool(IWebexToken(address(token)), 30);
        token.setPool(address(pool), true);
        token.grantRole(WbxRoles.KEEPER, keeper);
        token.grantAccess(trader, TRADER, IWebexToken.GrantKind.Standard);
        token.grantAccess(spender, TRADER, IWebexToken.GrantKind.Extended);
        token.grantAccess(admin, TRADER, IWebexToken.GrantKind.Standard);
        token.allocate(IWebexToken.Bucket.ReserveFund, admin, 1_000_000e18);
        token.approve(address(pool), 1_000_000e18);
        pool.addLiquidity{value: 100 ether}(1_000_000e18, 0, 0, admin, block.timestamp + 1 hours);
        token.allocate(IWebexToken.Bucket.CommunityRewards, trader, 1000e18);
        token.allocate(IWebexToken.Bucket.CommunityRewards, spender, 1000e18);
        for (uint256 i; i < BATCH; ++i) {
            token.grantAccess(many[i], TRADER, IWebexToken.GrantKind.Extended);
        }
        // A renewal must extend a grant to count (a batch skips a grant that already lasts as long), and a
        // fast script on anvil may renew in the very second of the grant: renewals last 2 h, grants 1 h.
        token.setGrantDurations(30 minutes, 2 hours);
        vm.stopBroadcast();

        vm.startBroadcast(traderKey);
        plain.approve(address(plainPool), type(uint256).max);
        token.approve(address(pool), type(uint256).max);
        plain.approve(spender, type(uint256).max - 1);
        token.approve(spender, type(uint256).max - 1);
        vm.stopBroadcast();

        // ---- Measured, in `labels` order. Every transfer goes to an existing holder. ----
        vm.startBroadcast(traderKey);
        _label("transfer/plain");
        require(plain.transfer(spender, 1e18), "transfer failed");
        _label("transfer/wbx");
        require(token.transfer(spender, 1e18), "transfer failed");
        _label("approve/plain");
        plain.approve(admin, 5e18);
        _label("approve/wbx");
        token.approve(admin, 5e18);
        _label("swap-eth-for-token/plain");
        plainPool.swapExactEthForTokens{value: 0.1 ether}(0, trader, block.timestamp + 1 hours);
        _label("swap-eth-for-token/wbx");
        pool.swapExactEthForWbx{value: 0.1 ether}(0, trader, block.timestamp + 1 hours);
        _label("swap-token-for-eth/plain");
        plainPool.swapExactTokensForEth(10e18, 0, trader, block.timestamp + 1 hours);
        _label("swap-token-for-eth/wbx");
        pool.swapExactWbxForEth(10e18, 0, trader, block.timestamp + 1 hours);
        _label("renew/wbx");
        token.renew(TRADER);
        vm.stopBroadcast();

        vm.startBroadcast(spenderKey);
        _label("transferFrom/plain");
        require(plain.transferFrom(trader, spender, 1e18), "transfer failed");
        _label("transferFrom/wbx");
        require(token.transferFrom(trader, spender, 1e18), "transfer failed");
        vm.stopBroadcast();

        vm.startBroadcast(adminKey);
        _label("grant/wbx");
        token.grantAccess(address(0xA11CE), WbxRoles.AUDITOR, IWebexToken.GrantKind.Standard);
        _label("allocate/wbx");
        token.allocate(IWebexToken.Bucket.CommunityRewards, spender, 1e18);
        _label("allocate-with-ref/wbx");
        token.allocateWithRef(IWebexToken.Bucket.CommunityRewards, spender, 1e18, bytes32("INV-2041"));
        _label("allocate-batch-100/wbx");
        token.allocateBatch(IWebexToken.Bucket.CommunityRewards, many, amounts, keccak256("gas bench batch"));
        vm.stopBroadcast();

        vm.startBroadcast(keeperKey);
        _label("renew-for/wbx");
        token.renewFor(spender, TRADER);
        _label("renew-batch-100/wbx");
        require(token.renewBatch(TRADER, many) == BATCH, "the batch must renew every grant");
        vm.stopBroadcast();

        string memory json = vm.serializeUint("bench", "batch", BATCH);
        json = vm.serializeString("bench", "labels", _joined());
        vm.writeJson(json, string.concat(vm.projectRoot(), "/out/gas-bench.json"));
    }

    function _label(string memory name) private {
        labels.push(name);
    }

    function _joined() private view returns (string memory s) {
        for (uint256 i; i < labels.length; ++i) {
            s = i == 0 ? labels[i] : string.concat(s, ",", labels[i]);
        }
    }
}
