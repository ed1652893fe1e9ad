import pino from 'pino';
import { createApp } from '../../src/http/app';
import { openApiDocument } from '../../src/http/openapi';
import { ERROR_TYPES } from '../../src/errors';
import { startApi, type TestApi } from '../support/api';

let api: TestApi;
let doc: any;
beforeAll(async () => {
  api = await startApi();
  const res = await api.request('GET', '/openapi.json', { key: null });
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(async () => {
  await api.close();
});

const SRC = '/sources/{sourceKey}/v1';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Follows a local `$ref` (`#/components/schemas/X`) to the object it names. */
function deref(node: any): any {
  if (node && typeof node.$ref === 'string') {
    const target = node.$ref.replace(/^#\//, '').split('/').reduce((at: any, key: string) => at?.[key], doc);
    expect(target).toBeDefined();
    return deref(target);
  }
  return node;
}

function operation(method: string, path: string): any {
  return doc.paths?.[path]?.[method];
}

/** The 2xx JSON schema an operation answers with, dereferenced. */
function answerSchema(method: string, path: string, status: string): any {
  return deref(operation(method, path).responses[status].content['application/json'].schema);
}

/** A real answer has every required key of its documented schema and no key the schema does not list. */
function expectShape(value: Record<string, unknown>, schema: any): void {
  expect(Object.keys(value)).toEqual(expect.arrayContaining(schema.required ?? []));
  expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(Object.keys(value)));
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  slash: boolean;
  rawPath?: unknown;
}

/** Every `METHOD /path` the Express app routes, with `:param` written `{param}` as in OpenAPI. */
function appRoutes(stack: Layer[], prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
          out.push(`${method.toUpperCase()} ${`${prefix}${path}`.replace(/:(\w+)/g, '{$1}')}`);
        }
      }
    } else if (layer.handle.stack) {
      if (!layer.slash && typeof layer.rawPath !== 'string') throw new Error(`cannot read the mount path of a router (${String(layer.rawPath)})`);
      out.push(...appRoutes(layer.handle.stack, layer.slash ? prefix : `${prefix}${String(layer.rawPath)}`));
    }
  }
  return out;
}

