import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeScope } from '../../src/auth/scopes/scope-description.ts';
import { safeReturnTo } from '../../src/auth/sessions/return-to.ts';
import { consentScopes } from '../../src/http/ui/scope-lines.ts';
import { renderConsentPage } from '../../src/ui/consent-page.ts';
import { renderEncounterPickerPage } from '../../src/ui/encounter-picker-page.ts';
import { renderPatientPickerPage } from '../../src/ui/patient-picker-page.ts';
import { html } from '../../src/ui/html.ts';
import { renderLoginPage } from '../../src/ui/login-page.ts';

const LAB = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

describe('html template tag', () => {
  it('escapes every interpolated value, nests templates, skips empty values', () => {
    const hostile = `<img src=x onerror="alert('1')">&\``;
    const out = html`<p title="${hostile}">${hostile}${html`<b>${'<i>'}</b>`}${undefined}${false}${['<a>', html`<br>`]}</p>`.value;
    assert.equal(
      out,
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;<b>&lt;i&gt;</b>&lt;a&gt;<br></p>',
    );
  });
});

describe('consent page', () => {
  const page = renderConsentPage({
    clientName: '<img src=x onerror=alert(1)>',
    ...consentScopes(['launch/patient', 'openid', 'fhirUser', LAB, 'patient/Condition.rs', 'offline_access', 'patient/x.rs"><script>']),
    csrfToken: 'tok"en',
    action: '/auth/authorize',
    hidden: { interaction: 'abc"<' },
  });

  it('one checked checkbox named scope per requested scope, the value escaped', () => {
    const boxes = [...page.matchAll(/<input type="checkbox" id="scope-\d+" name="scope" value="([^"]*)" checked>/g)].map((m) => m[1]);
    assert.deepEqual(boxes, [
      'launch/patient',
      'openid',
      'fhirUser',
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
      'patient/Condition.rs',
      'offline_access',
      'patient/x.rs&quot;&gt;&lt;script&gt;',
    ]);
  });

  it('plain-language labels, the long-lived notice, allow and deny buttons, the CSRF field', () => {
    assert.match(page, /Read your lab results/);
    assert.match(page, /Read your health conditions/);
    assert.match(page, /Long-lived access:.*keep reading what you allow after you close it.*until you revoke it/);
    assert.match(page, /<button type="submit" class="primary" name="decision" value="allow">Allow<\/button>/);
    assert.match(page, /<button type="submit" name="decision" value="deny">Deny<\/button>/, "Deny is the secondary button: the two never look alike");
    assert.match(page, /<button type="submit" name="decision" value="deny">/);
    assert.match(page, /<input type="hidden" name="csrf_token" value="tok&quot;en">/);
    assert.match(page, /<input type="hidden" name="interaction" value="abc&quot;&lt;">/);
    assert.match(page, /<html lang="en">/);
  });

  it('escapes a hostile client name; no script, no inline style anywhere', () => {
    assert.doesNotMatch(page, /<img|<script/);
    assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.doesNotMatch(page, /style=|<style/);
  });

  it('category checkboxes, unchecked and escaped, under the scope they narrow', () => {
    const withCategories = renderConsentPage({
      clientName: 'App',
      ...consentScopes(['patient/Observation.rs', 'patient/Patient.rs'], { 'patient/Observation.rs': [LAB, 'patient/Observation.rs?category=x|"><b>'] }),
      csrfToken: 't',
      action: '/auth/authorize',
    });
    const boxes = [...withCategories.matchAll(/<input type="checkbox" id="([^"]+)" name="scope" value="([^"]*)"( checked)?>/g)].map((m) => [m[1], m[2], m[3] !== undefined]);
    assert.deepEqual(boxes, [
      ['scope-0', 'patient/Observation.rs', true],
      ['scope-0-0', LAB, false],
      ['scope-0-1', 'patient/Observation.rs?category=x|&quot;&gt;&lt;b&gt;', false],
      ['scope-1', 'patient/Patient.rs', true],
    ]);
    assert.match(withCategories, /Or share only some kinds/);
    assert.doesNotMatch(withCategories, /<b>/);
  });

  it('no long-lived notice without offline_access', () => {
    const short = renderConsentPage({ clientName: 'App', ...consentScopes(['patient/Patient.r']), csrfToken: 't', action: '/auth/authorize' });
    assert.doesNotMatch(short, /long-lived/i);
  });
});

