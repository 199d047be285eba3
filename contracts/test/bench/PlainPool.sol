// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @notice Gas baseline: a plain Uniswap-V2-style token/ETH pool with the same arithmetic as WbxPool
/// and no role checks, measured beside it. Liquidity is seeded without shares: only swaps are measured.
contract PlainPool is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev The same events as WbxPool (and Uniswap V2), so that the comparison is like for like.
    event Swap(
        address indexed sender, uint256 ethIn, uint256 tokenIn, uint256 ethOut, uint256 tokenOut, address indexed to
    );
    event Sync(uint112 reserveToken, uint112 reserveEth);

    IERC20 public immutable token;
    uint112 private _reserveToken;
    uint112 private _reserveEth;

    constructor(IERC20 token_) {
        token = token_;
    }

    function seed(uint256 amount) external payable {
        token.safeTransferFrom(msg.sender, address(this), amount);
        _reserveToken = uint112(amount);
        _reserveEth = uint112(msg.value);
    }

    function swapExactEthForTokens(uint256 minOut, address to, uint256 deadline)
        external
        payable
        nonReentrant
        returns (uint256 out)
    {
        require(block.timestamp <= deadline, "expired");
        (uint112 rt, uint112 re) = (_reserveToken, _reserveEth);
        out = _amountOut(msg.value, re, rt);
        require(out >= minOut, "slippage");
        (_reserveToken, _reserveEth) = (uint112(rt - out), uint112(re + msg.value));
        emit Swap(msg.sender, msg.value, 0, 0, out, to);
        emit Sync(uint112(rt - out), uint112(re + msg.value));
        token.safeTransfer(to, out);
    }

    function swapExactTokensForEth(uint256 amountIn, uint256 minOut, address to, uint256 deadline)
        external
        nonReentrant
        returns (uint256 out)
    {
        require(block.timestamp <= deadline, "expired");
        (uint112 rt, uint112 re) = (_reserveToken, _reserveEth);
        out = _amountOut(amountIn, rt, re);
        require(out >= minOut, "slippage");
        (_reserveToken, _reserveEth) = (uint112(rt + amountIn), uint112(re - out));
        emit Swap(msg.sender, 0, amountIn, out, 0, to);
        emit Sync(uint112(rt + amountIn), uint112(re - out));
        token.safeTransferFrom(msg.sender, address(this), amountIn);
        Address.sendValue(payable(to), out);
    }

    function _amountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) private pure returns (uint256) {
        uint256 inWithFee = amountIn * 9970;
        return inWithFee * reserveOut / (reserveIn * 10_000 + inWithFee);
    }
}
