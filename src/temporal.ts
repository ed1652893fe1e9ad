import { Connection } from '@temporalio/client';
import type { Config } from './config';

/** The process's one Temporal connection, opened lazily so the API starts even while Temporal is still coming up. */
export function temporalConnection(config: Pick<Config, 'TEMPORAL_ADDRESS'>): Connection {
  return Connection.lazy({ address: config.TEMPORAL_ADDRESS });
}

/** Resolves when the Temporal frontend answers. */
export async function temporalReady(connection: Connection): Promise<void> {
  await connection.workflowService.getSystemInfo({});
}
