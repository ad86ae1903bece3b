//! The office's editor of data-quality rules: a rule added, changed or removed through a
//! form, or the whole file replaced, each save a new audited version of the set's rules
//! file (written by `quality_file::write`, checked as a file typed by hand would be, and
//! against the set it checks). Until the office saves one, a set is checked by the file
//! shipped with ntm.

use ntm_core::Catalogue;
use ntm_core::criteria::SetId;
use ntm_core::unit::UnitRegistry;
use ntm_data::quality_file::{self, RuleEntry, RulesDoc};
use ntm_store::{PutOutcome, Store};

use crate::accounts::Actor;
use crate::quality::RuleBook;
use crate::{AppError, AppResult};

/// The kinds a rule may be, as the form offers them: (file name, label).
pub const KINDS: [(&str, &str); 7] = [
    ("range", "Giá trị trong khoảng"),
    ("part_of_whole", "Phần không vượt tổng"),
    ("reported_met", "Báo đạt mà thiếu chỉ tiêu"),
    ("year_jump", "Thay đổi đột biến so với năm trước"),
    ("peer_outlier", "Khác xa các xã cùng nhóm"),
    ("regression", "Đã công nhận nay không còn đạt"),
    ("evidence", "Chỉ tiêu quyết định thiếu minh chứng"),
];

/// The rule form, every field as typed; `indicators` lists ids separated by commas,
/// semicolons or spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleForm {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub kind: String,
    pub indicators: String,
    pub part: String,
    pub whole: String,
    pub criterion: String,
    pub declared: String,
    pub min: String,
    pub max: String,
    pub factor: String,
    pub amount: String,
    pub peers: String,
    pub threshold: String,
    pub min_peers: String,
    pub source: String,
    pub note: String,
}

fn text(o: &Option<String>) -> String {
    o.clone().unwrap_or_default()
}

