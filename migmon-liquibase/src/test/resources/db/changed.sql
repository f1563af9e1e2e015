--liquibase formatted sql

--changeset alice:1
CREATE TABLE customers (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);

--changeset alice:2
-- edited after it was applied: Liquibase's validation refuses the update (checksum mismatch)
INSERT INTO customers (name) SELECT 'client ' || g FROM generate_series(1, 1000) AS g;

--changeset bob:add-email
ALTER TABLE customers ADD COLUMN email TEXT;
