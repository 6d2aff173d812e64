-- licence assignments as they were on date `d`, e.g. `FROM license_assignments_as_of(DATE '2026-11-15')`
-- materialized: macro(d)
SELECT * EXCLUDE (valid_from, valid_to) FROM license_assignments_history
WHERE valid_from <= d AND coalesce(valid_to, DATE '9999-12-31') > d
