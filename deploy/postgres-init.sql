-- One database per owner: each service owns its data (ARCHITECTURE.md, rule 2).
CREATE DATABASE vehicles;
CREATE DATABASE facilities;
CREATE DATABASE reception;
CREATE DATABASE energy;
CREATE DATABASE integrations;
CREATE DATABASE directory;
CREATE DATABASE notifications;
CREATE DATABASE gateway;
