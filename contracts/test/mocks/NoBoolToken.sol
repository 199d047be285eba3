// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title NoBoolToken
/// @notice A USDT-style ERC-20 for the troubleshooter's tests: `transfer`, `approve` and `transferFrom` return
/// nothing instead of the `bool` that ERC-20 requires.
contract NoBoolToken {
    /// @notice The token's name.
    string public name = "No Bool Token";
    /// @notice The token's symbol.
    string public symbol = "NBT";
    /// @notice The token's decimals.
    uint8 public decimals = 6;
    /// @notice All tokens in existence.
    uint256 public totalSupply;
    /// @notice Balances by holder.
    mapping(address => uint256) public balanceOf;
    /// @notice Allowances by owner and spender.
    mapping(address => mapping(address => uint256)) public allowance;

    /// @notice Mints `supply` to the deployer.
    constructor(uint256 supply) {
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
    }

    /// @notice Moves `value` to `to`; returns nothing.
    function transfer(address to, uint256 value) external {
        _move(msg.sender, to, value);
    }

    /// @notice Sets `spender`'s allowance; returns nothing.
    function approve(address spender, uint256 value) external {
        allowance[msg.sender][spender] = value;
    }

    /// @notice Moves `value` from `from` to `to` with the caller's allowance; returns nothing.
    function transferFrom(address from, address to, uint256 value) external {
        require(allowance[from][msg.sender] >= value, "allowance");
        allowance[from][msg.sender] -= value;
        _move(from, to, value);
    }

    function _move(address from, address to, uint256 value) private {
        require(balanceOf[from] >= value, "balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
    }
}
