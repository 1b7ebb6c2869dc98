-- Inlet on Snowflake, step 06: the auto-ingest pipe from EVENTS_STAGE into
-- RAW_EVENTS, owned by the pipe role. Run 00_variables.sql first in the same
-- session.
--
-- ON_ERROR = SKIP_FILE (Snowpipe's default, stated on purpose): every record
-- Inlet writes is a complete JSON object, so a parse error means a damaged or
-- foreign object; the whole object is skipped, stays in S3, and shows up in
-- COPY_HISTORY (09_monitoring.sql) to be fixed and reloaded. The dedup view
-- absorbs any record loaded twice.

USE ROLE IDENTIFIER($pipe_role);
USE SCHEMA IDENTIFIER($schema_fqn);

CREATE PIPE IF NOT EXISTS EVENTS_PIPE
    AUTO_INGEST = TRUE
    COMMENT = 'Inlet: loads Firehose objects into RAW_EVENTS'
    AS COPY INTO RAW_EVENTS (record, file_name, file_row_number, file_content_key, file_last_modified, start_scan_time)
    FROM (
        SELECT
            $1,
            METADATA$FILENAME,
            METADATA$FILE_ROW_NUMBER,
            METADATA$FILE_CONTENT_KEY,
            METADATA$FILE_LAST_MODIFIED,
            METADATA$START_SCAN_TIME
        FROM @EVENTS_STAGE
    )
    FILE_FORMAT = (FORMAT_NAME = 'INLET_NDJSON')
    ON_ERROR = SKIP_FILE;

-- notification_channel is the SQS queue ARN for the stack's SnowpipeQueueArn
-- parameter (README.md, "Deploy to AWS and Snowflake", step 6).
SHOW PIPES LIKE 'EVENTS_PIPE';
SELECT "name", "notification_channel"
FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()));
