// Writes the manifest JSON Schema next to the build output (its $id points there) after each build.
import { writeFileSync } from 'node:fs';
import { manifestJsonSchema } from '../dist/manifest/index.js';

writeFileSync(
  new URL('../dist/manifest.schema.json', import.meta.url),
  `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`,
);
