-- Data checks, declared next to the data. `python -m ipdash check` runs each query; a
-- query returns one row per problem with a `detail` column. Severity `error` makes
-- check exit non-zero; `warning` is reported only.
-- Each check starts with: -- check: <name> | <severity> | <what it guarantees>

-- check: measure_counts | error | every plan has the number of measures it numbers (official count where known)
SELECT plan_year, 'plan ' || plan_year || ' has ' || n_measures || ' measures, expected '
    || expected_measures AS detail
FROM plans
WHERE expected_measures IS NOT NULL AND n_measures <> expected_measures;

-- check: numbering_contiguous | error | measures of a plan are numbered 1..N with no gap or repeat
SELECT plan_year, 'plan ' || plan_year || ': ' || count(*) || ' measures numbered '
    || min(measure_no) || '..' || max(measure_no) AS detail
FROM measures
GROUP BY plan_year
HAVING min(measure_no) <> 1 OR max(measure_no) <> count(*) OR count(DISTINCT measure_no) <> count(*);

-- check: unique_measure_ids | error | measure_id is unique
SELECT measure_id, measure_id || ' appears ' || count(*) || ' times' AS detail
FROM measures GROUP BY measure_id HAVING count(*) > 1;

-- check: unique_agency_links | error | each body is linked to a measure once per view (the queries count links as measures)
SELECT measure_id, measure_id || ': ' || agency_id || ' linked ' || count(*)
    || ' times in the ' || agency_view || ' view' AS detail
FROM measure_agency_links GROUP BY measure_id, agency_id, agency_view HAVING count(*) > 1;

-- check: present_measures_have_text | error | every present measure has its text; omitted ones have none
SELECT measure_id, measure_id || ' (' || status || ') has '
    || CASE WHEN text = '' THEN 'no text' ELSE 'text' END AS detail
FROM measures
WHERE (status = 'present' AND text = '') OR (status = 'omitted_in_source' AND text <> '');

-- check: offsets_in_order | error | every measure points at a non-empty span of its source
SELECT measure_id, measure_id || ': offsets ' || start_offset || '..' || end_offset AS detail
FROM measures
WHERE NOT (start_offset < end_offset AND text_start_offset <= text_end_offset
           AND start_offset <= text_start_offset AND text_end_offset <= end_offset);

-- check: unresolved_names | error | every name in an attribution resolves to a registered body or a generic group
SELECT measure_id, measure_id || ': ' || raw_name || ' (' || coalesce(note, '') || ')' AS detail
FROM attribution_mentions
WHERE mention_kind = 'unresolved';

-- check: agencies_registered | error | every body linked to a measure is in the registry with a known kind
SELECT ma.measure_id, ma.measure_id || ': ' || ma.agency_id || ' is not a registered body with a kind' AS detail
FROM measure_agencies AS ma
LEFT JOIN agencies AS a ON a.agency_id = ma.agency_id
LEFT JOIN agency_kinds AS k ON k.kind = a.kind
WHERE k.kind IS NULL;

-- check: one_lead | error | a measure has at most one lead, and lead-first lists have exactly one
-- (An attribution that names its leads in words, "X、Y牵头，Z参与", role_convention
-- 'explicit', may have several leads and must have at least one.)
SELECT m.measure_id, m.measure_id || ': ' || count(*) FILTER (WHERE am.role = 'lead')
    || ' leads in a ' || m.role_convention || ' list' AS detail
FROM measures AS m
JOIN attribution_mentions AS am ON am.measure_id = m.measure_id AND am.doc_id = m.doc_id
GROUP BY m.measure_id, m.role_convention
HAVING (m.role_convention <> 'explicit' AND count(*) FILTER (WHERE am.role = 'lead') > 1)
    OR (m.role_convention = 'lead_first' AND count(*) FILTER (WHERE am.role = 'lead') <> 1)
    OR (m.role_convention = 'explicit' AND count(*) FILTER (WHERE am.role = 'lead') = 0);

-- check: joint_has_no_lead | error | a list the text marks as shared ("division of responsibilities") names no lead
SELECT m.measure_id, m.measure_id || ': joint list with a lead' AS detail
FROM measures AS m
JOIN attribution_mentions AS am ON am.measure_id = m.measure_id AND am.doc_id = m.doc_id
WHERE m.role_convention = 'joint' AND am.role = 'lead' AND m.n_agencies + m.n_generic_groups > 1;

-- check: successors_dated | error | every successor link is dated and points at a registered body
SELECT a.agency_id, a.agency_id || ' -> ' || a.successor_id || ' (valid_to '
    || coalesce(CAST(a.valid_to AS VARCHAR), 'missing') || ')' AS detail
FROM agencies AS a
LEFT JOIN agencies AS s ON s.agency_id = a.successor_id
WHERE a.successor_id IS NOT NULL AND (a.valid_to IS NULL OR s.agency_id IS NULL);

-- check: successor_chains_end | error | every successor chain ends in a current body (no loops)
SELECT a.agency_id, a.agency_id || ' has no current successor' AS detail
FROM agencies AS a
LEFT JOIN agency_successors AS s ON s.agency_id = a.agency_id
WHERE s.agency_id IS NULL;

