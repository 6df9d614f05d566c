// Shrinks every WebAssembly module of a folder in place, as `wasm-opt -Oz --strip-debug
// --strip-producers` does, with binaryen 132 from npm (never Debian's older one, which
// miscompiles). One process for all of them: the npm binaryen is compiled to JavaScript and takes
// about a second to start, which, paid once per module, cost minutes for the ~200 chunks
// wasm-split makes. Same passes, same levels, same bytes as the command line.
// Usage: node scripts/wasm-opt-all.mjs <folder>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import binaryen from 'binaryen';

const folder = process.argv[2];
if (!folder) throw new Error('usage: wasm-opt-all.mjs <folder>');

// The features rustc enables by default for wasm32, as the command line's --enable-* flags turn
// them on (bulk memory with its opt, reference types with overlong call_indirect).
const { Features } = binaryen;
const features = Features.MVP | Features.BulkMemory | Features.BulkMemoryOpt | Features.NontrappingFPToInt | Features.SignExt
  | Features.MutableGlobals | Features.ReferenceTypes | Features.CallIndirectOverlong | Features.Multivalue;

// -Oz
binaryen.setOptimizeLevel(2);
binaryen.setShrinkLevel(2);
binaryen.setDebugInfo(false);
// As the command line writes an optimised module: through optimised stack IR.
binaryen.setGenerateStackIR(true);
binaryen.setOptimizeStackIR(true);

const modules = readdirSync(folder).filter((name) => name.endsWith('.wasm')).sort();
let before = 0;
let after = 0;
for (const name of modules) {
  const path = join(folder, name);
  const input = readFileSync(path);
  const module = binaryen.readBinary(input);
  try {
    // Those the module declares (its target_features section), as the command line reads them.
    module.setFeatures(module.getFeatures() | features);
    module.optimize();
    module.runPasses(['strip-debug', 'strip-producers']);
    if (!module.validate()) throw new Error(`${name}: not valid after optimisation`);
    const output = module.emitBinary();
    writeFileSync(path, output);
    before += input.length;
    after += output.length;
  } finally {
    module.dispose();
  }
}
console.error(`[wasm-opt] ${modules.length} modules, ${before.toLocaleString('en-US')} → ${after.toLocaleString('en-US')} bytes`);
