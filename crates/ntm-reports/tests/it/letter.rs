//! The urging letter: a .docx whose parts parse as XML, whose text says what was asked
//! (escaping included), on an A4 page with the decree's margins, with the date written as
//! the decree wants; and no panic on an empty letter.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use ntm_reports::{ReportError, UrgedTask, UrgingLetter, urging_letter};
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

fn sample() -> UrgingLetter {
    UrgingLetter {
        authority: "UBND TỈNH HÀ TĨNH".into(),
        issuer: "Văn phòng Điều phối nông thôn mới".into(),
        number: "Số:      /VPĐP-NV".into(),
        place: "Hà Tĩnh".into(),
        date: None,
        subject: "V/v đôn đốc thực hiện các nhiệm vụ quá hạn".into(),
        recipients: vec![
            "- Sở Nông nghiệp và Môi trường;".into(),
            "- Công ty A&B <Hà Tĩnh>;".into(),
            "- UBND các huyện, thành phố, thị xã.".into(),
        ],
        opening: vec![
            "Thực hiện Thông báo số 61/TB-BCĐ ngày 22/02/2022 của Ban Chỉ đạo các Chương \
             trình mục tiêu quốc gia tỉnh, đến nay các nhiệm vụ sau đã quá hạn:"
                .into(),
        ],
        tasks: vec![
            UrgedTask {
                directive: "Thông báo số 61/TB-BCĐ ngày 22/02/2022".into(),
                code: "2.1".into(),
                text: "Rà soát, đánh giá thực trạng các tiêu chí".into(),
                deadline: "31/5/2022".into(),
                days_overdue: 183,
                latest_progress: "Chưa báo cáo".into(),
            },
            UrgedTask {
                directive: "Thông báo số 61/TB-BCĐ ngày 22/02/2022".into(),
                code: "2.4".into(),
                text: "Hoàn thiện hồ sơ đề nghị xét công nhận\nxã đạt chuẩn".into(),
                deadline: "30/6/2022".into(),
                days_overdue: 7,
                latest_progress: "Đã hoàn thành 60% (báo cáo ngày 15/6/2022)".into(),
            },
        ],
        closing: vec![
            "Văn phòng Điều phối nông thôn mới tỉnh đề nghị các đơn vị khẩn trương hoàn \
             thành và báo cáo kết quả trước ngày 15/12/2026./."
                .into(),
        ],
        copies: vec![
            "- Như trên;".into(),
            "- Chánh Văn phòng (để b/c);".into(),
            "- Lưu: VT, NV.".into(),
        ],
        signer_title: vec!["KT. Chánh Văn phòng".into(), "PHÓ CHÁNH VĂN PHÒNG".into()],
        signer_name: "Nguyễn Văn <An> & Cộng sự".into(),
    }
}

/// Every part of the archive, by name.
fn parts(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut parts = BTreeMap::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).expect("UTF-8 part");
        parts.insert(file.name().unwrap().into_owned(), text);
    }
    parts
}

fn document(bytes: &[u8]) -> String {
    parts(bytes)
        .remove("word/document.xml")
        .expect("word/document.xml")
}

/// The text a reader sees: the `w:t` contents, unescaped by a real XML parser,
/// paragraphs separated by newlines. Panics if the XML is not well-formed.
fn text_of(xml: &str) -> String {
    let mut reader = Reader::from_str(xml);
    let mut text = String::new();
    let mut in_text = false;
    let mut raw = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) if e.name().as_ref() == "w:t" => {
                in_text = true;
                raw.clear();
            }
            Event::End(e) if e.name().as_ref() == "w:t" => {
                in_text = false;
                text.push_str(&quick_xml::escape::unescape(&raw).expect("known entities"));
            }
            Event::End(e) if e.name().as_ref() == "w:p" => text.push('\n'),
            Event::Text(t) if in_text => raw.push_str(&t),
            Event::GeneralRef(r) if in_text => {
                raw.push('&');
                raw.push_str(&r);
                raw.push(';');
            }
            Event::Eof => break,
            _ => {}
        }
    }
    text
}

/// The attributes of the first element named `name`.
fn attributes(xml: &str, name: &str) -> BTreeMap<String, String> {
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == name => {
                return e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        let value = a.normalized_value(XmlVersion::Implicit1_0).unwrap();
                        (a.key.as_ref().to_string(), value.into_owned())
                    })
                    .collect();
            }
            Event::Eof => panic!("no {name} in the document"),
            _ => {}
        }
    }
}

#[test]
fn the_letter_is_a_docx_whose_parts_are_well_formed() {
    let bytes = urging_letter(&sample()).unwrap();
    let parts = parts(&bytes);
    for name in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/_rels/document.xml.rels",
        "word/styles.xml",
    ] {
        assert!(parts.contains_key(name), "{name} missing");
    }
    for (name, xml) in &parts {
        let mut reader = Reader::from_str(xml);
        while reader
            .read_event()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            != Event::Eof
        {}
    }
    // Times New Roman 14 pt in Vietnamese for everything, from the document defaults.
    let styles = &parts["word/styles.xml"];
    assert_eq!(attributes(styles, "w:rFonts")["w:ascii"], "Times New Roman");
    assert_eq!(attributes(styles, "w:sz")["w:val"], "28");
    assert_eq!(attributes(styles, "w:lang")["w:val"], "vi-VN");
}

