-- The tables of an ipdash database. Documented for analysts in docs/schema.md; a test
-- checks that every table and column here is described there.

CREATE TABLE build_info (
    build_id        VARCHAR NOT NULL,   -- unique per build: UTC time + data version
    data_version    VARCHAR NOT NULL,   -- hash of all inputs (sources, registry, patterns, codebook, code)
    built_at        TIMESTAMP NOT NULL,
    ipdash_version  VARCHAR NOT NULL,
    duckdb_version  VARCHAR NOT NULL,
    n_documents     INTEGER NOT NULL,
    n_measures      INTEGER NOT NULL,
    lineage_threshold DOUBLE NOT NULL  -- score from which a lineage candidate is a link
);

CREATE TABLE plans (
    plan_year          INTEGER PRIMARY KEY,
    period_label       VARCHAR NOT NULL,
    title              VARCHAR NOT NULL,
    issuing_body       VARCHAR,
    issue_date         DATE,
    canonical_doc_id   VARCHAR NOT NULL,
    n_renderings       INTEGER NOT NULL,
    expected_measures  INTEGER,
    n_measures         INTEGER NOT NULL,
    n_present          INTEGER NOT NULL,
    n_omitted          INTEGER NOT NULL,
    n_attributed       INTEGER NOT NULL,
    names_agencies     BOOLEAN NOT NULL,
    role_note          VARCHAR
);

CREATE TABLE documents (
    doc_id            VARCHAR PRIMARY KEY,
    plan_year         INTEGER NOT NULL,
    period_label      VARCHAR NOT NULL,
    title             VARCHAR NOT NULL,
    issuing_body      VARCHAR,
    issue_date        DATE,
    reference_date    DATE NOT NULL,
    language          VARCHAR,
    rendering         VARCHAR NOT NULL,
    rendering_note    VARCHAR,
    is_canonical      BOOLEAN NOT NULL,
    source_file       VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    n_chars           INTEGER NOT NULL,
    decoding          VARCHAR NOT NULL,
    n_measures_found  INTEGER NOT NULL,
    n_warnings        INTEGER NOT NULL,
    role_note         VARCHAR,
    preamble          VARCHAR,
    language_code     VARCHAR NOT NULL CHECK (language_code IN ('en', 'zh'))  -- manifest code, else the text's
);

-- What the parser decided about each document and what it doubts (DocumentReport).
CREATE TABLE parse_decisions (
    doc_id                 VARCHAR PRIMARY KEY,
    plan_year              INTEGER NOT NULL,
    language               VARCHAR NOT NULL,   -- of the text: zh or en
    numbering              VARCHAR NOT NULL,   -- family of numbers carrying the measures
    numbering_style        VARCHAR NOT NULL,   -- "1." "1、" "（1）" "(1)" "1)"
    numbers_run_on         BOOLEAN NOT NULL,
    measure_level          VARCHAR NOT NULL,
    heading_styles         VARCHAR,
    families_tried         VARCHAR NOT NULL,
    role_note_found        BOOLEAN NOT NULL,
    lead_basis             VARCHAR NOT NULL CHECK (lead_basis IN ('stated', 'inferred')),
    n_measures             INTEGER NOT NULL,
    stated_count           INTEGER,
    count_far              BOOLEAN NOT NULL,
    n_open_lists           INTEGER NOT NULL,
    open_list_measures     VARCHAR,
    n_unattributed         INTEGER NOT NULL,
    unattributed_measures  VARCHAR,
    n_unresolved           INTEGER NOT NULL,
    unresolved_names       VARCHAR,
    name_notes             VARCHAR,
    summary                VARCHAR NOT NULL,
    n_inferred_leads       INTEGER NOT NULL,   -- leads of plain lists of several, no role note
    doubts                 VARCHAR             -- what a reader should check, in sentences
);

CREATE TABLE sections (
    plan_year     INTEGER NOT NULL,
    doc_id        VARCHAR NOT NULL,
    level         INTEGER NOT NULL,
    level_name    VARCHAR NOT NULL,
    number        INTEGER NOT NULL,
    marker        VARCHAR NOT NULL,
    title         VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,
    unlabelled    BOOLEAN NOT NULL,
    intro         VARCHAR NOT NULL,
    start_offset  INTEGER NOT NULL,
    end_offset    INTEGER NOT NULL
);

