--liquibase formatted sql

--changeset alice:1
CREATE TABLE customers (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);

--changeset alice:2 failOnError:false
INSERT INTO no_such_table (name) VALUES ('tolerated');

--changeset bob:add-email
ALTER TABLE customers ADD COLUMN email TEXT;
