-- Bulk Data export jobs (FHIR Bulk Data Access 2.0.0, src/fhir/bulk). Any server process sharing the
-- database may run a job: workers claim rows with FOR UPDATE SKIP LOCKED and hold a lease they renew;
-- a job whose lease ran out (its worker crashed) is claimed again and restarted from the beginning.
CREATE TABLE bulk_export_job (
  id               text        PRIMARY KEY,
  client_id        text        NOT NULL,
  -- queued | running | completed | failed
  status           text        NOT NULL,
  -- The parsed kick-off (level, types, _since, filters ...) and the kick-off URL (manifest `request`).
  request          jsonb       NOT NULL,
  -- What the requester's token could reach when it asked (the worker applies the same constraints).
  access           jsonb       NOT NULL,
  transaction_time timestamptz NOT NULL,
  created_at       timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  lease_owner      text,
  lease_expires_at timestamptz,
  attempts         integer     NOT NULL DEFAULT 0,
  progress         text,
  completed_at     timestamptz
);
CREATE INDEX bulk_export_job_claim ON bulk_export_job (status, created_at);
CREATE INDEX bulk_export_job_client ON bulk_export_job (client_id, status);
CREATE INDEX bulk_export_job_expires ON bulk_export_job (expires_at);

-- The job's files: NDJSON outputs (one resource type each), deletions and error files.
CREATE TABLE bulk_export_file (
  job_id        text    NOT NULL REFERENCES bulk_export_job (id) ON DELETE CASCADE,
  file_no       integer NOT NULL,
  -- output | deleted | error
  kind          text    NOT NULL,
  resource_type text    NOT NULL,
  count         integer NOT NULL,
  PRIMARY KEY (job_id, file_no)
);

-- File content as NDJSON chunks (whole lines each), read back in order.
CREATE TABLE bulk_export_chunk (
  job_id   text    NOT NULL,
  file_no  integer NOT NULL,
  chunk_no integer NOT NULL,
  content  text    NOT NULL,
  PRIMARY KEY (job_id, file_no, chunk_no),
  FOREIGN KEY (job_id, file_no) REFERENCES bulk_export_file (job_id, file_no) ON DELETE CASCADE
);
