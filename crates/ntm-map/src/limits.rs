//! Bounds on a boundary file. A commune map at page width needs a few thousand points; the
//! caps leave room for a detailed file from a GIS department while keeping a hostile or
//! mistaken upload (a whole country, a raw survey) from holding the server's memory.

/// Bytes of a boundary file. serde_json holds the whole document as a `Value`, a few
/// times its size, so this also bounds the parser's memory.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// Positions in all rings after TopoJSON arcs are expanded: a small file of arc
/// references can otherwise name the same long arc millions of times.
pub const MAX_COORDINATES: usize = 200_000;
