// .env.example documents every setting: a variable added to src/config.ts without a line there fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '../src/config';

const example = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
const listed = new Set([...example.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));

it('lists every variable the configuration reads, and no other', () => {
  expect(CONFIG_VARIABLES.filter((name) => !listed.has(name))).toEqual([]);
  expect([...listed].filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
});
