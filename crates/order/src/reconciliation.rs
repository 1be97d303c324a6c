//! Reconciliation of one channel's day: its bill against our books, in integer fen. Every bill
//! row is matched to our payment by order number (out_trade_no) or to our refund by refund
//! number, and every payment or refund we recorded that day must be on the bill; what does not
//! agree becomes a [`Finding`]. Payments and refunds around midnight may land on the
//! neighbouring day's bill: an entry of ours within [`MIDNIGHT_MARGIN`] of the day's edge that
//! the day's bill lacks is looked for on that neighbour, and stays [`FindingKind::Unconfirmed`]
//! while the neighbour's bill is not out.
//!
//! Pure functions: the service fetches the bills and books and stores what these decide.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::gateway::{BillEntry, BillEntryKind, ChannelBill};

/// How close to midnight an entry may be and still be on the neighbouring day's bill.
pub const MIDNIGHT_MARGIN: Duration = Duration::minutes(30);

/// A Beijing day as UTC instants: bills are kept in Beijing time (UTC+8, no daylight saving).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayWindow {
    /// The day.
    pub day: NaiveDate,
    /// Its first instant.
    pub start: DateTime<Utc>,
    /// The first instant of the next day.
    pub end: DateTime<Utc>,
}

impl DayWindow {
    /// The Beijing day `day`.
    pub fn beijing(day: NaiveDate) -> Self {
        let start = Utc.from_utc_datetime(&(day.and_time(NaiveTime::MIN) - Duration::hours(8)));
        Self {
            day,
            start,
            end: start + Duration::days(1),
        }
    }

    /// The Beijing day an instant falls on.
    pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
        (at + Duration::hours(8)).date_naive()
    }

    /// Whether an instant falls on the day.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    fn near_end(&self, at: DateTime<Utc>) -> bool {
        self.end - at <= MIDNIGHT_MARGIN
    }

    fn near_start(&self, at: DateTime<Utc>) -> bool {
        at - self.start < MIDNIGHT_MARGIN
    }
}

/// A payment as our books hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OurPayment {
    /// The order's number.
    pub order_number: String,
    /// The channel's trade number we recorded.
    pub trade_no: String,
    /// Its amount in fen.
    pub amount_fen: i64,
    /// When we recorded it.
    pub at: DateTime<Utc>,
}

/// A refund whose money our books say went back through the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OurRefund {
    /// Its request number.
    pub refund_no: String,
    /// The order's number.
    pub order_number: String,
    /// Its amount in fen.
    pub amount_fen: i64,
    /// When it completed.
    pub at: DateTime<Utc>,
}

/// Our books around a day (the day and its neighbours, and any order the bill names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Books {
    /// Payments recorded.
    pub payments: Vec<OurPayment>,
    /// Refunds completed.
    pub refunds: Vec<OurRefund>,
}

/// What kind of difference a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    /// The bill and our payment disagree on the amount.
    AmountDiffers,
    /// 长款: the channel has money we do not show as paid.
    Long,
    /// 短款: we show a payment the channel's bill does not have.
    Short,
    /// The channel refunded money we have no refund for.
    RefundUnknown,
    /// We show a refund completed that the channel's bill does not have.
    RefundMissing,
    /// The bill and our refund disagree on the amount.
    RefundAmountDiffers,
    /// An entry of ours near midnight, absent from the day's bill, whose neighbouring bill is
    /// not out yet: checked again on the next run.
    Unconfirmed,
}

impl FindingKind {
    /// Every kind, for filters and metrics.
    pub const ALL: [FindingKind; 7] = [
        Self::AmountDiffers,
        Self::Long,
        Self::Short,
        Self::RefundUnknown,
        Self::RefundMissing,
        Self::RefundAmountDiffers,
        Self::Unconfirmed,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::AmountDiffers => "amount_differs",
            Self::Long => "long",
            Self::Short => "short",
            Self::RefundUnknown => "refund_unknown",
            Self::RefundMissing => "refund_missing",
            Self::RefundAmountDiffers => "refund_amount_differs",
            Self::Unconfirmed => "unconfirmed",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// How finance calls it.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::AmountDiffers => "金额不符",
            Self::Long => "长款",
            Self::Short => "短款",
            Self::RefundUnknown => "未知退款",
            Self::RefundMissing => "退款缺失",
            Self::RefundAmountDiffers => "退款金额不符",
            Self::Unconfirmed => "待次日账单确认",
        }
    }
}

