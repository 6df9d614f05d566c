// Converts France's public medicines database (reference/bdpm-2022-06/, BDPM snapshot of June
// 2022; reference/README.md says what it is and where it comes from) into the compact file
// Carnet embeds: app/data/bdpm-medicines.json. Reproducible: the same input gives the same bytes.
//
//   node scripts/bdpm-convert.mjs            # write the file
//   node scripts/bdpm-convert.mjs --check    # fail if the committed file differs
//
// What it keeps: each medicine's name as people say it (the name as sold up to its dose or its
// form: "KARDEGIC 75 mg, poudre…" is KARDEGIC), the substances it contains by the names the ANSM
// interaction thesaurus uses (a therapeutic fraction, FT, rather than its salt, SA: KARDEGIC is
// ACIDE ACÉTYLSALICYLIQUE, not ACÉTYLSALICYLATE DE DL-LYSINE), and the CIP13 codes of its packs
// (all begin 34009: the eight digits after are kept), and each substance's BDPM code where the
// name is the BDPM's own for exactly one substance (FHIR exports code with it). Medicines of one name and the same
// substances are one entry. A substance named as its salt (WARFARINE SODIQUE, CHLORHYDRATE DE
// MÉTFORMINE) is written as the thesaurus names it (warfarine, metformine) when the thesaurus
// (reference/ansm/) knows it under a shorter name; otherwise as the BDPM writes it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const source = process.env.BDPM_DIR ?? join(root, 'reference/bdpm-2022-06');
const out = process.env.BDPM_OUT ?? join(root, 'app/data/bdpm-medicines.json');

const rows = (file) =>
  // (Decoded as windows-1252, which is what 'latin1' means to TextDecoder: the files' 0x92
  // apostrophes are its right single quotes.)
  new TextDecoder('latin1')
    .decode(readFileSync(join(source, file)))
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t').map((field) => field.trim()));

// The name people use: up to the first word that starts with a digit, or the first comma.
function spoken(name) {
  const head = name.split(',')[0];
  const words = [];
  for (const word of head.split(/\s+/)) {
    if (/^[0-9]/.test(word)) break;
    words.push(word);
  }
  return (words.length ? words : head.split(/\s+/).slice(0, 1)).join(' ').trim();
}

// Names compared as Carnet compares them: lower case, no accents.
const fold = (text) =>
  text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
