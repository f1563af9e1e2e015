INSERT INTO no_such_table (name) VALUES ('boom');
