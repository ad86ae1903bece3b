//! No input makes `read_values` panic: arbitrary bytes, bytes that look like a zip, valid
//! workbooks with bytes changed or cut, and valid zips whose XML is damaged.
//! `PROPTEST_CASES=5000` runs more cases.

use std::io::{Cursor, Read, Write};
use std::sync::OnceLock;

use proptest::prelude::*;

use crate::fixtures::small_spec;

/// A valid template with values, the seed of the mutations.
fn seed() -> &'static [u8] {
    static SEED: OnceLock<Vec<u8>> = OnceLock::new();
    SEED.get_or_init(|| {
        let mut spec = small_spec();
        spec.existing
            .insert(("18850@2020-01-01".into(), "3.1".into()), "85.5".into());
        spec.existing
            .insert(("18853@2020-01-01".into(), "17.1".into()), "đạt".into());
        ntm_reports::template(&spec).unwrap()
    })
}

/// The seed's entries, uncompressed: (name, bytes).
fn seed_entries() -> &'static [(String, Vec<u8>)] {
    static ENTRIES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut zip = zip::ZipArchive::new(Cursor::new(seed())).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut file = zip.by_index(i).unwrap();
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes).unwrap();
                (file.name().unwrap().into_owned(), bytes)
            })
            .collect()
    })
}

/// Entries zipped again, uncompressed, so that any XML damage reaches the parsers intact.
fn rezip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        w.start_file(name.as_str(), options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Pieces of XML that stress a reader: extreme references, dangling indices, odd types.
const TOKENS: &[&str] = &[
    r#"<c r="XFD1048576" t="s"><v>999999</v></c>"#,
    r#"<c r="A1"><f t="shared" si="7"/><v>1</v></c>"#,
    r#"<c r="D7"><f t="shared" ref="D7:XFD1048576" si="0">A1+1</f><v>2</v></c>"#,
    r#"<mergeCell ref="A1:XFD1048576"/>"#,
    r#"<mergeCells count="1"><mergeCell ref="ZZZZ0:A"/></mergeCells>"#,
    r#"<dimension ref="A1:XFD1048576"/>"#,
    r#"<row r="0">"#,
    r#"<row r="99999999999">"#,
    r#"<c r="A0">"#,
    r#"<c r="D7" t="e"><v>#WHAT?</v></c>"#,
    r#"<c r="D7" t="d"><v>not a date</v></c>"#,
    r#"<c r="D7" t="b"><v>7</v></c>"#,
    r#"<c r="D7" t="n"><v>1e400</v></c>"#,
    r#"<c r="D7" t="n"><v>NaN</v></c>"#,
    r#"<c r="D7" s="99999"><v>1</v></c>"#,
    r#"<sheet name="x" sheetId="9" r:id="rId99"/>"#,
    "&#xFFFF;&#0;&unknown;",
    "<![CDATA[",
    "</sheetData>",
    "<<<",
    "\u{0}\u{FEFF}",
];

/// The message of the seat belt around the parsers: seeing it means a parser panicked.
const SEAT_BELT: &str = "tệp .xlsx bị hỏng, không đọc được; hãy mở bằng Excel và lưu lại";

/// `read_values` and `read_tasks` return, and a refusal says something. (A parser panic is caught and
/// turned into the seat-belt problem, which also counts as returning; see
/// `a_parser_panic_is_caught`.)
fn returns_without_panic(bytes: &[u8]) {
    if let Err(problems) = ntm_reports::read_values(bytes) {
        assert!(!problems.is_empty());
    }
    // The task-list reader takes the same uploads.
    if let Err(problems) = ntm_reports::read_tasks(bytes) {
        assert!(!problems.is_empty());
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        returns_without_panic(&bytes);
    }

    #[test]
    fn bytes_after_a_zip_signature(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        returns_without_panic(&bytes);
    }

    #[test]
    fn mutated_templates(
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = seed().to_vec();
        for (at, byte) in changes {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        returns_without_panic(&bytes);
    }

    #[test]
    fn damaged_xml_inside_a_valid_zip(
        edits in proptest::collection::vec(
            (
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>(),
                prop_oneof![
                    prop::sample::select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
                    proptest::collection::vec(any::<u8>(), 1..8),
                ],
                any::<bool>(),
            ),
            1..6,
        ),
    ) {
        let mut entries = seed_entries().to_vec();
        for (which, at, bytes, replace) in edits {
            let n = entries.len();
            let entry = &mut entries[which.index(n)].1;
            let i = at.index(entry.len() + 1);
            if replace {
                let end = (i + bytes.len()).min(entry.len());
                entry.splice(i..end, bytes);
            } else {
                entry.splice(i..i, bytes);
            }
        }
        returns_without_panic(&rezip(&entries));
    }
}

#[test]
fn the_rezipped_seed_reads_like_the_seed() {
    // The harness itself changes nothing: unmutated, it gives a readable file.
    let rows = ntm_reports::read_values(&rezip(seed_entries())).unwrap();
    assert_eq!(rows.len(), 2);
}

#[test]
fn a_parser_panic_is_caught() {
    // calamine 0.38 computes a row number in u32 without checking for overflow: a row
    // "99999999999" panics in a debug build (and wraps in release). The seat belt in
    // `read_values` turns the panic into a problem instead of losing the thread.
    let mut entries = seed_entries().to_vec();
    let sheet = entries
        .iter_mut()
        .find(|(name, _)| name == "xl/worksheets/sheet1.xml")
        .expect("the data sheet");
    let xml = String::from_utf8(sheet.1.clone()).unwrap();
    assert!(xml.contains(r#"<row r="7""#));
    sheet.1 = xml
        .replace(r#"<row r="7""#, r#"<row r="99999999999""#)
        .into_bytes();
    let result = ntm_reports::read_values(&rezip(&entries));
    if cfg!(debug_assertions) {
        let problems = result.unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].message, SEAT_BELT);
    }
}
