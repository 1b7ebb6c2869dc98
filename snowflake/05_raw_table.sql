-- Inlet on Snowflake, step 05: the raw table Snowpipe loads. One row per
-- record: the record itself as VARIANT, and the staged file's metadata
-- columns. snowflake/raw_columns.txt lists the same columns and types for the
-- local SQLite warehouse; scripts/check_deploy_kit.py compares the two.
-- No load-time DEFAULT CURRENT_TIMESTAMP() column: Snowflake advises against
-- current-time functions in Snowpipe loads; start_scan_time is the load time.
-- Run 00_variables.sql first in the same session.

USE ROLE IDENTIFIER($admin_role);
USE SCHEMA IDENTIFIER($schema_fqn);

CREATE TABLE IF NOT EXISTS RAW_EVENTS (
    record VARIANT NOT NULL COMMENT 'the sender''s object plus _ingest',
    file_name VARCHAR COMMENT 'METADATA$FILENAME: the object key under the stage',
    file_row_number NUMBER(38, 0) COMMENT 'METADATA$FILE_ROW_NUMBER: line within the object',
    file_content_key VARCHAR COMMENT 'METADATA$FILE_CONTENT_KEY: checksum of the object',
    file_last_modified TIMESTAMP_NTZ COMMENT 'METADATA$FILE_LAST_MODIFIED: object last-modified time',
    start_scan_time TIMESTAMP_LTZ COMMENT 'METADATA$START_SCAN_TIME: when Snowpipe read the record'
)
COMMENT = 'Inlet: records loaded by EVENTS_PIPE';

GRANT SELECT, INSERT ON TABLE RAW_EVENTS TO ROLE IDENTIFIER($pipe_role);
