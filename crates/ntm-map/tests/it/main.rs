//! The crate through its public API: the shipped centroid file, boundary files (GeoJSON
//! and the same map in TopoJSON), hostile files, matching, simplification and the SVG as
//! an XML parser reads it.

mod boundaries;
mod fixtures;
mod hostile;
mod matching;
mod points;
mod projection;
mod render;
mod simplify;
mod xml;
