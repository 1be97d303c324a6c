//! The coupon rules, as pure functions the service decides with: who may receive a coupon, how
//! its stock moves, what an operator's change may do and which grants can be revoked. The store
//! only loads what they read and writes what they decide, so every rule is tested here without
//! a database.

use chrono::{DateTime, Utc};
use luffy_common::UserId;

use crate::change::CouponChange;
use crate::coupon::{Coupon, GetType};
use crate::errors::{ClaimError, GrantError, RevokeError, UpdateCouponError};
use crate::grant::{UseStatus, UserCoupon};

/// Most users one grant may reach: the whole batch is one transaction with one audit entry per
/// grant, so it stays small enough to answer quickly. The API and the console share it.
pub const MAX_GRANT_BATCH: usize = 1000;

/// A guarded change of a coupon's stock left (`has_total`): the row moves only if it still
/// holds `from` (a bind parameter of the update), so a lost race changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockMove {
    /// The coupon.
    pub coupon_id: i64,
    /// The stock left as it was read under the coupon's row lock.
    pub from: i32,
    /// The stock left after the move; never negative, never above what was issued.
    pub to: i32,
}

/// How many grants of one coupon a user holds already (revoked grants are gone and do not
/// count), as the store reads them for the per-user limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldGrants {
    /// The user.
    pub user: UserId,
    /// Grants of the coupon they hold, used or not.
    pub count: i64,
}

impl Coupon {
    /// Takes `units` from the stock left; `None` when fewer are left (or `units` is not
    /// positive), so that a coupon is never granted beyond what was issued.
    pub fn take_stock(&self, units: i64) -> Option<StockMove> {
        let units = i32::try_from(units).ok().filter(|u| *u > 0)?;
        let to = self.has_total.checked_sub(units).filter(|to| *to >= 0)?;
        Some(StockMove {
            coupon_id: self.id,
            from: self.has_total,
            to,
        })
    }

    /// Gives one unit back (a revoked grant), never above what was issued.
    pub fn return_stock(&self) -> StockMove {
        StockMove {
            coupon_id: self.id,
            from: self.has_total,
            to: (self.has_total.saturating_add(1)).min(self.total),
        }
    }
}

/// Decides an operator's grant of `coupon` to `users` (a user listed twice gets two grants):
/// the coupon must be switched on, every user must exist (`known` are those the store found),
/// nobody may pass the per-user limit with what they hold already, and the stock must cover
/// every grant. All or nothing: the answer is the one stock move that pays for the batch.
pub fn decide_grant(
    coupon: &Coupon,
    users: &[UserId],
    known: &[UserId],
    held: &[HeldGrants],
) -> Result<StockMove, GrantError> {
    if users.is_empty() || users.len() > MAX_GRANT_BATCH {
        return Err(GrantError::BatchSize);
    }
    if !coupon.enabled {
        return Err(GrantError::Disabled);
    }
    let distinct = distinct_users(users);
    if distinct.iter().any(|user| !known.contains(user)) {
        return Err(GrantError::UserNotFound);
    }
    for user in &distinct {
        let already = held
            .iter()
            .filter(|h| h.user == *user)
            .map(|h| h.count)
            .sum::<i64>();
        let asked = users.iter().filter(|u| *u == user).count() as i64;
        if already + asked > i64::from(coupon.per_limit) {
            return Err(GrantError::LimitReached);
        }
    }
    coupon
        .take_stock(users.len() as i64)
        .ok_or(GrantError::SoldOut)
}

/// The users of a grant request, each once, in id order (what the store looks up).
pub fn distinct_users(users: &[UserId]) -> Vec<UserId> {
    let mut distinct = users.to_vec();
    distinct.sort_unstable_by_key(|u| u.get());
    distinct.dedup();
    distinct
}

/// Decides a buyer's claim of a self-claim coupon at `now`: it must be claimable by buyers,
/// switched on and inside its window, the buyer must hold fewer than the per-user limit, and
/// one unit must be left. The answer is the stock move that pays for the grant.
pub fn decide_claim(
    coupon: &Coupon,
    held: i64,
    now: DateTime<Utc>,
) -> Result<StockMove, ClaimError> {
    if coupon.get_type != GetType::SelfClaim {
        return Err(ClaimError::NotClaimable);
    }
    if !coupon.is_valid_at(now) {
        return Err(ClaimError::NotValid);
    }
    if held >= i64::from(coupon.per_limit) {
        return Err(ClaimError::LimitReached);
    }
    coupon.take_stock(1).ok_or(ClaimError::SoldOut)
}

/// A decided change of a coupon: every field as it will be stored, with the stock move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponUpdate {
    /// The coupon.
    pub coupon_id: i64,
    /// Name, trimmed.
    pub name: String,
    /// Start of the window.
    pub starts_at: DateTime<Utc>,
    /// End of the window, after its start.
    pub ends_at: DateTime<Utc>,
    /// Issued in all.
    pub total: i32,
    /// What is left moves by the same difference as `total`.
    pub stock: StockMove,
    /// Per-user limit.
    pub per_limit: i32,
    /// Switched on.
    pub enabled: bool,
}

