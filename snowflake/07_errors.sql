-- Inlet on Snowflake, step 07: the error envelopes the function writes to the
-- error bucket (invalid events, and valid events Firehose did not take), with
-- their own stage, raw table and auto-ingest pipe. Run 00_variables.sql first
-- in the same session.

USE ROLE IDENTIFIER($admin_role);
USE SCHEMA IDENTIFIER($schema_fqn);

-- URL takes a literal only: assembled from the session variables as in 04_stage.sql.
EXECUTE IMMEDIATE $$
DECLARE
    ddl VARCHAR;
BEGIN
    SELECT 'CREATE STAGE IF NOT EXISTS ERRORS_STAGE'
        || ' URL = ''s3://' || $error_bucket || '/' || $error_prefix || ''''
        || ' STORAGE_INTEGRATION = ' || $integration_name
        || ' FILE_FORMAT = (FORMAT_NAME = ''' || $schema_fqn || '.INLET_NDJSON'')'
        || ' COMMENT = ''Inlet: error envelopes written by the function'''
    INTO :ddl;
    EXECUTE IMMEDIATE ddl;
    RETURN ddl;
END;
$$;

-- Same columns as RAW_EVENTS; record holds one error envelope.
CREATE TABLE IF NOT EXISTS RAW_ERRORS (
    record VARIANT NOT NULL COMMENT 'one error envelope',
    file_name VARCHAR COMMENT 'METADATA$FILENAME',
    file_row_number NUMBER(38, 0) COMMENT 'METADATA$FILE_ROW_NUMBER',
    file_content_key VARCHAR COMMENT 'METADATA$FILE_CONTENT_KEY',
    file_last_modified TIMESTAMP_NTZ COMMENT 'METADATA$FILE_LAST_MODIFIED',
    start_scan_time TIMESTAMP_LTZ COMMENT 'METADATA$START_SCAN_TIME'
)
COMMENT = 'Inlet: error envelopes loaded by ERRORS_PIPE';

GRANT USAGE ON STAGE ERRORS_STAGE TO ROLE IDENTIFIER($pipe_role);
GRANT SELECT, INSERT ON TABLE RAW_ERRORS TO ROLE IDENTIFIER($pipe_role);

USE ROLE IDENTIFIER($pipe_role);

-- ON_ERROR = SKIP_FILE for the same reason as EVENTS_PIPE (06_pipe.sql).
CREATE PIPE IF NOT EXISTS ERRORS_PIPE
    AUTO_INGEST = TRUE
    COMMENT = 'Inlet: loads error envelopes into RAW_ERRORS'
    AS COPY INTO RAW_ERRORS (record, file_name, file_row_number, file_content_key, file_last_modified, start_scan_time)
    FROM (
        SELECT
            $1,
            METADATA$FILENAME,
            METADATA$FILE_ROW_NUMBER,
            METADATA$FILE_CONTENT_KEY,
            METADATA$FILE_LAST_MODIFIED,
            METADATA$START_SCAN_TIME
        FROM @ERRORS_STAGE
    )
    FILE_FORMAT = (FORMAT_NAME = 'INLET_NDJSON')
    ON_ERROR = SKIP_FILE;

-- notification_channel is the SQS queue ARN for the stack's
-- ErrorSnowpipeQueueArn parameter (usually the same queue as EVENTS_PIPE's).
SHOW PIPES LIKE 'ERRORS_PIPE';
SELECT "name", "notification_channel"
FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()));
