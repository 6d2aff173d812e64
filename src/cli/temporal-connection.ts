// How CLI commands reach Temporal: TEMPORAL_ADDRESS, or the local default a dev server listens on.
import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '../config';
import { reasonOf, temporalConnectionOptions } from '../temporal/tls';

export async function withTemporalClient<T>(config: AppConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const address = config.temporalAddress ?? '127.0.0.1:7233';
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 5_000, ...temporalConnectionOptions(config) });
  } catch (err) {
    throw new Error(`Cannot reach a Temporal server at ${address} (${reasonOf(err)}): start one (\`m365-license dev --keep-running\`) or set TEMPORAL_ADDRESS.`, { cause: err });
  }
  try {
    return await fn(new Client({ connection, namespace: config.temporalNamespace }));
  } finally {
    await connection.close();
  }
}
