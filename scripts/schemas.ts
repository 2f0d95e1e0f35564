/** Writes schemas/*.json from the decision types (`npm run schemas`); commit the result. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSchemas, SCHEMAS_DIR, schemaText } from '../contract/schemas';

mkdirSync(SCHEMAS_DIR, { recursive: true });
for (const [file, schema] of Object.entries(generateSchemas())) {
  writeFileSync(join(SCHEMAS_DIR, file), schemaText(schema));
  console.log(`wrote schemas/${file}`);
}
