// Loaded by path (DataConverter.failureConverterPath) in the worker's main thread, in the workflow sandbox (the
// bundle is built with the same path) and in every client: a failure's message and stack trace can quote record
// data, so they travel in the failure's encoded attributes, which the payload codec encrypts. Imports only
// @temporalio/common, so the workflow sandbox can load it.
import { DefaultFailureConverter } from '@temporalio/common';

/** The failure converter of every Sluice process: the default one, with message and stack trace encoded. */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
