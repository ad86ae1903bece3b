//! Storage traits, records and errors; no driver.
