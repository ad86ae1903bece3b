//! XLSX in and out, where the users of ntm work: Excel; and the one document they send
//! out on paper, the urging letter, as a Word draft.
//!
//! - [`report`]: formatted report workbooks built from generic [`Table`]s (title, grouped
//!   headers, met / unmet / unknown fills, totals, notes, print setup).
//! - [`template`]: the import template of a year and criteria set: one row per unit, one
//!   column per indicator, validation, a guide sheet and a hidden sheet that lets the
//!   reader recognise it.
//! - [`letter`]: the draft of an urging letter (văn bản đôn đốc) about overdue tasks, as
//!   a .docx laid out as Vietnam's administrative documents must be.
//! - [`read`]: a filled workbook (our template, or a long-format sheet like the values
//!   CSV) read back into [`ntm_data::values_file::ValueRow`]s, with every problem found
//!   told in Vietnamese with sheet and cell.
//! - [`limits`]: what a workbook may make the server do (archive entries, inflated sizes,
//!   rows, columns, cell length), checked before a parser sees it.
//! - [`tasks`]: a directive's task list in Excel: its template and the reader of any sheet
//!   whose header row names "Nội dung" and "Chủ trì".
//!
//! The crate knows nothing of the database, HTTP or the clock: bytes in, bytes out. What a
//! value means (is the unit known, is 85,5 a number, is the indicator in the set) is
//! decided by the app, exactly as for the CSV.

pub mod funds;
pub mod letter;
pub mod limits;
pub mod ocop;
pub mod read;
pub mod report;
pub mod set_table;
pub mod tasks;
pub mod template;
pub mod villages;

mod cells;

pub use letter::{UrgedTask, UrgingLetter, urging_letter};
pub use read::{XlsxProblem, read_values};
pub use report::{Cell, CellValue, Column, Table, Tone, workbook};
pub use set_table::{
    LevelColumn, SetTableLine, SetTableSpec, TableLevel, read_set_table, set_table,
};
pub use tasks::{TaskSheetRow, read_tasks, tasks_template};
pub use template::{TemplateIndicator, TemplateKind, TemplateSpec, TemplateUnit, template};

/// Why a workbook or a letter could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The input cannot be laid out as asked (no table, a row wider than its columns…).
    #[error("bảng “{sheet}”: {message}")]
    Invalid { sheet: String, message: String },
    /// The XLSX writer refused something (a limit of the format, usually). The writer's
    /// own error type is not exposed so that callers do not depend on it.
    #[error("không ghi được bảng tính: {0}")]
    Write(String),
    /// The letter cannot be written as asked (a date that does not exist), or its archive
    /// could not be.
    #[error("văn bản: {0}")]
    Letter(String),
}

impl From<rust_xlsxwriter::XlsxError> for ReportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ReportError::Write(e.to_string())
    }
}
