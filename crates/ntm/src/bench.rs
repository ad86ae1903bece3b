//! `ntm bench-data …`: the synthetic country of the benchmarks (`docs/benchmarks.md`) —
//! its unit files, its values year by year, the approval of what was loaded — and the
//! in-process evaluation benchmark, which prints its figures beside its reference.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use ntm_app::AuditContext;
use ntm_app::bench_data::{self, Shape};
use ntm_app::evaluate::{Basis, Workspace};
use ntm_store::Store;

/// Writes the unit files of `shape` under `out`.
pub fn units(shape: &Shape, out: &Path) -> anyhow::Result<()> {
    let (files, count) = bench_data::units(shape).map_err(|m| anyhow::anyhow!(m))?;
    for f in &files {
        let path = out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("không tạo được {}", dir.display()))?;
        }
        std::fs::write(&path, &f.contents)
            .with_context(|| format!("không ghi được {}", path.display()))?;
    }
    outln!(
        "Đã ghi {} tệp vào {}: {} tỉnh, {} huyện, {} xã trước sắp xếp, {} xã sau sắp xếp (hạt giống {}).",
        files.len(),
        out.display(),
        count.provinces,
        count.districts,
        count.communes_before,
        count.communes_after,
        shape.seed
    );
    Ok(())
}

/// Writes the values of `year` for every xã the database holds to `out`.
pub async fn values(store: &dyn Store, year: i32, seed: u64, out: &Path) -> anyhow::Result<()> {
    let ws = Workspace::load(store, Some(0), Basis::Current).await?;
    let (csv, rows) = bench_data::values(&ws, year, seed).map_err(|m| anyhow::anyhow!(m))?;
    std::fs::write(out, csv).with_context(|| format!("không ghi được {}", out.display()))?;
    outln!("Đã ghi {rows} giá trị năm {year} vào {}.", out.display());
    Ok(())
}

/// Writes the filled import template of `year` for `province` (or the country) to `out`.
pub async fn template(
    store: &dyn Store,
    year: i32,
    seed: u64,
    province: Option<&str>,
    out: &Path,
) -> anyhow::Result<()> {
    let ws = Workspace::load(store, Some(0), Basis::Current).await?;
    let (bytes, units) =
        bench_data::template(&ws, year, seed, province).map_err(|m| anyhow::anyhow!(m))?;
    std::fs::write(out, bytes).with_context(|| format!("không ghi được {}", out.display()))?;
    outln!(
        "Đã ghi mẫu nhập liệu năm {year} của {units} xã vào {}.",
        out.display()
    );
    Ok(())
}

/// Reads every cell of `file` with calamine and prints how many there were.
pub fn read_xlsx(file: &Path) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(file).with_context(|| format!("không đọc được {}", file.display()))?;
    let cells = bench_data::count_cells(&bytes).map_err(|m| anyhow::anyhow!(m))?;
    outln!("{cells} ô");
    Ok(())
}

/// Approves every unit-year of `year` that has values and is not approved.
pub async fn approve(store: &dyn Store, year: i32, audit: &AuditContext) -> anyhow::Result<()> {
    let n = bench_data::approve_year(store, year, audit).await?;
    outln!("Đã duyệt {n} đơn vị-năm của năm {year}.");
    Ok(())
}

/// Benchmark 1: every commune of the database evaluated for `year` from the store, against
/// reading the same values into memory (reference A). Medians of `runs`.
pub async fn evaluate(store: &dyn Store, year: i32, runs: usize) -> anyhow::Result<()> {
    let mut read = Vec::new();
    let mut whole = Vec::new();
    let mut communes = 0;
    let mut values = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let map = ntm_app::values::load(store, Some(year), Basis::Approved).await?;
        read.push(t.elapsed().as_secs_f64());
        values = map.values().map(|m| m.len()).sum();
        drop(map);
        let t = Instant::now();
        let ws = Workspace::load(store, Some(year), Basis::Approved).await?;
        let outcomes = ws.commune_outcomes(year, None)?;
        communes = outcomes.len();
        whole.push(t.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (a, b) = (median(&mut read), median(&mut whole));
    outln!("bench evaluate: year {year}, {communes} communes evaluated, {values} approved values");
    outln!("  reference A (read the values into memory): {a:.3} s");
    outln!("  load and evaluate every commune:           {b:.3} s");
    outln!("  ratio to A: {:.2} (target ≤ 2)", b / a);
    Ok(())
}
