INSERT INTO customers (name) SELECT 'customer ' || g FROM generate_series(1, 1000) AS g;
