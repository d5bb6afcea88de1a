-- Views over the tables: the successor line of every body, and measures' agencies
-- mapped to today's successors. Documented in docs/schema.md.

-- Every agency with the body that carries its work today (the end of its successor
-- chain) and the chain itself, e.g. "SARFT → SAPPRFT → NRTA".
CREATE VIEW agency_successors AS
WITH RECURSIVE walk(agency_id, current_id, steps, lineage) AS (
    SELECT agency_id, agency_id, 0, short_name FROM agencies
    UNION ALL
    SELECT w.agency_id, a.successor_id, w.steps + 1, w.lineage || ' → ' || s.short_name
    FROM walk AS w
    JOIN agencies AS a ON a.agency_id = w.current_id
    JOIN agencies AS s ON s.agency_id = a.successor_id
    WHERE w.steps < 20
)
SELECT
    w.agency_id,
    w.current_id AS successor_id,
    s.name AS successor_name,
    s.short_name AS successor_short_name,
    s.kind AS successor_kind,
    w.steps,
    w.lineage,
    s.short_name_zh AS successor_short_name_zh
FROM walk AS w
JOIN agencies AS s ON s.agency_id = w.current_id
WHERE s.successor_id IS NULL;

-- measure_agencies with each body replaced by its current successor. Two predecessors
-- of one successor on the same measure (SAIC and AQSIQ -> SAMR) become one row with
-- the strongest of their roles (lead > joint > participant).
CREATE VIEW measure_agencies_current AS
SELECT
    ma.measure_id,
    s.successor_id AS agency_id,
    CASE min(CASE ma.role WHEN 'lead' THEN 1 WHEN 'joint' THEN 2 ELSE 3 END)
        WHEN 1 THEN 'lead' WHEN 2 THEN 'joint' ELSE 'participant' END AS role,
    min(ma.position) AS position,
    string_agg(ma.raw_name, '; ' ORDER BY ma.position) AS raw_name,
    string_agg(ma.agency_id, '; ' ORDER BY ma.position) AS named_agency_ids,
    arg_min(ma.role_basis, (CASE ma.role WHEN 'lead' THEN 1 WHEN 'joint' THEN 2 ELSE 3 END, ma.position)) AS role_basis
FROM measure_agencies AS ma
JOIN agency_successors AS s ON s.agency_id = ma.agency_id
GROUP BY ma.measure_id, s.successor_id;
