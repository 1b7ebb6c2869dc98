-- Inlet on Snowflake, step 04: the external stage over the data bucket's
-- delivery prefix (Firehose's error output lies outside it). Run
-- 00_variables.sql first in the same session.
--
-- URL takes a literal only, so the statement is assembled from the session
-- variables and run with EXECUTE IMMEDIATE, as in 02_storage_integration.sql.

USE ROLE IDENTIFIER($admin_role);
USE SCHEMA IDENTIFIER($schema_fqn);

EXECUTE IMMEDIATE $$
DECLARE
    ddl VARCHAR;
BEGIN
    SELECT 'CREATE STAGE IF NOT EXISTS EVENTS_STAGE'
        || ' URL = ''s3://' || $data_bucket || '/' || $data_prefix || ''''
        || ' STORAGE_INTEGRATION = ' || $integration_name
        || ' FILE_FORMAT = (FORMAT_NAME = ''' || $schema_fqn || '.INLET_NDJSON'')'
        || ' COMMENT = ''Inlet: objects delivered by Firehose'''
    INTO :ddl;
    EXECUTE IMMEDIATE ddl;
    RETURN ddl;
END;
$$;

GRANT USAGE ON STAGE EVENTS_STAGE TO ROLE IDENTIFIER($pipe_role);

-- A look at what is there (needs the IAM trust of README.md's deploy step 4).
LIST @EVENTS_STAGE;
