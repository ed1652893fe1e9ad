import { z } from 'zod';

// The codec endpoint's body and answer: Temporal's payloads in protobuf JSON, the format the Temporal UI and CLI send
// to a codec server (bytes in standard base64).

const Base64 = z.base64().describe('Bytes in standard base64.');

export const CodecPayloadSchema = z
  .object({
    metadata: z.record(z.string(), Base64).optional().describe('Metadata of the payload, e.g. `encoding` (`json/plain`, or `binary/encrypted` once encoded).'),
    data: Base64.optional(),
  })
  .strict();
export type CodecPayload = z.infer<typeof CodecPayloadSchema>;

export const CodecPayloadsSchema = z
  .object({ payloads: z.array(CodecPayloadSchema).describe('The payloads, answered in the same order.') })
  .strict();
export type CodecPayloads = z.infer<typeof CodecPayloadsSchema>;
