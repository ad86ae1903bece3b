//! Directives and tasks: when a task is due, whether it was done on time, and how units
//! compare.
//!
//! The Steering Committee (Ban Chỉ đạo) issues directives — notices of conclusions, plans,
//! official letters; the coordination office records the tasks they assign, each with a
//! lead unit and a deadline or a [`Recurrence`], and follows them up until done. A task's
//! [`TaskState`] is one of the government's four — hoàn thành đúng hạn, hoàn thành quá
//! hạn, đang thực hiện trong hạn, quá hạn chưa hoàn thành — and is **computed from the
//! dates by [`state`], never typed**.
//!
//! # Time
//!
//! Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact and no
//! time-zone database is needed. A deadline is a calendar date in Vietnam. A completion
//! (as confirmed by the office) is an instant in UTC; it is on time when it falls on or
//! before the deadline day in Vietnam, i.e. before 00:00 (UTC+7) of the next day, which
//! is 17:00 UTC on the deadline day ([`late_from`]). A task without a deadline is never
//! overdue. The state is the state *as of* `now`: a completion recorded after `now` is
//! not yet known then, so compiling "as of 30 June" counts a task finished in July as
//! still open (or overdue) on 30 June.
//!
//! # Recurrence text
//!
//! A [`Recurrence`] is stored as text, one of:
//!
//! | text | meaning |
//! |---|---|
//! | `once:YYYY-MM-DD` | one deadline, e.g. `once:2022-05-31` |
//! | `monthly:D` | day D (1-31) of every month; a short month uses its last day |
//! | `quarterly:D` | day D (1-31) of the first month after each quarter (January, April, July, October): "báo cáo quý trước ngày 15 tháng đầu quý sau" is `quarterly:15` |
//! | `half-yearly:D` | day D (1-31) of the first month after each half-year (July, and January of the next year) |
//! | `yearly:MM-DD` | every year on that day, e.g. `yearly:12-15`; `yearly:02-29` is 28 February in common years |
//!
//! The kind is case-insensitive and blanks around the parts are ignored; [`Recurrence::as_text`]
//! writes the canonical form (lower case, two-digit month and day for `yearly`), and
//! `Recurrence::parse(r.as_text()) == Ok(r)` for every valid `r`.
//!
//! # Compiling
//!
//! A [`Tally`] counts states; its on-time rate is the share of tasks done on time among
//! those whose outcome is settled (see [`Tally::on_time_rate`]). [`rank_laggards`] orders
//! lead units with the weakest first, for the office's follow-up list.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::rollup::percent;
use crate::unit::{UnitId, UnitRegistry, UnitType};

/// The offset of Vietnam time (ICT, Asia/Ho_Chi_Minh) from UTC: +7 hours, all year.
pub const VN_OFFSET_SECONDS: i32 = 7 * 3600;

const VN: FixedOffset = match FixedOffset::east_opt(VN_OFFSET_SECONDS) {
    Some(offset) => offset,
    None => panic!("UTC+7 is a valid offset"),
};

/// Vietnam's fixed offset, UTC+7.
pub fn vn_offset() -> FixedOffset {
    VN
}

/// The calendar date in Vietnam at the instant `at`.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&VN).date_naive()
}

/// The first instant at which completing a task due on `deadline` is late: 00:00 in
/// Vietnam on the next day (17:00 UTC on the deadline day). A completion `c` is on time
/// exactly when `c < late_from(deadline)`. `None` only at the end of chrono's calendar.
pub fn late_from(deadline: NaiveDate) -> Option<DateTime<Utc>> {
    deadline
        .succ_opt()?
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(VN)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// Where a task stands: the government's four states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskState {
    /// Hoàn thành đúng hạn: done on or before the deadline day (or done, without deadline).
    DoneOnTime,
    /// Hoàn thành quá hạn: done after the deadline day.
    DoneLate,
    /// Đang thực hiện trong hạn: not done, deadline day not yet over (or no deadline).
    Open,
    /// Quá hạn chưa hoàn thành: not done, deadline day over.
    Overdue,
}

impl TaskState {
    pub const ALL: [TaskState; 4] = [
        TaskState::DoneOnTime,
        TaskState::DoneLate,
        TaskState::Open,
        TaskState::Overdue,
    ];
    /// The stable text form, for storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::DoneOnTime => "done_on_time",
            TaskState::DoneLate => "done_late",
            TaskState::Open => "open",
            TaskState::Overdue => "overdue",
        }
    }
    /// The inverse of [`TaskState::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        TaskState::ALL.into_iter().find(|s| s.as_str() == text)
    }
    /// The wording of official reports.
    pub fn label_vi(self) -> &'static str {
        match self {
            TaskState::DoneOnTime => "hoàn thành đúng hạn",
            TaskState::DoneLate => "hoàn thành quá hạn",
            TaskState::Open => "đang thực hiện trong hạn",
            TaskState::Overdue => "quá hạn chưa hoàn thành",
        }
    }
    /// Whether the task is done (on time or late).
    pub fn is_done(self) -> bool {
        matches!(self, TaskState::DoneOnTime | TaskState::DoneLate)
    }
}

