-- The postgres image creates the `prefect` database (POSTGRES_DB); rdwatch's is a second one.
CREATE DATABASE rdwatch;
