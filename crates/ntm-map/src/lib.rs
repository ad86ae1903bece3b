//! Maps of a province's units, drawn on the server as one self-contained SVG: no tiles, no
//! script, no font or request to the web, so a page stays light on an old laptop, works
//! offline and prints on A4 as it shows on screen.
//!
//! Two sources of shapes: the centroid points shipped with ntm (`points_from_csv`), or the
//! office's own boundary file (`read_boundaries`: GeoJSON or TopoJSON), matched to unit
//! codes (`match_units`) and simplified so that a page carries a bounded number of points
//! (`simplify_to`). `render_svg` draws either, with its legend, note and attribution
//! inside the picture so that a printed or saved map explains itself.
//!
//! Architecture invariant: pure. No I/O, no clock, no environment, no randomness; bytes
//! and text in, a `String` out. The same input gives the same bytes.

mod boundaries;
mod code;
mod csv;
mod error;
mod geometry;
mod limits;
mod matching;
mod projection;
mod render;
mod simplify;

pub use boundaries::read_boundaries;
pub use code::{CODE_PROPERTIES, NAME_PROPERTIES};
pub use csv::points_from_csv;
pub use error::{BoundaryProblem, MapError, PointsProblem};
pub use geometry::{
    BBox, Boundaries, Feature, LonLat, Point, Polygon, Ring, SkipReason, Skipped, Source,
};
pub use limits::{MAX_BYTES, MAX_COORDINATES};
pub use matching::{Matching, UnmatchedFeature, areas, match_units};
pub use projection::Projection;
pub use render::{
    Area, Colour, Fill, LEVEL_COLOURS, LEVEL_LABELS, Layer, LegendEntry, MapSpec, NO_DATA_LABEL,
    OPEN_ADMIN_DATA_ATTRIBUTION, UnitStyle, WIDTH, render_svg,
};
pub use simplify::{Simplified, simplify, simplify_to};
