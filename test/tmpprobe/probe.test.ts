import { putProfile, useConformance } from '../conformance/setup';
const c = useConformance('get-a-task');
test('probe', async () => {
  await putProfile(c, 'provider', { type: 'ROOT', properties: { name: { type: 'symbol', rules: [{ required: true }] } } });
  let t = Date.now();
  const a = await c.call('GET', '/tasks/s_2aGwnMFgM7iZrL1nPxL0ZqAHM2z');
  console.log('unknown task', a.status, JSON.stringify(a.body), Date.now() - t); t = Date.now();
  const write = await c.call('PUT', '/resources/provider/prov-doe', { body: { data: { name: 'John Doe' } } });
  console.log('write', write.status, JSON.stringify(write.body), Date.now() - t); t = Date.now();
}, 30000);