/// The state of a task with `deadline` (a date in Vietnam; `None`: no deadline), confirmed
/// done at `completed_at` (`None`: not done), as of the instant `now`.
///
/// A completion later than `now` is not known at `now` and is ignored. When the task is
/// done, `now` does not matter otherwise; when it is open, only `now` decides.
pub fn state(
    deadline: Option<NaiveDate>,
    completed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> TaskState {
    match (completed_at.filter(|c| *c <= now), deadline) {
        (Some(_), None) => TaskState::DoneOnTime,
        (Some(c), Some(d)) if local_date(c) <= d => TaskState::DoneOnTime,
        (Some(_), Some(_)) => TaskState::DoneLate,
        (None, Some(d)) if local_date(now) > d => TaskState::Overdue,
        (None, _) => TaskState::Open,
    }
}

/// Days past the deadline, counted in Vietnamese calendar days: for a task done late, how
/// late it was done (at least 1); for an overdue task, how long it is overdue so far (at
/// least 1). `None` for tasks done on time or open within their deadline.
pub fn days_overdue(
    deadline: Option<NaiveDate>,
    completed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<i64> {
    let d = deadline?;
    match state(deadline, completed_at, now) {
        TaskState::DoneLate => completed_at.map(|c| (local_date(c) - d).num_days()),
        TaskState::Overdue => Some((local_date(now) - d).num_days()),
        TaskState::DoneOnTime | TaskState::Open => None,
    }
}

/// Days left until the deadline for a task open within its deadline: 0 on the deadline
/// day itself, 1 the day before. `None` for tasks done, overdue or without deadline.
pub fn days_left(
    deadline: Option<NaiveDate>,
    completed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<i64> {
    let d = deadline?;
    (state(deadline, completed_at, now) == TaskState::Open)
        .then(|| (d - local_date(now)).num_days())
}

/// Whether an open task falls due within `within_days` days ("sắp đến hạn"): its deadline
/// is today (Vietnam) or at most `within_days` days ahead. Overdue, done and undated tasks
/// are not "due soon".
pub fn due_soon(
    deadline: Option<NaiveDate>,
    completed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    within_days: u32,
) -> bool {
    days_left(deadline, completed_at, now).is_some_and(|n| n <= i64::from(within_days))
}

/// When a task falls due: once, or periodically for recurring reports. The text form and
/// its grammar are in the module documentation.
///
/// A day beyond the month's length is clamped to the month's last day. Days outside 1-31
/// (or a month outside 1-12) can only be built by hand: [`Recurrence::check`] refuses
/// them, [`Recurrence::parse`] never yields them, and the date computations clamp them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recurrence {
    /// One deadline.
    Once(NaiveDate),
    /// Day `day` of every month.
    Monthly { day: u32 },
    /// Day `day` of the first month after each quarter: January (for the fourth quarter
    /// of the year before), April, July, October.
    Quarterly { day: u32 },
    /// Day `day` of the first month after each half-year: July (first half) and January
    /// (second half of the year before).
    HalfYearly { day: u32 },
    /// Every year on `day` of `month`; 29 February is 28 February in common years.
    Yearly { month: u32, day: u32 },
}

/// Why a recurrence text was refused, in Vietnamese for the office's users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    #[error("chưa nhập lịch lặp (ví dụ quarterly:15)")]
    Empty,
    #[error("“{0}” không phải là lịch lặp: viết kiểu:giá trị, ví dụ quarterly:15")]
    NoKind(String),
    #[error("không có kiểu lặp “{0}”: dùng once, monthly, quarterly, half-yearly hoặc yearly")]
    UnknownKind(String),
    #[error("hạn “{0}” không phải là ngày: viết năm-tháng-ngày, ví dụ once:2022-05-31")]
    BadDate(String),
    #[error("ngày “{0}” không hợp lệ: dùng một số từ 1 đến 31, ví dụ monthly:15")]
    BadDay(String),
    #[error("ngày “{0}” không hợp lệ: viết tháng-ngày, ví dụ yearly:12-15")]
    BadMonthDay(String),
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day `day` of the month, or its last day when the month is shorter.
fn clamped(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day.clamp(1, days_in_month(year, month)))
}

fn next_month(year: i32, month: u32) -> (i32, u32) {
    if month >= 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

/// 1 or 2 ASCII digits.
fn small_number(text: &str) -> Option<u32> {
    (matches!(text.len(), 1 | 2) && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn parse_day(text: &str) -> Result<u32, RecurrenceError> {
    small_number(text)
        .filter(|d| (1..=31).contains(d))
        .ok_or_else(|| RecurrenceError::BadDay(text.to_owned()))
}

fn parse_date(text: &str) -> Result<NaiveDate, RecurrenceError> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| RecurrenceError::BadDate(text.to_owned()))
}

fn parse_month_day(text: &str) -> Result<Recurrence, RecurrenceError> {
    let bad = || RecurrenceError::BadMonthDay(text.to_owned());
    let (m, d) = text.split_once('-').ok_or_else(bad)?;
    let (month, day) = (
        small_number(m).ok_or_else(bad)?,
        small_number(d).ok_or_else(bad)?,
    );
    // A leap year admits every month-day that exists at all.
    let valid = (1..=12).contains(&month) && (1..=days_in_month(2024, month)).contains(&day);
    valid
        .then_some(Recurrence::Yearly { month, day })
        .ok_or_else(bad)
}

impl Recurrence {
    /// Reads the text form (grammar in the module documentation).
    pub fn parse(text: &str) -> Result<Self, RecurrenceError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(RecurrenceError::Empty);
        }
        let Some((kind, arg)) = text.split_once(':') else {
            return Err(RecurrenceError::NoKind(text.to_owned()));
        };
        let (kind, arg) = (kind.trim(), arg.trim());
        match kind.to_ascii_lowercase().as_str() {
            "once" => parse_date(arg).map(Recurrence::Once),
            "monthly" => parse_day(arg).map(|day| Recurrence::Monthly { day }),
            "quarterly" => parse_day(arg).map(|day| Recurrence::Quarterly { day }),
            "half-yearly" => parse_day(arg).map(|day| Recurrence::HalfYearly { day }),
            "yearly" => parse_month_day(arg),
            _ => Err(RecurrenceError::UnknownKind(kind.to_owned())),
        }
    }

    /// The canonical text form, read back by [`Recurrence::parse`].
    pub fn as_text(&self) -> String {
        match *self {
            Recurrence::Once(d) => format!("once:{}", d.format("%Y-%m-%d")),
            Recurrence::Monthly { day } => format!("monthly:{day}"),
            Recurrence::Quarterly { day } => format!("quarterly:{day}"),
            Recurrence::HalfYearly { day } => format!("half-yearly:{day}"),
            Recurrence::Yearly { month, day } => format!("yearly:{month:02}-{day:02}"),
        }
    }

    /// Whether the values are in range (as [`Recurrence::parse`] would accept them).
    /// Whether the task falls due again and again (every kind but `once`): each period
    /// is owed its own report, and a report does not close the task.
    pub fn is_periodic(&self) -> bool {
        !matches!(self, Recurrence::Once(_))
    }

    pub fn check(&self) -> Result<(), RecurrenceError> {
        Recurrence::parse(&self.as_text()).map(|_| ())
    }

    /// How the office writes the schedule, e.g. "hằng quý, trước ngày 15 tháng đầu quý
    /// sau".
    pub fn label_vi(&self) -> String {
        match *self {
            Recurrence::Once(d) => format!("một lần, hạn {}", d.format("%d/%m/%Y")),
            Recurrence::Monthly { day } if day >= 31 => {
                "hằng tháng, trước ngày cuối tháng".to_owned()
            }
            Recurrence::Monthly { day } if day >= 29 => {
                format!("hằng tháng, trước ngày {day} (tháng 2: ngày cuối tháng)")
            }
            Recurrence::Monthly { day } => format!("hằng tháng, trước ngày {day}"),
            Recurrence::Quarterly { day } if day >= 31 => {
                "hằng quý, trước ngày cuối tháng đầu quý sau".to_owned()
            }
            Recurrence::Quarterly { day } => {
                format!("hằng quý, trước ngày {day} tháng đầu quý sau")
            }
            Recurrence::HalfYearly { day } => {
                format!("định kỳ 6 tháng, trước ngày {day} tháng 7 và tháng 1 năm sau")
            }
            Recurrence::Yearly { month: 2, day } if day >= 29 => {
                "hằng năm, trước ngày cuối tháng 2".to_owned()
            }
            Recurrence::Yearly { month, day } => {
                format!("hằng năm, trước ngày {day:02}/{month:02}")
            }
        }
    }

    /// The deadline falling in `month` of `year`, if any (at most one per month).
    fn deadline_in(&self, year: i32, month: u32) -> Option<NaiveDate> {
        let (day, due) = match *self {
            Recurrence::Once(d) => return (d.year() == year && d.month() == month).then_some(d),
            Recurrence::Monthly { day } => (day, true),
            Recurrence::Quarterly { day } => (day, month % 3 == 1),
            Recurrence::HalfYearly { day } => (day, month % 6 == 1),
            Recurrence::Yearly { month: m, day } => (day, month == m.clamp(1, 12)),
        };
        if due { clamped(year, month, day) } else { None }
    }

    /// Every deadline `d` with `from <= d <= to`, in order. The window is the caller's to
    /// bound: a century of monthly deadlines is 1,200 dates.
    pub fn occurrences(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let (mut year, mut month) = (from.year(), from.month());
        let end = (to.year(), to.month());
        while from <= to && (year, month) <= end {
            if let Some(d) = self
                .deadline_in(year, month)
                .filter(|d| from <= *d && *d <= to)
            {
                out.push(d);
            }
            (year, month) = next_month(year, month);
        }
        out
    }

    /// The first deadline strictly after `date`: the next instance to create once the
    /// current one (due on `date`) is recorded. `None` for a past one-off deadline.
    pub fn next_after(&self, date: NaiveDate) -> Option<NaiveDate> {
        if let Recurrence::Once(d) = *self {
            return (d > date).then_some(d);
        }
        let (mut year, mut month) = (date.year(), date.month());
        // Every periodic kind has a deadline in each 12 consecutive months, so the one
        // after `date` is at most 12 months ahead of `date`'s month.
        for _ in 0..=12 {
            if let Some(d) = self.deadline_in(year, month).filter(|d| *d > date) {
                return Some(d);
            }
            (year, month) = next_month(year, month);
        }
        None
    }
}

/// One period of a recurring task: when it falls due and when the report that fulfils it
/// was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuePeriod {
    pub due: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    pub state: TaskState,
}

