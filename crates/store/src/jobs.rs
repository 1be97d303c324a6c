//! PostgreSQL adapter for the scheduler's `JobStore` port: the jobs table, claimed
//! with `FOR UPDATE SKIP LOCKED` so any number of workers can share it. It knows no job kind.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Double, Integer, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_account::audit::{actions, entities};
use luffy_common::{Page, PageRequest, StorageError, UserId};
use luffy_scheduler::{
    DeadJob, DeadJobSummary, Job, JobAdminStore, JobCounts, JobStatus, JobStore, KindCount, NewJob,
    RetryError,
};

use crate::audit::Audit;
use crate::audited_write::{audited_write, Audited};
use crate::errors::{diesel_error, TxError};
use crate::postgres::{connection, PgPool};
use crate::schema::jobs;
use crate::statement::cached_sql;

/// Inserts a job in the caller's transaction (a job commits with the state that
/// needs it, or not at all).
pub(crate) async fn insert_job(
    mut conn: &AsyncPgConnection,
    job: &NewJob,
) -> Result<i64, DieselError> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(&job.kind),
            jobs::payload.eq(job.payload.to_string()),
            jobs::run_at.eq(job.run_at),
            jobs::max_attempts.eq(job.max_attempts),
            jobs::order_id.eq(job.order_id),
        ))
        .returning(jobs::id)
        .get_result(&mut conn)
        .await
}

/// The claim statements differ only in which rows are candidates: each is served by its own
/// partial index (an OR of the two would scan the table).
macro_rules! claim_statement {
    ($(#[$meta:meta])* $name:ident, $candidates:literal) => {
        cached_sql! {
            $(#[$meta])*
            struct $name = concat!(
                "UPDATE jobs SET status = 'running', locked_by = :worker,
                    locked_until = :until, attempts = attempts + 1, updated_time = now()
                WHERE id IN (", $candidates, " LIMIT :limit FOR UPDATE SKIP LOCKED)
                RETURNING id, kind, payload, run_at, attempts, max_attempts"
            );
            worker: Text => String,
            until: Timestamptz => DateTime<Utc>,
            now: Timestamptz => DateTime<Utc>,
            limit: BigInt => i64,
        }
    };
}

claim_statement!(
    /// Claims jobs whose worker died (lease expired).
    ClaimExpired,
    "SELECT id FROM jobs WHERE status = 'running' AND locked_until < :now ORDER BY locked_until"
);

claim_statement!(
    /// Claims due pending jobs.
    ClaimDue,
    "SELECT id FROM jobs WHERE status = 'pending' AND run_at <= :now ORDER BY run_at"
);

cached_sql! {
    /// A job its worker finished; guarded by the lease holder.
    struct CompleteJob = "UPDATE jobs SET status = 'done', locked_by = NULL,
            locked_until = NULL, updated_time = now()
        WHERE id = :id AND locked_by = :worker AND status = 'running'";
    id: BigInt => i64,
    worker: Text => String,
}

#[derive(QueryableByName)]
struct ClaimedRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    payload: String,
    #[diesel(sql_type = Timestamptz)]
    run_at: DateTime<Utc>,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Integer)]
    max_attempts: i32,
}

#[derive(QueryableByName)]
struct DueRow {
    #[diesel(sql_type = BigInt)]
    due: i64,
    #[diesel(sql_type = Double)]
    age: f64,
}

/// The jobs table.
#[derive(Clone)]
pub struct PgJobs {
    pool: PgPool,
}

impl PgJobs {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Inserts a job on its own (tests and operators; business code writes jobs inside its
    /// own transaction).
    pub async fn insert(&self, job: &NewJob) -> Result<i64, StorageError> {
        let conn = connection(&self.pool).await?;
        insert_job(&conn, job)
            .await
            .map_err(|e| diesel_error(e, "inserting a job"))
    }
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(60))
}

