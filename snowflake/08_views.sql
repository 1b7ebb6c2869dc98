-- Inlet on Snowflake, step 08: the views people query. Run 00_variables.sql
-- first in the same session.
--   EVENTS_TYPED  every loaded record, with the default contract's fields and
--                 the _ingest fields as typed columns
--   EVENTS_DEDUP  one row per _ingest.event_id, the newest load winning
--                 (a retried request or a reloaded object repeats event ids)
--   INGEST_ERRORS the error envelopes, typed

USE ROLE IDENTIFIER($admin_role);
USE SCHEMA IDENTIFIER($schema_fqn);

CREATE OR REPLACE VIEW EVENTS_TYPED
    COPY GRANTS
    COMMENT = 'Inlet: loaded records with typed contract and _ingest fields'
AS
SELECT
    record:Id::string AS id,
    record:Name::string AS name,
    record:Age::string AS age,
    record:Sex::string AS sex,
    record:_ingest.event_id::string AS event_id,
    TRY_TO_TIMESTAMP_TZ(record:_ingest.received_at::string) AS received_at,
    record:_ingest.request_id::string AS request_id,
    record:_ingest.source_ip::string AS source_ip,
    record:_ingest.user_agent::string AS user_agent,
    record:_ingest.contract::string AS contract,
    record,
    file_name,
    file_row_number,
    file_last_modified,
    start_scan_time
FROM RAW_EVENTS;

CREATE OR REPLACE VIEW EVENTS_DEDUP
    COPY GRANTS
    COMMENT = 'Inlet: one row per event_id, newest load wins'
AS
SELECT *
FROM EVENTS_TYPED
QUALIFY ROW_NUMBER() OVER (
    PARTITION BY event_id
    ORDER BY file_last_modified DESC, file_row_number DESC
) = 1;

CREATE OR REPLACE VIEW INGEST_ERRORS
    COPY GRANTS
    COMMENT = 'Inlet: error envelopes (invalid events, undelivered records)'
AS
SELECT
    record:error::string AS error,
    record:event_index::number AS event_index,
    record:reasons AS reasons,
    TRY_TO_TIMESTAMP_TZ(record:received_at::string) AS received_at,
    record:request_id::string AS request_id,
    record:source_ip::string AS source_ip,
    record:user_agent::string AS user_agent,
    record:contract::string AS contract,
    record:raw_event::string AS raw_event,
    record:raw_event_base64::string AS raw_event_base64,
    file_name,
    file_row_number,
    start_scan_time
FROM RAW_ERRORS;

GRANT SELECT ON VIEW EVENTS_TYPED TO ROLE IDENTIFIER($reader_role);
GRANT SELECT ON VIEW EVENTS_DEDUP TO ROLE IDENTIFIER($reader_role);
GRANT SELECT ON VIEW INGEST_ERRORS TO ROLE IDENTIFIER($reader_role);
