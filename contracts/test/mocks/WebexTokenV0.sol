// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WebexToken} from "../../src/WebexToken.sol";

/// @title WebexTokenV0
/// @notice An outdated WBX deployment for the troubleshooter's tests: today's token, answering `version()` with an
/// older version, so that both its version and its runtime code differ from what the client was built for.
contract WebexTokenV0 is WebexToken {
    constructor(uint256 initialSupply, address initialAdmin, uint48 adminTransferDelay)
        WebexToken(initialSupply, initialAdmin, adminTransferDelay)
    {}

    /// @notice The version of this older deployment.
    function version() external pure override returns (string memory) {
        return "0.9.0";
    }
}