const thesaurus = new Map(
  JSON.parse(readFileSync(join(root, 'reference/ansm/substances-2020-10.json'), 'utf8')).map(
    ({ substance }) => [fold(substance), substance],
  ),
);
const SALT_WORDS = /^(?:mono|di|tri)?(?:sodique|potassique|calcique|magnesique|hemihydrate|monohydrate|dihydrate|trihydrate|sesquihydrate|anhydre|base)$/;
// The cations a salt of an active anion is written with ("SODIUM (VALPROATE DE)").
const CATIONS = new Set(['sodium', 'potassium', 'calcium', 'magnesium', 'zinc', 'aluminium']);
// The thesaurus names a few substances otherwise than the BDPM does.
const ALIASES = new Map([
  ['valproate', 'acide valproique'],
  ['valproate de sodium', 'acide valproique'],
  ['valpromide', 'acide valproique'],
]);
// The names a substance may go by in the thesaurus, longest first: as written, as the BDPM's
// bracketed form reads ("AMIODARONE (CHLORHYDRATE D')" is chlorhydrate d'amiodarone, that is
// amiodarone; "SODIUM (VALPROATE DE)" is valproate de sodium; "ACÉTYLSALICYLIQUE (ACIDE)" is
// acide acétylsalicylique), without its hydration or its cation, without the acid or salt it is
// a salt of ("chlorhydrate de X" is X).
function candidates(name) {
  const found = [];
  const add = (words) => {
    const text = words.join(' ');
    found.push(text);
    if (ALIASES.has(text)) found.push(ALIASES.get(text));
  };
  let folded = fold(name);
  const bracket = folded.match(/^(.+?) \((.+)\)$/);
  if (bracket) {
    const [, base, salt] = bracket;
    const of = salt.match(/^(.+?) (?:de|d')$/);
    if (salt === 'acide') {
      folded = `acide ${base}`;
    } else if (of && CATIONS.has(base)) {
      add([of[1], 'de', base]);
      folded = of[1];
    } else if (of) {
      add([`${of[1]} ${salt.endsWith("d'") ? `d'${base}` : `de ${base}`}`]);
      folded = base;
    } else {
      add([folded]);
      folded = base;
    }
  }
  let words = folded.split(' ');
  add(words);
  while (words.length > 1 && SALT_WORDS.test(words[words.length - 1])) {
    words = words.slice(0, -1);
    add(words);
  }
  const of = words.findIndex((word) => word === 'de' || word.startsWith("d'"));
  if (of === 1 && words.length > 2) {
    words = words.slice(2);
    add(words);
  } else if (of === 1 && words[1].startsWith("d'")) {
    words = [words[1].slice(2), ...words.slice(2)];
    add(words);
  }
  return found;
}
// The thesaurus's name for a substance, if it knows it.
const thesaurusName = (name) => {
  for (const candidate of candidates(name)) {
    if (thesaurus.has(candidate)) return thesaurus.get(candidate);
  }
  return undefined;
};

const names = new Map(); // CIS → spoken name
for (const [cis, name] of rows('CIS_bdpm.txt')) names.set(cis, spoken(name));

// CIS → link number → { fractions, salts }
const composition = new Map();
// The BDPM's code of each substance name it writes (CIS_COMPO's third column).
const bdpmCodes = new Map();
for (const [cis, element, code, substance, , , nature, link] of rows('CIS_COMPO_bdpm.txt')) {
  if (!substance) continue;
  const links = composition.get(cis) ?? new Map();
  composition.set(cis, links);
  const key = `${element}\u0000${link}`;
  const group = links.get(key) ?? { FT: new Set(), SA: new Set() };
  links.set(key, group);
  if (nature === 'FT' || nature === 'SA') group[nature].add(substance);
  if (/^[0-9]+$/.test(code ?? '')) {
    const codes = bdpmCodes.get(substance) ?? new Set();
    bdpmCodes.set(substance, codes);
    codes.add(code);
  }
}
// Each kept substance name → the BDPM codes of the substances written exactly so (a name the
// thesaurus gave a salt, "warfarine" for WARFARINE SODIQUE, is not that salt: no code from it).
const codesOfName = new Map();
// Of a substance and its therapeutic fraction, the one the thesaurus knows (the fraction first);
// as the BDPM writes it when the thesaurus knows neither.
const substancesOf = (cis) => {
  const found = new Set();
  const keep = (name, written) => {
    found.add(name);
    const codes = codesOfName.get(name) ?? new Set();
    codesOfName.set(name, codes);
    if (fold(name) === fold(written)) for (const code of bdpmCodes.get(written) ?? []) codes.add(code);
  };
  for (const group of (composition.get(cis) ?? new Map()).values()) {
    const known = (names) => [...names].map((written) => [thesaurusName(written), written]);
    const [fractions, salts] = [known(group.FT), known(group.SA)];
    if (fractions.length && fractions.every(([name]) => name)) fractions.forEach(([name, written]) => keep(name, written));
    else if (salts.length && salts.every(([name]) => name)) salts.forEach(([name, written]) => keep(name, written));
    else for (const name of group.FT.size ? group.FT : group.SA) keep(name, name);
  }
  return [...found].sort();
};

const packs = new Map(); // CIS → CIP13 suffixes
for (const fields of rows('CIS_CIP_bdpm.txt')) {
  const [cis, cip13] = [fields[0], fields[6]];
  if (!/^34009[0-9]{8}$/.test(cip13 ?? '')) continue;
  const list = packs.get(cis) ?? [];
  packs.set(cis, list);
  list.push(Number(cip13.slice(5)));
}

// One entry per name and substances.
const entries = new Map();
for (const [cis, name] of names) {
  const substances = substancesOf(cis);
  if (!substances.length) continue;
  const key = `${name}\u0000${substances.join('\u0000')}`;
  const entry = entries.get(key) ?? { name, substances, packs: [] };
  entries.set(key, entry);
  entry.packs.push(...(packs.get(cis) ?? []));
}

const allSubstances = [...new Set([...entries.values()].flatMap((entry) => entry.substances))].sort();
const index = new Map(allSubstances.map((name, i) => [name, i]));
const medicines = [...entries.values()]
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.substances.join() < b.substances.join() ? -1 : 1))
  .map((entry) => {
    const sorted = [...new Set(entry.packs)].sort((a, b) => a - b);
    // Packs as differences from the one before: small numbers, a smaller file.
    const deltas = sorted.map((cip, i) => (i === 0 ? cip : cip - sorted[i - 1]));
    return [entry.name, entry.substances.map((name) => index.get(name)), deltas];
  });

// Each substance's BDPM code where exactly one substance of the BDPM is written so; "" where
// none or several are (the name stays, uncoded).
const substanceCodes = allSubstances.map((name) => {
  const codes = [...(codesOfName.get(name) ?? [])];
  return codes.length === 1 ? codes[0] : '';
});

const file = {
  format: 'carnet-bdpm-medicines/1',
  source: 'ANSM — base de données publique des médicaments, juin 2022',
  substances: allSubstances,
  substance_codes: substanceCodes,
  medicines,
};
const text = `${JSON.stringify(file)}\n`;

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(out, 'utf8');
  } catch {}
  if (committed !== text) {
    console.error(`${out} is not what scripts/bdpm-convert.mjs makes: run it and commit the result`);
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
  console.log(`${out}: ${medicines.length} medicines, ${allSubstances.length} substances, ${text.length} bytes`);
}