describe('patient picker page', () => {
  const page = renderPatientPickerPage({
    clientName: 'App',
    csrfToken: 't',
    action: '/auth/authorize/decision',
    hidden: { authorize_request: 'a=1&b="' },
    search: '"><script>',
    patients: [{ id: 'pt-1', name: '<i>Ann</i>', birthDate: '1970-01-01' }, { id: 'pt-2' }],
    error: '<b>bad</b>',
  });

  it('a search box, a radio per patient named patient, the carried fields; everything escaped', () => {
    assert.match(page, /<input id="patient_search" name="patient_search" type="search" value="&quot;&gt;&lt;script&gt;"/);
    assert.match(page, /<button type="submit" name="patient_action" value="search" formnovalidate>Search<\/button>/);
    assert.deepEqual([...page.matchAll(/type="radio" id="[^"]+" name="patient" value="([^"]+)"/g)].map((m) => m[1]), ['pt-1', 'pt-2']);
    assert.match(page, /&lt;i&gt;Ann&lt;\/i&gt; · born 1970-01-01/);
    assert.match(page, /Unnamed patient/);
    // Chosen before consent: no scope is carried, and the form is no consent answer.
    assert.doesNotMatch(page, /name="scope"|name="decision"/);
    assert.match(page, /<input type="hidden" name="authorize_request" value="a=1&amp;b=&quot;">/);
    assert.match(page, /role="alert">&lt;b&gt;bad&lt;\/b&gt;/);
    assert.doesNotMatch(page, /<script|<i>|<b>/);
  });
});

describe('encounter picker page', () => {
  it('a radio per encounter named encounter, the chosen patient carried; everything escaped', () => {
    const page = renderEncounterPickerPage({
      clientName: 'App',
      csrfToken: 't',
      action: '/auth/authorize/decision',
      patient: 'pt"1',
      hidden: {},
      encounters: [{ id: 'e-1', date: '2024-01-01', type: '<b>ER</b>', status: 'finished' }, { id: 'e-2' }],
    });
    assert.deepEqual([...page.matchAll(/type="radio" id="[^"]+" name="encounter" value="([^"]+)"/g)].map((m) => m[1]), ['e-1', 'e-2']);
    assert.match(page, /2024-01-01 · &lt;b&gt;ER&lt;\/b&gt; · finished/);
    assert.match(page, /date unknown <code>e-2<\/code>/);
    assert.match(page, /<input type="hidden" name="patient" value="pt&quot;1">/);
    assert.doesNotMatch(page, /<b>/);
  });
});

describe('scope labels', () => {
  it('reads like what the app may do', () => {
    assert.equal(describeScope(LAB), 'Read your lab results');
    assert.equal(describeScope('patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern'), 'Read your health concerns');
    assert.equal(describeScope('patient/Observation.read'), 'Read your observations');
    assert.equal(describeScope('patient/*.cruds'), 'Read, add, change and delete your health records of every kind');
    assert.equal(describeScope('user/MedicationRequest.write'), 'Add, change and delete the prescriptions you can access');
    assert.equal(describeScope('patient/MolecularSequence.rs'), 'Read your molecular sequence records');
    assert.equal(describeScope('offline_access'), 'Keep access while you are not using the app');
    assert.equal(describeScope('made-up'), 'Other access: made-up');
    // Read by someone acting on a patient's record (a practitioner), patient/ scopes name the patient, not the reader.
    assert.equal(describeScope(LAB, 'patient'), 'Read this patient’s lab results');
    assert.equal(describeScope('patient/*.cruds', 'patient'), 'Read, add, change and delete this patient’s health records of every kind');
    assert.equal(describeScope('user/Observation.rs', 'patient'), 'Read the observations you can access');
  });
});

describe('login page', () => {
  it('escapes the email typed and the error; keeps the return address in a hidden field', () => {
    const page = renderLoginPage({ csrfToken: 't', returnTo: '/auth/authorize?a=1&b="', email: '"><script>', error: 'The email or password is incorrect.' });
    assert.match(page, /name="return_to" value="\/auth\/authorize\?a=1&amp;b=&quot;"/);
    assert.match(page, /value="&quot;&gt;&lt;script&gt;"/);
    assert.match(page, /role="alert">The email or password is incorrect\./);
  });
});

describe('return_to', () => {
  it('keeps local paths, refuses everything that can leave the origin', () => {
    for (const ok of ['/', '/auth/authorize?client_id=a&redirect_uri=https%3A%2F%2Fapp.example', '/fhir/Patient']) assert.equal(safeReturnTo(ok), ok);
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', '\\\\evil.example', '/\t/evil.example', '/\n/evil', 'evil', '', undefined, ['/'], 'javascript:alert(1)']) {
      assert.equal(safeReturnTo(bad), '/', JSON.stringify(bad));
    }
  });
});
