import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeReturnTo } from '../../src/auth/sessions/return-to.ts';
import { renderConsentPage } from '../../src/ui/consent-page.ts';
import { html } from '../../src/ui/html.ts';
import { renderLoginPage } from '../../src/ui/login-page.ts';
import { describeScope } from '../../src/ui/scope-labels.ts';

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
    scopes: ['launch/patient', 'openid', 'fhirUser', LAB, 'patient/Condition.rs', 'offline_access', 'patient/x.rs"><script>'],
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
    assert.match(page, /long-lived access/);
    assert.match(page, /<button type="submit" name="decision" value="allow">/);
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

  it('no long-lived notice without offline_access', () => {
    const short = renderConsentPage({ clientName: 'App', scopes: ['patient/Patient.r'], csrfToken: 't', action: '/auth/authorize' });
    assert.doesNotMatch(short, /long-lived/);
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