fn field(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl RuleForm {
    /// The form of a rule as its file holds it.
    pub fn of(e: &RuleEntry) -> Self {
        let indicators: Vec<String> = e.indicator.iter().chain(&e.indicators).cloned().collect();
        RuleForm {
            id: e.id.clone(),
            title: e.title.clone(),
            severity: e.severity.clone(),
            kind: e.kind.clone(),
            indicators: indicators.join(", "),
            part: text(&e.part),
            whole: text(&e.whole),
            criterion: text(&e.criterion),
            declared: text(&e.declared),
            min: text(&e.min),
            max: text(&e.max),
            factor: text(&e.factor),
            amount: text(&e.amount),
            peers: text(&e.peers),
            threshold: text(&e.threshold),
            min_peers: e.min_peers.map(|n| n.to_string()).unwrap_or_default(),
            source: text(&e.source),
            note: text(&e.note),
        }
    }

    /// The rule as its file will hold it, with only the fields its kind reads: a field
    /// of another kind left over from the form is dropped, not kept unread.
    fn entry(&self) -> Result<RuleEntry, Vec<String>> {
        let mut problems = Vec::new();
        let id = self.id.trim();
        problems.extend(quality_file::id_problem(id));
        if self.title.trim().is_empty() {
            problems.push("thiếu tên quy tắc".into());
        }
        let kind = self.kind.trim();
        if !KINDS.iter().any(|(k, _)| *k == kind) {
            problems.push(format!("loại quy tắc “{kind}” không có"));
        }
        let min_peers = match self.min_peers.trim() {
            "" => None,
            n => match n.parse::<usize>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push(format!(
                        "số xã so sánh tối thiểu “{n}” không phải số nguyên"
                    ));
                    None
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let list: Vec<String> = self
            .indicators
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let uses = |fields: &[&str], name: &str| fields.contains(&name);
        let kept: &[&str] = match kind {
            "range" => &["indicators", "min", "max"],
            "part_of_whole" => &["part", "whole"],
            "reported_met" => &["criterion", "declared", "indicators"],
            "year_jump" => &["indicators", "factor", "amount"],
            "peer_outlier" => &["indicators", "peers", "threshold", "min_peers"],
            _ => &[],
        };
        let keep = |name: &str, value: &str| {
            if uses(kept, name) { field(value) } else { None }
        };
        Ok(RuleEntry {
            id: id.to_owned(),
            title: self.title.trim().to_owned(),
            severity: self.severity.trim().to_owned(),
            kind: kind.to_owned(),
            indicator: None,
            indicators: if uses(kept, "indicators") {
                list
            } else {
                Vec::new()
            },
            part: keep("part", &self.part),
            whole: keep("whole", &self.whole),
            criterion: keep("criterion", &self.criterion),
            declared: keep("declared", &self.declared),
            min: keep("min", &self.min),
            max: keep("max", &self.max),
            factor: keep("factor", &self.factor),
            amount: keep("amount", &self.amount),
            peers: keep("peers", &self.peers),
            threshold: keep("threshold", &self.threshold),
            min_peers: min_peers.filter(|_| uses(kept, "min_peers")),
            source: field(&self.source),
            note: field(&self.note),
        })
    }
}

/// A change to a set's rules.
#[derive(Debug, Clone)]
pub enum RuleChange {
    /// Adds a rule (`replacing` empty) or replaces the rule of id `replacing`, in place.
    Put {
        replacing: String,
        form: Box<RuleForm>,
    },
    Remove {
        id: String,
    },
    /// Replaces the whole file with `text`.
    File {
        text: String,
    },
}

impl RuleChange {
    fn reason(&self) -> String {
        match self {
            RuleChange::Put { replacing, form } if replacing.is_empty() => {
                format!("thêm quy tắc {}", form.id.trim())
            }
            RuleChange::Put { form, .. } => format!("sửa quy tắc {}", form.id.trim()),
            RuleChange::Remove { id } => format!("bỏ quy tắc {id}"),
            RuleChange::File { .. } => "thay cả tệp quy tắc".into(),
        }
    }
}

/// The file of `set_id` as it stands in `book`, or an empty one for a set without rules.
pub fn doc_of(book: &RuleBook, set_id: &str) -> AppResult<RulesDoc> {
    match book.get(set_id) {
        Some(r) => quality_file::read_doc(&r.text).map_err(AppError::Invalid),
        None => Ok(RulesDoc {
            format: quality_file::FORMAT_VERSION,
            set: set_id.to_owned(),
            note: None,
            rule: Vec::new(),
        }),
    }
}

/// The text `change` makes of `set_id`'s rules in `book`, checked as a file and against
/// the set; every problem told, nothing returned then.
pub fn apply(
    book: &RuleBook,
    catalogue: &Catalogue,
    set_id: &str,
    change: &RuleChange,
) -> AppResult<String> {
    let set = catalogue
        .get(&SetId(set_id.to_owned()))
        .ok_or_else(|| AppError::NotFound(format!("Không có bộ tiêu chí “{set_id}”.")))?;
    let text = match change {
        RuleChange::File { text } => text.clone(),
        RuleChange::Put { replacing, form } => {
            let mut doc = doc_of(book, set_id)?;
            let entry = form.entry().map_err(AppError::Invalid)?;
            if replacing.is_empty() {
                if doc.rule.iter().any(|r| r.id == entry.id) {
                    return Err(AppError::Invalid(vec![format!(
                        "đã có quy tắc mã “{}”: chọn mã khác hoặc sửa quy tắc đó",
                        entry.id
                    )]));
                }
                doc.rule.push(entry);
            } else {
                let at = doc
                    .rule
                    .iter()
                    .position(|r| &r.id == replacing)
                    .ok_or_else(|| {
                        AppError::NotFound(format!("Không có quy tắc “{replacing}”."))
                    })?;
                doc.rule[at] = entry;
            }
            quality_file::write(&doc)
        }
        RuleChange::Remove { id } => {
            let mut doc = doc_of(book, set_id)?;
            let before = doc.rule.len();
            doc.rule.retain(|r| &r.id != id);
            if doc.rule.len() == before {
                return Err(AppError::NotFound(format!("Không có quy tắc “{id}”.")));
            }
            quality_file::write(&doc)
        }
    };
    let file = quality_file::parse(&text).map_err(AppError::Invalid)?;
    let mut problems = Vec::new();
    if file.set != set_id {
        problems.push(format!(
            "tệp ghi set = “{}” mà đang sửa quy tắc của bộ “{set_id}”",
            file.set
        ));
    }
    problems.extend(quality_file::unknown_in_set(&file.rules, set));
    if problems.is_empty() {
        Ok(text)
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// Saves `change` to the rules of `set_id` opened at version `seen` (0: the shipped file
/// or none): refused (`Conflict`) if another version was saved meanwhile, (`Invalid`) with
/// every problem when the result does not check. Only the province's office edits rules.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    store: &dyn Store,
    cache: &crate::cache::Cache,
    registry: &UnitRegistry,
    catalogue: &Catalogue,
    actor: &Actor,
    (set_id, seen): (&str, i64),
    change: RuleChange,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<PutOutcome> {
    crate::set_editor::may_edit(registry, actor).map_err(|_| {
        AppError::Forbidden("chỉ văn phòng điều phối của tỉnh sửa quy tắc kiểm tra".into())
    })?;
    let book = crate::quality::rules_in_force(store, cache).await?;
    // A change made on an older page is refused before it is applied to the newer file:
    // removing a rule already removed is a conflict, not a missing rule. The store checks
    // again inside its transaction.
    let now = book.get(set_id).map_or(0, |r| r.version);
    if now != seen {
        return Err(AppError::Conflict(format!(
            "quy tắc kiểm tra của bộ {set_id} đã thay đổi kể từ khi bạn mở trang (đang dùng: {}); \
             không có gì được ghi: mở lại trang để xem rồi sửa lại",
            if now == 0 {
                "tệp có sẵn kèm phần mềm".to_owned()
            } else {
                format!("phiên bản {now}")
            }
        )));
    }
    let text = apply(&book, catalogue, set_id, &change)?;
    Ok(store
        .put_rule_file(set_id, &text, seen, &actor.audit(at, change.reason()))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ntm_data::shipped::{criteria_files, demo_criteria_files};

    const SET: &str = "xa-ntm-2026-2030-minh-hoa";

    fn catalogue() -> Catalogue {
        let mut files = criteria_files();
        files.extend(demo_criteria_files());
        ntm_data::criteria_file::load_catalogue(&files).expect("the shipped sets load")
    }

    fn form(id: &str, kind: &str, indicators: &str) -> RuleForm {
        RuleForm {
            id: id.into(),
            title: "Hộ dùng nước sạch không vượt số hộ".into(),
            severity: "warning".into(),
            kind: kind.into(),
            indicators: indicators.into(),
            min: "0".into(),
            ..RuleForm::default()
        }
    }

    fn rules_of(text: &str) -> Vec<ntm_core::quality::Rule> {
        quality_file::parse(text).unwrap().rules
    }

    #[test]
    fn a_rule_added_changed_and_removed_keeps_the_others_in_place() {
        let (mut book, cat) = (crate::quality::shipped_book(), catalogue());
        let before = book[SET].rules.len();
        let mut f = form("ty-le-moi", "range", "2.1; 17.1");
        f.max = "100".into();
        // Left over from another kind on the same form: not kept.
        f.factor = "1,6".into();
        let add = RuleChange::Put {
            replacing: String::new(),
            form: Box::new(f.clone()),
        };
        let text = apply(&book, &cat, SET, &add).unwrap();
        let added = quality_file::read_doc(&text).unwrap().rule.pop().unwrap();
        assert_eq!((added.factor, added.min.as_deref()), (None, Some("0")));
        assert_eq!(rules_of(&text).len(), before + 2);
        book.get_mut(SET).unwrap().text = text.clone();
        assert!(
            matches!(apply(&book, &cat, SET, &add), Err(AppError::Invalid(p)) if p[0].contains("đã có")),
            "the same id twice"
        );
        f.severity = "blocking".into();
        let changed = apply(
            &book,
            &cat,
            SET,
            &RuleChange::Put {
                replacing: "ty-le-moi".into(),
                form: Box::new(f),
            },
        )
        .unwrap();
        let rules = rules_of(&changed);
        assert_eq!(rules.len(), before + 2);
        assert_eq!(
            rules.last().unwrap().severity,
            ntm_core::quality::Severity::Blocking
        );
        let removed = apply(
            &book,
            &cat,
            SET,
            &RuleChange::Remove {
                id: "ty-le-0-100".into(),
            },
        )
        .unwrap();
        let ids: Vec<String> = rules_of(&removed).into_iter().map(|r| r.id).collect();
        assert!(!ids.contains(&"ty-le-0-100".to_string()));
        assert_eq!(ids.last().map(String::as_str), Some("ty-le-moi"));
    }

    #[test]
    fn every_problem_is_told_and_nothing_made() {
        let (book, cat) = (crate::quality::shipped_book(), catalogue());
        let cases: Vec<(RuleChange, &str)> = vec![
            (
                RuleChange::Put {
                    replacing: String::new(),
                    form: Box::new(form("a~b", "range", "2.1")),
                },
                "mã quy tắc “a~b”",
            ),
            (
                RuleChange::Put {
                    replacing: String::new(),
                    form: Box::new(form("moi", "range", "99.9")),
                },
                "không có chỉ tiêu “99.9”",
            ),
            (
                RuleChange::Put {
                    replacing: String::new(),
                    form: Box::new(form("moi", "magic", "2.1")),
                },
                "loại quy tắc “magic”",
            ),
            (
                RuleChange::Put {
                    replacing: String::new(),
                    form: Box::new(RuleForm {
                        criterion: "99".into(),
                        declared: "2.1".into(),
                        ..form("moi", "reported_met", "2.2")
                    }),
                },
                "không có tiêu chí “99”",
            ),
            (
                RuleChange::Put {
                    replacing: "khong-co".into(),
                    form: Box::new(form("moi", "range", "2.1")),
                },
                "Không có quy tắc “khong-co”",
            ),
            (
                RuleChange::File {
                    text: "format = 1\nset = \"xa-khac\"\n".into(),
                },
                "set = “xa-khac”",
            ),
            (
                RuleChange::File {
                    text: "format = 1\nset = ".into(),
                },
                "dòng 2",
            ),
            (
                RuleChange::File {
                    text: format!(
                        "format = 1\nset = \"{SET}\"\n[[rule]]\nid = \"x y\"\ntitle = \"A\"\nseverity = \"info\"\nkind = \"evidence\"\n"
                    ),
                },
                "mã quy tắc “x y”",
            ),
        ];
        for (change, expected) in cases {
            let told = match apply(&book, &cat, SET, &change) {
                Err(AppError::Invalid(p)) => p.join("; "),
                Err(AppError::NotFound(p)) => p,
                other => panic!("{change:?}: {other:?}"),
            };
            assert!(
                told.contains(expected),
                "{change:?}: {told} lacks {expected}"
            );
        }
    }

    #[test]
    fn a_set_without_rules_gets_its_first_file() {
        let (book, cat) = (crate::quality::shipped_book(), catalogue());
        let set = cat
            .sets()
            .map(|s| s.id().0.clone())
            .find(|id| !book.contains_key(id))
            .expect("a set without shipped rules");
        let text = apply(
            &book,
            &cat,
            &set,
            &RuleChange::Put {
                replacing: String::new(),
                form: Box::new(RuleForm {
                    severity: "info".into(),
                    ..form("minh-chung", "evidence", "")
                }),
            },
        )
        .unwrap();
        let file = quality_file::parse(&text).unwrap();
        assert_eq!((file.set.as_str(), file.rules.len()), (set.as_str(), 1));
    }
}
