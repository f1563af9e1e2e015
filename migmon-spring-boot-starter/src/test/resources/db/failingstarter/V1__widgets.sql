create table widgets (id int primary key);
