--liquibase formatted sql

--changeset alice:1
CREATE TABLE guarded (id INT);

--changeset alice:guarded
--preconditions onFail:HALT
--precondition-sql-check expectedResult:1 SELECT count(*) FROM guarded
INSERT INTO guarded VALUES (1);