CREATE TABLE measures (
    measure_id                VARCHAR PRIMARY KEY,
    plan_year                 INTEGER NOT NULL,
    measure_no                INTEGER NOT NULL,
    status                    VARCHAR NOT NULL CHECK (status IN ('present', 'omitted_in_source')),
    part_no                   INTEGER,
    part                      VARCHAR,
    section_no                INTEGER,
    section                   VARCHAR,
    subsection_no             INTEGER,
    subsection                VARCHAR,
    section_path              VARCHAR,
    text                      VARCHAR NOT NULL,
    attribution_raw           VARCHAR,
    attribution_phrasing      VARCHAR,
    role_convention           VARCHAR CHECK (role_convention IN ('lead_first', 'joint', 'explicit')),
    n_agencies                INTEGER NOT NULL,
    n_generic_groups          INTEGER NOT NULL,
    n_unresolved              INTEGER NOT NULL,
    doc_id                    VARCHAR NOT NULL,
    source_file               VARCHAR NOT NULL,
    start_offset              INTEGER NOT NULL,
    end_offset                INTEGER NOT NULL,
    text_start_offset         INTEGER NOT NULL,
    text_end_offset           INTEGER NOT NULL,
    attribution_start_offset  INTEGER,
    attribution_end_offset    INTEGER,
    number_label              VARCHAR,            -- the number as written: "12." "（3）" "(3)"
    number_as_written         INTEGER,            -- differs from measure_no where numbers restart
    role_basis                VARCHAR CHECK (role_basis IN ('explicit', 'stated', 'inferred')),
    open_list                 BOOLEAN NOT NULL,   -- the list ends in "and other departments" / 等部门
    open_list_ending          VARCHAR,
    UNIQUE (plan_year, measure_no)
);

CREATE TABLE measure_renderings (
    measure_id       VARCHAR NOT NULL,
    doc_id           VARCHAR NOT NULL,
    source_file      VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,
    text             VARCHAR NOT NULL,
    attribution_raw  VARCHAR,
    start_offset     INTEGER NOT NULL,
    end_offset       INTEGER NOT NULL,
    number_label     VARCHAR,
    language         VARCHAR NOT NULL,
    PRIMARY KEY (measure_id, doc_id)
);

CREATE TABLE agency_kinds (
    kind         VARCHAR PRIMARY KEY,
    label        VARCHAR NOT NULL,
    short_label  VARCHAR NOT NULL,
    colour       VARCHAR NOT NULL,
    sort_order   INTEGER NOT NULL,
    description  VARCHAR NOT NULL
);

CREATE TABLE agencies (
    agency_id     VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    short_name    VARCHAR NOT NULL,
    name_zh       VARCHAR,
    kind          VARCHAR NOT NULL,
    valid_from    DATE,
    valid_to      DATE,
    successor_id  VARCHAR,
    reform        VARCHAR,
    note          VARCHAR,
    short_name_zh VARCHAR               -- the short form the Chinese plans write (中文 labels)
);

CREATE TABLE agency_aliases (
    alias             VARCHAR NOT NULL,
    alias_normalized  VARCHAR NOT NULL,
    agency_id         VARCHAR NOT NULL,
    source            VARCHAR NOT NULL CHECK (source IN ('name', 'short_name', 'name_zh', 'short_name_zh', 'alias')),
    note              VARCHAR,
    valid_from        DATE,               -- when the plans use this form (era variants)
    valid_to          DATE
);

CREATE TABLE generic_groups (
    group_id     VARCHAR PRIMARY KEY,
    label        VARCHAR NOT NULL,
    aliases      VARCHAR NOT NULL,
    description  VARCHAR
);

CREATE TABLE attribution_mentions (
    measure_id    VARCHAR NOT NULL,
    doc_id        VARCHAR NOT NULL,
    position      INTEGER NOT NULL,
    raw_name      VARCHAR NOT NULL,
    mention_kind  VARCHAR NOT NULL CHECK (mention_kind IN ('agency', 'generic_group', 'unresolved')),
    agency_id     VARCHAR,
    group_id      VARCHAR,
    role          VARCHAR NOT NULL CHECK (role IN ('lead', 'participant', 'joint')),
    resolution    VARCHAR NOT NULL,
    note          VARCHAR,
    role_basis    VARCHAR NOT NULL CHECK (role_basis IN ('explicit', 'stated', 'inferred')),
    PRIMARY KEY (measure_id, doc_id, position)
);

CREATE TABLE measure_agencies (
    measure_id  VARCHAR NOT NULL,
    agency_id   VARCHAR NOT NULL,
    role        VARCHAR NOT NULL CHECK (role IN ('lead', 'participant', 'joint')),
    position    INTEGER NOT NULL,
    raw_name    VARCHAR NOT NULL,
    role_basis  VARCHAR NOT NULL CHECK (role_basis IN ('explicit', 'stated', 'inferred')),
    PRIMARY KEY (measure_id, agency_id)
);

