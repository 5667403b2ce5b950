"""Refuse TRUNCATE of evaluations and of guideline content (PostgreSQL).

The row triggers of 0002 fire on UPDATE and DELETE, never on TRUNCATE, which empties a table in one
statement. Statement-level BEFORE TRUNCATE triggers close that gap:

* guidance_evaluation: always refused (evaluations are append-only);
* guidance_guidelinerelease, guidance_parameter, guidance_rule: refused while a published or retired
  release exists (drafts may be thrown away).

A session that sets `oligoboard.allow_guidance_truncate = on` is let through. Only the test settings
set it, so that the test runner can flush its throwaway database between transactional tests;
production never does.
"""

from django.db import migrations

from guidance.migrations._postgresql import RunSQLOnPostgreSQL

GUARDS = r"""
CREATE OR REPLACE FUNCTION guidance_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('oligoboard.allow_guidance_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'guidance_evaluation' THEN
        RAISE EXCEPTION 'evaluations are append-only (TRUNCATE refused)' USING ERRCODE = 'restrict_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM guidance_guidelinerelease WHERE status <> 'draft') THEN
        RAISE EXCEPTION '% holds published or retired guideline releases (TRUNCATE refused)', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER guidance_evaluation_no_truncate BEFORE TRUNCATE ON guidance_evaluation
    FOR EACH STATEMENT EXECUTE FUNCTION guidance_refuse_truncate();
CREATE TRIGGER guidance_release_no_truncate BEFORE TRUNCATE ON guidance_guidelinerelease
    FOR EACH STATEMENT EXECUTE FUNCTION guidance_refuse_truncate();
CREATE TRIGGER guidance_parameter_no_truncate BEFORE TRUNCATE ON guidance_parameter
    FOR EACH STATEMENT EXECUTE FUNCTION guidance_refuse_truncate();
CREATE TRIGGER guidance_rule_no_truncate BEFORE TRUNCATE ON guidance_rule
    FOR EACH STATEMENT EXECUTE FUNCTION guidance_refuse_truncate();
"""

REMOVE_GUARDS = r"""
DROP TRIGGER IF EXISTS guidance_rule_no_truncate ON guidance_rule;
DROP TRIGGER IF EXISTS guidance_parameter_no_truncate ON guidance_parameter;
DROP TRIGGER IF EXISTS guidance_release_no_truncate ON guidance_guidelinerelease;
DROP TRIGGER IF EXISTS guidance_evaluation_no_truncate ON guidance_evaluation;
DROP FUNCTION IF EXISTS guidance_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("guidance", "0004_install_release_2026_1")]

    operations = [RunSQLOnPostgreSQL(GUARDS, REMOVE_GUARDS)]
