// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../../utils/Test.sol";
import {WebexToken} from "../../../src/WebexToken.sol";
import {WbxPool} from "../../../src/WbxPool.sol";
import {IWbxPool} from "../../../src/interfaces/IWbxPool.sol";
import {IWebexToken} from "../../../src/interfaces/IWebexToken.sol";
import {WbxRoles} from "../../../src/libraries/WbxRoles.sol";

/// @notice Drives the token for the invariant tests: a fixed set of actors whose Trader grants are made,
/// renewed (by the keeper in batches that may name an account many times), revoked and left to expire while
/// they move tokens; an admin who issues and allocates; Admin grants of both kinds asked for; and pool
/// registrations of pools, foreign pools and wallets, by the top admin and by a timed admin.
/// @dev The handler keeps its own model of every actor's grant (ghost grants), computed from the calls it
/// made and the time it let pass, never read back from the token. Each move or renewal is then judged
/// against that model, and every outcome the model forbids is counted in a ghost counter the invariants
/// require to stay zero: a handler that asserted would only revert, which `fail_on_revert = false` ignores.
contract TokenHandler is Test {
    bytes32 internal constant TRADER = WbxRoles.TRADER;
    bytes32 internal constant ADMIN = WbxRoles.ADMIN;
    uint256 internal constant ACTORS = 5;
    /// @dev The longest renewal batch, names repeated at random.
    uint256 internal constant MAX_BATCH = 8;
    uint256 internal constant MAX_WARP = 20 minutes;
    uint256 internal constant MAX_ISSUE = 1e27;
    uint256 internal constant INITIAL_BALANCE = 1_000_000e18;

    struct GhostGrant {
        IWebexToken.GrantKind kind;
        uint256 expiresAt;
        bool revoked;
    }

    WebexToken public immutable token;
    address public immutable pool;
    address public immutable topAdmin;
    address public immutable keeper;
    address[] public actors;
    /// @notice What a registration may be asked for: the fixture's pool, a second pool of this token, a pool
    /// of another token, and every actor's wallet. Only the first two are pools of this token.
    address[] public candidates;
    mapping(address candidate => bool) public isPoolOfToken;
    /// @notice The model of the registered set, from the calls that succeeded.
    mapping(address candidate => bool) public ghost_registered;

    /// @notice The handler's clock: every action starts by warping to it, so time only moves in `warp`.
    uint256 public currentTime;
    uint256 public standardDuration;
    uint256 public extendedDuration;
    mapping(address actor => GhostGrant) public ghostGrant;

    /// @notice Everything issued since deployment, the initial supply included.
    uint256 public ghost_issued;
    /// @dev What each bucket should have been issued: every issue split on its own, remainder to reserve.
    uint256[5] public ghost_bucketIssued;
    uint256 public ghost_issues;
    /// @notice Successful transfers or transferFroms whose sender (or spender) held an expired or revoked grant.
    uint256 public ghost_inactiveMoves;
    /// @notice Successful non-zero approvals by an owner whose grant was expired or revoked.
    uint256 public ghost_inactiveApprovals;
    /// @notice Successful `renew` calls on a grant that was not an active Standard grant.
    uint256 public ghost_ineligibleSelfRenewals;
    /// @notice Successful keeper `renewFor` calls on a revoked, expired or Standard grant.
    uint256 public ghost_ineligibleKeeperRenewals;
    /// @notice Revoked, expired or Standard grants that a keeper's `renewBatch` renewed.
    uint256 public ghost_ineligibleBatchRenewals;
    /// @notice Batches whose returned count differs from the grants they renewed.
    uint256 public ghost_batchCountMismatches;
    /// @notice The other side: moves, approvals and renewals by active, eligible accounts that were refused.
    uint256 public ghost_authorisedRefusals;
    /// @notice Payment ids used by successful batches and single allocations with a reference.
    bytes32[] public ghost_paidIds;
    /// @notice Tokens released by each of those payments.
    mapping(bytes32 id => uint256 total) public ghost_paidTotal;
    /// @notice Second payments with an id already paid that the token accepted.
    uint256 public ghost_secondPayments;
    /// @notice Grants a batch renewed more than once in one call (an account named many times).
    uint256 public ghost_batchRenewedTwice;
    /// @notice Extended Admin grants the token accepted, and Admin grants a keeper renewed.
    uint256 public ghost_extendedAdminGrants;
    uint256 public ghost_keeperAdminRenewals;
    /// @notice Registrations (or unregistrations) that succeeded for what is not a pool of this token, or for a
    /// caller that is not the top admin.
    uint256 public ghost_badRegistrations;
    /// @notice Moves by a candidate that succeeded although the model says it is not registered (candidates
    /// hold no grant).
    uint256 public ghost_unregisteredPoolMoves;

    modifier useTime() {
        vm.warp(currentTime);
        _;
    }

    constructor(WebexToken token_, address pool_, address topAdmin_, address keeper_) {
        token = token_;
        pool = pool_;
        topAdmin = topAdmin_;
        keeper = keeper_;
        for (uint256 i; i < ACTORS; ++i) {
            actors.push(makeAddr(string.concat("actor", vm.toString(i))));
        }
        address second = address(new WbxPool(IWebexToken(address(token_)), 30));
        WebexToken other = new WebexToken(1e18, topAdmin_, 1 days);
        address foreign = address(new WbxPool(IWebexToken(address(other)), 30));
        candidates.push(pool_);
        candidates.push(second);
        candidates.push(foreign);
        isPoolOfToken[pool_] = true;
        isPoolOfToken[second] = true;
        ghost_registered[pool_] = token_.isPool(pool_);
        for (uint256 i; i < ACTORS; ++i) {
            candidates.push(actors[i]);
        }
        currentTime = block.timestamp;
        standardDuration = token_.standardDuration();
        extendedDuration = token_.extendedDuration();
        ghost_issued = token_.totalSupply();
        _splitIssue(ghost_issued);

        // Every actor starts with a grant (Standard and Extended in turn) and a balance, so that moves
        // succeed from the first call; grants then come and go with the campaign.
        for (uint256 i; i < ACTORS; ++i) {
            grant(i, i % 2 == 1);
            vm.prank(topAdmin_);
            token_.allocate(IWebexToken.Bucket.CommunityRewards, actors[i], INITIAL_BALANCE);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 GRANTS
    //////////////////////////////////////////////////////////////*/

    function grant(uint256 actorSeed, bool extended) public useTime {
        address actor = _actor(actorSeed);
        IWebexToken.GrantKind kind = extended ? IWebexToken.GrantKind.Extended : IWebexToken.GrantKind.Standard;
        vm.prank(topAdmin);
        token.grantAccess(actor, TRADER, kind);
        ghostGrant[actor] = GhostGrant(kind, currentTime + (extended ? extendedDuration : standardDuration), false);
    }

    /// @notice Revokes an actor's grant, by the admin or (`renounce`) by the actor itself.
    function revoke(uint256 actorSeed, bool renounce) external useTime {
        address actor = _actor(actorSeed);
        bool active = _isActive(actor);
        bool revoked;
        if (renounce) {
            vm.prank(actor);
            try token.renounceRole(TRADER, actor) {
                revoked = true;
            } catch {}
        } else {
            vm.prank(topAdmin);
            try token.revokeAccess(actor, TRADER) {
                revoked = true;
            } catch {}
        }
        if (revoked) {
            ghostGrant[actor].revoked = true;
            ghostGrant[actor].expiresAt = currentTime;
        } else if (active) {
            ++ghost_authorisedRefusals;
        }
    }

    function renew(uint256 actorSeed) external useTime {
        address actor = _actor(actorSeed);
        bool eligible = _isActive(actor) && ghostGrant[actor].kind == IWebexToken.GrantKind.Standard;
        vm.prank(actor);
        try token.renew(TRADER) {
            if (!eligible) ++ghost_ineligibleSelfRenewals;
            ghostGrant[actor].expiresAt = currentTime + standardDuration;
        } catch {
            if (eligible) ++ghost_authorisedRefusals;
        }
    }

    function keeperRenew(uint256 actorSeed) external useTime {
        address actor = _actor(actorSeed);
        bool eligible = _isKeeperRenewable(actor);
        vm.prank(keeper);
        try token.renewFor(actor, TRADER) {
            if (!eligible) ++ghost_ineligibleKeeperRenewals;
            ghostGrant[actor].expiresAt = currentTime + extendedDuration;
        } catch {
            if (eligible) ++ghost_authorisedRefusals;
        }
    }

    /// @notice A batch of 1 to `MAX_BATCH` names drawn from the actors with repeats, as a keeper's merged
    /// or retried lists may have them: each grant must be renewed at most once.
    function keeperRenewBatch(uint256 namesSeed, uint256 lengthSeed) external useTime {
        uint256 n = bound(lengthSeed, 1, MAX_BATCH);
        address[] memory accounts = new address[](n);
        uint256[ACTORS] memory renewalsBefore;
        for (uint256 i; i < ACTORS; ++i) {
            renewalsBefore[i] = token.grantOf(actors[i], TRADER).renewals;
        }
        bool[ACTORS] memory named;
        for (uint256 i; i < n; ++i) {
            uint256 a = (namesSeed >> (8 * i)) % ACTORS;
            accounts[i] = actors[a];
            named[a] = true;
        }

        vm.prank(keeper);
        uint256 renewed = token.renewBatch(TRADER, accounts);

        uint256 counted;
        for (uint256 a; a < ACTORS; ++a) {
            if (!named[a]) continue;
            address actor = actors[a];
            // Eligible: active, Extended, and not already lasting until the batch's expiry (a renewal in the
            // same second adds nothing, and a batch never shortens a grant).
            bool eligible = _isKeeperRenewable(actor) && ghostGrant[actor].expiresAt < currentTime + extendedDuration;
            uint256 delta = token.grantOf(actor, TRADER).renewals - renewalsBefore[a];
            if (delta > 1) ++ghost_batchRenewedTwice;
            if (delta != 0) {
                ++counted;
                if (!eligible) ++ghost_ineligibleBatchRenewals;
                ghostGrant[actor].expiresAt = currentTime + extendedDuration;
            } else if (eligible) {
                ++ghost_authorisedRefusals;
            }
        }
        if (counted != renewed) ++ghost_batchCountMismatches;
    }

    /*//////////////////////////////////////////////////////////////
                              ADMIN GRANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The top admin grants an actor the Admin role, Standard or (refused) Extended.
    function grantAdmin(uint256 actorSeed, bool extended) external useTime {
        IWebexToken.GrantKind kind = extended ? IWebexToken.GrantKind.Extended : IWebexToken.GrantKind.Standard;
        vm.prank(topAdmin);
        try token.grantAccess(_actor(actorSeed), ADMIN, kind) {
            if (extended) ++ghost_extendedAdminGrants;
        } catch {
            if (!extended) ++ghost_authorisedRefusals;
        }
    }

    /// @notice The keeper tries to keep an actor's Admin grant alive, alone and in a batch.
    function keeperRenewAdmin(uint256 actorSeed) external useTime {
        address actor = _actor(actorSeed);
        vm.prank(keeper);
        try token.renewFor(actor, ADMIN) {
            ++ghost_keeperAdminRenewals;
        } catch {}
        address[] memory accounts = new address[](1);
        accounts[0] = actor;
        vm.prank(keeper);
        ghost_keeperAdminRenewals += token.renewBatch(ADMIN, accounts);
    }

    /*//////////////////////////////////////////////////////////////
                                  POOLS
    //////////////////////////////////////////////////////////////*/

    /// @notice Registers or unregisters a candidate, as the top admin or (`byTimedAdmin`) as an actor that holds
    /// an active Admin grant: only the top admin, and only for a pool of this token, may succeed.
    function setPool(uint256 candidateSeed, bool registered, bool byTimedAdmin) external useTime {
        address candidate = candidates[candidateSeed % candidates.length];
        address caller = topAdmin;
        if (byTimedAdmin) {
            caller = _actor(candidateSeed >> 8);
            vm.prank(topAdmin);
            token.grantAccess(caller, ADMIN, IWebexToken.GrantKind.Standard);
        }
        bool allowed = !byTimedAdmin && (registered ? isPoolOfToken[candidate] : true)
            && ghost_registered[candidate] != registered;
        vm.prank(caller);
        try token.setPool(candidate, registered) {
            if (!allowed) ++ghost_badRegistrations;
            ghost_registered[candidate] = registered;
        } catch {
            if (allowed) ++ghost_authorisedRefusals;
        }
    }

    /// @notice A candidate moves WBX it holds: only a registered pool may (candidates hold no Trader grant of
    /// their own, except actors, which are left out here).
    function poolTransfer(uint256 candidateSeed, uint256 toSeed, uint256 amount) external useTime {
        address candidate = candidates[candidateSeed % 3];
        uint256 balance = token.balanceOf(candidate);
        amount = bound(amount, 0, balance);
        vm.prank(candidate);
        try token.transfer(_recipient(toSeed), amount) {
            if (!ghost_registered[candidate]) ++ghost_unregisteredPoolMoves;
        } catch {
            if (ghost_registered[candidate]) ++ghost_authorisedRefusals;
        }
    }

    function setDurations(uint256 standard, uint256 extended) external useTime {
        standard = bound(standard, token.MIN_GRANT_DURATION(), token.MAX_GRANT_DURATION());
        extended = bound(extended, token.MIN_GRANT_DURATION(), token.MAX_GRANT_DURATION());
        vm.prank(topAdmin);
        token.setGrantDurations(standard, extended);
        (standardDuration, extendedDuration) = (standard, extended);
    }

    /// @notice Lets time pass, so grants expire.
    function warp(uint256 seconds_) external {
        currentTime += bound(seconds_, 1, MAX_WARP);
        vm.warp(currentTime);
    }

    /*//////////////////////////////////////////////////////////////
                                 MOVES
    //////////////////////////////////////////////////////////////*/

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external useTime {
        address from = _actor(fromSeed);
        address to = _recipient(toSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        bool authorised = _isActive(from);
        vm.prank(from);
        try token.transfer(to, amount) {
            if (!authorised) ++ghost_inactiveMoves;
        } catch {
            if (authorised) ++ghost_authorisedRefusals;
        }
    }

    function approve(uint256 ownerSeed, uint256 spenderSeed, uint256 amount) external useTime {
        address owner = _actor(ownerSeed);
        address spender = _actor(spenderSeed);
        bool authorised = _isActive(owner) || amount == 0;
        vm.prank(owner);
        try token.approve(spender, amount) {
            if (!authorised) ++ghost_inactiveApprovals;
        } catch {
            if (authorised) ++ghost_authorisedRefusals;
        }
    }

    function transferFrom(uint256 spenderSeed, uint256 fromSeed, uint256 toSeed, uint256 amount) external useTime {
        address spender = _actor(spenderSeed);
        address from = _actor(fromSeed);
        address to = _recipient(toSeed);
        uint256 allowance = token.allowance(from, spender);
        uint256 balance = token.balanceOf(from);
        amount = bound(amount, 0, allowance < balance ? allowance : balance);
        bool authorised = _isActive(from) && _isActive(spender);
        vm.prank(spender);
        try token.transferFrom(from, to, amount) {
            if (!authorised) ++ghost_inactiveMoves;
        } catch {
            if (authorised) ++ghost_authorisedRefusals;
        }
    }

    /*//////////////////////////////////////////////////////////////
                             ISSUE, ALLOCATE
    //////////////////////////////////////////////////////////////*/

    /// @dev Small amounts are kept (bound leaves them small) to exercise the bucket rounding. At some
    /// totals an issue of a few units reverts with an arithmetic panic, because the Reserve Fund's rest
    /// would have to shrink; the engine discards those calls (they are the only reverts of this handler).
    function issue(uint256 amount) external useTime {
        amount = bound(amount, 1, MAX_ISSUE);
        vm.prank(topAdmin);
        token.issue(amount);
        ghost_issued += amount;
        _splitIssue(amount);
    }

    /// @dev The policy split of one issue, computed independently of the token.
    function _splitIssue(uint256 amount) private {
        uint16[4] memory bps = [uint16(4000), 2500, 1500, 1000];
        uint256 assigned;
        for (uint256 i; i < 4; ++i) {
            uint256 share = amount * bps[i] / 10_000;
            ghost_bucketIssued[i] += share;
            assigned += share;
        }
        ghost_bucketIssued[4] += amount - assigned;
        ++ghost_issues;
    }

    function allocate(uint256 bucketSeed, uint256 toSeed, uint256 amount) external useTime {
        IWebexToken.Bucket bucket = IWebexToken.Bucket(bucketSeed % 5);
        uint256 remaining = token.bucketRemaining(bucket);
        if (remaining == 0) return;
        amount = bound(amount, 1, remaining);
        vm.prank(topAdmin);
        token.allocate(bucket, _recipient(toSeed), amount);
    }

    /// @notice A batch under a fresh id, or (`replaySeed` odd, once some id is paid) under an id already
    /// paid, as a retried or copied payout would: the token must refuse every replay.
    function allocateBatch(uint256 bucketSeed, uint256 toSeed, uint256[3] calldata amounts, uint256 replaySeed)
        external
        useTime
    {
        IWebexToken.Bucket bucket = IWebexToken.Bucket(bucketSeed % 5);
        uint256 remaining = token.bucketRemaining(bucket);
        address[] memory recipients = new address[](3);
        uint256[] memory values = new uint256[](3);
        uint256 total;
        for (uint256 i; i < 3; ++i) {
            recipients[i] = _recipient(toSeed >> (8 * i));
            values[i] = bound(amounts[i], 0, remaining / 3);
            total += values[i];
        }
        if (total == 0) return;
        bool replay = replaySeed % 2 == 1 && ghost_paidIds.length != 0;
        bytes32 id = replay
            ? ghost_paidIds[(replaySeed >> 1) % ghost_paidIds.length]
            : keccak256(abi.encode("batch", ghost_paidIds.length, toSeed));
        if (!replay && ghost_paidTotal[id] != 0) return; // a seed collision, not a replay
        vm.prank(topAdmin);
        try token.allocateBatch(bucket, recipients, values, id) {
            if (replay) ++ghost_secondPayments;
            else _recordPaid(id, total);
        } catch {}
    }

    /// @notice A single allocation with a payment reference, fresh or replayed as in {allocateBatch}.
    function allocateWithRef(uint256 bucketSeed, uint256 toSeed, uint256 amount, uint256 replaySeed) external useTime {
        IWebexToken.Bucket bucket = IWebexToken.Bucket(bucketSeed % 5);
        uint256 remaining = token.bucketRemaining(bucket);
        if (remaining == 0) return;
        amount = bound(amount, 1, remaining);
        bool replay = replaySeed % 2 == 1 && ghost_paidIds.length != 0;
        bytes32 id = replay
            ? ghost_paidIds[(replaySeed >> 1) % ghost_paidIds.length]
            : keccak256(abi.encode("ref", ghost_paidIds.length, toSeed));
        if (!replay && ghost_paidTotal[id] != 0) return;
        vm.prank(topAdmin);
        try token.allocateWithRef(bucket, _recipient(toSeed), amount, id) {
            if (replay) ++ghost_secondPayments;
            else _recordPaid(id, amount);
        } catch {}
    }

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    function paidIdCount() external view returns (uint256) {
        return ghost_paidIds.length;
    }

    function actorCount() external pure returns (uint256) {
        return ACTORS;
    }

    function candidateCount() external view returns (uint256) {
        return candidates.length;
    }

    /// @notice Whether the model says `actor`'s Trader grant authorises now.
    function isActive(address actor) external view returns (bool) {
        return _isActive(actor);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % ACTORS];
    }

    /// @dev An actor, or now and then the pool (a holder that receives without a grant).
    function _recipient(uint256 seed) internal view returns (address) {
        uint256 i = seed % (ACTORS + 1);
        return i == ACTORS ? pool : actors[i];
    }

    function _recordPaid(bytes32 id, uint256 total) internal {
        ghost_paidIds.push(id);
        ghost_paidTotal[id] = total;
    }

    function _isActive(address actor) internal view returns (bool) {
        return currentTime < ghostGrant[actor].expiresAt;
    }

    function _isKeeperRenewable(address actor) internal view returns (bool) {
        return _isActive(actor) && ghostGrant[actor].kind == IWebexToken.GrantKind.Extended;
    }
}
