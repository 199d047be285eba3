// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "../test/utils/Test.sol";
import {WebexToken} from "../src/WebexToken.sol";
import {WbxPool} from "../src/WbxPool.sol";
import {IWebexToken} from "../src/interfaces/IWebexToken.sol";
import {WbxRoles} from "../src/libraries/WbxRoles.sol";

/// @title Deploy
/// @notice Deploys the WBX token and its pool, registers the pool, seeds its liquidity from the Reserve
/// Fund, and writes the deployment record (`deployments/<chainId>.json`) that the Rust side reads.
/// @dev Usage: `forge script contracts/script/Deploy.s.sol --rpc-url $RPC --broadcast --private-key $KEY`
/// (or `--account NAME`). The broadcaster becomes the top admin. Settings come from the environment:
/// `WBX_INITIAL_SUPPLY` (smallest units, default 1e9 WBX), `WBX_ADMIN_DELAY` (seconds, default 1 day),
/// `WBX_POOL_FEE_BPS` (default 30), `WBX_SEED_WBX` and `WBX_SEED_ETH` (smallest units, default
/// 1,000,000 WBX and 100 ETH; 0 skips seeding), `WBX_DEPLOYMENT` (record path, under `deployments/`).
contract Deploy {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function run() external returns (WebexToken token, WbxPool pool) {
        uint256 initialSupply = vm.envOr("WBX_INITIAL_SUPPLY", uint256(1_000_000_000e18));
        uint256 adminDelay = vm.envOr("WBX_ADMIN_DELAY", uint256(1 days));
        uint256 feeBps = vm.envOr("WBX_POOL_FEE_BPS", uint256(30));
        uint256 seedWbx = vm.envOr("WBX_SEED_WBX", uint256(1_000_000e18));
        uint256 seedEth = vm.envOr("WBX_SEED_ETH", uint256(100 ether));
        string memory path = vm.envOr(
            "WBX_DEPLOYMENT", string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), ".json")
        );
        require(adminDelay <= type(uint48).max, "WBX_ADMIN_DELAY: at most 2^48-1 seconds");
        require(feeBps <= 100, "WBX_POOL_FEE_BPS: at most 100 (1%)");
        // Events of the deployment are in this block or later.
        uint256 deployBlock = block.number;

        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        // casting is safe because both were range-checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        token = new WebexToken(initialSupply, deployer, uint48(adminDelay));
        // forge-lint: disable-next-line(unsafe-typecast)
        pool = new WbxPool(IWebexToken(address(token)), uint16(feeBps));
        token.setPool(address(pool), true);
        if (seedWbx != 0 && seedEth != 0) {
            // Seeding goes through the ordinary, audited paths: a short Trader grant for the deployer,
            // a release from the Reserve Fund, a deposit, then the grant is revoked again.
            token.grantAccess(deployer, WbxRoles.TRADER, IWebexToken.GrantKind.Standard);
            token.allocate(IWebexToken.Bucket.ReserveFund, deployer, seedWbx);
            token.approve(address(pool), seedWbx);
            pool.addLiquidity{value: seedEth}(seedWbx, seedWbx, seedEth, deployer, block.timestamp + 1 hours);
            token.revokeAccess(deployer, WbxRoles.TRADER);
        }
        vm.stopBroadcast();

        string memory key = "deployment";
        vm.serializeUint(key, "chainId", block.chainid);
        vm.serializeAddress(key, "token", address(token));
        vm.serializeAddress(key, "pool", address(pool));
        vm.serializeAddress(key, "admin", deployer);
        vm.serializeUint(key, "deployBlock", deployBlock);
        string memory json = vm.serializeString(key, "version", token.version());
        vm.createDir(string.concat(vm.projectRoot(), "/deployments"), true);
        vm.writeJson(json, path);
    }
}