impl JobStore for PgJobs {
    async fn claim_due(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<Job>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        // Two statements, each served by its partial index (an OR of the two would scan the
        // table): first jobs whose worker died (lease expired), then due pending jobs.
        let until = lease_end(now, lease);
        let mut rows: Vec<ClaimedRow> = ClaimExpired {
            worker: worker.to_owned(),
            until,
            now,
            limit,
        }
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "claiming expired jobs"))?;
        let wanted = limit - rows.len() as i64;
        if wanted > 0 {
            let due: Vec<ClaimedRow> = ClaimDue {
                worker: worker.to_owned(),
                until,
                now,
                limit: wanted,
            }
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "claiming due jobs"))?;
            rows.extend(due);
        }
        Ok(rows
            .into_iter()
            .map(|row| Job {
                id: row.id,
                kind: row.kind,
                payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
                run_at: row.run_at,
                attempts: row.attempts,
                max_attempts: row.max_attempts,
            })
            .collect())
    }

    async fn complete(&self, job_id: i64, worker: &str) -> Result<(), StorageError> {
        let mut conn = connection(&self.pool).await?;
        CompleteJob {
            id: job_id,
            worker: worker.to_owned(),
        }
        .execute(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "completing a job"))?;
        Ok(())
    }

    async fn fail(
        &self,
        job_id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError> {
        let mut conn = connection(&self.pool).await?;
        let target = jobs::table
            .filter(jobs::id.eq(job_id))
            .filter(jobs::locked_by.eq(worker))
            .filter(jobs::status.eq("running"));
        let result = match retry_at {
            Some(at) => {
                diesel::update(target)
                    .set((
                        jobs::status.eq("pending"),
                        jobs::run_at.eq(at),
                        jobs::last_error.eq(Some(error)),
                        jobs::locked_by.eq(None::<String>),
                        jobs::locked_until.eq(None::<DateTime<Utc>>),
                        jobs::updated_time.eq(diesel::dsl::now),
                    ))
                    .execute(&mut conn)
                    .await
            }
            None => {
                diesel::update(target)
                    .set((
                        jobs::status.eq("dead"),
                        jobs::last_error.eq(Some(error)),
                        jobs::locked_by.eq(None::<String>),
                        jobs::locked_until.eq(None::<DateTime<Utc>>),
                        jobs::updated_time.eq(diesel::dsl::now),
                    ))
                    .execute(&mut conn)
                    .await
            }
        };
        result.map_err(|e| diesel_error(e, "failing a job"))?;
        Ok(())
    }

    async fn renew(
        &self,
        job_id: i64,
        worker: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let updated = diesel::update(
            jobs::table
                .filter(jobs::id.eq(job_id))
                .filter(jobs::locked_by.eq(worker))
                .filter(jobs::status.eq("running")),
        )
        .set(jobs::locked_until.eq(Some(until)))
        .execute(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "renewing a lease"))?;
        Ok(updated == 1)
    }

    async fn release(&self, job_id: i64, worker: &str) -> Result<(), StorageError> {
        let mut conn = connection(&self.pool).await?;
        diesel::update(
            jobs::table
                .filter(jobs::id.eq(job_id))
                .filter(jobs::locked_by.eq(worker))
                .filter(jobs::status.eq("running")),
        )
        .set((
            jobs::status.eq("pending"),
            jobs::attempts.eq(jobs::attempts - 1),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<DateTime<Utc>>),
            jobs::updated_time.eq(diesel::dsl::now),
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "releasing a job"))?;
        Ok(())
    }

    async fn enqueue(&self, new_jobs: &[NewJob]) -> Result<usize, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let rows: Vec<_> = new_jobs
            .iter()
            .map(|job| {
                (
                    jobs::kind.eq(&job.kind),
                    jobs::payload.eq(job.payload.to_string()),
                    jobs::run_at.eq(job.run_at),
                    jobs::max_attempts.eq(job.max_attempts),
                    jobs::order_id.eq(job.order_id),
                )
            })
            .collect();
        // A job that would be a second live job where a unique index admits one (another
        // worker's sweep got there first) is skipped.
        diesel::insert_into(jobs::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "inserting jobs"))
    }
}

