// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IWebexToken
/// @notice The WBX-specific surface of the Webex Token: allocation buckets, time-limited role grants,
/// pool registration and the pause switch. The ERC-20, EIP-2612 and AccessControl surfaces are
/// OpenZeppelin's and are not repeated here.
interface IWebexToken {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice The five allocation buckets of the policy, in policy order.
    enum Bucket {
        PlatformDevelopment, // 40.00 %
        MarketingPartnerships, // 25.00 %
        OperationalCosts, // 15.00 %
        CommunityRewards, // 10.00 %
        ReserveFund // 10.00 %, also takes every rounding remainder
    }

    /// @notice How a grant is renewed. `None` means the account was never granted the role.
    enum GrantKind {
        None,
        Standard, // renewed by its holder, by transaction or by signature
        Extended // renewed by a keeper
    }

    /// @notice Where a grant stands at the current block.
    enum GrantStatus {
        None,
        Active,
        Expired,
        Revoked
    }

    /// @notice Everything known about one grant of a role to an account.
    /// @param kind Standard or Extended (None if never granted).
    /// @param status None, Active, Expired or Revoked at the current block.
    /// @param grantedAt When the current grant was made.
    /// @param expiresAt The first second at which the grant no longer authorises.
    /// @param revokedAt When it was revoked (0 if not).
    /// @param renewals How many times this grant was renewed.
    /// @param grantedBy The admin that made the grant.
    /// @param renewedBy Who renewed it last (0 if never).
    /// @param revokedBy Who revoked it (0 if not).
    struct GrantInfo {
        GrantKind kind;
        GrantStatus status;
        uint40 grantedAt;
        uint40 expiresAt;
        uint40 revokedAt;
        uint32 renewals;
        address grantedBy;
        address renewedBy;
        address revokedBy;
    }

    /// @notice One bucket's accounting.
    /// @param shareBps The policy share in basis points.
    /// @param issued Tokens issued into the bucket so far.
    /// @param released Tokens released from the bucket so far.
    /// @param remaining `issued - released`, held by the token contract.
    struct BucketInfo {
        uint16 shareBps;
        uint256 issued;
        uint256 released;
        uint256 remaining;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice `amount` new tokens were minted into the buckets, split as `perBucket` (policy order).
    event SupplyIssued(address indexed operator, uint256 amount, uint256[5] perBucket);

    /// @notice `amount` tokens were released from `bucket` to `to` by `operator`.
    event Allocated(Bucket indexed bucket, address indexed to, address indexed operator, uint256 amount);

    /// @notice `account` was granted `role` by `sender`; the grant authorises until `expiresAt`.
    event AccessGranted(
        address indexed account, bytes32 indexed role, address indexed sender, GrantKind kind, uint256 expiresAt
    );

    /// @notice The grant of `role` to `account` was renewed by `renewer` until `expiresAt`.
    event AccessRenewed(address indexed account, bytes32 indexed role, address renewer, uint256 expiresAt);

    /// @notice The keeper `renewer` renewed the Extended grants of `role` of each of `accounts` until
    /// `expiresAt` (the accounts it skipped are not listed).
    /// @dev One log per batch rather than one per grant: a per-grant log costs about 2,000 gas, a quarter
    /// of a batch renewal. Indexers expand it into one renewal per account.
    event AccessRenewedBatch(bytes32 indexed role, address indexed renewer, uint256 expiresAt, address[] accounts);

    /// @notice The grant of `role` to `account` was revoked by `sender`, effective at once.
    event AccessRevoked(address indexed account, bytes32 indexed role, address indexed sender);

    /// @notice The lifetimes of new and renewed grants changed.
    event GrantDurationsUpdated(uint256 standardDuration, uint256 extendedDuration);

    /// @notice `pool` was registered (`registered == true`) or unregistered as a pool of this token by the
    /// top admin `sender`.
    event PoolRegistered(address indexed pool, bool registered, address indexed sender);

    /// @notice The payment `paymentId` was made: `total` tokens from `bucket` to `recipients` accounts, by
    /// `operator`. The id can never be paid again (see {paymentBlock}).
    /// @dev Emitted once per id, after its `Allocated` logs, so an indexer can join them by transaction.
    event PaymentRecorded(
        bytes32 indexed paymentId, Bucket indexed bucket, address indexed operator, uint256 recipients, uint256 total
    );

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice `account`'s grant of `role` stopped authorising at `expiredAt`.
    error WbxGrantExpired(address account, bytes32 role, uint256 expiredAt);

    /// @notice `account`'s grant of `role` was revoked at `revokedAt` by `revokedBy`.
    error WbxGrantRevoked(address account, bytes32 role, uint256 revokedAt, address revokedBy);

