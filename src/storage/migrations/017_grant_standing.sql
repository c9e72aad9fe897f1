-- A Client's or User's standing: a number drawn when the row is created and again each time it is deactivated
-- or reactivated (the registry store's put). Grants, authorization codes, sign-in sessions and a developer's initial
-- access tokens record the standing of their Client and User when they are made, and count only while it is still
-- current: deactivating or deleting ends them all in the statement that makes the change, and reactivating (or
-- creating the id anew) brings none back, even one made by a request that raced the deactivation.
CREATE SEQUENCE auth_standing;
ALTER TABLE auth_client ADD COLUMN standing bigint NOT NULL DEFAULT nextval('auth_standing');
ALTER TABLE auth_user ADD COLUMN standing bigint NOT NULL DEFAULT nextval('auth_standing');

-- NULL never matches: a row made for a missing or inactive Client or User never counts.
ALTER TABLE auth_grant ADD COLUMN client_standing bigint, ADD COLUMN user_standing bigint;
ALTER TABLE authorization_code ADD COLUMN client_standing bigint, ADD COLUMN user_standing bigint;
ALTER TABLE auth_session ADD COLUMN user_standing bigint;
-- Only for a token issued to a developer (`User/<id>`); the root client's have none and need none.
ALTER TABLE initial_access_token ADD COLUMN user_standing bigint;

-- A grant redeemed from a code looks its code up by grant id.
CREATE INDEX authorization_code_grant_idx ON authorization_code (grant_id);

-- What exists keeps counting, unless its Client or User is inactive now.
UPDATE auth_grant g SET client_standing = c.standing FROM auth_client c
 WHERE c.id = g.client_id AND NOT COALESCE(c.content->'active' = 'false'::jsonb, false);
UPDATE auth_grant g SET user_standing = u.standing FROM auth_user u
 WHERE u.id = g.user_id AND NOT COALESCE(u.content->'active' = 'false'::jsonb, false);
UPDATE authorization_code a SET client_standing = c.standing FROM auth_client c
 WHERE c.id = a.record->'grant'->>'clientId' AND NOT COALESCE(c.content->'active' = 'false'::jsonb, false);
UPDATE authorization_code a SET user_standing = u.standing FROM auth_user u
 WHERE u.id = a.record->'grant'->>'userId' AND NOT COALESCE(u.content->'active' = 'false'::jsonb, false);
UPDATE auth_session s SET user_standing = u.standing FROM auth_user u
 WHERE u.id = s.user_id AND NOT COALESCE(u.content->'active' = 'false'::jsonb, false);
UPDATE initial_access_token t SET user_standing = u.standing FROM auth_user u
 WHERE t.issued_to = 'User/' || u.id AND NOT COALESCE(u.content->'active' = 'false'::jsonb, false);
