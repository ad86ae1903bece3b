use ntm_map::{MapError, PointsProblem, points_from_csv};

use crate::fixtures::CENTROIDS;

#[test]
fn the_shipped_centroid_file_reads_whole() {
    let points = points_from_csv(CENTROIDS).expect("shipped file");
    assert_eq!(points.len(), 69);
    assert_eq!(points.iter().filter(|p| p.kind == "xa").count(), 60);
    assert_eq!(points.iter().filter(|p| p.kind == "phuong").count(), 9);
    let first = &points[0];
    assert_eq!(
        (first.code.as_str(), first.name.as_str()),
        ("18073", "Thành Sen")
    );
    assert_eq!((first.lat, first.lon), (18.339, 105.903));
    // Kỳ Thượng's latitude is published as `18`, trailing zeros dropped.
    let ky_thuong = points
        .iter()
        .find(|p| p.code == "18844")
        .expect("Kỳ Thượng");
    assert_eq!(ky_thuong.lat, 18.0);
    assert!(
        points
            .iter()
            .all(|p| (17.5..18.9).contains(&p.lat) && (105.0..106.6).contains(&p.lon))
    );
}

#[test]
fn excel_habits_are_tolerated() {
    let cases = [
        (
            "BOM and CRLF",
            "\u{feff}code,name,kind,lat,lon\r\n18073,Thành Sen,phuong,18.339,105.903\r\n",
        ),
        (
            "blank lines",
            "code,name,kind,lat,lon\n\n18073,Thành Sen,phuong,18.339,105.903\n\n",
        ),
        (
            "columns reordered, no kind",
            "lon,lat,name,code\n105.903,18.339,Thành Sen,18073\n",
        ),
        (
            "Vietnamese headers",
            "Mã,Tên,Loại,Vĩ độ,Kinh độ\n18073,Thành Sen,phuong,18.339,105.903\n",
        ),
        (
            "semicolons and decimal commas",
            "code;name;kind;lat;lon\n18073;Thành Sen;phuong;18,339;105,903\n",
        ),
        (
            "quoted cells",
            "code,name,kind,lat,lon\n\"18073\",\"Thành Sen\",phuong,\"18,339\",105.903\n",
        ),
    ];
    for (what, text) in cases {
        let p = points_from_csv(text).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(p.len(), 1, "{what}");
        assert_eq!(
            (p[0].code.as_str(), p[0].name.as_str()),
            ("18073", "Thành Sen"),
            "{what}"
        );
        assert_eq!((p[0].lat, p[0].lon), (18.339, 105.903), "{what}");
    }
}

#[test]
fn every_problem_names_its_line_and_column() {
    let h = "code,name,kind,lat,lon\n";
    let cases: [(&str, String, &str); 10] = [
        (
            "empty",
            String::new(),
            "Tệp toạ độ không đọc được: tệp trống",
        ),
        (
            "header only",
            h.to_owned(),
            "Tệp toạ độ không đọc được: tệp chỉ có dòng tiêu đề",
        ),
        (
            "no lon",
            "code,name,lat\n1,a,18\n".into(),
            "Tệp toạ độ không đọc được: thiếu cột «lon»",
        ),
        (
            "text for a number",
            format!("{h}18073,A,xa,abc,105\n"),
            "Tệp toạ độ, dòng 2, cột D (lat): «abc» không phải là số",
        ),
        (
            "NaN",
            format!("{h}18073,A,xa,NaN,105\n"),
            "dòng 2, cột D (lat): «NaN» không phải là số",
        ),
        (
            "infinity",
            format!("{h}18073,A,xa,18,inf\n"),
            "dòng 2, cột E (lon): «inf» không phải là số",
        ),
        (
            "out of range",
            format!("{h}18073,A,xa,18,2030000\n"),
            "dòng 2, cột E (lon): 2030000 nằm ngoài khoảng -180 đến 180",
        ),
        (
            "empty code",
            format!("{h}\n,A,xa,18,105\n"),
            "Tệp toạ độ, dòng 3, cột A (code): ô trống",
        ),
        (
            "duplicate",
            format!("{h}18073,A,xa,18,105\n18073,B,xa,18,105\n"),
            "dòng 3, cột A (code): mã 18073 đã có ở dòng 2",
        ),
        (
            "open quote",
            format!("{h}18073,\"A,xa,18,105\n"),
            "Tệp toạ độ, dòng 2: dấu ngoặc kép",
        ),
    ];
    for (what, text, want) in cases {
        let e = points_from_csv(&text).expect_err(what).to_string();
        assert!(e.contains(want), "{what}: {e}");
    }
}

#[test]
fn a_short_row_is_an_empty_cell_not_a_panic() {
    let e = points_from_csv("code,name,kind,lat,lon\n18073,A\n").unwrap_err();
    assert_eq!(
        e,
        MapError::Points {
            line: 2,
            column: Some((3, "lat")),
            problem: PointsProblem::EmptyCell
        }
    );
}

proptest::proptest! {
    #[test]
    fn any_text_is_read_or_refused(text in "\\PC{0,300}") {
        let _ = points_from_csv(&text);
    }

    #[test]
    fn mutated_files_are_read_or_refused(at in 0usize..2541, byte in proptest::num::u8::ANY) {
        let mut b = CENTROIDS.as_bytes().to_vec();
        let i = at % b.len();
        b[i] = byte;
        let _ = points_from_csv(&String::from_utf8_lossy(&b));
    }
}
