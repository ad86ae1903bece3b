//! The approval workflow of one unit's values for one year: draft → submitted →
//! approved (locked), or returned with a comment; an administrator may reopen a locked
//! period with a reason. Who may trigger which event is [`crate::access`]'s decision; this
//! module only says which transitions exist.

use std::fmt;

/// Where a unit-year stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Being entered (also the state of a unit-year nobody touched yet).
    Draft,
    /// Sent for approval; the commune can no longer edit.
    Submitted,
    /// Approved and locked.
    Approved,
    /// Sent back with a comment; editable again.
    Returned,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Returned => "returned",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [
            Status::Draft,
            Status::Submitted,
            Status::Approved,
            Status::Returned,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Draft => "đang nhập",
            Status::Submitted => "chờ duyệt",
            Status::Approved => "đã duyệt (khóa)",
            Status::Returned => "bị trả lại",
        }
    }
    /// Whether values may be changed in this state.
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }
}

/// What happens to a unit-year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Edit,
    Submit,
    Approve,
    Return,
    Reopen,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Edit => "edit",
            Event::Submit => "submit",
            Event::Approve => "approve",
            Event::Return => "return",
            Event::Reopen => "reopen",
        }
    }
}

/// A transition that does not exist, with the reason in Vietnamese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub struct WorkflowError {
    pub from: Status,
    pub event: Event,
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match (self.from, self.event) {
            (Status::Approved, _) => "số liệu đã được duyệt và khóa; cần quản trị mở lại",
            (Status::Submitted, Event::Edit | Event::Submit) => {
                "số liệu đang chờ duyệt; chờ duyệt hoặc trả lại"
            }
            (_, Event::Approve | Event::Return) => "chỉ duyệt hoặc trả lại số liệu đang chờ duyệt",
            (_, Event::Reopen) => "chỉ mở lại số liệu đã duyệt",
            _ => "thao tác không hợp lệ",
        };
        write!(
            f,
            "không thể {} khi {}: {why}",
            event_vi(self.event),
            self.from.label_vi()
        )
    }
}

fn event_vi(e: Event) -> &'static str {
    match e {
        Event::Edit => "sửa số liệu",
        Event::Submit => "gửi duyệt",
        Event::Approve => "duyệt",
        Event::Return => "trả lại",
        Event::Reopen => "mở lại",
    }
}

/// The next state, or why the event is not possible now.
pub fn transition(from: Status, event: Event) -> Result<Status, WorkflowError> {
    use Event::*;
    use Status::*;
    match (from, event) {
        (Draft | Returned, Edit) => Ok(Draft),
        (Draft | Returned, Submit) => Ok(Submitted),
        (Submitted, Approve) => Ok(Approved),
        (Submitted, Return) => Ok(Returned),
        (Approved, Reopen) => Ok(Draft),
        _ => Err(WorkflowError { from, event }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition() {
        use Event::*;
        use Status::*;
        let table = [
            (Draft, Edit, Some(Draft)),
            (Draft, Submit, Some(Submitted)),
            (Draft, Approve, None),
            (Draft, Return, None),
            (Draft, Reopen, None),
            (Submitted, Edit, None),
            (Submitted, Submit, None),
            (Submitted, Approve, Some(Approved)),
            (Submitted, Return, Some(Returned)),
            (Submitted, Reopen, None),
            (Approved, Edit, None),
            (Approved, Submit, None),
            (Approved, Approve, None),
            (Approved, Return, None),
            (Approved, Reopen, Some(Draft)),
            (Returned, Edit, Some(Draft)),
            (Returned, Submit, Some(Submitted)),
            (Returned, Approve, None),
            (Returned, Reopen, None),
        ];
        for (from, event, to) in table {
            assert_eq!(transition(from, event).ok(), to, "{from:?} + {event:?}");
        }
    }

    #[test]
    fn a_locked_period_says_why_in_vietnamese() {
        let e = transition(Status::Approved, Event::Edit).unwrap_err();
        assert_eq!(
            e.to_string(),
            "không thể sửa số liệu khi đã duyệt (khóa): số liệu đã được duyệt và khóa; cần quản trị mở lại"
        );
    }
}