function documentedRoutes(): string[] {
  return Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

describe('GET /openapi.json', () => {
  test('answers an OpenAPI 3.1 JSON document without an API key', async () => {
    const res = await fetch(`${api.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as any;
    expect(body.openapi).toMatch(/^3\.1\./);
    expect(body.info).toEqual(expect.objectContaining({ title: 'Sluice API', version: expect.any(String) }));
  });

  test('is built once and reused', () => {
    expect(openApiDocument()).toBe(openApiDocument());
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  test.each([
    ['get', '/health'], ['get', '/ready'], ['get', '/metrics'], ['get', '/openapi.json'], ['get', '/docs'],
    ['put', '/catalog/v1/sources/{sourceKey}'], ['get', '/catalog/v1/sources'], ['get', '/catalog/v1/sources/{sourceKey}'],
    ['put', `${SRC}/profiles/{profileKey}`], ['get', `${SRC}/profiles/{profileKey}`], ['get', `${SRC}/profiles`],
    ['put', `${SRC}/relationship-definitions/{key}`], ['get', `${SRC}/relationship-definitions/{key}`], ['get', `${SRC}/relationship-definitions`],
    ['put', `${SRC}/collections/{collectionKey}/pipeline`], ['get', `${SRC}/collections/{collectionKey}/pipeline`],
    ['post', `${SRC}/resources/{type}`], ['get', `${SRC}/resources/{type}`],
    ['put', `${SRC}/resources/{type}/{id}`], ['patch', `${SRC}/resources/{type}/{id}`], ['delete', `${SRC}/resources/{type}/{id}`], ['get', `${SRC}/resources/{type}/{id}`],
    ['post', `${SRC}/resources/{type}/{id}/{containKey}`],
    ['put', `${SRC}/resources/{type}/{id}/{containKey}/{containedId}`], ['delete', `${SRC}/resources/{type}/{id}/{containKey}/{containedId}`],
    ['post', `${SRC}/relationships/{type}`], ['get', `${SRC}/relationships/{type}`],
    ['patch', `${SRC}/relationships/{type}/{id}`], ['delete', `${SRC}/relationships/{type}/{id}`], ['get', `${SRC}/relationships/{type}/{id}`],
    ['get', `${SRC}/tasks/{taskId}`],
    ['get', `${SRC}/resources/bulk/{bulkId}`], ['get', `${SRC}/relationships/bulk/{bulkId}`], ['post', `${SRC}/purge`], ['get', `${SRC}/purge/{purgeId}`],
    ['get', `${SRC}/pipelines/executions`], ['get', `${SRC}/pipelines/executions/{id}`], ['post', `${SRC}/pipelines/executions/{id}/decision`],
    ['post', '/admin/v1/api-keys'], ['get', '/admin/v1/api-keys'], ['delete', '/admin/v1/api-keys/{id}'],
  ])('documents %s %s', (method, path) => {
    expect(operation(method, path)).toEqual(expect.objectContaining({ responses: expect.any(Object) }));
  });

  test('documents exactly the routes the app serves', () => {
    // Only the route table is read, so the app needs no working dependencies beyond the real services.
    const deps = { logger: pino({ level: 'silent' }), limits: { single: 1, bundle: 1, bulk: 1, codec: 1 }, ...api.services, ready: async () => undefined, codec: { codec: api.codec, corsOrigins: [] } };
    const app = createApp(deps as Parameters<typeof createApp>[0]);
    const served = [...new Set(appRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack))].sort();
    expect(served.length).toBeGreaterThan(30);
    expect(documentedRoutes().sort()).toEqual(served);
  });

  test('declares every path parameter, and every $ref resolves', () => {
    for (const [path, item] of Object.entries(doc.paths as Record<string, any>)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const method of METHODS.filter((m) => item[m])) {
        const declared = (item[method].parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
        expect({ op: `${method} ${path}`, params: declared.sort() }).toEqual({ op: `${method} ${path}`, params: [...names].sort() });
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) deref({ $ref: ref });
  });

  test('the create-resource body is the strict request schema: data required, no other keys', () => {
    const body = deref(operation('post', `${SRC}/resources/{type}`).requestBody.content['application/json'].schema);
    expect(body.type).toBe('object');
    expect(body.required).toEqual(['data']);
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties).sort()).toEqual(['contained', 'data', 'id', 'meta']);
    expect(operation('post', `${SRC}/resources/{type}`).requestBody.required).toBe(true);
  });

  test('writes document both answers: PERSISTED and ACCEPTED (a pipeline started)', () => {
    for (const [method, path] of [['post', `${SRC}/resources/{type}`], ['put', `${SRC}/resources/{type}/{id}`], ['patch', `${SRC}/resources/{type}/{id}`], ['post', `${SRC}/relationships/{type}`]] as const) {
      const responses = operation(method, path).responses;
      const persisted = answerSchema(method, path, responses['201'] ? '201' : '200');
      expect(persisted.required).toEqual(expect.arrayContaining(['taskId', 'status']));
      expect(answerSchema(method, path, '202').required.sort()).toEqual(['status', 'taskId']);
    }
  });

  test('recursive schemas (profile properties, operators) are named components that refer to themselves', () => {
    const property = doc.components.schemas.PropertyDefinition;
    expect(property.properties.items).toEqual({ $ref: '#/components/schemas/PropertyDefinition' });
    expect(property.properties.properties.additionalProperties).toEqual({ $ref: '#/components/schemas/PropertyDefinition' });
    // `rules` is the documented array of rule objects, each with an optional `when` operator.
    expect(property.properties.rules.type).toBe('array');
    expect(property.properties.rules.items.properties.when).toEqual({ $ref: '#/components/schemas/Operator' });
    expect(doc.components.schemas.Predicate).toBeUndefined();
    const operator = doc.components.schemas.Operator;
    expect(operator.properties.and.items).toEqual({ $ref: '#/components/schemas/Operator' });
    expect(operator.properties.not).toEqual({ $ref: '#/components/schemas/Operator' });
    expect(Object.keys(operator.properties)).toEqual(expect.arrayContaining(['eq', 'lt', 'gt', 'any', 'all', 'match', 'geoDistance', 'changed']));
    const profile = deref(operation('put', `${SRC}/profiles/{profileKey}`).requestBody.content['application/json'].schema);
    // `type` may be left out (ROOT), as the readme's profile examples do.
    expect(profile.required).toEqual(['properties']);
  });

  test('pipeline steps are documented in the {type, <stepKey>} form and answers carry version and revisionId', () => {
    const step = doc.components.schemas.PipelineStep;
    const keysByType = Object.fromEntries((step.oneOf as any[]).map((s) => [s.properties.type.enum[0], Object.keys(s.properties).sort()]));
    expect(keysByType).toEqual({
      SEGMENTER: ['onlyOnTriggeredPipeline', 'segmenter', 'trigger', 'type'],
      VECTORIZER: ['onlyOnTriggeredPipeline', 'trigger', 'type', 'vectorizer'],
      NORMALIZER: ['normalizer', 'onlyOnTriggeredPipeline', 'trigger', 'type'],
      VALIDATOR: ['onlyOnTriggeredPipeline', 'trigger', 'type', 'validator'],
      HUMAN_REVIEW: ['humanReview', 'onlyOnTriggeredPipeline', 'trigger', 'type'],
    });
    expect(doc.components.schemas.PipelineDefinition.required).toEqual(expect.arrayContaining(['version', 'revisionId']));
    expect(doc.components.schemas.PipelineDefinition.properties.revision).toBeUndefined();
    const get = operation('get', `${SRC}/collections/{collectionKey}/pipeline`);
    expect(get.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name).sort()).toEqual(['revisionId', 'version']);
    expect(get.responses['400'].description).toContain('OUT_OF_RANGE');
  });

  test('the purge answer nests purgeOperation; a purge of objects is documented as 501', () => {
    const accepted = answerSchema('post', `${SRC}/purge`, '202');
    expect(accepted.required.sort()).toEqual(['purgeOperation', 'status', 'taskId']);
    expect(accepted.properties.purgeId).toBeUndefined();
    expect(deref(accepted.properties.purgeOperation).required).toEqual(expect.arrayContaining(['purgeId', 'taskId', 'collectionType', 'collectionKey', 'status', 'deletedCount', 'createdAt', 'updatedAt']));
    expect(operation('post', `${SRC}/purge`).responses['501'].description).toContain('UNIMPLEMENTED');
  });

  test('queries come from the same schemas, with their defaults', () => {
    const params = operation('get', `${SRC}/tasks/{taskId}`).parameters.filter((p: any) => p.in === 'query');
    expect(params.map((p: any) => p.name).sort()).toEqual(['cursor', 'perPage', 'withReceipts']);
    expect(params.find((p: any) => p.name === 'perPage')).toEqual(expect.objectContaining({ required: false, schema: expect.objectContaining({ type: 'integer', default: 100 }) }));
    const list = operation('get', `${SRC}/resources/{type}`).parameters.filter((p: any) => p.in === 'query');
    expect(list.map((p: any) => p.name).sort()).toEqual(['cursor', 'perPage']);
    const relationship = operation('get', `${SRC}/relationships/{type}/{id}`).parameters.filter((p: any) => p.in === 'query');
    expect(relationship.map((p: any) => p.name)).toEqual(['includes']);
  });

  test('security: X-API-Key (alias X-Clinia-API-Key) everywhere except the operations endpoints', () => {
    const schemes = doc.components.securitySchemes;
    const [name] = Object.keys(schemes);
    expect(schemes[name!]).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: expect.stringContaining('X-Clinia-API-Key') }));
    expect(doc.security).toEqual([{ [name!]: [] }]);
    for (const path of ['/health', '/ready', '/metrics', '/openapi.json', '/docs']) expect(operation('get', path).security).toEqual([]);
    expect(operation('post', `${SRC}/resources/{type}`).security).toBeUndefined();
  });

  test('errors are documented with the one error body and every error type', () => {
    const error = doc.components.schemas.Error;
    expect(error.required.sort()).toEqual(['code', 'details', 'message', 'type']);
    expect(error.properties.type.enum.sort()).toEqual([...ERROR_TYPES].sort());
    const create = operation('post', `${SRC}/resources/{type}`).responses;
    for (const status of ['400', '401', '403', '404', '409', '413', '415']) {
      expect(create[status].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
  });

  test('real answers match their documented shapes', async () => {
    // A profile of its own, without a pipeline, so the write is PERSISTED whatever the demo catalog holds.
    const profile = await api.request('PUT', '/sources/demo/v1/profiles/openapi_probe', { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } });
    expect(profile.status).toBe(201);
    expectShape(profile.body, answerSchema('put', `${SRC}/profiles/{profileKey}`, '201'));
    const created = await api.request('POST', '/sources/demo/v1/resources/openapi_probe', { body: { data: { name: 'Doc Umentation' } } });
    expect(created.status).toBe(201);
    const persisted = answerSchema('post', `${SRC}/resources/{type}`, '201');
    expectShape(created.body, persisted);
    expect(deref(persisted.properties.status).enum ?? [deref(persisted.properties.status).const]).toContain(created.body.status);
    const resource = deref(persisted.properties.resource);
    expectShape(created.body.resource, resource);
    expectShape(created.body.resource.meta, deref(resource.properties.meta));

    const task = await api.request('GET', `/sources/demo/v1/tasks/${created.body.taskId}?withReceipts=true`);
    const taskSchema = answerSchema('get', `${SRC}/tasks/{taskId}`, '200');
    expectShape(task.body, taskSchema);
    expectShape(task.body.receipts[0], deref(taskSchema.properties.receipts.items));

    const missing = await api.request('GET', '/sources/demo/v1/resources/openapi_probe/nope');
    expect(missing.status).toBe(404);
    expectShape(missing.body, answerSchema('get', `${SRC}/resources/{type}/{id}`, '404'));

    const pipeline = await api.request('GET', '/sources/demo/v1/collections/article/pipeline');
    expect(pipeline.status).toBe(200);
    expectShape(pipeline.body, answerSchema('get', `${SRC}/collections/{collectionKey}/pipeline`, '200'));

    const key = await api.request('POST', '/admin/v1/api-keys', { body: { name: 'docs', roles: ['read'], sources: ['demo'] } });
    expectShape(key.body, answerSchema('post', '/admin/v1/api-keys', '201'));
  });
});

describe('GET /docs', () => {
  test('answers Swagger UI as HTML whose scripts and styles are all served locally', async () => {
    const res = await fetch(`${api.baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('swagger-ui');
    const assets = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)=["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(['./docs/swagger-ui-bundle.js', './docs/swagger-ui.css', './docs/swagger-ui-init.js']));
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const file = await fetch(new URL(asset, res.url));
      expect({ asset, status: file.status }).toEqual({ asset, status: 200 });
    }
  });

  test('the UI loads the generated document from this server', async () => {
    const init = await fetch(`${api.baseUrl}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    const js = await init.text();
    const url = /"swaggerUrl":\s*"([^"]+)"/.exec(js)?.[1];
    expect(url).toBeDefined();
    // Relative to the page, `GET /docs`.
    const spec = await fetch(new URL(url!, `${api.baseUrl}/docs`));
    expect(spec.status).toBe(200);
    expect(((await spec.json()) as any).openapi).toMatch(/^3\.1\./);
  });
});
