INSERT INTO orders (id, amount) SELECT g, g % 100 + 0.5 FROM generate_series(1, 2000) g;
