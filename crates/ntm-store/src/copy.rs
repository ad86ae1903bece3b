//! Copying a whole database to another store (`ntm copy`): the tables copied and their
//! columns, the backend-neutral cell every value travels as, and the traits a store reads
//! its snapshot and writes a copy through.
//!
//! Invariants:
//! - The source is read in one consistent snapshot ([`CopyStore::read_snapshot`]), table by
//!   table in [`TABLES`] order (every table after those it references), each table's rows
//!   in primary-key order, text keys in byte order (`COLLATE "C"`), handed over in batches
//!   so that no table is held whole.
//! - A copy is written in one transaction ([`CopyStore::begin_restore`] to
//!   [`SnapshotWriter::commit`]), into a database whose copied tables are all empty; a
//!   non-empty one is refused with the tables named, and nothing is written.
//! - A value reads back as the same [`Cell`] from either backend: booleans, dates and
//!   instants are typed, not the text or integers SQLite stores them as, so a row's
//!   [`encode_row`] is the same bytes on both and a checksum over it compares across them.
//! - [`TABLES`] is the copy's picture of the schema: every table but those of
//!   [`NOT_COPIED`], with every column and its kind, the primary key, the generated id and
//!   the references a table makes to itself. The conformance suite checks it against both
//!   migrated schemas, so a migration that adds a table or a column fails a test until the
//!   copy knows it.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::StoreResult;

/// How a column's values are typed, alike on both backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `TEXT` on both.
    Text,
    /// `INTEGER` / `BIGINT` (PostgreSQL), `INTEGER` (SQLite); read as 64 bits.
    Integer,
    /// `BOOLEAN` (PostgreSQL), `INTEGER` 0 or 1 (SQLite).
    Bool,
    /// `DATE` (PostgreSQL), `YYYY-MM-DD` text (SQLite).
    Date,
    /// `TIMESTAMPTZ` (PostgreSQL), RFC 3339 text in UTC (SQLite); microseconds on both.
    Timestamp,
    /// `BYTEA` (PostgreSQL), `BLOB` (SQLite): the files.
    Bytes,
}

impl Kind {
    /// The kind's name, as the checksums of a copy include it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Integer => "integer",
            Kind::Bool => "bool",
            Kind::Date => "date",
            Kind::Timestamp => "timestamp",
            Kind::Bytes => "bytes",
        }
    }
}

/// One column of a copied table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

/// One copied table as the copy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    /// Every column, in the order a [`Row`] holds its cells.
    pub columns: &'static [Column],
    /// The primary key's columns in key order: rows are read, and checksummed, in it.
    pub key: &'static [&'static str],
    /// The id the database generates for a new row (PostgreSQL's identity, SQLite's
    /// `AUTOINCREMENT`): a copy writes the source's ids, so the target's generator is
    /// moved past the largest one.
    pub generated: Option<&'static str>,
    /// Nullable columns that reference this same table's one-column key (a task's parent,
    /// the village a village merged into). A row may point at one that comes later in key
    /// order; such a reference is written once both rows are in.
    pub self_references: &'static [&'static str],
}

impl Table {
    /// The position of `column` in this table's rows.
    pub fn position(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == column)
    }
}

/// One value in a copied row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cell {
    Null,
    Integer(i64),
    Bool(bool),
    Text(String),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
    Bytes(Vec<u8>),
}

impl Cell {
    /// The kind a non-null cell belongs in; `None` for [`Cell::Null`], which fits any.
    pub fn kind(&self) -> Option<Kind> {
        match self {
            Cell::Null => None,
            Cell::Integer(_) => Some(Kind::Integer),
            Cell::Bool(_) => Some(Kind::Bool),
            Cell::Text(_) => Some(Kind::Text),
            Cell::Date(_) => Some(Kind::Date),
            Cell::Timestamp(_) => Some(Kind::Timestamp),
            Cell::Bytes(_) => Some(Kind::Bytes),
        }
    }
}

/// A row's cells, in its table's column order.
pub type Row = Vec<Cell>;

