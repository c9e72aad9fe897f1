import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { fieldError, invalidAttributes } from '../portal/form-fields.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { formProblems, userFields, type UserFormField, type UserFormValues } from './user-form-fields.ts';
import { USER_PATHS } from './user-paths.ts';

export interface UserNewPageModel {
  frame: ConsoleFrame;
  values: UserFormValues;
  errors: Partial<Record<UserFormField, string>>;
  roles: readonly string[];
}

/**
 * A new User: name, email, roles and (optionally) the FHIR resource they are. No password: saving gives a one-time
 * link with which the person chooses their own.
 */
export function renderUserNewPage(model: UserNewPageModel): string {
  const { frame, values, errors } = model;
  return consoleLayout(
    'Add a user',
    html`<h1>Add a user</h1>
<p>Saving gives you a one-time link to hand to the person: with it they choose their password, then sign in. You never see or send a password.</p>
${formProblems(errors)}
<form method="post" action="${pagePath(frame.site, USER_PATHS.create)}" novalidate>
<input type="hidden" name="csrf_token" value="${frame.csrfToken}">
${userFields(values, errors, model.roles)}
<label for="fhirUser">FHIR resource they are (optional)</label>
<input id="fhirUser" name="fhirUser" type="text" value="${values.fhirUser}"${invalidAttributes('fhirUser', errors.fhirUser, 'fhirUser-hint')}>
<p class="field-hint" id="fhirUser-hint">For example Patient/123 or Practitioner/456. You can also search for it on the user's page once saved.</p>
${fieldError('fhirUser', errors.fhirUser)}
<button type="submit" class="primary">Add and get the invitation link</button>
<a class="button-link" href="${pagePath(frame.site, USER_PATHS.list)}">Cancel</a>
</form>`,
    frame,
  );
}
