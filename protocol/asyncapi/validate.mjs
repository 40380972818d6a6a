// Parses an AsyncAPI document with the official parser and fails on any
// error or warning, so CI keeps protocol/asyncapi.yaml clean by the
// ecosystem's own rules, not only by our Go tests.
import { Parser, fromFile } from '@asyncapi/parser';

const file = process.argv[2];
if (!file) {
  console.error('usage: node validate.mjs FILE');
  process.exit(2);
}
const severities = ['error', 'warning', 'info', 'hint'];
const { document, diagnostics } = await fromFile(new Parser(), file).parse();
let bad = 0;
for (const d of diagnostics) {
  const where = d.path && d.path.length ? d.path.join('.') : '(document)';
  console.log(`${severities[d.severity] ?? d.severity}: ${d.code}: ${d.message} at ${where}`);
  if (d.severity <= 1) bad++;
}
if (!document || bad > 0) {
  console.error(`${file}: ${bad} error(s) or warning(s)`);
  process.exit(1);
}
const ops = document.operations().length;
const msgs = document.allMessages().length;
console.log(`${file}: valid AsyncAPI ${document.version()}, ${ops} operations, ${msgs} messages`);
