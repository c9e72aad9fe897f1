import { html, type SafeHtml } from '../html.ts';
import { fieldError, invalidAttributes } from '../portal/form-fields.ts';

/** The fields of a User's form in the console (create and edit). */
export type UserFormField = 'name' | 'email' | 'roles' | 'fhirUser';

export interface UserFormValues {
  name: string;
  email: string;
  roles: readonly string[];
  fhirUser: string;
}

/** Name, email and roles (a checkbox each: the offered ones, and any other the User holds), each with its problem. */
export function userFields(values: UserFormValues, errors: Partial<Record<UserFormField, string>>, offeredRoles: readonly string[]): SafeHtml {
  const roles = [...offeredRoles, ...values.roles.filter((r) => !offeredRoles.includes(r))];
  return html`<label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="off" value="${values.name}"${invalidAttributes('name', errors.name)}>
${fieldError('name', errors.name)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="off" required value="${values.email}"${invalidAttributes('email', errors.email, 'email-hint')}>
<p class="field-hint" id="email-hint">They sign in with it.</p>
${fieldError('email', errors.email)}
<fieldset${invalidAttributes('roles', errors.roles)}>
<legend>Roles</legend>
${roles.map((role) => html`<label class="choice" for="role-${role}"><input type="checkbox" id="role-${role}" name="roles" value="${role}"${values.roles.includes(role) ? html` checked` : ''}> <span>${role}</span></label>`)}
</fieldset>
${fieldError('roles', errors.roles)}`;
}

/** The problem count above a form that has some (role=alert), or nothing. */
export function formProblems(errors: Partial<Record<string, string>>): SafeHtml | '' {
  return Object.keys(errors).length ? html`<p class="error" role="alert">Check the fields marked below.</p>` : '';
}
