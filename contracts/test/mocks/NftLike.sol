// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title NftLike
/// @notice A contract of another standard for the troubleshooter's tests: it declares ERC-721 through ERC-165 and
/// has no `totalSupply` or `allowance`.
contract NftLike {
    /// @notice Tokens held by `owner`.
    mapping(address => uint256) public balanceOf;

    /// @notice ERC-165: ERC-165 itself and ERC-721.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 || interfaceId == 0x80ac58cd;
    }
}