#[test]
fn the_text_says_what_was_asked() {
    let letter = sample();
    let text = text_of(&document(&urging_letter(&letter).unwrap()));

    let mut expected: Vec<String> = vec![
        "UBND TỈNH HÀ TĨNH".into(),
        // Upper-cased by the generator, as the decree wants.
        "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI".into(),
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(),
        "Độc lập - Tự do - Hạnh phúc".into(),
        "Số:      /VPĐP-NV".into(),
        "V/v đôn đốc thực hiện các nhiệm vụ quá hạn".into(),
        "Kính gửi:".into(),
        "Nơi nhận:".into(),
        "KT. CHÁNH VĂN PHÒNG".into(),
        "PHÓ CHÁNH VĂN PHÒNG".into(),
        "Nguyễn Văn <An> & Cộng sự".into(),
        "Tiến độ gần nhất".into(),
    ];
    expected.extend(letter.recipients.iter().cloned());
    expected.extend(letter.opening.iter().cloned());
    expected.extend(letter.closing.iter().cloned());
    expected.extend(letter.copies.iter().cloned());
    for task in &letter.tasks {
        expected.push(task.directive.clone());
        expected.push(format!("{}. ", task.code));
        expected.push(task.deadline.clone());
        expected.push(task.days_overdue.to_string());
        expected.push(task.latest_progress.clone());
        // A line break in a text is a `w:br`, not a character of a `w:t`.
        expected.extend(task.text.split('\n').map(String::from));
    }
    for needle in &expected {
        assert!(text.contains(needle.as_str()), "{needle:?} not in\n{text}");
    }
    // The rows are numbered 1..n in the first column, right after the header row.
    assert!(
        text.contains("Tiến độ gần nhất\n1\n"),
        "row numbers in\n{text}"
    );
    assert!(
        text.contains("\n2\nThông báo số 61"),
        "row numbers in\n{text}"
    );
}

#[test]
fn markup_characters_round_trip() {
    let mut letter = sample();
    letter.recipients = vec!["Công ty \"A&B\" <Hà Tĩnh> & 'Đồng Lộc'".into()];
    let xml = document(&urging_letter(&letter).unwrap());
    assert!(!xml.contains("A&B"), "an unescaped & in the XML");
    let text = text_of(&xml);
    // One recipient goes on the same line as "Kính gửi:".
    assert!(
        text.contains("Kính gửi: Công ty \"A&B\" <Hà Tĩnh> & 'Đồng Lộc'\n"),
        "{text}"
    );
}

#[test]
fn control_characters_are_dropped_not_written() {
    let mut letter = sample();
    letter.subject = "V/v đôn\u{1}đốc\r".into();
    let text = text_of(&document(&urging_letter(&letter).unwrap()));
    assert!(text.contains("V/v đônđốc\n"), "{text}");
}

#[test]
fn the_page_is_a4_with_the_decrees_margins() {
    let xml = document(&urging_letter(&sample()).unwrap());
    let size = attributes(&xml, "w:pgSz");
    assert_eq!(size["w:w"], "11906");
    assert_eq!(size["w:h"], "16838");
    assert!(!size.contains_key("w:orient"), "portrait");
    let margins = attributes(&xml, "w:pgMar");
    // 20 mm top and bottom, 30 mm left, 15 mm right, in twips.
    assert_eq!(margins["w:top"], "1134");
    assert_eq!(margins["w:bottom"], "1134");
    assert_eq!(margins["w:left"], "1701");
    assert_eq!(margins["w:right"], "851");
}

#[test]
fn a_draft_leaves_the_date_blank() {
    let text = text_of(&document(&urging_letter(&sample()).unwrap()));
    assert!(
        text.contains("Hà Tĩnh, ngày     tháng     năm 20.."),
        "{text}"
    );
}

#[test]
fn a_dated_letter_writes_the_date_as_the_decree_wants() {
    let dated = |day, month, year| {
        let mut letter = sample();
        letter.date = Some((day, month, year));
        text_of(&document(&urging_letter(&letter).unwrap()))
    };
    let text = dated(29, 11, 2026);
    assert!(
        text.contains("Hà Tĩnh, ngày 29 tháng 11 năm 2026"),
        "{text}"
    );
    assert!(!text.contains("ngày     tháng"), "{text}");
    // Days below 10 and the months 1 and 2 take a leading zero; other months do not.
    assert!(dated(5, 2, 2026).contains("ngày 05 tháng 02 năm 2026"));
    assert!(dated(29, 2, 2028).contains("ngày 29 tháng 02 năm 2028"));
    assert!(dated(1, 3, 2026).contains("ngày 01 tháng 3 năm 2026"));
}

#[test]
fn a_date_that_does_not_exist_is_refused() {
    for date in [(31, 4, 2026), (29, 2, 2026), (0, 1, 2026), (1, 13, 2026)] {
        let mut letter = sample();
        letter.date = Some(date);
        assert!(
            matches!(urging_letter(&letter), Err(ReportError::Letter(_))),
            "{date:?}"
        );
    }
}

#[test]
fn an_empty_letter_is_still_a_document() {
    let bytes = urging_letter(&UrgingLetter::default()).unwrap();
    let text = text_of(&document(&bytes));
    assert!(text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert!(!text.contains("Tiến độ gần nhất"), "no tasks, no table");

    let mut no_tasks = sample();
    no_tasks.tasks.clear();
    let text = text_of(&document(&urging_letter(&no_tasks).unwrap()));
    assert!(text.contains("Kính gửi:"));
    assert!(!text.contains("Tiến độ gần nhất"), "no tasks, no table");
}

#[test]
fn the_same_letter_gives_the_same_bytes() {
    assert_eq!(
        urging_letter(&sample()).unwrap(),
        urging_letter(&sample()).unwrap()
    );
}
