//! Cart operations with their business checks.

use luffy_catalog::{CatalogError, CatalogStore, CourseOwnership};
use luffy_common::{Clock, CourseId, StorageError, UserId};

use crate::item::CartLine;
use crate::repository::CartStore;

/// Why a cart operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum CartError {
    /// The course does not exist, is hidden or deleted.
    #[error("当前课程不存在!")]
    CourseNotFound,
    /// The buyer already owns the course.
    #[error("对不起,您已经购买过当前课程!不需要重新购买了.")]
    AlreadyOwned,
    /// The course is not in the cart, so it cannot be toggled or removed.
    #[error("当前课程不在购物车中!")]
    NotInCart,
    /// Redis or PostgreSQL failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<CatalogError> for CartError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::CourseNotFound => Self::CourseNotFound,
            CatalogError::Storage(storage) => Self::Storage(storage),
        }
    }
}

/// The cart use cases, generic over its ports so they can be tested with in-memory fakes.
#[derive(Debug, Clone)]
pub struct CartService<R, C, O, K> {
    carts: R,
    catalog: C,
    ownership: O,
    clock: K,
}

impl<R, C, O, K> CartService<R, C, O, K>
where
    R: CartStore,
    C: CatalogStore,
    O: CourseOwnership,
    K: Clock,
{
    /// Wires the ports.
    pub fn new(carts: R, catalog: C, ownership: O, clock: K) -> Self {
        Self {
            carts,
            catalog,
            ownership,
            clock,
        }
    }

    /// Adds a purchasable, not-yet-owned course in selected state; returns the cart size.
    pub async fn add(&self, user: UserId, course_id: CourseId) -> Result<u64, CartError> {
        let course = self
            .catalog
            .find_course(course_id, self.clock.now())
            .await?;
        if !course.is_purchasable() {
            return Err(CartError::CourseNotFound);
        }
        if self.ownership.owns(user, course_id).await? {
            return Err(CartError::AlreadyOwned);
        }
        Ok(self.carts.add(user, course_id).await?)
    }

    /// Every purchasable course in the cart with price, discount and selection.
    /// Courses hidden or deleted since they were added are left out.
    pub async fn lines(&self, user: UserId) -> Result<Vec<CartLine>, CartError> {
        let entries = self.carts.entries(user).await?;
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<CourseId> = entries.iter().map(|e| e.course_id).collect();
        let now = self.clock.now();
        let courses = self.catalog.find_courses(&ids, now).await?;
        Ok(entries
            .iter()
            .filter_map(|entry| {
                let course = courses.iter().find(|c| c.id == entry.course_id)?;
                course
                    .is_purchasable()
                    .then(|| CartLine::new(course.clone(), entry.selected, now))
            })
            .collect())
    }

    /// The selected lines: the checkout page's data.
    pub async fn selected_lines(&self, user: UserId) -> Result<Vec<CartLine>, CartError> {
        let mut lines = self.lines(user).await?;
        lines.retain(|line| line.selected);
        Ok(lines)
    }

    /// Selects or deselects one course already in the cart.
    pub async fn set_selected(
        &self,
        user: UserId,
        course: CourseId,
        selected: bool,
    ) -> Result<(), CartError> {
        if self.carts.set_selected(user, course, selected).await? {
            Ok(())
        } else {
            Err(CartError::NotInCart)
        }
    }

    /// Selects or deselects everything.
    pub async fn set_all_selected(&self, user: UserId, selected: bool) -> Result<(), CartError> {
        Ok(self.carts.set_all_selected(user, selected).await?)
    }

    /// Removes one course that is in the cart; returns the cart size.
    pub async fn remove(&self, user: UserId, course: CourseId) -> Result<u64, CartError> {
        let present = self
            .carts
            .entries(user)
            .await?
            .iter()
            .any(|entry| entry.course_id == course);
        if !present {
            return Err(CartError::NotInCart);
        }
        Ok(self.carts.remove(user, &[course]).await?)
    }

    /// Number of items in the cart.
    pub async fn count(&self, user: UserId) -> Result<u64, CartError> {
        Ok(self.carts.count(user).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::CartEntry;
    use chrono::{DateTime, Utc};
    use luffy_catalog::{Category, Course, CourseType, Direction};
    use luffy_common::{FixedClock, Page, PageRequest};
    use rust_decimal_macros::dec;
    use std::collections::{BTreeMap, HashSet};
    use std::sync::{Arc, Mutex};

    #[derive(Default, Clone)]
    struct MemoryCarts(Arc<Mutex<BTreeMap<(i64, i64), bool>>>);

    impl MemoryCarts {
        fn user_len(map: &BTreeMap<(i64, i64), bool>, user: UserId) -> u64 {
            map.keys().filter(|(u, _)| *u == user.get()).count() as u64
        }
    }

    impl CartStore for MemoryCarts {
        async fn add(&self, user: UserId, course: CourseId) -> Result<u64, StorageError> {
            let mut map = self.0.lock().unwrap();
            map.insert((user.get(), course.get()), true);
            Ok(Self::user_len(&map, user))
        }
        async fn entries(&self, user: UserId) -> Result<Vec<CartEntry>, StorageError> {
            let map = self.0.lock().unwrap();
            Ok(map
                .iter()
                .filter(|((u, _), _)| *u == user.get())
                .map(|((_, c), s)| CartEntry {
                    course_id: CourseId(*c),
                    selected: *s,
                })
                .collect())
        }
        async fn set_selected(
            &self,
            user: UserId,
            course: CourseId,
            selected: bool,
        ) -> Result<bool, StorageError> {
            let mut map = self.0.lock().unwrap();
            match map.get_mut(&(user.get(), course.get())) {
                Some(flag) => {
                    *flag = selected;
                    Ok(true)
                }
                None => Ok(false),
            }
        }
        async fn set_all_selected(&self, user: UserId, selected: bool) -> Result<(), StorageError> {
            let mut map = self.0.lock().unwrap();
            for ((u, _), flag) in map.iter_mut() {
                if *u == user.get() {
                    *flag = selected;
                }
            }
            Ok(())
        }
        async fn remove(&self, user: UserId, courses: &[CourseId]) -> Result<u64, StorageError> {
            let mut map = self.0.lock().unwrap();
            for course in courses {
                map.remove(&(user.get(), course.get()));
            }
            Ok(Self::user_len(&map, user))
        }
        async fn count(&self, user: UserId) -> Result<u64, StorageError> {
            Ok(Self::user_len(&self.0.lock().unwrap(), user))
        }
    }

    #[derive(Clone)]
    struct MemoryCatalog(Vec<Course>);

    impl CatalogStore for MemoryCatalog {
        async fn list_courses(
            &self,
            page: PageRequest,
            _now: DateTime<Utc>,
        ) -> Result<Page<Course>, CatalogError> {
            Ok(Page {
                items: self.0.clone(),
                total: self.0.len() as u64,
                request: page,
            })
        }
        async fn find_course(
            &self,
            id: CourseId,
            _now: DateTime<Utc>,
        ) -> Result<Course, CatalogError> {
            self.0
                .iter()
                .find(|c| c.id == id)
                .cloned()
                .ok_or(CatalogError::CourseNotFound)
        }
        async fn find_courses(
            &self,
            ids: &[CourseId],
            _now: DateTime<Utc>,
        ) -> Result<Vec<Course>, CatalogError> {
            Ok(self
                .0
                .iter()
                .filter(|c| ids.contains(&c.id))
                .cloned()
                .collect())
        }
    }

    #[derive(Clone, Default)]
    struct MemoryOwnership(HashSet<(i64, i64)>);

    impl CourseOwnership for MemoryOwnership {
        async fn owns(&self, user: UserId, course: CourseId) -> Result<bool, StorageError> {
            Ok(self.0.contains(&(user.get(), course.get())))
        }
    }

    fn course(id: i64, is_show: bool, is_deleted: bool) -> Course {
        Course {
            id: CourseId(id),
            name: format!("course {id}"),
            course_cover: String::new(),
            course_type: CourseType::Practical,
            price: dec!(100.00),
            credit: 0,
            direction: Direction {
                id: 1,
                name: "d".into(),
            },
            category: Category {
                id: 1,
                name: "c".into(),
                direction_id: 1,
            },
            is_show,
            is_deleted,
            promotions: Vec::new(),
        }
    }

    fn service() -> CartService<MemoryCarts, MemoryCatalog, MemoryOwnership, FixedClock> {
        let catalog = MemoryCatalog(vec![
            course(1, true, false),
            course(2, true, false),
            course(3, false, false),
            course(4, true, true),
        ]);
        let owned = MemoryOwnership([(7, 2)].into_iter().collect());
        CartService::new(
            MemoryCarts::default(),
            catalog,
            owned,
            FixedClock(Utc::now()),
        )
    }

    #[tokio::test]
    async fn add_checks_existence_visibility_and_ownership() {
        let cart = service();
        let user = UserId(7);
        assert_eq!(cart.add(user, CourseId(1)).await.unwrap(), 1);
        assert_eq!(
            cart.add(user, CourseId(1)).await.unwrap(),
            1,
            "adding twice keeps one item"
        );
        assert!(matches!(
            cart.add(user, CourseId(2)).await,
            Err(CartError::AlreadyOwned)
        ));
        assert!(matches!(
            cart.add(user, CourseId(3)).await,
            Err(CartError::CourseNotFound)
        ));
        assert!(matches!(
            cart.add(user, CourseId(4)).await,
            Err(CartError::CourseNotFound)
        ));
        assert!(matches!(
            cart.add(user, CourseId(99)).await,
            Err(CartError::CourseNotFound)
        ));
        assert_eq!(cart.count(user).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn selection_and_removal() {
        let cart = service();
        let user = UserId(8);
        cart.add(user, CourseId(1)).await.unwrap();
        cart.add(user, CourseId(2)).await.unwrap();
        cart.set_selected(user, CourseId(1), false).await.unwrap();
        let selected: Vec<_> = cart
            .selected_lines(user)
            .await
            .unwrap()
            .iter()
            .map(|l| l.course.id)
            .collect();
        assert_eq!(selected, vec![CourseId(2)]);
        cart.set_all_selected(user, false).await.unwrap();
        assert!(cart.selected_lines(user).await.unwrap().is_empty());
        assert_eq!(cart.lines(user).await.unwrap().len(), 2);
        assert!(matches!(
            cart.set_selected(user, CourseId(9), true).await,
            Err(CartError::NotInCart)
        ));
        assert!(matches!(
            cart.remove(user, CourseId(9)).await,
            Err(CartError::NotInCart)
        ));
        assert_eq!(cart.remove(user, CourseId(1)).await.unwrap(), 1);
    }
}
