// Publishing for a writer that many tenants' loads reach at once: each write, once committed, asks for a publish
// that covers it, and one publish serves every write committed before its copy began. 1,000 small tenants loaded
// together are then a handful of publishes instead of 1,000 copies of a growing file. Publishes in one process
// never overlap, so an older copy can never be renamed over a newer one.
import path from 'node:path';
import { Coalescer, type Coalesced } from '../../shared/coalesce';
import { publish } from './publish';

export type PublishResult = Awaited<ReturnType<typeof publish>>;

const publishers = new Map<string, Coalescer<PublishResult>>();

/**
 * Call after your write has committed: resolves once a publish that includes it has finished (analysts see it),
 * rejects with that publish's error. `served` says how many writes the publish covered, `first` marks one caller
 * per publish (log it once), `runs` counts this process's publishes of the file.
 */
export function publishCovering(workDbPath: string, publishedPath: string): Promise<Coalesced<PublishResult>> {
  const key = `${path.resolve(workDbPath)}\n${path.resolve(publishedPath)}`;
  let publisher = publishers.get(key);
  if (!publisher) {
    publisher = new Coalescer((snapshot) => publish(workDbPath, publishedPath, undefined, snapshot));
    publishers.set(key, publisher);
  }
  return publisher.request();
}