impl CouponUpdate {
    /// The coupon as it stands once the update is stored.
    pub fn applied_to(&self, coupon: &Coupon) -> Coupon {
        Coupon {
            name: self.name.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            total: self.total,
            has_total: self.stock.to,
            per_limit: self.per_limit,
            enabled: self.enabled,
            ..coupon.clone()
        }
    }
}

/// Decides an operator's change against the stored coupon (read under its row lock): the
/// change must be valid on its own ([`CouponChange::validate`]), the merged window may not be
/// empty, and a new stock moves what is left by the same difference, never below zero (fewer
/// may not be issued than are granted already).
pub fn decide_change(
    coupon: &Coupon,
    change: &CouponChange,
) -> Result<CouponUpdate, UpdateCouponError> {
    change.validate()?;
    let starts_at = change.starts_at.unwrap_or(coupon.starts_at);
    let ends_at = change.ends_at.unwrap_or(coupon.ends_at);
    if starts_at >= ends_at {
        return Err(UpdateCouponError::EmptyWindow);
    }
    let total = change.total.unwrap_or(coupon.total);
    let left = i64::from(coupon.has_total) + i64::from(total) - i64::from(coupon.total);
    let left = i32::try_from(left)
        .ok()
        .filter(|left| *left >= 0)
        .ok_or(UpdateCouponError::StockBelowGranted)?;
    Ok(CouponUpdate {
        coupon_id: coupon.id,
        name: change
            .name
            .as_deref()
            .map_or_else(|| coupon.name.clone(), |n| n.trim().to_owned()),
        starts_at,
        ends_at,
        total,
        stock: StockMove {
            coupon_id: coupon.id,
            from: coupon.has_total,
            to: left,
        },
        per_limit: change.per_limit.unwrap_or(coupon.per_limit),
        enabled: change.enabled.unwrap_or(coupon.enabled),
    })
}

