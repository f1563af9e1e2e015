--liquibase formatted sql

--changeset alice:1
CREATE TABLE r1 (id INT);
--rollback DROP TABLE r1;

--changeset alice:2
CREATE TABLE r2 (id INT);
--rollback DROP TABLE no_such_table_r2;

--changeset alice:3
CREATE TABLE r3 (id INT);
--rollback DROP TABLE r3;
