// Small file helpers for the staging area: atomic writes and the checksums the manifest records.

/** Writes via an exclusive temp file and a rename, so a crash never leaves half a file under the final name. */
export { writeFileAtomic } from '../shared/atomic-write';

/** The manifest's checksums are computed the way the load verifies them. */
export { sha256OfFiles } from '../warehouse/index';