-- check: renderings_agree_on_agencies | error | renderings of one plan name the same bodies in the same roles
SELECT measure_id, measure_id || ' (' || doc_id || ' vs ' || other_doc_id || ', ' || aspect || '): '
    || detail AS detail
FROM rendering_disagreements
WHERE aspect <> 'text';

-- check: renderings_agree_on_text | warning | renderings of one plan have the same words
SELECT measure_id, measure_id || ' (' || doc_id || ' vs ' || other_doc_id || '): ' || detail AS detail
FROM rendering_disagreements
WHERE aspect = 'text';

-- check: translations_agree | warning | a rendering in another language numbers the same measures and names the same bodies in the same roles as the text that prevails
SELECT coalesce(measure_id, doc_id), coalesce(measure_id, CAST(plan_year AS VARCHAR)) || ' (' || doc_id || ' vs ' || other_doc_id || ', ' || aspect || '): ' || detail AS detail
FROM translation_disagreements;

-- check: measures_without_agencies | warning | in plans that name bodies, every present measure names at least one
SELECT m.measure_id, m.measure_id || ' names no responsible body' AS detail
FROM measures AS m
JOIN plans AS p ON p.plan_year = m.plan_year
WHERE p.names_agencies AND m.status = 'present' AND m.n_agencies + m.n_generic_groups = 0;

-- check: stated_counts | warning | where a document states how many measures it has, the parser finds about as many
SELECT doc_id, doc_id || ': ' || n_measures || ' measures found, the text states ' || stated_count AS detail
FROM parse_decisions
WHERE count_far;

-- check: open_lists | info | attributions that leave their list open ("… and other departments", 等部门)
SELECT doc_id, doc_id || ': measures ' || open_list_measures AS detail
FROM parse_decisions
WHERE n_open_lists > 0;

-- check: parse_warnings | warning | the parser met nothing it could not place
SELECT doc_id, doc_id || coalesce(' line ' || line, '') || ': ' || message AS detail
FROM parse_warnings
WHERE kind <> 'doubled_parenthesis';

-- check: lineage_links | error | a measure continues a present measure of the earlier plan its row names
SELECT l.measure_id, l.measure_id || ' -> ' || l.earlier_measure_id || ' is not a present measure of the '
    || l.earlier_plan_year || ' plan' AS detail
FROM measure_lineage AS l
LEFT JOIN measures AS m
    ON m.measure_id = l.earlier_measure_id AND m.plan_year = l.earlier_plan_year AND m.status = 'present'
WHERE l.status = 'continued' AND m.measure_id IS NULL;

-- check: lineage_rows | error | lineage rows are for present measures and earlier plans only
SELECT l.measure_id, l.measure_id || ' compared with ' || l.earlier_plan_year || ' ('
    || coalesce(m.status, 'no such measure') || ')' AS detail
FROM measure_lineage AS l
LEFT JOIN measures AS m ON m.measure_id = l.measure_id
WHERE m.status IS DISTINCT FROM 'present' OR l.earlier_plan_year >= m.plan_year;

-- check: one_primary_theme | error | every present measure has exactly one primary theme; omitted ones have none
SELECT m.measure_id, m.measure_id || ' (' || m.status || ') has ' || count(t.theme_id) || ' primary themes' AS detail
FROM measures AS m
LEFT JOIN measure_themes AS t ON t.measure_id = m.measure_id AND t.rank = 1
GROUP BY m.measure_id, m.status
HAVING (m.status = 'present' AND count(t.theme_id) <> 1) OR (m.status <> 'present' AND count(t.theme_id) > 0);

-- check: themes_in_codebook | error | every theme given to a measure or section is in the codebook
SELECT x.theme_id, 'theme ' || x.theme_id || ' is not in the codebook' AS detail
FROM (SELECT theme_id FROM measure_themes UNION SELECT theme_id FROM section_crosswalk) AS x
LEFT JOIN themes AS t ON t.theme_id = x.theme_id
WHERE t.theme_id IS NULL;

-- check: manual_share | error | manual theme decisions stay at or below 5% of present measures
SELECT 'manual', count(*) || ' manual decisions = ' || round(100.0 * count(*) / (SELECT count(*) FROM measures WHERE status = 'present'), 1) || '% of measures (limit 5%)' AS detail
FROM manual_theme_decisions
HAVING count(*) > 0.05 * (SELECT count(*) FROM measures WHERE status = 'present');

-- check: manual_decisions | info | manual theme decisions (a separate, visible table; each with a reason)
SELECT 'manual', count(*) || ' of ' || (SELECT count(*) FROM measures WHERE status = 'present')
    || ' present measures have a manual theme decision' AS detail
FROM manual_theme_decisions;

-- check: theme_confidence | info | how sure the classifier is (score margin between the top two themes)
SELECT confidence, count(*) || ' measures with ' || confidence || ' confidence' AS detail
FROM measure_themes WHERE rank = 1 GROUP BY confidence ORDER BY min(CASE confidence WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END);
