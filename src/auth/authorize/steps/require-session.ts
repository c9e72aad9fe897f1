import { promptsOf, withoutPrompts } from '../authorize-request.ts';
import type { AuthorizeStep } from '../authorize-step.ts';

/** The prompts that ask for the sign-in page even with a session (OIDC Core §3.1.2.1). */
const SIGN_IN_PROMPTS = ['login', 'select_account'];

/**
 * Only a signed-in user can authorize: otherwise the sign-in page, which comes back here. `prompt=login` (and
 * `select_account`: the sign-in page is where another account is chosen) shows the sign-in page even to a
 * signed-in user, and comes back without that prompt, so the new sign-in is not asked for again. A signed-in
 * browser could drop the prompt from the URL itself; the app sees `auth_time` in the id_token either way.
 */
export const requireSession: AuthorizeStep = {
  name: 'require-session',
  run(input) {
    const prompts = promptsOf(input.params);
    if (SIGN_IN_PROMPTS.some((prompt) => prompts.has(prompt))) return { outcome: { kind: 'sign-in', params: withoutPrompts(input.params, SIGN_IN_PROMPTS) } };
    return input.session ? { add: { session: input.session } } : { outcome: { kind: 'sign-in' } };
  },
};
