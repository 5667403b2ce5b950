"""Database-level guards (PostgreSQL): published releases and evaluations cannot be changed.

The Python models refuse the same changes (which covers SQLite); these triggers also stop raw SQL,
bulk updates and other programs connected to the database.
"""

from django.db import migrations

GUARDS = r"""
CREATE OR REPLACE FUNCTION guidance_refuse_non_draft_content() RETURNS trigger AS $$
DECLARE
    release_status text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status INTO release_status FROM guidance_guidelinerelease WHERE id = OLD.release_id;
        IF release_status IS DISTINCT FROM 'draft' THEN
            RAISE EXCEPTION 'guideline release % is %: its parameters and rules cannot be changed',
                OLD.release_id, coalesce(release_status, 'missing') USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT status INTO release_status FROM guidance_guidelinerelease WHERE id = NEW.release_id;
        IF release_status IS DISTINCT FROM 'draft' THEN
            RAISE EXCEPTION 'guideline release % is %: parameters and rules cannot be added',
                NEW.release_id, coalesce(release_status, 'missing') USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER guidance_parameter_draft_only
    BEFORE INSERT OR UPDATE OR DELETE ON guidance_parameter
    FOR EACH ROW EXECUTE FUNCTION guidance_refuse_non_draft_content();
CREATE TRIGGER guidance_rule_draft_only
    BEFORE INSERT OR UPDATE OR DELETE ON guidance_rule
    FOR EACH ROW EXECUTE FUNCTION guidance_refuse_non_draft_content();

CREATE OR REPLACE FUNCTION guidance_guard_release() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'guideline release % is %: it cannot be deleted', OLD.id, OLD.status
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' THEN
        IF (NEW.public_id, NEW.disease, NEW.version, NEW.effective_on, NEW.change_note, NEW.cloned_from_id,
            NEW.created_at, NEW.created_by_id, NEW.published_at, NEW.published_by_id)
           IS DISTINCT FROM
           (OLD.public_id, OLD.disease, OLD.version, OLD.effective_on, OLD.change_note, OLD.cloned_from_id,
            OLD.created_at, OLD.created_by_id, OLD.published_at, OLD.published_by_id) THEN
            RAISE EXCEPTION 'guideline release % is %: it cannot be edited', OLD.id, OLD.status
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF NOT (NEW.status = OLD.status OR (OLD.status = 'published' AND NEW.status = 'retired')) THEN
            RAISE EXCEPTION 'guideline release % cannot go from % to %', OLD.id, OLD.status, NEW.status
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF OLD.status = 'retired' AND NEW.retired_at IS DISTINCT FROM OLD.retired_at THEN
            RAISE EXCEPTION 'guideline release % is retired: it cannot be edited', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER guidance_release_frozen_once_published
    BEFORE UPDATE OR DELETE ON guidance_guidelinerelease
    FOR EACH ROW EXECUTE FUNCTION guidance_guard_release();

CREATE OR REPLACE FUNCTION guidance_refuse_evaluation_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'evaluations are append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER guidance_evaluation_append_only
    BEFORE UPDATE OR DELETE ON guidance_evaluation
    FOR EACH ROW EXECUTE FUNCTION guidance_refuse_evaluation_change();
"""

REMOVE_GUARDS = r"""
DROP TRIGGER IF EXISTS guidance_evaluation_append_only ON guidance_evaluation;
DROP FUNCTION IF EXISTS guidance_refuse_evaluation_change();
DROP TRIGGER IF EXISTS guidance_release_frozen_once_published ON guidance_guidelinerelease;
DROP FUNCTION IF EXISTS guidance_guard_release();
DROP TRIGGER IF EXISTS guidance_rule_draft_only ON guidance_rule;
DROP TRIGGER IF EXISTS guidance_parameter_draft_only ON guidance_parameter;
DROP FUNCTION IF EXISTS guidance_refuse_non_draft_content();
"""


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases (SQLite relies on the Python-level guards)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial")]

    operations = [RunSQLOnPostgreSQL(GUARDS, REMOVE_GUARDS)]
