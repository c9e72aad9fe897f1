import { badRequest } from '../outcome.ts';
import type { SearchParamType } from './registry.ts';
import type { IndexTable } from './search-request.ts';

/** The index table holding a parameter type's values; composite and special have none. */
export function tableOf(type: SearchParamType): IndexTable {
  switch (type) {
    case 'token':
    case 'string':
    case 'reference':
    case 'date':
    case 'number':
    case 'quantity':
    case 'uri':
      return type;
    default:
      throw badRequest(`Parameters of type ${type} are not supported`);
  }
}
