//! ntm-reports tests, one binary: the template round trip, the corpus of malformed
//! files, the report content snapshot, determinism, and the no-panic property.

mod fixtures;
mod fuzz;
mod malformed;
mod report;
mod roundtrip;
