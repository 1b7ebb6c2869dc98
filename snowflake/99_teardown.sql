-- Inlet on Snowflake, teardown: drops everything 01-08 created. Irreversible:
-- the raw tables go with the database (and its pipes, stages, file format and
-- views with it). The S3 objects are untouched; README.md ("Deploy to AWS and
-- Snowflake", "Tear it all down") covers the AWS side. Run 00_variables.sql
-- first in the same session. Every statement has IF EXISTS, so an interrupted
-- run can be resumed from the statement that failed.

USE ROLE IDENTIFIER($admin_role);

DROP DATABASE IF EXISTS IDENTIFIER($database_name);
DROP STORAGE INTEGRATION IF EXISTS IDENTIFIER($integration_name);
DROP WAREHOUSE IF EXISTS IDENTIFIER($warehouse_name);

USE ROLE ACCOUNTADMIN;
DROP ROLE IF EXISTS IDENTIFIER($reader_role);
DROP ROLE IF EXISTS IDENTIFIER($pipe_role);
DROP ROLE IF EXISTS IDENTIFIER($admin_role);
