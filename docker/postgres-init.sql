-- Temporal keeps its own databases, under its own role, beside ours.
CREATE ROLE temporal LOGIN PASSWORD 'temporal' CREATEDB;
