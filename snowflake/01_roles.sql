-- Inlet on Snowflake, step 01: roles, their hierarchy, the warehouse, the
-- database and schema, and the grants that do not depend on later objects.
-- Needs ACCOUNTADMIN (CREATE ROLE, GRANT ... ON ACCOUNT). Run 00_variables.sql
-- first in the same session.

USE ROLE ACCOUNTADMIN;

CREATE ROLE IF NOT EXISTS IDENTIFIER($admin_role)
    COMMENT = 'Inlet: owns the integration, database, stages, tables and views';
CREATE ROLE IF NOT EXISTS IDENTIFIER($pipe_role)
    COMMENT = 'Inlet: owns the Snowpipe pipes';
CREATE ROLE IF NOT EXISTS IDENTIFIER($reader_role)
    COMMENT = 'Inlet: queries the typed, deduplicated and error views';

-- Hierarchy: reader and pipe roles roll up to the admin role, which rolls up
-- to SYSADMIN as Snowflake recommends for custom roles.
GRANT ROLE IDENTIFIER($pipe_role) TO ROLE IDENTIFIER($admin_role);
GRANT ROLE IDENTIFIER($reader_role) TO ROLE IDENTIFIER($admin_role);
GRANT ROLE IDENTIFIER($admin_role) TO ROLE SYSADMIN;
GRANT ROLE IDENTIFIER($admin_role) TO USER IDENTIFIER($deploy_user);
GRANT ROLE IDENTIFIER($pipe_role) TO USER IDENTIFIER($deploy_user);

-- Account-level privileges the admin role needs for steps 01 and 02.
GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE IDENTIFIER($admin_role);
GRANT CREATE DATABASE ON ACCOUNT TO ROLE IDENTIFIER($admin_role);
GRANT CREATE WAREHOUSE ON ACCOUNT TO ROLE IDENTIFIER($admin_role);

USE ROLE IDENTIFIER($admin_role);

-- Snowpipe loads with serverless compute; the warehouse is for queries only.
CREATE WAREHOUSE IF NOT EXISTS IDENTIFIER($warehouse_name)
    WAREHOUSE_SIZE = XSMALL
    AUTO_SUSPEND = 60
    AUTO_RESUME = TRUE
    INITIALLY_SUSPENDED = TRUE
    COMMENT = 'Inlet: queries over the events views';
CREATE DATABASE IF NOT EXISTS IDENTIFIER($database_name)
    COMMENT = 'Inlet: events loaded by Snowpipe';
CREATE SCHEMA IF NOT EXISTS IDENTIFIER($schema_fqn)
    COMMENT = 'Inlet: raw tables, stages, pipes and views';

GRANT USAGE ON WAREHOUSE IDENTIFIER($warehouse_name) TO ROLE IDENTIFIER($reader_role);
GRANT USAGE ON DATABASE IDENTIFIER($database_name) TO ROLE IDENTIFIER($pipe_role);
GRANT USAGE ON DATABASE IDENTIFIER($database_name) TO ROLE IDENTIFIER($reader_role);
GRANT USAGE ON SCHEMA IDENTIFIER($schema_fqn) TO ROLE IDENTIFIER($pipe_role);
GRANT USAGE ON SCHEMA IDENTIFIER($schema_fqn) TO ROLE IDENTIFIER($reader_role);
GRANT CREATE PIPE ON SCHEMA IDENTIFIER($schema_fqn) TO ROLE IDENTIFIER($pipe_role);
