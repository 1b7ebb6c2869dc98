-- Inlet on Snowflake, step 00: every name and AWS value the other scripts use,
-- set once as session variables. Edit the values here, and only here.
--
-- Run this file first, in the same session as the script(s) you run after it:
--   snowsql -c inlet -f snowflake/00_variables.sql -f snowflake/01_roles.sql ...
-- (or paste it at the top of a Snowsight worksheet).
--
-- Account-level names (roles, warehouse, database, schema, integration) are
-- used through IDENTIFIER($variable). The objects inside the schema have fixed
-- names (INLET_NDJSON, EVENTS_STAGE, RAW_EVENTS, EVENTS_PIPE, ERRORS_STAGE,
-- RAW_ERRORS, ERRORS_PIPE, EVENTS_TYPED, EVENTS_DEDUP, INGEST_ERRORS): pipe and
-- view definitions are stored text, evaluated later without this session, so
-- they cannot refer to session variables. Every script does
-- USE SCHEMA IDENTIFIER($schema_fqn) first, so those names resolve there.

-- Roles: the admin owns the database, integration, stages, tables and views;
-- the pipe role owns the pipes; the reader may query the views.
SET admin_role = 'INLET_ADMIN';
SET pipe_role = 'INLET_PIPE';
SET reader_role = 'INLET_READER';
-- The user running these scripts gets the admin and pipe roles.
SET deploy_user = CURRENT_USER();

SET warehouse_name = 'INLET_WH';
SET database_name = 'INLET';
SET schema_name = 'EVENTS';
SET schema_fqn = $database_name || '.' || $schema_name;
SET integration_name = 'INLET_S3';

-- From the CloudFormation stack's outputs (README.md, "Deploy to AWS and Snowflake", step 2):
--   SnowflakeRoleArn, DataBucketName, DataKeyPrefix, ErrorBucketName, ErrorKeyPrefix.
SET aws_role_arn = 'arn:aws:iam::123456789012:role/inlet-SnowflakeRole-EXAMPLE';
SET data_bucket = 'inlet-databucket-example';
SET data_prefix = 'events/';
SET error_bucket = 'inlet-errorbucket-example';
SET error_prefix = 'errors/';
-- STORAGE_AWS_EXTERNAL_ID: a value you choose (for example `uuidgen`). The same
-- value is the stack's SnowflakeExternalId parameter, so the role can trust it
-- before the integration exists.
SET aws_external_id = 'inlet-external-id-CHANGE-ME';
