-- Sandbox seeding progress: which patient index ranges of which seed are written, so start-up
-- seeds once and `portico seed` resumes without duplicates. first_index = -1 is the shared
-- resources (organizations, practitioners ...). Each row commits with the resources it records.
CREATE TABLE seed_progress (
  tenant       text        NOT NULL DEFAULT '',
  seed         text        NOT NULL,
  first_index  integer     NOT NULL,
  last_index   integer     NOT NULL,
  resources    integer     NOT NULL,
  completed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, seed, first_index)
);
