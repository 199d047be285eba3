// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title WbxRoles
/// @notice The role identifiers of the WBX program, shared by the token, the pool and off-chain tools.
/// @dev Admin, Trader, Auditor and Developer are time-limited: they are held through grants that expire
/// (see {IWebexToken-grantAccess}). The Keeper is a permanent service role managed by the top admin with
/// OpenZeppelin's `grantRole`, and the top admin is `DEFAULT_ADMIN_ROLE` (`bytes32(0)`), which moves only
/// through the delayed two-step transfer of `AccessControlDefaultAdminRules`.
library WbxRoles {
    /// @dev Issues supply, allocates from buckets, grants and revokes access, pauses, configures.
    bytes32 internal constant ADMIN = keccak256("ADMIN_ROLE");
    /// @dev Moves tokens out of its own account, approves, swaps, provides pool liquidity.
    bytes32 internal constant TRADER = keccak256("TRADER_ROLE");
    /// @dev Read-only: a credential that off-chain audit tools verify.
    bytes32 internal constant AUDITOR = keccak256("AUDITOR_ROLE");
    /// @dev Deploys and configures pools (fee, pause); never moves tokens.
    bytes32 internal constant DEVELOPER = keccak256("DEVELOPER_ROLE");
    /// @dev Renews Extended grants of others before they expire.
    bytes32 internal constant KEEPER = keccak256("KEEPER_ROLE");
}
