-- A case template may carry the strike points its violation type's range allows (issue 10).
ALTER TABLE case_templates
    ADD COLUMN strike_points SMALLINT CHECK (strike_points BETWEEN 0 AND 100);