    /// @notice The operation needs a grant of another kind (`actual` is what `account` holds).
    error WbxWrongGrantKind(address account, bytes32 role, GrantKind actual);

    /// @notice `role` cannot be granted with `kind`: every grant is Standard or Extended, and an Admin grant is
    /// Standard only (its holder renews it; a keeper never does).
    error WbxInvalidGrantKind(bytes32 role, GrantKind kind);

    /// @notice `role` is not time-limited: use `grantRole`/`revokeRole` for it.
    error WbxNotTimedRole(bytes32 role);

    /// @notice `role` is time-limited: use `grantAccess`/`revokeAccess` for it.
    error WbxTimedRole(bytes32 role);

    /// @notice `account` holds an active grant of `conflictingRole`, which may not be combined with `role`.
    error WbxConflictingRole(address account, bytes32 role, bytes32 conflictingRole);

    /// @notice A grant duration outside `[min, max]` seconds.
    error WbxInvalidDuration(uint256 duration, uint256 min, uint256 max);

    /// @notice `bucket` holds `remaining` tokens, less than the `needed` amount.
    error WbxInsufficientBucket(Bucket bucket, uint256 remaining, uint256 needed);

    /// @notice An amount of zero where a positive amount is required.
    error WbxZeroAmount();

    /// @notice `account` cannot hold a grant (the zero address).
    error WbxInvalidAccount(address account);

    /// @notice Issuing `amount` would take the supply past `cap`.
    error WbxSupplyCapExceeded(uint256 amount, uint256 cap);

    /// @notice Two arrays that must be of one length are not.
    error WbxLengthMismatch(uint256 recipients, uint256 amounts);

    /// @notice The payment `paymentId` was already made, in block `paidAtBlock`: nothing is paid twice.
    error WbxAlreadyPaid(bytes32 paymentId, uint256 paidAtBlock);

    /// @notice A payment id of zero, where an id is required.
    error WbxZeroPaymentId();

    /// @notice The signed renewal's `deadline` has passed.
    error WbxRenewalSignatureExpired(uint256 deadline);

    /// @notice The renewal signature was not made by `account`.
    error WbxInvalidRenewalSignature(address account);

    /// @notice `pool` is already in the state the call asks for.
    error WbxPoolRegistration(address pool, bool registered);

    /// @notice `pool` is not a pool of this token: it has no code, or its `token()` does not name this token.
    error WbxInvalidPool(address pool);

    /*//////////////////////////////////////////////////////////////
                               VERSIONING
    //////////////////////////////////////////////////////////////*/

    /// @notice The contract version, so clients can tell an outdated deployment.
    function version() external view returns (string memory);

    /*//////////////////////////////////////////////////////////////
                                BUCKETS
    //////////////////////////////////////////////////////////////*/

    /// @notice Mints `amount` new tokens into the buckets by their policy shares. Admin only.
    /// @dev Each bucket but the Reserve Fund gets `floor(amount * shareBps / 10000)`; the Reserve Fund
    /// gets the rest, so it also takes the rounding remainder (at most 4 units per issue).
    function issue(uint256 amount) external;

    /// @notice Releases `amount` tokens from `bucket` to `to`. Admin only.
    function allocate(Bucket bucket, address to, uint256 amount) external;

    /// @notice Releases `amount` tokens from `bucket` to `to` as the payment `paymentRef`, at most once:
    /// a second call with the same reference reverts with {WbxAlreadyPaid}. Admin only.
    /// @param paymentRef The caller's reference for this payment (an invoice number, say); not zero.
    function allocateWithRef(Bucket bucket, address to, uint256 amount, bytes32 paymentRef) external;

    /// @notice Releases `amounts[i]` tokens from `bucket` to `recipients[i]` for every `i`, as the payment
    /// `paymentId`, at most once: a second batch with the same id reverts with {WbxAlreadyPaid}, whoever
    /// sends it and whatever it holds. Admin only.
    /// @param paymentId The batch's id, not zero. Clients derive it from what they pay (`wbx allocate-batch`
    /// uses the payout file's hash, the bucket and the batch's index), so that no retry, lost journal,
    /// second machine or copied file can pay the same batch twice.
    function allocateBatch(Bucket bucket, address[] calldata recipients, uint256[] calldata amounts, bytes32 paymentId)
        external;

    /// @notice The block in which the payment `paymentId` was made, or 0 if it was not.
    function paymentBlock(bytes32 paymentId) external view returns (uint256);

    /// @notice {paymentBlock} of each of `paymentIds`, in one call.
    function paymentBlocks(bytes32[] calldata paymentIds) external view returns (uint256[] memory blocks);

