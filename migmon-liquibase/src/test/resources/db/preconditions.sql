--liquibase formatted sql

--changeset alice:1
CREATE TABLE items (id INT PRIMARY KEY);

--changeset alice:marked
--preconditions onFail:MARK_RAN
--precondition-sql-check expectedResult:1 SELECT count(*) FROM items
INSERT INTO items VALUES (100);

--changeset alice:later
--preconditions onFail:CONTINUE
--precondition-sql-check expectedResult:1 SELECT count(*) FROM items
INSERT INTO items VALUES (200);

--changeset alice:2
INSERT INTO items VALUES (1);
