//! Bounds on what a workbook may make the server do, checked before any parser sees it.
//!
//! An .xlsx is a zip archive: a 1 MB upload can inflate to gigabytes (a "zip bomb"), and a
//! sheet can claim a million rows or a cell of megabytes. The archive is therefore walked
//! once, each entry decompressed into nothing through a counter that stops at the limit —
//! the sizes an archive declares are not trusted — and refused with a Vietnamese message
//! before calamine builds anything. Rows, columns and cell lengths are bounded while the
//! cells are read ([`MAX_ROWS`], [`MAX_COLUMNS`], [`MAX_CELL_CHARS`]).

use std::io::{Cursor, Read};

/// What a file that is not a readable .xlsx is told.
pub(crate) const NOT_XLSX: &str = "tệp không phải là bảng tính Excel .xlsx";

/// Entries in the archive: a workbook of a few sheets has a few dozen.
pub const MAX_ENTRIES: usize = 500;
/// Decompressed bytes of one entry (a sheet's XML): a province's template of 200
/// communes × 150 indicators is about 3 MB; a country's of 10,000 communes about 60 MB.
pub const MAX_ENTRY_BYTES: u64 = 96 * 1024 * 1024;
/// Decompressed bytes of the whole archive.
pub const MAX_TOTAL_BYTES: u64 = 160 * 1024 * 1024;
/// Rows of a sheet (the country's communes, with room for headers and notes).
pub const MAX_ROWS: u32 = 20_000;
/// Columns of a sheet (the template has one per indicator: about 150).
pub const MAX_COLUMNS: u32 = 1_000;
/// Characters of one cell (a note longer than this is not a note).
pub const MAX_CELL_CHARS: usize = 4_000;

/// Walks the archive and refuses it if it holds too many entries, or if an entry or the
/// whole inflates beyond the limits. Reads at most [`MAX_TOTAL_BYTES`] + one buffer.
pub fn check_archive(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| NOT_XLSX.to_owned())?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!(
            "tệp có {} phần bên trong, quá {MAX_ENTRIES} phần của một bảng tính bình thường; \
             hãy mở bằng Excel và lưu lại",
            archive.len()
        ));
    }
    let mut total: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| NOT_XLSX.to_owned())?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let mut inflated: u64 = 0;
        loop {
            let n = entry.read(&mut buffer).map_err(|_| NOT_XLSX.to_owned())?;
            if n == 0 {
                break;
            }
            inflated += n as u64;
            total += n as u64;
            if inflated > MAX_ENTRY_BYTES {
                return Err(too_big(&format!("phần “{name}” của tệp"), MAX_ENTRY_BYTES));
            }
            if total > MAX_TOTAL_BYTES {
                return Err(too_big("tệp", MAX_TOTAL_BYTES));
            }
        }
    }
    Ok(())
}

fn too_big(what: &str, limit: u64) -> String {
    format!(
        "{what} giải nén ra quá {} MB, không phải một bảng tính số liệu bình thường; \
         hãy chia nhỏ tệp hoặc mở bằng Excel và lưu lại",
        limit / 1024 / 1024
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn an_entry_that_inflates_past_its_limit_is_refused() {
        let bomb = vec![b'a'; (MAX_ENTRY_BYTES + 1) as usize];
        let bytes = archive(&[("xl/worksheets/sheet1.xml", &bomb)]);
        assert!(
            bytes.len() < 1024 * 1024,
            "compresses well: {}",
            bytes.len()
        );
        let e = check_archive(&bytes).unwrap_err();
        assert!(e.contains("sheet1.xml") && e.contains("96 MB"), "{e}");
    }

    #[test]
    fn the_whole_archive_is_bounded_too() {
        let part = vec![b'a'; (MAX_ENTRY_BYTES - 1) as usize];
        let bytes = archive(&[("a.xml", &part), ("b.xml", &part)]);
        let e = check_archive(&bytes).unwrap_err();
        assert!(e.contains("160 MB"), "{e}");
    }

    #[test]
    fn too_many_entries_and_non_archives_are_refused() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("x{i}.xml")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let e = check_archive(&archive(&entries)).unwrap_err();
        assert!(e.contains("501 phần"), "{e}");
        assert!(check_archive(b"PK\x03\x04 not really").is_err());
        assert!(check_archive(&archive(&[("a.xml", b"<a/>")])).is_ok());
    }
}
