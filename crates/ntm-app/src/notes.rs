//! The note a value carries: the user's words and, after "Minh chứng:", a link to the
//! evidence. One set of rules for every path (form, import, API): how the two are joined
//! and split, what a web link is, how long a note may be.

/// The longest note a value may carry (with its evidence link): a sentence or two, not a
/// document — a document is an attachment.
pub const MAX_NOTE_CHARS: usize = 2_000;

/// Refuses a note longer than [`MAX_NOTE_CHARS`], saying how long it is.
pub fn check_note(note: Option<&str>) -> Result<(), String> {
    let n = note.map_or(0, |n| n.chars().count());
    if n > MAX_NOTE_CHARS {
        Err(format!(
            "ghi chú dài {n} ký tự, quá {MAX_NOTE_CHARS} ký tự; hãy rút gọn, tài liệu dài thì đính kèm"
        ))
    } else {
        Ok(())
    }
}

/// The note stored with a value: the user's note, and the evidence link after it.
pub fn compose_note(note: &str, evidence: &str) -> Option<String> {
    let (note, evidence) = (note.trim(), evidence.trim());
    match (note.is_empty(), evidence.is_empty()) {
        (true, true) => None,
        (false, true) => Some(note.to_owned()),
        (true, false) => Some(format!("Minh chứng: {evidence}")),
        (false, false) => Some(format!("{note} — Minh chứng: {evidence}")),
    }
}

/// Splits a stored note back into (note, evidence).
pub fn split_note(stored: Option<&str>) -> (String, String) {
    let Some(s) = stored else {
        return (String::new(), String::new());
    };
    match s.split_once("Minh chứng: ") {
        Some((note, ev)) => (
            note.trim_end_matches([' ', '—']).trim().to_owned(),
            ev.trim().to_owned(),
        ),
        None => (s.to_owned(), String::new()),
    }
}

/// Whether `text` is a web link a page may show as one: `http://` or `https://`, in any
/// letter case (an office types `HTTPS://` too), and nothing that is not.
pub fn is_web_link(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A stored note as a page shows it: (note, evidence link). Evidence that is not a web
/// link (a note imported from a file may hold anything after "Minh chứng:") stays in the
/// note's text and is never a link.
pub fn shown_note(stored: Option<&str>) -> (String, String) {
    let (note, evidence) = split_note(stored);
    if evidence.is_empty() || is_web_link(&evidence) {
        (note, evidence)
    } else {
        (
            format!("{note} Minh chứng: {evidence}").trim().to_owned(),
            String::new(),
        )
    }
}
