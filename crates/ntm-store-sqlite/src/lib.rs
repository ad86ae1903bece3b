//! The SQLite implementation of the ntm store (the embedded default).
