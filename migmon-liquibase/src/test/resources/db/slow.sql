--liquibase formatted sql

--changeset alice:slow
SELECT pg_sleep(0.3);
