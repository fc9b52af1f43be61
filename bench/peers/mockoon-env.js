// Writes a Mockoon environment serving one route, GET /v2/accounts/:id, with the body in
// argv[2] verbatim (templating off), built with @mockoon/commons' own builders so the file
// matches the pinned CLI's schema. Usage: node mockoon-env.js BODY_FILE OUT_FILE
const fs = require('fs');
const { BuildEnvironment, BuildHTTPRoute, BuildRouteResponse, BuildHeader } = require('@mockoon/commons');

const [bodyFile, out] = process.argv.slice(2);
const body = fs.readFileSync(bodyFile, 'utf8');
const response = {
  ...BuildRouteResponse(),
  body,
  headers: [BuildHeader('Content-Type', 'application/json')],
  disableTemplating: true,
  default: true,
};
const route = { ...BuildHTTPRoute(), method: 'get', endpoint: 'v2/accounts/:id', responses: [response] };
const environment = {
  ...BuildEnvironment(),
  name: 'monosim-bench',
  hostname: '127.0.0.1',
  routes: [route],
  rootChildren: [{ type: 'route', uuid: route.uuid }],
};
fs.writeFileSync(out, JSON.stringify(environment));
