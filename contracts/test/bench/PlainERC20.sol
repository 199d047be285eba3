// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Gas baseline: a plain OpenZeppelin ERC-20 with no gating, measured beside WBX.
contract PlainERC20 is ERC20 {
    constructor(address holder, uint256 supply) ERC20("Plain", "PLN") {
        _mint(holder, supply);
    }
}
