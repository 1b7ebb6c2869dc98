-- Inlet on Snowflake, step 02: the storage integration that lets Snowflake
-- assume the stack's SnowflakeRole. Run 00_variables.sql first in the same
-- session; 01_roles.sql must have run.
--
-- STORAGE_AWS_ROLE_ARN, STORAGE_ALLOWED_LOCATIONS and STORAGE_AWS_EXTERNAL_ID
-- accept literals only, not session variables, so the statement is assembled
-- from the variables and run with EXECUTE IMMEDIATE inside an anonymous block.
-- (scripts/check_deploy_kit.py renders it with the values in 00_variables.sql
-- and parses the resulting CREATE STORAGE INTEGRATION.)
--
-- STORAGE_AWS_EXTERNAL_ID is explicit so that the IAM role can trust it from
-- the first deploy, and so that re-creating the integration keeps it.
-- IF NOT EXISTS: re-running leaves an existing integration (and the trust
-- that depends on it) alone; change one with ALTER STORAGE INTEGRATION.

USE ROLE IDENTIFIER($admin_role);

EXECUTE IMMEDIATE $$
DECLARE
    ddl VARCHAR;
BEGIN
    SELECT 'CREATE STORAGE INTEGRATION IF NOT EXISTS ' || $integration_name
        || ' TYPE = EXTERNAL_STAGE'
        || ' STORAGE_PROVIDER = ''S3'''
        || ' ENABLED = TRUE'
        || ' STORAGE_AWS_ROLE_ARN = ''' || $aws_role_arn || ''''
        || ' STORAGE_ALLOWED_LOCATIONS = (''s3://' || $data_bucket || '/' || $data_prefix
        || ''', ''s3://' || $error_bucket || '/' || $error_prefix || ''')'
        || ' STORAGE_AWS_EXTERNAL_ID = ''' || $aws_external_id || ''''
        || ' COMMENT = ''Inlet: reads the data and error buckets'''
    INTO :ddl;
    EXECUTE IMMEDIATE ddl;
    RETURN ddl;
END;
$$;

-- Copy STORAGE_AWS_IAM_USER_ARN (and check STORAGE_AWS_EXTERNAL_ID) into the
-- stack's SnowflakeUserArn and SnowflakeExternalId parameters: README.md, "Deploy to AWS and Snowflake", step 4.
DESC INTEGRATION IDENTIFIER($integration_name);
SELECT "property", "property_value"
FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))
WHERE "property" IN ('STORAGE_AWS_IAM_USER_ARN', 'STORAGE_AWS_EXTERNAL_ID', 'STORAGE_AWS_ROLE_ARN', 'STORAGE_ALLOWED_LOCATIONS');