/// One difference between a bill and our books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What kind.
    pub kind: FindingKind,
    /// The order's number.
    pub order_number: String,
    /// The refund's number, for refund findings.
    pub refund_no: Option<String>,
    /// The channel's trade number, when known.
    pub trade_no: String,
    /// The bill's amount in fen, when the bill has the entry.
    pub bill_fen: Option<i64>,
    /// Our amount in fen, when we have the entry.
    pub our_fen: Option<i64>,
    /// When it happened (the bill's time, else ours).
    pub at: Option<DateTime<Utc>>,
    /// What was done about it; empty while it waits for someone.
    pub resolution: String,
}

impl Finding {
    /// What identifies a finding across runs of the same day.
    pub fn key(&self) -> (FindingKind, &str, Option<&str>) {
        (self.kind, &self.order_number, self.refund_no.as_deref())
    }
}

/// The outcome of comparing a day's bill with our books.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Bill rows that agree with our books.
    pub matched: usize,
    /// Payments on the bill, and their sum in fen.
    pub bill_payments: (usize, i64),
    /// Refunds on the bill, and their sum in fen.
    pub bill_refunds: (usize, i64),
    /// The differences.
    pub findings: Vec<Finding>,
}

/// The neighbouring days' bills, when the channel has published them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Neighbours<'a> {
    /// The day before's.
    pub previous: Option<&'a ChannelBill>,
    /// The day after's.
    pub next: Option<&'a ChannelBill>,
}

/// Which neighbouring bills the comparison needs (previous, next): those of our entries of the
/// day near midnight that the day's bill lacks.
pub fn neighbours_needed(window: &DayWindow, bill: &ChannelBill, books: &Books) -> (bool, bool) {
    let mut needed = (false, false);
    for (at, on_bill) in unmatched_of_day(window, bill, books) {
        if !on_bill {
            needed.0 |= window.near_start(at);
            needed.1 |= window.near_end(at);
        }
    }
    needed
}

/// Our entries of the day, with whether the day's bill has them.
fn unmatched_of_day(
    window: &DayWindow,
    bill: &ChannelBill,
    books: &Books,
) -> Vec<(DateTime<Utc>, bool)> {
    let paid: HashSet<&str> = rows(bill, BillEntryKind::Payment)
        .map(|e| e.order_number.as_str())
        .collect();
    let refunded: HashSet<&str> = rows(bill, BillEntryKind::Refund)
        .filter_map(|e| e.refund_no.as_deref())
        .collect();
    let payments = books
        .payments
        .iter()
        .filter(|p| window.contains(p.at))
        .map(|p| (p.at, paid.contains(p.order_number.as_str())));
    let refunds = books
        .refunds
        .iter()
        .filter(|r| window.contains(r.at))
        .map(|r| (r.at, refunded.contains(r.refund_no.as_str())));
    payments.chain(refunds).collect()
}

fn rows(bill: &ChannelBill, kind: BillEntryKind) -> impl Iterator<Item = &BillEntry> {
    bill.entries.iter().filter(move |e| e.kind == kind)
}

/// Where an entry of ours absent from the day's bill stands: on a neighbour's bill (fine),
/// awaiting a neighbour's bill, or missing.
enum Elsewhere {
    OnNeighbour,
    Awaiting,
    Missing,
}

