-- Inlet on Snowflake, step 03: the file format of both buckets' objects.
-- Firehose writes gzip objects holding one JSON object per line (NDJSON); the
-- function's error envelopes are uncompressed NDJSON. COMPRESSION = AUTO
-- handles both. STRIP_OUTER_ARRAY = FALSE: each line is one record, never an
-- array to unwrap. Run 00_variables.sql first in the same session.

USE ROLE IDENTIFIER($admin_role);
USE SCHEMA IDENTIFIER($schema_fqn);

CREATE FILE FORMAT IF NOT EXISTS INLET_NDJSON
    TYPE = JSON
    STRIP_OUTER_ARRAY = FALSE
    COMPRESSION = AUTO
    COMMENT = 'Inlet: NDJSON records and error envelopes, gzip or plain';

GRANT USAGE ON FILE FORMAT INLET_NDJSON TO ROLE IDENTIFIER($pipe_role);
