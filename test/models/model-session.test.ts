import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ort from 'onnxruntime-node';
import { ModelSession } from '../../models/model-session.ts';
import { TensorNameError, TensorShapeError } from '../../models/bundle-errors.ts';
import type { ComponentSpec } from '../../models/bundle-manifest.ts';

const spec: ComponentSpec = {
  file: 'transformer.onnx',
  inputs: [
    { name: 'hidden_states', dtype: 'float32', shape: ['batch', 'img_seq', 64] },
    { name: 'img_ids', dtype: 'float32', shape: ['img_seq', 3] },
    { name: 'timestep', dtype: 'float32', shape: ['batch'] },
  ],
  outputs: [{ name: 'sample', dtype: 'float32', shape: ['batch', 'img_seq', 64] }],
};

/** A session stand-in: only what ModelSession reads when it opens. */
function fakeSession(inputNames: string[], outputNames: string[]) {
  let released = 0;
  const session = {
    inputNames,
    outputNames,
    release: async () => void released++,
  } as unknown as ort.InferenceSession;
  return { session, released: () => released };
}

function modelSession(inputNames = ['hidden_states', 'img_ids', 'timestep'], outputNames = ['sample']) {
  const fake = fakeSession(inputNames, outputNames);
  const ms = new ModelSession({
    component: 'transformer',
    spec,
    bundleDir: '/bundle',
    open: async () => ({ session: fake.session, provider: 'cpu' }),
  });
  return { ms, fake };
}

const f32 = (dims: number[]) => ({ data: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims });
const goodFeeds = () => ({ hidden_states: f32([2, 5, 64]), img_ids: f32([5, 3]), timestep: f32([2]) });

test('accepts feeds that match the manifest, binding symbolic dims', () => {
  modelSession().ms.checkFeeds(goodFeeds());
});

test('a wrong fixed dimension names the tensor and its shape', () => {
  const { ms } = modelSession();
  assert.throws(
    () => ms.checkFeeds({ ...goodFeeds(), hidden_states: f32([2, 5, 32]) }),
    (e: unknown) => {
      assert.ok(e instanceof TensorShapeError);
      assert.equal(e.tensor, 'hidden_states');
      assert.deepEqual(e.shape, [2, 5, 32]);
      assert.match(e.message, /hidden_states.*\[2, 5, 32\].*expected 64 on axis 2/);
      return true;
    },
  );
});

test('a symbolic dimension must agree across inputs', () => {
  const { ms } = modelSession();
  assert.throws(
    () => ms.checkFeeds({ ...goodFeeds(), img_ids: f32([6, 3]) }),
    (e: unknown) =>
      e instanceof TensorShapeError &&
      e.tensor === 'img_ids' &&
      /"img_seq" = 6.*"hidden_states" has "img_seq" = 5/.test(e.message),
  );
});

test('wrong rank, wrong dtype and wrong data length are shape errors', () => {
  const { ms } = modelSession();
  assert.throws(() => ms.checkFeeds({ ...goodFeeds(), timestep: f32([2, 1]) }), TensorShapeError);
  assert.throws(
    () => ms.checkFeeds({ ...goodFeeds(), timestep: { data: new BigInt64Array(2), dims: [2] } }),
    TensorShapeError,
  );
  assert.throws(
    () => ms.checkFeeds({ ...goodFeeds(), timestep: { data: new Float32Array(3), dims: [2] } }),
    TensorShapeError,
  );
});

test('a missing or unknown feed is a name error', () => {
  const { ms } = modelSession();
  const { timestep: _omitted, ...missing } = goodFeeds();
  assert.throws(
    () => ms.checkFeeds(missing),
    (e: unknown) => e instanceof TensorNameError && e.tensor === 'timestep',
  );
  assert.throws(
    () => ms.checkFeeds({ ...goodFeeds(), guidance: f32([2]) }),
    (e: unknown) => e instanceof TensorNameError && e.tensor === 'guidance',
  );
});

test('opening checks the graph input names against the manifest and releases on mismatch', async () => {
  const { ms, fake } = modelSession(['hidden_states', 'img_idz', 'timestep']);
  await assert.rejects(
    ms.open(),
    (e: unknown) => e instanceof TensorNameError && e.tensor === 'img_ids' && /img_idz/.test(e.message),
  );
  assert.equal(fake.released(), 1);
  const { ms: noOutput } = modelSession(undefined, ['out']);
  await assert.rejects(
    noOutput.open(),
    (e: unknown) => e instanceof TensorNameError && e.tensor === 'sample',
  );
});

test('open is shared, and dispose is idempotent', async () => {
  const { ms, fake } = modelSession();
  const [a, b] = await Promise.all([ms.open(), ms.open()]);
  assert.equal(a, b);
  assert.equal(ms.provider, 'cpu');
  await Promise.all([ms.dispose(), ms.dispose()]);
  await ms.dispose();
  assert.equal(fake.released(), 1);
  await assert.rejects(ms.open());
});
