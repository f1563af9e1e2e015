--liquibase formatted sql

--changeset migmon:1
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100));

--changeset migmon:2
INSERT INTO customers VALUES (1, 'ada');
