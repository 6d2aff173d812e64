// Connections to the run's shared dev server, and unique names so tests never collide.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { installTemporalRuntime } from '../../src/temporal/runtime';

export function temporalAddress(): string {
  const address = inject('temporalAddress');
  if (!address) throw new Error('This test needs the Temporal dev server; run without TEMPORAL_TEST_SKIP_SERVER=1.');
  return address;
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function connectClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return { client: new Client({ connection }), close: () => connection.close() };
}

export async function connectWorker(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: temporalAddress() });
}

// Worker logs at INFO drown test output; warnings and errors still show.
installTemporalRuntime('WARN');
