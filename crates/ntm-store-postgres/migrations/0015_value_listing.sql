-- A year's values listed in the order of unit and indicator (a page of /api/v1/values, a
-- year loaded for the pages) read straight off an index instead of sorting the year: at
-- national scale a country-year is 630,000 rows and each page sorted them all. The
-- listing orders text in byte order (COLLATE "C"), so the index does too. It replaces the
-- index on the year alone, which it covers.
CREATE INDEX indicator_values_listing ON indicator_values (year, unit_id COLLATE "C", indicator_id COLLATE "C");
DROP INDEX indicator_values_year;
CREATE INDEX approved_values_listing ON approved_values (year, unit_id COLLATE "C", indicator_id COLLATE "C");
