import type { AuthorizeStep } from '../authorize-step.ts';

/** Only a signed-in user can authorize: otherwise the sign-in page, which comes back here. */
export const requireSession: AuthorizeStep = {
  name: 'require-session',
  run(input) {
    return input.session ? { add: { session: input.session } } : { outcome: { kind: 'sign-in' } };
  },
};
