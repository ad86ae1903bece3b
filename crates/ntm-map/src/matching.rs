//! Which feature of a boundary file draws which unit, and what is left over either way,
//! so that the office can see at once a file of the old communes, a mistyped code or a
//! missing commune before the map is published.

use std::collections::HashMap;

use crate::code;
use crate::geometry::Boundaries;
use crate::render::Area;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matching {
    /// `(unit code, index into Boundaries::features)`, in the order of the units; a code
    /// the file holds twice (an island drawn as its own feature) is matched to both.
    pub matched: Vec<(String, usize)>,
    /// In the order of the file.
    pub features_without_unit: Vec<UnmatchedFeature>,
    /// `(code, name)` of the units no feature draws, in the order given.
    pub units_without_feature: Vec<(String, String)>,
    /// Codes held by more than one feature, with those features' indices.
    pub duplicates: Vec<(String, Vec<usize>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnmatchedFeature {
    /// Index into `Boundaries::features`.
    pub index: usize,
    /// Its position in the file, counted from 1.
    pub number: usize,
    pub code: Option<String>,
    pub name: Option<String>,
}

impl UnmatchedFeature {
    /// The code for a list shown to a person.
    pub fn code_or_placeholder(&self) -> &str {
        self.code.as_deref().unwrap_or("(không có mã)")
    }
}

/// Matches the file's features to `units` (`(code, name)`) on the code, leading zeros of
/// digit codes aside (a file may store 436 for the unit 00436).
pub fn match_units(b: &Boundaries, units: &[(String, String)]) -> Matching {
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, f) in b.features.iter().enumerate() {
        if let Some(c) = &f.code {
            by_key.entry(code::key(c)).or_default().push(i);
        }
    }
    let mut m = Matching::default();
    let mut used = vec![false; b.features.len()];
    let mut seen_units = std::collections::HashSet::new();
    for (c, name) in units {
        let k = code::key(c);
        if !seen_units.insert(k.clone()) {
            continue;
        }
        match by_key.get(&k) {
            Some(idx) => {
                for &i in idx {
                    used[i] = true;
                    m.matched.push((c.clone(), i));
                }
            }
            None => m.units_without_feature.push((c.clone(), name.clone())),
        }
    }
    for (i, f) in b.features.iter().enumerate() {
        if !used[i] {
            m.features_without_unit.push(UnmatchedFeature {
                index: i,
                number: f.number,
                code: f.code.clone(),
                name: f.name.clone(),
            });
        }
    }
    // In the file's order, so the report reads as the file does.
    let mut dups: Vec<(String, Vec<usize>)> = by_key
        .into_values()
        .filter(|idx| idx.len() > 1)
        .map(|idx| (b.features[idx[0]].code.clone().unwrap_or_default(), idx))
        .collect();
    dups.sort_by_key(|(_, idx)| idx[0]);
    m.duplicates = dups;
    m
}

/// The matched features as the areas a map draws, each under its unit's code.
pub fn areas(b: &Boundaries, m: &Matching) -> Vec<Area> {
    m.matched
        .iter()
        .filter_map(|(code, i)| {
            let f = b.features.get(*i)?;
            Some(Area {
                code: code.clone(),
                name: f.name.clone(),
                polygons: f.polygons.clone(),
            })
        })
        .collect()
}
