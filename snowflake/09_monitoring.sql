-- Inlet on Snowflake, step 09: is it loading? Run any time, after
-- 00_variables.sql in the same session.

USE ROLE IDENTIFIER($admin_role);
USE WAREHOUSE IDENTIFIER($warehouse_name);
USE SCHEMA IDENTIFIER($schema_fqn);

-- Pipe state: executionState should be RUNNING; pendingFileCount near 0;
-- notificationChannelName is the SQS queue the buckets must notify.
SELECT
    pipe,
    status:executionState::string AS execution_state,
    status:pendingFileCount::number AS pending_files,
    status:lastIngestedTimestamp::string AS last_ingested,
    status:notificationChannelName::string AS notification_channel,
    status
FROM (
    SELECT 'EVENTS_PIPE' AS pipe, PARSE_JSON(SYSTEM$PIPE_STATUS('EVENTS_PIPE')) AS status
    UNION ALL
    SELECT 'ERRORS_PIPE', PARSE_JSON(SYSTEM$PIPE_STATUS('ERRORS_PIPE'))
);

-- Every object Snowpipe loaded (or skipped) in the last 24 hours. A skipped
-- object (ON_ERROR = SKIP_FILE) has STATUS 'Load failed' and its first error.
SELECT file_name, status, row_count, row_parsed, error_count,
       first_error_message, first_error_line_number, last_load_time, pipe_name
FROM TABLE(INFORMATION_SCHEMA.COPY_HISTORY(
    TABLE_NAME => 'RAW_EVENTS',
    START_TIME => DATEADD(HOUR, -24, CURRENT_TIMESTAMP())))
ORDER BY last_load_time DESC;

SELECT file_name, status, row_count, error_count, first_error_message, last_load_time
FROM TABLE(INFORMATION_SCHEMA.COPY_HISTORY(
    TABLE_NAME => 'RAW_ERRORS',
    START_TIME => DATEADD(HOUR, -24, CURRENT_TIMESTAMP())))
ORDER BY last_load_time DESC;

-- Errors Snowpipe met while loading, per file and line. Note: Snowflake
-- documents that VALIDATE_PIPE_LOAD returns a user error for pipes whose COPY
-- transforms data, which includes ours (it selects the METADATA$ columns);
-- when it does, COPY_HISTORY's first_error_* columns above are the source.
SELECT *
FROM TABLE(INFORMATION_SCHEMA.VALIDATE_PIPE_LOAD(
    PIPE_NAME => 'EVENTS_PIPE',
    START_TIME => DATEADD(HOUR, -24, CURRENT_TIMESTAMP())));

-- Freshness: records per hour, and seconds from API receipt to Snowpipe scan.
SELECT
    DATE_TRUNC('HOUR', start_scan_time) AS hour,
    COUNT(*) AS records,
    MEDIAN(DATEDIFF('SECOND', received_at, start_scan_time)) AS median_latency_s,
    MAX(DATEDIFF('SECOND', received_at, start_scan_time)) AS max_latency_s
FROM EVENTS_TYPED
WHERE start_scan_time > DATEADD(DAY, -1, CURRENT_TIMESTAMP())
GROUP BY 1
ORDER BY 1 DESC;

-- Errors per code in the last day.
SELECT error, COUNT(*) AS envelopes
FROM INGEST_ERRORS
WHERE start_scan_time > DATEADD(DAY, -1, CURRENT_TIMESTAMP())
GROUP BY 1
ORDER BY 2 DESC;

-- Recovery (run by hand, as the pipe role):
--   ALTER PIPE EVENTS_PIPE REFRESH;   -- queue objects of the last 7 days that
--                                     -- were never notified (e.g. before step 7)
