//! ntm's file formats (criteria TOML, unit and value CSV) and the reference data it ships.
