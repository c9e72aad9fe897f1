// The sample app's launch page (SMART App Launch 2.2): an EHR launch arrives with ?iss=…&launch=…, a standalone
// launch with ?iss=… alone; ?client_id=… says which demo client the app acts as. Without iss, it offers the
// standalone launches.
/* global window, document, location, URLSearchParams, URL, FHIR */
'use strict';

(function () {
  const config = window.PORTICO_SAMPLE_APP;
  const params = new URLSearchParams(location.search);
  const byId = (id) => document.getElementById(id);

  function fail(error, description) {
    byId('status').textContent = '';
    byId('failure-error').textContent = error;
    byId('failure-description').textContent = description;
    byId('failure').hidden = false;
  }

  function offerStandaloneLaunches() {
    const list = byId('clients');
    for (const client of config.clients) {
      const item = document.createElement('li');
      item.className = 'card';
      const title = document.createElement('h2');
      title.textContent = client.name;
      const id = document.createElement('p');
      id.append('Client id ');
      const code = document.createElement('code');
      code.textContent = client.id;
      id.append(code);
      const link = document.createElement('a');
      const query = new URLSearchParams({ iss: config.fhirBase });
      if (client.id !== config.clients[0].id) query.set('client_id', client.id);
      link.href = `launch.html?${query}`;
      link.textContent = 'Launch standalone';
      const hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = ` as ${client.id}`;
      link.append(hidden);
      item.append(title, id, link);
      list.append(item);
    }
    byId('choices').hidden = false;
  }

  const clientId = params.get('client_id') || config.clients[0].id;
  const client = config.clients.find((c) => c.id === clientId);
  const iss = params.get('iss');
  if (!client) {
    fail('unknown_client', `This sample app cannot act as the client "${clientId}". It knows ${config.clients.map((c) => c.id).join(', ')}.`);
    return;
  }
  if (!iss) {
    offerStandaloneLaunches();
    return;
  }
  // Fail closed: the app only talks to this server (its CSP would block any other one anyway).
  if (new URL(iss, location.href).origin !== new URL(config.fhirBase).origin) {
    fail('invalid_request', `The FHIR server ${iss} is not this server's (${config.fhirBase}): this sample app works with this server only.`);
    return;
  }
  const ehr = params.has('launch');
  byId('status').textContent = ehr ? 'EHR launch: asking the authorization server…' : 'Standalone launch: asking the authorization server…';
  FHIR.oauth2
    .authorize({
      clientId: client.id,
      ...(client.secret ? { clientSecret: client.secret } : {}),
      iss,
      scope: ehr ? config.ehrScope : config.standaloneScope,
      redirectUri: config.redirectUri,
      // Shown inside an EHR's frame, the app completes its authorization there, in its own frame.
      completeInTarget: true,
    })
    .catch((e) => fail('launch_failed', e && e.message ? e.message : String(e)));
})();