impl JobAdminStore for PgJobs {
    async fn dead(&self, page: PageRequest) -> Result<Page<DeadJob>, StorageError> {
        let conn = connection(&self.pool).await?;
        let (mut c1, mut c2) = (&*conn, &*conn);
        type Row = (
            i64,
            String,
            String,
            i32,
            i32,
            Option<String>,
            Option<i64>,
            DateTime<Utc>,
        );
        // The count and the page in one pipelined round trip.
        let total = jobs::table
            .filter(jobs::status.eq(JobStatus::Dead.as_str()))
            .count()
            .get_result::<i64>(&mut c1);
        let rows = jobs::table
            .filter(jobs::status.eq(JobStatus::Dead.as_str()))
            .order(jobs::id.desc())
            .limit(page.limit())
            .offset(page.offset())
            .select((
                jobs::id,
                jobs::kind,
                jobs::payload,
                jobs::attempts,
                jobs::max_attempts,
                jobs::last_error,
                jobs::order_id,
                jobs::updated_time,
            ))
            .load::<Row>(&mut c2);
        let (total, rows) =
            futures::try_join!(total, rows).map_err(|e| diesel_error(e, "listing dead jobs"))?;
        Ok(Page {
            total: u64::try_from(total).unwrap_or_default(),
            items: rows
                .into_iter()
                .map(
                    |(id, kind, payload, attempts, max_attempts, error, order_id, at)| DeadJob {
                        id,
                        kind,
                        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
                        attempts,
                        max_attempts,
                        last_error: error.unwrap_or_default(),
                        order_id,
                        failed_at: at,
                    },
                )
                .collect(),
            request: page,
        })
    }

    async fn retry(
        &self,
        actor: UserId,
        job_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), RetryError> {
        let audit = Audit::new(actor, actions::JOB_RETRY, entities::JOB);
        audited_write(
            &self.pool,
            "retrying a dead job",
            audit,
            async move |conn| {
                let before = audit.before(conn, job_id).await?;
                let Some(before) = before else {
                    return Err(TxError::Refused(RetryError::NotFound));
                };
                let sent = diesel::update(
                    jobs::table
                        .filter(jobs::id.eq(job_id))
                        .filter(jobs::status.eq(JobStatus::Dead.as_str())),
                )
                .set((
                    jobs::status.eq(JobStatus::Pending.as_str()),
                    jobs::run_at.eq(now),
                    jobs::attempts.eq(0),
                    jobs::updated_time.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await;
                let sent = match sent {
                    Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                        return Err(TxError::Refused(RetryError::AlreadyLive));
                    }
                    other => other?,
                };
                if sent != 1 {
                    return Err(TxError::Refused(RetryError::NotDead));
                }
                Ok(Audited::changed(job_id, Some(before), ()))
            },
        )
        .await
    }

    async fn counts(&self, now: DateTime<Utc>) -> Result<JobCounts, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let by_kind_and_status: Vec<(String, String, i64)> = jobs::table
            .group_by((jobs::kind, jobs::status))
            .select((jobs::kind, jobs::status, diesel::dsl::count_star()))
            .order((jobs::kind, jobs::status))
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "counting jobs"))?;
        let due: DueRow = diesel::sql_query(
            "SELECT count(*)::bigint AS due,
                    COALESCE(EXTRACT(EPOCH FROM ($1 - min(run_at))), 0)::float8 AS age
             FROM jobs WHERE status = 'pending' AND run_at <= $1",
        )
        .bind::<Timestamptz, _>(now)
        .get_result(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "measuring job lag"))?;
        let dead: Vec<(i64, String, i32, Option<String>)> = jobs::table
            .filter(jobs::status.eq("dead"))
            .order(jobs::id.desc())
            .limit(100)
            .select((jobs::id, jobs::kind, jobs::attempts, jobs::last_error))
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "listing dead jobs"))?;
        Ok(JobCounts {
            by_kind_and_status: by_kind_and_status
                .into_iter()
                .map(|(kind, status, count)| KindCount {
                    kind,
                    status,
                    count,
                })
                .collect(),
            due: due.due,
            oldest_due_age_secs: due.age.max(0.0),
            dead: dead
                .into_iter()
                .map(|(id, kind, attempts, error)| DeadJobSummary {
                    id,
                    kind,
                    attempts,
                    last_error: error.unwrap_or_default(),
                })
                .collect(),
        })
    }
}
