// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ContractWallet
/// @notice A minimal contract account (ERC-1271) for the dashboard's sign-in tests: a signature is valid
/// for a hash when the wallet's owner signed that hash.
contract ContractWallet is IERC1271 {
    /// @notice The EOA whose signatures this wallet accepts.
    address public immutable OWNER;

    /// @notice Creates a wallet that accepts `owner`'s signatures.
    constructor(address owner) {
        OWNER = owner;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        if (err == ECDSA.RecoverError.NoError && signer == OWNER) return IERC1271.isValidSignature.selector;
        return bytes4(0xffffffff);
    }
}