fn elsewhere(
    window: &DayWindow,
    at: DateTime<Utc>,
    neighbours: Neighbours<'_>,
    on: impl Fn(&ChannelBill) -> bool,
) -> Elsewhere {
    let checks = [
        (window.near_start(at), neighbours.previous),
        (window.near_end(at), neighbours.next),
    ];
    let mut awaiting = false;
    for (near, neighbour) in checks {
        if near {
            match neighbour {
                Some(bill) if on(bill) => return Elsewhere::OnNeighbour,
                Some(_) => {}
                None => awaiting = true,
            }
        }
    }
    if awaiting {
        Elsewhere::Awaiting
    } else {
        Elsewhere::Missing
    }
}

/// Compares a day's bill with our books.
pub fn compare(
    window: &DayWindow,
    bill: &ChannelBill,
    neighbours: Neighbours<'_>,
    books: &Books,
) -> Comparison {
    let mut outcome = Comparison::default();
    let mut payments_by_order: HashMap<&str, Vec<&OurPayment>> = HashMap::new();
    for payment in &books.payments {
        payments_by_order
            .entry(payment.order_number.as_str())
            .or_default()
            .push(payment);
    }
    let refunds_by_no: HashMap<&str, &OurRefund> = books
        .refunds
        .iter()
        .map(|r| (r.refund_no.as_str(), r))
        .collect();

    let finding = |kind, entry: &BillEntry, our_fen| Finding {
        kind,
        order_number: entry.order_number.clone(),
        refund_no: entry.refund_no.clone(),
        trade_no: entry.trade_no.clone(),
        bill_fen: Some(entry.amount_fen),
        our_fen,
        at: Some(entry.at),
        resolution: String::new(),
    };
    for entry in rows(bill, BillEntryKind::Payment) {
        outcome.bill_payments.0 += 1;
        outcome.bill_payments.1 += entry.amount_fen;
        let ours = payments_by_order
            .get(entry.order_number.as_str())
            .and_then(|list| {
                list.iter()
                    .find(|p| p.trade_no == entry.trade_no)
                    .or_else(|| list.first())
            });
        match ours {
            Some(p) if p.amount_fen == entry.amount_fen => outcome.matched += 1,
            Some(p) => outcome.findings.push(finding(
                FindingKind::AmountDiffers,
                entry,
                Some(p.amount_fen),
            )),
            None => outcome
                .findings
                .push(finding(FindingKind::Long, entry, None)),
        }
    }
    for entry in rows(bill, BillEntryKind::Refund) {
        outcome.bill_refunds.0 += 1;
        outcome.bill_refunds.1 += entry.amount_fen;
        let ours = entry
            .refund_no
            .as_deref()
            .and_then(|no| refunds_by_no.get(no));
        match ours {
            Some(r) if r.amount_fen == entry.amount_fen => outcome.matched += 1,
            Some(r) => outcome.findings.push(finding(
                FindingKind::RefundAmountDiffers,
                entry,
                Some(r.amount_fen),
            )),
            None => outcome
                .findings
                .push(finding(FindingKind::RefundUnknown, entry, None)),
        }
    }

    let on_bill_paid: HashSet<&str> = rows(bill, BillEntryKind::Payment)
        .map(|e| e.order_number.as_str())
        .collect();
    for payment in books.payments.iter().filter(|p| window.contains(p.at)) {
        if on_bill_paid.contains(payment.order_number.as_str()) {
            continue;
        }
        let kind = match elsewhere(window, payment.at, neighbours, |other| {
            rows(other, BillEntryKind::Payment).any(|e| e.order_number == payment.order_number)
        }) {
            Elsewhere::OnNeighbour => continue,
            Elsewhere::Awaiting => FindingKind::Unconfirmed,
            Elsewhere::Missing => FindingKind::Short,
        };
        outcome.findings.push(Finding {
            kind,
            order_number: payment.order_number.clone(),
            refund_no: None,
            trade_no: payment.trade_no.clone(),
            bill_fen: None,
            our_fen: Some(payment.amount_fen),
            at: Some(payment.at),
            resolution: String::new(),
        });
    }
    let on_bill_refunded: HashSet<&str> = rows(bill, BillEntryKind::Refund)
        .filter_map(|e| e.refund_no.as_deref())
        .collect();
    for refund in books.refunds.iter().filter(|r| window.contains(r.at)) {
        if on_bill_refunded.contains(refund.refund_no.as_str()) {
            continue;
        }
        let kind = match elsewhere(window, refund.at, neighbours, |other| {
            rows(other, BillEntryKind::Refund)
                .any(|e| e.refund_no.as_deref() == Some(refund.refund_no.as_str()))
        }) {
            Elsewhere::OnNeighbour => continue,
            Elsewhere::Awaiting => FindingKind::Unconfirmed,
            Elsewhere::Missing => FindingKind::RefundMissing,
        };
        outcome.findings.push(Finding {
            kind,
            order_number: refund.order_number.clone(),
            refund_no: Some(refund.refund_no.clone()),
            trade_no: String::new(),
            bill_fen: None,
            our_fen: Some(refund.amount_fen),
            at: Some(refund.at),
            resolution: String::new(),
        });
    }
    outcome.findings.sort_by(|a, b| {
        (a.kind, &a.order_number, &a.refund_no).cmp(&(b.kind, &b.order_number, &b.refund_no))
    });
    outcome
}

