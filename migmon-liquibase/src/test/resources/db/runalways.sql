--liquibase formatted sql

--changeset alice:1
CREATE TABLE events (id INT PRIMARY KEY, n INT NOT NULL);

--changeset alice:count runAlways:true
INSERT INTO events (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = events.n + 1;

--changeset alice:seed runAlways:true
INSERT INTO events (id, n) VALUES (2, 0);