/// The periods a recurring task owes as of `now`: its deadlines after `start` (the day it
/// was given; a report is not owed on the day a task is given), up to and including the
/// first one not yet fulfilled that is not past (the current period), never beyond
/// `until` (the series' last day, if it has one).
///
/// Reports are matched to periods oldest first: the earliest report fulfils the earliest
/// period, whatever period its author had in mind, so that a missed quarter stays owed
/// until a report covers it — how the office counts reports in arrears. A report made
/// before its period is due fulfils it early (done on time), and the series then moves on
/// to the next period. Reports after `now` are not known at `now` and are ignored.
pub fn periods(
    recurrence: &Recurrence,
    start: NaiveDate,
    until: Option<NaiveDate>,
    done: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Vec<DuePeriod> {
    let mut reports: Vec<DateTime<Utc>> = done.iter().copied().filter(|d| *d <= now).collect();
    reports.sort();
    let mut reports = reports.into_iter();
    let today = local_date(now);
    let mut out = Vec::new();
    let mut cursor = start;
    while let Some(due) = recurrence.next_after(cursor) {
        if until.is_some_and(|u| due > u) {
            break;
        }
        let done_at = reports.next();
        out.push(DuePeriod {
            due,
            done_at,
            state: state(Some(due), done_at, now),
        });
        cursor = due;
        if due >= today && done_at.is_none() {
            break;
        }
    }
    out
}

/// The state of a recurring task as a whole, with the deadline it is judged against: its
/// earliest overdue period if any; else its current period, open; once a finite series
/// has every period fulfilled, done — late if any period was late. A series that owes
/// nothing yet is open without deadline.
pub fn series_state(periods: &[DuePeriod]) -> (TaskState, Option<NaiveDate>) {
    if let Some(p) = periods.iter().find(|p| p.state == TaskState::Overdue) {
        return (TaskState::Overdue, Some(p.due));
    }
    if let Some(p) = periods.iter().find(|p| p.done_at.is_none()) {
        return (p.state, Some(p.due));
    }
    match periods.last() {
        None => (TaskState::Open, None),
        Some(last) if periods.iter().any(|p| p.state == TaskState::DoneLate) => {
            (TaskState::DoneLate, Some(last.due))
        }
        Some(last) => (TaskState::DoneOnTime, Some(last.due)),
    }
}

/// What is judged of a task: one item for a task due once, one per period for a task that
/// recurs periodically. Tallies count items, so that a quarterly report missed twice
/// weighs twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub due: Option<NaiveDate>,
    pub done_at: Option<DateTime<Utc>>,
    pub state: TaskState,
}

/// A reporting period: from one date to another, both included (dates in Vietnam).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    /// The period `from`..=`to`, refused when it ends before it begins.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Window, &'static str> {
        if to < from {
            Err("Ngày kết thúc kỳ phải sau ngày bắt đầu.")
        } else {
            Ok(Window { from, to })
        }
    }

    /// The quarter so far on `today`: the Standing Committee hears the office quarterly,
    /// so a period report is of the current quarter unless asked otherwise.
    pub fn quarter_so_far(today: NaiveDate) -> Window {
        let first =
            NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1).unwrap_or(today);
        Window {
            from: first,
            to: today,
        }
    }

    /// Whether the item belongs to the report of the period: it fell due in it, or fell due
    /// before it (or has no deadline) and was not done before the period began — tasks in
    /// arrears are carried into every later report until done.
    pub fn holds(&self, item: &Item) -> bool {
        let done_before = item.done_at.is_some_and(|d| local_date(d) < self.from);
        match item.due {
            Some(due) if due > self.to => false,
            Some(due) if due >= self.from => true,
            _ => !done_before,
        }
    }

    /// The instant the period's report is judged at: the end of its last day in Vietnam,
    /// or `now` if that is earlier.
    pub fn as_of(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        late_from(self.to)
            .map(|end| end - chrono::Duration::nanoseconds(1))
            .map_or(now, |end| end.min(now))
    }
}

impl fmt::Display for Recurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_text())
    }
}

impl FromStr for Recurrence {
    type Err = RecurrenceError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Recurrence::parse(text)
    }
}

/// The units a task addressed to "every commune of `lead`" goes to: the xã
/// ([`UnitType::Commune`]; not phường, not thị trấn) in the subtree of `lead` as it stood
/// on `date`, in tree order, `lead` itself included when it is a xã. Empty when `lead`
/// was not in force on `date`. The caller creates one task per unit.
pub fn expand_lead(registry: &UnitRegistry, lead: &UnitId, date: NaiveDate) -> Vec<UnitId> {
    if registry.view_on(lead, date).is_none() {
        return Vec::new();
    }
    registry
        .subtree_on(lead, date)
        .into_iter()
        .filter(|v| v.unit_type() == UnitType::Commune)
        .map(|v| v.id().clone())
        .collect()
}

/// Counts of tasks by state, for one lead unit or any group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Tally {
    pub on_time: usize,
    pub late: usize,
    pub open: usize,
    pub overdue: usize,
}

impl Tally {
    /// Counts one task.
    pub fn add(&mut self, state: TaskState) {
        match state {
            TaskState::DoneOnTime => self.on_time += 1,
            TaskState::DoneLate => self.late += 1,
            TaskState::Open => self.open += 1,
            TaskState::Overdue => self.overdue += 1,
        }
    }
    /// Adds another tally (e.g. communes into their district).
    pub fn merge(&mut self, other: &Tally) {
        self.on_time += other.on_time;
        self.late += other.late;
        self.open += other.open;
        self.overdue += other.overdue;
    }
    /// The number of tasks in `state`.
    pub fn count(&self, state: TaskState) -> usize {
        match state {
            TaskState::DoneOnTime => self.on_time,
            TaskState::DoneLate => self.late,
            TaskState::Open => self.open,
            TaskState::Overdue => self.overdue,
        }
    }
    /// All tasks.
    pub fn total(&self) -> usize {
        self.on_time + self.late + self.open + self.overdue
    }
    /// Tasks done, on time or late.
    pub fn done(&self) -> usize {
        self.on_time + self.late
    }
    /// Tasks whose outcome against the deadline is settled: done (on time or late) or
    /// overdue. Tasks open within their deadline (or without one) can still be done on
    /// time and are not rated.
    pub fn rated(&self) -> usize {
        self.on_time + self.late + self.overdue
    }
    /// Tỷ lệ hoàn thành đúng hạn, in percent: `on_time ÷ (on_time + late + overdue) × 100`,
    /// rounded half away from zero to 2 decimals; `None` when no task is rated (a share of
    /// nothing is not 0%). Always within 0-100.
    pub fn on_time_rate(&self) -> Option<Decimal> {
        percent(self.on_time, self.rated(), 2)
    }
    /// Compares exact on-time rates (not the rounded percentages); a tally with nothing to
    /// rate comes after every rated one.
    fn cmp_rate(&self, other: &Tally) -> Ordering {
        match (self.rated(), other.rated()) {
            (0, 0) => Ordering::Equal,
            (0, _) => Ordering::Greater,
            (_, 0) => Ordering::Less,
            (a, b) => {
                let lhs = self.on_time as u128 * b as u128;
                let rhs = other.on_time as u128 * a as u128;
                lhs.cmp(&rhs)
            }
        }
    }
}

impl FromIterator<TaskState> for Tally {
    fn from_iter<I: IntoIterator<Item = TaskState>>(iter: I) -> Self {
        let mut t = Tally::default();
        for s in iter {
            t.add(s);
        }
        t
    }
}

