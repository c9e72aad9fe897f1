// The sample app's page (its redirect URI): completes the authorization (FHIR.oauth2.ready), then shows the
// patient banner, the granted scopes and the patient's recent records, with buttons to refresh the access token
// and to revoke the authorization. Everything shown is set as text, never parsed as HTML.
/* global document, location, URLSearchParams, fetch, btoa, FHIR */
'use strict';

(function () {
  const byId = (id) => document.getElementById(id);
  const status = (text) => (byId('status').textContent = text);

  function fail(error, description) {
    status('');
    byId('failure-error').textContent = error;
    byId('failure-description').textContent = description;
    byId('failure').hidden = false;
  }

  // RFC 6749 §4.1.2.1: an authorization server refusing the request redirects back with error and error_description.
  const params = new URLSearchParams(location.search);
  if (params.has('error')) {
    fail(params.get('error'), params.get('error_description') || 'The authorization server gave no description.');
    return;
  }

  /** A CodeableConcept (or a reference's display) as a person reads it. */
  const conceptText = (concept) => (concept && (concept.text || (concept.coding || []).map((c) => c.display || c.code).find(Boolean))) || '';
  const quantityText = (q) => (q && q.value !== undefined ? `${q.value} ${q.unit || q.code || ''}`.trim() : '');
  function valueText(item) {
    if (item.valueQuantity) return quantityText(item.valueQuantity);
    if (item.valueCodeableConcept) return conceptText(item.valueCodeableConcept);
    if (item.valueString !== undefined) return item.valueString;
    if (item.valueBoolean !== undefined) return item.valueBoolean ? 'yes' : 'no';
    if (item.valueInteger !== undefined) return String(item.valueInteger);
    if (item.dataAbsentReason) return `not recorded (${conceptText(item.dataAbsentReason).toLowerCase()})`;
    return '';
  }
  function observationValue(observation) {
    const own = valueText(observation);
    const parts = (observation.component || []).map((c) => `${conceptText(c.code)}: ${valueText(c)}`);
    return [own, ...parts].filter(Boolean).join('; ');
  }
  const dateText = (value) => (value ? String(value).slice(0, 10) : '');
  const humanName = (patient) => {
    const name = (patient.name || []).find((n) => n.use === 'official') || (patient.name || [])[0] || {};
    return name.text || [...(name.prefix || []), ...(name.given || []), name.family || ''].join(' ').trim() || '(no name)';
  };

  /** A table of resources: one row each, one cell per column, or a sentence when there are none. */
  function showTable(containerId, caption, columns, resources, empty) {
    const container = byId(containerId);
    container.replaceChildren();
    if (resources.length === 0) {
      const p = document.createElement('p');
      p.textContent = empty;
      container.append(p);
      return;
    }
    const table = document.createElement('table');
    const cap = document.createElement('caption');
    cap.className = 'visually-hidden';
    cap.textContent = caption;
    const head = document.createElement('tr');
    for (const column of columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = column.label;
      head.append(th);
    }
    const thead = document.createElement('thead');
    thead.append(head);
    const tbody = document.createElement('tbody');
    for (const resource of resources) {
      const row = document.createElement('tr');
      row.dataset.id = resource.id;
      for (const column of columns) {
        const td = document.createElement('td');
        td.textContent = column.value(resource);
        if (column.short) td.className = 'short';
        const detail = column.detail ? column.detail(resource) : '';
        if (detail) {
          const span = document.createElement('span');
          span.className = 'detail';
          span.textContent = detail;
          td.append(span);
        }
        row.append(td);
      }
      tbody.append(row);
    }
    table.append(cap, thead, tbody);
    container.append(table);
  }

  function showReadError(containerId, what, error) {
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = `Could not read ${what}: ${error && error.message ? error.message : String(error)}`;
    byId(containerId).replaceChildren(p);
  }

  const resourcesOf = (bundle) => (bundle.entry || []).map((e) => e.resource).filter((r) => r && r.resourceType !== 'OperationOutcome');

  async function showRecords(client, patientId) {
    const patient = encodeURIComponent(patientId);
    const lists = [
      {
        id: 'observations',
        what: 'observations',
        url: `Observation?patient=${patient}&_sort=-date&_count=10`,
        columns: [
          { label: 'Date', short: true, value: (o) => dateText(o.effectiveDateTime || (o.effectivePeriod && o.effectivePeriod.start) || o.issued) },
          { label: 'Observation', value: (o) => conceptText(o.code) },
          { label: 'Value', value: observationValue },
        ],
        empty: 'No observations recorded.',
      },
      {
        id: 'conditions',
        what: 'conditions',
        url: `Condition?patient=${patient}&_count=10`,
        columns: [
          { label: 'Condition', value: (c) => conceptText(c.code) },
          { label: 'Status', short: true, value: (c) => conceptText(c.clinicalStatus) },
          { label: 'Since', short: true, value: (c) => dateText(c.onsetDateTime || (c.onsetPeriod && c.onsetPeriod.start) || c.recordedDate) },
        ],
        empty: 'No conditions recorded.',
      },
      {
        id: 'medications',
        what: 'medication requests',
        url: `MedicationRequest?patient=${patient}&_sort=-authoredon&_count=10`,
        columns: [
          {
            label: 'Medication',
            value: (m) => conceptText(m.medicationCodeableConcept) || (m.medicationReference && m.medicationReference.display) || '',
            detail: (m) => ((m.dosageInstruction || [])[0] || {}).text || '',
          },
          { label: 'Status', short: true, value: (m) => m.status || '' },
          { label: 'Written', short: true, value: (m) => dateText(m.authoredOn) },
        ],
        empty: 'No medication requests recorded.',
      },
    ];
    await Promise.all(
      lists.map(async (list) => {
        try {
          const bundle = await client.request(list.url);
          showTable(list.id, list.what, list.columns, resourcesOf(bundle), list.empty);
        } catch (e) {
          showReadError(list.id, list.what, e);
        }
      }),
    );
  }

  function showPatient(patient) {
    byId('patient-name').textContent = humanName(patient);
    byId('patient-birth-date').textContent = patient.birthDate || 'unknown';
    byId('patient-gender').textContent = patient.gender || 'unknown';
    const identifier = (patient.identifier || [])[0];
    byId('patient-identifier').textContent = identifier ? identifier.value || '' : 'none';
    byId('patient-id').textContent = patient.id;
  }

  const expiryText = (expiresAt) => (expiresAt ? new Date(expiresAt * 1000).toLocaleString() : 'not said');

  function showAccess(client) {
    const token = client.state.tokenResponse || {};
    byId('client-id').textContent = client.state.clientId;
    const encounterId = client.getEncounterId();
    byId('encounter').textContent = encounterId ? `Encounter/${encounterId}` : 'none in context';
    byId('token-expiry').textContent = expiryText(client.state.expiresAt);
    byId('refresh-token-state').textContent = token.refresh_token ? 'granted' : 'none (offline_access or online_access was not granted)';
    const list = byId('scopes');
    list.replaceChildren();
    for (const scope of String(token.scope || '').split(' ').filter(Boolean)) {
      const item = document.createElement('li');
      const code = document.createElement('code');
      code.textContent = scope;
      item.append(code);
      list.append(item);
    }
    byId('refresh').disabled = !token.refresh_token;
  }

  /** Says what a button did: success or error styling, the text, and where the screen reader hears it. */
  function actionResult(kind, lines) {
    const box = byId('action-result');
    box.className = kind;
    box.replaceChildren(
      ...lines.map((line) => {
        const p = document.createElement('p');
        p.textContent = line;
        return p;
      }),
    );
  }

  async function refresh(client) {
    actionResult('', ['Refreshing the access token…']);
    try {
      await client.refresh();
      showAccess(client);
      actionResult('success', [`Token refreshed. The new access token expires ${expiryText(client.state.expiresAt)}.`]);
    } catch (e) {
      actionResult('error', [`The refresh failed: ${e && e.message ? e.message : String(e)}`]);
    }
  }

  /** Reads the patient and the record again with the current token: after a revocation elsewhere, it is refused. */
  async function reload(client, patientId) {
    actionResult('', ['Reading the record again…']);
    try {
      showPatient(await client.patient.read());
      await showRecords(client, patientId);
      actionResult('success', [`Record read again at ${new Date().toLocaleTimeString()}.`]);
    } catch (e) {
      actionResult('error', [`Reading the record failed: ${e && e.message ? e.message : String(e)}`]);
    }
  }

  /** Revokes the authorization (RFC 7009 §2.1), then shows that the next FHIR request fails and how. */
  async function revoke(client, patientId) {
    const token = client.state.tokenResponse || {};
    const accessToken = token.access_token;
    actionResult('', ['Revoking…']);
    try {
      const discovery = await fetch(`${client.state.serverUrl.replace(/\/$/, '')}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } });
      const endpoint = (await discovery.json()).revocation_endpoint;
      if (!endpoint) throw new Error('the server publishes no revocation_endpoint');
      const body = new URLSearchParams({ token: token.refresh_token || accessToken, token_type_hint: token.refresh_token ? 'refresh_token' : 'access_token' });
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      // A confidential client authenticates (RFC 6749 §2.3.1); a public one names itself (RFC 7009 §2.1).
      if (client.state.clientSecret) headers.authorization = `Basic ${btoa(`${client.state.clientId}:${client.state.clientSecret}`)}`;
      else body.set('client_id', client.state.clientId);
      const revoked = await fetch(endpoint, { method: 'POST', headers, body });
      if (!revoked.ok) {
        const answer = await revoked.json().catch(() => ({}));
        throw new Error(`${revoked.status} ${answer.error || ''} ${answer.error_description || ''}`.trim());
      }
    } catch (e) {
      actionResult('error', [`The revocation failed: ${e && e.message ? e.message : String(e)}`]);
      return;
    }
    byId('reload').disabled = true;
    byId('refresh').disabled = true;
    byId('revoke').disabled = true;
    // The same request that worked before, with the same access token: it must now be refused.
    const url = `${client.state.serverUrl.replace(/\/$/, '')}/Patient/${encodeURIComponent(patientId)}`;
    const next = await fetch(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/fhir+json' } });
    const outcome = await next.json().catch(() => ({}));
    const diagnostics = (outcome.issue || []).map((i) => i.diagnostics || i.code).filter(Boolean).join('; ');
    const challenge = next.headers.get('www-authenticate');
    actionResult(next.ok ? 'error' : 'success', [
      'Access revoked.',
      next.ok
        ? `The next request, GET Patient/${patientId}, still succeeded (${next.status}).`
        : `The next request, GET Patient/${patientId}, failed: ${next.status} ${next.statusText}${diagnostics ? ` — ${diagnostics}` : ''}`,
      ...(challenge ? [`WWW-Authenticate: ${challenge}`] : []),
    ]);
  }

  FHIR.oauth2
    .ready()
    .then(async (client) => {
      const patientId = client.getPatientId();
      if (!patientId) throw new Error('The token response names no patient: launch with a patient (launch/patient, or an EHR launch with one).');
      // A public client names itself when it refreshes (RFC 6749 §3.2.1, §6).
      if (!client.state.clientSecret) FHIR.oauth2.settings.refreshTokenWithClientId = true;
      status('Reading the patient…');
      showPatient(await client.patient.read());
      showAccess(client);
      byId('app').hidden = false;
      byId('reload').addEventListener('click', () => reload(client, patientId));
      byId('refresh').addEventListener('click', () => refresh(client));
      byId('revoke').addEventListener('click', () => revoke(client, patientId));
      status('Reading the record…');
      await showRecords(client, patientId);
      status(`Connected to ${client.state.serverUrl}.`);
    })
    .catch((e) => fail('error', e && e.message ? e.message : String(e)));
})();
