-- Message actions (issue 10): PURGE (/mod purge) and DELETE_MESSAGE (Remove Message).
--
-- The action list is widened from whatever it is now rather than restated, so this migration
-- and others that widen the same constraint can be applied in either order without dropping
-- each other's actions.
DO $$
DECLARE
    current_values TEXT[];
BEGIN
    SELECT array_agg(m[1])
      INTO current_values
      FROM pg_constraint c,
           regexp_matches(pg_get_constraintdef(c.oid), '''([A-Z_]+)''', 'g') AS m
     WHERE c.conrelid = 'mod_cases'::regclass AND c.conname = 'mod_cases_action_check';
    ALTER TABLE mod_cases DROP CONSTRAINT mod_cases_action_check;
    EXECUTE format(
        'ALTER TABLE mod_cases ADD CONSTRAINT mod_cases_action_check CHECK (action = ANY (%L::text[]))',
        (SELECT array_agg(DISTINCT v ORDER BY v)
           FROM unnest(current_values || ARRAY['PURGE', 'DELETE_MESSAGE']) AS v));
END
$$;

-- What an action acted on besides its user: a purge's channel, filter and counts; a removed
-- message's channel and id (reconciliation reads it to settle an interrupted removal).
ALTER TABLE mod_cases ADD COLUMN data JSONB;
