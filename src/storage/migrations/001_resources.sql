-- Resources: the current version of each, with every version kept in resource_version.
-- tenant '' is the default tenant; every query filters on it.
CREATE TABLE resource (
  tenant        text        NOT NULL DEFAULT '',
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version_id    integer     NOT NULL,
  last_updated  timestamptz NOT NULL,
  deleted       boolean     NOT NULL DEFAULT false,
  content       jsonb       NOT NULL,
  PRIMARY KEY (tenant, resource_type, id)
);
CREATE INDEX resource_type_updated ON resource (tenant, resource_type, last_updated);
CREATE INDEX resource_updated ON resource (tenant, last_updated);

CREATE TABLE resource_version (
  seq           bigserial   NOT NULL UNIQUE,
  tenant        text        NOT NULL DEFAULT '',
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version_id    integer     NOT NULL,
  last_updated  timestamptz NOT NULL,
  deleted       boolean     NOT NULL DEFAULT false,
  -- The HTTP verb of the interaction that produced this version (Bundle.entry.request.method in history).
  method        text        NOT NULL,
  content       jsonb       NOT NULL,
  PRIMARY KEY (tenant, resource_type, id, version_id)
);
CREATE INDEX resource_version_updated ON resource_version (tenant, last_updated, seq);
CREATE INDEX resource_version_type_updated ON resource_version (tenant, resource_type, last_updated, seq);

-- Search index, one table per SearchParameter type, rows for the current version of live resources only.
-- Written in the same transaction as the resource; replaced whole on every write.
CREATE TABLE search_token (
  tenant text NOT NULL, resource_type text NOT NULL, id text NOT NULL, param text NOT NULL,
  system text, code text, display text
);
CREATE INDEX search_token_code ON search_token (tenant, resource_type, param, code, system);
CREATE INDEX search_token_owner ON search_token (tenant, resource_type, id);

CREATE TABLE search_string (
  tenant text NOT NULL, resource_type text NOT NULL, id text NOT NULL, param text NOT NULL,
  value text NOT NULL,        -- normalised: lower case, accents removed, white space folded
  raw text NOT NULL           -- as written, for :exact
);
CREATE INDEX search_string_value ON search_string (tenant, resource_type, param, value text_pattern_ops);
CREATE INDEX search_string_owner ON search_string (tenant, resource_type, id);

CREATE TABLE search_reference (
  tenant text NOT NULL, resource_type text NOT NULL, id text NOT NULL, param text NOT NULL,
  target_type text, target_id text, target_url text
);
CREATE INDEX search_reference_target ON search_reference (tenant, target_type, target_id, param);
CREATE INDEX search_reference_param ON search_reference (tenant, resource_type, param, target_id);
CREATE INDEX search_reference_owner ON search_reference (tenant, resource_type, id);

CREATE TABLE search_date (
  tenant text NOT NULL, resource_type text NOT NULL, id text NOT NULL, param text NOT NULL,
  low timestamptz, high timestamptz   -- the instant range the value covers; null = unbounded
);
CREATE INDEX search_date_range ON search_date (tenant, resource_type, param, low, high);
CREATE INDEX search_date_owner ON search_date (tenant, resource_type, id);

CREATE TABLE search_number (
  tenant text NOT NULL, resource_type text NOT NULL, id text NOT NULL, param text NOT NULL,
  value numeric NOT NULL, low numeric NOT NULL, high numeric NOT NULL  -- range implied by precision
);
CREATE INDEX search_number_value ON search_number (tenant, resource_type, param, value);
CREATE INDEX search_number_owner ON search_number (tenant, resource_type, id);

CREATE TABLE search_quantity (
  tenant text NOT NULL, resource_type text NOT NULL, id text NOT NULL, param text NOT NULL,
  value numeric NOT NULL, low numeric NOT NULL, high numeric NOT NULL, system text, code text, unit text
);
CREATE INDEX search_quantity_value ON search_quantity (tenant, resource_type, param, value);
CREATE INDEX search_quantity_owner ON search_quantity (tenant, resource_type, id);

CREATE TABLE search_uri (
  tenant text NOT NULL, resource_type text NOT NULL, id text NOT NULL, param text NOT NULL,
  value text NOT NULL
);
CREATE INDEX search_uri_value ON search_uri (tenant, resource_type, param, value text_pattern_ops);
CREATE INDEX search_uri_owner ON search_uri (tenant, resource_type, id);
