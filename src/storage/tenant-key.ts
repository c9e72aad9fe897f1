import { DEFAULT_TENANT } from '../endpoints.ts';

/**
 * The tenant column of the resource tables for a tenant id: the default tenant keeps the '' every row had before
 * tenants existed, so a database made then serves the same data at the same URLs.
 */
export function storageTenant(tenantId: string): string {
  return tenantId === DEFAULT_TENANT ? '' : tenantId;
}

/** The tenant id a tenant column value stands for (storageTenant's inverse). */
export function tenantOfStorage(key: string): string {
  return key === '' ? DEFAULT_TENANT : key;
}
