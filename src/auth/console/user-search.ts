import type { ListPage } from '../registry/registry-repository.ts';
import type { User } from '../users/user.ts';

/** What the console's list of Users is filtered by; every filter is optional. */
export interface UserQuery {
  /** Contained (case-insensitively) in the email, the name or the id. */
  text?: string;
  /** Holds this role. */
  role?: string;
  /** Active (true) or deactivated (false). */
  active?: boolean;
  /** Only this tenant's Users (a tenant's console); absent: every tenant's. */
  tenant?: string;
  count: number;
  offset: number;
}

/** The storage port (src/storage/auth/user-search-store.ts): Users without their password hash, by email then id. */
export interface UserSearch {
  search(query: UserQuery): Promise<ListPage<User>>;
}