/// Tallies the tasks of each key (a lead unit, a department) and ranks the keys laggards
/// first: by on-time rate ascending (exact fractions, not rounded percentages), then more
/// overdue tasks first, then by key. Keys with nothing to rate (only open tasks) come
/// last. Each key appears once.
pub fn rank_laggards<K: Ord + Clone>(items: &[(K, TaskState)]) -> Vec<(K, Tally)> {
    let mut by_key: BTreeMap<K, Tally> = BTreeMap::new();
    for (key, s) in items {
        by_key.entry(key.clone()).or_default().add(*s);
    }
    let mut out: Vec<(K, Tally)> = by_key.into_iter().collect();
    out.sort_by(|(ka, a), (kb, b)| {
        a.cmp_rate(b)
            .then_with(|| b.overdue.cmp(&a.overdue))
            .then_with(|| ka.cmp(kb))
    });
    out
}

/// A schedule as a form's fields: (repeat kind — `monthly`, `quarterly`, `half-yearly`,
/// `yearly` —, day, the date of a one-off).
pub fn schedule(r: Option<Recurrence>) -> (String, String, Option<NaiveDate>) {
    use Recurrence as R;
    match r {
        Some(R::Monthly { day }) => ("monthly".into(), day.to_string(), None),
        Some(R::Quarterly { day }) => ("quarterly".into(), day.to_string(), None),
        Some(R::HalfYearly { day }) => ("half-yearly".into(), day.to_string(), None),
        Some(R::Yearly { month, day }) => ("yearly".into(), format!("{day}/{month}"), None),
        Some(R::Once(d)) => (String::new(), String::new(), Some(d)),
        None => (String::new(), String::new(), None),
    }
}

