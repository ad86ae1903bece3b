//! One behaviour suite run against every store backend.