/// What a rerun of a day keeps: the fresh findings, each with the resolution an earlier run
/// recorded for it; earlier findings no longer found are kept when they were resolved (what
/// was done stays on record), noted as agreeing now when they were not, and dropped when they
/// were only unconfirmed. So a rerun with nothing changed changes nothing.
pub fn merge(previous: &[Finding], fresh: Vec<Finding>) -> Vec<Finding> {
    let mut merged: Vec<Finding> = fresh
        .into_iter()
        .map(|mut finding| {
            if let Some(before) = previous.iter().find(|p| p.key() == finding.key()) {
                finding.resolution = before.resolution.clone();
            }
            finding
        })
        .collect();
    for before in previous {
        if merged.iter().any(|f| f.key() == before.key()) {
            continue;
        }
        if before.kind == FindingKind::Unconfirmed && before.resolution.is_empty() {
            continue;
        }
        let mut kept = before.clone();
        if kept.resolution.is_empty() {
            kept.resolution = "复核时已一致".into();
        }
        merged.push(kept);
    }
    merged.sort_by(|a, b| {
        (a.kind, &a.order_number, &a.refund_no).cmp(&(b.kind, &b.order_number, &b.refund_no))
    });
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    /// Beijing time on the day, as UTC.
    fn bj(hour: u32, minute: u32) -> DateTime<Utc> {
        DayWindow::beijing(day()).start
            + Duration::hours(hour.into())
            + Duration::minutes(minute.into())
    }

    fn paid(order: &str, fen: i64, at: DateTime<Utc>) -> BillEntry {
        BillEntry {
            kind: BillEntryKind::Payment,
            order_number: order.into(),
            trade_no: format!("T{order}"),
            refund_no: None,
            amount_fen: fen,
            at,
        }
    }

    fn refunded(order: &str, no: &str, fen: i64, at: DateTime<Utc>) -> BillEntry {
        BillEntry {
            kind: BillEntryKind::Refund,
            order_number: order.into(),
            trade_no: format!("T{order}"),
            refund_no: Some(no.into()),
            amount_fen: fen,
            at,
        }
    }

    fn ours(order: &str, fen: i64, at: DateTime<Utc>) -> OurPayment {
        OurPayment {
            order_number: order.into(),
            trade_no: format!("T{order}"),
            amount_fen: fen,
            at,
        }
    }

    fn bill(day: NaiveDate, entries: Vec<BillEntry>) -> ChannelBill {
        ChannelBill { day, entries }
    }

    fn kinds(outcome: &Comparison) -> Vec<(FindingKind, String)> {
        outcome
            .findings
            .iter()
            .map(|f| (f.kind, f.order_number.clone()))
            .collect()
    }

    #[test]
    fn the_window_is_the_beijing_day() {
        let window = DayWindow::beijing(day());
        assert_eq!(window.start.to_rfc3339(), "2026-12-01T16:00:00+00:00");
        assert_eq!(DayWindow::day_of(window.start), day());
        assert_eq!(DayWindow::day_of(window.end - Duration::seconds(1)), day());
        assert_eq!(DayWindow::day_of(window.end), day().succ_opt().unwrap());
    }

    #[test]
    fn every_kind_of_difference_is_found_once() {
        let window = DayWindow::beijing(day());
        let the_bill = bill(
            day(),
            vec![
                paid("A", 29900, bj(10, 0)),           // matched
                paid("B", 29900, bj(11, 0)),           // we lost it: long
                paid("C", 29900, bj(12, 0)),           // we say 199.00: amount differs
                refunded("A", "RA", 10000, bj(13, 0)), // matched
                refunded("C", "RX", 500, bj(14, 0)),   // a refund we never made
                refunded("A", "RB", 300, bj(15, 0)),   // we say 2.00: refund amount differs
            ],
        );
        let books = Books {
            payments: vec![
                ours("A", 29900, bj(10, 0)),
                ours("C", 19900, bj(12, 0)),
                ours("D", 100, bj(16, 0)), // not on the bill: short
            ],
            refunds: vec![
                OurRefund {
                    refund_no: "RA".into(),
                    order_number: "A".into(),
                    amount_fen: 10000,
                    at: bj(13, 0),
                },
                OurRefund {
                    refund_no: "RB".into(),
                    order_number: "A".into(),
                    amount_fen: 200,
                    at: bj(15, 0),
                },
                OurRefund {
                    refund_no: "RC".into(),
                    order_number: "A".into(),
                    amount_fen: 50,
                    at: bj(17, 0),
                },
            ],
        };
        let outcome = compare(&window, &the_bill, Neighbours::default(), &books);
        assert_eq!(outcome.matched, 2);
        assert_eq!(outcome.bill_payments, (3, 89700));
        assert_eq!(outcome.bill_refunds, (3, 10800));
        assert_eq!(
            kinds(&outcome),
            vec![
                (FindingKind::AmountDiffers, "C".into()),
                (FindingKind::Long, "B".into()),
                (FindingKind::Short, "D".into()),
                (FindingKind::RefundUnknown, "C".into()),
                (FindingKind::RefundMissing, "A".into()),
                (FindingKind::RefundAmountDiffers, "A".into()),
            ]
        );
        let differs = &outcome.findings[0];
        assert_eq!(
            (differs.bill_fen, differs.our_fen),
            (Some(29900), Some(19900))
        );
    }

    #[test]
    fn a_payment_around_midnight_is_found_on_the_next_days_bill() {
        let window = DayWindow::beijing(day());
        let late = ours("M", 100, bj(23, 59));
        let books = Books {
            payments: vec![late.clone()],
            refunds: vec![],
        };
        let today = bill(day(), vec![]);
        assert_eq!(neighbours_needed(&window, &today, &books), (false, true));
        // Before the next day's bill is out: unconfirmed, not short.
        let waiting = compare(&window, &today, Neighbours::default(), &books);
        assert_eq!(
            kinds(&waiting),
            vec![(FindingKind::Unconfirmed, "M".into())]
        );
        // On the next day's bill: no finding.
        let tomorrow = bill(day().succ_opt().unwrap(), vec![paid("M", 100, bj(24, 0))]);
        let found = compare(
            &window,
            &today,
            Neighbours {
                previous: None,
                next: Some(&tomorrow),
            },
            &books,
        );
        assert!(found.findings.is_empty());
        // And the next day's reconciliation matches the row to our payment of the day before.
        let next_window = DayWindow::beijing(day().succ_opt().unwrap());
        let next = compare(&next_window, &tomorrow, Neighbours::default(), &books);
        assert_eq!((next.matched, next.findings.len()), (1, 0));
        // Absent from both: short.
        let empty_tomorrow = bill(day().succ_opt().unwrap(), vec![]);
        let short = compare(
            &window,
            &today,
            Neighbours {
                previous: None,
                next: Some(&empty_tomorrow),
            },
            &books,
        );
        assert_eq!(kinds(&short), vec![(FindingKind::Short, "M".into())]);
        // Far from midnight, no neighbour is needed.
        let noon = Books {
            payments: vec![ours("N", 100, bj(12, 0))],
            refunds: vec![],
        };
        assert_eq!(neighbours_needed(&window, &today, &noon), (false, false));
    }

    #[test]
    fn reruns_keep_resolutions_and_what_was_done() {
        let long = Finding {
            kind: FindingKind::Long,
            order_number: "B".into(),
            refund_no: None,
            trade_no: "TB".into(),
            bill_fen: Some(100),
            our_fen: None,
            at: Some(bj(11, 0)),
            resolution: "已查询确认并补单".into(),
        };
        let short = Finding {
            kind: FindingKind::Short,
            order_number: "D".into(),
            resolution: String::new(),
            ..long.clone()
        };
        let unconfirmed = Finding {
            kind: FindingKind::Unconfirmed,
            order_number: "M".into(),
            resolution: String::new(),
            ..long.clone()
        };
        let previous = vec![long.clone(), short.clone(), unconfirmed];
        // The same findings again: nothing changes.
        let fresh: Vec<Finding> = previous
            .iter()
            .cloned()
            .map(|mut f| {
                f.resolution.clear();
                f
            })
            .collect();
        let mut expected = previous.clone();
        expected.sort_by(|a, b| (a.kind, &a.order_number).cmp(&(b.kind, &b.order_number)));
        assert_eq!(merge(&previous, fresh), expected);
        // The long payment was fulfilled meanwhile and the short one and the unconfirmed one
        // sorted themselves out: the resolved one stays, the short one is noted, the
        // unconfirmed one goes.
        let merged = merge(&previous, Vec::new());
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].resolution, "已查询确认并补单");
        assert_eq!(merged[1].resolution, "复核时已一致");
    }

    fn entry() -> impl Strategy<Value = (bool, u8, i64, bool, i64)> {
        // (refund?, order, fen on the bill, do we have it?, our fen delta)
        (
            any::<bool>(),
            0u8..6,
            1i64..100_000,
            any::<bool>(),
            prop_oneof![Just(0i64), -500i64..500],
        )
    }

    proptest! {
        /// Every bill row is either matched or exactly one finding, and every entry of ours of
        /// the day is on the bill or a finding: nothing is lost or counted twice.
        #[test]
        fn every_row_and_every_entry_is_accounted_for(entries in proptest::collection::vec(entry(), 0..20)) {
            let window = DayWindow::beijing(day());
            let mut the_bill = bill(day(), vec![]);
            let mut books = Books::default();
            for (i, (refund, order, fen, have, delta)) in entries.iter().enumerate() {
                let order = format!("O{order}-{i}");
                let at = bj(12, 0);
                if *refund {
                    let no = format!("R{i}");
                    the_bill.entries.push(refunded(&order, &no, *fen, at));
                    if *have {
                        books.refunds.push(OurRefund { refund_no: no, order_number: order, amount_fen: fen + delta, at });
                    }
                } else {
                    the_bill.entries.push(paid(&order, *fen, at));
                    if *have {
                        books.payments.push(ours(&order, fen + delta, at));
                    }
                }
            }
            let outcome = compare(&window, &the_bill, Neighbours::default(), &books);
            prop_assert_eq!(outcome.matched + outcome.findings.len(), the_bill.entries.len());
            let exact = entries.iter().filter(|e| e.3 && e.4 == 0).count();
            prop_assert_eq!(outcome.matched, exact);
            let sum: i64 = the_bill.entries.iter().filter(|e| e.kind == BillEntryKind::Payment).map(|e| e.amount_fen).sum();
            prop_assert_eq!(outcome.bill_payments.1, sum);
            // A rerun over the same findings keeps them as they are.
            prop_assert_eq!(merge(&outcome.findings, outcome.findings.clone()), outcome.findings.clone());
        }
    }
}