CREATE TABLE rendering_disagreements (
    plan_year   INTEGER NOT NULL,
    measure_no  INTEGER NOT NULL,
    measure_id  VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    other_doc_id VARCHAR NOT NULL,
    aspect      VARCHAR NOT NULL CHECK (aspect IN ('text', 'agencies', 'roles', 'status', 'missing')),
    detail      VARCHAR NOT NULL
);

-- Where a rendering in another language (an English rendering of a Chinese original)
-- disagrees with the prevailing, canonical text.
CREATE TABLE translation_disagreements (
    plan_year     INTEGER NOT NULL,
    measure_no    INTEGER,            -- NULL for the plan-level count
    measure_id    VARCHAR,
    doc_id        VARCHAR NOT NULL,   -- the prevailing (canonical) document
    other_doc_id  VARCHAR NOT NULL,
    aspect        VARCHAR NOT NULL CHECK (aspect IN ('count', 'missing', 'status', 'agencies', 'roles')),
    detail        VARCHAR NOT NULL
);

CREATE TABLE parse_warnings (
    doc_id      VARCHAR NOT NULL,
    measure_no  INTEGER,
    kind        VARCHAR NOT NULL,
    message     VARCHAR NOT NULL,
    line        INTEGER,
    "offset"    INTEGER
);

CREATE TABLE themes (
    theme_id    VARCHAR PRIMARY KEY,
    label       VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL CHECK (kind IN ('subject', 'function')),
    precedence  INTEGER NOT NULL UNIQUE,
    colour      VARCHAR NOT NULL,
    definition  VARCHAR NOT NULL
);

CREATE TABLE theme_decision_rules (
    rule_id  VARCHAR PRIMARY KEY,
    rule     VARCHAR NOT NULL
);

CREATE TABLE theme_rules (
    theme_id     VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    pattern      VARCHAR NOT NULL,
    weight       DOUBLE NOT NULL,
    main_action  BOOLEAN NOT NULL,
    language     VARCHAR NOT NULL CHECK (language IN ('en', 'zh')),  -- of the measures it reads
    PRIMARY KEY (theme_id, name, language)
);

CREATE TABLE section_crosswalk (
    plan_year  INTEGER NOT NULL,
    section    VARCHAR NOT NULL,
    theme_id   VARCHAR NOT NULL,
    rationale  VARCHAR NOT NULL
);

CREATE TABLE measure_themes (
    measure_id     VARCHAR NOT NULL,
    theme_id       VARCHAR NOT NULL,
    rank           INTEGER NOT NULL,
    score          DOUBLE NOT NULL,
    margin         DOUBLE,
    confidence     VARCHAR CHECK (confidence IN ('high', 'medium', 'low', 'manual')),
    source         VARCHAR NOT NULL CHECK (source IN ('rules', 'manual')),
    decision       VARCHAR,
    evidence       VARCHAR NOT NULL,
    evidence_json  VARCHAR NOT NULL,
    PRIMARY KEY (measure_id, theme_id)
);

CREATE TABLE manual_theme_decisions (
    measure_id   VARCHAR PRIMARY KEY,
    theme_id     VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,
    rules_theme  VARCHAR
);

-- For every present measure and each earlier plan it is compared with, the measure of
-- that plan it continues (ipdash/corpus/lineage.py, docs/lineage.md).
CREATE TABLE measure_lineage (
    measure_id          VARCHAR NOT NULL,
    plan_year           INTEGER NOT NULL,
    earlier_plan_year   INTEGER NOT NULL,
    status              VARCHAR NOT NULL CHECK (status IN ('continued', 'new', 'not_compared')),
    earlier_measure_id  VARCHAR,
    score               DOUBLE CHECK (score BETWEEN 0 AND 1),
    closest_measure_id  VARCHAR,
    alternatives        VARCHAR,
    evidence            VARCHAR NOT NULL,
    evidence_json       VARCHAR,
    PRIMARY KEY (measure_id, earlier_plan_year),
    CHECK ((status = 'continued') = (earlier_measure_id IS NOT NULL))
);

CREATE TABLE lineage_tests (
    plan_year           INTEGER NOT NULL,
    earlier_plan_year   INTEGER NOT NULL,
    test_set            VARCHAR NOT NULL,
    decisions           INTEGER NOT NULL CHECK (decisions > 0),
    agreed              INTEGER NOT NULL CHECK (agreed BETWEEN 0 AND decisions),
    PRIMARY KEY (plan_year, earlier_plan_year)
);
