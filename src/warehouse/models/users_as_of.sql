-- the roster as it was on date `d` (the last snapshot loaded on or before it), e.g. `FROM users_as_of(DATE '2026-11-15')`
-- materialized: macro(d)
SELECT * EXCLUDE (valid_from, valid_to) FROM users_history
WHERE valid_from <= d AND coalesce(valid_to, DATE '9999-12-31') > d
