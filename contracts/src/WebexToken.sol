// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl, IAccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IWbxPool} from "./interfaces/IWbxPool.sol";
import {IWebexToken} from "./interfaces/IWebexToken.sol";
import {WbxRoles} from "./libraries/WbxRoles.sol";

/// @title WebexToken
/// @notice The Webex Token (WBX): an ERC-20 whose supply lives in five policy buckets until an admin
/// releases it, and whose movement is gated by time-limited role grants.
/// @dev Customised only through OpenZeppelin's hooks: `_update` gates movement, `_approve` gates new
/// approvals, `hasRole`/`_checkRole` make the timed roles expire. The transfer path reads exactly two
/// storage slots beyond a plain ERC-20: the pause flag and the first slot of the sender's Trader grant.
contract WebexToken is IWebexToken, ERC20Permit, AccessControlDefaultAdminRules, Pausable {
    using EnumerableSet for EnumerableSet.AddressSet;

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Version of this contract; clients compare it with the version they were built for.
    string public constant VERSION = "1.2.0";

    /// @notice Role identifiers (see {WbxRoles}).
    bytes32 public constant ADMIN_ROLE = WbxRoles.ADMIN;
    bytes32 public constant TRADER_ROLE = WbxRoles.TRADER;
    bytes32 public constant AUDITOR_ROLE = WbxRoles.AUDITOR;
    bytes32 public constant DEVELOPER_ROLE = WbxRoles.DEVELOPER;
    bytes32 public constant KEEPER_ROLE = WbxRoles.KEEPER;

    /// @notice Bounds on the grant durations an admin may set.
    uint256 public constant MIN_GRANT_DURATION = 5 minutes;
    uint256 public constant MAX_GRANT_DURATION = 1 days;

    /// @notice The supply never exceeds this, so bucket totals fit their packed 128-bit fields.
    uint256 public constant MAX_SUPPLY = type(uint128).max;

    /// @dev EIP-712 type of a signed renewal.
    bytes32 private constant _RENEWAL_TYPEHASH =
        keccak256("Renewal(address account,bytes32 role,uint256 nonce,uint256 deadline)");

    uint256 private constant _BPS = 10_000;
    uint256 private constant _BUCKETS = 5;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev One grant, laid out so that a check or a renewal touches only its first slot.
    struct Grant {
        // slot 0: read by every check, written by every grant, renewal and revocation
        uint40 expiresAt;
        GrantKind kind;
        uint32 renewals;
        address renewedBy;
        // slot 1: written on grant
        uint40 grantedAt;
        address grantedBy;
        // slot 2: written on revocation
        uint40 revokedAt;
        address revokedBy;
    }

    /// @dev One bucket's totals, packed in one slot.
    struct BucketTotals {
        uint128 issued;
        uint128 released;
    }

    mapping(address account => mapping(bytes32 role => Grant)) private _grants;
    mapping(address account => uint256) private _renewalNonces;
    /// @dev The registered pools. A set rather than a flag, so that every client can list them (`pools()`);
    /// `contains` reads one slot, as the flag did.
    EnumerableSet.AddressSet private _pools;
    /// @dev The block of each payment made with an id (0: not made). A block number rather than a flag
    /// costs the same single slot and tells a client where to find the payment.
    mapping(bytes32 paymentId => uint256 blockNumber) private _payments;
    BucketTotals[_BUCKETS] private _buckets;
    uint40 private _standardDuration = 30 minutes;
    uint40 private _extendedDuration = 1 hours;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param initialSupply Tokens (smallest unit) minted into the buckets at deployment.
    /// @param initialAdmin The top admin (`DEFAULT_ADMIN_ROLE`).
    /// @param adminTransferDelay Seconds a top-admin transfer must wait before it can be accepted.
    constructor(uint256 initialSupply, address initialAdmin, uint48 adminTransferDelay)
        ERC20("Webex Token", "WBX")
        ERC20Permit("Webex Token")
        AccessControlDefaultAdminRules(adminTransferDelay, initialAdmin)
    {
        if (initialSupply != 0) _issue(initialSupply);
    }

    /*//////////////////////////////////////////////////////////////
                               VERSIONING
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWebexToken
    /// @dev Virtual so that a test can stand in for an older deployment (contracts/test/mocks).
    function version() external pure virtual returns (string memory) {
        return VERSION;
    }

    /*//////////////////////////////////////////////////////////////
                                BUCKETS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWebexToken
    function issue(uint256 amount) external {
        _checkAdmin();
        if (amount == 0) revert WbxZeroAmount();
        _issue(amount);
    }

    /// @inheritdoc IWebexToken
    function allocate(Bucket bucket, address to, uint256 amount) external {
        _checkAdmin();
        _release(bucket, amount);
        _transfer(address(this), to, amount);
        emit Allocated(bucket, to, _msgSender(), amount);
    }

    /// @inheritdoc IWebexToken
    function allocateWithRef(Bucket bucket, address to, uint256 amount, bytes32 paymentRef) external {
        _checkAdmin();
        _recordPayment(paymentRef);
        _release(bucket, amount);
        address operator = _msgSender();
        _transfer(address(this), to, amount);
        emit Allocated(bucket, to, operator, amount);
        emit PaymentRecorded(paymentRef, bucket, operator, 1, amount);
    }

    /// @inheritdoc IWebexToken
    function allocateBatch(Bucket bucket, address[] calldata recipients, uint256[] calldata amounts, bytes32 paymentId)
        external
    {
        _checkAdmin();
        uint256 n = recipients.length;
        if (n != amounts.length) revert WbxLengthMismatch(n, amounts.length);
        // Checked and recorded before any transfer: the id is the batch's one guarantee against a second
        // payment, whatever the client believes it has sent.
        _recordPayment(paymentId);
        uint256 total = 0;
        for (uint256 i; i < n; ++i) {
            total += amounts[i];
        }
        // One bucket check and one bucket write for the whole batch.
        _release(bucket, total);
        address operator = _msgSender();
        for (uint256 i; i < n; ++i) {
            _transfer(address(this), recipients[i], amounts[i]);
            emit Allocated(bucket, recipients[i], operator, amounts[i]);
        }
        emit PaymentRecorded(paymentId, bucket, operator, n, total);
    }

    /// @inheritdoc IWebexToken
    function paymentBlock(bytes32 paymentId) external view returns (uint256) {
        return _payments[paymentId];
    }

    /// @inheritdoc IWebexToken
    function paymentBlocks(bytes32[] calldata paymentIds) external view returns (uint256[] memory blocks) {
        uint256 n = paymentIds.length;
        blocks = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            blocks[i] = _payments[paymentIds[i]];
        }
    }

    /// @inheritdoc IWebexToken
    function bucketShareBps(Bucket bucket) public pure returns (uint16) {
        if (bucket == Bucket.PlatformDevelopment) return 4000;
        if (bucket == Bucket.MarketingPartnerships) return 2500;
        if (bucket == Bucket.OperationalCosts) return 1500;
        return 1000; // CommunityRewards and ReserveFund
    }

    /// @inheritdoc IWebexToken
    function bucketIssued(Bucket bucket) external view returns (uint256) {
        return _buckets[uint8(bucket)].issued;
    }

    /// @inheritdoc IWebexToken
    function bucketReleased(Bucket bucket) external view returns (uint256) {
        return _buckets[uint8(bucket)].released;
    }

    /// @inheritdoc IWebexToken
    function bucketRemaining(Bucket bucket) public view returns (uint256) {
        BucketTotals memory b = _buckets[uint8(bucket)];
        return b.issued - b.released;
    }

    /// @inheritdoc IWebexToken
    function buckets() external view returns (BucketInfo[5] memory info) {
        for (uint256 i; i < _BUCKETS; ++i) {
            BucketTotals memory b = _buckets[i];
            info[i] = BucketInfo({
                shareBps: bucketShareBps(Bucket(i)),
                issued: b.issued,
                released: b.released,
                remaining: b.issued - b.released
            });
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 GRANTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWebexToken
    function grantAccess(address account, bytes32 role, GrantKind kind) external {
        _checkGrantAuthority(role);
        // Admin power is renewed only by its holder, by transaction or signature: a keeper never keeps it alive.
        if (kind == GrantKind.None || (role == ADMIN_ROLE && kind != GrantKind.Standard)) {
            revert WbxInvalidGrantKind(role, kind);
        }
        if (account == address(0)) revert WbxInvalidAccount(account);
        bytes32 conflicting = _conflictingRole(role);
        if (conflicting != bytes32(0) && _isActive(_grants[account][conflicting])) {
            revert WbxConflictingRole(account, role, conflicting);
        }
        uint40 expiresAt =
            uint40(block.timestamp) + (kind == GrantKind.Standard ? _standardDuration : _extendedDuration);
        address sender = _msgSender();
        _grants[account][role] = Grant({
            expiresAt: expiresAt,
            kind: kind,
            renewals: 0,
            renewedBy: address(0),
            grantedAt: uint40(block.timestamp),
            grantedBy: sender,
            revokedAt: 0,
            revokedBy: address(0)
        });
        emit AccessGranted(account, role, sender, kind, expiresAt);
    }

    /// @inheritdoc IWebexToken
    function revokeAccess(address account, bytes32 role) external {
        _checkGrantAuthority(role);
        _revokeAccess(account, role, _msgSender());
    }

    /// @inheritdoc IWebexToken
    function renew(bytes32 role) external {
        address account = _msgSender();
        _renew(account, role, GrantKind.Standard, account);
    }

    /// @inheritdoc IWebexToken
    function renewWithSig(address account, bytes32 role, uint256 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert WbxRenewalSignatureExpired(deadline);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(_RENEWAL_TYPEHASH, account, role, _renewalNonces[account]++, deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(account, digest, signature)) {
            revert WbxInvalidRenewalSignature(account);
        }
        _renew(account, role, GrantKind.Standard, account);
    }

    /// @inheritdoc IWebexToken
    function renewFor(address account, bytes32 role) external onlyRole(KEEPER_ROLE) {
        _renew(account, role, GrantKind.Extended, _msgSender());
    }

    /// @inheritdoc IWebexToken
    function renewBatch(bytes32 role, address[] calldata accounts)
        external
        onlyRole(KEEPER_ROLE)
        returns (uint256 renewed)
    {
        address keeper = _msgSender();
        uint40 expiresAt = uint40(block.timestamp) + _extendedDuration;
        uint256 n = accounts.length;
        address[] memory renewedAccounts = new address[](n);
        for (uint256 i; i < n; ++i) {
            address account = accounts[i];
            if (!_tryRenewExtended(_grants[account][role], expiresAt, keeper)) continue;
            renewedAccounts[renewed] = account;
            unchecked {
                // Bounded by the array length.
                ++renewed;
            }
        }
        assembly ("memory-safe") {
            // Shrink the array to the renewed prefix; the memory past it is simply left unused.
            mstore(renewedAccounts, renewed)
        }
        emit AccessRenewedBatch(role, keeper, expiresAt, renewedAccounts);
    }

    /// @inheritdoc IWebexToken
    function renewalNonce(address account) external view returns (uint256) {
        return _renewalNonces[account];
    }

    /// @inheritdoc IWebexToken
    function grantOf(address account, bytes32 role) external view returns (GrantInfo memory info) {
        Grant memory g = _grants[account][role];
        GrantStatus status;
        // An enum compared with a constant, not a balance that could be forced off by a transfer.
        // slither-disable-next-line incorrect-equality
        if (g.kind == GrantKind.None) status = GrantStatus.None;
        else if (g.revokedAt != 0) status = GrantStatus.Revoked;
        else if (block.timestamp < g.expiresAt) status = GrantStatus.Active;
        else status = GrantStatus.Expired;
        info = GrantInfo({
            kind: g.kind,
            status: status,
            grantedAt: g.grantedAt,
            expiresAt: g.expiresAt,
            revokedAt: g.revokedAt,
            renewals: g.renewals,
            grantedBy: g.grantedBy,
            renewedBy: g.renewedBy,
            revokedBy: g.revokedBy
        });
    }

    /// @inheritdoc IWebexToken
    function checkGrant(address account, bytes32 role) external view {
        _checkRole(role, account);
    }

    /// @inheritdoc IWebexToken
    function isTimedRole(bytes32 role) public pure returns (bool) {
        return
            role == WbxRoles.ADMIN || role == WbxRoles.TRADER || role == WbxRoles.AUDITOR || role == WbxRoles.DEVELOPER;
    }

    /// @inheritdoc IWebexToken
    function isAdmin(address account) public view returns (bool) {
        return _isActive(_grants[account][ADMIN_ROLE]) || account == defaultAdmin();
    }

    /// @inheritdoc IWebexToken
    function setGrantDurations(uint256 standard, uint256 extended) external {
        _checkAdmin();
        _checkDuration(standard);
        _checkDuration(extended);
        // casting to 'uint40' is safe because each is at most MAX_GRANT_DURATION, checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        (_standardDuration, _extendedDuration) = (uint40(standard), uint40(extended));
        emit GrantDurationsUpdated(standard, extended);
    }

    /// @inheritdoc IWebexToken
    function standardDuration() external view returns (uint256) {
        return _standardDuration;
    }

    /// @inheritdoc IWebexToken
    function extendedDuration() external view returns (uint256) {
        return _extendedDuration;
    }

    /*//////////////////////////////////////////////////////////////
                              POOLS, PAUSE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWebexToken
    function setPool(address pool, bool registered) external {
        address sender = _msgSender();
        // The top admin only: the role that moves only by the delayed two-step transfer, as strong as the
        // Trader check a registration exempts the pool from.
        _checkRole(DEFAULT_ADMIN_ROLE, sender);
        if (registered) {
            if (!_isPoolOfThisToken(pool)) revert WbxInvalidPool(pool);
            if (!_pools.add(pool)) revert WbxPoolRegistration(pool, true);
        } else if (!_pools.remove(pool)) {
            revert WbxPoolRegistration(pool, false);
        }
        emit PoolRegistered(pool, registered, sender);
    }

    /// @inheritdoc IWebexToken
    function isPool(address pool) external view returns (bool) {
        return _pools.contains(pool);
    }

    /// @inheritdoc IWebexToken
    function pools() external view returns (address[] memory) {
        return _pools.values();
    }

    /// @inheritdoc IWebexToken
    function pause() external {
        _checkAdmin();
        _pause();
    }

    /// @inheritdoc IWebexToken
    function unpause() external {
        _checkAdmin();
        _unpause();
    }

    /*//////////////////////////////////////////////////////////////
                        ACCESS CONTROL OVERRIDES
    //////////////////////////////////////////////////////////////*/

    /// @notice For a timed role: whether `account` holds an active grant of it. Otherwise as AccessControl.
    /// @dev A grant authorises while `block.timestamp < expiresAt`: the expiry second itself does not count.
    function hasRole(bytes32 role, address account) public view override(AccessControl, IAccessControl) returns (bool) {
        if (isTimedRole(role)) return _isActive(_grants[account][role]);
        return super.hasRole(role, account);
    }

    /// @notice Timed roles are granted with {grantAccess}; this reverts for them.
    function grantRole(bytes32 role, address account) public override {
        if (isTimedRole(role)) revert WbxTimedRole(role);
        super.grantRole(role, account);
    }

    /// @notice Timed roles are revoked with {revokeAccess}; this reverts for them.
    function revokeRole(bytes32 role, address account) public override {
        if (isTimedRole(role)) revert WbxTimedRole(role);
        super.revokeRole(role, account);
    }

    /// @notice Gives up a role. For a timed role, the caller's grant is revoked by the caller.
    function renounceRole(bytes32 role, address callerConfirmation) public override {
        if (!isTimedRole(role)) {
            super.renounceRole(role, callerConfirmation);
            return;
        }
        if (callerConfirmation != _msgSender()) revert AccessControlBadConfirmation();
        _revokeAccess(callerConfirmation, role, callerConfirmation);
    }

    /// @dev Reverts with why `account` may not act as `role`: missing, expired or revoked.
    function _checkRole(bytes32 role, address account) internal view override {
        if (!isTimedRole(role)) {
            super._checkRole(role, account);
            return;
        }
        Grant storage g = _grants[account][role];
        if (!_isActive(g)) _revertInactive(account, role, g);
    }

    /// @inheritdoc AccessControlDefaultAdminRules
    function supportsInterface(bytes4 interfaceId) public view override(AccessControlDefaultAdminRules) returns (bool) {
        return interfaceId == type(IWebexToken).interfaceId || super.supportsInterface(interfaceId);
    }

    /*//////////////////////////////////////////////////////////////
                            ERC-20 OVERRIDES
    //////////////////////////////////////////////////////////////*/

    /// @dev The single customisation point of token movement. Rules, in order:
    /// - nothing moves while paused;
    /// - nothing is sent to the token contract itself (its balance is the buckets);
    /// - tokens leave an account only if it holds an active Trader grant or is a registered pool (a contract
    ///   whose every payout checks its caller's Trader grant), and a `transferFrom` caller must itself be a
    ///   registered pool or an active Trader;
    /// - minting and bucket releases are gated by the admin check of `issue` and `allocate` instead.
    function _update(address from, address to, uint256 value) internal override {
        _requireNotPaused();
        if (from != address(0)) {
            if (to == address(this)) revert ERC20InvalidReceiver(to);
            if (from != address(this)) {
                _checkMover(from);
                address spender = _msgSender();
                if (spender != from) _checkMover(spender);
            }
        }
        super._update(from, to, value);
    }

    /// @dev New approvals (not the allowance spending of `transferFrom`) need an active Trader grant, except
    /// an approval of zero: anyone may withdraw an allowance, grant or not.
    function _approve(address owner, address spender, uint256 value, bool emitEvent) internal override {
        if (emitEvent && value != 0) _checkRole(TRADER_ROLE, owner);
        super._approve(owner, spender, value, emitEvent);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    function _issue(uint256 amount) private {
        uint256 supply = totalSupply();
        if (amount > MAX_SUPPLY - supply) revert WbxSupplyCapExceeded(amount, MAX_SUPPLY);
        uint256[5] memory perBucket;
        uint256 assigned = 0;
        for (uint256 i; i < _BUCKETS - 1; ++i) {
            perBucket[i] = amount * bucketShareBps(Bucket(i)) / _BPS;
            assigned += perBucket[i];
        }
        // The rounding remainder (at most 4 units) goes to the Reserve Fund; assigned <= amount.
        perBucket[_BUCKETS - 1] = amount - assigned;
        for (uint256 i; i < _BUCKETS; ++i) {
            // casting to 'uint128' is safe because a bucket's issued total is at most the supply <= MAX_SUPPLY
            // forge-lint: disable-next-line(unsafe-typecast)
            _buckets[i].issued += uint128(perBucket[i]);
        }
        _mint(address(this), amount);
        emit SupplyIssued(_msgSender(), amount, perBucket);
    }

    /// @dev Marks `paymentId` as paid in this block; reverts if it is zero or already paid. One cold slot:
    /// about 22,100 gas, some 220 gas per recipient in a batch of 100.
    function _recordPayment(bytes32 paymentId) private {
        if (paymentId == bytes32(0)) revert WbxZeroPaymentId();
        uint256 paidAt = _payments[paymentId];
        if (paidAt != 0) revert WbxAlreadyPaid(paymentId, paidAt);
        _payments[paymentId] = block.number;
    }

    function _release(Bucket bucket, uint256 amount) private {
        if (amount == 0) revert WbxZeroAmount();
        BucketTotals storage b = _buckets[uint8(bucket)];
        uint256 remaining = b.issued - b.released;
        if (amount > remaining) revert WbxInsufficientBucket(bucket, remaining, amount);
        // casting to 'uint128' is safe because amount <= remaining <= issued, itself a uint128
        // forge-lint: disable-next-line(unsafe-typecast)
        b.released += uint128(amount);
    }

    function _renew(address account, bytes32 role, GrantKind kind, address renewer) private {
        Grant storage g = _grants[account][role];
        if (!_isActive(g)) _revertInactive(account, role, g);
        if (g.kind != kind) revert WbxWrongGrantKind(account, role, g.kind);
        // Never stacks: a renewal sets the expiry to now plus the duration, so duplicates are harmless.
        uint40 expiresAt =
            uint40(block.timestamp) + (kind == GrantKind.Standard ? _standardDuration : _extendedDuration);
        _writeRenewal(g, expiresAt, renewer);
        emit AccessRenewed(account, role, renewer, expiresAt);
    }

    /// @dev Writes only slot 0 of the grant, the one slot a renewal needs.
    function _writeRenewal(Grant storage g, uint40 expiresAt, address renewer) private {
        g.expiresAt = expiresAt;
        g.renewedBy = renewer;
        unchecked {
            // A 32-bit counter of renewals at most every five minutes lasts 40,000 years.
            ++g.renewals;
        }
    }

    /// @dev The batch renewal's inner step: if `g` is an active Extended grant that expires before
    /// `expiresAt`, renew it, with exactly one SLOAD and one SSTORE. Hand-written because Solidity reads and writes the packed fields of slot 0
    /// one by one, which costs about 400 gas more per grant, 6% of a batch renewal.
    /// Slot 0 of a `Grant`: expiresAt in bits 0-39, kind in 40-47, renewals in 48-79, renewedBy in 80-239.
    function _tryRenewExtended(Grant storage g, uint40 expiresAt, address renewer) private returns (bool renewed) {
        uint256 extended = uint256(GrantKind.Extended);
        assembly ("memory-safe") {
            let word := sload(g.slot)
            let expiry := and(word, 0xffffffffff)
            // Active, Extended, and not already at (or past) the new expiry: an account listed twice in one
            // batch is renewed once, from the slot already loaded.
            renewed := and(and(eq(and(shr(40, word), 0xff), extended), lt(timestamp(), expiry)), lt(expiry, expiresAt))
            if renewed {
                // The counter wraps within its 32 bits, as `unchecked { ++renewals; }` would.
                let renewals := and(add(shr(48, word), 1), 0xffffffff)
                sstore(g.slot, or(or(expiresAt, shl(40, extended)), or(shl(48, renewals), shl(80, renewer))))
            }
        }
    }

    function _revokeAccess(address account, bytes32 role, address sender) private {
        Grant storage g = _grants[account][role];
        if (!_isActive(g)) _revertInactive(account, role, g);
        g.expiresAt = uint40(block.timestamp);
        g.revokedAt = uint40(block.timestamp);
        g.revokedBy = sender;
        emit AccessRevoked(account, role, sender);
    }

    /// @dev `account` may move tokens: an active Trader grant, or a registered pool. The grant is read
    /// first: it is the common case, and the pool flag costs another cold slot.
    function _checkMover(address account) private view {
        Grant storage g = _grants[account][TRADER_ROLE];
        if (!_isActive(g) && !_pools.contains(account)) _revertInactive(account, TRADER_ROLE, g);
    }

    /// @dev Whether `pool` is a contract whose `token()` is this token. A low-level call, so that an account
    /// without code, a contract without `token()` or one answering garbage is refused with {WbxInvalidPool}
    /// rather than an undecodable revert.
    function _isPoolOfThisToken(address pool) private view returns (bool) {
        if (pool.code.length == 0) return false;
        (bool ok, bytes memory answer) = pool.staticcall(abi.encodeCall(IWbxPool.token, ()));
        // Decoded as a word, which cannot fail, and compared with this address: dirty upper bits do not match.
        return ok && answer.length == 32 && abi.decode(answer, (uint256)) == uint256(uint160(address(this)));
    }

    function _isActive(Grant storage g) private view returns (bool) {
        return block.timestamp < g.expiresAt;
    }

    function _revertInactive(address account, bytes32 role, Grant storage g) private view {
        if (g.kind == GrantKind.None) revert AccessControlUnauthorizedAccount(account, role);
        if (g.revokedAt != 0) revert WbxGrantRevoked(account, role, g.revokedAt, g.revokedBy);
        revert WbxGrantExpired(account, role, g.expiresAt);
    }

    function _checkAdmin() private view {
        address sender = _msgSender();
        if (sender == defaultAdmin()) return;
        _checkRole(ADMIN_ROLE, sender);
    }

    /// @dev Admins are made and unmade by the top admin only; the other timed roles by any admin.
    function _checkGrantAuthority(bytes32 role) private view {
        if (!isTimedRole(role)) revert WbxNotTimedRole(role);
        if (role == ADMIN_ROLE) _checkRole(DEFAULT_ADMIN_ROLE, _msgSender());
        else _checkAdmin();
    }

    /// @dev Separation of duties: a Developer never moves tokens, so Trader and Developer exclude each other.
    function _conflictingRole(bytes32 role) private pure returns (bytes32) {
        if (role == WbxRoles.TRADER) return WbxRoles.DEVELOPER;
        if (role == WbxRoles.DEVELOPER) return WbxRoles.TRADER;
        return bytes32(0);
    }

    function _checkDuration(uint256 duration) private pure {
        if (duration < MIN_GRANT_DURATION || duration > MAX_GRANT_DURATION) {
            revert WbxInvalidDuration(duration, MIN_GRANT_DURATION, MAX_GRANT_DURATION);
        }
    }
}
