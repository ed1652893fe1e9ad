import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { CodecError } from '../../codec/encryption-codec';
import { SluiceError, formatPath } from '../../errors';
import { CodecPayloadsSchema, type CodecPayload, type CodecPayloads } from '../../schemas/codec';
import { READERS, json, type Access } from '../route';
import { apiRoute, type ApiHandlers } from './deps';

// Temporal's codec server protocol (what the Temporal UI and CLI call): POST <endpoint>/encode and <endpoint>/decode
// with `{payloads: [{metadata: {k: base64}, data: base64}]}`, answered in the same shape and order.
//
// Who may call it (README "Payload encryption"):
// - decode shows record data of any source (a payload does not say which source it belongs to), so it takes a key
//   of any role (every role reads) that reaches every source (`*`), as no other route lets a key read a source it
//   does not have;
// - encode reveals nothing and is what the CLI and UI do to send a signal (a review decision) or start a workflow:
//   the roles that put data into workflows, ingest and review, on no particular source;
// - the Temporal UI sends no API key (it can pass only an OAuth token, and only to an https endpoint), so it calls
//   `/codec/ui/{token}/...` with SLUICE_CODEC_UI_TOKEN in the path: whoever can open that UI can decode. Without the
//   setting those routes answer 404.

const DECODE: Access = { roles: READERS, scope: 'every-source' };
const ENCODE: Access = { roles: ['ingest', 'review'], scope: 'none' };

const UiToken = z.string().min(1).describe('The value of SLUICE_CODEC_UI_TOKEN.');
const answer = { 200: json('The payloads, in the order sent.', CodecPayloadsSchema) };
const DECODE_ERRORS = { INVALID_ARGUMENT: 'a payload is encrypted with a key this server does not have, or was altered; `details` names it' } as const;

function toPayload(p: CodecPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): CodecPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}

/** Runs the codec over the body's payloads; a payload that does not decode is a 400 naming it. */
async function run(deps: ApiHandlers, direction: 'encode' | 'decode', body: CodecPayloads): Promise<{ status: number; body: CodecPayloads }> {
  const codec = deps.codec.codec;
  try {
    const out = await codec[direction](body.payloads.map(toPayload));
    return { status: 200, body: { payloads: out.map(toJson) } };
  } catch (err) {
    if (err instanceof CodecError) throw new SluiceError('INVALID_ARGUMENT', 'a payload does not decode', [{ path: formatPath(['payloads', err.index]), message: err.message }]);
    throw err;
  }
}

/** The UI's token, compared in constant time; a wrong one (or none configured) is no route at all. */
function checkUiToken(deps: ApiHandlers, token: string): void {
  const expected = deps.codec.uiToken;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  if (!expected || !timingSafeEqual(digest(token), digest(expected))) throw new SluiceError('NOT_FOUND', 'no codec endpoint here');
}

/** The codec endpoint: Temporal's payloads decoded and encoded for the Temporal UI and CLI. */
export const codecRoutes = [
  apiRoute({
    method: 'post', path: '/codec/decode', operationId: 'decodePayloads', tag: 'Codec', summary: 'Decode (decrypt) Temporal payloads',
    description: 'The Temporal CLI calls it with `--codec-endpoint <base>/codec --codec-auth "Bearer <key>"`. Payloads that are not encrypted come back as sent.',
    access: DECODE, bearer: true, body: CodecPayloadsSchema, bodyLimit: 'codec',
    responses: answer, errors: DECODE_ERRORS,
    handler: ({ body, deps }) => run(deps, 'decode', body),
  }),
  apiRoute({
    method: 'post', path: '/codec/encode', operationId: 'encodePayloads', tag: 'Codec', summary: 'Encode (encrypt) Temporal payloads',
    description: 'What the Temporal CLI and UI call before they send a signal or start a workflow. Payloads already encrypted come back as sent.',
    access: ENCODE, bearer: true, body: CodecPayloadsSchema, bodyLimit: 'codec',
    responses: answer,
    handler: ({ body, deps }) => run(deps, 'encode', body),
  }),
  apiRoute({
    method: 'post', path: '/codec/ui/{token}/decode', operationId: 'decodePayloadsForUi', tag: 'Codec', summary: 'Decode Temporal payloads for the Temporal UI (token in the path)',
    description: 'Enabled by SLUICE_CODEC_UI_TOKEN; `npm start` sets it and starts the UI with `--ui-codec-endpoint <base>/codec/ui/<token>`. Anyone who can open that UI can decode.',
    access: 'public', params: { token: UiToken }, body: CodecPayloadsSchema, bodyLimit: 'bundle',
    responses: answer, errors: { ...DECODE_ERRORS, NOT_FOUND: 'the token is not SLUICE_CODEC_UI_TOKEN, or none is set' },
    handler: ({ params, body, deps }) => {
      checkUiToken(deps, params.token);
      return run(deps, 'decode', body);
    },
  }),
  apiRoute({
    method: 'post', path: '/codec/ui/{token}/encode', operationId: 'encodePayloadsForUi', tag: 'Codec', summary: 'Encode Temporal payloads for the Temporal UI (token in the path)',
    description: 'What the Temporal UI calls before it sends a signal or starts a workflow.',
    access: 'public', params: { token: UiToken }, body: CodecPayloadsSchema, bodyLimit: 'bundle',
    responses: answer, errors: { NOT_FOUND: 'the token is not SLUICE_CODEC_UI_TOKEN, or none is set' },
    handler: ({ params, body, deps }) => {
      checkUiToken(deps, params.token);
      return run(deps, 'encode', body);
    },
  }),
];