/// Decides an operator's revoke: only a grant that is unused and held by no order can be
/// taken back; its unit returns to the coupon's stock.
pub fn decide_revoke(grant: &UserCoupon) -> Result<StockMove, RevokeError> {
    if grant.use_status != UseStatus::Unused || grant.order_id.is_some() {
        return Err(RevokeError::InUse);
    }
    Ok(grant.coupon.return_stock())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builders::coupon_at;
    use chrono::Duration;
    use proptest::prelude::*;

    fn users(ids: &[i64]) -> Vec<UserId> {
        ids.iter().map(|id| UserId(*id)).collect()
    }

    #[test]
    fn a_grant_is_refused_in_the_documented_order() {
        let now = Utc::now();
        let mut coupon = coupon_at(now);
        coupon.has_total = 2;
        coupon.per_limit = 1;
        let known = users(&[1, 2, 3]);
        assert_eq!(
            decide_grant(&coupon, &users(&[1, 2]), &known, &[]).ok(),
            Some(StockMove {
                coupon_id: coupon.id,
                from: 2,
                to: 0
            })
        );
        assert!(matches!(
            decide_grant(&coupon, &[], &known, &[]),
            Err(GrantError::BatchSize)
        ));
        assert!(matches!(
            decide_grant(&coupon, &users(&[1, 9]), &known, &[]),
            Err(GrantError::UserNotFound)
        ));
        assert!(matches!(
            decide_grant(&coupon, &users(&[1, 1]), &known, &[]),
            Err(GrantError::LimitReached)
        ));
        let held = [HeldGrants {
            user: UserId(2),
            count: 1,
        }];
        assert!(matches!(
            decide_grant(&coupon, &users(&[2]), &known, &held),
            Err(GrantError::LimitReached)
        ));
        assert!(matches!(
            decide_grant(&coupon, &users(&[1, 2, 3]), &known, &[]),
            Err(GrantError::SoldOut)
        ));
        coupon.enabled = false;
        assert!(matches!(
            decide_grant(&coupon, &users(&[1]), &known, &[]),
            Err(GrantError::Disabled)
        ));
    }

    #[test]
    fn a_claim_needs_a_claimable_coupon_in_its_window_with_stock() {
        let now = Utc::now();
        let mut coupon = coupon_at(now);
        assert!(matches!(
            decide_claim(&coupon, 0, now),
            Err(ClaimError::NotClaimable)
        ));
        coupon.get_type = GetType::SelfClaim;
        assert_eq!(
            decide_claim(&coupon, 0, now).ok().map(|m| m.to),
            Some(coupon.has_total - 1)
        );
        assert!(matches!(
            decide_claim(&coupon, 0, coupon.ends_at + Duration::seconds(1)),
            Err(ClaimError::NotValid)
        ));
        assert!(matches!(
            decide_claim(&coupon, i64::from(coupon.per_limit), now),
            Err(ClaimError::LimitReached)
        ));
        coupon.has_total = 0;
        assert!(matches!(
            decide_claim(&coupon, 0, now),
            Err(ClaimError::SoldOut)
        ));
        coupon.has_total = 5;
        coupon.enabled = false;
        assert!(matches!(
            decide_claim(&coupon, 0, now),
            Err(ClaimError::NotValid)
        ));
    }

    #[test]
    fn a_change_keeps_the_window_and_the_granted_stock() {
        let now = Utc::now();
        let coupon = Coupon {
            total: 10,
            has_total: 4,
            ..coupon_at(now)
        };
        let fewer = CouponChange {
            total: Some(6),
            ..CouponChange::default()
        };
        let update = decide_change(&coupon, &fewer).unwrap();
        assert_eq!(
            (update.total, update.stock.from, update.stock.to),
            (6, 4, 0)
        );
        let too_few = CouponChange {
            total: Some(5),
            ..CouponChange::default()
        };
        assert!(matches!(
            decide_change(&coupon, &too_few),
            Err(UpdateCouponError::StockBelowGranted)
        ));
        let backwards = CouponChange {
            ends_at: Some(coupon.starts_at - Duration::days(1)),
            ..CouponChange::default()
        };
        assert!(matches!(
            decide_change(&coupon, &backwards),
            Err(UpdateCouponError::EmptyWindow)
        ));
        assert!(matches!(
            decide_change(&coupon, &CouponChange::default()),
            Err(UpdateCouponError::Invalid { .. })
        ));
        let renamed = CouponChange {
            name: Some("  新名字 ".into()),
            ..CouponChange::default()
        };
        let update = decide_change(&coupon, &renamed).unwrap();
        assert_eq!(update.applied_to(&coupon).name, "新名字");
        assert_eq!(update.stock.to, coupon.has_total);
    }

    #[test]
    fn only_an_unused_unreserved_grant_is_revoked() {
        let now = Utc::now();
        let mut grant = UserCoupon {
            id: 7,
            user: UserId(1),
            coupon: Coupon {
                total: 3,
                has_total: 2,
                ..coupon_at(now)
            },
            order_id: None,
            use_status: UseStatus::Unused,
            use_time: None,
        };
        assert_eq!(
            decide_revoke(&grant).ok().map(|m| (m.from, m.to)),
            Some((2, 3))
        );
        grant.order_id = Some(1);
        assert!(matches!(decide_revoke(&grant), Err(RevokeError::InUse)));
        grant.order_id = None;
        grant.use_status = UseStatus::Used;
        assert!(matches!(decide_revoke(&grant), Err(RevokeError::InUse)));
    }

    proptest! {
        /// Whatever is asked, a decided grant never takes more than is left and takes exactly
        /// one unit per grant, and nobody ends above the per-user limit.
        #[test]
        fn grants_never_oversell_or_pass_the_limit(
            has_total in 0i32..20,
            per_limit in 1i32..4,
            asked in proptest::collection::vec(1i64..6, 0..12),
            held in proptest::collection::vec((1i64..6, 0i64..4), 0..5),
        ) {
            let now = Utc::now();
            let coupon = Coupon { has_total, total: has_total + 5, per_limit, ..coupon_at(now) };
            let asked = users(&asked);
            let held: Vec<HeldGrants> = held
                .into_iter()
                .map(|(user, count)| HeldGrants { user: UserId(user), count })
                .collect();
            let known = users(&[1, 2, 3, 4, 5]);
            if let Ok(stock) = decide_grant(&coupon, &asked, &known, &held) {
                prop_assert!(stock.to >= 0);
                prop_assert_eq!(i64::from(stock.from - stock.to), asked.len() as i64);
                for user in distinct_users(&asked) {
                    let before: i64 = held.iter().filter(|h| h.user == user).map(|h| h.count).sum();
                    let now_held = before + asked.iter().filter(|u| **u == user).count() as i64;
                    prop_assert!(now_held <= i64::from(per_limit));
                }
            }
        }

        /// A change never leaves a negative stock, and moves what is left by exactly the
        /// change of what is issued.
        #[test]
        fn a_change_moves_the_stock_left_with_the_stock_issued(
            total in 0i32..1000,
            granted in 0i32..1000,
            new_total in 0i32..2000,
        ) {
            let granted = granted.min(total);
            let now = Utc::now();
            let coupon = Coupon { total, has_total: total - granted, ..coupon_at(now) };
            let change = CouponChange { total: Some(new_total), ..CouponChange::default() };
            match decide_change(&coupon, &change) {
                Ok(update) => {
                    prop_assert!(update.stock.to >= 0);
                    prop_assert_eq!(update.total - update.stock.to, granted);
                }
                Err(UpdateCouponError::StockBelowGranted) => prop_assert!(new_total < granted),
                Err(other) => prop_assert!(false, "unexpected refusal {other}"),
            }
        }

        /// Returning a unit never lifts the stock above what was issued.
        #[test]
        fn returned_stock_stays_within_what_was_issued(total in 0i32..100, left in 0i32..100) {
            let now = Utc::now();
            let coupon = Coupon { total, has_total: left.min(total), ..coupon_at(now) };
            let back = coupon.return_stock();
            prop_assert!(back.to <= total);
            prop_assert!(back.to >= back.from || back.from > total);
        }
    }
}
