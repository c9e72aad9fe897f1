-- A bulk export job reads one tenant's resources (the tenant column of the resource tables); jobs made before
-- tenants read the default tenant's ('').
ALTER TABLE bulk_export_job ADD COLUMN tenant text NOT NULL DEFAULT '';
