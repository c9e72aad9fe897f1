/**
 * The tenant column of the resource tables for a tenant id: the default tenant keeps the '' every row had before
 * tenants existed, so a database made then serves the same data at the same URLs.
 */
export function storageTenant(tenantId: string): string {
  return tenantId === 'default' ? '' : tenantId;
}