/// Appends the canonical encoding of `row` to `out`: per cell a tag byte, then the value —
/// integers as 8 bytes big-endian, booleans as one byte, dates as their day number since
/// 0001-01-01 (CE), instants as microseconds since 1970 (8 bytes each), text and bytes as
/// their length (8 bytes) and content. Unambiguous, so equal encodings are equal rows.
pub fn encode_row(row: &[Cell], out: &mut Vec<u8>) {
    for cell in row {
        match cell {
            Cell::Null => out.push(0),
            Cell::Integer(i) => {
                out.push(1);
                out.extend_from_slice(&i.to_be_bytes());
            }
            Cell::Bool(b) => {
                out.push(2);
                out.push(u8::from(*b));
            }
            Cell::Text(s) => {
                out.push(3);
                encode_bytes(s.as_bytes(), out);
            }
            Cell::Date(d) => {
                out.push(4);
                out.extend_from_slice(
                    &i64::from(chrono::Datelike::num_days_from_ce(d)).to_be_bytes(),
                );
            }
            Cell::Timestamp(t) => {
                out.push(5);
                out.extend_from_slice(&t.timestamp_micros().to_be_bytes());
            }
            Cell::Bytes(b) => {
                out.push(6);
                encode_bytes(b, out);
            }
        }
    }
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    // A length never exceeds u64 on any platform Rust supports.
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The migrations a database has applied, and those this build knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaVersion {
    /// Versions applied to the database, ascending.
    pub applied: Vec<i64>,
    /// Versions embedded in this build, ascending.
    pub known: Vec<i64>,
}

/// Where the rows of a snapshot go: the tables of [`TABLES`] in order, each opened, its
/// rows handed over in batches in key order, and closed.
#[async_trait]
pub trait SnapshotSink: Send {
    async fn begin_table(&mut self, table: &'static Table) -> StoreResult<()>;
    /// The next rows of the open table.
    async fn rows(&mut self, rows: &[Row]) -> StoreResult<()>;
    async fn end_table(&mut self) -> StoreResult<()>;
}

/// A copy being written: one open transaction on the target. Dropped without
/// [`SnapshotWriter::commit`], it writes nothing.
#[async_trait]
pub trait SnapshotWriter: SnapshotSink {
    /// Moves every generated id past the largest copied one and commits. Fails, writing
    /// nothing, unless every table of [`TABLES`] was written.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// Reading a whole database and writing a copy of one (see the module's invariants).
#[async_trait]
pub trait CopyStore {
    /// The migrations applied to this database and those this build knows.
    async fn schema_version(&self) -> StoreResult<SchemaVersion>;
    /// Hands every row of every copied table to `sink`, read in one consistent snapshot
    /// (writes committed meanwhile are not seen), table by table in [`TABLES`] order and
    /// each in key order.
    async fn read_snapshot(&self, sink: &mut dyn SnapshotSink) -> StoreResult<()>;
    /// Opens the transaction a copy is written in, holding the store's write lock, after
    /// checking inside it that every copied table is empty: otherwise `Conflict` naming
    /// the tables that hold rows, and nothing is written.
    async fn begin_restore(&self) -> StoreResult<Box<dyn SnapshotWriter>>;
}

/// The tables of the schema that are not copied, with the reason.
pub const NOT_COPIED: &[(&str, &str)] = &[
    (
        "sessions",
        "a sign-in belongs to the server it was made on: the copy starts signed out",
    ),
    (
        "data_versions",
        "bookkeeping that the target's triggers raise as the copy is written",
    ),
    (
        "_sqlx_migrations",
        "the target is migrated by this build before the copy, to the source's version",
    ),
];

/// `name [key columns] generated id refers_to_itself columns { column: Kind, … }`.
macro_rules! tables {
    ($(
        $name:ident [$($key:ident),+]
        $(generated $generated:ident)?
        $(refers_to_itself $($itself:ident),+)?
        { $($column:ident: $kind:ident),+ $(,)? }
    )+) => {
        &[$(
            Table {
                name: stringify!($name),
                columns: &[$(Column { name: stringify!($column), kind: Kind::$kind }),+],
                key: &[$(stringify!($key)),+],
                generated: tables!(@generated $($generated)?),
                self_references: &[$($(stringify!($itself)),+)?],
            }
        ),+]
    };
    (@generated) => { None };
    (@generated $column:ident) => { Some(stringify!($column)) };
}

/// Every copied table, each after the tables it references (the order of the migrations
/// that created them).
pub const TABLES: &[Table] = tables! {
    units [id] {
        id: Text, code: Text, level: Text, valid_from: Date, valid_to: Date, source: Text,
    }
    unit_versions [unit_id, valid_from] {
        unit_id: Text, valid_from: Date, valid_to: Date, name: Text, unit_type: Text,
        parent_id: Text, search_key: Text,
    }
    unit_lineage [from_id, to_id] {
        from_id: Text, to_id: Text, effective: Date, kind: Text, basis: Text,
    }
    unit_attributes [unit_id, key, valid_from] {
        unit_id: Text, key: Text, value: Text, valid_from: Date, valid_to: Date,
        source: Text, illustrative: Bool,
    }
    criteria_sets [id, version] {
        id: Text, version: Integer, title: Text, source_text: Text, imported_at: Timestamp,
        imported_by: Text,
    }
    indicator_values [unit_id, year, indicator_id] {
        unit_id: Text, year: Integer, indicator_id: Text, value: Text, note: Text,
        entered_by: Text, entered_at: Timestamp, illustrative: Bool,
    }
    audit_events [id] generated id {
        id: Integer, at: Timestamp, actor: Text, action: Text, target_kind: Text,
        target_id: Text, unit_id: Text, before: Text, after: Text, reason: Text,
    }
    users [id] generated id {
        id: Integer, username: Text, full_name: Text, password_hash: Text, disabled: Bool,
        created_at: Timestamp, email: Text,
    }
    user_grants [user_id, role, unit_id] {
        user_id: Integer, role: Text, unit_id: Text, follows_successors: Bool,
    }
    api_tokens [id] generated id {
        id: Integer, user_id: Integer, name: Text, token_hash: Text, created_at: Timestamp,
        last_used_at: Timestamp,
    }
    submissions [unit_id, year] {
        unit_id: Text, year: Integer, status: Text, updated_at: Timestamp,
        updated_by: Text, comment: Text,
    }
    approved_values [unit_id, year, indicator_id] {
        unit_id: Text, year: Integer, indicator_id: Text, value: Text, note: Text,
        entered_by: Text, entered_at: Timestamp, approved_at: Timestamp,
        illustrative: Bool,
    }
    organisations [id] generated id {
        id: Integer, name: Text, kind: Text, created_at: Timestamp,
    }
    user_organisations [user_id, organisation_id] {
        user_id: Integer, organisation_id: Integer,
    }
    directives [id] generated id {
        id: Integer, kind: Text, number: Text, issued_on: Date, issuer: Text, title: Text,
        summary: Text, file_name: Text, file_bytes: Bytes, created_at: Timestamp,
        created_by: Text,
    }
    tasks [id] generated id refers_to_itself parent_id {
        id: Integer, directive_id: Integer, parent_id: Integer, code: Text, text: Text,
        lead_unit_id: Text, lead_organisation_id: Integer, deadline: Date,
        recurrence: Text, expected_output: Text, serves: Text, completed_at: Timestamp,
        completion_proof: Text, confirmed_at: Timestamp, confirmed_by: Text,
        created_at: Timestamp,
    }
    task_cooperators [task_id, position] {
        task_id: Integer, position: Integer, unit_id: Text, organisation_id: Integer,
    }
    task_reports [id] generated id {
        id: Integer, task_id: Integer, at: Timestamp, reported_by: Text, text: Text,
        percent: Integer, attachment_name: Text, attachment_bytes: Bytes, marks_done: Bool,
    }
    notifications [id] generated id {
        id: Integer, user_id: Integer, at: Timestamp, text: Text, link: Text,
        read_at: Timestamp, emailed_at: Timestamp,
    }
    reminders_sent [task_id, kind, due_on] {
        task_id: Integer, kind: Text, due_on: Date, sent_at: Timestamp,
    }
    recognition_dossiers [id] generated id {
        id: Integer, unit_id: Text, level: Text, year: Integer, verifier: Text,
        satisfaction_pct: Text, no_construction_debt: Bool, not_security_hot_spot: Bool,
        council_yes: Integer, council_no: Integer, decision_number: Text,
        decision_date: Date, decision_signer: Text, created_at: Timestamp,
        created_by: Text, subject: Text,
    }
    recognition_entries [dossier_id, seq] {
        dossier_id: Integer, seq: Integer, kind: Text, step: Text, to_step: Text,
        on_date: Date, tier: Text, text: Text, decision_number: Text,
        decision_signer: Text, recorded_at: Timestamp, recorded_by: Text,
    }
    target_plans [id] generated id {
        id: Integer, scope_id: Text, period: Text, title: Text, doc_number: Text,
        doc_date: Date, doc_body: Text, illustrative: Bool, note: Text, version: Integer,
        created_at: Timestamp, created_by: Text,
    }
    targets [plan_id, seq] {
        plan_id: Integer, seq: Integer, kind: Text, amount: Text, note: Text,
    }
    target_shares [plan_id, seq, unit_id] {
        plan_id: Integer, seq: Integer, unit_id: Text, amount: Text, pos: Integer,
    }
    recognition_files [id] generated id {
        id: Integer, dossier_id: Integer, step: Text, name: Text, bytes: Bytes, note: Text,
        attached_at: Timestamp, attached_by: Text,
    }
    villages [id] generated id refers_to_itself successor_id {
        id: Integer, commune_id: Text, code: Text, name: Text, kind: Text,
        valid_from: Date, valid_to: Date, successor_id: Integer, note: Text,
        illustrative: Bool,
    }
    gardens [id] generated id {
        id: Integer, village_id: Integer, household: Text, area_m2: Text, valid_from: Date,
        valid_to: Date, note: Text, illustrative: Bool,
    }
    village_titles [id] generated id {
        id: Integer, subject_kind: Text, subject_id: Integer, year: Integer, number: Text,
        signed_on: Date, body: Text, withdrawn_on: Date, withdrawn_number: Text,
        withdrawn_reason: Text, note: Text, illustrative: Bool, recorded_at: Timestamp,
        recorded_by: Text,
    }
    village_values [subject_kind, subject_id, year, indicator] {
        subject_kind: Text, subject_id: Integer, year: Integer, indicator: Text,
        value: Text, note: Text, updated_by: Text, updated_at: Timestamp,
    }
    ocop_producers [id] generated id {
        id: Integer, name: Text, kind: Text, unit_id: Text, address: Text,
        registration: Text, representative: Text, phone: Text, note: Text,
        illustrative: Bool,
    }
    ocop_products [id] generated id {
        id: Integer, producer_id: Integer, name: Text, product_set: Text,
        group_1048: Integer, collective_brand: Bool, regional: Bool, national_code: Text,
        description: Text, note: Text, illustrative: Bool,
    }
    ocop_rounds [id] generated id {
        id: Integer, name: Text, level: Text, unit_id: Text, held_on: Date, rule_set: Text,
        secretary_id: Integer, outlier_points: Text, closed_at: Timestamp, closed_by: Text,
        note: Text, illustrative: Bool,
    }
    ocop_round_members [round_id, user_id] {
        round_id: Integer, user_id: Integer,
    }
    ocop_entries [id] generated id {
        id: Integer, round_id: Integer, product_id: Integer, note: Text, checked_on: Date,
        checked_by: Text, check_note: Text,
    }
    ocop_sheets [entry_id, member_id] {
        entry_id: Integer, member_id: Integer, part_a: Text, part_b: Text, part_c: Text,
        submitted_at: Timestamp,
    }
    ocop_conditions [rule_set, product_set, code] {
        rule_set: Text, product_set: Text, stars: Integer, code: Text, text: Text,
        source: Text,
    }
    ocop_checks [entry_id, code] {
        entry_id: Integer, code: Text, met: Bool,
    }
    ocop_files [id] generated id {
        id: Integer, entry_id: Integer, part: Text, name: Text, bytes: Bytes, note: Text,
        attached_at: Timestamp, attached_by: Text,
    }
    ocop_certificates [id] generated id {
        id: Integer, product_id: Integer, stars: Integer, level: Text, rule_set: Text,
        year: Integer, decision_number: Text, decision_date: Date,
        certificate_number: Text, entry_id: Integer, ended_kind: Text, ended_on: Date,
        ended_number: Text, ended_reason: Text, note: Text, illustrative: Bool,
        recorded_at: Timestamp, recorded_by: Text,
    }
    ocop_support [id] generated id {
        id: Integer, product_id: Integer, year: Integer, category: Text, source: Text,
        amount: Text, document: Text, note: Text, illustrative: Bool,
    }
    ocop_alerts [certificate_id, days] {
        certificate_id: Integer, days: Integer, sent_at: Timestamp,
    }
    sponsorships [id] generated id {
        id: Integer, organisation_id: Integer, unit_id: Text, village_id: Integer,
        starts_on: Date, ends_on: Date, document: Text, document_date: Date, goal: Text,
        note: Text, illustrative: Bool,
    }
    sponsor_commitments [id] generated id {
        id: Integer, sponsorship_id: Integer, kind: Text, description: Text,
        criterion: Text, quantity: Text, value: Text, due_on: Date, illustrative: Bool,
    }
    sponsor_contributions [id] generated id {
        id: Integer, commitment_id: Integer, given_on: Date, value: Text, quantity: Text,
        evidence: Text, file_name: Text, file_bytes: Bytes, recorded_by: Text,
        recorded_at: Timestamp, confirmed: Bool, decided_by: Text, decided_at: Timestamp,
        reason: Text, illustrative: Bool,
    }
    fund_lines [id] generated id {
        id: Integer, unit_id: Text, year: Integer, source: Text, criterion: Text,
        work: Text, work_key: Text, planned: Text, actual: Text, document: Text,
        note: Text, illustrative: Bool,
    }
    quality_explanations [unit_id, year, rule_id, indicator_id, criterion_id] {
        unit_id: Text, year: Integer, rule_id: Text, indicator_id: Text,
        criterion_id: Text, reason: Text, explained_at: Timestamp, explained_by: Text,
    }
    evidence_files [id] generated id {
        id: Integer, unit_id: Text, year: Integer, indicator_id: Text, name: Text,
        size: Integer, bytes: Bytes, attached_at: Timestamp, attached_by: Text,
    }
    map_points [code] {
        code: Text, lat: Text, lon: Text, note: Text, set_at: Timestamp, set_by: Text,
    }
    boundary_files [tree] {
        tree: Text, name: Text, geojson: Text, features: Integer, uploaded_at: Timestamp,
        uploaded_by: Text,
    }
    quality_rule_files [set_id, version] {
        set_id: Text, version: Integer, source_text: Text, saved_at: Timestamp,
        saved_by: Text, reason: Text,
    }
    quality_findings_seen [unit_id, year, finding_key] {
        unit_id: Text, year: Integer, finding_key: Text, severity: Text, message: Text,
        first_seen_at: Timestamp, resolved_at: Timestamp,
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(row: &[Cell]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_row(row, &mut out);
        out
    }

    #[test]
    fn every_named_column_of_a_table_exists_and_names_are_unique() {
        let mut names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLES.len(), "a table is listed twice");
        for t in TABLES {
            for k in t.key {
                assert!(
                    t.position(k).is_some(),
                    "{}: key column {k} is not a column",
                    t.name
                );
            }
            for c in t.generated.iter().chain(t.self_references) {
                assert!(t.position(c).is_some(), "{}: {c} is not a column", t.name);
            }
            if !t.self_references.is_empty() {
                assert_eq!(
                    t.key.len(),
                    1,
                    "{}: a self reference needs a one-column key",
                    t.name
                );
            }
            let mut columns: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
            columns.sort_unstable();
            columns.dedup();
            assert_eq!(
                columns.len(),
                t.columns.len(),
                "{}: a column is listed twice",
                t.name
            );
            assert!(
                NOT_COPIED.iter().all(|(n, _)| *n != t.name),
                "{} is both copied and not",
                t.name
            );
        }
    }

    #[test]
    fn the_encoding_tells_apart_what_differs() {
        let day = NaiveDate::from_ymd_opt(2025, 7, 1).expect("a date");
        let rows: Vec<Row> = vec![
            vec![],
            vec![Cell::Null],
            vec![Cell::Null, Cell::Null],
            vec![Cell::Integer(0)],
            vec![Cell::Integer(1)],
            vec![Cell::Bool(false)],
            vec![Cell::Bool(true)],
            vec![Cell::Text(String::new())],
            vec![Cell::Text("a".into())],
            vec![Cell::Text("ab".into())],
            vec![Cell::Text("a".into()), Cell::Text("b".into())],
            vec![Cell::Bytes(b"a".to_vec())],
            vec![Cell::Date(day)],
            vec![Cell::Timestamp(
                day.and_hms_opt(0, 0, 0).expect("midnight").and_utc(),
            )],
        ];
        let mut seen = std::collections::HashSet::new();
        for row in &rows {
            assert!(
                seen.insert(encoded(row)),
                "{row:?} encodes like another row"
            );
        }
        // Text is its UTF-8 bytes, whatever the kind of its neighbours.
        assert_eq!(
            encoded(&[Cell::Text("đ".into())]),
            [&[3u8][..], &2u64.to_be_bytes(), "đ".as_bytes()].concat()
        );
    }
}
