//! How long reading a province-wide workbook takes: calamine alone (open the workbook and
//! load every cell of the data sheet) against `read_values` (the same, plus formula,
//! merge and layout checks and the mapping to value rows).
//!
//! `cargo bench -p ntm-reports --bench read [-- FILE.xlsx]`: without a file, a template of
//! 182 communes × 80 indicators, filled, is generated.

use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use ntm_reports::{
    TemplateIndicator, TemplateKind, TemplateSpec, TemplateUnit, read_values, template,
};

fn generated() -> Vec<u8> {
    let units: Vec<TemplateUnit> = (0..182)
        .map(|i| TemplateUnit {
            id: format!("{}@2020-01-01", 18000 + i),
            code: (18000 + i).to_string(),
            name: format!("Xã {i}"),
        })
        .collect();
    let indicators: Vec<TemplateIndicator> = (0..80)
        .map(|i| TemplateIndicator {
            id: format!("{}.{}", i / 4 + 1, i % 4 + 1),
            name: format!("Chỉ tiêu {i}"),
            unit: Some("%".into()),
            requirement: "≥ 80%".into(),
            kind: TemplateKind::Number {
                min: None,
                max: None,
            },
        })
        .collect();
    let mut existing = std::collections::BTreeMap::new();
    for u in &units {
        for (k, i) in indicators.iter().enumerate() {
            existing.insert((u.id.clone(), i.id.clone()), format!("{}.5", 50 + k % 50));
        }
    }
    let spec = TemplateSpec {
        year: 2021,
        set_id: "bench".into(),
        set_title: "bench".into(),
        illustrative: true,
        scope_title: "bench".into(),
        units,
        indicators,
        notes: Default::default(),
        existing,
    };
    template(&spec).expect("template")
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .expect("at least one run")
}

fn main() {
    let file = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let bytes = match &file {
        Some(path) => std::fs::read(path).expect("read the file"),
        None => generated(),
    };
    let mut cells = 0;
    let calamine_only = best_of(5, || {
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(&bytes)).expect("open");
        let names = wb.sheet_names().clone();
        cells = names
            .iter()
            .filter_map(|n| wb.worksheet_range(n).ok())
            .map(|r| r.used_cells().count())
            .sum();
    });
    let mut rows = 0;
    let ours = best_of(5, || rows = read_values(&bytes).expect("read").len());
    println!(
        "file: {} ({} KiB)",
        file.as_deref().unwrap_or("generated 182 × 80 template"),
        bytes.len() / 1024
    );
    println!(
        "calamine alone: {:.1} ms ({cells} cells)",
        calamine_only.as_secs_f64() * 1000.0
    );
    println!(
        "read_values:    {:.1} ms ({rows} values)",
        ours.as_secs_f64() * 1000.0
    );
}
