-- Marts: denormalised tables the app queries, materialised at build time so that every
-- page query is one scan of a small table, at any corpus size. Documented in
-- docs/schema.md; rebuilt with every database generation.

-- Every link between a measure and a body, once as named at the time and once mapped
-- to today's successor, so one query serves both views (agency_view = named | current).
CREATE TABLE measure_agency_links AS
SELECT ma.measure_id, m.plan_year, ma.agency_id, ma.role, ma.position, 'named' AS agency_view,
       ma.role_basis
FROM measure_agencies AS ma JOIN measures AS m USING (measure_id)
UNION ALL
SELECT mc.measure_id, m.plan_year, mc.agency_id, mc.role, mc.position, 'current' AS agency_view,
       mc.role_basis
FROM measure_agencies_current AS mc JOIN measures AS m USING (measure_id)
ORDER BY agency_view, plan_year, measure_id, position;

-- One row per measure with its primary theme and its agencies in words, both views.
CREATE TABLE measure_facts AS
WITH named AS (
    SELECT ma.measure_id,
           string_agg(a.short_name || ' (' || ma.role || ')', '; ' ORDER BY ma.position) AS agencies,
           max(CASE WHEN ma.role = 'lead' THEN ma.agency_id END) AS lead_agency_id
    FROM measure_agencies AS ma JOIN agencies AS a USING (agency_id)
    GROUP BY ma.measure_id
), current AS (
    SELECT mc.measure_id,
           string_agg(a.short_name || ' (' || mc.role || ')', '; ' ORDER BY mc.position) AS agencies,
           max(CASE WHEN mc.role = 'lead' THEN mc.agency_id END) AS lead_agency_id
    FROM measure_agencies_current AS mc JOIN agencies AS a USING (agency_id)
    GROUP BY mc.measure_id
), groups AS (
    SELECT am.measure_id, string_agg(g.label, '; ' ORDER BY am.position) AS generic_groups
    FROM attribution_mentions AS am
    JOIN measures AS m ON m.measure_id = am.measure_id AND m.doc_id = am.doc_id
    JOIN generic_groups AS g USING (group_id)
    GROUP BY am.measure_id
)
SELECT
    m.measure_id, m.plan_year, m.measure_no, m.status, m.section_path, m.text,
    t.theme_id, t.confidence AS theme_confidence, t.source AS theme_source,
    m.n_agencies, m.n_generic_groups,
    n.agencies AS agencies_named, n.lead_agency_id AS lead_named,
    c.agencies AS agencies_current, c.lead_agency_id AS lead_current,
    g.generic_groups,
    m.attribution_raw, m.role_convention, m.doc_id, m.source_file, m.start_offset, m.end_offset,
    -- What the text search looks in, lowered once here rather than on every search (three
    -- times faster at 100,000 measures). chr(31) cannot occur in a decoded document or a
    -- cleaned search, so no match spans the two parts.
    lower(m.text || chr(31) || coalesce(m.attribution_raw, '')) AS search_text,
    m.role_basis, m.open_list, m.number_label
FROM measures AS m
LEFT JOIN measure_themes AS t ON t.measure_id = m.measure_id AND t.rank = 1
LEFT JOIN named AS n ON n.measure_id = m.measure_id
LEFT JOIN current AS c ON c.measure_id = m.measure_id
LEFT JOIN groups AS g ON g.measure_id = m.measure_id
ORDER BY m.plan_year, m.measure_no;
