//! ntm-reports tests, one binary: the template round trip, the corpus of malformed
//! files, the report content snapshot, determinism, the no-panic property, and the
//! urging letter.

mod fixtures;
mod fuzz;
mod letter;
mod malformed;
mod report;
mod roundtrip;
mod tasks;