    /// @notice The policy share of `bucket` in basis points.
    function bucketShareBps(Bucket bucket) external pure returns (uint16);

    /// @notice Tokens issued into `bucket` so far.
    function bucketIssued(Bucket bucket) external view returns (uint256);

    /// @notice Tokens released from `bucket` so far.
    function bucketReleased(Bucket bucket) external view returns (uint256);

    /// @notice Tokens still held in `bucket`.
    function bucketRemaining(Bucket bucket) external view returns (uint256);

    /// @notice All five buckets in policy order, in one call.
    function buckets() external view returns (BucketInfo[5] memory);

    /*//////////////////////////////////////////////////////////////
                                 GRANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Grants `role` to `account` for the duration of `kind`, replacing any earlier grant.
    /// Admin only; `ADMIN_ROLE` itself is granted only by the top admin, and only as a Standard grant, so that
    /// admin power lasts only while its holder renews it (by transaction or signature), never by a keeper.
    function grantAccess(address account, bytes32 role, GrantKind kind) external;

    /// @notice Revokes `account`'s grant of `role`, effective at once. Admin only (top admin for admins).
    function revokeAccess(address account, bytes32 role) external;

    /// @notice Renews the caller's own active Standard grant of `role` to now plus the Standard duration.
    function renew(bytes32 role) external;

    /// @notice Renews `account`'s active Standard grant of `role` with a signature `account` made over an
    /// EIP-712 `Renewal(address account,bytes32 role,uint256 nonce,uint256 deadline)`. Anyone may relay it.
    function renewWithSig(address account, bytes32 role, uint256 deadline, bytes calldata signature) external;

    /// @notice Renews `account`'s active Extended grant of `role`. Keeper only.
    function renewFor(address account, bytes32 role) external;

    /// @notice Renews the active Extended grants of `role` of each of `accounts`, each at most once per call.
    /// Keeper only.
    /// @dev Accounts whose grant is not an active Extended grant (revoked or expired a moment ago) are
    /// skipped, not reverted on, so one late revocation cannot sink a whole batch. So is a grant that already
    /// lasts until the batch's new expiry or later: an account listed twice is renewed once, and a batch
    /// never shortens a grant.
    /// @return renewed How many grants were renewed.
    function renewBatch(bytes32 role, address[] calldata accounts) external returns (uint256 renewed);

    /// @notice The next nonce `account` must sign a renewal with.
    function renewalNonce(address account) external view returns (uint256);

    /// @notice Everything known about `account`'s grant of `role`.
    function grantOf(address account, bytes32 role) external view returns (GrantInfo memory);

    /// @notice Reverts with the precise reason (`AccessControlUnauthorizedAccount`, `WbxGrantExpired`,
    /// `WbxGrantRevoked`) unless `account` holds an active grant of `role`. Lets other contracts and
    /// clients ask "may this account act?" and get the answer a transaction would get.
    function checkGrant(address account, bytes32 role) external view;

    /// @notice Whether `role` is held through expiring grants.
    function isTimedRole(bytes32 role) external pure returns (bool);

    /// @notice Whether `account` may act as an admin: the top admin, or an active Admin grant.
    function isAdmin(address account) external view returns (bool);

    /// @notice Sets the lifetimes of new and renewed Standard and Extended grants, each within
    /// `[MIN_GRANT_DURATION, MAX_GRANT_DURATION]`. Admin only. Existing expiries are unchanged.
    function setGrantDurations(uint256 standardDuration, uint256 extendedDuration) external;

    /// @notice The lifetime of a Standard grant in seconds.
    function standardDuration() external view returns (uint256);

    /// @notice The lifetime of an Extended grant in seconds.
    function extendedDuration() external view returns (uint256);

    /*//////////////////////////////////////////////////////////////
                              POOLS, PAUSE
    //////////////////////////////////////////////////////////////*/

    /// @notice Registers or unregisters `pool`: a registered pool moves tokens without a Trader grant, because
    /// the pool checks the Trader grant of whoever triggers a payout (a swap or a withdrawal). Top admin
    /// only (`DEFAULT_ADMIN_ROLE`). Only a pool of this token can be registered: a contract whose `token()`
    /// is this token ({WbxInvalidPool} otherwise). A registration does not expire: it is a property of the
    /// pool's code, whose every payout needs a live grant; the top admin unregisters a pool at once.
    function setPool(address pool, bool registered) external;

    /// @notice Whether `pool` is a registered pool.
    function isPool(address pool) external view returns (bool);

    /// @notice Every registered pool, in no particular order.
    function pools() external view returns (address[] memory);

    /// @notice Stops every token movement. Admin only.
    function pause() external;

    /// @notice Resumes token movement. Admin only.
    function unpause() external;
}
