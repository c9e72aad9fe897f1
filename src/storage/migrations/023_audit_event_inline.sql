-- An AuditEvent row is about 2.5 kB (the event's jsonb, its search columns and hashes): just over the 2 kB at which
-- PostgreSQL compresses a row's largest values before storing it, on every insert. The trail writes a row per request
-- and reads few of them; rows up to a page's size stay as they are (measured: about a quarter less time per batched
-- insert of BALP read events).
ALTER TABLE audit_event SET (toast_tuple_target = 8160);