/// A schedule as an office writes it in a sheet — "hằng quý, ngày 15", "6 tháng, ngày
/// 15", "hằng năm, 15/12", or our text `quarterly:15` — as the form's fields. What is not
/// recognised is kept as the kind, so that checking the row says what is wrong.
pub fn schedule_from_text(text: &str) -> (String, String, Option<NaiveDate>) {
    let t = text.trim();
    if t.is_empty() {
        return (String::new(), String::new(), None);
    }
    if let Ok(r) = Recurrence::parse(t) {
        return schedule(Some(r));
    }
    let key = crate::text::search_key(t);
    let kind = if key.contains("6 thang") || key.contains("sau thang") || key.contains("nua nam") {
        "half-yearly"
    } else if key.contains("quy") {
        "quarterly"
    } else if key.contains("thang") {
        "monthly"
    } else if key.contains("nam") {
        "yearly"
    } else {
        return (t.to_owned(), String::new(), None);
    };
    let tokens: Vec<&str> = key
        .split(|c: char| !(c.is_ascii_digit() || c == '/'))
        .filter(|w| !w.is_empty())
        .collect();
    let day = if kind == "yearly" {
        tokens
            .iter()
            .find(|w| w.contains('/'))
            .copied()
            .unwrap_or("")
    } else {
        tokens
            .iter()
            .rev()
            .find(|w| !w.contains('/'))
            .copied()
            .unwrap_or("")
    };
    (kind.to_owned(), day.to_owned(), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::{Period, Unit, UnitVersion};
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_period_report_defaults_to_the_quarter_so_far() {
        for (today, from) in [
            ("2026-01-01", "2026-01-01"),
            ("2026-03-31", "2026-01-01"),
            ("2026-04-01", "2026-04-01"),
            ("2026-11-29", "2026-10-01"),
            ("2026-12-31", "2026-10-01"),
        ] {
            let w = Window::quarter_so_far(d(today));
            assert_eq!((w.from, w.to), (d(from), d(today)), "{today}");
        }
        assert!(Window::new(d("2026-10-02"), d("2026-10-01")).is_err());
        assert!(Window::new(d("2026-10-01"), d("2026-10-01")).is_ok());
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn dates(list: &[&str]) -> Vec<NaiveDate> {
        list.iter().map(|s| d(s)).collect()
    }

    #[test]
    fn task_state_text_and_labels() {
        for s in TaskState::ALL {
            assert_eq!(TaskState::parse(s.as_str()), Some(s));
        }
        assert_eq!(TaskState::parse("late"), None);
        assert_eq!(TaskState::DoneOnTime.label_vi(), "hoàn thành đúng hạn");
        assert_eq!(TaskState::DoneLate.label_vi(), "hoàn thành quá hạn");
        assert_eq!(TaskState::Open.label_vi(), "đang thực hiện trong hạn");
        assert_eq!(TaskState::Overdue.label_vi(), "quá hạn chưa hoàn thành");
        assert!(TaskState::DoneLate.is_done() && !TaskState::Overdue.is_done());
    }

    #[test]
    fn vietnam_dates_and_the_late_instant() {
        assert_eq!(local_date(t("2022-05-31T16:59:59Z")), d("2022-05-31"));
        assert_eq!(local_date(t("2022-05-31T17:00:00Z")), d("2022-06-01"));
        assert_eq!(local_date(t("2022-05-30T17:00:00Z")), d("2022-05-31"));
        assert_eq!(late_from(d("2022-05-31")), Some(t("2022-05-31T17:00:00Z")));
        assert_eq!(late_from(NaiveDate::MAX), None);
        assert_eq!(vn_offset().local_minus_utc(), VN_OFFSET_SECONDS);
    }

    #[test]
    fn state_at_the_deadline_boundaries_in_vietnam() {
        use TaskState::*;
        let deadline = Some(d("2022-05-31"));
        let later = t("2023-01-01T00:00:00Z");
        // (completed at, now, expected)
        let cases: &[(Option<&str>, &str, TaskState)] = &[
            // 23:59:59 local on the deadline day: on time.
            (
                Some("2022-05-31T16:59:59Z"),
                "2023-01-01T00:00:00Z",
                DoneOnTime,
            ),
            (
                Some("2022-05-31T16:59:59.999Z"),
                "2023-01-01T00:00:00Z",
                DoneOnTime,
            ),
            // 00:00 local the next day: late.
            (
                Some("2022-05-31T17:00:00Z"),
                "2023-01-01T00:00:00Z",
                DoneLate,
            ),
            // 08:00 local on the deadline day.
            (
                Some("2022-05-31T01:00:00Z"),
                "2023-01-01T00:00:00Z",
                DoneOnTime,
            ),
            // 00:00 local on the deadline day, and before it.
            (
                Some("2022-05-30T17:00:00Z"),
                "2023-01-01T00:00:00Z",
                DoneOnTime,
            ),
            (
                Some("2022-05-01T03:00:00Z"),
                "2023-01-01T00:00:00Z",
                DoneOnTime,
            ),
            // Open: 23:59 local on the deadline day, then 00:00 local the next day.
            (None, "2022-05-31T16:59:00Z", Open),
            (None, "2022-05-31T16:59:59.999Z", Open),
            (None, "2022-05-31T17:00:00Z", Overdue),
            (None, "2022-04-01T00:00:00Z", Open),
            // As of a date before the recorded completion, the task was still open.
            (
                Some("2022-06-10T03:00:00Z"),
                "2022-06-05T03:00:00Z",
                Overdue,
            ),
            (Some("2022-05-20T03:00:00Z"), "2022-05-10T03:00:00Z", Open),
            (
                Some("2022-06-10T03:00:00Z"),
                "2022-06-10T03:00:00Z",
                DoneLate,
            ),
        ];
        for (completed, now, expected) in cases {
            assert_eq!(
                state(deadline, completed.map(t), t(now)),
                *expected,
                "completed {completed:?}, now {now}"
            );
        }
        assert_eq!(
            state(deadline, Some(t("2022-05-31T16:59:59Z")), later),
            DoneOnTime
        );
    }

    #[test]
    fn a_task_without_deadline_is_never_overdue() {
        for now in [
            "1990-01-01T00:00:00Z",
            "2022-05-31T17:00:00Z",
            "2099-12-31T23:00:00Z",
        ] {
            assert_eq!(state(None, None, t(now)), TaskState::Open);
            assert_eq!(days_overdue(None, None, t(now)), None);
            assert!(!due_soon(None, None, t(now), 365));
        }
        assert_eq!(
            state(
                None,
                Some(t("2030-01-01T00:00:00Z")),
                t("2099-01-01T00:00:00Z")
            ),
            TaskState::DoneOnTime
        );
    }

    #[test]
    fn completion_before_creation_is_irrelevant() {
        // A task recorded on 2022-06-01 for work a commune had already finished on
        // 2022-05-20: only the completion and the deadline count.
        let deadline = Some(d("2022-06-30"));
        let now = t("2022-06-02T02:00:00Z");
        assert_eq!(
            state(deadline, Some(t("2022-05-20T02:00:00Z")), now),
            TaskState::DoneOnTime
        );
        assert_eq!(
            state(deadline, Some(t("2021-01-01T00:00:00Z")), now),
            TaskState::DoneOnTime
        );
    }

    #[test]
    fn days_overdue_days_left_and_due_soon() {
        let deadline = Some(d("2022-05-31"));
        // (completed, now, days_overdue, days_left, due within 3 days)
        type Case = (
            Option<&'static str>,
            &'static str,
            Option<i64>,
            Option<i64>,
            bool,
        );
        let cases: &[Case] = &[
            (None, "2022-05-27T17:00:00Z", None, Some(3), true),
            (None, "2022-05-27T16:59:59Z", None, Some(4), false),
            (None, "2022-05-31T01:00:00Z", None, Some(0), true),
            (None, "2022-05-31T17:00:00Z", Some(1), None, false),
            (None, "2022-06-30T03:00:00Z", Some(30), None, false),
            (
                Some("2022-06-02T03:00:00Z"),
                "2022-07-01T03:00:00Z",
                Some(2),
                None,
                false,
            ),
            (
                Some("2022-05-30T03:00:00Z"),
                "2022-05-30T04:00:00Z",
                None,
                None,
                false,
            ),
        ];
        for (completed, now, overdue, left, soon) in cases {
            let (c, n) = (completed.map(t), t(now));
            assert_eq!(
                days_overdue(deadline, c, n),
                *overdue,
                "{completed:?} {now}"
            );
            assert_eq!(days_left(deadline, c, n), *left, "{completed:?} {now}");
            assert_eq!(due_soon(deadline, c, n, 3), *soon, "{completed:?} {now}");
        }
        assert!(due_soon(deadline, None, t("2022-05-31T01:00:00Z"), 0));
    }

    #[test]
    fn quarterly_reports_fall_in_the_first_month_after_each_quarter() {
        let r = Recurrence::Quarterly { day: 15 };
        assert_eq!(
            r.occurrences(d("2022-01-01"), d("2022-12-31")),
            dates(&["2022-01-15", "2022-04-15", "2022-07-15", "2022-10-15"])
        );
        // The window is inclusive at both ends.
        assert_eq!(
            r.occurrences(d("2022-01-15"), d("2022-04-15")),
            dates(&["2022-01-15", "2022-04-15"])
        );
        assert_eq!(r.occurrences(d("2022-01-16"), d("2022-04-14")), vec![]);
        assert_eq!(r.occurrences(d("2022-12-31"), d("2022-01-01")), vec![]);
        // Day 31 in April is the 30th.
        assert_eq!(
            Recurrence::Quarterly { day: 31 }.occurrences(d("2022-01-01"), d("2022-12-31")),
            dates(&["2022-01-31", "2022-04-30", "2022-07-31", "2022-10-31"])
        );
    }

    #[test]
    fn monthly_day_31_clamps_to_the_end_of_short_months() {
        let r = Recurrence::Monthly { day: 31 };
        assert_eq!(
            r.occurrences(d("2024-01-01"), d("2024-12-31")),
            dates(&[
                "2024-01-31",
                "2024-02-29",
                "2024-03-31",
                "2024-04-30",
                "2024-05-31",
                "2024-06-30",
                "2024-07-31",
                "2024-08-31",
                "2024-09-30",
                "2024-10-31",
                "2024-11-30",
                "2024-12-31",
            ])
        );
        assert_eq!(
            r.occurrences(d("2023-02-01"), d("2023-02-28")),
            dates(&["2023-02-28"])
        );
        assert_eq!(
            Recurrence::Monthly { day: 30 }.occurrences(d("2100-02-01"), d("2100-03-31")),
            dates(&["2100-02-28", "2100-03-30"])
        );
    }

    #[test]
    fn half_yearly_yearly_and_once() {
        assert_eq!(
            Recurrence::HalfYearly { day: 15 }.occurrences(d("2022-01-01"), d("2023-12-31")),
            dates(&["2022-01-15", "2022-07-15", "2023-01-15", "2023-07-15"])
        );
        assert_eq!(
            Recurrence::Yearly { month: 12, day: 15 }.occurrences(d("2021-12-16"), d("2023-12-31")),
            dates(&["2022-12-15", "2023-12-15"])
        );
        assert_eq!(
            Recurrence::Yearly { month: 2, day: 29 }.occurrences(d("2023-01-01"), d("2024-12-31")),
            dates(&["2023-02-28", "2024-02-29"])
        );
        let once = Recurrence::Once(d("2022-05-31"));
        assert_eq!(
            once.occurrences(d("2022-01-01"), d("2022-12-31")),
            dates(&["2022-05-31"])
        );
        assert_eq!(once.occurrences(d("2022-06-01"), d("2022-12-31")), vec![]);
    }

    #[test]
    fn next_after_table() {
        let cases: &[(Recurrence, &str, Option<&str>)] = &[
            (
                Recurrence::Quarterly { day: 15 },
                "2022-01-14",
                Some("2022-01-15"),
            ),
            (
                Recurrence::Quarterly { day: 15 },
                "2022-01-15",
                Some("2022-04-15"),
            ),
            (
                Recurrence::Quarterly { day: 15 },
                "2022-10-15",
                Some("2023-01-15"),
            ),
            (
                Recurrence::Monthly { day: 31 },
                "2024-01-31",
                Some("2024-02-29"),
            ),
            (
                Recurrence::Monthly { day: 31 },
                "2024-02-29",
                Some("2024-03-31"),
            ),
            (
                Recurrence::HalfYearly { day: 20 },
                "2022-07-20",
                Some("2023-01-20"),
            ),
            (
                Recurrence::Yearly { month: 12, day: 15 },
                "2022-12-15",
                Some("2023-12-15"),
            ),
            (
                Recurrence::Yearly { month: 12, day: 15 },
                "2022-12-14",
                Some("2022-12-15"),
            ),
            (
                Recurrence::Yearly { month: 2, day: 29 },
                "2024-02-29",
                Some("2025-02-28"),
            ),
            (
                Recurrence::Once(d("2022-05-31")),
                "2022-05-30",
                Some("2022-05-31"),
            ),
            (Recurrence::Once(d("2022-05-31")), "2022-05-31", None),
            (
                Recurrence::Once(d("2022-05-31")),
                "2020-01-01",
                Some("2022-05-31"),
            ),
        ];
        for (r, date, expected) in cases {
            assert_eq!(r.next_after(d(date)), expected.map(d), "{r} after {date}");
        }
        assert_eq!(
            Recurrence::Monthly { day: 1 }.next_after(NaiveDate::MAX),
            None
        );
    }

    #[test]
    fn recurrence_text_round_trip_and_labels() {
        let cases: &[(Recurrence, &str, &str)] = &[
            (
                Recurrence::Once(d("2022-05-31")),
                "once:2022-05-31",
                "một lần, hạn 31/05/2022",
            ),
            (
                Recurrence::Monthly { day: 15 },
                "monthly:15",
                "hằng tháng, trước ngày 15",
            ),
            (
                Recurrence::Monthly { day: 30 },
                "monthly:30",
                "hằng tháng, trước ngày 30 (tháng 2: ngày cuối tháng)",
            ),
            (
                Recurrence::Monthly { day: 31 },
                "monthly:31",
                "hằng tháng, trước ngày cuối tháng",
            ),
            (
                Recurrence::Quarterly { day: 15 },
                "quarterly:15",
                "hằng quý, trước ngày 15 tháng đầu quý sau",
            ),
            (
                Recurrence::HalfYearly { day: 15 },
                "half-yearly:15",
                "định kỳ 6 tháng, trước ngày 15 tháng 7 và tháng 1 năm sau",
            ),
            (
                Recurrence::Yearly { month: 12, day: 15 },
                "yearly:12-15",
                "hằng năm, trước ngày 15/12",
            ),
            (
                Recurrence::Yearly { month: 3, day: 5 },
                "yearly:03-05",
                "hằng năm, trước ngày 05/03",
            ),
            (
                Recurrence::Yearly { month: 2, day: 29 },
                "yearly:02-29",
                "hằng năm, trước ngày cuối tháng 2",
            ),
        ];
        for (r, text, label) in cases {
            assert_eq!(r.as_text(), *text);
            assert_eq!(Recurrence::parse(text), Ok(*r));
            assert_eq!(text.parse::<Recurrence>(), Ok(*r));
            assert_eq!(r.to_string(), *text);
            assert_eq!(r.label_vi(), *label);
            assert_eq!(r.check(), Ok(()));
        }
        // Lenient on case, blanks and unpadded month-days; the text written is canonical.
        assert_eq!(
            Recurrence::parse("  Quarterly : 15 "),
            Ok(Recurrence::Quarterly { day: 15 })
        );
        assert_eq!(
            Recurrence::parse("yearly:3-5").map(|r| r.as_text()),
            Ok("yearly:03-05".to_owned())
        );
    }

    #[test]
    fn bad_recurrence_texts_are_refused_with_a_message() {
        use RecurrenceError::*;
        let cases: &[(&str, RecurrenceError)] = &[
            ("", Empty),
            ("   ", Empty),
            ("15", NoKind("15".into())),
            ("weekly:1", UnknownKind("weekly".into())),
            ("hằng quý:15", UnknownKind("hằng quý".into())),
            ("once:2022-02-30", BadDate("2022-02-30".into())),
            ("once:31/05/2022", BadDate("31/05/2022".into())),
            ("once:2022-5-31", BadDate("2022-5-31".into())),
            ("once:", BadDate("".into())),
            ("monthly:0", BadDay("0".into())),
            ("monthly:32", BadDay("32".into())),
            ("monthly:+5", BadDay("+5".into())),
            ("monthly:015", BadDay("015".into())),
            ("quarterly:", BadDay("".into())),
            ("half-yearly:x", BadDay("x".into())),
            ("yearly:15", BadMonthDay("15".into())),
            ("yearly:13-01", BadMonthDay("13-01".into())),
            ("yearly:02-30", BadMonthDay("02-30".into())),
            ("yearly:04-31", BadMonthDay("04-31".into())),
            ("yearly:00-10", BadMonthDay("00-10".into())),
        ];
        for (text, expected) in cases {
            assert_eq!(Recurrence::parse(text).as_ref(), Err(expected), "{text:?}");
        }
        assert_eq!(
            Recurrence::parse("weekly:1").unwrap_err().to_string(),
            "không có kiểu lặp “weekly”: dùng once, monthly, quarterly, half-yearly hoặc yearly"
        );
        assert_eq!(
            Recurrence::parse("monthly:32").unwrap_err().to_string(),
            "ngày “32” không hợp lệ: dùng một số từ 1 đến 31, ví dụ monthly:15"
        );
        assert_eq!(
            Recurrence::parse("yearly:02-30").unwrap_err().to_string(),
            "ngày “02-30” không hợp lệ: viết tháng-ngày, ví dụ yearly:12-15"
        );
        // Hand-built values out of range are refused by `check` and clamped in use.
        assert!(Recurrence::Monthly { day: 0 }.check().is_err());
        assert!(Recurrence::Yearly { month: 13, day: 1 }.check().is_err());
        assert_eq!(
            Recurrence::Monthly { day: 0 }.occurrences(d("2022-03-01"), d("2022-03-31")),
            dates(&["2022-03-01"])
        );
    }

    fn unit(code: &str, versions: &[(&str, Option<&str>, UnitType)], parent: Option<&str>) -> Unit {
        let versions: Vec<UnitVersion> = versions
            .iter()
            .map(|(from, to, ty)| UnitVersion {
                valid: Period {
                    from: d(from),
                    to: to.map(d),
                },
                name: format!("{} {code}", ty.as_vi()),
                unit_type: *ty,
                parent: parent.map(|p| UnitId::parse(p).unwrap()),
            })
            .collect();
        Unit {
            id: UnitId::new(code, versions[0].valid.from),
            code: code.into(),
            level: versions[0].unit_type.level(),
            versions,
            source: "test".into(),
        }
    }

    /// Province 42; district 1 (until 2025-06-30) with xã 101 and 102, phường 103, thị
    /// trấn 104 and 105, a xã that became a phường on 2024-01-01; district 2 with xã 201;
    /// from 2025-07-01 xã 300 directly under the province.
    fn registry() -> UnitRegistry {
        use UnitType::*;
        let end = Some("2025-06-30");
        let d1 = Some("1@2020-01-01");
        let units = vec![
            unit("42", &[("2020-01-01", None, Province)], None),
            unit("1", &[("2020-01-01", end, District)], Some("42@2020-01-01")),
            unit("2", &[("2020-01-01", end, District)], Some("42@2020-01-01")),
            unit("102", &[("2020-01-01", end, Commune)], d1),
            unit("101", &[("2020-01-01", end, Commune)], d1),
            unit("103", &[("2020-01-01", end, Ward)], d1),
            unit("104", &[("2020-01-01", end, Township)], d1),
            unit(
                "105",
                &[
                    ("2020-01-01", Some("2023-12-31"), Commune),
                    ("2024-01-01", end, Ward),
                ],
                d1,
            ),
            unit("201", &[("2020-01-01", end, Commune)], Some("2@2020-01-01")),
            unit(
                "300",
                &[("2025-07-01", None, Commune)],
                Some("42@2020-01-01"),
            ),
        ];
        UnitRegistry::build(units, vec![], vec![]).unwrap()
    }

    fn ids(list: &[UnitId]) -> Vec<&str> {
        list.iter().map(|u| u.as_str()).collect()
    }

    #[test]
    fn a_lead_expands_to_the_xa_below_it_on_the_date() {
        let r = registry();
        let id = |s: &str| UnitId::parse(s).unwrap();
        let cases: &[(&str, &str, &[&str])] = &[
            // Only xã: not the phường, not the thị trấn; in tree order.
            (
                "1@2020-01-01",
                "2024-06-01",
                &["101@2020-01-01", "102@2020-01-01"],
            ),
            // 105 was still a xã in 2023.
            (
                "1@2020-01-01",
                "2023-06-01",
                &["101@2020-01-01", "102@2020-01-01", "105@2020-01-01"],
            ),
            (
                "42@2020-01-01",
                "2024-06-01",
                &["101@2020-01-01", "102@2020-01-01", "201@2020-01-01"],
            ),
            ("42@2020-01-01", "2025-07-01", &["300@2025-07-01"]),
            // A commune gives itself; a phường nothing.
            ("101@2020-01-01", "2024-06-01", &["101@2020-01-01"]),
            ("103@2020-01-01", "2024-06-01", &[]),
            // After the district ended, before a unit began, or an unknown unit: nothing.
            ("1@2020-01-01", "2025-07-01", &[]),
            ("101@2020-01-01", "2025-07-01", &[]),
            ("300@2025-07-01", "2025-06-30", &[]),
            ("9@2020-01-01", "2024-06-01", &[]),
        ];
        for (lead, date, expected) in cases {
            assert_eq!(
                ids(&expand_lead(&r, &id(lead), d(date))),
                *expected,
                "{lead} on {date}"
            );
        }
    }

    #[test]
    fn tally_and_rate_table() {
        use TaskState::*;
        // (states, on_time, late, open, overdue, rate)
        let cases: &[(&[TaskState], [usize; 4], Option<Decimal>)] = &[
            (&[], [0, 0, 0, 0], None),
            // Open tasks can still be on time: nothing to rate.
            (&[Open, Open], [0, 0, 2, 0], None),
            (&[DoneOnTime, Open], [1, 0, 1, 0], Some(Decimal::from(100))),
            (
                &[DoneOnTime, DoneLate, Overdue],
                [1, 1, 0, 1],
                Some(Decimal::new(3333, 2)),
            ),
            (
                &[DoneOnTime, DoneOnTime, DoneLate, Open],
                [2, 1, 1, 0],
                Some(Decimal::new(6667, 2)),
            ),
            (&[Overdue, Open], [0, 0, 1, 1], Some(Decimal::ZERO)),
        ];
        for (states, [on_time, late, open, overdue], rate) in cases {
            let tally: Tally = states.iter().copied().collect();
            assert_eq!(
                tally,
                Tally {
                    on_time: *on_time,
                    late: *late,
                    open: *open,
                    overdue: *overdue
                },
                "{states:?}"
            );
            assert_eq!(tally.total(), states.len());
            assert_eq!(tally.on_time_rate(), *rate, "{states:?}");
        }
        let mut a: Tally = [DoneOnTime, Overdue].into_iter().collect();
        a.merge(&[DoneLate, Open].into_iter().collect());
        assert_eq!(a.total(), 4);
        assert_eq!(a.done(), 2);
        assert_eq!(a.rated(), 3);
        assert_eq!(a.count(Open), 1);
    }

    #[test]
    fn laggards_come_first() {
        use TaskState::*;
        let items = [
            ("Sở A", DoneOnTime),
            ("Sở A", DoneOnTime),
            ("Sở B", DoneOnTime),
            ("Sở B", Overdue),
            ("Sở C", DoneLate),
            ("Sở C", DoneOnTime),
            ("Sở D", Open),
            ("Sở E", Overdue),
            ("Sở F", DoneLate),
            // G and C share 50%; G has more overdue and comes first.
            ("Sở G", Overdue),
            ("Sở G", Overdue),
            ("Sở G", DoneOnTime),
            ("Sở G", DoneOnTime),
        ];
        let ranked = rank_laggards(&items);
        let order: Vec<&str> = ranked.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            order,
            ["Sở E", "Sở F", "Sở G", "Sở B", "Sở C", "Sở A", "Sở D"]
        );
        assert_eq!(ranked[2].1.overdue, 2);
        assert_eq!(ranked[6].1.on_time_rate(), None);
        assert!(rank_laggards::<&str>(&[]).is_empty());
    }

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 2000-01-01 to 2100-01-01, with sub-second parts.
        (946_684_800i64..4_102_444_800, 0u32..1_000_000_000)
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (0i64..36_600).prop_map(|n| d("2000-01-01") + chrono::Duration::days(n))
    }

    fn state_strategy() -> impl Strategy<Value = TaskState> {
        (0usize..4).prop_map(|i| TaskState::ALL[i])
    }

    fn recurrence() -> impl Strategy<Value = Recurrence> {
        prop_oneof![
            date().prop_map(Recurrence::Once),
            (1u32..=31).prop_map(|day| Recurrence::Monthly { day }),
            (1u32..=31).prop_map(|day| Recurrence::Quarterly { day }),
            (1u32..=31).prop_map(|day| Recurrence::HalfYearly { day }),
            (1u32..=12, 1u32..=31).prop_map(|(month, day)| Recurrence::Yearly {
                month,
                day: day.min(days_in_month(2024, month)),
            }),
        ]
    }

    #[test]
    fn periods_of_a_quarterly_report() {
        use TaskState::*;
        let q = Recurrence::Quarterly { day: 15 };
        let start = d("2022-02-22");
        // Nothing reported by 20 October: the deadlines of 15/4, 15/7 and 15/10 are past,
        // the next (15/1/2023) is the current period.
        let now = t("2022-10-20T03:00:00Z");
        let p = periods(&q, start, None, &[], now);
        let got: Vec<_> = p.iter().map(|p| (p.due, p.state)).collect();
        assert_eq!(
            got,
            vec![
                (d("2022-04-15"), Overdue),
                (d("2022-07-15"), Overdue),
                (d("2022-10-15"), Overdue),
                (d("2023-01-15"), Open),
            ]
        );
        assert_eq!(series_state(&p), (Overdue, Some(d("2022-04-15"))));
        // Reports fill the oldest periods first: one on time, one late.
        let done = [t("2022-04-14T09:00:00Z"), t("2022-08-01T09:00:00Z")];
        let p = periods(&q, start, None, &done, now);
        let got: Vec<_> = p.iter().map(|p| p.state).collect();
        assert_eq!(got, vec![DoneOnTime, DoneLate, Overdue, Open]);
        assert_eq!(series_state(&p), (Overdue, Some(d("2022-10-15"))));
        // A report made after `now` is not known yet.
        let later = [t("2023-01-01T00:00:00Z")];
        assert_eq!(periods(&q, start, None, &later, now).len(), 4);
    }

    #[test]
    fn periods_at_the_due_day_and_with_early_reports() {
        use TaskState::*;
        let m = Recurrence::Monthly { day: 10 };
        let start = d("2026-09-01");
        // On the due day itself (Vietnam), the period is open, not overdue.
        let now = t("2026-10-10T16:59:59Z");
        let p = periods(&m, start, None, &[t("2026-09-09T00:00:00Z")], now);
        let got: Vec<_> = p.iter().map(|p| (p.due, p.state)).collect();
        assert_eq!(
            got,
            vec![(d("2026-09-10"), DoneOnTime), (d("2026-10-10"), Open)]
        );
        assert_eq!(series_state(&p), (Open, Some(d("2026-10-10"))));
        // One second later it is 11/10 in Vietnam: overdue.
        let p = periods(
            &m,
            start,
            None,
            &[t("2026-09-09T00:00:00Z")],
            t("2026-10-10T17:00:00Z"),
        );
        assert_eq!(series_state(&p), (Overdue, Some(d("2026-10-10"))));
        // A report made early for the current period moves the series on.
        let done = [t("2026-09-09T00:00:00Z"), t("2026-10-05T00:00:00Z")];
        let p = periods(&m, start, None, &done, t("2026-10-06T00:00:00Z"));
        assert_eq!(p.len(), 3);
        assert_eq!(series_state(&p), (Open, Some(d("2026-11-10"))));
        // Not owed on the day given.
        assert_eq!(
            periods(&m, d("2026-09-10"), None, &[], t("2026-09-10T01:00:00Z"))[0].due,
            d("2026-10-10")
        );
    }

    #[test]
    fn a_finite_series_ends_done() {
        use TaskState::*;
        let h = Recurrence::HalfYearly { day: 20 };
        let until = Some(d("2026-12-31"));
        let done = [t("2026-07-19T00:00:00Z"), t("2027-01-25T00:00:00Z")];
        // Ends with 20/7/2026: 20/1/2027 is beyond the series.
        let p = periods(&h, d("2026-03-01"), until, &done, t("2027-03-01T00:00:00Z"));
        assert_eq!(p.len(), 1);
        assert_eq!(series_state(&p), (DoneOnTime, Some(d("2026-07-20"))));
        let p = periods(
            &h,
            d("2026-03-01"),
            Some(d("2027-06-30")),
            &done,
            t("2027-03-01T00:00:00Z"),
        );
        assert_eq!(series_state(&p), (DoneLate, Some(d("2027-01-20"))));
        // A series whose end comes before its first deadline owes nothing.
        let p = periods(
            &h,
            d("2026-03-01"),
            Some(d("2026-04-01")),
            &[],
            t("2027-03-01T00:00:00Z"),
        );
        assert!(p.is_empty());
        assert_eq!(series_state(&p), (Open, None));
        assert!(!Recurrence::Once(d("2026-01-01")).is_periodic() && h.is_periodic());
    }

    proptest! {
        #[test]
        fn periods_owe_at_most_one_open_period(r in recurrence(), start in date(), n in 0usize..8, offset in 0i64..900) {
            let now = late_from(start + chrono::Duration::days(offset)).unwrap();
            let done: Vec<_> = (0..n).map(|i| now - chrono::Duration::days(i as i64 * 20)).collect();
            let p = periods(&r, start, None, &done, now);
            prop_assert!(p.windows(2).all(|w| w[0].due < w[1].due));
            prop_assert!(p.iter().filter(|p| p.state == TaskState::Open).count() <= 1);
            prop_assert!(p.iter().filter(|p| p.done_at.is_some()).count() <= n);
            if r.is_periodic() {
                // The last period is open (unless it was fulfilled), never in the past.
                let last = p.last().unwrap();
                prop_assert!(last.due >= local_date(now) || last.done_at.is_some());
            }
        }
    }

    proptest! {
        #[test]
        fn completing_earlier_never_makes_a_task_late(
            deadline in proptest::option::of(date()),
            a in instant(),
            b in instant(),
            now in instant(),
        ) {
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            for now in [now, t("2200-01-01T00:00:00Z")] {
                if state(deadline, Some(late), now) == TaskState::DoneOnTime {
                    prop_assert_eq!(state(deadline, Some(early), now), TaskState::DoneOnTime);
                }
            }
        }

        #[test]
        fn time_passing_never_reopens_a_task(
            deadline in proptest::option::of(date()),
            completed in proptest::option::of(instant()),
            a in instant(),
            b in instant(),
        ) {
            let (earlier, later) = if a <= b { (a, b) } else { (b, a) };
            if state(deadline, None, earlier) == TaskState::Overdue {
                prop_assert_eq!(state(deadline, None, later), TaskState::Overdue);
            }
            let before = state(deadline, completed, earlier);
            let after = state(deadline, completed, later);
            if before != TaskState::Open {
                prop_assert_ne!(after, TaskState::Open);
            }
            if before.is_done() {
                prop_assert_eq!(after, before);
            }
        }

        #[test]
        fn on_time_means_before_late_from(deadline in date(), c in instant()) {
            let on_time = state(Some(deadline), Some(c), t("2200-01-01T00:00:00Z"))
                == TaskState::DoneOnTime;
            prop_assert_eq!(on_time, c < late_from(deadline).unwrap());
            prop_assert_eq!(on_time, local_date(c) <= deadline);
        }

        #[test]
        fn days_counts_agree_with_the_state(
            deadline in proptest::option::of(date()),
            completed in proptest::option::of(instant()),
            now in instant(),
        ) {
            let s = state(deadline, completed, now);
            let overdue = days_overdue(deadline, completed, now);
            let left = days_left(deadline, completed, now);
            prop_assert_eq!(overdue.is_some(), matches!(s, TaskState::DoneLate | TaskState::Overdue));
            prop_assert!(overdue.is_none_or(|n| n >= 1));
            prop_assert_eq!(left.is_some(), s == TaskState::Open && deadline.is_some());
            prop_assert!(left.is_none_or(|n| n >= 0));
        }

        #[test]
        fn tally_counts_add_up_and_the_rate_is_a_percentage(
            states in proptest::collection::vec(state_strategy(), 0..60),
        ) {
            let tally: Tally = states.iter().copied().collect();
            prop_assert_eq!(tally.on_time + tally.late + tally.open + tally.overdue, tally.total());
            prop_assert_eq!(tally.total(), states.len());
            for s in TaskState::ALL {
                prop_assert_eq!(tally.count(s), states.iter().filter(|x| **x == s).count());
            }
            match tally.on_time_rate() {
                Some(r) => prop_assert!(r >= Decimal::ZERO && r <= Decimal::ONE_HUNDRED),
                None => prop_assert_eq!(tally.rated(), 0),
            }
        }

        #[test]
        fn ranking_is_a_permutation_sorted_by_rate(
            items in proptest::collection::vec((0u8..12, state_strategy()), 0..80),
        ) {
            let ranked = rank_laggards(&items);
            let mut keys: Vec<u8> = ranked.iter().map(|(k, _)| *k).collect();
            keys.sort_unstable();
            let mut expected: Vec<u8> = items.iter().map(|(k, _)| *k).collect();
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(keys, expected);
            prop_assert_eq!(ranked.iter().map(|(_, t)| t.total()).sum::<usize>(), items.len());
            for pair in ranked.windows(2) {
                let (a, b) = (pair[0].1.on_time_rate(), pair[1].1.on_time_rate());
                match (a, b) {
                    (Some(a), Some(b)) => prop_assert!(a <= b),
                    (None, Some(_)) => prop_assert!(false, "an unrated key before a rated one"),
                    _ => {}
                }
                if pair[0].1.cmp_rate(&pair[1].1) == Ordering::Equal {
                    prop_assert!(pair[0].1.overdue >= pair[1].1.overdue);
                }
            }
        }

        #[test]
        fn a_one_off_deadline_is_next_only_before_it(x in date(), y in date()) {
            let r = Recurrence::Once(x);
            prop_assert_eq!(r.next_after(y), (x > y).then_some(x));
            prop_assert_eq!(r.occurrences(y, x), if y <= x { vec![x] } else { vec![] });
        }

        #[test]
        fn recurrence_text_round_trips(r in recurrence()) {
            prop_assert_eq!(Recurrence::parse(&r.as_text()), Ok(r));
            prop_assert_eq!(r.check(), Ok(()));
        }

        #[test]
        fn occurrences_follow_next_after(r in recurrence(), from in date(), span in 0i64..2_000) {
            let to = from + chrono::Duration::days(span);
            let list = r.occurrences(from, to);
            prop_assert!(list.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(list.iter().all(|x| from <= *x && *x <= to));
            // Walking with next_after from the day before the window gives the same list.
            let mut walked = Vec::new();
            let mut cursor = from.pred_opt().unwrap();
            while let Some(next) = r.next_after(cursor) {
                if next > to {
                    break;
                }
                walked.push(next);
                cursor = next;
            }
            prop_assert_eq!(&walked, &list);
            // Splitting the window splits the list.
            let mid = from + chrono::Duration::days(span / 2);
            let mut joined = r.occurrences(from, mid);
            joined.extend(r.occurrences(mid.succ_opt().unwrap(), to));
            prop_assert_eq!(joined, list);
        }
    }

    #[test]
    fn schedules_are_read_as_offices_write_them() {
        let cases = [
            ("", ("", "")),
            ("hằng tháng, ngày 25", ("monthly", "25")),
            ("Hàng quý, trước ngày 15", ("quarterly", "15")),
            ("6 tháng, ngày 20", ("half-yearly", "20")),
            ("Sáu tháng một lần, ngày 10", ("half-yearly", "10")),
            ("hằng năm, 15/12", ("yearly", "15/12")),
            ("quarterly:15", ("quarterly", "15")),
            ("yearly:12-15", ("yearly", "15/12")),
            ("khi có yêu cầu", ("khi có yêu cầu", "")),
        ];
        for (text, (kind, day)) in cases {
            let (k, d, _) = schedule_from_text(text);
            assert_eq!((k.as_str(), d.as_str()), (kind, day), "{text}");
        }
        let (_, _, once) = schedule_from_text("once:2026-12-31");
        assert_eq!(once, NaiveDate::from_ymd_opt(2026, 12, 31));
    }
}
